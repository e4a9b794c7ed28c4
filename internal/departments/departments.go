// Package departments holds the internal service providers (finance,
// logistics, legal, IT...) and the outside parties that customer service
// hands work to. Each has service levels of its own towards customer
// service: the next process is its customer.
package departments

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

// Department is an internal service provider, or an outside party when
// External is set (a carrier, a supplier): its handoffs and the problems it
// causes are counted against it like against any department.
type Department struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	External bool   `json:"external"`
	// AcceptWithinSeconds and CompleteWithinSeconds are the department's
	// service level for handoffs, counted from when a handoff is sent;
	// 0 means none is set (a handoff must then be given its due time).
	AcceptWithinSeconds   int64     `json:"accept_within_seconds,omitempty"`
	CompleteWithinSeconds int64     `json:"complete_within_seconds,omitempty"`
	CreatedAt             time.Time `json:"created_at"`
	Version               int       `json:"version"`
}

// AcceptWithin returns the acceptance target, 0 if none.
func (d Department) AcceptWithin() time.Duration {
	return time.Duration(d.AcceptWithinSeconds) * time.Second
}

// CompleteWithin returns the completion target, 0 if none.
func (d Department) CompleteWithin() time.Duration {
	return time.Duration(d.CompleteWithinSeconds) * time.Second
}

// NewDepartment is what creating a department takes.
type NewDepartment struct {
	Name                  string `json:"name"`
	External              bool   `json:"external"`
	AcceptWithinSeconds   int64  `json:"accept_within_seconds,omitempty"`
	CompleteWithinSeconds int64  `json:"complete_within_seconds,omitempty"`
}

// Validate checks a new department.
func (n *NewDepartment) Validate() error {
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" {
		return anchor.Invalid("name", "is required")
	}
	if n.AcceptWithinSeconds < 0 {
		return anchor.Invalid("accept_within_seconds", "must not be negative")
	}
	if n.CompleteWithinSeconds < 0 {
		return anchor.Invalid("complete_within_seconds", "must not be negative")
	}
	if n.AcceptWithinSeconds > 0 && n.CompleteWithinSeconds > 0 && n.AcceptWithinSeconds > n.CompleteWithinSeconds {
		return anchor.Invalid("accept_within_seconds", "must not exceed complete_within_seconds")
	}
	return nil
}

// Service stores departments.
type Service struct{ DB *store.DB }

const columns = `id, name, external, COALESCE(accept_within_ms, 0), COALESCE(complete_within_ms, 0), created_at, version`

func scan(row store.Scanner) (Department, error) {
	var d Department
	var acc, comp, created int64
	err := row.Scan(&d.ID, &d.Name, &d.External, &acc, &comp, &created, &d.Version)
	d.AcceptWithinSeconds, d.CompleteWithinSeconds = acc/1000, comp/1000
	d.CreatedAt = store.Time(created)
	return d, err
}

func nullPositive(seconds int64) sql.NullInt64 {
	return sql.NullInt64{Int64: seconds * 1000, Valid: seconds > 0}
}

// Create adds a department; a duplicate name is a conflict.
func (s *Service) Create(ctx context.Context, n NewDepartment) (Department, error) {
	if err := n.Validate(); err != nil {
		return Department{}, err
	}
	now := s.DB.Now()
	d := Department{ID: store.NewID(now), Name: n.Name, External: n.External, AcceptWithinSeconds: n.AcceptWithinSeconds,
		CompleteWithinSeconds: n.CompleteWithinSeconds, CreatedAt: now.Truncate(time.Millisecond), Version: 1}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM departments WHERE name = $1`, n.Name).Scan(&dup); err != nil {
			return fmt.Errorf("check department name: %w", err)
		}
		if dup > 0 {
			return &anchor.Error{Code: anchor.EConflict, Field: "name", Message: "a department with this name already exists"}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO departments (id, name, external, accept_within_ms, complete_within_ms, created_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, 1)`, d.ID, d.Name, d.External, nullPositive(d.AcceptWithinSeconds), nullPositive(d.CompleteWithinSeconds), store.Millis(now))
		if err != nil {
			return fmt.Errorf("insert department: %w", err)
		}
		return nil
	})
	return d, err
}

// Get returns a department by id.
func (s *Service) Get(ctx context.Context, id string) (Department, error) {
	return s.get(ctx, s.DB.Read, id)
}

// GetTx returns a department by id inside a transaction.
func (s *Service) GetTx(ctx context.Context, q store.Queryer, id string) (Department, error) {
	return s.get(ctx, q, id)
}

func (s *Service) get(ctx context.Context, q store.Queryer, id string) (Department, error) {
	d, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM departments WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Department{}, anchor.NotFound("department", id)
	}
	if err != nil {
		return Department{}, fmt.Errorf("get department %s: %w", id, err)
	}
	return d, nil
}

// List returns every department by name.
func (s *Service) List(ctx context.Context) ([]Department, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+columns+` FROM departments ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	defer rows.Close()
	out := []Department{}
	for rows.Next() {
		d, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list departments: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
