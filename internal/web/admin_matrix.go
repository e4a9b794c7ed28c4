package web

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"anchor"
	"anchor/internal/servicelevel"
	"anchor/internal/users"
)

// matrixPriorities are the rows of a segment's table, the most demanding
// first.
var matrixPriorities = []string{"urgent", "high", "normal", "low"}

type matrixData struct {
	Matrix       servicelevel.Matrix
	SharePercent int
	Segments     []segmentLevels
	Departments  []departmentLevel
}

type segmentLevels struct {
	Name         string
	Rows         []priorityTargets
	Relationship *servicelevel.RelationshipPolicy
}

type priorityTargets struct {
	Priority string
	Set      bool
	servicelevel.Targets
}

// CalendarName is the calendar a target counts in, "24x7" for every instant.
func (p priorityTargets) CalendarName() string {
	if p.Calendar == "" {
		return servicelevel.AlwaysOpen
	}
	return p.Calendar
}

type departmentLevel struct {
	Name string
	servicelevel.DepartmentLevel
}

// CalendarName is the calendar the department's service level counts in.
func (d departmentLevel) CalendarName() string {
	if d.Calendar == "" {
		return servicelevel.AlwaysOpen
	}
	return d.Calendar
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// showMatrix shows the service matrix as tables a person reads: per
// segment, the targets of each priority; per department, its handoff
// service level.
func (s *Server) showMatrix(w http.ResponseWriter, r *http.Request, u users.User) error {
	m, err := s.Levels.Export(r.Context())
	if err != nil {
		return err
	}
	d := matrixData{Matrix: m, SharePercent: int(m.AtRiskShare*100 + 0.5)}
	for _, name := range sortedNames(m.Segments) {
		lv := m.Segments[name]
		seg := segmentLevels{Name: name, Relationship: lv.RelationshipContacts}
		for _, p := range matrixPriorities {
			t, ok := lv.Priorities[p]
			seg.Rows = append(seg.Rows, priorityTargets{Priority: p, Set: ok, Targets: t})
		}
		d.Segments = append(d.Segments, seg)
	}
	for _, name := range sortedNames(m.Departments) {
		d.Departments = append(d.Departments, departmentLevel{name, m.Departments[name]})
	}
	s.render(w, r, http.StatusOK, "admin_matrix", &view{Title: "Service matrix", Nav: "admin", User: u, Data: d})
	return nil
}

type matrixEditData struct {
	// Document is the stored matrix as YAML; Version its version, which
	// the form sends back so that an edit based on an old matrix is refused.
	Document string
	Version  int
	Segments []string
	Depts    []string
}

func (s *Server) showMatrixEdit(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderMatrixEdit(w, r, u, nil)
}

// renderMatrixEdit shows the matrix as one YAML document to edit. A
// refused document comes back as it was typed, with every problem listed
// by its path; the stored matrix is unchanged, and shown next to it when
// the refusal was for its version.
func (s *Server) renderMatrixEdit(w http.ResponseWriter, r *http.Request, u users.User, form *formState) error {
	m, err := s.Levels.Export(r.Context())
	if err != nil {
		return err
	}
	d := matrixEditData{Version: m.Version, Segments: sortedNames(m.Segments), Depts: sortedNames(m.Departments)}
	// The version travels in the form, not in the document: a pasted
	// export of another version must not decide what it is based on.
	m.Version = 0
	doc, err := servicelevel.MatrixYAML(m)
	if err != nil {
		return err
	}
	d.Document = string(doc)
	s.render(w, r, pageStatus(form), "admin_matrix_edit", &view{Title: "Edit the service matrix", Nav: "admin", User: u, Form: form, Data: d})
	return nil
}

// importMatrix replaces the whole service matrix with the document typed,
// or refuses it whole: servicelevel validates it against the segments and
// departments that exist and reports every problem with its path, and the
// stored matrix stays as it was.
func (s *Server) importMatrix(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	based, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil || based < 0 {
		err = anchor.Invalid("version", "the form is missing the version it was based on: reload the page")
	}
	var m servicelevel.Matrix
	if err == nil {
		m, err = servicelevel.ParseMatrix([]byte(r.PostForm.Get("document")))
	}
	if err == nil {
		m.Version = based
		m, err = s.Levels.Import(r.Context(), u.Actor(), m)
	}
	if err != nil {
		if fs := refused("matrix", r, err); fs != nil {
			if len(fs.Problems) == 0 && !fs.Stale {
				fs.Err = "Nothing was saved: " + strings.TrimSuffix(fs.Err, ".") + "."
			}
			return s.renderMatrixEdit(w, r, u, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/service-matrix", "Service matrix saved (version "+strconv.Itoa(m.Version)+"). New cases get its targets; open cases keep theirs until their priority or segment changes.")
}

// Empty reports a matrix that owes nothing anywhere, for the page to say
// so rather than show empty tables.
func (d matrixData) Empty() bool {
	return !slices.ContainsFunc(d.Segments, func(s segmentLevels) bool {
		return s.Relationship != nil || slices.ContainsFunc(s.Rows, func(p priorityTargets) bool { return p.Set })
	})
}
