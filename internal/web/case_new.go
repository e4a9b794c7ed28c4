package web

import (
	"net/http"

	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/users"
)

type newCaseData struct {
	Customer   customers.Customer
	Channels   []string
	Priorities []string
	Dir        *directory
}

// showNewCase shows the form to open a case for a customer; without one it
// sends the user to pick the customer first.
func (s *Server) showNewCase(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.URL.Query().Get("customer")
	if id == "" {
		return s.seeOther(w, r, "/customers", "Pick the customer the new case is for, then choose “New case”.")
	}
	return s.renderNewCase(w, r, u, id, nil)
}

func (s *Server) renderNewCase(w http.ResponseWriter, r *http.Request, u users.User, customerID string, form *formState) error {
	c, err := s.Customers.Get(r.Context(), customerID)
	if err != nil {
		return err
	}
	dir, err := s.directory(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "case_new", &view{Title: "New case for " + c.Name, Nav: "cases", User: u, Form: form,
		Data: newCaseData{Customer: c, Channels: cases.Channels, Priorities: cases.Priorities, Dir: dir}})
	return nil
}
