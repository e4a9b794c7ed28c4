package web

import (
	"net/http"

	"anchor/internal/qa"
	"anchor/internal/store"
	"anchor/internal/users"
)

type qaHomeData struct {
	// Agent is set for an agent: the page is their own evaluations.
	Agent       bool
	Evaluations []qa.Evaluation
	Disputed    []qa.Evaluation
	Assignments []qa.Assignment
	Forms       []qa.Form
	Dir         *directory
	Week        string
}

// showQA is the QA home: an agent's own evaluations to acknowledge or
// dispute; for supervisors and up, the contacts sampled for them to
// evaluate, the disputes waiting for an answer, the latest evaluations and
// the weekly sample draw.
func (s *Server) showQA(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderQA(w, r, u, nil)
}

func (s *Server) renderQA(w http.ResponseWriter, r *http.Request, u users.User, form *formState) error {
	ctx := r.Context()
	actor := u.Actor()
	d := qaHomeData{Agent: u.Role == users.RoleAgent}
	var err error
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	page := store.Page{Limit: 50}
	f := qa.EvaluationFilter{Page: page}
	if d.Agent {
		f.AgentID = u.ID
	}
	if d.Evaluations, _, err = s.QA.Evaluations(ctx, actor, f); err != nil {
		return err
	}
	if !d.Agent {
		if d.Disputed, _, err = s.QA.Evaluations(ctx, actor, qa.EvaluationFilter{Status: qa.StatusDisputed, Page: page}); err != nil {
			return err
		}
		af := qa.AssignmentFilter{Status: qa.AssignmentPending, Page: store.Page{Limit: 100}}
		if u.Role == users.RoleSupervisor {
			af.SupervisorID = u.ID
		}
		if d.Assignments, _, err = s.QA.Assignments(ctx, actor, af); err != nil {
			return err
		}
		if d.Forms, err = s.QA.Forms(ctx, actor, false); err != nil {
			return err
		}
		loc, err := s.Metrics.OrgLocation(ctx)
		if err != nil {
			return err
		}
		d.Week = weekOf(s.DB.Now(), loc)
	}
	s.render(w, r, pageStatus(form), "qa", &view{Title: "Quality", Nav: "qa", User: u, Form: form, Data: d})
	return nil
}
