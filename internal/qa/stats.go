package qa

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Cuts Stats can group by.
const (
	ByNone     = ""
	ByAgent    = "agent"
	BySegment  = "segment"
	ByChannel  = "channel"
	ByCategory = "category"
)

// Cuts lists the dimensions Stats can group by (besides none).
var Cuts = []string{ByAgent, BySegment, ByChannel, ByCategory}

// Stat is what the QA metrics are computed from, for one cut of one period:
//
//	accuracy  = DefectFree / AccuracyEvaluations
//	treatment = TreatmentSum / TreatmentEvaluations
//
// The denominators are their own because a form may lack accuracy or
// treatment criteria, and such an evaluation says nothing about that
// metric: counting it would flatter accuracy. A zero denominator means the
// metric has no input in the period (report null, not 0).
type Stat struct {
	// Key is the cut's value: the agent's user id, the customer's segment
	// id, the channel, or the case category ("" when uncategorised, and
	// always "" when not cut).
	Key string `json:"key"`
	// Evaluations counts every evaluation in the period.
	Evaluations int `json:"evaluations"`
	// AccuracyEvaluations counts those whose form has accuracy criteria,
	// and DefectFree those of them with no failed accuracy criterion.
	AccuracyEvaluations int `json:"accuracy_evaluations"`
	DefectFree          int `json:"defect_free"`
	// TreatmentEvaluations counts those whose form has treatment criteria,
	// and TreatmentSum adds up their treatment scores (each 0–100).
	TreatmentEvaluations int     `json:"treatment_evaluations"`
	TreatmentSum         float64 `json:"treatment_sum"`
}

// Stats returns the QA metric inputs for the period [from, to), cut by by
// (ByNone, ByAgent, BySegment, ByChannel or ByCategory).
//
// An evaluation belongs to the period in which it was evaluated
// (evaluated_at), not to when the contact happened: a week's figure is
// then final once the week's evaluations are in, rather than moving as
// older contacts are sampled later. Its current scores count, so an upheld
// dispute corrects the period the evaluation was made in.
//
// The cuts: agent is the evaluated agent; segment the case's customer's
// segment now; channel the evaluated contact's channel, or the case's for
// an evaluation of a whole case (a phone call on an email case is judged
// as a phone call); category the case's category now.
//
// Uncut (by = ""), it returns exactly one Stat, zero when nothing was
// evaluated; cut, one per key with evaluations, ordered by key. It returns
// EInvalid for an unknown cut or an empty period.
func (s *Service) Stats(ctx context.Context, from, to time.Time, by string) ([]Stat, error) {
	if !to.After(from) {
		return nil, anchor.Invalid("to", "must be after from")
	}
	join := ""
	key := "''"
	switch by {
	case ByNone:
	case ByAgent:
		key = "e.agent_id"
	case BySegment:
		key, join = "cu.segment_id", ` JOIN cases c ON c.id = e.case_id JOIN customers cu ON cu.id = c.customer_id`
	case ByChannel:
		key, join = "COALESCE(ct.channel, c.channel)", ` JOIN cases c ON c.id = e.case_id LEFT JOIN case_contacts ct ON ct.id = e.contact_id`
	case ByCategory:
		key, join = "c.category", ` JOIN cases c ON c.id = e.case_id`
	default:
		return nil, anchor.Invalid("by", "must be empty or one of agent, segment, channel, category")
	}
	q := `SELECT ` + key + `, COUNT(*),
		COALESCE(SUM(CASE WHEN e.accuracy_checked THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN e.accuracy_checked AND NOT e.accuracy_defect THEN 1 ELSE 0 END), 0),
		COUNT(e.treatment_score),
		COALESCE(SUM(e.treatment_score), 0)
		FROM qa_evaluations e` + join + `
		WHERE e.evaluated_at >= $1 AND e.evaluated_at < $2`
	if by != ByNone {
		q += ` GROUP BY ` + key
	}
	rows, err := s.DB.Read.QueryContext(ctx, q, store.Millis(from), store.Millis(to))
	if err != nil {
		return nil, fmt.Errorf("qa stats by %q: %w", by, err)
	}
	out, err := collect(rows, func(row store.Scanner) (Stat, error) {
		var st Stat
		err := row.Scan(&st.Key, &st.Evaluations, &st.AccuracyEvaluations, &st.DefectFree, &st.TreatmentEvaluations, &st.TreatmentSum)
		return st, err
	}, "qa stats")
	// The engines collate text differently; byte order is the same on both.
	slices.SortFunc(out, func(a, b Stat) int { return strings.Compare(a.Key, b.Key) })
	return out, err
}
