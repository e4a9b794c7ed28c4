package web

import (
	"net/http"
	"slices"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/users"
)

type handoffData struct {
	Handoff  cases.Handoff
	Subject  string
	Customer string
	Dir      *directory
	// Provider: the user may act for the department (accept, answer,
	// complete, send back). Requester: the user may cancel it (case side).
	Provider, Requester bool
	// CaseLink is set for users who may open the case itself.
	CaseLink bool
}

func (s *Server) showHandoff(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderHandoff(w, r, u, r.PathValue("id"), nil)
}

// visibleHandoff returns a handoff the user may see: a department member
// sees only their department's, and any other is "not found" to them, as
// in the API, so that ids reveal nothing.
func (s *Server) visibleHandoff(r *http.Request, u users.User, id string) (cases.Handoff, error) {
	h, err := s.Cases.Handoff(r.Context(), id)
	if err != nil {
		return cases.Handoff{}, err
	}
	if u.Role == users.RoleDepartment && h.DepartmentID != u.DepartmentID {
		return cases.Handoff{}, anchor.NotFound("handoff", id)
	}
	return h, nil
}

// renderHandoff shows one handoff. A department member sees the case's
// subject and customer (the context the request needs) but not the case
// itself, which the API does not give them either.
func (s *Server) renderHandoff(w http.ResponseWriter, r *http.Request, u users.User, id string, form *formState) error {
	h, err := s.visibleHandoff(r, u, id)
	if err != nil {
		return err
	}
	c, err := s.Cases.Get(r.Context(), h.CaseID)
	if err != nil {
		return err
	}
	dir, err := s.directory(r.Context())
	if err != nil {
		return err
	}
	d := handoffData{Handoff: h, Subject: c.Subject, Customer: dir.CustomerName(c.CustomerID), Dir: dir,
		Provider:  slices.Contains(inboxRoles, u.Role),
		Requester: slices.Contains(staff, u.Role),
		CaseLink:  slices.Contains(staff, u.Role)}
	s.render(w, r, pageStatus(form), "handoff", &view{Title: "Handoff to " + dir.DeptName(h.DepartmentID), Nav: "inbox", User: u, Form: form, Data: d})
	return nil
}
