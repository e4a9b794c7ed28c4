package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
	"anchor/internal/users"
)

// tokenRow is an API token as the tokens page lists it.
type tokenRow struct {
	ID, UserID, Name string
	CreatedAt        time.Time
	ExpiresAt        *time.Time
	RevokedAt        *time.Time
}

// Live reports whether the token still works at now.
func (t tokenRow) Live(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || t.ExpiresAt.After(now))
}

type tokensData struct {
	Tokens []tokenRow
	// Secret is the token just created, shown this once.
	Secret string
	Admin  bool
	Dir    *directory
}

// listTokens reads api_tokens for the page. The users package issues and
// checks tokens but has no listing; this read-only query lives here until
// it does. userID "" lists everyone's (for admins).
func (s *Server) listTokens(ctx context.Context, userID string) ([]tokenRow, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, user_id, name, created_at, expires_at, revoked_at FROM api_tokens
		WHERE ($1 = '' OR user_id = $1) ORDER BY id DESC LIMIT 500`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []tokenRow
	for rows.Next() {
		var t tokenRow
		var created int64
		var exp, rev sql.NullInt64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &created, &exp, &rev); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.CreatedAt, t.ExpiresAt, t.RevokedAt = store.Time(created), store.NullTime(exp), store.NullTime(rev)
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderTokens(w, r, u, "", nil)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, u users.User, secret string, form *formState) error {
	d := tokensData{Secret: secret, Admin: u.Role == users.RoleAdmin}
	owner := u.ID
	if d.Admin {
		owner = ""
	}
	var err error
	if d.Tokens, err = s.listTokens(r.Context(), owner); err != nil {
		return err
	}
	if d.Dir, err = s.directory(r.Context()); err != nil {
		return err
	}
	status := http.StatusOK
	if form != nil {
		status = formStatus(form)
	}
	s.render(w, r, status, "tokens", &view{Title: "API tokens", Nav: "tokens", User: u, Form: form, Data: d})
	return nil
}

// createToken issues an API token and shows its secret once, on this
// response only: it is never put in the session or a redirect.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	owner := u.ID
	if other := r.PostForm.Get("user_id"); other != "" && other != u.ID {
		if u.Role != users.RoleAdmin {
			return anchor.Forbidden("only an admin issues tokens to other users")
		}
		owner = other
	}
	var ttl time.Duration
	var err error
	if days := strings.TrimSpace(r.PostForm.Get("ttl_days")); days != "" {
		n, perr := strconv.Atoi(days)
		if perr != nil || n < 0 {
			err = anchor.Invalid("ttl_days", "must be a whole number of days (0 for no expiry)")
		}
		ttl = time.Duration(n) * 24 * time.Hour
	}
	var secret string
	if err == nil {
		_, secret, err = s.Users.CreateToken(r.Context(), owner, strings.TrimSpace(r.PostForm.Get("name")), ttl)
	}
	if err != nil {
		if fs := refused("token", r, err); fs != nil {
			return s.renderTokens(w, r, u, "", fs)
		}
		return err
	}
	return s.renderTokens(w, r, u, secret, nil)
}

// revokeToken revokes one of the user's tokens; an admin may revoke
// anyone's.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	owner := u.ID
	if u.Role == users.RoleAdmin {
		err := s.DB.Read.QueryRowContext(r.Context(), `SELECT user_id FROM api_tokens WHERE id = $1`, id).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return anchor.NotFound("token", id)
		}
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
	}
	if err := s.Users.RevokeToken(r.Context(), owner, id); err != nil {
		return err
	}
	return s.seeOther(w, r, "/tokens", "Token revoked.")
}
