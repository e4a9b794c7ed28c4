package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Frequencies a metric is reviewed at.
var Frequencies = []string{"daily", "weekly", "monthly"}

// Settings are what a metric is held to. Target and Warning are in the
// metric's unit (ratios as fractions: 0.8 for 80%).
type Settings struct {
	Key       string      `json:"key"`
	Target    *float64    `json:"target,omitempty"`
	Warning   *float64    `json:"warning,omitempty"`
	OwnerID   string      `json:"owner_id,omitempty"`
	Frequency string      `json:"frequency"`
	Stages    []Stage     `json:"stages"`
	Bench     []Benchmark `json:"benchmarks"`
	Version   int         `json:"version"`
}

// Stage is a dated target: from StartsOn (a date, in the organisation's
// time zone) the target and warning step to these values.
type Stage struct {
	StartsOn string   `json:"starts_on"`
	Target   float64  `json:"target"`
	Warning  *float64 `json:"warning,omitempty"`
}

// Benchmark is an outside reference: a competitor's or an industry figure.
type Benchmark struct {
	Value  float64 `json:"value"`
	Source string  `json:"source"`
	AsOf   string  `json:"as_of"`
	Note   string  `json:"note,omitempty"`
}

// SettingsUpdate replaces a metric's settings whole (stages and
// benchmarks included). Version is the version it is based on (0 for a
// metric never set).
type SettingsUpdate struct {
	Target    *float64    `json:"target,omitempty"`
	Warning   *float64    `json:"warning,omitempty"`
	OwnerID   string      `json:"owner_id,omitempty"`
	Frequency string      `json:"frequency,omitempty"`
	Stages    []Stage     `json:"stages,omitempty"`
	Bench     []Benchmark `json:"benchmarks,omitempty"`
	Version   int         `json:"version"`
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func validDate(s string) bool {
	if !dateRE.MatchString(s) {
		return false
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// direction returns a metric's direction, computed or manual.
func (s *Service) direction(ctx context.Context, q store.Queryer, key string) (Direction, error) {
	if d, ok := Lookup(key); ok {
		return d.Direction, nil
	}
	var dir string
	err := q.QueryRowContext(ctx, `SELECT direction FROM manual_metrics WHERE key = $1`, key).Scan(&dir)
	if errors.Is(err, sql.ErrNoRows) {
		return "", anchor.NotFound("metric", key)
	}
	if err != nil {
		return "", fmt.Errorf("metric %s: %w", key, err)
	}
	return Direction(dir), nil
}

// validate checks that warning lies on the worse side of target.
func validTargets(dir Direction, target, warning *float64, field string) error {
	if target == nil || warning == nil {
		return nil
	}
	if dir == HigherIsBetter && *warning > *target {
		return anchor.Invalid(field+"warning", "higher is better for this metric: the warning threshold must not be above the target")
	}
	if dir == LowerIsBetter && *warning < *target {
		return anchor.Invalid(field+"warning", "lower is better for this metric: the warning threshold must not be below the target")
	}
	return nil
}

// PutSettings replaces a metric's settings.
func (s *Service) PutSettings(ctx context.Context, key string, u SettingsUpdate) (Settings, error) {
	if u.Frequency == "" {
		u.Frequency = "weekly"
	}
	if !slices.Contains(Frequencies, u.Frequency) {
		return Settings{}, anchor.Invalid("frequency", "must be one of %s", strings.Join(Frequencies, ", "))
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		dir, err := s.direction(ctx, tx, key)
		if err != nil {
			return err
		}
		if err := validTargets(dir, u.Target, u.Warning, ""); err != nil {
			return err
		}
		seen := map[string]bool{}
		for i, st := range u.Stages {
			f := fmt.Sprintf("stages[%d].", i)
			if !validDate(st.StartsOn) {
				return anchor.Invalid(f+"starts_on", "must be a date such as 2027-04-01")
			}
			if seen[st.StartsOn] {
				return anchor.Invalid(f+"starts_on", "two stages start on %s", st.StartsOn)
			}
			seen[st.StartsOn] = true
			if err := validTargets(dir, &st.Target, st.Warning, f); err != nil {
				return err
			}
		}
		for i, b := range u.Bench {
			f := fmt.Sprintf("benchmarks[%d].", i)
			if strings.TrimSpace(b.Source) == "" {
				return anchor.Invalid(f+"source", "is required: say where the figure comes from")
			}
			if !validDate(b.AsOf) {
				return anchor.Invalid(f+"as_of", "must be a date such as 2026-06-30")
			}
		}
		if u.OwnerID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1 AND active`, u.OwnerID).Scan(&n); err != nil {
				return fmt.Errorf("metric owner: %w", err)
			}
			if n == 0 {
				return anchor.Invalid("owner_id", "no such active user: %q", u.OwnerID)
			}
		}
		var version int
		err = tx.QueryRowContext(ctx, `SELECT version FROM metric_settings WHERE key = $1`, key).Scan(&version)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("metric settings: %w", err)
		}
		if u.Version != version {
			return anchor.StaleVersion("metric settings", version)
		}
		now := s.DB.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO metric_settings (key, target, warning, owner_id, frequency, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, 1)
			ON CONFLICT (key) DO UPDATE SET target = excluded.target, warning = excluded.warning, owner_id = excluded.owner_id,
			frequency = excluded.frequency, updated_at = excluded.updated_at, version = metric_settings.version + 1`,
			key, nullF(u.Target), nullF(u.Warning), store.NullString(u.OwnerID), u.Frequency, store.Millis(now)); err != nil {
			return fmt.Errorf("metric settings: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM metric_stages WHERE key = $1`, key); err != nil {
			return fmt.Errorf("metric stages: %w", err)
		}
		for _, st := range u.Stages {
			if _, err := tx.ExecContext(ctx, `INSERT INTO metric_stages (id, key, starts_on, target, warning) VALUES ($1, $2, $3, $4, $5)`,
				store.NewID(now), key, st.StartsOn, st.Target, nullF(st.Warning)); err != nil {
				return fmt.Errorf("metric stages: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM metric_benchmarks WHERE key = $1`, key); err != nil {
			return fmt.Errorf("metric benchmarks: %w", err)
		}
		for _, b := range u.Bench {
			if _, err := tx.ExecContext(ctx, `INSERT INTO metric_benchmarks (id, key, value, source, as_of, note) VALUES ($1, $2, $3, $4, $5, $6)`,
				store.NewID(now), key, b.Value, b.Source, b.AsOf, b.Note); err != nil {
				return fmt.Errorf("metric benchmarks: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return Settings{}, err
	}
	return s.Settings(ctx, key)
}

func nullF(f *float64) sql.NullFloat64 {
	if f == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *f, Valid: true}
}

// Settings returns a metric's settings (empty ones for a metric never set).
func (s *Service) Settings(ctx context.Context, key string) (Settings, error) {
	if _, err := s.direction(ctx, s.DB.Read, key); err != nil {
		return Settings{}, err
	}
	st := Settings{Key: key, Frequency: "weekly", Stages: []Stage{}, Bench: []Benchmark{}}
	var target, warning sql.NullFloat64
	var owner sql.NullString
	err := s.DB.Read.QueryRowContext(ctx, `SELECT target, warning, owner_id, frequency, version FROM metric_settings WHERE key = $1`, key).
		Scan(&target, &warning, &owner, &st.Frequency, &st.Version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Settings{}, fmt.Errorf("metric settings %s: %w", key, err)
	}
	if target.Valid {
		st.Target = &target.Float64
	}
	if warning.Valid {
		st.Warning = &warning.Float64
	}
	st.OwnerID = owner.String
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT starts_on, target, warning FROM metric_stages WHERE key = $1 ORDER BY starts_on`, key)
	if err != nil {
		return Settings{}, fmt.Errorf("metric stages %s: %w", key, err)
	}
	defer rows.Close()
	for rows.Next() {
		var sg Stage
		var w sql.NullFloat64
		if err := rows.Scan(&sg.StartsOn, &sg.Target, &w); err != nil {
			return Settings{}, fmt.Errorf("metric stages %s: %w", key, err)
		}
		if w.Valid {
			sg.Warning = &w.Float64
		}
		st.Stages = append(st.Stages, sg)
	}
	brows, err := s.DB.Read.QueryContext(ctx, `SELECT value, source, as_of, note FROM metric_benchmarks WHERE key = $1 ORDER BY as_of, source`, key)
	if err != nil {
		return Settings{}, fmt.Errorf("metric benchmarks %s: %w", key, err)
	}
	defer brows.Close()
	for brows.Next() {
		var b Benchmark
		if err := brows.Scan(&b.Value, &b.Source, &b.AsOf, &b.Note); err != nil {
			return Settings{}, fmt.Errorf("metric benchmarks %s: %w", key, err)
		}
		st.Bench = append(st.Bench, b)
	}
	return st, brows.Err()
}

// TargetOn returns the target and warning in force on a date (the latest
// stage started by then, else the base target).
func (st Settings) TargetOn(day string) (target, warning *float64) {
	target, warning = st.Target, st.Warning
	for _, sg := range st.Stages {
		if sg.StartsOn <= day {
			t := sg.Target
			target, warning = &t, sg.Warning
		}
	}
	return target, warning
}

// Statuses of a value against its target.
const (
	StatusMet     = "met"
	StatusWarning = "warning"
	StatusMissed  = "missed"
	StatusNoData  = "no_data"
	StatusNoGoal  = "no_target"
)

// Status judges value against target and warning in direction.
func Status(dir Direction, value, target, warning *float64) string {
	switch {
	case value == nil:
		return StatusNoData
	case target == nil:
		return StatusNoGoal
	}
	better := func(a, b float64) bool { // a at least as good as b
		if dir == LowerIsBetter {
			return a <= b
		}
		return a >= b
	}
	if better(*value, *target) {
		return StatusMet
	}
	if warning != nil && better(*value, *warning) {
		return StatusWarning
	}
	return StatusMissed
}

// FCRWindow is the organisation's first-contact-resolution repeat window.
func (s *Service) FCRWindow(ctx context.Context) (time.Duration, error) {
	return fcrWindow(ctx, s.DB.Read)
}

func fcrWindow(ctx context.Context, q store.Queryer) (time.Duration, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM org_settings WHERE key = 'fcr_repeat_days'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultFCRWindow, nil
	}
	if err != nil {
		return 0, fmt.Errorf("fcr window: %w", err)
	}
	days, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("fcr window %q: %w", v, err)
	}
	return time.Duration(days) * 24 * time.Hour, nil
}

// SetFCRWindow sets the repeat window in days (1–90). Every rolled-up day
// depends on it, so they are all rolled up again.
func (s *Service) SetFCRWindow(ctx context.Context, days int) error {
	if days < 1 || days > 90 {
		return anchor.Invalid("fcr_repeat_days", "must be from 1 to 90")
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_settings (key, value) VALUES ('fcr_repeat_days', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
			strconv.Itoa(days)); err != nil {
			return fmt.Errorf("set fcr window: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM metric_days_done`); err != nil {
			return fmt.Errorf("set fcr window: %w", err)
		}
		return nil
	})
}

// OrgLocation is the time zone periods are cut in (UTC until set).
func (s *Service) OrgLocation(ctx context.Context) (*time.Location, error) {
	var name string
	err := s.DB.Read.QueryRowContext(ctx, `SELECT value FROM org_settings WHERE key = 'timezone'`).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return time.UTC, nil
	}
	if err != nil {
		return nil, fmt.Errorf("organisation time zone: %w", err)
	}
	return time.LoadLocation(name)
}

// SetOrgLocation sets the organisation's time zone (an IANA name).
func (s *Service) SetOrgLocation(ctx context.Context, name string) error {
	if _, err := time.LoadLocation(name); err != nil || name == "" || name == "Local" {
		return anchor.Invalid("timezone", "must be an IANA time zone such as Europe/London")
	}
	// Daily rollups are cut in the zone they were computed in (and carry
	// it): a new zone simply makes them unservable until rolled up again.
	_, err := s.DB.Write.ExecContext(ctx, `INSERT INTO org_settings (key, value) VALUES ('timezone', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, name)
	if err != nil {
		return fmt.Errorf("set time zone: %w", err)
	}
	return nil
}
