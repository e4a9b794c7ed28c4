package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// ManualMetric is a metric whose values are entered by hand per period (a
// market survey's "waiting time perception"), held to targets and owners
// like the computed ones.
type ManualMetric struct {
	Key         string    `json:"key"`
	Name        string    `json:"name"`
	Unit        string    `json:"unit"`
	Direction   Direction `json:"direction"`
	Description string    `json:"description,omitempty"`
}

// ManualValue is one entered value.
type ManualValue struct {
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	Value       float64   `json:"value"`
}

var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,62}$`)

// CreateManual defines a manual metric.
func (s *Service) CreateManual(ctx context.Context, m ManualMetric) (ManualMetric, error) {
	m.Name = strings.TrimSpace(m.Name)
	if !keyRE.MatchString(m.Key) {
		return m, anchor.Invalid("key", "must be lower-case letters, digits and _ (e.g. waiting_perception)")
	}
	if _, ok := Lookup(m.Key); ok {
		return m, &anchor.Error{Code: anchor.EConflict, Field: "key", Message: "a computed metric has this key"}
	}
	if m.Name == "" {
		return m, anchor.Invalid("name", "is required")
	}
	if m.Direction != HigherIsBetter && m.Direction != LowerIsBetter {
		return m, anchor.Invalid("direction", "must be higher or lower")
	}
	var n int
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM manual_metrics WHERE key = $1`, m.Key).Scan(&n); err != nil {
		return m, fmt.Errorf("create manual metric: %w", err)
	}
	if n > 0 {
		return m, &anchor.Error{Code: anchor.EConflict, Field: "key", Message: "a manual metric has this key"}
	}
	_, err := s.DB.Write.ExecContext(ctx, `INSERT INTO manual_metrics (key, name, unit, direction, description, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		m.Key, m.Name, m.Unit, string(m.Direction), m.Description, store.Millis(s.DB.Now()))
	if err != nil {
		return m, fmt.Errorf("create manual metric: %w", err)
	}
	return m, nil
}

// ManualMetrics lists the manual metrics.
func (s *Service) ManualMetrics(ctx context.Context) ([]ManualMetric, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT key, name, unit, direction, description FROM manual_metrics ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("manual metrics: %w", err)
	}
	defer rows.Close()
	out := []ManualMetric{}
	for rows.Next() {
		var m ManualMetric
		if err := rows.Scan(&m.Key, &m.Name, &m.Unit, &m.Direction, &m.Description); err != nil {
			return nil, fmt.Errorf("manual metrics: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// PutManualValue enters (or corrects) the value of a period.
func (s *Service) PutManualValue(ctx context.Context, actor anchor.Actor, key string, v ManualValue) error {
	if !v.PeriodStart.Before(v.PeriodEnd) {
		return anchor.Invalid("period_end", "must be after period_start")
	}
	if _, err := s.direction(ctx, s.DB.Read, key); err != nil {
		return err
	}
	if _, ok := Lookup(key); ok {
		return anchor.Invalid("key", "%s is computed from events, not entered by hand", key)
	}
	_, err := s.DB.Write.ExecContext(ctx, `INSERT INTO manual_metric_values (key, period_start, period_end, value, entered_by, entered_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (key, period_start) DO UPDATE SET period_end = excluded.period_end, value = excluded.value, entered_by = excluded.entered_by, entered_at = excluded.entered_at`,
		key, store.Millis(v.PeriodStart), store.Millis(v.PeriodEnd), v.Value, store.NullString(actor.UserID), store.Millis(s.DB.Now()))
	if err != nil {
		return fmt.Errorf("enter %s: %w", key, err)
	}
	return nil
}

// computeManual returns a manual metric's values: for each period, the
// mean of the entered values whose period starts in it (none: null).
func (s *Service) computeManual(ctx context.Context, key string, q Query) (Result, error) {
	var m ManualMetric
	err := s.DB.Read.QueryRowContext(ctx, `SELECT key, name, unit, direction, description FROM manual_metrics WHERE key = $1`, key).
		Scan(&m.Key, &m.Name, &m.Unit, &m.Direction, &m.Description)
	if err == sql.ErrNoRows {
		return Result{}, anchor.NotFound("metric", key)
	}
	if err != nil {
		return Result{}, fmt.Errorf("metric %s: %w", key, err)
	}
	if q.By != "" {
		return Result{}, anchor.Invalid("by", "a manual metric has no cuts")
	}
	if q.Location == nil {
		q.Location = time.UTC
	}
	periods, err := Periods(q.From, q.To, q.Interval, q.Location)
	if err != nil {
		return Result{}, err
	}
	def := Definition{Key: m.Key, Name: m.Name, Unit: m.Unit, Direction: m.Direction, Definition: m.Description, Dimensions: []string{}, Source: "entered by hand", Manual: true}
	res := Result{Metric: def, From: q.From.UTC(), To: q.To.UTC(), Interval: q.Interval, Points: []Point{}}
	for _, p := range periods {
		var sum sql.NullFloat64
		var n float64
		if err := s.DB.Read.QueryRowContext(ctx, `SELECT SUM(value), COUNT(*) FROM manual_metric_values WHERE key = $1 AND period_start >= $2 AND period_start < $3`,
			key, store.Millis(p.Start), store.Millis(p.End)).Scan(&sum, &n); err != nil {
			return Result{}, fmt.Errorf("metric %s: %w", key, err)
		}
		pt := Point{PeriodStart: p.Start, PeriodEnd: p.End, Numerator: sum.Float64, Denominator: n}
		if n == 0 {
			pt.Reason = "no value entered for the period"
		} else {
			v := sum.Float64 / n
			pt.Value = &v
		}
		res.Points = append(res.Points, pt)
	}
	return res, nil
}
