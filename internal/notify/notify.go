// Package notify tells people and systems that something needs attention:
// it stores notifications for users (shown in the API and the UI) and
// queues signed webhook deliveries to the URLs an administrator registered.
// A notification and its deliveries are written in the caller's
// transaction, with the change that caused them, so that none is lost or
// sent for a change that was rolled back.
package notify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Notification is one message to one user.
type Notification struct {
	ID          string          `json:"id"`
	UserID      string          `json:"user_id"`
	Kind        string          `json:"kind"`
	CaseID      string          `json:"case_id,omitempty"`
	SubjectType string          `json:"subject_type,omitempty"`
	SubjectID   string          `json:"subject_id,omitempty"`
	Message     string          `json:"message"`
	Data        json.RawMessage `json:"data"`
	CreatedAt   time.Time       `json:"created_at"`
	ReadAt      *time.Time      `json:"read_at,omitempty"`
}

// Event is something to tell: who is to hear of it, and what.
type Event struct {
	Kind        string // e.g. "sla_breached"
	Recipients  []string
	CaseID      string
	SubjectType string // case, handoff, callback
	SubjectID   string
	Message     string
	Data        map[string]any
}

// Service stores notifications and webhooks and delivers webhooks.
type Service struct {
	DB *store.DB
	// Client posts webhooks; nil means a client with a 10 s timeout.
	Client HTTPDoer
}

// Notify stores a notification for each distinct recipient and a delivery
// for each active webhook, in tx.
func (s *Service) Notify(ctx context.Context, tx *sql.Tx, e Event) error {
	now := s.DB.Now()
	data, err := json.Marshal(e.Data)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	seen := map[string]bool{}
	for _, u := range e.Recipients {
		if u == "" || seen[u] {
			continue
		}
		seen[u] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, user_id, kind, case_id, subject_type, subject_id, message, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, store.NewID(now), u, e.Kind, store.NullString(e.CaseID), e.SubjectType, e.SubjectID,
			e.Message, string(data), store.Millis(now)); err != nil {
			return fmt.Errorf("notify %s: %w", u, err)
		}
	}
	payload, err := json.Marshal(map[string]any{"kind": e.Kind, "case_id": e.CaseID, "subject_type": e.SubjectType,
		"subject_id": e.SubjectID, "message": e.Message, "data": e.Data, "at": now.Truncate(time.Millisecond)})
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, kind, payload, attempts, next_attempt_at, created_at)
		SELECT $1 || id, id, $2, $3, 0, $4, $4 FROM webhooks WHERE active`, store.NewID(now)+"-", e.Kind, string(payload), store.Millis(now)); err != nil {
		return fmt.Errorf("queue webhooks: %w", err)
	}
	return nil
}

// List returns a user's notifications, newest first, unread only when
// unread is set.
func (s *Service) List(ctx context.Context, userID string, unread bool, p store.Page) ([]Notification, string, error) {
	limit := p.Size()
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, user_id, kind, COALESCE(case_id, ''), subject_type, subject_id, message, data, created_at, read_at
		FROM notifications WHERE user_id = $1 AND id < $2 AND ($3 = FALSE OR read_at IS NULL) ORDER BY id DESC`+store.Limit(limit+1),
		userID, p.CursorOrMax(), unread)
	if err != nil {
		return nil, "", fmt.Errorf("list notifications: %w", err)
	}
	out, next, err := store.CollectPage(rows, limit, func(r store.Scanner) (Notification, error) {
		var n Notification
		var data string
		var at int64
		var read sql.NullInt64
		err := r.Scan(&n.ID, &n.UserID, &n.Kind, &n.CaseID, &n.SubjectType, &n.SubjectID, &n.Message, &data, &at, &read)
		n.Data, n.CreatedAt, n.ReadAt = json.RawMessage(data), store.Time(at), store.NullTime(read)
		return n, err
	}, func(n Notification) string { return n.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list notifications: %w", err)
	}
	return out, next, nil
}

// MarkRead marks a user's notification read.
func (s *Service) MarkRead(ctx context.Context, userID, id string) error {
	res, err := s.DB.Write.ExecContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3`,
		store.Millis(s.DB.Now()), id, userID)
	if err != nil {
		return fmt.Errorf("mark notification read: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return anchor.NotFound("notification", id)
	}
	return nil
}

// Webhook is a URL that receives every event, signed with its secret.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

// NewWebhook registers a URL. Secret is generated when empty and returned
// once.
type NewWebhook struct {
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"`
}

// CreatedWebhook carries the secret, shown once.
type CreatedWebhook struct {
	Webhook
	Secret string `json:"secret"`
}

// CreateWebhook registers a webhook.
func (s *Service) CreateWebhook(ctx context.Context, n NewWebhook) (CreatedWebhook, error) {
	u, err := url.Parse(n.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return CreatedWebhook{}, anchor.Invalid("url", "must be an http or https URL")
	}
	if n.Secret == "" {
		b := make([]byte, 32)
		rand.Read(b) //nolint:errcheck
		n.Secret = hex.EncodeToString(b)
	} else if len(n.Secret) < 16 {
		return CreatedWebhook{}, anchor.Invalid("secret", "must be at least 16 characters")
	}
	now := s.DB.Now()
	w := CreatedWebhook{Webhook{ID: store.NewID(now), URL: n.URL, Active: true, CreatedAt: now.Truncate(time.Millisecond)}, n.Secret}
	if _, err := s.DB.Write.ExecContext(ctx, `INSERT INTO webhooks (id, url, secret, active, created_at) VALUES ($1, $2, $3, TRUE, $4)`,
		w.ID, w.URL, w.Secret, store.Millis(now)); err != nil {
		return CreatedWebhook{}, fmt.Errorf("create webhook: %w", err)
	}
	return w, nil
}

// Webhooks lists the registered webhooks (without secrets).
func (s *Service) Webhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, url, active, created_at FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	out, _, err := store.CollectPage(rows, 1<<30, func(r store.Scanner) (Webhook, error) {
		var w Webhook
		var at int64
		err := r.Scan(&w.ID, &w.URL, &w.Active, &at)
		w.CreatedAt = store.Time(at)
		return w, err
	}, func(w Webhook) string { return w.ID })
	return out, err
}

// DeleteWebhook stops deliveries to a webhook (kept for its history).
func (s *Service) DeleteWebhook(ctx context.Context, id string) error {
	res, err := s.DB.Write.ExecContext(ctx, `UPDATE webhooks SET active = FALSE WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return anchor.NotFound("webhook", id)
	}
	return nil
}

// Sign returns the X-Anchor-Signature header value for body: "sha256="
// and the hex HMAC-SHA256 of "timestamp.body" with the webhook's secret.
// Covering the timestamp lets a receiver refuse replays.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature made by Sign, in constant time.
func Verify(secret, timestamp string, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(strings.TrimSpace(signature)))
}
