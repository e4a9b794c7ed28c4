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
	Board       wallboardSnapshot
	Departments []deptLoad
	Truncated   bool
}

// showWallboard is the supervisor's wall screen: per queue, who waits now
// and for how long, today's service level and abandonment, and the agents'
// states. The page is the snapshot at the time it was served, so it works
// without JavaScript (a meta refresh then reloads it); with JavaScript,
// app.js follows /wallboard/stream and redraws it from each snapshot.
// Below it, the work open with departments, from the handoffs.
func (s *Server) showWallboard(w http.ResponseWriter, r *http.Request, u users.User) error {
	ctx := r.Context()
	// While boards are open the page takes their snapshot: a page view
	// costs no more than a tick does.
	board, _, err := s.wallboard.refresh(ctx, s.WallboardEvery)
	if err != nil {
		return err
	}
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
	d := wallboardData{Board: board, Truncated: next != ""}
	for _, l := range load {
		d.Departments = append(d.Departments, *l)
	}
	slices.SortFunc(d.Departments, func(a, b deptLoad) int { return b.Late*1000 + b.Open - (a.Late*1000 + a.Open) })
	s.render(w, r, http.StatusOK, "wallboard", &view{Title: "Wallboard", Nav: "wallboard", User: u, Data: d})
	return nil
}
