package web

import (
	"net/http"
	"slices"

	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/feedback"
	"anchor/internal/store"
	"anchor/internal/surveys"
	"anchor/internal/users"
)

type customerData struct {
	Customer customers.Customer
	Segment  customers.Segment
	History  []customers.OwnerChange
	Cases    []cases.Case
	More     bool
	Open     int
	Handoffs []waitingHandoff
	Dir      *directory

	// Performance counts, per clock, the customer's cases that met or
	// breached it; Tracked is how many cases a service level applied to,
	// out of Counted (the newest performanceLimit at most).
	Performance      []clockTally
	Tracked, Counted int
	Capped           bool
	Relationship     relationshipView
	Channels         []string
	// The customer's voice: survey answers and feedback items, newest
	// first (the newest voiceShown of each).
	Responses []surveys.Response
	Feedback  []feedback.Item
}

const voiceShown = 20

// performanceLimit bounds the cases the SLA performance is counted over,
// so that a very large account still renders fast.
const performanceLimit = 5000

// showCustomer is the customer 360: the account, its owner and how the
// ownership moved, its people, every case, and the work waiting on
// departments, its service-level performance and its proactive contacts.
// Survey answers and feedback have their places, filled as those
// capabilities land.
func (s *Server) showCustomer(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderCustomer(w, r, u, r.PathValue("id"), nil)
}

func (s *Server) renderCustomer(w http.ResponseWriter, r *http.Request, u users.User, id string, form *formState) error {
	ctx := r.Context()
	c, err := s.Customers.Get(ctx, id)
	if err != nil {
		return err
	}
	d := customerData{Customer: c}
	if d.Segment, err = s.Customers.Segment(ctx, c.SegmentID); err != nil {
		return err
	}
	if d.History, err = s.Customers.OwnerHistory(ctx, id); err != nil {
		return err
	}
	// Newest change first.
	for i, j := 0, len(d.History)-1; i < j; i, j = i+1, j-1 {
		d.History[i], d.History[j] = d.History[j], d.History[i]
	}
	var next string
	if d.Cases, next, err = s.Cases.List(ctx, cases.Filter{CustomerID: id, Page: store.Page{Limit: 100}}); err != nil {
		return err
	}
	d.More = next != ""
	if err := s.tallyPerformance(r, &d, next); err != nil {
		return err
	}
	for _, k := range d.Cases {
		if k.Status == cases.StatusClosed || k.Status == cases.StatusResolved {
			continue
		}
		d.Open++
		hs, _, err := s.Cases.Handoffs(ctx, cases.HandoffFilter{CaseID: k.ID, Open: true})
		if err != nil {
			return err
		}
		for _, h := range hs {
			d.Handoffs = append(d.Handoffs, newWaitingHandoff(h, k.Subject))
		}
	}
	slices.SortStableFunc(d.Handoffs, handoffsByUrgency)
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	if d.Relationship, err = s.customerRelationship(ctx, c.ID, c.OwnerID, d.Segment.Name); err != nil {
		return err
	}
	d.Channels = relationshipChannels
	if d.Responses, _, err = s.Surveys.Responses(ctx, surveys.ResponseFilter{CustomerID: c.ID, Page: store.Page{Limit: voiceShown}}); err != nil {
		return err
	}
	if d.Feedback, _, err = s.Feedback.List(ctx, u.Actor(), feedback.Filter{CustomerID: c.ID, Page: store.Page{Limit: voiceShown}}); err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "customer", &view{Title: c.Name, Nav: "customers", User: u, Form: form, Data: d})
	return nil
}

// tallyPerformance counts the customer's cases' clocks: the cases already
// read (d.Cases), then the older ones from cursor on.
func (s *Server) tallyPerformance(r *http.Request, d *customerData, cursor string) error {
	d.Performance = []clockTally{{Name: "First response"}, {Name: "Next update"}, {Name: "Resolution"}}
	count := func(list []cases.Case) {
		for _, k := range list {
			d.Counted++
			if k.SLA == nil {
				continue
			}
			d.Tracked++
			d.Performance[0].add(k.SLA.FirstResponse)
			d.Performance[1].add(k.SLA.NextUpdate)
			d.Performance[2].add(k.SLA.Resolution)
		}
	}
	count(d.Cases)
	for cursor != "" {
		if d.Counted >= performanceLimit {
			d.Capped = true
			break
		}
		list, next, err := s.Cases.List(r.Context(), cases.Filter{CustomerID: d.Customer.ID, Page: store.Page{Limit: store.MaxPageSize, Cursor: cursor}})
		if err != nil {
			return err
		}
		count(list)
		cursor = next
	}
	return nil
}
