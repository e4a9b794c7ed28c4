package web

import (
	"net/http"

	"anchor/internal/cases"
	"anchor/internal/users"
)

// addMessage adds a note for colleagues, a reply to the customer, or a
// message the customer sent by other means. A message only appends, so it
// carries no version: nothing it writes can overwrite someone else's work.
func (s *Server) addMessage(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil {
		return err
	}
	n := cases.NewMessage{Body: r.PostForm.Get("body")}
	kind := r.PostForm.Get("kind")
	switch kind {
	case "reply":
		n.Visibility = "public"
	case "customer":
		n.Visibility, n.FromCustomer = "public", true
	default:
		n.Visibility = "internal"
	}
	if _, err := s.Cases.AddMessage(r.Context(), u.Actor(), id, n); err != nil {
		if f := refused("message", r, err); f != nil {
			return s.renderCase(w, r, u, id, f)
		}
		return err
	}
	flash := "Note added."
	switch kind {
	case "reply":
		flash = "Reply added."
	case "customer":
		flash = "Customer's message recorded."
	}
	return s.seeOther(w, r, "/cases/"+id+"#messages", flash)
}
