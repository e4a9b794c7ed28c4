package web

import (
	"net/http"

	"anchor/internal/customers"
	"anchor/internal/store"
	"anchor/internal/users"
)

type customersData struct {
	Customers []customers.Customer
	Next      string
	Q         string
	Segment   string
	Mine      bool
	Segments  []customers.Segment
	Dir       *directory
}

// showCustomers finds customers by name or external id, a page at a time.
func (s *Server) showCustomers(w http.ResponseWriter, r *http.Request, u users.User) error {
	q := r.URL.Query()
	d := customersData{Q: q.Get("q"), Segment: q.Get("segment"), Mine: q.Get("mine") != ""}
	f := customers.Filter{Query: d.Q, SegmentID: d.Segment, Page: store.Page{Cursor: q.Get("cursor"), Limit: 50}}
	if d.Mine {
		f.OwnerID = u.ID
	}
	var err error
	if d.Customers, d.Next, err = s.Customers.List(r.Context(), f); err != nil {
		return err
	}
	if d.Segments, err = s.Customers.Segments(r.Context()); err != nil {
		return err
	}
	if d.Dir, err = s.directory(r.Context()); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "customers", &view{Title: "Customers", Nav: "customers", User: u, Data: d})
	return nil
}

// SegmentName returns the name of a segment on the list.
func (d customersData) SegmentName(id string) string {
	for _, s := range d.Segments {
		if s.ID == id {
			return s.Name
		}
	}
	return ""
}
