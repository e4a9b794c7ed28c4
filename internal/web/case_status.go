package web

import (
	"net/http"

	"anchor/internal/cases"
	"anchor/internal/users"
)

// updateCase changes a case's status (only to the statuses its lifecycle
// allows now: the form lists no other) and its priority. The form carries
// the version it was based on; when someone else changed the case first,
// the page comes back with the current case and the user's choice kept.
func (s *Server) updateCase(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err == nil {
		up := cases.Update{Version: version}
		if st := r.PostForm.Get("status"); st != "" {
			up.Status = &st
		}
		if p := r.PostForm.Get("priority"); p != "" {
			up.Priority = &p
		}
		_, err = s.Cases.Update(r.Context(), u.Actor(), id, up)
	}
	if err != nil {
		if f := refused("status", r, err); f != nil {
			return s.renderCase(w, r, u, id, f)
		}
		return err
	}
	return s.seeOther(w, r, "/cases/"+id, "Case updated.")
}
