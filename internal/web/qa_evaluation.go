package web

import (
	"net/http"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/qa"
	"anchor/internal/users"
)

type qaEvaluationData struct {
	Eval    qa.Evaluation
	History []qa.Revision
	Case    cases.Case
	Dir     *directory
	// Mine is set for the evaluated agent, who may acknowledge or dispute;
	// CanResolve for supervisors and up when it is disputed.
	Mine, CanResolve bool
}

// showEvaluation shows an evaluation with every criterion's score. An
// agent sees only their own (another's is not found).
func (s *Server) showEvaluation(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderEvaluation(w, r, u, r.PathValue("id"), nil)
}

func (s *Server) renderEvaluation(w http.ResponseWriter, r *http.Request, u users.User, id string, form *formState) error {
	ctx := r.Context()
	ev, err := s.QA.Get(ctx, u.Actor(), id)
	if err != nil {
		return err
	}
	d := qaEvaluationData{Eval: ev, Mine: ev.AgentID == u.ID, CanResolve: u.Role != users.RoleAgent && ev.Status == qa.StatusDisputed}
	if d.History, err = s.QA.History(ctx, u.Actor(), id); err != nil {
		return err
	}
	if d.Case, err = s.Cases.Get(ctx, ev.CaseID); err != nil {
		return err
	}
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "qa_evaluation", &view{Title: "Evaluation of " + d.Dir.UserName(ev.AgentID), Nav: "qa", User: u, Form: form, Data: d})
	return nil
}

// answerEvaluation is the agent's acknowledgement or dispute, and a
// supervisor's resolution of a dispute (action acknowledge, dispute or
// resolve). The qa package enforces who may do which.
func (s *Server) answerEvaluation(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	f := r.PostForm
	action := f.Get("action")
	var err error
	var flash string
	switch action {
	case "acknowledge":
		_, err = s.QA.Acknowledge(ctx, u.Actor(), id, qa.Acknowledgement{Comment: f.Get("comment")})
		flash = "Evaluation acknowledged."
	case "dispute":
		_, err = s.QA.Dispute(ctx, u.Actor(), id, qa.NewDispute{Reason: f.Get("reason")})
		flash = "Dispute sent: a supervisor will answer it."
	case "resolve":
		var ev qa.Evaluation
		ev, err = s.QA.Get(ctx, u.Actor(), id)
		res := qa.Resolution{Outcome: f.Get("outcome"), Note: f.Get("note")}
		if err == nil && res.Outcome == qa.OutcomeUpheld {
			var crit []qa.Criterion
			for _, sc := range ev.Scores {
				crit = append(crit, qa.Criterion{Key: sc.Key})
			}
			res.Scores, err = scoreInputs(r, crit)
		}
		if err == nil {
			_, err = s.QA.Resolve(ctx, u.Actor(), id, res)
		}
		flash = "Dispute resolved."
	default:
		err = anchor.Invalid("action", "must be acknowledge, dispute or resolve")
	}
	if err != nil {
		if fs := refused("qa-"+action, r, err); fs != nil {
			return s.renderEvaluation(w, r, u, id, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/qa/evaluations/"+id, flash)
}
