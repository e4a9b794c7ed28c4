package web

import (
	"net/http"
	"strconv"
	"strings"

	"anchor"
	"anchor/internal/qa"
	"anchor/internal/users"
)

type qaFormsData struct {
	Forms []qa.Form
	// Edit is the form being edited (nil on the list), with its criteria
	// written as lines for the textarea.
	Edit       *qa.Form
	Criteria   string
	Categories []string
}

// criteriaLines writes criteria one a line: key | label | category |
// weight | pass score, the way the form's textarea takes them.
func criteriaLines(cs []qa.Criterion) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(strings.Join([]string{c.Key, c.Label, c.Category, strconv.FormatFloat(c.Weight, 'f', -1, 64), strconv.Itoa(c.PassScore)}, " | "))
		b.WriteString("\n")
	}
	return b.String()
}

// parseCriteria reads the textarea back. The qa package checks what the
// criteria say; this only splits the lines.
func parseCriteria(text string) ([]qa.Criterion, error) {
	var out []qa.Criterion
	for i, line := range nonEmptyLines(text) {
		p := strings.Split(line, "|")
		for j := range p {
			p[j] = strings.TrimSpace(p[j])
		}
		if len(p) < 3 {
			return nil, anchor.Invalid("criteria", "line %d: write key | label | category | weight | pass score, like greeting | Greets by name | treatment | 1 | 50", i+1)
		}
		c := qa.Criterion{Key: p[0], Label: p[1], Category: p[2], Weight: 1}
		if len(p) > 3 && p[3] != "" {
			w, err := strconv.ParseFloat(p[3], 64)
			if err != nil {
				return nil, anchor.Invalid("criteria", "line %d: the weight must be a number", i+1)
			}
			c.Weight = w
		}
		if len(p) > 4 && p[4] != "" {
			n, err := strconv.Atoi(p[4])
			if err != nil {
				return nil, anchor.Invalid("criteria", "line %d: the pass score must be a whole number from 1 to 100", i+1)
			}
			c.PassScore = n
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *Server) showQAForms(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderQAForms(w, r, u, "", nil)
}

func (s *Server) showQAForm(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderQAForms(w, r, u, r.PathValue("id"), nil)
}

func (s *Server) renderQAForms(w http.ResponseWriter, r *http.Request, u users.User, editID string, form *formState) error {
	ctx := r.Context()
	fs, err := s.QA.Forms(ctx, u.Actor(), true)
	if err != nil {
		return err
	}
	d := qaFormsData{Forms: fs, Categories: qa.Categories}
	title := "Evaluation forms"
	if editID != "" {
		f, err := s.QA.Form(ctx, u.Actor(), editID, 0)
		if err != nil {
			return err
		}
		d.Edit, d.Criteria, title = &f, criteriaLines(f.Criteria), "Edit "+f.Name
	}
	s.render(w, r, pageStatus(form), "qa_forms", &view{Title: title, Nav: "qa", User: u, Form: form, Data: d})
	return nil
}

// createQAForm stores a new evaluation form as its version 1.
func (s *Server) createQAForm(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	cs, err := parseCriteria(r.PostForm.Get("criteria"))
	var f qa.Form
	if err == nil {
		f, err = s.QA.CreateForm(r.Context(), u.Actor(), qa.NewForm{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description"), Criteria: cs})
	}
	if err != nil {
		if fs := refused("qaform", r, err); fs != nil {
			return s.renderQAForms(w, r, u, "", fs)
		}
		return err
	}
	return s.seeOther(w, r, "/qa/forms", "Form "+f.Name+" created.")
}

// updateQAForm edits a form (a new version: evaluations keep theirs) or
// archives it.
func (s *Server) updateQAForm(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil {
		return err
	}
	if r.PostForm.Get("action") == "archive" {
		f, err := s.QA.ArchiveForm(r.Context(), u.Actor(), id)
		if err != nil {
			return err
		}
		return s.seeOther(w, r, "/qa/forms", "Form "+f.Name+" archived: it takes no new evaluations.")
	}
	version, err := formVersion(r)
	var f qa.Form
	if err == nil {
		var cs []qa.Criterion
		if cs, err = parseCriteria(r.PostForm.Get("criteria")); err == nil {
			name, desc := r.PostForm.Get("name"), r.PostForm.Get("description")
			f, err = s.QA.UpdateForm(r.Context(), u.Actor(), id, qa.FormUpdate{Version: version, Name: &name, Description: &desc, Criteria: cs})
		}
	}
	if err != nil {
		if fs := refused("qaform", r, err); fs != nil {
			return s.renderQAForms(w, r, u, id, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/qa/forms", "Form "+f.Name+" saved as version "+strconv.Itoa(f.Version)+".")
}
