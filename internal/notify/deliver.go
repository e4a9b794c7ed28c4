package notify

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"anchor/internal/store"
)

// HTTPDoer sends a request; *http.Client is one.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// MaxAttempts bounds the retries of one delivery.
const MaxAttempts = 8

// backoff is the wait before attempt n+1: 30 s doubling, capped at 2 h.
func backoff(attempts int) time.Duration {
	d := 30 * time.Second << min(attempts, 8)
	return min(d, 2*time.Hour)
}

// Deliver posts due webhook deliveries, at most batch of them, and returns
// how many were delivered. Each is claimed in a transaction that moves its
// next attempt forward first (on PostgreSQL with FOR UPDATE SKIP LOCKED),
// so that two servers never post the same delivery at once; a delivery is
// at least once, and receivers dedupe by X-Anchor-Delivery.
func (s *Service) Deliver(ctx context.Context, batch int) (int, error) {
	type job struct {
		id, url, secret, payload string
		attempts                 int
	}
	var jobs []job
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		q := `SELECT d.id, w.url, w.secret, d.payload, d.attempts FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
			WHERE d.next_attempt_at <= $1 ORDER BY d.next_attempt_at` + store.Limit(batch)
		if s.DB.Dialect == store.Postgres {
			q += ` FOR UPDATE OF d SKIP LOCKED`
		}
		rows, err := tx.QueryContext(ctx, q, store.Millis(now))
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var j job
			if err := rows.Scan(&j.id, &j.url, &j.secret, &j.payload, &j.attempts); err != nil {
				return fmt.Errorf("claim deliveries: %w", err)
			}
			jobs = append(jobs, j)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		rows.Close()
		for _, j := range jobs {
			// Lease: nobody else tries this one for a while.
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2`,
				store.Millis(now.Add(backoff(j.attempts))), j.id); err != nil {
				return fmt.Errorf("claim deliveries: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	delivered := 0
	for _, j := range jobs {
		postErr := post(ctx, client, j.url, j.secret, j.id, []byte(j.payload), s.DB.Now())
		var q string
		var args []any
		if postErr == nil {
			delivered++
			q, args = `UPDATE webhook_deliveries SET delivered_at = $1, next_attempt_at = NULL, attempts = attempts + 1, last_error = '' WHERE id = $2`,
				[]any{store.Millis(s.DB.Now()), j.id}
		} else {
			next := sql.NullInt64{Int64: store.Millis(s.DB.Now().Add(backoff(j.attempts))), Valid: j.attempts+1 < MaxAttempts}
			q, args = `UPDATE webhook_deliveries SET next_attempt_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3`,
				[]any{next, postErr.Error(), j.id}
		}
		if _, err := s.DB.Write.ExecContext(ctx, q, args...); err != nil {
			return delivered, fmt.Errorf("record delivery %s: %w", j.id, err)
		}
	}
	return delivered, nil
}

func post(ctx context.Context, client HTTPDoer, url, secret, id string, body []byte, now time.Time) error {
	ts := strconv.FormatInt(now.Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Anchor-Webhook/1")
	req.Header.Set("X-Anchor-Delivery", id)
	req.Header.Set("X-Anchor-Timestamp", ts)
	req.Header.Set("X-Anchor-Signature", Sign(secret, ts, body))
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) //nolint:errcheck
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %d", url, res.StatusCode)
	}
	return nil
}
