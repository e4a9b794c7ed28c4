package web

import (
	"net/http"

	"anchor/internal/cases"
	"anchor/internal/users"
)

// promiseCallback promises the customer a call inside a window.
func (s *Server) promiseCallback(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil {
		return err
	}
	n := cases.NewCallback{Phone: r.PostForm.Get("phone"), Note: r.PostForm.Get("note")}
	start, err := s.localTime(r, "window_start")
	var end = start
	if err == nil {
		end, err = s.localTime(r, "window_end")
	}
	if err == nil {
		if start != nil {
			n.WindowStart = *start
		}
		if end != nil {
			n.WindowEnd = *end
		}
		_, err = s.Cases.PromiseCallback(r.Context(), u.Actor(), id, n)
	}
	if err != nil {
		if f := refused("callback", r, err); f != nil {
			return s.renderCase(w, r, u, id, f)
		}
		return err
	}
	return s.seeOther(w, r, "/cases/"+id+"#callbacks", "Callback promised.")
}
