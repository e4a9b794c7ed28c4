package servicelevel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// RelationshipContact is a proactive contact the account owner made with a
// customer, with the information the segment's policy requires.
type RelationshipContact struct {
	ID          string            `json:"id"`
	CustomerID  string            `json:"customer_id"`
	OwnerID     string            `json:"owner_id,omitempty"`
	LoggedBy    string            `json:"logged_by,omitempty"`
	Channel     string            `json:"channel"`
	Summary     string            `json:"summary,omitempty"`
	Fields      map[string]string `json:"fields"`
	ContactedAt time.Time         `json:"contacted_at"`
}

// NewRelationshipContact is what logging one takes. ContactedAt defaults
// to now.
type NewRelationshipContact struct {
	Channel     string            `json:"channel"`
	Summary     string            `json:"summary,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
	ContactedAt *time.Time        `json:"contacted_at,omitempty"`
}

var relationshipChannels = []string{"phone", "email", "visit", "video", "chat", "social"}

// LogRelationshipContact records a proactive contact, refusing it when a
// field the segment requires is missing or empty. It resets the customer's
// clock: the next contact is due every_days after this one.
func (s *Service) LogRelationshipContact(ctx context.Context, actor anchor.Actor, customerID string, n NewRelationshipContact) (RelationshipContact, error) {
	if !slices.Contains(relationshipChannels, n.Channel) {
		return RelationshipContact{}, anchor.Invalid("channel", "must be one of %s", strings.Join(relationshipChannels, ", "))
	}
	now := s.DB.Now()
	at := now
	if n.ContactedAt != nil {
		if at = n.ContactedAt.UTC(); at.After(now.Add(time.Minute)) {
			return RelationshipContact{}, anchor.Invalid("contacted_at", "is in the future")
		}
	}
	var out RelationshipContact
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var owner sql.NullString
		var required sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT cu.owner_id, p.required_fields FROM customers cu LEFT JOIN relationship_policies p ON p.segment_id = cu.segment_id
			WHERE cu.id = $1`, customerID).Scan(&owner, &required)
		if errors.Is(err, sql.ErrNoRows) {
			return anchor.NotFound("customer", customerID)
		}
		if err != nil {
			return fmt.Errorf("log relationship contact: %w", err)
		}
		var fields []string
		if required.Valid {
			json.Unmarshal([]byte(required.String), &fields) //nolint:errcheck // written by Import
		}
		for _, f := range fields {
			if strings.TrimSpace(n.Fields[f]) == "" {
				return anchor.Invalid("fields."+f, "is required by the segment's relationship contact policy (required: %s)", strings.Join(fields, ", "))
			}
		}
		if n.Fields == nil {
			n.Fields = map[string]string{}
		}
		doc, _ := json.Marshal(n.Fields)
		out = RelationshipContact{ID: store.NewID(now), CustomerID: customerID, OwnerID: owner.String, LoggedBy: actor.UserID, Channel: n.Channel,
			Summary: n.Summary, Fields: n.Fields, ContactedAt: at.Truncate(time.Millisecond)}
		if _, err := tx.ExecContext(ctx, `INSERT INTO relationship_contacts (id, customer_id, owner_id, logged_by, channel, summary, fields, contacted_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, out.ID, customerID, owner, store.NullString(actor.UserID), n.Channel, n.Summary,
			string(doc), store.Millis(at), store.Millis(now)); err != nil {
			return fmt.Errorf("log relationship contact: %w", err)
		}
		return nil
	})
	return out, err
}

// DueContact is an account whose proactive contact is due or overdue.
type DueContact struct {
	CustomerID    string     `json:"customer_id"`
	CustomerName  string     `json:"customer_name"`
	OwnerID       string     `json:"owner_id,omitempty"`
	Segment       string     `json:"segment"`
	EveryDays     int        `json:"every_days"`
	LastContactAt *time.Time `json:"last_contact_at,omitempty"`
	DueAt         time.Time  `json:"due_at"`
	Overdue       bool       `json:"overdue"`
}

// DueRelationshipContacts lists, most overdue first, the accounts of owner
// ("" for all) whose proactive contact is due within withinDays or already
// overdue. An account never contacted counts from when it was created.
func (s *Service) DueRelationshipContacts(ctx context.Context, owner string, withinDays int) ([]DueContact, error) {
	now := s.DB.Now()
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT cu.id, cu.name, COALESCE(cu.owner_id, ''), sg.name, p.every_days, cu.created_at,
		(SELECT MAX(r.contacted_at) FROM relationship_contacts r WHERE r.customer_id = cu.id)
		FROM customers cu JOIN relationship_policies p ON p.segment_id = cu.segment_id JOIN segments sg ON sg.id = cu.segment_id
		WHERE ($1 = '' OR cu.owner_id = $1)`, owner)
	if err != nil {
		return nil, fmt.Errorf("due relationship contacts: %w", err)
	}
	defer rows.Close()
	horizon := now.Add(time.Duration(withinDays) * 24 * time.Hour)
	out := []DueContact{}
	for rows.Next() {
		var d DueContact
		var created int64
		var last sql.NullInt64
		if err := rows.Scan(&d.CustomerID, &d.CustomerName, &d.OwnerID, &d.Segment, &d.EveryDays, &created, &last); err != nil {
			return nil, fmt.Errorf("due relationship contacts: %w", err)
		}
		from := store.Time(created)
		if last.Valid {
			d.LastContactAt = store.NullTime(last)
			from = *d.LastContactAt
		}
		d.DueAt = from.AddDate(0, 0, d.EveryDays)
		d.Overdue = now.After(d.DueAt)
		if !d.DueAt.After(horizon) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DueAt.Before(out[j].DueAt) })
	return out, rows.Err()
}
