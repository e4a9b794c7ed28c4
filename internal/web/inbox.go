package web

import (
	"net/http"
	"slices"

	"anchor/internal/cases"
	"anchor/internal/store"
	"anchor/internal/users"
)

type inboxItem struct {
	cases.Handoff
	Subject  string
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
	Dir  *directory
}

// showInbox lists the handoffs sent to a department, the open ones by due
// time (late first), with their service-level state. A department member
// sees only their own department's; supervisors and up may pick any.
func (s *Server) showInbox(w http.ResponseWriter, r *http.Request, u users.User) error {
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
		d.Items = append(d.Items, inboxItem{Handoff: h, Subject: c.Subject, Customer: d.Dir.CustomerName(c.CustomerID)})
		if h.Late && h.Open() {
			d.Late++
		}
	}
	if !d.All {
		slices.SortFunc(d.Items, func(a, b inboxItem) int { return a.DueAt.Compare(b.DueAt) })
	}
	title := "Department inbox"
	if d.Department != "" {
		title = d.Dir.DeptName(d.Department) + " inbox"
	}
	s.render(w, r, http.StatusOK, "inbox", &view{Title: title, Nav: "inbox", User: u, Data: d})
	return nil
}
