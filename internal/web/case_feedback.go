package web

import (
	"net/http"

	"anchor/internal/feedback"
	"anchor/internal/users"
)

// captureFeedback records what the customer said on this case (an issue,
// opportunity, threat, praise, complaint or idea) for the department or
// product area it concerns.
func (s *Server) captureFeedback(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	_, err := s.Feedback.Create(r.Context(), u.Actor(), feedback.NewItem{Type: f.Get("type"), CaseID: id, Text: f.Get("text"),
		DepartmentID: f.Get("department_id"), ProductArea: f.Get("product_area")})
	if err != nil {
		if fs := refused("feedback", r, err); fs != nil {
			return s.renderCase(w, r, u, id, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/cases/"+id+"#feedback", "Feedback captured.")
}
