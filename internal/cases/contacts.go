package cases

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Contact is one interaction with the customer about a case: a call, an
// email, a chat, a visit. Contacts are what first-contact resolution is
// measured from.
type Contact struct {
	ID        string     `json:"id"`
	CaseID    string     `json:"case_id"`
	Channel   string     `json:"channel"`
	Direction string     `json:"direction"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	AgentID   string     `json:"agent_id,omitempty"`
	Note      string     `json:"note,omitempty"`
}

// NewContact is what logging a contact takes. StartedAt defaults to now and
// AgentID to the actor.
type NewContact struct {
	Channel   string     `json:"channel"`
	Direction string     `json:"direction"`
	StartedAt *time.Time `json:"started_at,omitempty"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	AgentID   string     `json:"agent_id,omitempty"`
	Note      string     `json:"note,omitempty"`
}

func (n *NewContact) validate(prefix string) error {
	if !slices.Contains(Channels, n.Channel) {
		return anchor.Invalid(prefix+"channel", "must be one of %s", strings.Join(Channels, ", "))
	}
	if n.Direction != "inbound" && n.Direction != "outbound" {
		return anchor.Invalid(prefix+"direction", "must be inbound or outbound")
	}
	if n.StartedAt != nil && n.EndedAt != nil && n.EndedAt.Before(*n.StartedAt) {
		return anchor.Invalid(prefix+"ended_at", "is before started_at")
	}
	return nil
}

// LogContact records a contact with the customer on a case.
func (s *Service) LogContact(ctx context.Context, actor anchor.Actor, caseID string, n NewContact) (Contact, error) {
	if err := n.validate(""); err != nil {
		return Contact{}, err
	}
	now := s.DB.Now()
	var out Contact
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.lockActive(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if out, err = logContact(ctx, tx, actor, caseID, n, now); err != nil {
			return err
		}
		if n.Direction == "inbound" {
			if err := s.customerAnswered(ctx, tx, c, actor.UserID, now); err != nil {
				return err
			}
		}
		return s.refreshSLA(ctx, tx, caseID, now, false)
	})
	return out, err
}

func logContact(ctx context.Context, tx *sql.Tx, actor anchor.Actor, caseID string, n NewContact, now time.Time) (Contact, error) {
	c, ev, err := buildContact(ctx, tx, actor, caseID, n, now)
	if err != nil {
		return Contact{}, err
	}
	if err := storeContact(ctx, tx, c, now); err != nil {
		return Contact{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET contact_count = contact_count + 1 WHERE id = $1`, caseID); err != nil {
		return Contact{}, fmt.Errorf("count contact: %w", err)
	}
	if c.isResponse() {
		if err := markResponded(ctx, tx, caseID, c.StartedAt); err != nil {
			return Contact{}, err
		}
	}
	return c, appendEvent(ctx, tx, caseID, ev.typ, ev.actorID, ev.at, ev.data)
}

// isResponse reports whether the contact answers the customer: an outbound
// contact, or any contact on a channel where an agent speaks with them.
func (c Contact) isResponse() bool {
	return c.Direction == "outbound" || slices.Contains(synchronous, c.Channel)
}

// buildContact checks a new contact and makes its row and event, without
// writing anything.
func buildContact(ctx context.Context, tx *sql.Tx, actor anchor.Actor, caseID string, n NewContact, now time.Time) (Contact, newEvent, error) {
	start := now
	if n.StartedAt != nil {
		start = n.StartedAt.UTC()
	}
	if start.After(now.Add(time.Minute)) {
		return Contact{}, newEvent{}, anchor.Invalid("started_at", "is in the future")
	}
	agent := n.AgentID
	if agent == "" && actor.Role != "department" {
		agent = actor.UserID
	}
	if n.AgentID != "" {
		if err := checkOwner(ctx, tx, n.AgentID); err != nil {
			return Contact{}, newEvent{}, anchor.Invalid("agent_id", "no such agent: %q", n.AgentID)
		}
	}
	c := Contact{ID: store.NewID(now), CaseID: caseID, Channel: n.Channel, Direction: n.Direction,
		StartedAt: start.Truncate(time.Millisecond), AgentID: agent, Note: n.Note}
	if n.EndedAt != nil {
		e := n.EndedAt.UTC().Truncate(time.Millisecond)
		c.EndedAt = &e
	}
	return c, newEvent{EventContactLogged, actor.UserID, now, map[string]any{
		"contact_id": c.ID, "channel": c.Channel, "direction": c.Direction, "agent_id": agent, "started_at": c.StartedAt,
	}}, nil
}

func storeContact(ctx context.Context, tx *sql.Tx, c Contact, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_contacts (id, case_id, channel, direction, started_at, ended_at, agent_id, note, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, c.ID, c.CaseID, c.Channel, c.Direction, store.Millis(c.StartedAt),
		store.NullMillis(c.EndedAt), store.NullString(c.AgentID), c.Note, store.Millis(now)); err != nil {
		return fmt.Errorf("insert contact: %w", err)
	}
	return nil
}

// Contacts returns a case's contacts in the order they happened.
func (s *Service) Contacts(ctx context.Context, caseID string) ([]Contact, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, case_id, channel, direction, started_at, ended_at, COALESCE(agent_id, ''), note
		FROM case_contacts WHERE case_id = $1 ORDER BY started_at, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("case %s contacts: %w", caseID, err)
	}
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		var c Contact
		var start int64
		var end sql.NullInt64
		if err := rows.Scan(&c.ID, &c.CaseID, &c.Channel, &c.Direction, &start, &end, &c.AgentID, &c.Note); err != nil {
			return nil, fmt.Errorf("case %s contacts: %w", caseID, err)
		}
		c.StartedAt, c.EndedAt = store.Time(start), store.NullTime(end)
		out = append(out, c)
	}
	return out, rows.Err()
}
