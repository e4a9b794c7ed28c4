package web

import (
	"net/http"

	"anchor/internal/cases"
	"anchor/internal/users"
)

// updateCallback marks a promised callback made (with its outcome) or
// cancels it. It carries the callback's version, so two agents cannot both
// record the same call.
func (s *Server) updateCallback(w http.ResponseWriter, r *http.Request, u users.User) error {
	ctx := r.Context()
	cb, err := s.Cases.Callback(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err == nil {
		up := cases.CallbackUpdate{Version: version, Status: cases.CallbackMade, Outcome: r.PostForm.Get("outcome")}
		if r.PostForm.Get("action") == "cancel" {
			up.Status, up.Outcome = cases.CallbackCanceled, ""
		}
		if note := r.PostForm.Get("note"); note != "" {
			up.Note = &note
		}
		_, err = s.Cases.UpdateCallback(ctx, u.Actor(), cb.ID, up)
	}
	if err != nil {
		if f := refused("callback-"+cb.ID, r, err); f != nil {
			return s.renderCase(w, r, u, cb.CaseID, f)
		}
		return err
	}
	flash := "Callback marked made."
	if r.PostForm.Get("action") == "cancel" {
		flash = "Callback cancelled."
	}
	return s.seeOther(w, r, "/cases/"+cb.CaseID+"#callbacks", flash)
}
