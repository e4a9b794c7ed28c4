package web

import (
	"net/http"
	"strconv"
	"strings"

	"anchor"
	"anchor/internal/customers"
	"anchor/internal/users"
)

// createCustomer adds an account with its first contact person; the owner
// defaults to the agent creating it.
func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	n := customers.NewCustomer{Name: f.Get("name"), SegmentID: f.Get("segment_id"), OwnerID: f.Get("owner_id"), ExternalID: f.Get("external_id")}
	var err error
	if rev := strings.TrimSpace(f.Get("revenue")); rev != "" {
		v, perr := strconv.ParseFloat(rev, 64)
		if perr != nil {
			err = anchor.Invalid("revenue", "is not a number")
		}
		n.Revenue = &v
	}
	if ct := (customers.Contact{Name: f.Get("contact_name"), Email: f.Get("contact_email"), Phone: f.Get("contact_phone")}); ct != (customers.Contact{}) {
		n.Contacts = []customers.Contact{ct}
	}
	var c customers.Customer
	if err == nil {
		c, err = s.Customers.Create(r.Context(), u.Actor(), n)
	}
	if err != nil {
		if fs := refused("customer", r, err); fs != nil {
			return s.renderNewCustomer(w, r, u, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/customers/"+c.ID, "Customer created.")
}
