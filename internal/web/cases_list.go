package web

import (
	"net/http"
	"strings"

	"anchor/internal/cases"
	"anchor/internal/store"
	"anchor/internal/users"
)

type casesData struct {
	Cases    []cases.Case
	Next     string
	Status   string
	Owner    string
	Customer string
	Statuses []string
	Dir      *directory
}

// showCases lists cases newest first, filtered by status and owner, a page
// at a time: the supervisor's and the curious agent's view.
func (s *Server) showCases(w http.ResponseWriter, r *http.Request, u users.User) error {
	q := r.URL.Query()
	d := casesData{Status: q.Get("status"), Owner: q.Get("owner"), Customer: q.Get("customer"), Statuses: cases.Statuses}
	if _, set := q["status"]; !set {
		d.Status = "active"
	}
	f := cases.Filter{OwnerID: d.Owner, CustomerID: d.Customer, Page: store.Page{Cursor: q.Get("cursor"), Limit: 50}}
	if d.Owner == "me" {
		f.OwnerID = u.ID
	}
	switch d.Status {
	case "", "all":
	case "active":
		f.Active = true
	default:
		f.Status = strings.Split(d.Status, ",")
	}
	var err error
	if d.Cases, d.Next, err = s.Cases.List(r.Context(), f); err != nil {
		return err
	}
	if d.Dir, err = s.directory(r.Context()); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "cases", &view{Title: "Cases", Nav: "cases", User: u, Data: d})
	return nil
}
