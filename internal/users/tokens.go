package users

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// TokenPrefix starts every API token, so that a leaked one is easy to find
// by secret scanners and to tell apart from other credentials.
const TokenPrefix = "anc_"

// Token is an API token's record. The secret itself is shown once, at
// creation, and only its SHA-256 is stored: a token carries 256 random bits,
// so a fast hash is as safe as a slow one and keeps every request cheap.
type Token struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Live reports whether the token still lets its user in at now.
func (t Token) Live(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || t.ExpiresAt.After(now))
}

// MaxTokensListed bounds ListTokens: tokens are issued by hand, so more
// than this is a leak to clean up, not a list to page through.
const MaxTokensListed = 500

// ListTokens returns the tokens of a user, or everyone's when userID is
// "", newest first, revoked and expired ones included (they explain why a
// client stopped working).
func (s *Service) ListTokens(ctx context.Context, userID string) ([]Token, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, user_id, name, created_at, expires_at, revoked_at FROM api_tokens
		WHERE ($1 = '' OR user_id = $1) ORDER BY id DESC`+store.Limit(MaxTokensListed), userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// GetToken returns a token's record (never its secret).
func (s *Service) GetToken(ctx context.Context, id string) (Token, error) {
	t, err := scanToken(s.DB.Read.QueryRowContext(ctx, `SELECT id, user_id, name, created_at, expires_at, revoked_at FROM api_tokens WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, anchor.NotFound("token", id)
	}
	if err != nil {
		return Token{}, fmt.Errorf("get token %s: %w", id, err)
	}
	return t, nil
}

func scanToken(row store.Scanner) (Token, error) {
	var t Token
	var created int64
	var exp, rev sql.NullInt64
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &created, &exp, &rev); err != nil {
		return Token{}, err
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = store.Time(created), store.NullTime(exp), store.NullTime(rev)
	return t, nil
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken issues a token for the user and returns it with its secret.
// ttl 0 means it does not expire.
func (s *Service) CreateToken(ctx context.Context, userID, name string, ttl time.Duration) (Token, string, error) {
	if ttl < 0 {
		return Token{}, "", anchor.Invalid("ttl", "must not be negative")
	}
	if _, err := s.Get(ctx, userID); err != nil {
		return Token{}, "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Token{}, "", fmt.Errorf("create token: %w", err)
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.DB.Now()
	t := Token{ID: store.NewID(now), UserID: userID, Name: name, CreatedAt: now.Truncate(time.Millisecond)}
	if ttl > 0 {
		exp := now.Add(ttl).Truncate(time.Millisecond)
		t.ExpiresAt = &exp
	}
	_, err := s.DB.Write.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, userID, name, hashToken(secret), store.Millis(now), store.NullMillis(t.ExpiresAt))
	if err != nil {
		return Token{}, "", fmt.Errorf("create token: %w", err)
	}
	return t, secret, nil
}

// UserByToken returns the active user a token belongs to. An unknown,
// expired or revoked token, or an inactive user, is EUnauthorized.
func (s *Service) UserByToken(ctx context.Context, secret string) (User, error) {
	fail := anchor.Errorf(anchor.EUnauthorized, "invalid or expired token")
	if !strings.HasPrefix(secret, TokenPrefix) {
		return User{}, fail
	}
	row := s.DB.Read.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.role, COALESCE(u.department_id, ''), COALESCE(u.supervisor_id, ''), u.active, u.created_at, u.version
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)`,
		hashToken(secret), store.Millis(s.DB.Now()))
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fail
	}
	if err != nil {
		return User{}, fmt.Errorf("check token: %w", err)
	}
	if !u.Active {
		return User{}, fail
	}
	return u, nil
}

// RevokeToken revokes a token of the user.
func (s *Service) RevokeToken(ctx context.Context, userID, tokenID string) error {
	res, err := s.DB.Write.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL`,
		store.Millis(s.DB.Now()), tokenID, userID)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return anchor.NotFound("token", tokenID)
	}
	return nil
}
