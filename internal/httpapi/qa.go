package httpapi

import (
	"net/http"

	"anchor/internal/qa"
	"anchor/internal/users"
)

// evaluators are the roles that run QA: write forms, evaluate, draw samples
// and resolve disputes.
var evaluators = []string{users.RoleAdmin, users.RoleDirector, users.RoleSupervisor}

// qaRoutes declares the routes for QA evaluation forms and evaluations.
// Agents read forms and their own evaluations and answer them; department
// members have no access. The qa package checks the same rules again, so
// that they hold for every caller, not only this API.
func (s *Server) qaRoutes() []route {
	h := qaHandlers{svc: &qa.Service{DB: s.DB}}
	return []route{
		{method: "POST", path: "/api/v1/qa/forms", summary: "Create an evaluation form (version 1)", roles: evaluators, status: 201, in: qa.NewForm{}, out: qa.Form{}, do: h.createForm},
		{method: "GET", path: "/api/v1/qa/forms", summary: "List evaluation forms at their current version, by name", roles: staff,
			query: []param{{"archived", "true to include archived forms"}}, out: items[qa.Form]{}, do: h.listForms},
		{method: "GET", path: "/api/v1/qa/forms/{id}", summary: "Get an evaluation form, at its current version or the one asked for", roles: staff,
			query: []param{{"version", "a version number (default: the current one)"}}, out: qa.Form{}, do: h.getForm},
		{method: "GET", path: "/api/v1/qa/forms/{id}/versions", summary: "Every version of an evaluation form, oldest first", roles: staff, out: items[qa.Form]{}, do: h.formVersions},
		{method: "PATCH", path: "/api/v1/qa/forms/{id}", summary: "Edit an evaluation form: makes a new version; evaluations keep theirs", roles: evaluators,
			in: qa.FormUpdate{}, out: qa.Form{}, do: h.updateForm},
		{method: "DELETE", path: "/api/v1/qa/forms/{id}", summary: "Archive an evaluation form: no new evaluations; existing ones keep it", roles: evaluators, out: qa.Form{}, do: h.archiveForm},

		{method: "POST", path: "/api/v1/qa/evaluations", summary: "Evaluate an agent's work on a case or one contact against a form", roles: evaluators, status: 201,
			in: qa.NewEvaluation{}, out: qa.Evaluation{}, do: h.evaluate},
		{method: "GET", path: "/api/v1/qa/evaluations", summary: "List evaluations, newest first (an agent sees only their own)", roles: staff, out: list[qa.Evaluation]{},
			query: append([]param{{"agent", "evaluated agent's user id ('me' for yourself)"}, {"evaluator", "evaluator's user id ('me' for yourself)"},
				{"case", "case id"}, {"contact", "contact id"}, {"form", "form id"}, {"status", "submitted, acknowledged, disputed, dispute_upheld or dispute_rejected"},
				{"from", "evaluated at or after (RFC 3339)"}, {"to", "evaluated before (RFC 3339)"}}, pageParams...), do: h.listEvaluations},
		{method: "GET", path: "/api/v1/qa/evaluations/{id}", summary: "Get an evaluation", roles: staff, out: qa.Evaluation{}, do: h.getEvaluation},
		{method: "GET", path: "/api/v1/qa/evaluations/{id}/history", summary: "Every set of scores the evaluation has had, oldest first", roles: staff,
			out: items[qa.Revision]{}, do: h.history},
		{method: "POST", path: "/api/v1/qa/evaluations/{id}/acknowledge", summary: "Acknowledge your evaluation (the evaluated agent only)", roles: staff,
			in: qa.Acknowledgement{}, out: qa.Evaluation{}, do: h.acknowledge},
		{method: "POST", path: "/api/v1/qa/evaluations/{id}/dispute", summary: "Dispute your evaluation, with a reason (the evaluated agent only)", roles: staff,
			in: qa.NewDispute{}, out: qa.Evaluation{}, do: h.dispute},
		{method: "POST", path: "/api/v1/qa/evaluations/{id}/resolve", summary: "Resolve a dispute: upheld with the changed scores, or rejected with a note", roles: evaluators,
			in: qa.Resolution{}, out: qa.Evaluation{}, do: h.resolve},

		{method: "POST", path: "/api/v1/qa/samples", summary: "Draw per_agent random contacts per agent from an ISO week, not yet evaluated, as pending assignments", roles: evaluators, status: 201,
			in: qa.SampleRequest{}, out: qa.Sample{}, do: h.draw},
		{method: "GET", path: "/api/v1/qa/assignments", summary: "List sampled contacts to evaluate, newest first", roles: evaluators, out: list[qa.Assignment]{},
			query: append([]param{{"supervisor", "assigned supervisor's user id ('me' for yourself)"}, {"agent", "agent user id"},
				{"sample", "sample id"}, {"status", "pending or done"}}, pageParams...), do: h.listAssignments},
	}
}

type qaHandlers struct{ svc *qa.Service }

func (h qaHandlers) createForm(r *http.Request, u users.User) (any, error) {
	var n qa.NewForm
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	f, err := h.svc.CreateForm(r.Context(), u.Actor(), n)
	return versioned[qa.Form]{f, f.Version}, err
}

func (h qaHandlers) listForms(r *http.Request, u users.User) (any, error) {
	archived, err := queryBool(r, "archived")
	if err != nil {
		return nil, err
	}
	v, err := h.svc.Forms(r.Context(), u.Actor(), archived)
	return items[qa.Form]{v}, err
}

func (h qaHandlers) getForm(r *http.Request, u users.User) (any, error) {
	n, err := queryInt(r, "version", 0, 1, 1<<30)
	if err != nil {
		return nil, err
	}
	f, err := h.svc.Form(r.Context(), u.Actor(), r.PathValue("id"), n)
	return versioned[qa.Form]{f, f.CurrentVersion}, err
}

func (h qaHandlers) formVersions(r *http.Request, u users.User) (any, error) {
	v, err := h.svc.FormVersions(r.Context(), u.Actor(), r.PathValue("id"))
	return items[qa.Form]{v}, err
}

func (h qaHandlers) updateForm(r *http.Request, u users.User) (any, error) {
	var up qa.FormUpdate
	if err := decode(r, &up); err != nil {
		return nil, err
	}
	var err error
	if up.Version, err = version(r, up.Version); err != nil {
		return nil, err
	}
	f, err := h.svc.UpdateForm(r.Context(), u.Actor(), r.PathValue("id"), up)
	return versioned[qa.Form]{f, f.Version}, err
}

func (h qaHandlers) archiveForm(r *http.Request, u users.User) (any, error) {
	return h.svc.ArchiveForm(r.Context(), u.Actor(), r.PathValue("id"))
}

func (h qaHandlers) evaluate(r *http.Request, u users.User) (any, error) {
	var n qa.NewEvaluation
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	e, err := h.svc.Evaluate(r.Context(), u.Actor(), n)
	return versioned[qa.Evaluation]{e, e.Version}, err
}

func (h qaHandlers) listEvaluations(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	from, err := queryTime(r, "from")
	if err != nil {
		return nil, err
	}
	to, err := queryTime(r, "to")
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	v, next, err := h.svc.Evaluations(r.Context(), u.Actor(), qa.EvaluationFilter{AgentID: me(q.Get("agent"), u), EvaluatorID: me(q.Get("evaluator"), u),
		CaseID: q.Get("case"), ContactID: q.Get("contact"), FormID: q.Get("form"), Status: q.Get("status"), From: from, To: to, Page: p})
	return list[qa.Evaluation]{v, next}, err
}

func (h qaHandlers) getEvaluation(r *http.Request, u users.User) (any, error) {
	e, err := h.svc.Get(r.Context(), u.Actor(), r.PathValue("id"))
	return versioned[qa.Evaluation]{e, e.Version}, err
}

func (h qaHandlers) history(r *http.Request, u users.User) (any, error) {
	v, err := h.svc.History(r.Context(), u.Actor(), r.PathValue("id"))
	return items[qa.Revision]{v}, err
}

func (h qaHandlers) acknowledge(r *http.Request, u users.User) (any, error) {
	var a qa.Acknowledgement
	if err := decode(r, &a); err != nil {
		return nil, err
	}
	e, err := h.svc.Acknowledge(r.Context(), u.Actor(), r.PathValue("id"), a)
	return versioned[qa.Evaluation]{e, e.Version}, err
}

func (h qaHandlers) dispute(r *http.Request, u users.User) (any, error) {
	var d qa.NewDispute
	if err := decode(r, &d); err != nil {
		return nil, err
	}
	e, err := h.svc.Dispute(r.Context(), u.Actor(), r.PathValue("id"), d)
	return versioned[qa.Evaluation]{e, e.Version}, err
}

func (h qaHandlers) resolve(r *http.Request, u users.User) (any, error) {
	var res qa.Resolution
	if err := decode(r, &res); err != nil {
		return nil, err
	}
	e, err := h.svc.Resolve(r.Context(), u.Actor(), r.PathValue("id"), res)
	return versioned[qa.Evaluation]{e, e.Version}, err
}

func (h qaHandlers) draw(r *http.Request, u users.User) (any, error) {
	var req qa.SampleRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	return h.svc.Draw(r.Context(), u.Actor(), req)
}

func (h qaHandlers) listAssignments(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	v, next, err := h.svc.Assignments(r.Context(), u.Actor(), qa.AssignmentFilter{SupervisorID: me(q.Get("supervisor"), u), AgentID: q.Get("agent"),
		SampleID: q.Get("sample"), Status: q.Get("status"), Page: p})
	return list[qa.Assignment]{v, next}, err
}
