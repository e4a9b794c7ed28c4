package web

import (
	"net/http"

	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/store"
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
}

// showCustomer is the customer 360: the account, its owner and how the
// ownership moved, its people, every case, and the work waiting on
// departments. Survey answers, feedback, service-level performance and
// proactive contacts have their places, filled as those capabilities land.
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
			d.Handoffs = append(d.Handoffs, waitingHandoff{h, k.Subject})
		}
	}
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	status := http.StatusOK
	if form != nil {
		status = formStatus(form)
	}
	s.render(w, r, status, "customer", &view{Title: c.Name, Nav: "customers", User: u, Form: form, Data: d})
	return nil
}
