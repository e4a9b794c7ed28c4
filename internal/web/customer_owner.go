package web

import (
	"net/http"

	"anchor/internal/customers"
	"anchor/internal/users"
)

// changeOwner moves an account to another owner, with the reason recorded
// in its owner history. It carries the customer's version.
func (s *Server) changeOwner(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err == nil {
		owner := r.PostForm.Get("owner_id")
		_, err = s.Customers.Update(r.Context(), u.Actor(), id, customers.Update{OwnerID: &owner, OwnerChangeReason: r.PostForm.Get("reason"), Version: version})
	}
	if err != nil {
		if f := refused("owner", r, err); f != nil {
			return s.renderCustomer(w, r, u, id, f)
		}
		return err
	}
	return s.seeOther(w, r, "/customers/"+id+"#owner", "Owner changed.")
}
