package web

import (
	"net/http"
	"strconv"
	"strings"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/qa"
	"anchor/internal/users"
)

type qaEvaluateData struct {
	Case     cases.Case
	Contacts []cases.Contact
	// ContactID is the contact evaluated ("" for the whole case).
	ContactID string
	Forms     []qa.Form
	Form      *qa.Form
	Dir       *directory
}

// showEvaluate is the evaluation form: a case (or one of its contacts)
// scored against a form, every criterion with its score and a comment.
// ?case= is the case, ?contact= the contact, ?form= the form; without a
// form, the page asks for one first.
func (s *Server) showEvaluate(w http.ResponseWriter, r *http.Request, u users.User) error {
	q := r.URL.Query()
	return s.renderEvaluate(w, r, u, q.Get("case"), q.Get("contact"), q.Get("form"), nil)
}

func (s *Server) renderEvaluate(w http.ResponseWriter, r *http.Request, u users.User, caseID, contactID, formID string, form *formState) error {
	ctx := r.Context()
	if caseID == "" {
		return anchor.Invalid("case", "choose the case to evaluate (the Evaluate link on a case page or a sampled contact)")
	}
	c, err := s.Cases.Get(ctx, caseID)
	if err != nil {
		return err
	}
	d := qaEvaluateData{Case: c, ContactID: contactID}
	if d.Contacts, err = s.Cases.Contacts(ctx, c.ID); err != nil {
		return err
	}
	if d.Forms, err = s.QA.Forms(ctx, u.Actor(), false); err != nil {
		return err
	}
	if formID == "" && len(d.Forms) == 1 {
		formID = d.Forms[0].ID
	}
	if formID != "" {
		f, err := s.QA.Form(ctx, u.Actor(), formID, 0)
		if err != nil {
			return err
		}
		d.Form = &f
	}
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "qa_evaluate", &view{Title: "Evaluate " + c.Subject, Nav: "qa", User: u, Form: form, Data: d})
	return nil
}

// createEvaluation stores the scores. A contact is evaluated once: a
// second evaluation of it is refused with what was typed kept.
func (s *Server) createEvaluation(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	f := r.PostForm
	n := qa.NewEvaluation{FormID: f.Get("form_id"), CaseID: f.Get("case_id"), ContactID: f.Get("contact_id"), Comment: f.Get("comment")}
	form, err := s.QA.Form(ctx, u.Actor(), n.FormID, 0)
	if err == nil {
		n.Scores, err = scoreInputs(r, form.Criteria)
	}
	var ev qa.Evaluation
	if err == nil {
		ev, err = s.QA.Evaluate(ctx, u.Actor(), n)
	}
	if err != nil {
		if fs := refused("evaluate", r, err); fs != nil {
			return s.renderEvaluate(w, r, u, n.CaseID, n.ContactID, n.FormID, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/qa/evaluations/"+ev.ID, "Evaluation saved: "+strconv.FormatFloat(ev.TotalScore, 'f', 0, 64)+" points.")
}

// scoreInputs reads score.<key> and comment.<key> for each criterion. An
// empty score is left out, for the qa package to name the criterion.
func scoreInputs(r *http.Request, criteria []qa.Criterion) ([]qa.ScoreInput, error) {
	var out []qa.ScoreInput
	for _, c := range criteria {
		in := qa.ScoreInput{Key: c.Key, Comment: r.PostForm.Get("comment." + c.Key)}
		if v := strings.TrimSpace(r.PostForm.Get("score." + c.Key)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, anchor.Invalid("score."+c.Key, "must be a whole number from 0 to 100")
			}
			in.Score = &n
		} else if r.Method == http.MethodPost && r.PostForm.Has("partial") {
			continue // a dispute's resolution changes only what is given
		}
		out = append(out, in)
	}
	return out, nil
}
