// Package surveys asks customers how we did, at the moments the operating
// model cares about, and records what they answer:
//
//   - CSAT (1–5 and a comment) after a case is resolved: once per case, and
//     not more than once per customer every N days, so a customer with ten
//     small requests is not asked ten times;
//   - NPS (0–10 and "why?"), a relationship survey every N days per
//     customer contact;
//   - an open monthly assessment — "how did we serve you this month?" and
//     "what should we do for you next month?" — whose answers become a task
//     (a case of category "assessment") for the account owner, not a score.
//
// Programs are set per segment. A planner turns programs into invitations;
// a sender claims due invitations from the database and mails each one a
// signed, expiring, single-use link to a public page (/s/{token}) that needs
// no account and no JavaScript. Answers keep a snapshot of the cuts the
// metrics read (segment, account owner, agent, channel, category), and a
// strongly negative comment from a high-value account opens a follow-up
// case for its owner.
package surveys

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/feedback/analysis"
	"anchor/internal/store"
)

// Kinds of survey.
const (
	KindCSAT       = "csat"
	KindNPS        = "nps"
	KindAssessment = "assessment"
)

// Kinds lists every kind of survey.
var Kinds = []string{KindCSAT, KindNPS, KindAssessment}

// Case categories of the cases this package opens, so that case metrics
// (fcr, resolution) can leave these tasks out and owners can filter them.
const (
	CategoryAssessment = "assessment"
	CategoryFollowUp   = "survey_follow_up"
)

// CaseOpener opens cases: the follow-up of a strongly negative comment and
// the task an assessment becomes. cases.Service is one; tests may count.
type CaseOpener interface {
	Create(ctx context.Context, actor anchor.Actor, n cases.NewCase) (cases.Case, error)
}

// Service stores survey programs, invitations and answers.
type Service struct {
	DB       *store.DB
	Analyzer analysis.Analyzer
	Cases    CaseOpener
	Logger   *slog.Logger

	keyMu sync.Mutex
	key   []byte
}

// New returns a Service over db that scores comments with VADER and opens
// follow-up cases through cases.Service.
func New(db *store.DB, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Analyzer: analysis.NewVader(), Cases: &cases.Service{DB: db}, Logger: logger}
}

// system is the actor of what the survey machinery does by itself.
var system = anchor.Actor{Role: "system"}

// Program is what survey a segment's customers get, and how often.
type Program struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	SegmentID string `json:"segment_id"`
	// IntervalDays: for CSAT, the fewest days between two CSAT surveys to
	// one customer (0: no limit beyond once per case); for NPS, the days
	// between two surveys to one contact. An assessment is monthly.
	IntervalDays int `json:"interval_days"`
	// DelayMinutes waits after a case is resolved before the CSAT goes
	// out, so a case reopened at once is not surveyed as resolved.
	DelayMinutes int `json:"delay_minutes"`
	// ExpiresDays is how long a link stays valid after it is sent.
	ExpiresDays int `json:"expires_days"`
	// FollowUpMinRevenue: a comment with sentiment at or below
	// FollowUpBelow from an account whose revenue is above this opens a
	// follow-up case for the account owner. Null: no follow-ups.
	FollowUpMinRevenue *float64  `json:"follow_up_min_revenue,omitempty"`
	FollowUpBelow      float64   `json:"follow_up_below"`
	Active             bool      `json:"active"`
	CreatedBy          string    `json:"created_by,omitempty"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Version            int       `json:"version"`
}

// NewProgram is what setting up a program takes. Zero values take the
// defaults: CSAT at most every 7 days per customer, NPS every 90 days,
// links valid 14 days, follow-ups below a compound sentiment of -0.5.
type NewProgram struct {
	Name               string   `json:"name"`
	Kind               string   `json:"kind"`
	SegmentID          string   `json:"segment_id"`
	IntervalDays       *int     `json:"interval_days,omitempty"`
	DelayMinutes       int      `json:"delay_minutes,omitempty"`
	ExpiresDays        int      `json:"expires_days,omitempty"`
	FollowUpMinRevenue *float64 `json:"follow_up_min_revenue,omitempty"`
	FollowUpBelow      *float64 `json:"follow_up_below,omitempty"`
}

// DefaultFollowUpBelow is a "strong negative": VADER's compound score
// calls -0.05 negative; -0.5 is a clearly angry comment ("terrible
// service, nobody called back") rather than a mild one ("a bit slow").
const DefaultFollowUpBelow = -0.5

// Validate checks a new program and fills the defaults.
func (n *NewProgram) Validate() error {
	n.Name = strings.TrimSpace(n.Name)
	if !slices.Contains(Kinds, n.Kind) {
		return anchor.Invalid("kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	if n.Name == "" {
		n.Name = n.Kind
	}
	if utf8.RuneCountInString(n.Name) > 200 {
		return anchor.Invalid("name", "is longer than 200 characters")
	}
	if n.SegmentID == "" {
		return anchor.Invalid("segment_id", "is required: programs are set per segment")
	}
	if n.IntervalDays == nil {
		d := map[string]int{KindCSAT: 7, KindNPS: 90, KindAssessment: 0}[n.Kind]
		n.IntervalDays = &d
	}
	if n.ExpiresDays == 0 {
		n.ExpiresDays = 14
	}
	if n.FollowUpBelow == nil {
		d := DefaultFollowUpBelow
		n.FollowUpBelow = &d
	}
	return checkProgram(n.Kind, *n.IntervalDays, n.DelayMinutes, n.ExpiresDays, n.FollowUpMinRevenue, *n.FollowUpBelow)
}

func checkProgram(kind string, interval, delay, expires int, minRevenue *float64, below float64) error {
	switch kind {
	case KindCSAT:
		if interval < 0 || interval > 365 {
			return anchor.Invalid("interval_days", "must be from 0 to 365 days (0: only once per case)")
		}
	case KindNPS:
		if interval < 1 || interval > 730 {
			return anchor.Invalid("interval_days", "must be from 1 to 730 days")
		}
	case KindAssessment:
		if interval != 0 {
			return anchor.Invalid("interval_days", "an assessment is monthly: leave interval_days out")
		}
	}
	if delay < 0 || delay > 7*24*60 {
		return anchor.Invalid("delay_minutes", "must be from 0 to 10080 (a week)")
	}
	if delay != 0 && kind != KindCSAT {
		return anchor.Invalid("delay_minutes", "applies to CSAT only")
	}
	if expires < 1 || expires > 90 {
		return anchor.Invalid("expires_days", "must be from 1 to 90 days")
	}
	if minRevenue != nil && *minRevenue < 0 {
		return anchor.Invalid("follow_up_min_revenue", "must not be negative")
	}
	if below < -1 || below > 0 {
		return anchor.Invalid("follow_up_below", "must be a compound sentiment from -1 to 0")
	}
	return nil
}

// ProgramUpdate changes a program. Nil fields are left as they are;
// FollowUpOff turns follow-up cases off. Deactivating a program stops new
// invitations; those already out stay answerable.
type ProgramUpdate struct {
	Name               *string  `json:"name,omitempty"`
	IntervalDays       *int     `json:"interval_days,omitempty"`
	DelayMinutes       *int     `json:"delay_minutes,omitempty"`
	ExpiresDays        *int     `json:"expires_days,omitempty"`
	FollowUpMinRevenue *float64 `json:"follow_up_min_revenue,omitempty"`
	FollowUpOff        bool     `json:"follow_up_off,omitempty"`
	FollowUpBelow      *float64 `json:"follow_up_below,omitempty"`
	Active             *bool    `json:"active,omitempty"`
	Version            int      `json:"version"`
}

const programColumns = `id, name, kind, segment_id, interval_days, delay_minutes, expires_days, follow_up_min_revenue, follow_up_below,
	active, COALESCE(created_by, ''), created_at, updated_at, version`

func scanProgram(row store.Scanner) (Program, error) {
	var p Program
	var rev sql.NullFloat64
	var created, updated int64
	err := row.Scan(&p.ID, &p.Name, &p.Kind, &p.SegmentID, &p.IntervalDays, &p.DelayMinutes, &p.ExpiresDays, &rev, &p.FollowUpBelow,
		&p.Active, &p.CreatedBy, &created, &updated, &p.Version)
	if rev.Valid {
		p.FollowUpMinRevenue = &rev.Float64
	}
	p.CreatedAt, p.UpdatedAt = store.Time(created), store.Time(updated)
	return p, err
}

func nullFloat(f *float64) sql.NullFloat64 {
	if f == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *f, Valid: true}
}

// activeElsewhere refuses a second active program of a kind in a segment.
func activeElsewhere(ctx context.Context, q store.Queryer, segment, kind, except string) error {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM survey_programs WHERE segment_id = $1 AND kind = $2 AND active AND id <> $3`, segment, kind, except).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check active programs: %w", err)
	}
	return &anchor.Error{Code: anchor.EConflict, Field: "kind", Message: fmt.Sprintf("the segment already has an active %s program (%s): deactivate it first", kind, id)}
}

// CreateProgram sets up a program. A CSAT program surveys cases resolved
// from now on (this millisecond included), not the history. It returns EInvalid for an unknown segment
// and EConflict when the segment already has an active program of the kind.
func (s *Service) CreateProgram(ctx context.Context, actor anchor.Actor, n NewProgram) (Program, error) {
	if err := n.Validate(); err != nil {
		return Program{}, err
	}
	now := s.DB.Now()
	var out Program
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM segments WHERE id = $1`, n.SegmentID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return anchor.Invalid("segment_id", "no such segment: %q", n.SegmentID)
		}
		if err != nil {
			return fmt.Errorf("create program: segment: %w", err)
		}
		if err := activeElsewhere(ctx, tx, n.SegmentID, n.Kind, ""); err != nil {
			return err
		}
		id := store.NewID(now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO survey_programs (id, name, kind, segment_id, interval_days, delay_minutes, expires_days,
			follow_up_min_revenue, follow_up_below, active, planned_until, created_by, created_at, updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, TRUE, $10, $11, $12, $12, 1)`,
			id, n.Name, n.Kind, n.SegmentID, *n.IntervalDays, n.DelayMinutes, n.ExpiresDays, nullFloat(n.FollowUpMinRevenue), *n.FollowUpBelow,
			store.Millis(now)-1, store.NullString(actor.UserID), store.Millis(now)); err != nil {
			return fmt.Errorf("insert program: %w", err)
		}
		out, err = program(ctx, tx, id)
		return err
	})
	return out, err
}

// Program returns a program.
func (s *Service) Program(ctx context.Context, id string) (Program, error) {
	return program(ctx, s.DB.Read, id)
}

func program(ctx context.Context, q store.Queryer, id string) (Program, error) {
	p, err := scanProgram(q.QueryRowContext(ctx, `SELECT `+programColumns+` FROM survey_programs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Program{}, anchor.NotFound("survey program", id)
	}
	if err != nil {
		return Program{}, fmt.Errorf("get survey program %s: %w", id, err)
	}
	return p, nil
}

// ProgramFilter narrows Programs.
type ProgramFilter struct {
	SegmentID string
	Kind      string
	Active    *bool
}

// Programs lists programs, oldest first (there are a handful per segment).
func (s *Service) Programs(ctx context.Context, f ProgramFilter) ([]Program, error) {
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		return nil, anchor.Invalid("kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	q := `SELECT ` + programColumns + ` FROM survey_programs WHERE ($1 = '' OR segment_id = $1) AND ($2 = '' OR kind = $2)`
	args := []any{f.SegmentID, f.Kind}
	if f.Active != nil {
		q += ` AND active = $3`
		args = append(args, *f.Active)
	}
	rows, err := s.DB.Read.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list survey programs: %w", err)
	}
	defer rows.Close()
	out := []Program{}
	for rows.Next() {
		p, err := scanProgram(rows)
		if err != nil {
			return nil, fmt.Errorf("list survey programs: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// UpdateProgram changes a program. It returns EPrecondition without a
// version, EConflict for a stale one or a second active program.
func (s *Service) UpdateProgram(ctx context.Context, id string, u ProgramUpdate) (Program, error) {
	if u.Version <= 0 {
		return Program{}, anchor.VersionRequired()
	}
	now := s.DB.Now()
	var out Program
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		p, err := program(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Version != u.Version {
			return anchor.StaleVersion("survey program", p.Version)
		}
		if u.Name != nil {
			if p.Name = strings.TrimSpace(*u.Name); p.Name == "" || utf8.RuneCountInString(p.Name) > 200 {
				return anchor.Invalid("name", "must be 1 to 200 characters")
			}
		}
		if u.IntervalDays != nil {
			p.IntervalDays = *u.IntervalDays
		}
		if u.DelayMinutes != nil {
			p.DelayMinutes = *u.DelayMinutes
		}
		if u.ExpiresDays != nil {
			p.ExpiresDays = *u.ExpiresDays
		}
		if u.FollowUpMinRevenue != nil {
			p.FollowUpMinRevenue = u.FollowUpMinRevenue
		}
		if u.FollowUpOff {
			p.FollowUpMinRevenue = nil
		}
		if u.FollowUpBelow != nil {
			p.FollowUpBelow = *u.FollowUpBelow
		}
		if err := checkProgram(p.Kind, p.IntervalDays, p.DelayMinutes, p.ExpiresDays, p.FollowUpMinRevenue, p.FollowUpBelow); err != nil {
			return err
		}
		reactivated := false
		if u.Active != nil && *u.Active != p.Active {
			if *u.Active {
				if err := activeElsewhere(ctx, tx, p.SegmentID, p.Kind, p.ID); err != nil {
					return err
				}
				// Reactivated: survey what is resolved from now on, not
				// what happened while it was off.
				reactivated = true
			}
			p.Active = *u.Active
		}
		res, err := tx.ExecContext(ctx, `UPDATE survey_programs SET name = $1, interval_days = $2, delay_minutes = $3, expires_days = $4,
			follow_up_min_revenue = $5, follow_up_below = $6, active = $7, updated_at = $8, version = version + 1,
			planned_until = CASE WHEN $11 THEN $12 ELSE planned_until END
			WHERE id = $9 AND version = $10`,
			p.Name, p.IntervalDays, p.DelayMinutes, p.ExpiresDays, nullFloat(p.FollowUpMinRevenue), p.FollowUpBelow, p.Active,
			store.Millis(now), id, u.Version, reactivated, store.Millis(now)-1)
		if err != nil {
			return fmt.Errorf("update survey program %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return anchor.StaleVersion("survey program", p.Version+1)
		}
		out, err = program(ctx, tx, id)
		return err
	})
	return out, err
}
