package web

import (
	"net/http"

	"anchor/internal/customers"
	"anchor/internal/users"
)

type newCustomerData struct {
	Segments []customers.Segment
	Dir      *directory
}

func (s *Server) showNewCustomer(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderNewCustomer(w, r, u, nil)
}

func (s *Server) renderNewCustomer(w http.ResponseWriter, r *http.Request, u users.User, form *formState) error {
	segs, err := s.Customers.Segments(r.Context())
	if err != nil {
		return err
	}
	dir, err := s.directory(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "customer_new", &view{Title: "New customer", Nav: "customers", User: u, Form: form,
		Data: newCustomerData{Segments: segs, Dir: dir}})
	return nil
}
