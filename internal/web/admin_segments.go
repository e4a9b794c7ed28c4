package web

import (
	"net/http"

	"anchor/internal/customers"
	"anchor/internal/users"
)

func (s *Server) showSegments(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderSegments(w, r, u, nil)
}

func (s *Server) renderSegments(w http.ResponseWriter, r *http.Request, u users.User, form *formState) error {
	segs, err := s.Customers.Segments(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "admin_segments", &view{Title: "Segments", Nav: "admin", User: u, Form: form, Data: segs})
	return nil
}

// createSegment adds a customer segment: the unit the service matrix sets
// service levels for.
func (s *Server) createSegment(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	seg, err := s.Customers.CreateSegment(r.Context(), customers.NewSegment{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description")})
	if err != nil {
		if fs := refused("segment", r, err); fs != nil {
			return s.renderSegments(w, r, u, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/segments", "Segment "+seg.Name+" created.")
}
