package web

import (
	"net/http"
	"strconv"
	"strings"

	"anchor"
	"anchor/internal/departments"
	"anchor/internal/users"
)

func (s *Server) showDepartments(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderDepartments(w, r, u, nil)
}

func (s *Server) renderDepartments(w http.ResponseWriter, r *http.Request, u users.User, form *formState) error {
	ds, err := s.Departments.List(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "admin_departments", &view{Title: "Departments", Nav: "admin", User: u, Form: form, Data: ds})
	return nil
}

// hoursField reads a number of hours (decimals allowed) as seconds.
func hoursField(r *http.Request, field string) (int64, error) {
	v := strings.TrimSpace(r.PostForm.Get(field))
	if v == "" {
		return 0, nil
	}
	h, err := strconv.ParseFloat(v, 64)
	if err != nil || h < 0 {
		return 0, anchor.Invalid(field, "must be a number of hours, like 4 or 0.5")
	}
	return int64(h * 3600), nil
}

// createDepartment adds an internal service provider or an outside party,
// with its handoff service level in hours.
func (s *Server) createDepartment(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	n := departments.NewDepartment{Name: r.PostForm.Get("name"), External: r.PostForm.Get("external") != ""}
	var err error
	n.AcceptWithinSeconds, err = hoursField(r, "accept_hours")
	if err == nil {
		n.CompleteWithinSeconds, err = hoursField(r, "complete_hours")
	}
	var d departments.Department
	if err == nil {
		d, err = s.Departments.Create(r.Context(), n)
	}
	if err != nil {
		if fs := refused("department", r, err); fs != nil {
			return s.renderDepartments(w, r, u, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/departments", "Department "+d.Name+" created.")
}
