package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"anchor"
	"anchor/internal/eventlog"
	"anchor/internal/metrics"
	"anchor/internal/store"
)

// Event types of a case's history.
const (
	EventCreated         = "case_created"
	EventStatusChanged   = "status_changed"
	EventReopened        = "case_reopened"
	EventOwnerChanged    = "owner_changed"
	EventPriorityChanged = "priority_changed"
	EventDetailsChanged  = "details_changed"
	EventContactLogged   = "contact_logged"
	EventMessageAdded    = "message_added"
	EventHandoffSent     = "handoff_sent"
	EventHandoffAccepted = "handoff_accepted"
	EventHandoffAnswered = "handoff_answered"
	EventHandoffDone     = "handoff_completed"
	EventHandoffReturned = "handoff_returned"
	EventHandoffCanceled = "handoff_cancelled"
	EventCallbackPromise = "callback_promised"
	EventCallbackMade    = "callback_made"
	EventCallbackCancel  = "callback_cancelled"
)

// Event is one entry of a case's history: what happened, who did it, when,
// and the details (the old and new values, the id of what was added).
type Event struct {
	ID      string          `json:"id"`
	CaseID  string          `json:"case_id"`
	Seq     int             `json:"seq"`
	Type    string          `json:"type"`
	ActorID string          `json:"actor_id,omitempty"`
	At      time.Time       `json:"at"`
	Data    json.RawMessage `json:"data"`
}

// caseLog is where a case's history is kept.
var caseLog = eventlog.Log{Table: "case_events", Subject: "case_id"}

// appendEvent numbers and stores an event. Bumping cases.last_seq takes the
// case row's write lock first, so concurrent writers to one case on
// PostgreSQL are serialised and never reuse a number.
func appendEvent(ctx context.Context, tx *sql.Tx, caseID, typ, actorID string, at time.Time, data map[string]any) error {
	var seq int
	if err := tx.QueryRowContext(ctx, `UPDATE cases SET last_seq = last_seq + 1, updated_at = $2 WHERE id = $1 RETURNING last_seq`,
		caseID, store.Millis(at)).Scan(&seq); err != nil {
		return fmt.Errorf("append %s event to case %s: %w", typ, caseID, err)
	}
	return insertEvents(ctx, tx, caseID, seq, newEvent{typ, actorID, at, data})
}

// newEvent is an event not yet stored.
type newEvent struct {
	typ     string
	actorID string
	at      time.Time
	data    map[string]any
}

// insertEvents stores events numbered from firstSeq in one statement. The
// caller owns the numbering: appendEvent for an existing case, Create for a
// case no other transaction can see yet.
func insertEvents(ctx context.Context, tx *sql.Tx, caseID string, firstSeq int, events ...newEvent) error {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO case_events (id, case_id, seq, type, actor_id, at, data) VALUES `)
	args := make([]any, 0, 7*len(events))
	for i, e := range events {
		body, err := json.Marshal(e.data)
		if err != nil {
			return fmt.Errorf("append %s event: %w", e.typ, err)
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		k := len(args)
		fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+7)
		args = append(args, store.NewID(e.at), caseID, firstSeq+i, e.typ, store.NullString(e.actorID), store.Millis(e.at), string(body))
	}
	if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
		return fmt.Errorf("append events to case %s: %w", caseID, err)
	}
	return nil
}

// Events returns a case's whole history in order.
func (s *Service) Events(ctx context.Context, caseID string) ([]Event, error) {
	if _, err := s.Get(ctx, caseID); err != nil {
		return nil, err
	}
	stored, err := caseLog.Read(ctx, s.DB.Read, caseID)
	if err != nil {
		return nil, fmt.Errorf("case %s events: %w", caseID, err)
	}
	out := make([]Event, len(stored))
	for i, e := range stored {
		out[i] = Event{ID: e.ID, CaseID: e.SubjectID, Seq: e.Seq, Type: e.Type, ActorID: e.ActorID, At: e.At, Data: e.Data}
	}
	return out, nil
}

// markCase tells the metric rollups that a case's days may have moved.
func markCase(ctx context.Context, tx *sql.Tx, caseID string, now time.Time) error {
	var created int64
	if err := tx.QueryRowContext(ctx, `SELECT created_at FROM cases WHERE id = $1`, caseID).Scan(&created); err != nil {
		return fmt.Errorf("case %s: %w", caseID, err)
	}
	return metrics.MarkChanged(ctx, tx, store.Time(created), now)
}

// markResponded records a response to the customer: the first one once,
// and the latest, which the next-update clock runs from.
func markResponded(ctx context.Context, tx *sql.Tx, caseID string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET first_response_at = COALESCE(first_response_at, $2),
		last_response_at = CASE WHEN last_response_at IS NULL OR last_response_at < $2 THEN $2 ELSE last_response_at END WHERE id = $1`,
		caseID, store.Millis(at)); err != nil {
		return fmt.Errorf("mark response on case %s: %w", caseID, err)
	}
	return nil
}

// customerAnswered moves a case waiting on the customer back to open when
// the customer answers, which restarts its resolution clock.
func (s *Service) customerAnswered(ctx context.Context, tx *sql.Tx, c Case, actorID string, now time.Time) error {
	if c.Status != StatusPendingCustomer {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET status = $2, version = version + 1 WHERE id = $1`, c.ID, StatusOpen); err != nil {
		return fmt.Errorf("resume case %s: %w", c.ID, err)
	}
	if err := s.pause(ctx, tx, c.ID, StatusPendingCustomer, StatusOpen, now); err != nil {
		return fmt.Errorf("resume case %s: %w", c.ID, err)
	}
	return appendEvent(ctx, tx, c.ID, EventStatusChanged, actorID, now, map[string]any{
		"from": StatusPendingCustomer, "to": StatusOpen, "reason": "the customer answered",
	})
}

// lockActive returns the case for a change that needs it to be still
// worked; a closed case takes nothing more.
func (s *Service) lockActive(ctx context.Context, tx *sql.Tx, caseID string) (Case, error) {
	c, err := s.get(ctx, tx, caseID)
	if err != nil {
		return Case{}, err
	}
	if c.Status == StatusClosed {
		return Case{}, anchor.Conflict("case %s is closed: reopen is not possible, open a new case", caseID)
	}
	return c, nil
}
