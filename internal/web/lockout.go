package web

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"anchor/internal/store"
)

// Lockout is the sign-in backoff policy. After MaxFailures failed sign-ins
// for one email (since its last success, within Window), each further
// attempt must wait BaseDelay, doubling with every failure, up to MaxDelay.
// The same holds per client address with IPMaxFailures, across all emails,
// against password spraying. Attempts are rows in web_signin_attempts, so
// the policy holds across instances and restarts.
//
// The lockout applies to any email typed, existing or not, and says the
// same thing for both, so it does not reveal which accounts exist. The
// client address is the connection's: behind a proxy, all users share one,
// so IPMaxFailures is generous.
type Lockout struct {
	MaxFailures   int
	IPMaxFailures int
	Window        time.Duration
	BaseDelay     time.Duration
	MaxDelay      time.Duration
}

// DefaultLockout: five free tries per email, then 30 s, 1 min, 2 min...
// up to 15 min between tries.
var DefaultLockout = Lockout{MaxFailures: 5, IPMaxFailures: 50, Window: 15 * time.Minute, BaseDelay: 30 * time.Second, MaxDelay: 15 * time.Minute}

// delay is how long to wait after the last of failures, when max are free.
func (l Lockout) delay(failures, max int) time.Duration {
	if max <= 0 || failures < max {
		return 0
	}
	n := failures - max
	if n > 30 {
		return l.MaxDelay
	}
	d := l.BaseDelay << n
	if d > l.MaxDelay || d <= 0 {
		d = l.MaxDelay
	}
	return d
}

// Results of a sign-in attempt.
const (
	attemptOK     = "ok"
	attemptFail   = "fail"
	attemptLocked = "locked"
)

// lockedUntil returns when the next attempt for email from ip may be made;
// a time not after now means at once.
func (s *Server) lockedUntil(ctx context.Context, email, ip string) (time.Time, error) {
	now := s.DB.Now()
	since := store.Millis(now.Add(-s.Lockout.Window))
	var n int
	var last sql.NullInt64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*), MAX(at) FROM web_signin_attempts
		WHERE email = $1 AND result = 'fail' AND at > $2
		AND at > COALESCE((SELECT MAX(at) FROM web_signin_attempts WHERE email = $1 AND result = 'ok'), 0)`, email, since).Scan(&n, &last)
	if err != nil {
		return time.Time{}, fmt.Errorf("count failed sign-ins: %w", err)
	}
	var until time.Time
	if d := s.Lockout.delay(n, s.Lockout.MaxFailures); d > 0 && last.Valid {
		until = store.Time(last.Int64).Add(d)
	}
	err = s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*), MAX(at) FROM web_signin_attempts WHERE ip = $1 AND result = 'fail' AND at > $2`,
		ip, since).Scan(&n, &last)
	if err != nil {
		return time.Time{}, fmt.Errorf("count failed sign-ins: %w", err)
	}
	if d := s.Lockout.delay(n, s.Lockout.IPMaxFailures); d > 0 && last.Valid {
		if t := store.Time(last.Int64).Add(d); t.After(until) {
			until = t
		}
	}
	return until, nil
}

// recordAttempt stores an attempt and forgets those older than a day.
func (s *Server) recordAttempt(ctx context.Context, email, ip, result string) error {
	now := s.DB.Now()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO web_signin_attempts (id, email, ip, at, result) VALUES ($1, $2, $3, $4, $5)`,
			store.NewID(now), email, ip, store.Millis(now), result); err != nil {
			return fmt.Errorf("record sign-in attempt: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM web_signin_attempts WHERE at < $1`, store.Millis(now.Add(-24*time.Hour))); err != nil {
			return fmt.Errorf("forget old sign-in attempts: %w", err)
		}
		return nil
	})
}
