package feedback

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"anchor"
	"anchor/internal/feedback/analysis"
	"anchor/internal/store"
)

// Scopes of a text report: everything, or only what detractors said
// (NPS 0-6, CSAT 1-2, complaints, threats and issues), or only promoters
// (NPS 9-10, CSAT 4-5, praise) — so a director reads what detractors talk
// about without wading through the thank-yous.
var Scopes = []string{"all", "detractors", "promoters"}

// Sources of text: survey comments, feedback items, or both.
var Sources = []string{"all", "surveys", "feedback"}

// TextFilter selects the texts a report reads: survey comments answered and
// items captured in [From, To), optionally of one segment.
type TextFilter struct {
	From, To  time.Time
	SegmentID string
	Scope     string
	Source    string
}

// MaxTexts bounds how many texts one report reads, newest first: phrase
// mining is done in Go, and a year of a large centre's comments is better
// asked for a month at a time.
const MaxTexts = 50000

func (f *TextFilter) validate() error {
	if f.Scope == "" {
		f.Scope = "all"
	}
	if f.Source == "" {
		f.Source = "all"
	}
	if !slices.Contains(Scopes, f.Scope) {
		return anchor.Invalid("scope", "must be one of %s", strings.Join(Scopes, ", "))
	}
	if !slices.Contains(Sources, f.Source) {
		return anchor.Invalid("source", "must be one of %s", strings.Join(Sources, ", "))
	}
	if f.From.IsZero() || f.To.IsZero() {
		return anchor.Invalid("from", "from and to are both required")
	}
	if !f.From.Before(f.To) {
		return anchor.Invalid("to", "must be after from")
	}
	return nil
}

// text is one comment or item with where it came from.
type text struct {
	source    string // "survey" or "feedback"
	kind      string // csat, nps, assessment, or the item type
	body      string
	sentiment *float64
}

func (s *Service) texts(ctx context.Context, f TextFilter) ([]text, bool, error) {
	var out []text
	from, to := store.Millis(f.From), store.Millis(f.To)
	if f.Source != "feedback" {
		where := `answered_at >= $1 AND answered_at < $2 AND (comment <> '' OR next_month <> '')`
		switch f.Scope {
		case "detractors":
			where += ` AND ((kind = 'nps' AND score <= 6) OR (kind = 'csat' AND score <= 2))`
		case "promoters":
			where += ` AND ((kind = 'nps' AND score >= 9) OR (kind = 'csat' AND score >= 4))`
		}
		args := []any{from, to}
		if f.SegmentID != "" {
			where += ` AND segment_id = $3`
			args = append(args, f.SegmentID)
		}
		rows, err := s.DB.Read.QueryContext(ctx, `SELECT kind, comment, next_month, sentiment FROM survey_responses WHERE `+where+
			fmt.Sprintf(` ORDER BY answered_at DESC LIMIT %d`, MaxTexts+1), args...)
		if err != nil {
			return nil, false, fmt.Errorf("survey comments: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t text
			var next string
			var sent sql.NullFloat64
			if err := rows.Scan(&t.kind, &t.body, &next, &sent); err != nil {
				return nil, false, fmt.Errorf("survey comments: %w", err)
			}
			if next != "" {
				t.body = strings.TrimSpace(t.body + "\n" + next)
			}
			if sent.Valid {
				t.sentiment = &sent.Float64
			}
			t.source = "survey"
			out = append(out, t)
		}
		if err := rows.Err(); err != nil {
			return nil, false, fmt.Errorf("survey comments: %w", err)
		}
	}
	if f.Source != "surveys" {
		where := `captured_at >= $1 AND captured_at < $2`
		switch f.Scope {
		case "detractors":
			where += ` AND type IN ('complaint', 'threat', 'issue')`
		case "promoters":
			where += ` AND type = 'praise'`
		}
		args := []any{from, to}
		if f.SegmentID != "" {
			where += ` AND segment_id = $3`
			args = append(args, f.SegmentID)
		}
		rows, err := s.DB.Read.QueryContext(ctx, `SELECT type, text, sentiment FROM feedback_items WHERE `+where+
			fmt.Sprintf(` ORDER BY captured_at DESC LIMIT %d`, MaxTexts+1), args...)
		if err != nil {
			return nil, false, fmt.Errorf("feedback texts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			t := text{source: "feedback"}
			var sent sql.NullFloat64
			if err := rows.Scan(&t.kind, &t.body, &sent); err != nil {
				return nil, false, fmt.Errorf("feedback texts: %w", err)
			}
			if sent.Valid {
				t.sentiment = &sent.Float64
			}
			out = append(out, t)
		}
		if err := rows.Err(); err != nil {
			return nil, false, fmt.Errorf("feedback texts: %w", err)
		}
	}
	truncated := len(out) > MaxTexts
	if truncated {
		out = out[:MaxTexts]
	}
	return out, truncated, nil
}

// PhraseReport is the key phrases of a period's texts.
type PhraseReport struct {
	From      time.Time         `json:"from"`
	To        time.Time         `json:"to"`
	SegmentID string            `json:"segment_id,omitempty"`
	Scope     string            `json:"scope"`
	Source    string            `json:"source"`
	Texts     int               `json:"texts"`
	Truncated bool              `json:"truncated,omitempty"`
	Phrases   []analysis.Phrase `json:"phrases"`
}

// Phrases returns the limit most frequent key phrases of the texts f
// selects, each counted once per text, with the mean sentiment of the texts
// that use it. A phrase must occur in at least two texts: one customer's
// turn of phrase is not a theme.
func (s *Service) Phrases(ctx context.Context, f TextFilter, limit int) (PhraseReport, error) {
	if err := f.validate(); err != nil {
		return PhraseReport{}, err
	}
	ts, truncated, err := s.texts(ctx, f)
	if err != nil {
		return PhraseReport{}, err
	}
	docs := make([]analysis.Document, len(ts))
	for i, t := range ts {
		docs[i] = analysis.Document{Text: t.body, Sentiment: t.sentiment}
	}
	return PhraseReport{From: f.From, To: f.To, SegmentID: f.SegmentID, Scope: f.Scope, Source: f.Source, Texts: len(ts), Truncated: truncated,
		Phrases: analysis.KeyPhrases(docs, limit, 2)}, nil
}

// SentimentGroup is the tone of one group of texts.
type SentimentGroup struct {
	Source   string  `json:"source"`
	Kind     string  `json:"kind"`
	Texts    int     `json:"texts"`
	Negative int     `json:"negative"`
	Neutral  int     `json:"neutral"`
	Positive int     `json:"positive"`
	Mean     float64 `json:"mean"`
}

// SentimentReport is the tone of a period's texts, per source and kind.
type SentimentReport struct {
	From      time.Time        `json:"from"`
	To        time.Time        `json:"to"`
	SegmentID string           `json:"segment_id,omitempty"`
	Scope     string           `json:"scope"`
	Truncated bool             `json:"truncated,omitempty"`
	Groups    []SentimentGroup `json:"groups"`
}

// Sentiment counts the negative, neutral and positive texts f selects and
// their mean compound score, per source (survey, feedback) and kind.
func (s *Service) Sentiment(ctx context.Context, f TextFilter) (SentimentReport, error) {
	if err := f.validate(); err != nil {
		return SentimentReport{}, err
	}
	ts, truncated, err := s.texts(ctx, f)
	if err != nil {
		return SentimentReport{}, err
	}
	idx := map[[2]string]int{}
	var groups []SentimentGroup
	for _, t := range ts {
		if t.sentiment == nil {
			continue
		}
		k := [2]string{t.source, t.kind}
		i, ok := idx[k]
		if !ok {
			i = len(groups)
			idx[k] = i
			groups = append(groups, SentimentGroup{Source: t.source, Kind: t.kind})
		}
		g := &groups[i]
		g.Texts++
		g.Mean += *t.sentiment
		switch analysis.LabelOf(*t.sentiment) {
		case "negative":
			g.Negative++
		case "positive":
			g.Positive++
		default:
			g.Neutral++
		}
	}
	for i := range groups {
		groups[i].Mean = math.Round(groups[i].Mean/float64(groups[i].Texts)*1e4) / 1e4
	}
	slices.SortFunc(groups, func(a, b SentimentGroup) int {
		return strings.Compare(a.Source+"/"+a.Kind, b.Source+"/"+b.Kind)
	})
	if groups == nil {
		groups = []SentimentGroup{}
	}
	return SentimentReport{From: f.From, To: f.To, SegmentID: f.SegmentID, Scope: f.Scope, Truncated: truncated, Groups: groups}, nil
}

// FunctionSummary is what one function (a department or outside party, or
// a product area with no department) received in a period.
type FunctionSummary struct {
	DepartmentID string         `json:"department_id,omitempty"`
	Department   string         `json:"department,omitempty"`
	ProductArea  string         `json:"product_area,omitempty"`
	External     bool           `json:"external"`
	Items        int            `json:"items"`
	ByType       map[string]int `json:"by_type"`
	Open         int            `json:"open"`
	// MeanOpenAgeDays and OldestOpenDays are the ages, now, of the items
	// still open.
	MeanOpenAgeDays float64 `json:"mean_open_age_days"`
	OldestOpenDays  float64 `json:"oldest_open_days"`
}

// Summary is the period's items by function, with the praise-to-complaint
// ratio and the ideas implemented, so a director sees which functions and
// outside parties cause the complaints and how long items wait.
type Summary struct {
	From      time.Time         `json:"from"`
	To        time.Time         `json:"to"`
	Functions []FunctionSummary `json:"functions"`
	Praise    int               `json:"praise"`
	Complaint int               `json:"complaints"`
	// PraiseComplaintRatio is praise / complaints; null when there was no
	// complaint (the ratio is undefined, not zero nor infinite).
	PraiseComplaintRatio *float64 `json:"praise_complaint_ratio"`
	// IdeasImplemented counts ideas whose implemented_at falls in the
	// period, whenever they were captured.
	IdeasImplemented int `json:"ideas_implemented"`
}

// Summarise reports items captured in [from, to) by function.
func (s *Service) Summarise(ctx context.Context, from, to time.Time) (Summary, error) {
	if !from.Before(to) {
		return Summary{}, anchor.Invalid("to", "must be after from")
	}
	now := s.DB.Now()
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT COALESCE(f.department_id, ''), COALESCE(d.name, ''), CASE WHEN f.department_id IS NULL THEN f.product_area ELSE '' END,
		f.external, f.type, COUNT(*), COUNT(*) FILTER (WHERE f.status <> 'closed'),
		CAST(COALESCE(SUM($3 - f.captured_at) FILTER (WHERE f.status <> 'closed'), 0) AS BIGINT), COALESCE(MIN(f.captured_at) FILTER (WHERE f.status <> 'closed'), 0)
		FROM feedback_items f LEFT JOIN departments d ON d.id = f.department_id
		WHERE f.captured_at >= $1 AND f.captured_at < $2
		GROUP BY 1, 2, 3, 4, 5 ORDER BY 2, 3, 4, 5`, store.Millis(from), store.Millis(to), store.Millis(now))
	if err != nil {
		return Summary{}, fmt.Errorf("feedback summary: %w", err)
	}
	defer rows.Close()
	sum := Summary{From: from, To: to, Functions: []FunctionSummary{}}
	idx := map[string]int{}
	openAge := map[string]int64{}
	const day = float64(24 * time.Hour / time.Millisecond)
	for rows.Next() {
		var f FunctionSummary
		var typ string
		var n, open int
		var ageSum, oldest int64
		if err := rows.Scan(&f.DepartmentID, &f.Department, &f.ProductArea, &f.External, &typ, &n, &open, &ageSum, &oldest); err != nil {
			return Summary{}, fmt.Errorf("feedback summary: %w", err)
		}
		key := f.DepartmentID + "\x00" + f.ProductArea + fmt.Sprint(f.External)
		i, ok := idx[key]
		if !ok {
			i = len(sum.Functions)
			idx[key] = i
			f.ByType = map[string]int{}
			sum.Functions = append(sum.Functions, f)
		}
		g := &sum.Functions[i]
		g.Items += n
		g.ByType[typ] += n
		g.Open += open
		openAge[key] += ageSum
		if open > 0 {
			g.OldestOpenDays = max(g.OldestOpenDays, float64(store.Millis(now)-oldest)/day)
		}
		switch typ {
		case TypePraise:
			sum.Praise += n
		case TypeComplaint:
			sum.Complaint += n
		}
	}
	if err := rows.Err(); err != nil {
		return Summary{}, fmt.Errorf("feedback summary: %w", err)
	}
	for key, i := range idx {
		if g := &sum.Functions[i]; g.Open > 0 {
			g.MeanOpenAgeDays = math.Round(float64(openAge[key])/float64(g.Open)/day*100) / 100
			g.OldestOpenDays = math.Round(g.OldestOpenDays*100) / 100
		}
	}
	if sum.Complaint > 0 {
		r := float64(sum.Praise) / float64(sum.Complaint)
		sum.PraiseComplaintRatio = &r
	}
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM feedback_items WHERE implemented_at >= $1 AND implemented_at < $2`,
		store.Millis(from), store.Millis(to)).Scan(&sum.IdeasImplemented); err != nil {
		return Summary{}, fmt.Errorf("ideas implemented: %w", err)
	}
	return sum, nil
}
