package web

import (
	"net/http"

	"anchor"
	"anchor/internal/feedback"
	"anchor/internal/users"
)

// updateFeedback is a department's answer to a feedback item: acknowledge
// it, answer it, close it with what was done, or mark an idea implemented.
// The feedback package checks the move and who may make it (a department
// member only for their department); the form carries the item's version.
func (s *Server) updateFeedback(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	version, err := formVersion(r)
	up := feedback.Update{Version: version}
	status := func(st string) { up.Status = &st }
	var flash string
	switch f.Get("action") {
	case "acknowledge":
		status(feedback.StatusAcknowledged)
		flash = "Feedback acknowledged."
	case "answer":
		answer := f.Get("answer")
		status(feedback.StatusAnswered)
		up.Answer = &answer
		flash = "Answer sent."
	case "close":
		res := f.Get("resolution")
		status(feedback.StatusClosed)
		up.Resolution = &res
		if a := f.Get("answer"); a != "" {
			up.Answer = &a
		}
		flash = "Feedback closed."
	case "implemented":
		now := s.DB.Now()
		up.ImplementedAt = &now
		flash = "Idea marked implemented."
	default:
		err = anchor.Invalid("action", "must be acknowledge, answer, close or implemented")
	}
	if err == nil {
		_, err = s.Feedback.Update(r.Context(), u.Actor(), id, up)
	}
	if err != nil {
		if fs := refused("fb-"+id, r, err); fs != nil {
			return s.renderInbox(w, r, u, fs)
		}
		return err
	}
	back := "/inbox"
	if d := r.URL.Query().Get("department"); d != "" {
		back += "?department=" + urlQueryEscape(d)
	}
	return s.seeOther(w, r, back+"#feedback", flash)
}
