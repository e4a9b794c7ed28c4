package web

import (
	"net/http"
	"slices"
	"time"

	"anchor/internal/cases"
	"anchor/internal/store"
	"anchor/internal/users"
)

// workCase is a case on an agent's list, with what ranks it.
type workCase struct {
	cases.Case
	Customer string
	// SLA is the case's service-level state. It stays unknown until the
	// service-level capability sets due times on cases; urgency then ranks
	// by it before priority.
	SLA slaState
}

// slaState is where a case stands against its service level.
type slaState struct {
	Known bool
	DueAt time.Time
	// State is on_track, at_risk or breached.
	State string
}

var priorityRank = map[string]int{"urgent": 0, "high": 1, "normal": 2, "low": 3}
var slaRank = map[string]int{"breached": 0, "at_risk": 1, "on_track": 2}

// byUrgency orders an agent's open cases: breached, then at-risk service
// levels by due time (once known), then priority, then the oldest first.
func byUrgency(a, b workCase) int {
	if a.SLA.Known && b.SLA.Known {
		if ra, rb := slaRank[a.SLA.State], slaRank[b.SLA.State]; ra != rb {
			return ra - rb
		}
		if c := a.SLA.DueAt.Compare(b.SLA.DueAt); c != 0 {
			return c
		}
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
}

type workspaceData struct {
	Cases     []workCase
	More      bool
	Callbacks []dueCallback
	Handoffs  []waitingHandoff
	EndOfDay  time.Time
	Dir       *directory
}

// workspaceLimit bounds the open cases listed; an agent with more has a
// backlog problem the list would not solve.
const workspaceLimit = 200

// showWorkspace is an agent's day: their open cases by urgency, the
// callbacks they owe today, and the handoffs their cases wait on.
func (s *Server) showWorkspace(w http.ResponseWriter, r *http.Request, u users.User) error {
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
	d := workspaceData{Dir: dir, More: next != ""}
	subjects := map[string]string{}
	for _, c := range list {
		d.Cases = append(d.Cases, workCase{Case: c, Customer: dir.CustomerName(c.CustomerID)})
		subjects[c.ID] = c.Subject
	}
	slices.SortStableFunc(d.Cases, byUrgency)

	now := s.DB.Now().In(s.Location)
	d.EndOfDay = time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, s.Location)
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
			d.Handoffs = append(d.Handoffs, waitingHandoff{h, c.Subject})
		}
	}
	slices.SortFunc(d.Handoffs, func(a, b waitingHandoff) int { return a.DueAt.Compare(b.DueAt) })
	s.render(w, r, http.StatusOK, "workspace", &view{Title: "My work", Nav: "workspace", User: u, Data: d})
	return nil
}
