package qa

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Outcomes of a dispute.
const (
	OutcomeUpheld   = "upheld"
	OutcomeRejected = "rejected"
)

// Acknowledgement is the agent's acceptance of an evaluation, with an
// optional comment.
type Acknowledgement struct {
	Comment string `json:"comment,omitempty"`
}

// NewDispute is the agent's objection to an evaluation.
type NewDispute struct {
	Reason string `json:"reason"`
}

// Resolution is a supervisor's answer to a dispute. Upheld changes the
// scores given (the others are kept); rejected changes nothing and needs a
// note saying why.
type Resolution struct {
	Outcome string       `json:"outcome"`
	Note    string       `json:"note,omitempty"`
	Scores  []ScoreInput `json:"scores,omitempty"`
}

// Revision is one set of scores an evaluation has had: the evaluator's
// first, then one per upheld dispute.
type Revision struct {
	Revision       int              `json:"revision"`
	Scores         []CriterionScore `json:"scores"`
	AccuracyDefect bool             `json:"accuracy_defect"`
	TreatmentScore *float64         `json:"treatment_score,omitempty"`
	TotalScore     float64          `json:"total_score"`
	ChangedBy      string           `json:"changed_by,omitempty"`
	ChangedAt      time.Time        `json:"changed_at"`
	Reason         string           `json:"reason,omitempty"`
}

// ownEvaluation loads an evaluation for its agent to answer: another
// agent's is not found, and nobody else may answer for the agent.
func (s *Service) ownEvaluation(ctx context.Context, tx *sql.Tx, actor anchor.Actor, id string) (Evaluation, error) {
	e, err := s.get(ctx, tx, id)
	if err != nil {
		return Evaluation{}, err
	}
	if e.AgentID != actor.UserID {
		if actor.Role == roleAgent {
			return Evaluation{}, anchor.NotFound("evaluation", id)
		}
		return Evaluation{}, anchor.Forbidden("only the evaluated agent may acknowledge or dispute an evaluation")
	}
	if e.Status != StatusSubmitted {
		return Evaluation{}, &anchor.Error{Code: anchor.EConflict, Field: "status",
			Message: fmt.Sprintf("the evaluation is %s: only a submitted evaluation can be acknowledged or disputed", e.Status)}
	}
	return e, nil
}

// Acknowledge records that the agent has seen and accepts an evaluation.
// It returns ENotFound for another agent's evaluation, EForbidden for
// anyone but the evaluated agent, and EConflict unless it is submitted.
func (s *Service) Acknowledge(ctx context.Context, actor anchor.Actor, id string, a Acknowledgement) (Evaluation, error) {
	a.Comment = strings.TrimSpace(a.Comment)
	if len(a.Comment) > 2000 {
		return Evaluation{}, anchor.Invalid("comment", "must be at most 2000 characters")
	}
	return s.answer(ctx, actor, id, StatusAcknowledged, `acknowledged_at = $1, agent_comment = $2`, a.Comment)
}

// Dispute records the agent's objection; a supervisor then resolves it.
// The errors are Acknowledge's, and EInvalid without a reason.
func (s *Service) Dispute(ctx context.Context, actor anchor.Actor, id string, d NewDispute) (Evaluation, error) {
	d.Reason = strings.TrimSpace(d.Reason)
	if d.Reason == "" {
		return Evaluation{}, anchor.Invalid("reason", "is required: say what the evaluation got wrong")
	}
	if len(d.Reason) > 4000 {
		return Evaluation{}, anchor.Invalid("reason", "must be at most 4000 characters")
	}
	return s.answer(ctx, actor, id, StatusDisputed, `disputed_at = $1, dispute_reason = $2`, d.Reason)
}

// answer records the evaluated agent's answer to a submitted evaluation,
// an acknowledgement or a dispute: it moves the evaluation to status and
// sets the columns of set to now ($1) and the agent's text ($2).
func (s *Service) answer(ctx context.Context, actor anchor.Actor, id, status, set, text string) (Evaluation, error) {
	now := s.DB.Now()
	var out Evaluation
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		e, err := s.ownEvaluation(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if err := setStatus(ctx, tx, e, status, set, store.Millis(now), text); err != nil {
			return err
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	return out, err
}

// setStatus moves e to status, setting the columns of set ($1 and $2 are
// its arguments), only if nobody changed it meanwhile.
func setStatus(ctx context.Context, tx *sql.Tx, e Evaluation, status, set string, a1, a2 any) error {
	res, err := tx.ExecContext(ctx, `UPDATE qa_evaluations SET `+set+`, status = $3, version = version + 1
		WHERE id = $4 AND version = $5`, a1, a2, status, e.ID, e.Version)
	if err != nil {
		return fmt.Errorf("update evaluation %s: %w", e.ID, err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return anchor.StaleVersion("evaluation", e.Version+1)
	}
	return nil
}

// Resolve settles a dispute. Upheld applies the changed scores, recomputes
// the defect and scores, and keeps the earlier scores as a revision, so the
// metrics follow the corrected evaluation and the history shows why.
// It returns EForbidden for agents, EConflict unless the evaluation is
// disputed, and EInvalid for a bad outcome or scores.
func (s *Service) Resolve(ctx context.Context, actor anchor.Actor, id string, r Resolution) (Evaluation, error) {
	if err := mustEvaluate(actor); err != nil {
		return Evaluation{}, err
	}
	r.Note = strings.TrimSpace(r.Note)
	switch r.Outcome {
	case OutcomeUpheld:
		if len(r.Scores) == 0 {
			return Evaluation{}, anchor.Invalid("scores", "an upheld dispute changes at least one score")
		}
	case OutcomeRejected:
		if len(r.Scores) > 0 {
			return Evaluation{}, anchor.Invalid("scores", "only an upheld dispute changes scores")
		}
		if r.Note == "" {
			return Evaluation{}, anchor.Invalid("note", "is required: tell the agent why the dispute is rejected")
		}
	default:
		return Evaluation{}, anchor.Invalid("outcome", "must be upheld or rejected")
	}
	if len(r.Note) > 4000 {
		return Evaluation{}, anchor.Invalid("note", "must be at most 4000 characters")
	}
	now := s.DB.Now().Truncate(time.Millisecond)
	var out Evaluation
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		e, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if e.Status != StatusDisputed {
			return &anchor.Error{Code: anchor.EConflict, Field: "status", Message: fmt.Sprintf("the evaluation is %s, not disputed", e.Status)}
		}
		status := StatusRejected
		if r.Outcome == OutcomeUpheld {
			status = StatusUpheld
			if err := rescore(ctx, tx, &e, r, actor.UserID, now); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE qa_evaluations SET status = $1, resolved_by = $2, resolved_at = $3, resolution_note = $4,
			accuracy_defect = $5, treatment_score = $6, total_score = $7, revision = $8, version = version + 1
			WHERE id = $9 AND version = $10`, status, actor.UserID, store.Millis(now), r.Note,
			e.AccuracyDefect, nullFloat(e.TreatmentScore), e.TotalScore, e.Revision, e.ID, e.Version)
		if err != nil {
			return fmt.Errorf("resolve evaluation %s: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return anchor.StaleVersion("evaluation", e.Version+1)
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	return out, err
}

// rescore applies an upheld dispute's scores to e and writes them with a
// new revision.
func rescore(ctx context.Context, tx *sql.Tx, e *Evaluation, r Resolution, by string, now time.Time) error {
	in := make([]ScoreInput, len(e.Scores))
	pos := map[string]int{}
	for i, c := range e.Scores {
		score := c.Score
		in[i] = ScoreInput{Key: c.Key, Score: &score, Comment: c.Comment}
		pos[c.Key] = i
	}
	changed := false
	seen := map[string]bool{}
	for i, s := range r.Scores {
		at := fmt.Sprintf("scores[%d].", i)
		j, ok := pos[s.Key]
		if !ok {
			return anchor.Invalid(at+"key", "the evaluation's form has no criterion %q", s.Key)
		}
		if seen[s.Key] {
			return anchor.Invalid(at+"key", "%q is scored twice", s.Key)
		}
		seen[s.Key] = true
		if s.Score == nil {
			return anchor.Invalid(at+"score", "is required")
		}
		if *s.Score != *in[j].Score {
			changed = true
		}
		in[j].Score = s.Score
		if s.Comment != "" {
			in[j].Comment = s.Comment
		}
	}
	if !changed {
		return anchor.Invalid("scores", "no score differs from the evaluation's: reject the dispute instead")
	}
	criteria := make([]Criterion, len(e.Scores))
	for i, c := range e.Scores {
		criteria[i] = Criterion{Key: c.Key, Label: c.Label, Category: c.Category, Weight: c.Weight, PassScore: c.PassScore}
	}
	scores, res, err := Compute(criteria, in)
	if err != nil {
		return err
	}
	e.Scores, e.Revision = scores, e.Revision+1
	e.setResult(res)
	if err := writeScores(ctx, tx, e.ID, scores); err != nil {
		return err
	}
	reason := "dispute upheld"
	if r.Note != "" {
		reason += ": " + r.Note
	}
	return writeRevision(ctx, tx, e.ID, e.Revision, scores, res, by, now, reason)
}

// History returns every set of scores an evaluation has had, oldest first;
// who may see it is as for Get.
func (s *Service) History(ctx context.Context, actor anchor.Actor, id string) ([]Revision, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT revision, scores, accuracy_defect, treatment_score, total_score, COALESCE(changed_by, ''), changed_at, reason
		FROM qa_evaluation_revisions WHERE evaluation_id = $1 ORDER BY revision`, id)
	if err != nil {
		return nil, fmt.Errorf("evaluation %s history: %w", id, err)
	}
	return collect(rows, func(row store.Scanner) (Revision, error) {
		var r Revision
		var scores string
		var treatment sql.NullFloat64
		var at int64
		if err := row.Scan(&r.Revision, &scores, &r.AccuracyDefect, &treatment, &r.TotalScore, &r.ChangedBy, &at, &r.Reason); err != nil {
			return Revision{}, err
		}
		if err := json.Unmarshal([]byte(scores), &r.Scores); err != nil {
			return Revision{}, err
		}
		if treatment.Valid {
			v := treatment.Float64
			r.TreatmentScore = &v
		}
		r.ChangedAt = store.Time(at)
		return r, nil
	}, "evaluation history")
}
