package web

import (
	"net/http"
	"slices"

	"anchor/internal/cases"
	"anchor/internal/store"
	"anchor/internal/users"
)

type deptLoad struct {
	ID         string
	Name       string
	Open, Late int
}

type wallboardData struct {
	Departments []deptLoad
	Truncated   bool
}

// showWallboard is the supervisor's wall screen. Queues and agent states
// come from the contact-center capability, which is not here yet: the page
// says so plainly rather than show invented numbers. What exists now, the
// work open with departments, is shown from the handoffs themselves.
func (s *Server) showWallboard(w http.ResponseWriter, r *http.Request, u users.User) error {
	ctx := r.Context()
	dir, err := s.directory(ctx)
	if err != nil {
		return err
	}
	hs, next, err := s.Cases.Handoffs(ctx, cases.HandoffFilter{Open: true, Page: store.Page{Limit: store.MaxPageSize}})
	if err != nil {
		return err
	}
	load := map[string]*deptLoad{}
	for _, h := range hs {
		l, ok := load[h.DepartmentID]
		if !ok {
			l = &deptLoad{ID: h.DepartmentID, Name: dir.DeptName(h.DepartmentID)}
			load[h.DepartmentID] = l
		}
		l.Open++
		if h.Late {
			l.Late++
		}
	}
	d := wallboardData{Truncated: next != ""}
	for _, l := range load {
		d.Departments = append(d.Departments, *l)
	}
	slices.SortFunc(d.Departments, func(a, b deptLoad) int { return b.Late*1000 + b.Open - (a.Late*1000 + a.Open) })
	s.render(w, r, http.StatusOK, "wallboard", &view{Title: "Wallboard", Nav: "wallboard", User: u, Data: d})
	return nil
}
