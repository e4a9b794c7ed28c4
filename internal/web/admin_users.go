package web

import (
	"net/http"

	"anchor/internal/users"
)

type usersData struct {
	Users []users.User
	Roles []string
	Dir   *directory
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderUsers(w, r, u, nil)
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, u users.User, form *formState) error {
	dir, err := s.directory(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "admin_users", &view{Title: "Users and roles", Nav: "admin", User: u, Form: form,
		Data: usersData{Users: dir.Users, Roles: users.Roles, Dir: dir}})
	return nil
}

// createUser adds a user with a role (and a department for department
// members) and, optionally, a password to sign in with.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	n := users.NewUser{Email: f.Get("email"), Name: f.Get("name"), Role: f.Get("role"), Password: f.Get("password")}
	if n.Role == users.RoleDepartment {
		n.DepartmentID = f.Get("department_id")
	}
	created, err := s.Users.Create(r.Context(), n)
	if err != nil {
		if fs := refused("user", r, err); fs != nil {
			fs.Values.Del("password") // never echo a password back into the page
			return s.renderUsers(w, r, u, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/users", "User "+created.Email+" created.")
}

// setPassword sets a user's password, for a first sign-in or a forgotten
// one.
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	target, err := s.Users.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.Users.SetPassword(r.Context(), id, r.PostForm.Get("password")); err != nil {
		if fs := refused("password-"+id, r, err); fs != nil {
			fs.Values.Del("password")
			return s.renderUsers(w, r, u, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/users", "Password of "+target.Email+" set.")
}

// updateUser changes a user's role, department or active flag.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	role, dept, active := f.Get("role"), f.Get("department_id"), f.Get("active") == "true"
	updated, err := s.Users.Update(r.Context(), u.Actor(), id, users.Update{Role: &role, DepartmentID: &dept, Active: &active, Version: version})
	if err != nil {
		if fs := refused("user-"+id, r, err); fs != nil {
			return s.renderUsers(w, r, u, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/users", "User "+updated.Email+" saved.")
}
