package web

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"anchor/internal/store"
)

// Session keys.
const (
	sessionUserKey  = "user_id"
	sessionFlashKey = "flash"
)

// SessionLifetime is how long a sign-in lasts: a working day. There is no
// idle timeout, because extending one would write to the database on every
// page view.
const SessionLifetime = 12 * time.Hour

func newSessionManager(db *store.DB, logger *slog.Logger) *scs.SessionManager {
	sm := scs.New()
	sm.Store = &sessionStore{db: db}
	sm.Lifetime = SessionLifetime
	sm.Cookie.Name = "anchor_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	// The store keeps the token's SHA-256, so a copy of the database does
	// not hold live sign-ins.
	sm.HashTokenInStore = true
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		logger.Error("web: session", "path", r.URL.Path, "error", err)
		http.Error(w, "internal error: the session store is unavailable", http.StatusInternalServerError)
	}
	return sm
}

// sessionStore keeps scs sessions in the web_sessions table of the shared
// database, so that any instance serves any signed-in user and a restart
// signs nobody out. Expiry is scs's wall-clock time, not DB.Now: scs
// computes it from time.Now itself.
type sessionStore struct {
	db *store.DB
}

var _ scs.CtxStore = (*sessionStore)(nil)

func (s *sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *sessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// FindCtx returns a live session's data; an expired one is not found.
func (s *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data string
	err := s.db.Read.QueryRowContext(ctx, `SELECT data FROM web_sessions WHERE token = $1 AND expiry > $2`,
		token, time.Now().UnixMilli()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, false, nil // a tampered row is no session
	}
	return b, true, nil
}

// CommitCtx writes a session, replacing it when it exists.
func (s *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.db.Write.ExecContext(ctx, `INSERT INTO web_sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		token, base64.StdEncoding.EncodeToString(b), expiry.UnixMilli())
	if err != nil {
		return fmt.Errorf("commit session: %w", err)
	}
	return nil
}

// DeleteCtx removes a session (sign-out, token renewal).
func (s *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	if _, err := s.db.Write.ExecContext(ctx, `DELETE FROM web_sessions WHERE token = $1`, token); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// deleteExpired removes sessions past their expiry. It runs at each
// sign-in, which bounds the table without a background job (which would
// have to be claimed across instances).
func (s *sessionStore) deleteExpired(ctx context.Context) error {
	if _, err := s.db.Write.ExecContext(ctx, `DELETE FROM web_sessions WHERE expiry <= $1`, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("delete expired sessions: %w", err)
	}
	return nil
}
