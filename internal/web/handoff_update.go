package web

import (
	"net/http"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/users"
)

// updateHandoff accepts, answers, completes, sends back or cancels a
// handoff. Completing may carry the answer in the same step. The form
// carries the handoff's version: two members of a department working the
// same inbox cannot both complete it with different answers.
func (s *Server) updateHandoff(w http.ResponseWriter, r *http.Request, u users.User) error {
	h, err := s.visibleHandoff(r, u, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	action := r.PostForm.Get("action")
	version, err := formVersion(r)
	var flash string
	if err == nil {
		up := cases.HandoffUpdate{Version: version}
		status := func(st string) { up.Status = &st }
		answer := r.PostForm.Get("answer")
		switch action {
		case "accept":
			status(cases.HandoffAccepted)
			flash = "Handoff accepted."
		case "answer":
			up.Answer = &answer
			flash = "Answer sent."
		case "complete":
			status(cases.HandoffCompleted)
			if answer != "" {
				up.Answer = &answer
			}
			flash = "Handoff completed."
		case "return":
			status(cases.HandoffReturned)
			up.Reason = r.PostForm.Get("reason")
			flash = "Handoff sent back."
		case "cancel":
			status(cases.HandoffCanceled)
			flash = "Handoff cancelled."
		default:
			err = anchor.Invalid("action", "must be accept, answer, complete, return or cancel")
		}
		if err == nil {
			_, err = s.Cases.UpdateHandoff(r.Context(), u.Actor(), h.ID, up)
		}
	}
	if err != nil {
		if f := refused("handoff-"+action, r, err); f != nil {
			return s.renderHandoff(w, r, u, h.ID, f)
		}
		return err
	}
	back := r.PostForm.Get("back")
	if !localPath(back) {
		back = "/handoffs/" + h.ID
	}
	return s.seeOther(w, r, back, flash)
}
