package web

import (
	"net/http"

	"anchor/internal/cases"
	"anchor/internal/users"
)

// createCase opens a case and, unless unticked, logs the contact that
// brought it in (so first-contact resolution can be measured from it).
func (s *Server) createCase(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	n := cases.NewCase{CustomerID: f.Get("customer_id"), Subject: f.Get("subject"), Description: f.Get("description"),
		Channel: f.Get("channel"), Category: f.Get("category"), Priority: f.Get("priority"), OwnerID: f.Get("owner_id")}
	if f.Get("first_contact") != "" {
		n.FirstContact = &cases.NewContact{Direction: "inbound", Note: f.Get("contact_note")}
	}
	c, err := s.Cases.Create(r.Context(), u.Actor(), n)
	if err != nil {
		if fs := refused("case", r, err); fs != nil && n.CustomerID != "" {
			return s.renderNewCase(w, r, u, n.CustomerID, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/cases/"+c.ID, "Case opened.")
}
