package web

import (
	"net/http"

	"anchor/internal/cases"
	"anchor/internal/users"
)

// logContact records a call, email, chat or visit with the customer.
func (s *Server) logContact(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil {
		return err
	}
	n := cases.NewContact{Channel: r.PostForm.Get("channel"), Direction: r.PostForm.Get("direction"), Note: r.PostForm.Get("note")}
	started, err := s.localTime(r, "started_at")
	if err == nil {
		n.StartedAt = started
		_, err = s.Cases.LogContact(r.Context(), u.Actor(), id, n)
	}
	if err != nil {
		if f := refused("contact", r, err); f != nil {
			return s.renderCase(w, r, u, id, f)
		}
		return err
	}
	return s.seeOther(w, r, "/cases/"+id+"#contacts", "Contact logged.")
}
