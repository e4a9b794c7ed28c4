package contactcenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Service is the contact-center capability over one database.
type Service struct {
	DB *store.DB
}

// Defaults of a queue's thresholds, from DESIGN.md: service level counts
// answers within 20 s (inclusive), abandons within 5 s are "short" and
// left out of abandon_rate and service_level, and there is no wrap-up
// unless the queue says so.
const (
	DefaultServiceLevelSeconds = 20
	DefaultShortAbandonSeconds = 5
)

// Queue is where contacts wait for an agent. AsteriskName ties it to the
// queue name in queue_log; the thresholds are what its contacts are judged
// by in the rollups (a change applies from the next import, or to the past
// after `anchor rollup rebuild`).
type Queue struct {
	ID                  string    `json:"id"`
	Name                string    `json:"name"`
	AsteriskName        string    `json:"asterisk_name,omitempty"`
	ServiceLevelSeconds int       `json:"service_level_seconds"`
	ShortAbandonSeconds int       `json:"short_abandon_seconds"`
	WrapUpSeconds       int       `json:"wrapup_seconds"`
	WrapUpReasons       []string  `json:"wrapup_reasons"`
	AutoCreated         bool      `json:"auto_created"`
	CreatedAt           time.Time `json:"created_at"`
	Version             int       `json:"version"`
}

// NewQueue is a queue to create. Omitted thresholds take the defaults.
type NewQueue struct {
	Name                string   `json:"name"`
	AsteriskName        string   `json:"asterisk_name,omitempty"`
	ServiceLevelSeconds *int     `json:"service_level_seconds,omitempty"`
	ShortAbandonSeconds *int     `json:"short_abandon_seconds,omitempty"`
	WrapUpSeconds       *int     `json:"wrapup_seconds,omitempty"`
	WrapUpReasons       []string `json:"wrapup_reasons,omitempty"`
}

// QueueUpdate changes a queue; nil fields stay. Version is the version the
// change is based on.
type QueueUpdate struct {
	Name                *string  `json:"name,omitempty"`
	AsteriskName        *string  `json:"asterisk_name,omitempty"`
	ServiceLevelSeconds *int     `json:"service_level_seconds,omitempty"`
	ShortAbandonSeconds *int     `json:"short_abandon_seconds,omitempty"`
	WrapUpSeconds       *int     `json:"wrapup_seconds,omitempty"`
	WrapUpReasons       []string `json:"wrapup_reasons,omitempty"`
	Version             int      `json:"version"`
}

// Validate checks a queue's fields, naming the first bad one.
func (q *Queue) Validate() error {
	q.Name = strings.TrimSpace(q.Name)
	q.AsteriskName = strings.TrimSpace(q.AsteriskName)
	switch {
	case q.Name == "":
		return anchor.Invalid("name", "is required")
	case len(q.Name) > 200:
		return anchor.Invalid("name", "must be at most 200 characters")
	case strings.ContainsAny(q.AsteriskName, "|\n\r"):
		return anchor.Invalid("asterisk_name", "cannot hold '|' or a line break: queue_log could not name it")
	case q.ServiceLevelSeconds < 0 || q.ServiceLevelSeconds > 86400:
		return anchor.Invalid("service_level_seconds", "must be from 0 to 86400")
	case q.ShortAbandonSeconds < 0 || q.ShortAbandonSeconds > 3600:
		return anchor.Invalid("short_abandon_seconds", "must be from 0 to 3600")
	case q.WrapUpSeconds < 0 || q.WrapUpSeconds > 86400:
		return anchor.Invalid("wrapup_seconds", "must be from 0 to 86400")
	}
	var reasons []string
	for _, r := range q.WrapUpReasons {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if strings.Contains(r, ",") {
			return anchor.Invalid("wrapup_reasons", "a reason cannot contain a comma")
		}
		reasons = append(reasons, r)
	}
	q.WrapUpReasons = reasons
	if q.WrapUpReasons == nil {
		q.WrapUpReasons = []string{}
	}
	return nil
}

const queueColumns = `id, name, COALESCE(asterisk_name, ''), service_level_seconds, short_abandon_seconds, wrapup_seconds, wrapup_reasons, auto_created, created_at, version`

func scanQueue(row store.Scanner) (Queue, error) {
	var q Queue
	var reasons string
	var created int64
	if err := row.Scan(&q.ID, &q.Name, &q.AsteriskName, &q.ServiceLevelSeconds, &q.ShortAbandonSeconds, &q.WrapUpSeconds, &reasons, &q.AutoCreated, &created, &q.Version); err != nil {
		return Queue{}, err
	}
	q.WrapUpReasons = splitList(reasons)
	q.CreatedAt = store.Time(created)
	return q, nil
}

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// CreateQueue creates a queue. It returns EInvalid for a bad field and
// EConflict when the name or Asterisk name is taken (an import may have
// created the queue already: change that one with UpdateQueue).
func (s *Service) CreateQueue(ctx context.Context, n NewQueue) (Queue, error) {
	q := Queue{Name: n.Name, AsteriskName: n.AsteriskName, ServiceLevelSeconds: DefaultServiceLevelSeconds,
		ShortAbandonSeconds: DefaultShortAbandonSeconds, WrapUpReasons: n.WrapUpReasons, Version: 1}
	if n.ServiceLevelSeconds != nil {
		q.ServiceLevelSeconds = *n.ServiceLevelSeconds
	}
	if n.ShortAbandonSeconds != nil {
		q.ShortAbandonSeconds = *n.ShortAbandonSeconds
	}
	if n.WrapUpSeconds != nil {
		q.WrapUpSeconds = *n.WrapUpSeconds
	}
	if err := q.Validate(); err != nil {
		return Queue{}, err
	}
	now := s.DB.Now()
	q.ID, q.CreatedAt = store.NewID(now), store.Time(store.Millis(now))
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := queueNamesFree(ctx, tx, q, ""); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO cc_queues (id, name, asterisk_name, service_level_seconds, short_abandon_seconds, wrapup_seconds, wrapup_reasons, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, q.ID, q.Name, store.NullString(q.AsteriskName), q.ServiceLevelSeconds,
			q.ShortAbandonSeconds, q.WrapUpSeconds, strings.Join(q.WrapUpReasons, ","), store.Millis(now))
		return err
	})
	if err != nil {
		return Queue{}, fmt.Errorf("unable to create queue: %w", err)
	}
	return q, nil
}

func queueNamesFree(ctx context.Context, q store.Queryer, qu Queue, except string) error {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM cc_queues WHERE name = $1 AND id <> $2`, qu.Name, except).Scan(&id)
	if err == nil {
		return &anchor.Error{Code: anchor.EConflict, Field: "name", Message: fmt.Sprintf("queue %q exists (id %s)", qu.Name, id)}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if qu.AsteriskName == "" {
		return nil
	}
	err = q.QueryRowContext(ctx, `SELECT id FROM cc_queues WHERE asterisk_name = $1 AND id <> $2`, qu.AsteriskName, except).Scan(&id)
	if err == nil {
		return &anchor.Error{Code: anchor.EConflict, Field: "asterisk_name", Message: fmt.Sprintf("Asterisk queue %q is already queue %s: change that one", qu.AsteriskName, id)}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

// Queue returns one queue, or ENotFound.
func (s *Service) Queue(ctx context.Context, id string) (Queue, error) {
	q, err := scanQueue(s.DB.Read.QueryRowContext(ctx, `SELECT `+queueColumns+` FROM cc_queues WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Queue{}, anchor.NotFound("queue", id)
	}
	if err != nil {
		return Queue{}, fmt.Errorf("unable to fetch queue: %w", err)
	}
	return q, nil
}

// Queues lists every queue by name.
func (s *Service) Queues(ctx context.Context) ([]Queue, error) {
	return queues(ctx, s.DB.Read)
}

func queues(ctx context.Context, q store.Queryer) ([]Queue, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+queueColumns+` FROM cc_queues ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("unable to list queues: %w", err)
	}
	defer rows.Close()
	out := []Queue{}
	for rows.Next() {
		qu, err := scanQueue(rows)
		if err != nil {
			return nil, fmt.Errorf("unable to list queues: %w", err)
		}
		out = append(out, qu)
	}
	return out, rows.Err()
}

// UpdateQueue changes a queue's names or thresholds. It returns ENotFound,
// EInvalid, EConflict for a stale version or a taken name, and
// EPrecondition without a version.
func (s *Service) UpdateQueue(ctx context.Context, id string, u QueueUpdate) (Queue, error) {
	if u.Version <= 0 {
		return Queue{}, &anchor.Error{Code: anchor.EPrecondition, Field: "version", Message: "send the version the change is based on"}
	}
	var out Queue
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		q, err := scanQueue(tx.QueryRowContext(ctx, `SELECT `+queueColumns+` FROM cc_queues WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return anchor.NotFound("queue", id)
		}
		if err != nil {
			return err
		}
		if q.Version != u.Version {
			return anchor.StaleVersion("the queue", q.Version)
		}
		if u.Name != nil {
			q.Name = *u.Name
		}
		if u.AsteriskName != nil {
			q.AsteriskName = *u.AsteriskName
		}
		if u.ServiceLevelSeconds != nil {
			q.ServiceLevelSeconds = *u.ServiceLevelSeconds
		}
		if u.ShortAbandonSeconds != nil {
			q.ShortAbandonSeconds = *u.ShortAbandonSeconds
		}
		if u.WrapUpSeconds != nil {
			q.WrapUpSeconds = *u.WrapUpSeconds
		}
		if u.WrapUpReasons != nil {
			q.WrapUpReasons = u.WrapUpReasons
		}
		if err := q.Validate(); err != nil {
			return err
		}
		if err := queueNamesFree(ctx, tx, q, q.ID); err != nil {
			return err
		}
		q.Version++
		_, err = tx.ExecContext(ctx, `UPDATE cc_queues SET name = $1, asterisk_name = $2, service_level_seconds = $3, short_abandon_seconds = $4,
			wrapup_seconds = $5, wrapup_reasons = $6, auto_created = FALSE, version = $7 WHERE id = $8`,
			q.Name, store.NullString(q.AsteriskName), q.ServiceLevelSeconds, q.ShortAbandonSeconds, q.WrapUpSeconds,
			strings.Join(q.WrapUpReasons, ","), q.Version, q.ID)
		q.AutoCreated = false
		out = q
		return err
	})
	if err != nil {
		return Queue{}, fmt.Errorf("unable to update queue: %w", err)
	}
	return out, nil
}
