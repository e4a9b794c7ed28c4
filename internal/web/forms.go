package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"anchor"
	"anchor/internal/customers"
	"anchor/internal/departments"
	"anchor/internal/users"
)

func itoa(n int) string { return strconv.Itoa(n) }

// parseForm reads a posted form, bounded to 1 MiB like the API's bodies.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return anchor.Invalid("", "the form could not be read (is it over 1 MiB?)")
	}
	return nil
}

// formVersion reads the hidden version field every changing form carries:
// the version of the thing as the user saw it.
func formVersion(r *http.Request) (int, error) {
	v, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil || v <= 0 {
		return 0, anchor.Invalid("version", "the form is missing the version it was based on: reload the page")
	}
	return v, nil
}

// localTime reads a datetime-local field, typed in the server's zone.
func (s *Server) localTime(r *http.Request, field string) (*time.Time, error) {
	v := strings.TrimSpace(r.PostForm.Get(field))
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, s.Location); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, anchor.Invalid(field, "is not a date and time (like 2026-03-01T14:30)")
}

// directory resolves the ids shown on a page to names: users and
// departments are few and read whole; customers are read as needed and
// remembered for the request.
type directory struct {
	users     map[string]users.User
	depts     map[string]departments.Department
	customers map[string]customers.Customer
	s         *Server
	ctx       context.Context
	// Users and Departments in name order, for select lists.
	Users       []users.User
	Departments []departments.Department
}

func (s *Server) directory(ctx context.Context) (*directory, error) {
	us, err := s.Users.List(ctx, users.Filter{})
	if err != nil {
		return nil, err
	}
	ds, err := s.Departments.List(ctx)
	if err != nil {
		return nil, err
	}
	d := &directory{users: map[string]users.User{}, depts: map[string]departments.Department{}, customers: map[string]customers.Customer{},
		s: s, ctx: ctx, Users: us, Departments: ds}
	for _, u := range us {
		d.users[u.ID] = u
	}
	for _, x := range ds {
		d.depts[x.ID] = x
	}
	return d, nil
}

// UserName returns a user's name, or "" for none.
func (d *directory) UserName(id string) string {
	if id == "" {
		return ""
	}
	if u, ok := d.users[id]; ok {
		return u.Name
	}
	return "unknown user"
}

// DeptName returns a department's name.
func (d *directory) DeptName(id string) string {
	if x, ok := d.depts[id]; ok {
		return x.Name
	}
	return "unknown department"
}

// Customer returns a customer, read once per request.
func (d *directory) Customer(id string) customers.Customer {
	if c, ok := d.customers[id]; ok {
		return c
	}
	c, err := d.s.Customers.Get(d.ctx, id)
	if err != nil {
		c = customers.Customer{ID: id, Name: "unknown customer"}
	}
	d.customers[id] = c
	return c
}

// CustomerName returns a customer's name.
func (d *directory) CustomerName(id string) string { return d.Customer(id).Name }

// Owners lists the users who may own cases and accounts: not department
// members, and only active ones.
func (d *directory) Owners() []users.User {
	var out []users.User
	for _, u := range d.Users {
		if u.Active && u.Role != users.RoleDepartment {
			out = append(out, u)
		}
	}
	return out
}
