package httpapi

import (
	"net/http"
	"time"

	"anchor"
	"anchor/internal/feedback"
	"anchor/internal/feedback/analysis"
	"anchor/internal/surveys"
	"anchor/internal/users"
)

// supervisors may see survey links written to the log (no SMTP) and run the
// sender by hand; agents may not, so nobody answers for their own
// customers.
// voice is the voice-of-the-customer part of the API: survey programs,
// invitations and answers, feedback items routed to departments, and the
// text analysis of what customers write.
type voice struct {
	surveys  *surveys.Service
	feedback *feedback.Service
	sender   *surveys.Sender
}

// voiceRoutes declares the routes for surveys, feedback items and the customer's voice.
func (s *Server) voiceRoutes() []route {
	v := &voice{surveys: surveys.New(s.DB, s.Logger), feedback: feedback.New(s.DB)}
	// The API's own pass of the sender writes to the log: mailing is the
	// background sender's job in `anchor serve`, which knows the SMTP server.
	v.sender = &surveys.Sender{Surveys: v.surveys, Mailer: surveys.LogMailer{Logger: s.Logger}, Logger: s.Logger}
	period := []param{{"from", "RFC 3339 time (inclusive)"}, {"to", "RFC 3339 time (exclusive)"}}
	textParams := append([]param{{"segment", "segment id"}, {"scope", "all, detractors (NPS 0-6, CSAT 1-2, complaints, threats, issues) or promoters"},
		{"source", "all, surveys or feedback"}}, period...)
	return []route{
		{method: "POST", path: "/api/v1/surveys", summary: "Set up a survey program for a segment (csat, nps or assessment)", roles: managers, status: 201,
			in: surveys.NewProgram{}, out: surveys.Program{}, do: v.createProgram},
		{method: "GET", path: "/api/v1/surveys", summary: "List survey programs", roles: staff, out: items[surveys.Program]{},
			query: []param{{"segment", "segment id"}, {"kind", "csat, nps or assessment"}, {"active", "true or false"}}, do: v.listPrograms},
		{method: "GET", path: "/api/v1/surveys/{id}", summary: "Get a survey program", roles: staff, out: surveys.Program{}, do: v.getProgram},
		{method: "PATCH", path: "/api/v1/surveys/{id}", summary: "Change a survey program; active: false stops new invitations", roles: managers,
			in: surveys.ProgramUpdate{}, out: surveys.Program{}, do: v.updateProgram},

		{method: "GET", path: "/api/v1/survey-invitations", summary: "List survey invitations, newest first (links are shown only for those written to the log)", roles: supervisors,
			out: list[surveys.Invitation]{}, query: append([]param{{"program", "program id"}, {"kind", "csat, nps or assessment"}, {"customer", "customer id"},
				{"case", "case id"}, {"status", "pending, sending, sent, answered, skipped, failed or expired"}}, pageParams...), do: v.listInvitations},
		{method: "GET", path: "/api/v1/survey-invitations/{id}", summary: "Get a survey invitation", roles: supervisors, out: surveys.Invitation{}, do: v.getInvitation},
		{method: "POST", path: "/api/v1/survey-invitations/run", summary: "Plan and send due invitations now (to the log; the server's background sender mails them)", roles: supervisors,
			out: surveys.PassResult{}, do: v.runSender},

		{method: "POST", path: "/api/v1/survey-responses", summary: "Record a raw survey answer (csat 1-5, nps 0-10, or an assessment's two answers)", roles: staff, status: 201,
			in: surveys.NewResponse{}, out: surveys.Response{}, do: v.recordResponse},
		{method: "GET", path: "/api/v1/survey-responses", summary: "List survey answers, newest first", roles: staff, out: list[surveys.Response]{},
			query: append(append([]param{{"kind", "csat, nps or assessment"}, {"customer", "customer id"}, {"case", "case id"}, {"segment", "segment id"},
				{"owner", "account owner ('me' for yourself)"}, {"agent", "case owner ('me' for yourself)"}}, period...), pageParams...), do: v.listResponses},
		{method: "GET", path: "/api/v1/survey-responses/{id}", summary: "Get a survey answer", roles: staff, out: surveys.Response{}, do: v.getResponse},

		{method: "POST", path: "/api/v1/feedback", summary: "Capture what a customer said: issue, opportunity, threat, praise, complaint or idea", roles: staff, status: 201,
			in: feedback.NewItem{}, out: feedback.Item{}, do: v.createItem},
		{method: "GET", path: "/api/v1/feedback", summary: "List feedback items, newest first (a department member sees only its inbox)", roles: anyone, out: list[feedback.Item]{},
			query: append(append([]param{{"department", "department id"}, {"unrouted", "true for items with a product area only"}, {"type", "item type"},
				{"status", "new, acknowledged, answered or closed"}, {"open", "true for items not closed"}, {"customer", "customer id"}, {"case", "case id"},
				{"segment", "segment id"}, {"captured_by", "user id ('me': what you raised)"}, {"owner", "account owner ('me': your accounts)"},
				{"external", "true for items about outside parties"}}, period...), pageParams...), do: v.listItems},
		{method: "GET", path: "/api/v1/feedback/summary", summary: "Items by function in a period: types, open items and their age, praise-to-complaint ratio, ideas implemented", roles: staff,
			out: feedback.Summary{}, query: period, do: v.summary},
		{method: "GET", path: "/api/v1/feedback/{id}", summary: "Get a feedback item", roles: anyone, out: feedback.Item{}, do: v.getItem},
		{method: "PATCH", path: "/api/v1/feedback/{id}", summary: "Acknowledge, answer, close (with what was done), mark an idea implemented, or re-route an item", roles: anyone,
			in: feedback.Update{}, out: feedback.Item{}, do: v.updateItem},
		{method: "DELETE", path: "/api/v1/feedback/{id}", summary: "Delete an item captured in error, before anyone acted on it", roles: staff, out: struct{}{}, do: v.deleteItem},
		{method: "GET", path: "/api/v1/feedback/{id}/events", summary: "The item's whole history, in order", roles: anyone, out: items[feedback.Event]{}, do: v.itemEvents},
		{method: "GET", path: "/api/v1/departments/{id}/feedback", summary: "A department's feedback inbox (open items by default)", roles: anyone, out: list[feedback.Item]{},
			query: append([]param{{"status", "new, acknowledged, answered or closed"}, {"type", "item type"}, {"all", "true to include closed items"}}, pageParams...), do: v.inbox},

		{method: "GET", path: "/api/v1/voice/phrases", summary: "The most frequent key phrases of survey comments and feedback items in a period", roles: staff,
			out: feedback.PhraseReport{}, query: append(textParams, param{"limit", "how many phrases, 1-100 (default 20)"}), do: v.phrases},
		{method: "GET", path: "/api/v1/voice/sentiment", summary: "The tone of a period's survey comments and feedback items", roles: staff,
			out: feedback.SentimentReport{}, query: textParams, do: v.sentiment},
		{method: "POST", path: "/api/v1/voice/sentiment", summary: "Score the sentiment of a text (VADER compound, -1 to +1)", roles: staff,
			in: sentimentRequest{}, out: analysis.Sentiment{}, do: v.scoreText},
		{method: "GET", path: "/api/v1/voice/scores", summary: "CSAT or NPS by segment, owner, agent, category, channel or month, with the verbatims behind them", roles: staff,
			out: surveys.ScoreReport{}, query: append([]param{{"kind", "csat or nps"}, {"by", "segment, owner, agent, category, channel or month"},
				{"segment", "segment id"}, {"verbatims", "comments per group, 0-20 (default 3)"}}, period...), do: v.scores},
	}
}

// Survey programs.

func (v *voice) createProgram(r *http.Request, u users.User) (any, error) {
	var n surveys.NewProgram
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return v.surveys.CreateProgram(r.Context(), u.Actor(), n)
}

func (v *voice) listPrograms(r *http.Request, u users.User) (any, error) {
	q := r.URL.Query()
	f := surveys.ProgramFilter{SegmentID: q.Get("segment"), Kind: q.Get("kind")}
	if q.Get("active") != "" {
		b, err := queryBool(r, "active")
		if err != nil {
			return nil, err
		}
		f.Active = &b
	}
	ps, err := v.surveys.Programs(r.Context(), f)
	return items[surveys.Program]{ps}, err
}

func (v *voice) getProgram(r *http.Request, u users.User) (any, error) {
	p, err := v.surveys.Program(r.Context(), r.PathValue("id"))
	return versioned[surveys.Program]{p, p.Version}, err
}

func (v *voice) updateProgram(r *http.Request, u users.User) (any, error) {
	var up surveys.ProgramUpdate
	if err := decode(r, &up); err != nil {
		return nil, err
	}
	var err error
	if up.Version, err = version(r, up.Version); err != nil {
		return nil, err
	}
	p, err := v.surveys.UpdateProgram(r.Context(), r.PathValue("id"), up)
	return versioned[surveys.Program]{p, p.Version}, err
}

// Invitations.

func (v *voice) listInvitations(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	is, next, err := v.surveys.Invitations(r.Context(), surveys.InvitationFilter{ProgramID: q.Get("program"), Kind: q.Get("kind"),
		CustomerID: q.Get("customer"), CaseID: q.Get("case"), Status: q.Get("status"), Page: p})
	return list[surveys.Invitation]{is, next}, err
}

func (v *voice) getInvitation(r *http.Request, u users.User) (any, error) {
	return v.surveys.Invitation(r.Context(), r.PathValue("id"))
}

func (v *voice) runSender(r *http.Request, u users.User) (any, error) {
	return v.sender.RunOnce(r.Context())
}

// Answers.

func (v *voice) recordResponse(r *http.Request, u users.User) (any, error) {
	var n surveys.NewResponse
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return v.surveys.Record(r.Context(), u.Actor(), n)
}

func periodOf(r *http.Request) (from, to *time.Time, err error) {
	if from, err = queryTime(r, "from"); err != nil {
		return nil, nil, err
	}
	if to, err = queryTime(r, "to"); err != nil {
		return nil, nil, err
	}
	if from != nil && to != nil && !from.Before(*to) {
		return nil, nil, anchor.Invalid("to", "must be after from")
	}
	return from, to, nil
}

// requiredPeriod is a report's period: both ends required.
func requiredPeriod(r *http.Request) (time.Time, time.Time, error) {
	from, to, err := periodOf(r)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if from == nil {
		return time.Time{}, time.Time{}, anchor.Invalid("from", "is required")
	}
	if to == nil {
		return time.Time{}, time.Time{}, anchor.Invalid("to", "is required")
	}
	return *from, *to, nil
}

func (v *voice) listResponses(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	from, to, err := periodOf(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	rs, next, err := v.surveys.Responses(r.Context(), surveys.ResponseFilter{Kind: q.Get("kind"), CustomerID: q.Get("customer"), CaseID: q.Get("case"),
		SegmentID: q.Get("segment"), OwnerID: me(q.Get("owner"), u), AgentID: me(q.Get("agent"), u), From: from, To: to, Page: p})
	return list[surveys.Response]{rs, next}, err
}

func (v *voice) getResponse(r *http.Request, u users.User) (any, error) {
	return v.surveys.Response(r.Context(), r.PathValue("id"))
}

// Feedback items.

func (v *voice) createItem(r *http.Request, u users.User) (any, error) {
	var n feedback.NewItem
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return v.feedback.Create(r.Context(), u.Actor(), n)
}

func (v *voice) listItems(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	from, to, err := periodOf(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := feedback.Filter{DepartmentID: q.Get("department"), Type: q.Get("type"), Status: q.Get("status"), CustomerID: q.Get("customer"),
		CaseID: q.Get("case"), SegmentID: q.Get("segment"), CapturedBy: me(q.Get("captured_by"), u), OwnerID: me(q.Get("owner"), u),
		From: from, To: to, Page: p}
	if f.Unrouted, err = queryBool(r, "unrouted"); err != nil {
		return nil, err
	}
	if f.Open, err = queryBool(r, "open"); err != nil {
		return nil, err
	}
	if q.Get("external") != "" {
		b, err := queryBool(r, "external")
		if err != nil {
			return nil, err
		}
		f.External = &b
	}
	is, next, err := v.feedback.List(r.Context(), u.Actor(), f)
	return list[feedback.Item]{is, next}, err
}

func (v *voice) inbox(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	dep := r.PathValue("id")
	if u.Role == users.RoleDepartment && dep != u.DepartmentID {
		return nil, anchor.Forbidden("a department member sees only its own department's feedback")
	}
	all, err := queryBool(r, "all")
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := feedback.Filter{DepartmentID: dep, Status: q.Get("status"), Type: q.Get("type"), Open: !all && q.Get("status") == "", Page: p}
	is, next, err := v.feedback.List(r.Context(), u.Actor(), f)
	return list[feedback.Item]{is, next}, err
}

func (v *voice) getItem(r *http.Request, u users.User) (any, error) {
	it, err := v.feedback.Get(r.Context(), u.Actor(), r.PathValue("id"))
	return versioned[feedback.Item]{it, it.Version}, err
}

func (v *voice) updateItem(r *http.Request, u users.User) (any, error) {
	var up feedback.Update
	if err := decode(r, &up); err != nil {
		return nil, err
	}
	var err error
	if up.Version, err = version(r, up.Version); err != nil {
		return nil, err
	}
	it, err := v.feedback.Update(r.Context(), u.Actor(), r.PathValue("id"), up)
	return versioned[feedback.Item]{it, it.Version}, err
}

func (v *voice) deleteItem(r *http.Request, u users.User) (any, error) {
	return struct{}{}, v.feedback.Delete(r.Context(), u.Actor(), r.PathValue("id"))
}

func (v *voice) itemEvents(r *http.Request, u users.User) (any, error) {
	es, err := v.feedback.Events(r.Context(), u.Actor(), r.PathValue("id"))
	return items[feedback.Event]{es}, err
}

func (v *voice) summary(r *http.Request, u users.User) (any, error) {
	from, to, err := requiredPeriod(r)
	if err != nil {
		return nil, err
	}
	return v.feedback.Summarise(r.Context(), from, to)
}

// Text analysis.

func textFilter(r *http.Request) (feedback.TextFilter, error) {
	from, to, err := requiredPeriod(r)
	if err != nil {
		return feedback.TextFilter{}, err
	}
	q := r.URL.Query()
	return feedback.TextFilter{From: from, To: to, SegmentID: q.Get("segment"), Scope: q.Get("scope"), Source: q.Get("source")}, nil
}

func (v *voice) phrases(r *http.Request, u users.User) (any, error) {
	f, err := textFilter(r)
	if err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit", 20, 1, 100)
	if err != nil {
		return nil, err
	}
	return v.feedback.Phrases(r.Context(), f, limit)
}

func (v *voice) sentiment(r *http.Request, u users.User) (any, error) {
	f, err := textFilter(r)
	if err != nil {
		return nil, err
	}
	return v.feedback.Sentiment(r.Context(), f)
}

// sentimentRequest is a text to score.
type sentimentRequest struct {
	Text string `json:"text"`
}

func (v *voice) scoreText(r *http.Request, u users.User) (any, error) {
	var req sentimentRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.Text == "" {
		return nil, anchor.Invalid("text", "is required")
	}
	if len([]rune(req.Text)) > feedback.MaxText {
		return nil, anchor.Invalid("text", "is longer than %d characters", feedback.MaxText)
	}
	return v.feedback.Analyzer.Sentiment(req.Text), nil
}

func (v *voice) scores(r *http.Request, u users.User) (any, error) {
	from, to, err := requiredPeriod(r)
	if err != nil {
		return nil, err
	}
	n, err := queryInt(r, "verbatims", 3, 0, 20)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		n = -1 // the service's zero means the default
	}
	q := r.URL.Query()
	rep, err := v.surveys.Scores(r.Context(), surveys.ScoreFilter{Kind: q.Get("kind"), By: q.Get("by"), SegmentID: q.Get("segment"), From: from, To: to, Verbatims: n})
	return rep, err
}
