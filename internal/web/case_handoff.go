package web

import (
	"net/http"

	"anchor/internal/cases"
	"anchor/internal/users"
)

// sendHandoff hands part of the case's work to a department. The due time
// is the department's own service level unless the agent sets one.
func (s *Server) sendHandoff(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil {
		return err
	}
	n := cases.NewHandoff{DepartmentID: r.PostForm.Get("department_id"), Request: r.PostForm.Get("request")}
	due, err := s.localTime(r, "due_at")
	if err == nil {
		n.DueAt = due
		_, err = s.Cases.SendHandoff(r.Context(), u.Actor(), id, n)
	}
	if err != nil {
		if f := refused("handoff", r, err); f != nil {
			return s.renderCase(w, r, u, id, f)
		}
		return err
	}
	return s.seeOther(w, r, "/cases/"+id+"#handoffs", "Handoff sent.")
}
