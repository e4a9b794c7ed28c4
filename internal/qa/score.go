package qa

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"anchor"
)

// Categories of a criterion. Accuracy criteria decide the accuracy defect,
// treatment criteria the treatment score; process criteria count only in
// the total.
const (
	CategoryAccuracy  = "accuracy"
	CategoryTreatment = "treatment"
	CategoryProcess   = "process"
)

// Categories lists every criterion category.
var Categories = []string{CategoryAccuracy, CategoryTreatment, CategoryProcess}

// DefaultPassScore is a criterion's pass mark when the form does not set
// one: halfway, so that a yes/no check scored 100 or 0 passes or fails as
// it reads.
const DefaultPassScore = 50

// MaxCriteria bounds a form, so that one request cannot store an unbounded
// document.
const MaxCriteria = 100

// Criterion is one thing an evaluation scores: its key names it in scores
// and reports, and stays the same across a form's versions when the thing
// measured does.
type Criterion struct {
	Key      string  `json:"key"`
	Label    string  `json:"label"`
	Category string  `json:"category"`
	Weight   float64 `json:"weight"`
	// PassScore is the lowest passing score, 1–100 (default 50).
	PassScore int `json:"pass_score"`
}

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// validateCriteria checks a form's criteria and fills the default pass
// score; field names are the request's ("criteria[2].weight").
func validateCriteria(cs []Criterion) error {
	if len(cs) == 0 {
		return anchor.Invalid("criteria", "at least one criterion is required")
	}
	if len(cs) > MaxCriteria {
		return anchor.Invalid("criteria", "at most %d criteria", MaxCriteria)
	}
	seen := map[string]bool{}
	for i := range cs {
		c := &cs[i]
		at := fmt.Sprintf("criteria[%d].", i)
		c.Key = strings.TrimSpace(c.Key)
		c.Label = strings.TrimSpace(c.Label)
		if !keyPattern.MatchString(c.Key) {
			return anchor.Invalid(at+"key", "must be 1-64 lower-case letters, digits or _, starting with a letter")
		}
		if seen[c.Key] {
			return anchor.Invalid(at+"key", "%q appears twice", c.Key)
		}
		seen[c.Key] = true
		if c.Label == "" {
			return anchor.Invalid(at+"label", "is required")
		}
		if len(c.Label) > 200 {
			return anchor.Invalid(at+"label", "must be at most 200 characters")
		}
		if !slices.Contains(Categories, c.Category) {
			return anchor.Invalid(at+"category", "must be one of %s", strings.Join(Categories, ", "))
		}
		if !(c.Weight > 0) || c.Weight > 1000 || math.IsInf(c.Weight, 0) {
			return anchor.Invalid(at+"weight", "must be more than 0 and at most 1000")
		}
		if c.PassScore == 0 {
			c.PassScore = DefaultPassScore
		}
		if c.PassScore < 1 || c.PassScore > 100 {
			return anchor.Invalid(at+"pass_score", "must be from 1 to 100")
		}
	}
	return nil
}

// ScoreInput is the score a supervisor gives one criterion.
type ScoreInput struct {
	Key string `json:"key"`
	// Score is 0–100; a yes/no check is 100 or 0.
	Score   *int   `json:"score"`
	Comment string `json:"comment,omitempty"`
}

// CriterionScore is one criterion's score on an evaluation, with the
// criterion as the evaluation's form version defined it.
type CriterionScore struct {
	Key       string  `json:"key"`
	Label     string  `json:"label"`
	Category  string  `json:"category"`
	Weight    float64 `json:"weight"`
	PassScore int     `json:"pass_score"`
	Score     int     `json:"score"`
	// Failed is Score < PassScore; a failed accuracy criterion is an
	// accuracy defect.
	Failed  bool   `json:"failed"`
	Comment string `json:"comment,omitempty"`
}

// Result is what an evaluation's scores come to: the computed fields stored
// on it.
type Result struct {
	// AccuracyChecked is whether the form has accuracy criteria at all:
	// only then can the evaluation count towards the accuracy metric.
	AccuracyChecked bool
	AccuracyDefect  bool
	// Defects are the keys of the failed accuracy criteria, in form order.
	Defects []string
	// TreatmentScore is nil when the form has no treatment criteria.
	TreatmentScore *float64
	TotalScore     float64
}

// Compute scores criteria: in must score every criterion exactly once, and
// nothing else. It returns the scores in the form's order and what they come
// to. It is pure, so that the arithmetic is tested by table.
func Compute(criteria []Criterion, in []ScoreInput) ([]CriterionScore, Result, error) {
	byKey := map[string]int{}
	for i, s := range in {
		at := fmt.Sprintf("scores[%d].", i)
		if !slices.ContainsFunc(criteria, func(c Criterion) bool { return c.Key == s.Key }) {
			return nil, Result{}, anchor.Invalid(at+"key", "the form has no criterion %q", s.Key)
		}
		if _, dup := byKey[s.Key]; dup {
			return nil, Result{}, anchor.Invalid(at+"key", "%q is scored twice", s.Key)
		}
		if s.Score == nil {
			return nil, Result{}, anchor.Invalid(at+"score", "is required")
		}
		if *s.Score < 0 || *s.Score > 100 {
			return nil, Result{}, anchor.Invalid(at+"score", "must be from 0 to 100")
		}
		if len(s.Comment) > 2000 {
			return nil, Result{}, anchor.Invalid(at+"comment", "must be at most 2000 characters")
		}
		byKey[s.Key] = i
	}
	out := make([]CriterionScore, 0, len(criteria))
	for _, c := range criteria {
		i, ok := byKey[c.Key]
		if !ok {
			return nil, Result{}, anchor.Invalid("scores", "criterion %q is not scored", c.Key)
		}
		out = append(out, CriterionScore{Key: c.Key, Label: c.Label, Category: c.Category, Weight: c.Weight,
			PassScore: c.PassScore, Score: *in[i].Score, Comment: strings.TrimSpace(in[i].Comment)})
	}
	return out, Summarise(out), nil
}

// Summarise computes the result of complete scores and sets each one's
// Failed flag.
func Summarise(scores []CriterionScore) Result {
	var r Result
	var all, treat mean
	for i := range scores {
		s := &scores[i]
		s.Failed = s.Score < s.PassScore
		all.add(s.Weight, s.Score)
		switch s.Category {
		case CategoryAccuracy:
			r.AccuracyChecked = true
			if s.Failed {
				r.AccuracyDefect = true
				r.Defects = append(r.Defects, s.Key)
			}
		case CategoryTreatment:
			treat.add(s.Weight, s.Score)
		}
	}
	r.TotalScore = all.value()
	if treat.weights > 0 {
		v := treat.value()
		r.TreatmentScore = &v
	}
	if r.Defects == nil {
		r.Defects = []string{}
	}
	return r
}

// mean is a weighted mean.
type mean struct{ sum, weights float64 }

func (m *mean) add(w float64, score int) {
	m.sum += w * float64(score)
	m.weights += w
}

// value is the mean rounded to two decimals: what is stored and shown, so
// that the treatment metric averages the numbers people see.
func (m mean) value() float64 {
	if m.weights == 0 {
		return 0
	}
	return math.Round(m.sum/m.weights*100) / 100
}
