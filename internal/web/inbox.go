package web

import (
	"net/http"
	"slices"

	"anchor/internal/cases"
	"anchor/internal/feedback"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/users"
)

type inboxItem struct {
	waitingHandoff
	Customer string
}

type inboxData struct {
	Items []inboxItem
	// Department is the department shown; "" means all (not for members).
	Department string
	// Own is set for a department member, who sees only their department.
	Own  bool
	All  bool
	Late int
	// Breached and AtRisk count the open handoffs with a clock in that
	// state.
	Breached, AtRisk int
	Dir              *directory
	// Feedback are the feedback items sent to the department (open ones;
	// all with show=all), to acknowledge, answer and close.
	Feedback []feedback.Item
}

// showInbox lists the handoffs sent to a department, the open ones by
// urgency (breached accept or complete clocks first, then at risk, then by
// the earliest due time), with each clock's state. A department member
// sees only their own department's; supervisors and up may pick any.
func (s *Server) showInbox(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderInbox(w, r, u, nil)
}

func (s *Server) renderInbox(w http.ResponseWriter, r *http.Request, u users.User, form *formState) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := inboxData{Department: q.Get("department"), All: q.Get("show") == "all"}
	if u.Role == users.RoleDepartment {
		d.Department, d.Own = u.DepartmentID, true
	}
	var err error
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	// Open handoffs are all listed (a department's working set); the full
	// history shows the newest hundred, which keeps the page fast.
	limit := store.MaxPageSize
	if d.All {
		limit = 100
	}
	f := cases.HandoffFilter{DepartmentID: d.Department, Open: !d.All, Page: store.Page{Limit: limit}}
	hs, _, err := s.Cases.Handoffs(ctx, f)
	if err != nil {
		return err
	}
	caseOf := map[string]cases.Case{}
	for _, h := range hs {
		c, ok := caseOf[h.CaseID]
		if !ok {
			if c, err = s.Cases.Get(ctx, h.CaseID); err != nil {
				return err
			}
			caseOf[h.CaseID] = c
		}
		it := inboxItem{waitingHandoff: newWaitingHandoff(h, c.Subject), Customer: d.Dir.CustomerName(c.CustomerID)}
		d.Items = append(d.Items, it)
		if h.Open() {
			if h.Late {
				d.Late++
			}
			switch it.Urgency.State {
			case servicelevel.StateBreached:
				d.Breached++
			case servicelevel.StateAtRisk:
				d.AtRisk++
			}
		}
	}
	if !d.All {
		slices.SortStableFunc(d.Items, func(a, b inboxItem) int { return handoffsByUrgency(a.waitingHandoff, b.waitingHandoff) })
	}
	if d.Feedback, _, err = s.Feedback.List(ctx, u.Actor(), feedback.Filter{DepartmentID: d.Department, Open: !d.All, Page: store.Page{Limit: 100}}); err != nil {
		return err
	}
	title := "Department inbox"
	if d.Department != "" {
		title = d.Dir.DeptName(d.Department) + " inbox"
	}
	s.render(w, r, pageStatus(form), "inbox", &view{Title: title, Nav: "inbox", User: u, Form: form, Data: d})
	return nil
}
