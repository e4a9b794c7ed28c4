package customers

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

// Segment is a group of customers owed the same level of service
// ("enterprise", "retail"): the service matrix is set per segment.
type Segment struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	Version     int       `json:"version"`
}

// NewSegment is what creating a segment takes.
type NewSegment struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Validate checks a new segment.
func (n *NewSegment) Validate() error {
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" {
		return anchor.Invalid("name", "is required")
	}
	if len(n.Name) > 100 {
		return anchor.Invalid("name", "is longer than 100 characters")
	}
	return nil
}

// CreateSegment adds a segment; a duplicate name is a conflict.
func (s *Service) CreateSegment(ctx context.Context, n NewSegment) (Segment, error) {
	if err := n.Validate(); err != nil {
		return Segment{}, err
	}
	now := s.DB.Now()
	seg := Segment{ID: store.NewID(now), Name: n.Name, Description: n.Description, CreatedAt: now.Truncate(time.Millisecond), Version: 1}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM segments WHERE name = $1`, n.Name).Scan(&dup); err != nil {
			return fmt.Errorf("check segment name: %w", err)
		}
		if dup > 0 {
			return &anchor.Error{Code: anchor.EConflict, Field: "name", Message: "a segment with this name already exists"}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO segments (id, name, description, created_at, version) VALUES ($1, $2, $3, $4, 1)`,
			seg.ID, seg.Name, seg.Description, store.Millis(now)); err != nil {
			return fmt.Errorf("insert segment: %w", err)
		}
		return nil
	})
	return seg, err
}

// Segment returns a segment by id.
func (s *Service) Segment(ctx context.Context, id string) (Segment, error) {
	var seg Segment
	var created int64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT id, name, description, created_at, version FROM segments WHERE id = $1`, id).
		Scan(&seg.ID, &seg.Name, &seg.Description, &created, &seg.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return Segment{}, anchor.NotFound("segment", id)
	}
	if err != nil {
		return Segment{}, fmt.Errorf("get segment %s: %w", id, err)
	}
	seg.CreatedAt = store.Time(created)
	return seg, nil
}

// Segments returns every segment by name.
func (s *Service) Segments(ctx context.Context) ([]Segment, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, name, description, created_at, version FROM segments ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	defer rows.Close()
	out := []Segment{}
	for rows.Next() {
		var seg Segment
		var created int64
		if err := rows.Scan(&seg.ID, &seg.Name, &seg.Description, &created, &seg.Version); err != nil {
			return nil, fmt.Errorf("list segments: %w", err)
		}
		seg.CreatedAt = store.Time(created)
		out = append(out, seg)
	}
	return out, rows.Err()
}
