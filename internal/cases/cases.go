// Package cases holds a customer's requirements and everything done about
// them: the case itself with its status lifecycle, the contacts with the
// customer, messages and notes, handoffs to departments, promised callbacks,
// and the append-only history of events that current state is derived from.
//
// Every change writes its event and the state it changes in one
// transaction.
package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"anchor"
	"anchor/internal/metrics"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
)

// Statuses of a case.
const (
	StatusNew             = "new"
	StatusOpen            = "open"
	StatusPendingCustomer = "pending_customer"
	StatusPendingInternal = "pending_internal"
	StatusResolved        = "resolved"
	StatusClosed          = "closed"
)

// Statuses lists every status in lifecycle order.
var Statuses = []string{StatusNew, StatusOpen, StatusPendingCustomer, StatusPendingInternal, StatusResolved, StatusClosed}

// ActiveStatuses are the statuses of a case still being worked.
var ActiveStatuses = []string{StatusNew, StatusOpen, StatusPendingCustomer, StatusPendingInternal}

// transitions is the lifecycle: new → open → pending_customer |
// pending_internal → resolved → closed, and reopen from resolved. A case may
// be resolved at once (first-contact resolution) and the two pending states
// may follow each other.
var transitions = map[string][]string{
	StatusNew:             {StatusOpen, StatusPendingCustomer, StatusPendingInternal, StatusResolved},
	StatusOpen:            {StatusPendingCustomer, StatusPendingInternal, StatusResolved},
	StatusPendingCustomer: {StatusOpen, StatusPendingInternal, StatusResolved},
	StatusPendingInternal: {StatusOpen, StatusPendingCustomer, StatusResolved},
	StatusResolved:        {StatusOpen, StatusClosed},
	StatusClosed:          {},
}

// AllowedTransitions returns the statuses a case in status from may move to.
func AllowedTransitions(from string) []string { return slices.Clone(transitions[from]) }

// CheckTransition returns nil if from → to is allowed, and otherwise a
// conflict whose message names the allowed statuses.
func CheckTransition(from, to string) error {
	if !slices.Contains(Statuses, to) {
		return anchor.Invalid("status", "must be one of %s", strings.Join(Statuses, ", "))
	}
	allowed := transitions[from]
	if slices.Contains(allowed, to) {
		return nil
	}
	if len(allowed) == 0 {
		return &anchor.Error{Code: anchor.EConflict, Field: "status", Message: fmt.Sprintf("a %s case cannot change status", from)}
	}
	return &anchor.Error{Code: anchor.EConflict, Field: "status",
		Message: fmt.Sprintf("cannot go from %s to %s; allowed: %s", from, to, strings.Join(allowed, ", "))}
}

// Channels a customer reaches us by.
var Channels = []string{"phone", "email", "web", "chat", "visit", "social"}

// Priorities, lowest first.
var Priorities = []string{"low", "normal", "high", "urgent"}

// synchronous channels are those where logging a contact means an agent
// spoke with the customer: that contact is itself a response.
var synchronous = []string{"phone", "chat", "visit"}

// Case is a customer's requirement, owned end to end by its owner.
type Case struct {
	ID              string     `json:"id"`
	CustomerID      string     `json:"customer_id"`
	Subject         string     `json:"subject"`
	Description     string     `json:"description"`
	Channel         string     `json:"channel"`
	Category        string     `json:"category"`
	Priority        string     `json:"priority"`
	OwnerID         string     `json:"owner_id,omitempty"`
	Status          string     `json:"status"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	FirstResponseAt *time.Time `json:"first_response_at,omitempty"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
	ReopenCount     int        `json:"reopen_count"`
	ContactCount    int        `json:"contact_count"`
	Version         int        `json:"version"`
	// AllowedTransitions lists the statuses the case may move to now.
	AllowedTransitions []string `json:"allowed_transitions"`
	// SLA holds the case's service-level clocks (absent when the service
	// matrix owes it nothing), and SLAState the most urgent of their states.
	SLA      *servicelevel.CaseClocks `json:"sla,omitempty"`
	SLAState string                   `json:"sla_state,omitempty"`
}

// NewCase is what opening a case takes. Owner defaults to the account owner,
// and to the creator when the account has none. FirstContact, when given,
// is logged with the case in the same transaction (the call or email that
// brought the case in).
type NewCase struct {
	CustomerID   string      `json:"customer_id"`
	Subject      string      `json:"subject"`
	Description  string      `json:"description,omitempty"`
	Channel      string      `json:"channel"`
	Category     string      `json:"category,omitempty"`
	Priority     string      `json:"priority,omitempty"`
	OwnerID      string      `json:"owner_id,omitempty"`
	FirstContact *NewContact `json:"first_contact,omitempty"`
}

// Validate checks the fields that need no database and fills defaults.
func (n *NewCase) Validate() error {
	n.Subject, n.Category = strings.TrimSpace(n.Subject), strings.TrimSpace(n.Category)
	if n.CustomerID == "" {
		return anchor.Invalid("customer_id", "is required")
	}
	if n.Subject == "" {
		return anchor.Invalid("subject", "is required")
	}
	if len(n.Subject) > 500 {
		return anchor.Invalid("subject", "is longer than 500 characters")
	}
	if !slices.Contains(Channels, n.Channel) {
		return anchor.Invalid("channel", "must be one of %s", strings.Join(Channels, ", "))
	}
	if n.Priority == "" {
		n.Priority = "normal"
	}
	if !slices.Contains(Priorities, n.Priority) {
		return anchor.Invalid("priority", "must be one of %s", strings.Join(Priorities, ", "))
	}
	if n.FirstContact != nil {
		if n.FirstContact.Channel == "" {
			n.FirstContact.Channel = n.Channel
		}
		if n.FirstContact.Direction == "" {
			n.FirstContact.Direction = "inbound"
		}
		if err := n.FirstContact.validate("first_contact."); err != nil {
			return err
		}
	}
	return nil
}

// Update changes a case. Nil fields are left as they are; Version is the
// version the change is based on.
type Update struct {
	Subject     *string `json:"subject,omitempty"`
	Description *string `json:"description,omitempty"`
	Category    *string `json:"category,omitempty"`
	Priority    *string `json:"priority,omitempty"`
	OwnerID     *string `json:"owner_id,omitempty"`
	Status      *string `json:"status,omitempty"`
	Version     int     `json:"version"`
}

// Service stores cases and what belongs to them.
type Service struct {
	DB *store.DB
	// Levels says which service level a case, handoff or callback is owed
	// (nil: a fresh lookup each time, for tests that need no cache).
	Levels *servicelevel.Service
	// Notifier is told when a clock becomes at risk or breached (nil: the
	// event on the case is all that records it).
	Notifier Notifier
}

const columns = `c.id, c.customer_id, c.subject, c.description, c.channel, c.category, c.priority, COALESCE(c.owner_id, ''), c.status,
	c.created_at, c.updated_at, c.first_response_at, c.resolved_at, c.closed_at, c.reopen_count, c.contact_count, c.version, c.sla_clocks`

// scanner returns a row scanner that settles the clocks' states at now.
func scanner(now time.Time) func(row store.Scanner) (Case, error) {
	return func(row store.Scanner) (Case, error) {
		var c Case
		var created, updated int64
		var first, resolved, closed sql.NullInt64
		var clocks string
		err := row.Scan(&c.ID, &c.CustomerID, &c.Subject, &c.Description, &c.Channel, &c.Category, &c.Priority, &c.OwnerID, &c.Status,
			&created, &updated, &first, &resolved, &closed, &c.ReopenCount, &c.ContactCount, &c.Version, &clocks)
		c.CreatedAt, c.UpdatedAt = store.Time(created), store.Time(updated)
		c.FirstResponseAt, c.ResolvedAt, c.ClosedAt = store.NullTime(first), store.NullTime(resolved), store.NullTime(closed)
		c.AllowedTransitions = AllowedTransitions(c.Status)
		c.setSLA(clocksOf(clocks, now))
		return c, err
	}
}

func (c *Case) setSLA(clocks *servicelevel.CaseClocks) {
	c.SLA = clocks
	if clocks != nil {
		c.SLAState = worst(clocks.FirstResponse.State, clocks.NextUpdate.State, clocks.Resolution.State)
	}
}

// Create opens a case, with its first contact when given.
func (s *Service) Create(ctx context.Context, actor anchor.Actor, n NewCase) (Case, error) {
	if err := n.Validate(); err != nil {
		return Case{}, err
	}
	now := s.DB.Now()
	var out Case
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var accountOwner sql.NullString
		var segment string
		err := tx.QueryRowContext(ctx, `SELECT owner_id, segment_id FROM customers WHERE id = $1`, n.CustomerID).Scan(&accountOwner, &segment)
		if errors.Is(err, sql.ErrNoRows) {
			return anchor.Invalid("customer_id", "no such customer: %q", n.CustomerID)
		}
		if err != nil {
			return fmt.Errorf("create case: customer: %w", err)
		}
		owner := n.OwnerID
		if owner == "" {
			owner = accountOwner.String
		}
		if owner == "" && actor.Role != "department" {
			owner = actor.UserID
		}
		if n.OwnerID != "" {
			if err := checkOwner(ctx, tx, n.OwnerID); err != nil {
				return err
			}
		}
		// A case nobody else can see yet is written with inserts only: its
		// counters and event numbers are known here, so creating a case with
		// its first contact is four statements, the hottest write of all.
		c := Case{ID: store.NewID(now), CustomerID: n.CustomerID, Subject: n.Subject, Description: n.Description, Channel: n.Channel,
			Category: n.Category, Priority: n.Priority, OwnerID: owner, Status: StatusNew, CreatedAt: now.Truncate(time.Millisecond),
			UpdatedAt: now.Truncate(time.Millisecond), Version: 1, AllowedTransitions: AllowedTransitions(StatusNew)}
		events := []newEvent{{EventCreated, actor.UserID, now, map[string]any{
			"customer_id": n.CustomerID, "subject": n.Subject, "channel": n.Channel, "category": n.Category,
			"priority": n.Priority, "owner_id": owner, "status": StatusNew,
		}}}
		var contact *Contact
		if n.FirstContact != nil {
			ct, ev, err := buildContact(ctx, tx, actor, c.ID, *n.FirstContact, now)
			if err != nil {
				return err
			}
			contact, c.ContactCount = &ct, 1
			if ct.isResponse() {
				c.FirstResponseAt = &ct.StartedAt
			}
			events = append(events, ev)
		}
		t, calID, owed, err := s.levels().CaseTargets(ctx, tx, segment, n.Priority)
		if err != nil {
			return err
		}
		clocks, err := t.Clocks(servicelevel.CaseFacts{CreatedAt: now, FirstResponseAt: c.FirstResponseAt, LastResponseAt: c.FirstResponseAt, Running: true}, now)
		if err != nil {
			return fmt.Errorf("create case: %w", err)
		}
		share := sql.NullFloat64{Float64: t.AtRiskShare, Valid: owed}
		doc, err := json.Marshal(clocks)
		if err != nil {
			return fmt.Errorf("create case: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cases (id, customer_id, subject, description, channel, category, priority, owner_id, status,
			created_at, updated_at, first_response_at, last_response_at, contact_count, last_seq, version,
			sla_segment_id, sla_calendar_id, sla_first_response_ms, sla_next_update_ms, sla_resolution_ms, sla_at_risk_share,
			first_response_due_at, next_update_due_at, resolution_due_at, sla_clocks, sla_check_at, first_response_decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'new', $9, $9, $10, $10, $11, $12, 1, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`,
			c.ID, n.CustomerID, n.Subject, n.Description, n.Channel, n.Category, n.Priority, store.NullString(owner), store.Millis(now),
			store.NullMillis(c.FirstResponseAt), c.ContactCount, len(events),
			segment, store.NullString(calID), nullDur(t.FirstResponse), nullDur(t.NextUpdate), nullDur(t.Resolution), share,
			store.NullMillis(clocks.FirstResponse.DueAt), store.NullMillis(clocks.NextUpdate.DueAt), store.NullMillis(clocks.Resolution.DueAt),
			string(doc), store.NullMillis(clocks.NextChange(now)), store.NullMillis(decidedAt(clocks.FirstResponse))); err != nil {
			return fmt.Errorf("insert case: %w", err)
		}
		if owed {
			c.setSLA(&clocks)
		}
		if contact != nil {
			if err := storeContact(ctx, tx, *contact, now); err != nil {
				return err
			}
		}
		// The customer's recent resolutions in this category stop being
		// first-contact resolutions: their days' rollups must be redone.
		if err := metrics.MarkRepeatOf(ctx, tx, n.CustomerID, n.Category, now); err != nil {
			return err
		}
		out = c
		return insertEvents(ctx, tx, c.ID, 1, events...)
	})
	return out, err
}

func checkOwner(ctx context.Context, q store.Queryer, id string) error {
	var role string
	err := q.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1 AND active`, id).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return anchor.Invalid("owner_id", "no such active user: %q", id)
	}
	if err != nil {
		return fmt.Errorf("check owner: %w", err)
	}
	if role == "department" {
		return anchor.Invalid("owner_id", "a department member cannot own a case: hand work to the department instead")
	}
	return nil
}

// Get returns a case.
func (s *Service) Get(ctx context.Context, id string) (Case, error) { return s.get(ctx, s.DB.Read, id) }

func (s *Service) get(ctx context.Context, q store.Queryer, id string) (Case, error) {
	c, err := scanner(s.DB.Now())(q.QueryRowContext(ctx, `SELECT `+columns+` FROM cases c WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, anchor.NotFound("case", id)
	}
	if err != nil {
		return Case{}, fmt.Errorf("get case %s: %w", id, err)
	}
	return c, nil
}

// Update applies u to a case. Each changed aspect is its own event
// (status_changed, owner_changed, priority_changed, details_changed).
func (s *Service) Update(ctx context.Context, actor anchor.Actor, id string, u Update) (Case, error) {
	if u.Version <= 0 {
		return Case{}, anchor.VersionRequired()
	}
	if u.Priority != nil && !slices.Contains(Priorities, *u.Priority) {
		return Case{}, anchor.Invalid("priority", "must be one of %s", strings.Join(Priorities, ", "))
	}
	if u.Subject != nil {
		if *u.Subject = strings.TrimSpace(*u.Subject); *u.Subject == "" {
			return Case{}, anchor.Invalid("subject", "must not be empty")
		}
	}
	if u.Status != nil && !slices.Contains(Statuses, *u.Status) {
		return Case{}, anchor.Invalid("status", "must be one of %s", strings.Join(Statuses, ", "))
	}
	now := s.DB.Now()
	var out Case
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Version != u.Version {
			return anchor.StaleVersion("case", c.Version)
		}
		from, from0Priority := c.Status, c.Priority
		type change struct {
			typ  string
			data map[string]any
		}
		var changes []change
		details := map[string]any{}
		if u.Subject != nil && *u.Subject != c.Subject {
			details["subject"] = *u.Subject
			c.Subject = *u.Subject
		}
		if u.Description != nil && *u.Description != c.Description {
			details["description"] = *u.Description
			c.Description = *u.Description
		}
		if u.Category != nil && strings.TrimSpace(*u.Category) != c.Category {
			details["category"] = strings.TrimSpace(*u.Category)
			c.Category = strings.TrimSpace(*u.Category)
			if err := metrics.MarkRepeats(ctx, tx, c.CreatedAt, now); err != nil {
				return err
			}
		}
		if len(details) > 0 {
			changes = append(changes, change{EventDetailsChanged, details})
		}
		if u.Priority != nil && *u.Priority != c.Priority {
			changes = append(changes, change{EventPriorityChanged, map[string]any{"from": c.Priority, "to": *u.Priority}})
			c.Priority = *u.Priority
		}
		if u.OwnerID != nil && *u.OwnerID != c.OwnerID {
			if err := checkOwner(ctx, tx, *u.OwnerID); err != nil {
				return err
			}
			changes = append(changes, change{EventOwnerChanged, map[string]any{"from": c.OwnerID, "to": *u.OwnerID}})
			c.OwnerID = *u.OwnerID
		}
		if u.Status != nil && *u.Status != c.Status {
			if err := CheckTransition(c.Status, *u.Status); err != nil {
				return err
			}
			typ := EventStatusChanged
			if c.Status == StatusResolved && *u.Status == StatusOpen {
				typ = EventReopened
				c.ReopenCount++
				c.ResolvedAt = nil
			}
			changes = append(changes, change{typ, map[string]any{"from": c.Status, "to": *u.Status}})
			switch *u.Status {
			case StatusResolved:
				t := now.Truncate(time.Millisecond)
				c.ResolvedAt = &t
			case StatusClosed:
				t := now.Truncate(time.Millisecond)
				c.ClosedAt = &t
			}
			c.Status = *u.Status
		}
		if len(changes) == 0 {
			out = c
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE cases SET subject = $1, description = $2, category = $3, priority = $4, owner_id = $5, status = $6,
			resolved_at = $7, closed_at = $8, reopen_count = $9, updated_at = $10, version = version + 1 WHERE id = $11 AND version = $12`,
			c.Subject, c.Description, c.Category, c.Priority, store.NullString(c.OwnerID), c.Status,
			store.NullMillis(c.ResolvedAt), store.NullMillis(c.ClosedAt), c.ReopenCount, store.Millis(now), id, u.Version)
		if err != nil {
			return fmt.Errorf("update case %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return anchor.StaleVersion("case", c.Version+1)
		}
		for _, ch := range changes {
			if err := appendEvent(ctx, tx, id, ch.typ, actor.UserID, now, ch.data); err != nil {
				return err
			}
		}
		if err := s.pause(ctx, tx, id, from, c.Status, now); err != nil {
			return fmt.Errorf("pause clock of case %s: %w", id, err)
		}
		if err := s.refreshSLA(ctx, tx, id, now, u.Priority != nil && *u.Priority != from0Priority); err != nil {
			return err
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	return out, err
}

// Filter narrows List. Status takes several statuses; Active selects the
// statuses still being worked (new, open, pending_*).
type Filter struct {
	Status     []string
	Active     bool
	OwnerID    string
	CustomerID string
	SegmentID  string
	Category   string
	store.Page
}

// List returns one page of cases, newest first, and the next page's cursor.
func (s *Service) List(ctx context.Context, f Filter) ([]Case, string, error) {
	for _, st := range f.Status {
		if !slices.Contains(Statuses, st) {
			return nil, "", anchor.Invalid("status", "must be one of %s", strings.Join(Statuses, ", "))
		}
	}
	limit := f.Size()
	var where []string
	args := []any{f.CursorOrMax()}
	where = append(where, "c.id < $1")
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Active {
		// Spelled exactly as the partial index's predicate, so both
		// engines use it.
		where = append(where, "c.status IN ('new', 'open', 'pending_customer', 'pending_internal')")
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, st := range f.Status {
			ph[i] = arg(st)
		}
		where = append(where, "c.status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.OwnerID != "" {
		where = append(where, "c.owner_id = "+arg(f.OwnerID))
	}
	if f.CustomerID != "" {
		where = append(where, "c.customer_id = "+arg(f.CustomerID))
	}
	if f.Category != "" {
		where = append(where, "c.category = "+arg(f.Category))
	}
	if f.SegmentID != "" {
		where = append(where, "c.customer_id IN (SELECT id FROM customers WHERE segment_id = "+arg(f.SegmentID)+")")
	}
	q := `SELECT ` + columns + ` FROM cases c WHERE ` + strings.Join(where, " AND ") + ` ORDER BY c.id DESC` + store.Limit(limit+1)
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list cases: %w", err)
	}
	out, next, err := store.CollectPage(rows, limit, scanner(s.DB.Now()), func(c Case) string { return c.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list cases: %w", err)
	}
	return out, next, nil
}
