package cases

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Message is a reply to the customer (public) or a note for colleagues
// (internal), or a message the customer wrote (FromCustomer).
type Message struct {
	ID           string    `json:"id"`
	CaseID       string    `json:"case_id"`
	AuthorID     string    `json:"author_id,omitempty"`
	FromCustomer bool      `json:"from_customer"`
	Visibility   string    `json:"visibility"`
	Body         string    `json:"body"`
	CreatedAt    time.Time `json:"created_at"`
}

// NewMessage is what adding a message takes. Visibility defaults to
// internal: a note never reaches a customer by accident.
type NewMessage struct {
	Body         string `json:"body"`
	Visibility   string `json:"visibility,omitempty"`
	FromCustomer bool   `json:"from_customer,omitempty"`
}

// MaxMessageBytes bounds a message body.
const MaxMessageBytes = 256 << 10

// AddMessage adds a message or note to a case. A public message from staff
// is a response to the customer and starts nothing else.
func (s *Service) AddMessage(ctx context.Context, actor anchor.Actor, caseID string, n NewMessage) (Message, error) {
	if strings.TrimSpace(n.Body) == "" {
		return Message{}, anchor.Invalid("body", "is required")
	}
	if len(n.Body) > MaxMessageBytes {
		return Message{}, anchor.Invalid("body", "is longer than %d bytes", MaxMessageBytes)
	}
	if n.Visibility == "" {
		n.Visibility = "internal"
		if n.FromCustomer {
			n.Visibility = "public"
		}
	}
	if n.Visibility != "public" && n.Visibility != "internal" {
		return Message{}, anchor.Invalid("visibility", "must be public or internal")
	}
	if n.FromCustomer && n.Visibility != "public" {
		return Message{}, anchor.Invalid("visibility", "a customer's message is public")
	}
	now := s.DB.Now()
	m := Message{ID: store.NewID(now), CaseID: caseID, AuthorID: actor.UserID, FromCustomer: n.FromCustomer,
		Visibility: n.Visibility, Body: n.Body, CreatedAt: now.Truncate(time.Millisecond)}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.lockActive(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_messages (id, case_id, author_id, from_customer, visibility, body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.ID, caseID, store.NullString(m.AuthorID), m.FromCustomer, m.Visibility, m.Body, store.Millis(now)); err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		if m.Visibility == "public" && !m.FromCustomer {
			if err := markResponded(ctx, tx, caseID, now); err != nil {
				return err
			}
		}
		if err := appendEvent(ctx, tx, caseID, EventMessageAdded, actor.UserID, now, map[string]any{
			"message_id": m.ID, "visibility": m.Visibility, "from_customer": m.FromCustomer,
		}); err != nil {
			return err
		}
		if m.FromCustomer {
			if err := s.customerAnswered(ctx, tx, c, actor.UserID, now); err != nil {
				return err
			}
		}
		return s.refreshSLA(ctx, tx, caseID, now, false)
	})
	return m, err
}

// Messages returns a case's messages, oldest first.
func (s *Service) Messages(ctx context.Context, caseID string) ([]Message, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, case_id, COALESCE(author_id, ''), from_customer, visibility, body, created_at
		FROM case_messages WHERE case_id = $1 ORDER BY created_at, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("case %s messages: %w", caseID, err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var at int64
		if err := rows.Scan(&m.ID, &m.CaseID, &m.AuthorID, &m.FromCustomer, &m.Visibility, &m.Body, &at); err != nil {
			return nil, fmt.Errorf("case %s messages: %w", caseID, err)
		}
		m.CreatedAt = store.Time(at)
		out = append(out, m)
	}
	return out, rows.Err()
}
