package surveys

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// ScoreCuts are the dimensions a score report groups by. month is the
// calendar month (UTC) of the answer.
var ScoreCuts = []string{"segment", "owner", "agent", "category", "channel", "month"}

var cutColumn = map[string]string{
	"segment":  "segment_id",
	"owner":    "COALESCE(owner_id, '')",
	"agent":    "COALESCE(agent_id, '')",
	"category": "category",
	"channel":  "channel",
	"month":    "''",
}

// ScoreFilter asks for CSAT or NPS over [From, To) grouped by one cut.
type ScoreFilter struct {
	Kind      string
	From, To  time.Time
	By        string
	SegmentID string
	// Verbatims is how many of the newest comments to return per group
	// (0: the default 3; negative: none; at most 20): the words behind
	// the number.
	Verbatims int
}

// Verbatim is one comment behind a score.
type Verbatim struct {
	ResponseID string    `json:"response_id"`
	Score      int       `json:"score"`
	Comment    string    `json:"comment"`
	AnsweredAt time.Time `json:"answered_at"`
}

// ScoreGroup is one group's score, with its numerator and denominator so
// anyone can check it.
type ScoreGroup struct {
	Key     string  `json:"key"`
	Answers int     `json:"answers"`
	Mean    float64 `json:"mean"`
	// CSAT: Satisfied answered 4 or 5; CSAT = Satisfied / Answers, in %.
	Satisfied *int     `json:"satisfied,omitempty"`
	CSAT      *float64 `json:"csat,omitempty"`
	// NPS: % promoters (9–10) − % detractors (0–6).
	Promoters  *int       `json:"promoters,omitempty"`
	Passives   *int       `json:"passives,omitempty"`
	Detractors *int       `json:"detractors,omitempty"`
	NPS        *float64   `json:"nps,omitempty"`
	Verbatims  []Verbatim `json:"verbatims"`
}

// ScoreReport is CSAT or NPS by one cut.
type ScoreReport struct {
	Kind      string       `json:"kind"`
	By        string       `json:"by"`
	From      time.Time    `json:"from"`
	To        time.Time    `json:"to"`
	Truncated bool         `json:"truncated,omitempty"`
	Groups    []ScoreGroup `json:"groups"`
}

// MaxScoreRows bounds the answers one report reads. The metric system
// serves long ranges from rollups; this report is for reading the
// verbatims behind a period's number.
const MaxScoreRows = 200000

// Scores reports CSAT or NPS by segment, owner, agent, category, channel or
// month, with the newest verbatims of each group.
func (s *Service) Scores(ctx context.Context, f ScoreFilter) (ScoreReport, error) {
	if f.Kind != KindCSAT && f.Kind != KindNPS {
		return ScoreReport{}, anchor.Invalid("kind", "must be csat or nps")
	}
	if f.By == "" {
		f.By = "segment"
	}
	if !slices.Contains(ScoreCuts, f.By) {
		return ScoreReport{}, anchor.Invalid("by", "must be one of %s", strings.Join(ScoreCuts, ", "))
	}
	if f.From.IsZero() || f.To.IsZero() {
		return ScoreReport{}, anchor.Invalid("from", "from and to are both required")
	}
	if !f.From.Before(f.To) {
		return ScoreReport{}, anchor.Invalid("to", "must be after from")
	}
	switch {
	case f.Verbatims == 0:
		f.Verbatims = 3
	case f.Verbatims < 0:
		f.Verbatims = 0 // none asked for
	case f.Verbatims > 20:
		return ScoreReport{}, anchor.Invalid("verbatims", "must be from 0 to 20")
	}
	q := `SELECT id, ` + cutColumn[f.By] + `, score, comment, answered_at FROM survey_responses
		WHERE kind = $1 AND answered_at >= $2 AND answered_at < $3 AND score IS NOT NULL`
	args := []any{f.Kind, store.Millis(f.From), store.Millis(f.To)}
	if f.SegmentID != "" {
		q += ` AND segment_id = $4`
		args = append(args, f.SegmentID)
	}
	rows, err := s.DB.Read.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY answered_at DESC, id DESC LIMIT %d`, MaxScoreRows+1), args...)
	if err != nil {
		return ScoreReport{}, fmt.Errorf("survey scores: %w", err)
	}
	defer rows.Close()
	rep := ScoreReport{Kind: f.Kind, By: f.By, From: f.From, To: f.To, Groups: []ScoreGroup{}}
	idx := map[string]int{}
	sums := map[string]int{}
	n := 0
	for rows.Next() {
		if n++; n > MaxScoreRows {
			rep.Truncated = true
			break
		}
		var v Verbatim
		var key string
		var at int64
		var score sql.NullInt64
		if err := rows.Scan(&v.ResponseID, &key, &score, &v.Comment, &at); err != nil {
			return ScoreReport{}, fmt.Errorf("survey scores: %w", err)
		}
		v.Score, v.AnsweredAt = int(score.Int64), store.Time(at)
		if f.By == "month" {
			key = v.AnsweredAt.Format("2006-01")
		}
		i, ok := idx[key]
		if !ok {
			i = len(rep.Groups)
			idx[key] = i
			g := ScoreGroup{Key: key, Verbatims: []Verbatim{}}
			if f.Kind == KindCSAT {
				g.Satisfied = new(int)
			} else {
				g.Promoters, g.Passives, g.Detractors = new(int), new(int), new(int)
			}
			rep.Groups = append(rep.Groups, g)
		}
		g := &rep.Groups[i]
		g.Answers++
		sums[key] += v.Score
		switch {
		case f.Kind == KindCSAT && v.Score >= 4:
			*g.Satisfied++
		case f.Kind == KindNPS && v.Score >= 9:
			*g.Promoters++
		case f.Kind == KindNPS && v.Score >= 7:
			*g.Passives++
		case f.Kind == KindNPS:
			*g.Detractors++
		}
		if v.Comment != "" && len(g.Verbatims) < f.Verbatims {
			g.Verbatims = append(g.Verbatims, v)
		}
	}
	if err := rows.Err(); err != nil {
		return ScoreReport{}, fmt.Errorf("survey scores: %w", err)
	}
	round := func(x float64) float64 { return math.Round(x*100) / 100 }
	for i := range rep.Groups {
		g := &rep.Groups[i]
		g.Mean = round(float64(sums[g.Key]) / float64(g.Answers))
		if f.Kind == KindCSAT {
			v := round(100 * float64(*g.Satisfied) / float64(g.Answers))
			g.CSAT = &v
		} else {
			v := round(100 * float64(*g.Promoters-*g.Detractors) / float64(g.Answers))
			g.NPS = &v
		}
	}
	slices.SortFunc(rep.Groups, func(a, b ScoreGroup) int { return strings.Compare(a.Key, b.Key) })
	return rep, nil
}
