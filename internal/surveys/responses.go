package surveys

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/notify"
	"anchor/internal/store"
)

// MaxComment bounds a comment: 10,000 characters is a long letter; more is
// a paste, or an attack on the page.
const MaxComment = 10000

// Response is a customer's answer to a survey.
type Response struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Score is 1–5 for CSAT, 0–10 for NPS, absent for an assessment.
	Score *int `json:"score,omitempty"`
	// Comment is the CSAT comment, the NPS "why?", or the assessment's
	// "how did we serve you this month?".
	Comment string `json:"comment,omitempty"`
	// NextMonth is the assessment's "what should we do for you next
	// month?".
	NextMonth  string `json:"next_month,omitempty"`
	CustomerID string `json:"customer_id"`
	// SegmentID, OwnerID (the account owner), AgentID (the case owner),
	// Channel and Category are as they were when the customer answered.
	SegmentID    string `json:"segment_id"`
	OwnerID      string `json:"owner_id,omitempty"`
	CaseID       string `json:"case_id,omitempty"`
	AgentID      string `json:"agent_id,omitempty"`
	Channel      string `json:"channel,omitempty"`
	Category     string `json:"category,omitempty"`
	InvitationID string `json:"invitation_id,omitempty"`
	ProgramID    string `json:"program_id,omitempty"`
	// Source is "survey" (answered on the public page) or "api".
	Source string `json:"source"`
	// Sentiment is the compound VADER score of the comments, -1 to +1.
	Sentiment *float64 `json:"sentiment,omitempty"`
	// FollowUpCaseID is the case opened from this answer: the account
	// owner's task for an assessment, or the follow-up of a strongly
	// negative comment from a high-value account.
	FollowUpCaseID string    `json:"follow_up_case_id,omitempty"`
	RecordedBy     string    `json:"recorded_by,omitempty"`
	AnsweredAt     time.Time `json:"answered_at"`
	CreatedAt      time.Time `json:"created_at"`
}

// Answer is what the customer filled in.
type Answer struct {
	Score     *int   `json:"score,omitempty"`
	Comment   string `json:"comment,omitempty"`
	NextMonth string `json:"next_month,omitempty"`
}

// Validate checks an answer to a survey of kind: the score in range, the
// required open answers given, no comment over MaxComment. Comments may
// hold anything, HTML included: they are stored as typed and escaped
// wherever they are shown.
func (a *Answer) Validate(kind string) error {
	a.Comment, a.NextMonth = strings.TrimSpace(a.Comment), strings.TrimSpace(a.NextMonth)
	if !utf8.ValidString(a.Comment) || !utf8.ValidString(a.NextMonth) {
		return anchor.Invalid("comment", "is not valid UTF-8 text")
	}
	for field, v := range map[string]string{"comment": a.Comment, "next_month": a.NextMonth} {
		if n := utf8.RuneCountInString(v); n > MaxComment {
			return anchor.Invalid(field, "is %d characters long; the most is %d", n, MaxComment)
		}
	}
	switch kind {
	case KindCSAT:
		if a.Score == nil || *a.Score < 1 || *a.Score > 5 {
			return anchor.Invalid("score", "must be a whole number from 1 to 5")
		}
	case KindNPS:
		if a.Score == nil || *a.Score < 0 || *a.Score > 10 {
			return anchor.Invalid("score", "must be a whole number from 0 to 10")
		}
	case KindAssessment:
		if a.Score != nil {
			return anchor.Invalid("score", "an assessment has no score: answer the two questions")
		}
		if a.Comment == "" {
			return anchor.Invalid("comment", "is required: how did we serve you this month?")
		}
		if a.NextMonth == "" {
			return anchor.Invalid("next_month", "is required: what should we do for you next month?")
		}
	default:
		return anchor.Invalid("kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	if kind != KindAssessment && a.NextMonth != "" {
		return anchor.Invalid("next_month", "belongs to an assessment only")
	}
	return nil
}

// NewResponse is a raw answer recorded by an integrator (a survey run in
// another tool, a phone survey): the same table and rules as answers on the
// public page. CaseID is optional; AnsweredAt defaults to now.
type NewResponse struct {
	Kind       string     `json:"kind"`
	CustomerID string     `json:"customer_id,omitempty"`
	CaseID     string     `json:"case_id,omitempty"`
	Score      *int       `json:"score,omitempty"`
	Comment    string     `json:"comment,omitempty"`
	NextMonth  string     `json:"next_month,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// subject is who an answer is about, read when it is recorded.
type subject struct {
	customer, customerName, segment, owner string
	revenue                                sql.NullFloat64
	caseID, agent, channel, category       string
}

func loadSubject(ctx context.Context, q store.Queryer, customer, caseID string) (subject, error) {
	var sub subject
	if caseID != "" {
		var caseCustomer string
		var agent sql.NullString
		err := q.QueryRowContext(ctx, `SELECT customer_id, owner_id, channel, category FROM cases WHERE id = $1`, caseID).Scan(&caseCustomer, &agent, &sub.channel, &sub.category)
		if errors.Is(err, sql.ErrNoRows) {
			return sub, anchor.Invalid("case_id", "no such case: %q", caseID)
		}
		if err != nil {
			return sub, fmt.Errorf("survey answer: case: %w", err)
		}
		if customer == "" {
			customer = caseCustomer
		} else if customer != caseCustomer {
			return sub, anchor.Invalid("case_id", "the case belongs to another customer")
		}
		sub.caseID, sub.agent = caseID, agent.String
	}
	if customer == "" {
		return sub, anchor.Invalid("customer_id", "is required (or give case_id)")
	}
	var owner sql.NullString
	err := q.QueryRowContext(ctx, `SELECT name, segment_id, owner_id, revenue FROM customers WHERE id = $1`, customer).Scan(&sub.customerName, &sub.segment, &owner, &sub.revenue)
	if errors.Is(err, sql.ErrNoRows) {
		return sub, anchor.Invalid("customer_id", "no such customer: %q", customer)
	}
	if err != nil {
		return sub, fmt.Errorf("survey answer: customer: %w", err)
	}
	sub.customer, sub.owner = customer, owner.String
	return sub, nil
}

const responseColumns = `id, kind, score, comment, next_month, customer_id, segment_id, COALESCE(owner_id, ''), COALESCE(case_id, ''),
	COALESCE(agent_id, ''), channel, category, COALESCE(invitation_id, ''), COALESCE(program_id, ''), source, sentiment,
	COALESCE(follow_up_case_id, ''), COALESCE(recorded_by, ''), answered_at, created_at`

func scanResponse(row store.Scanner) (Response, error) {
	var r Response
	var score sql.NullInt64
	var sent sql.NullFloat64
	var answered, created int64
	err := row.Scan(&r.ID, &r.Kind, &score, &r.Comment, &r.NextMonth, &r.CustomerID, &r.SegmentID, &r.OwnerID, &r.CaseID,
		&r.AgentID, &r.Channel, &r.Category, &r.InvitationID, &r.ProgramID, &r.Source, &sent, &r.FollowUpCaseID, &r.RecordedBy, &answered, &created)
	if score.Valid {
		v := int(score.Int64)
		r.Score = &v
	}
	if sent.Valid {
		r.Sentiment = &sent.Float64
	}
	r.AnsweredAt, r.CreatedAt = store.Time(answered), store.Time(created)
	return r, err
}

func (s *Service) sentiment(a Answer) *float64 {
	text := strings.TrimSpace(a.Comment + "\n" + a.NextMonth)
	if text == "" || s.Analyzer == nil {
		return nil
	}
	c := s.Analyzer.Sentiment(text).Compound
	return &c
}

func (s *Service) insertResponse(ctx context.Context, tx *sql.Tx, r Response) error {
	var score sql.NullInt64
	if r.Score != nil {
		score = sql.NullInt64{Int64: int64(*r.Score), Valid: true}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO survey_responses (id, kind, score, comment, next_month, customer_id, segment_id, owner_id, case_id,
		agent_id, channel, category, invitation_id, program_id, source, sentiment, recorded_by, answered_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		r.ID, r.Kind, score, r.Comment, r.NextMonth, r.CustomerID, r.SegmentID, store.NullString(r.OwnerID), store.NullString(r.CaseID),
		store.NullString(r.AgentID), r.Channel, r.Category, store.NullString(r.InvitationID), store.NullString(r.ProgramID), r.Source,
		nullFloat(r.Sentiment), store.NullString(r.RecordedBy), store.Millis(r.AnsweredAt), store.Millis(r.CreatedAt)); err != nil {
		return fmt.Errorf("insert survey answer: %w", err)
	}
	// Integrators hear of every answer through the webhooks, queued in the
	// same transaction so that none is announced without being kept.
	return (&notify.Service{DB: s.DB}).Notify(ctx, tx, notify.Event{Kind: "survey.answered", CaseID: r.CaseID, SubjectType: "survey_response",
		SubjectID: r.ID, Message: fmt.Sprintf("%s answer from customer %s", r.Kind, r.CustomerID),
		Data: map[string]any{"kind": r.Kind, "score": r.Score, "comment": r.Comment, "customer_id": r.CustomerID, "segment_id": r.SegmentID,
			"source": r.Source, "answered_at": r.AnsweredAt}})
}

// Record stores a raw answer from the API. The active program of the
// customer's segment and the answer's kind, if any, decides the follow-up.
func (s *Service) Record(ctx context.Context, actor anchor.Actor, n NewResponse) (Response, error) {
	if !slices.Contains(Kinds, n.Kind) {
		return Response{}, anchor.Invalid("kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	a := Answer{Score: n.Score, Comment: n.Comment, NextMonth: n.NextMonth}
	if err := a.Validate(n.Kind); err != nil {
		return Response{}, err
	}
	now := s.DB.Now()
	at := now
	if n.AnsweredAt != nil {
		at = n.AnsweredAt.UTC()
		if at.After(now.Add(time.Minute)) {
			return Response{}, anchor.Invalid("answered_at", "is in the future")
		}
	}
	var out Response
	var sub subject
	var prog *Program
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if sub, err = loadSubject(ctx, tx, n.CustomerID, n.CaseID); err != nil {
			return err
		}
		ps, err := programsOf(ctx, tx, sub.segment, n.Kind)
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			prog = &ps[0]
		}
		out = Response{ID: store.NewID(now), Kind: n.Kind, Score: a.Score, Comment: a.Comment, NextMonth: a.NextMonth,
			CustomerID: sub.customer, SegmentID: sub.segment, OwnerID: sub.owner, CaseID: sub.caseID, AgentID: sub.agent,
			Channel: sub.channel, Category: sub.category, Source: "api", Sentiment: s.sentiment(a), RecordedBy: actor.UserID,
			AnsweredAt: at.Truncate(time.Millisecond), CreatedAt: now.Truncate(time.Millisecond)}
		if prog != nil {
			out.ProgramID = prog.ID
		}
		return s.insertResponse(ctx, tx, out)
	})
	if err != nil {
		return Response{}, err
	}
	return s.followUp(ctx, out, sub, prog)
}

func programsOf(ctx context.Context, q store.Queryer, segment, kind string) ([]Program, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+programColumns+` FROM survey_programs WHERE segment_id = $1 AND kind = $2 AND active`, segment, kind)
	if err != nil {
		return nil, fmt.Errorf("survey programs of segment: %w", err)
	}
	defer rows.Close()
	var out []Program
	for rows.Next() {
		p, err := scanProgram(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Link errors: what the public page tells someone whose link does not
// work. They say nothing about whose link it was.
var (
	ErrLinkInvalid = &anchor.Error{Code: anchor.ENotFound, Message: "this survey link is not valid"}
	ErrLinkUsed    = &anchor.Error{Code: anchor.EConflict, Message: "this survey has already been answered"}
	ErrLinkExpired = &anchor.Error{Code: anchor.EConflict, Message: "this survey link has expired"}
)

// Invited is what the public page shows the person a link was sent to:
// their own name and, for CSAT, the subject of their own case — nothing
// about anyone else.
type Invited struct {
	InvitationID string
	Kind         string
	ContactName  string
	CaseSubject  string
	Period       string
	ExpiresAt    time.Time
}

// Open checks a link and returns what its page shows. It returns
// ErrLinkInvalid for a forged or unknown token, ErrLinkUsed once answered,
// ErrLinkExpired after the expiry.
func (s *Service) Open(ctx context.Context, token string) (Invited, error) {
	id, ok, err := s.verify(ctx, token)
	if err != nil {
		return Invited{}, err
	}
	if !ok {
		return Invited{}, ErrLinkInvalid
	}
	var in Invited
	var status string
	var expires int64
	var answered sql.NullInt64
	err = s.DB.Read.QueryRowContext(ctx, `SELECT i.id, i.kind, i.contact_name, COALESCE(c.subject, ''), i.period, i.status, i.expires_at, i.answered_at
		FROM survey_invitations i LEFT JOIN cases c ON c.id = i.case_id WHERE i.id = $1`, id).
		Scan(&in.InvitationID, &in.Kind, &in.ContactName, &in.CaseSubject, &in.Period, &status, &expires, &answered)
	if errors.Is(err, sql.ErrNoRows) {
		return Invited{}, ErrLinkInvalid
	}
	if err != nil {
		return Invited{}, fmt.Errorf("open survey link: %w", err)
	}
	in.ExpiresAt = store.Time(expires)
	return in, linkState(status, answered.Valid, expires, store.Millis(s.DB.Now()))
}

// linkState is the one place that decides whether a link may be answered:
// it must have (possibly) reached the customer, not be answered, and not
// be past its expiry.
func linkState(status string, answered bool, expires, now int64) error {
	switch {
	case answered || status == InvAnswered:
		return ErrLinkUsed
	case status != InvSent && status != InvSending && status != InvFailed:
		return ErrLinkInvalid
	case now >= expires:
		return ErrLinkExpired
	}
	return nil
}

// Submit records the answer to a link, once: the invitation is marked
// answered by a conditional update in the same transaction as the answer
// is inserted (and invitation_id is UNIQUE), so a double submit, a replay
// or two instances racing record exactly one answer. It returns the link
// errors of Open, or EInvalid naming the field of a bad answer.
func (s *Service) Submit(ctx context.Context, token string, a Answer) (Response, error) {
	in, err := s.Open(ctx, token)
	if err != nil {
		return Response{}, err
	}
	if err := a.Validate(in.Kind); err != nil {
		return Response{}, err
	}
	now := s.DB.Now()
	sentiment := s.sentiment(a)
	var out Response
	var sub subject
	var prog Program
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var status string
		var expires int64
		var answered sql.NullInt64
		var customer, programID string
		var caseID sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT status, expires_at, answered_at, customer_id, case_id, program_id FROM survey_invitations WHERE id = $1`,
			in.InvitationID).Scan(&status, &expires, &answered, &customer, &caseID, &programID); err != nil {
			return fmt.Errorf("answer survey: %w", err)
		}
		if err := linkState(status, answered.Valid, expires, store.Millis(now)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE survey_invitations SET status = 'answered', answered_at = $2
			WHERE id = $1 AND answered_at IS NULL AND status IN ('sent', 'sending', 'failed') AND expires_at > $2`, in.InvitationID, store.Millis(now))
		if err != nil {
			return fmt.Errorf("answer survey: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrLinkUsed
		}
		if sub, err = loadSubject(ctx, tx, customer, caseID.String); err != nil {
			return err
		}
		if prog, err = program(ctx, tx, programID); err != nil {
			return err
		}
		out = Response{ID: store.NewID(now), Kind: in.Kind, Score: a.Score, Comment: a.Comment, NextMonth: a.NextMonth,
			CustomerID: sub.customer, SegmentID: sub.segment, OwnerID: sub.owner, CaseID: sub.caseID, AgentID: sub.agent,
			Channel: sub.channel, Category: sub.category, InvitationID: in.InvitationID, ProgramID: programID, Source: "survey",
			Sentiment: sentiment, AnsweredAt: now.Truncate(time.Millisecond), CreatedAt: now.Truncate(time.Millisecond)}
		return s.insertResponse(ctx, tx, out)
	})
	if err != nil {
		return Response{}, err
	}
	return s.followUp(ctx, out, sub, &prog)
}

// followUp opens the case an answer calls for: an assessment is a task for
// the account owner; a comment at or below the program's sentiment
// threshold from an account above its revenue threshold is a follow-up.
// It runs after the answer is committed (cases.Service opens its own
// transaction): an answer is never lost to a failed follow-up, and a
// failed follow-up is logged and leaves follow_up_case_id empty.
func (s *Service) followUp(ctx context.Context, r Response, sub subject, p *Program) (Response, error) {
	if s.Cases == nil {
		return r, nil
	}
	var n *cases.NewCase
	switch {
	case r.Kind == KindAssessment:
		period := r.AnsweredAt.Format("2006-01")
		n = &cases.NewCase{CustomerID: r.CustomerID, Channel: "web", Category: CategoryAssessment, Priority: "normal",
			Subject:     truncate(fmt.Sprintf("Monthly assessment %s: %s", period, oneLine(sub.customerName)), 500),
			Description: "How did we serve you this month?\n" + r.Comment + "\n\nWhat should we do for you next month?\n" + r.NextMonth}
	case p != nil && p.FollowUpMinRevenue != nil && r.Sentiment != nil && *r.Sentiment <= p.FollowUpBelow &&
		sub.revenue.Valid && sub.revenue.Float64 > *p.FollowUpMinRevenue:
		score := ""
		if r.Score != nil {
			score = fmt.Sprintf(" %d", *r.Score)
		}
		desc := fmt.Sprintf("%s answer%s with a strongly negative comment (sentiment %.2f) from an account with revenue %.0f:\n\n%s",
			strings.ToUpper(r.Kind), score, *r.Sentiment, sub.revenue.Float64, r.Comment)
		if r.CaseID != "" {
			desc += "\n\nAbout case " + r.CaseID + "."
		}
		n = &cases.NewCase{CustomerID: r.CustomerID, Channel: "web", Category: CategoryFollowUp, Priority: "high",
			Subject: truncate("Follow up a strongly negative "+strings.ToUpper(r.Kind)+" comment: "+oneLine(sub.customerName), 500), Description: desc}
	}
	if n == nil {
		return r, nil
	}
	c, err := s.Cases.Create(ctx, system, *n)
	if err != nil {
		s.Logger.Error("survey follow-up case not opened", "response", r.ID, "error", err)
		return r, nil
	}
	if err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE survey_responses SET follow_up_case_id = $2 WHERE id = $1`, r.ID, c.ID)
		return err
	}); err != nil {
		return r, fmt.Errorf("record follow-up case: %w", err)
	}
	r.FollowUpCaseID = c.ID
	return r, nil
}

// ResponseFilter narrows Responses. From and To bound answered_at,
// half-open.
type ResponseFilter struct {
	Kind       string
	CustomerID string
	CaseID     string
	SegmentID  string
	OwnerID    string
	AgentID    string
	From, To   *time.Time
	store.Page
}

// Responses returns one page of answers, newest first.
func (s *Service) Responses(ctx context.Context, f ResponseFilter) ([]Response, string, error) {
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		return nil, "", anchor.Invalid("kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	limit := f.Size()
	args := []any{f.CursorOrMax()}
	where := []string{"id < $1"}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for _, c := range []struct{ col, v string }{{"kind", f.Kind}, {"customer_id", f.CustomerID}, {"case_id", f.CaseID},
		{"segment_id", f.SegmentID}, {"owner_id", f.OwnerID}, {"agent_id", f.AgentID}} {
		if c.v != "" {
			where = append(where, c.col+" = "+arg(c.v))
		}
	}
	if f.From != nil {
		where = append(where, "answered_at >= "+arg(store.Millis(*f.From)))
	}
	if f.To != nil {
		where = append(where, "answered_at < "+arg(store.Millis(*f.To)))
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+responseColumns+` FROM survey_responses WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC`+store.Limit(limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list survey answers: %w", err)
	}
	out, next, err := store.CollectPage(rows, limit, scanResponse, func(r Response) string { return r.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list survey answers: %w", err)
	}
	return out, next, nil
}

// Response returns one answer.
func (s *Service) Response(ctx context.Context, id string) (Response, error) {
	r, err := scanResponse(s.DB.Read.QueryRowContext(ctx, `SELECT `+responseColumns+` FROM survey_responses WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Response{}, anchor.NotFound("survey answer", id)
	}
	if err != nil {
		return Response{}, fmt.Errorf("get survey answer %s: %w", id, err)
	}
	return r, nil
}
