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

// Alias is one name an agent appears under in the events: Asterisk logs the
// member name, the interface (PJSIP/1001) or Agent/1001 depending on the
// event and the release, and other platforms have their own logins. An
// alias without a user is unmapped: its contacts and time are kept, under
// agent ”, until someone maps it (then `anchor rollup rebuild`).
type Alias struct {
	ID          string    `json:"id"`
	Alias       string    `json:"alias"`
	UserID      string    `json:"user_id,omitempty"`
	AutoCreated bool      `json:"auto_created"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// AliasInput maps an alias to a user ("" to unmap). The alias is created
// when it does not exist yet.
type AliasInput struct {
	Alias  string `json:"alias"`
	UserID string `json:"user_id"`
}

// AliasFilter narrows Aliases.
type AliasFilter struct {
	// Unmapped lists only aliases without a user: what an import reported.
	Unmapped bool
	// UserID lists only the aliases of one user.
	UserID string
}

// SetAlias creates or re-maps an alias. It returns EInvalid for an empty
// alias and ENotFound for a user that does not exist.
func (s *Service) SetAlias(ctx context.Context, in AliasInput) (Alias, error) {
	in.Alias = strings.TrimSpace(in.Alias)
	in.UserID = strings.TrimSpace(in.UserID)
	if in.Alias == "" {
		return Alias{}, anchor.Invalid("alias", "is required")
	}
	if len(in.Alias) > 200 || strings.ContainsAny(in.Alias, "|\n\r") {
		return Alias{}, anchor.Invalid("alias", "must be at most 200 characters without '|' or line breaks")
	}
	now := s.DB.Now()
	var out Alias
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if in.UserID != "" {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = $1`, in.UserID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return &anchor.Error{Code: anchor.ENotFound, Field: "user_id", Message: fmt.Sprintf("user %q not found", in.UserID)}
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO cc_agent_aliases (id, alias, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (alias) DO UPDATE SET user_id = excluded.user_id, updated_at = excluded.updated_at`,
			store.NewID(now), in.Alias, store.NullString(in.UserID), store.Millis(now))
		if err != nil {
			return err
		}
		out, err = scanAlias(tx.QueryRowContext(ctx, `SELECT `+aliasColumns+` FROM cc_agent_aliases WHERE alias = $1`, in.Alias))
		return err
	})
	if err != nil {
		return Alias{}, fmt.Errorf("unable to set alias: %w", err)
	}
	return out, nil
}

const aliasColumns = `id, alias, COALESCE(user_id, ''), auto_created, created_at, updated_at`

func scanAlias(row store.Scanner) (Alias, error) {
	var a Alias
	var c, u int64
	if err := row.Scan(&a.ID, &a.Alias, &a.UserID, &a.AutoCreated, &c, &u); err != nil {
		return Alias{}, err
	}
	a.CreatedAt, a.UpdatedAt = store.Time(c), store.Time(u)
	return a, nil
}

// Aliases lists aliases by name.
func (s *Service) Aliases(ctx context.Context, f AliasFilter) ([]Alias, error) {
	q := `SELECT ` + aliasColumns + ` FROM cc_agent_aliases WHERE ($1 = FALSE OR user_id IS NULL) AND ($2 = '' OR user_id = $2) ORDER BY alias`
	rows, err := s.DB.Read.QueryContext(ctx, q, f.Unmapped, f.UserID)
	if err != nil {
		return nil, fmt.Errorf("unable to list aliases: %w", err)
	}
	defer rows.Close()
	out := []Alias{}
	for rows.Next() {
		a, err := scanAlias(rows)
		if err != nil {
			return nil, fmt.Errorf("unable to list aliases: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
