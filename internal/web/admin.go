package web

import (
	"net/http"

	"anchor/internal/users"
)

// showAdmin is the administration index: what the user's role may manage.
func (s *Server) showAdmin(w http.ResponseWriter, r *http.Request, u users.User) error {
	s.render(w, r, http.StatusOK, "admin", &view{Title: "Administration", Nav: "admin", User: u})
	return nil
}
