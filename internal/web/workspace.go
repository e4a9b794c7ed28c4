package web

import (
	"net/http"
	"slices"
	"time"

	"anchor/internal/cases"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/users"
)

// workCase is a case on an agent's list, with what ranks it.
type workCase struct {
	cases.Case
	Customer string
	Clocks   []clockView
	Urgency  urgency
}

var priorityRank = map[string]int{"urgent": 0, "high": 1, "normal": 2, "low": 3}

// byUrgency orders an agent's open cases: breached service levels first,
// then at risk, then by the earliest due time of any running clock, and
// cases the matrix owes nothing last; ties go by priority, then age.
func byUrgency(a, b workCase) int {
	if c := compareUrgency(a.Urgency, b.Urgency); c != 0 {
		return c
	}
	if pa, pb := priorityRank[a.Priority], priorityRank[b.Priority]; pa != pb {
		return pa - pb
	}
	return a.CreatedAt.Compare(b.CreatedAt)
}

type dueCallback struct {
	cases.Callback
	Subject string
}

type waitingHandoff struct {
	cases.Handoff
	Subject string
	Clocks  []clockView
	Urgency urgency
}

func newWaitingHandoff(h cases.Handoff, subject string) waitingHandoff {
	clocks := handoffClocks(h.SLA)
	return waitingHandoff{Handoff: h, Subject: subject, Clocks: clocks, Urgency: urgencyOf(clocks, worstState(clocks))}
}

// handoffsByUrgency orders open handoffs like cases, and those without a
// service level by their due time.
func handoffsByUrgency(a, b waitingHandoff) int {
	if c := compareUrgency(a.Urgency, b.Urgency); c != 0 {
		return c
	}
	return a.DueAt.Compare(b.DueAt)
}

// dueContact is an account owed a proactive contact, with what logging
// one must record.
type dueContact struct {
	servicelevel.DueContact
	Required []string
}

type workspaceData struct {
	Cases     []workCase
	More      bool
	Callbacks []dueCallback
	Handoffs  []waitingHandoff
	Contacts  []dueContact
	// ContactDays is how far ahead proactive contacts are listed.
	ContactDays int
	Channels    []string
	EndOfDay    time.Time
	Dir         *directory
}

// workspaceLimit bounds the open cases listed; an agent with more has a
// backlog problem the list would not solve.
const workspaceLimit = 200

// contactHorizonDays is how far ahead the workspace lists proactive
// contacts: a week, to plan them, besides the overdue ones.
const contactHorizonDays = 7

// showWorkspace is an agent's day: their open cases by urgency, the
// callbacks they owe today, the handoffs their cases wait on and the
// proactive contacts their accounts are owed.
func (s *Server) showWorkspace(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderWorkspace(w, r, u, nil)
}

func (s *Server) renderWorkspace(w http.ResponseWriter, r *http.Request, u users.User, form *formState) error {
	if u.Role == users.RoleDepartment {
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
		return nil
	}
	ctx := r.Context()
	dir, err := s.directory(ctx)
	if err != nil {
		return err
	}
	list, next, err := s.Cases.List(ctx, cases.Filter{Active: true, OwnerID: u.ID, Page: store.Page{Limit: workspaceLimit}})
	if err != nil {
		return err
	}
	d := workspaceData{Dir: dir, More: next != "", ContactDays: contactHorizonDays, Channels: relationshipChannels}
	subjects := map[string]string{}
	for _, c := range list {
		clocks := caseClocks(c.SLA)
		d.Cases = append(d.Cases, workCase{Case: c, Customer: dir.CustomerName(c.CustomerID), Clocks: clocks, Urgency: urgencyOf(clocks, c.SLAState)})
		subjects[c.ID] = c.Subject
	}
	slices.SortStableFunc(d.Cases, byUrgency)

	d.EndOfDay = endOfDay(s.DB.Now(), s.Location)
	cbs, _, err := s.Cases.Callbacks(ctx, cases.CallbackFilter{DueBefore: &d.EndOfDay, OwnerID: u.ID, Status: cases.CallbackPromised, Page: store.Page{Limit: store.MaxPageSize}})
	if err != nil {
		return err
	}
	for _, cb := range cbs {
		subject, ok := subjects[cb.CaseID]
		if !ok {
			if c, err := s.Cases.Get(ctx, cb.CaseID); err == nil {
				subject = c.Subject
			}
		}
		d.Callbacks = append(d.Callbacks, dueCallback{cb, subject})
	}
	slices.SortFunc(d.Callbacks, func(a, b dueCallback) int { return a.WindowStart.Compare(b.WindowStart) })

	for _, c := range list {
		hs, _, err := s.Cases.Handoffs(ctx, cases.HandoffFilter{CaseID: c.ID, Open: true})
		if err != nil {
			return err
		}
		for _, h := range hs {
			d.Handoffs = append(d.Handoffs, newWaitingHandoff(h, c.Subject))
		}
	}
	slices.SortStableFunc(d.Handoffs, handoffsByUrgency)

	if d.Contacts, err = s.dueContacts(r, u.ID); err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "workspace", &view{Title: "My work", Nav: "workspace", User: u, Form: form, Data: d})
	return nil
}

// endOfDay is the first instant of the day after t, in loc: "today" for
// callbacks is a day where the agent works.
func endOfDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
}
