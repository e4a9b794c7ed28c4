package qa

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Statuses of an evaluation. It is submitted by a supervisor; the agent
// acknowledges or disputes it; a supervisor upholds or rejects a dispute.
const (
	StatusSubmitted    = "submitted"
	StatusAcknowledged = "acknowledged"
	StatusDisputed     = "disputed"
	StatusUpheld       = "dispute_upheld"
	StatusRejected     = "dispute_rejected"
)

// Statuses lists every evaluation status in lifecycle order.
var Statuses = []string{StatusSubmitted, StatusAcknowledged, StatusDisputed, StatusUpheld, StatusRejected}

// Evaluation is a supervisor's scoring of an agent's work on a case, or on
// one contact of it, against one version of a form.
type Evaluation struct {
	ID          string `json:"id"`
	FormID      string `json:"form_id"`
	FormVersion int    `json:"form_version"`
	FormName    string `json:"form_name"`
	CaseID      string `json:"case_id"`
	// ContactID is set when one contact was evaluated rather than the case.
	ContactID   string           `json:"contact_id,omitempty"`
	AgentID     string           `json:"agent_id"`
	EvaluatorID string           `json:"evaluator_id"`
	EvaluatedAt time.Time        `json:"evaluated_at"`
	Scores      []CriterionScore `json:"scores"`
	Comment     string           `json:"comment,omitempty"`
	// AccuracyChecked is false when the form has no accuracy criteria; such
	// an evaluation is left out of the accuracy metric.
	AccuracyChecked bool `json:"accuracy_checked"`
	AccuracyDefect  bool `json:"accuracy_defect"`
	// Defects are the keys of the failed accuracy criteria.
	Defects []string `json:"defects"`
	// TreatmentScore is absent when the form has no treatment criteria.
	TreatmentScore *float64   `json:"treatment_score,omitempty"`
	TotalScore     float64    `json:"total_score"`
	Status         string     `json:"status"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	AgentComment   string     `json:"agent_comment,omitempty"`
	Dispute        *Dispute   `json:"dispute,omitempty"`
	// Revision counts the sets of scores the evaluation has had (History).
	Revision int `json:"revision"`
	Version  int `json:"version"`
}

// Dispute is an agent's objection to an evaluation and its resolution.
type Dispute struct {
	Reason     string    `json:"reason"`
	DisputedAt time.Time `json:"disputed_at"`
	// Outcome is upheld or rejected once resolved.
	Outcome    string     `json:"outcome,omitempty"`
	Note       string     `json:"note,omitempty"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// NewEvaluation is what evaluating takes: a form (its current version is
// used), a case or a contact, and a score for every criterion. AgentID
// defaults to the contact's agent, or to the case's owner.
type NewEvaluation struct {
	FormID    string       `json:"form_id"`
	CaseID    string       `json:"case_id,omitempty"`
	ContactID string       `json:"contact_id,omitempty"`
	AgentID   string       `json:"agent_id,omitempty"`
	Scores    []ScoreInput `json:"scores"`
	Comment   string       `json:"comment,omitempty"`
}

func (n *NewEvaluation) validate() error {
	n.FormID, n.CaseID, n.ContactID, n.AgentID = strings.TrimSpace(n.FormID), strings.TrimSpace(n.CaseID), strings.TrimSpace(n.ContactID), strings.TrimSpace(n.AgentID)
	n.Comment = strings.TrimSpace(n.Comment)
	if n.FormID == "" {
		return anchor.Invalid("form_id", "is required")
	}
	if n.CaseID == "" && n.ContactID == "" {
		return anchor.Invalid("case_id", "give the case_id or the contact_id evaluated")
	}
	if len(n.Scores) == 0 {
		return anchor.Invalid("scores", "is required: a score for every criterion of the form")
	}
	if len(n.Comment) > 4000 {
		return anchor.Invalid("comment", "must be at most 4000 characters")
	}
	return nil
}

// Evaluate stores an evaluation against the form's current version. It
// returns EInvalid naming the field for a bad or unknown form, case,
// contact, agent or score, and EConflict when the contact was already
// evaluated: a contact is evaluated once, so that sampling never offers it
// again and the metrics never count it twice. A pending sample assignment
// of the contact is marked done in the same transaction.
func (s *Service) Evaluate(ctx context.Context, actor anchor.Actor, n NewEvaluation) (Evaluation, error) {
	if err := mustEvaluate(actor); err != nil {
		return Evaluation{}, err
	}
	if err := n.validate(); err != nil {
		return Evaluation{}, err
	}
	now := s.DB.Now().Truncate(time.Millisecond)
	var out Evaluation
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		form, err := getForm(ctx, tx, n.FormID, 0)
		if anchor.ErrorCode(err) == anchor.ENotFound {
			return anchor.Invalid("form_id", "no such form: %q", n.FormID)
		}
		if err != nil {
			return err
		}
		if !form.Active {
			return anchor.Invalid("form_id", "form %q is archived", form.Name)
		}
		caseID, agentID, err := target(ctx, tx, n)
		if err != nil {
			return err
		}
		if err := checkAgent(ctx, tx, agentID); err != nil {
			return err
		}
		scores, res, err := Compute(form.Criteria, n.Scores)
		if err != nil {
			return err
		}
		if n.ContactID != "" {
			var k int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM qa_evaluations WHERE contact_id = $1`, n.ContactID).Scan(&k); err != nil {
				return fmt.Errorf("check contact evaluated: %w", err)
			}
			if k > 0 {
				return &anchor.Error{Code: anchor.EConflict, Field: "contact_id", Message: "this contact has already been evaluated"}
			}
		}
		out = Evaluation{ID: store.NewID(now), FormID: form.ID, FormVersion: form.Version, FormName: form.Name, CaseID: caseID,
			ContactID: n.ContactID, AgentID: agentID, EvaluatorID: actor.UserID, EvaluatedAt: now, Scores: scores, Comment: n.Comment,
			Status: StatusSubmitted, Revision: 1, Version: 1}
		out.setResult(res)
		if _, err := tx.ExecContext(ctx, `INSERT INTO qa_evaluations (id, form_id, form_version, case_id, contact_id, agent_id, evaluator_id,
			evaluated_at, comment, accuracy_checked, accuracy_defect, treatment_score, total_score, status, revision, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, 1)`,
			out.ID, out.FormID, out.FormVersion, out.CaseID, store.NullString(out.ContactID), out.AgentID, out.EvaluatorID,
			store.Millis(now), out.Comment, res.AccuracyChecked, res.AccuracyDefect, nullFloat(res.TreatmentScore), res.TotalScore, out.Status); err != nil {
			if isUniqueViolation(err) {
				return &anchor.Error{Code: anchor.EConflict, Field: "contact_id", Message: "this contact has already been evaluated"}
			}
			return fmt.Errorf("insert evaluation: %w", err)
		}
		if err := writeScores(ctx, tx, out.ID, scores); err != nil {
			return err
		}
		if err := writeRevision(ctx, tx, out.ID, 1, scores, res, actor.UserID, now, "evaluated"); err != nil {
			return err
		}
		if n.ContactID != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE qa_assignments SET status = $1, evaluation_id = $2, done_at = $3
				WHERE contact_id = $4 AND status = $5`, AssignmentDone, out.ID, store.Millis(now), n.ContactID, AssignmentPending); err != nil {
				return fmt.Errorf("complete assignment of contact %s: %w", n.ContactID, err)
			}
		}
		return nil
	})
	return out, err
}

// target finds the case evaluated and the agent: the contact's agent, else
// the case's owner, unless one is named.
func target(ctx context.Context, tx *sql.Tx, n NewEvaluation) (caseID, agentID string, err error) {
	if n.ContactID != "" {
		var contactAgent string
		err := tx.QueryRowContext(ctx, `SELECT case_id, COALESCE(agent_id, '') FROM case_contacts WHERE id = $1`, n.ContactID).Scan(&caseID, &contactAgent)
		if errors.Is(err, sql.ErrNoRows) {
			return "", "", anchor.Invalid("contact_id", "no such contact: %q", n.ContactID)
		}
		if err != nil {
			return "", "", fmt.Errorf("get contact %s: %w", n.ContactID, err)
		}
		if n.CaseID != "" && n.CaseID != caseID {
			return "", "", anchor.Invalid("contact_id", "the contact belongs to case %s, not %s", caseID, n.CaseID)
		}
		switch {
		case n.AgentID == "":
			agentID = contactAgent
		case contactAgent != "" && n.AgentID != contactAgent:
			return "", "", anchor.Invalid("agent_id", "the contact was handled by %s", contactAgent)
		default:
			agentID = n.AgentID
		}
	} else {
		var owner string
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(owner_id, '') FROM cases WHERE id = $1`, n.CaseID).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return "", "", anchor.Invalid("case_id", "no such case: %q", n.CaseID)
		}
		if err != nil {
			return "", "", fmt.Errorf("get case %s: %w", n.CaseID, err)
		}
		caseID, agentID = n.CaseID, n.AgentID
		if agentID == "" {
			agentID = owner
		}
	}
	if agentID == "" {
		return "", "", anchor.Invalid("agent_id", "is required: nobody is recorded as handling it")
	}
	return caseID, agentID, nil
}

// checkAgent makes sure the evaluated person is an agent: QA measures the
// front line, and the evaluator can then never be the evaluated.
func checkAgent(ctx context.Context, tx *sql.Tx, id string) error {
	var role string
	err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1`, id).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return anchor.Invalid("agent_id", "no such user: %q", id)
	}
	if err != nil {
		return fmt.Errorf("get agent %s: %w", id, err)
	}
	if role != roleAgent {
		return anchor.Invalid("agent_id", "%s is a %s, not an agent", id, role)
	}
	return nil
}

func (e *Evaluation) setResult(r Result) {
	e.AccuracyChecked, e.AccuracyDefect, e.Defects = r.AccuracyChecked, r.AccuracyDefect, r.Defects
	e.TreatmentScore, e.TotalScore = r.TreatmentScore, r.TotalScore
}

func nullFloat(v *float64) sql.NullFloat64 {
	if v == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *v, Valid: true}
}

func writeScores(ctx context.Context, tx *sql.Tx, id string, scores []CriterionScore) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM qa_evaluation_scores WHERE evaluation_id = $1`, id); err != nil {
		return fmt.Errorf("clear scores of evaluation %s: %w", id, err)
	}
	for i, c := range scores {
		if _, err := tx.ExecContext(ctx, `INSERT INTO qa_evaluation_scores (evaluation_id, position, criterion, label, category, weight, pass_score, score, failed, comment)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, id, i, c.Key, c.Label, c.Category, c.Weight, c.PassScore, c.Score, c.Failed, c.Comment); err != nil {
			return fmt.Errorf("insert score %s of evaluation %s: %w", c.Key, id, err)
		}
	}
	return nil
}

func writeRevision(ctx context.Context, tx *sql.Tx, id string, rev int, scores []CriterionScore, r Result, by string, at time.Time, reason string) error {
	j, err := json.Marshal(scores)
	if err != nil {
		return fmt.Errorf("encode scores: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO qa_evaluation_revisions (evaluation_id, revision, scores, accuracy_defect, treatment_score, total_score, changed_by, changed_at, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id, rev, string(j), r.AccuracyDefect, nullFloat(r.TreatmentScore), r.TotalScore,
		store.NullString(by), store.Millis(at), reason); err != nil {
		return fmt.Errorf("insert revision %d of evaluation %s: %w", rev, id, err)
	}
	return nil
}

// isUniqueViolation recognises a unique-constraint error on either engine:
// the check before an insert cannot see a concurrent transaction's row.
func isUniqueViolation(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

const evalColumns = `e.id, e.form_id, e.form_version, v.name, e.case_id, COALESCE(e.contact_id, ''), e.agent_id, e.evaluator_id,
	e.evaluated_at, e.comment, e.accuracy_checked, e.accuracy_defect, e.treatment_score, e.total_score, e.status,
	e.acknowledged_at, e.agent_comment, e.dispute_reason, e.disputed_at, COALESCE(e.resolved_by, ''), e.resolved_at,
	e.resolution_note, e.revision, e.version`

const evalFrom = ` FROM qa_evaluations e JOIN qa_form_versions v ON v.form_id = e.form_id AND v.version = e.form_version`

func scanEvaluation(row store.Scanner) (Evaluation, error) {
	var e Evaluation
	var at int64
	var treatment sql.NullFloat64
	var acked, disputed, resolved sql.NullInt64
	var reason, note, resolvedBy string
	if err := row.Scan(&e.ID, &e.FormID, &e.FormVersion, &e.FormName, &e.CaseID, &e.ContactID, &e.AgentID, &e.EvaluatorID,
		&at, &e.Comment, &e.AccuracyChecked, &e.AccuracyDefect, &treatment, &e.TotalScore, &e.Status,
		&acked, &e.AgentComment, &reason, &disputed, &resolvedBy, &resolved, &note, &e.Revision, &e.Version); err != nil {
		return Evaluation{}, err
	}
	e.EvaluatedAt, e.AcknowledgedAt = store.Time(at), store.NullTime(acked)
	if treatment.Valid {
		v := treatment.Float64
		e.TreatmentScore = &v
	}
	if disputed.Valid {
		e.Dispute = &Dispute{Reason: reason, DisputedAt: store.Time(disputed.Int64), Note: note, ResolvedBy: resolvedBy, ResolvedAt: store.NullTime(resolved)}
		switch e.Status {
		case StatusUpheld:
			e.Dispute.Outcome = OutcomeUpheld
		case StatusRejected:
			e.Dispute.Outcome = OutcomeRejected
		}
	}
	return e, nil
}

func (s *Service) get(ctx context.Context, q store.Queryer, id string) (Evaluation, error) {
	e, err := scanEvaluation(q.QueryRowContext(ctx, `SELECT `+evalColumns+evalFrom+` WHERE e.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Evaluation{}, anchor.NotFound("evaluation", id)
	}
	if err != nil {
		return Evaluation{}, fmt.Errorf("get evaluation %s: %w", id, err)
	}
	list := []Evaluation{e}
	if err := fillDetails(ctx, q, list); err != nil {
		return Evaluation{}, err
	}
	return list[0], nil
}

// fillDetails loads the scores of evaluations in one query rather than
// one per evaluation.
func fillDetails(ctx context.Context, q store.Queryer, evs []Evaluation) error {
	if len(evs) == 0 {
		return nil
	}
	idx := map[string]int{}
	args := make([]any, len(evs))
	ph := make([]string, len(evs))
	for i := range evs {
		idx[evs[i].ID] = i
		args[i] = evs[i].ID
		ph[i] = fmt.Sprintf("$%d", i+1)
		evs[i].Scores = []CriterionScore{}
		evs[i].Defects = []string{}
	}
	in := strings.Join(ph, ", ")
	rows, err := q.QueryContext(ctx, `SELECT evaluation_id, criterion, label, category, weight, pass_score, score, failed, comment
		FROM qa_evaluation_scores WHERE evaluation_id IN (`+in+`) ORDER BY evaluation_id, position`, args...)
	if err != nil {
		return fmt.Errorf("load scores: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var c CriterionScore
		if err := rows.Scan(&id, &c.Key, &c.Label, &c.Category, &c.Weight, &c.PassScore, &c.Score, &c.Failed, &c.Comment); err != nil {
			return fmt.Errorf("load scores: %w", err)
		}
		e := &evs[idx[id]]
		e.Scores = append(e.Scores, c)
		if c.Category == CategoryAccuracy && c.Failed {
			e.Defects = append(e.Defects, c.Key)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load scores: %w", err)
	}
	return nil
}

// Get returns an evaluation. An agent sees only their own: another's is
// not found, so that its existence is not revealed.
func (s *Service) Get(ctx context.Context, actor anchor.Actor, id string) (Evaluation, error) {
	if err := mayRead(actor); err != nil {
		return Evaluation{}, err
	}
	e, err := s.get(ctx, s.DB.Read, id)
	if err != nil {
		return Evaluation{}, err
	}
	if actor.Role == roleAgent && e.AgentID != actor.UserID {
		return Evaluation{}, anchor.NotFound("evaluation", id)
	}
	return e, nil
}

// EvaluationFilter narrows Evaluations. From and To bound evaluated_at,
// half-open [From, To).
type EvaluationFilter struct {
	AgentID     string
	EvaluatorID string
	CaseID      string
	ContactID   string
	FormID      string
	Status      string
	From, To    *time.Time
	store.Page
}

// Evaluations returns one page of evaluations, newest first. An agent's
// list is always their own; asking for another agent's is forbidden.
func (s *Service) Evaluations(ctx context.Context, actor anchor.Actor, f EvaluationFilter) ([]Evaluation, string, error) {
	if err := mayRead(actor); err != nil {
		return nil, "", err
	}
	if actor.Role == roleAgent {
		if f.AgentID != "" && f.AgentID != actor.UserID {
			return nil, "", anchor.Forbidden("an agent sees only their own evaluations")
		}
		f.AgentID = actor.UserID
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return nil, "", anchor.Invalid("status", "must be one of %s", strings.Join(Statuses, ", "))
	}
	limit := f.Size()
	args := []any{f.CursorOrMax()}
	where := []string{"e.id < $1"}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for _, c := range []struct{ col, v string }{{"e.agent_id", f.AgentID}, {"e.evaluator_id", f.EvaluatorID}, {"e.case_id", f.CaseID},
		{"e.contact_id", f.ContactID}, {"e.form_id", f.FormID}, {"e.status", f.Status}} {
		if c.v != "" {
			where = append(where, c.col+" = "+arg(c.v))
		}
	}
	if f.From != nil {
		where = append(where, "e.evaluated_at >= "+arg(store.Millis(*f.From)))
	}
	if f.To != nil {
		where = append(where, "e.evaluated_at < "+arg(store.Millis(*f.To)))
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+evalColumns+evalFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY e.id DESC`+store.Limit(limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list evaluations: %w", err)
	}
	out, next, err := store.CollectPage(rows, limit, scanEvaluation, func(e Evaluation) string { return e.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list evaluations: %w", err)
	}
	if err := fillDetails(ctx, s.DB.Read, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}
