// Package feedback holds what customers say on every contact that matters
// beyond the case in hand — an issue, an opportunity, a threat, praise, a
// complaint, an idea — and routes it upstream to the function that can act
// on it: a department's inbox, or a product area. The department
// acknowledges, answers and closes each item with what was done; the agent
// who captured it and the account owner see the outcome; an idea put into
// practice carries its date (the ideas_implemented metric); items about an
// outside party (an external department) count against that party.
//
// Each item keeps a snapshot of the cuts the metrics read (segment, account
// owner, case channel and category) as they were at capture, and every
// change is an appended event written with the state it changes.
package feedback

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"anchor"
	"anchor/internal/eventlog"
	"anchor/internal/feedback/analysis"
	"anchor/internal/notify"
	"anchor/internal/store"
)

// Types of feedback item.
const (
	TypeIssue       = "issue"
	TypeOpportunity = "opportunity"
	TypeThreat      = "threat"
	TypePraise      = "praise"
	TypeComplaint   = "complaint"
	TypeIdea        = "idea"
)

// Types lists every item type.
var Types = []string{TypeIssue, TypeOpportunity, TypeThreat, TypePraise, TypeComplaint, TypeIdea}

// Statuses of an item, in the order the owning function moves it.
const (
	StatusNew          = "new"
	StatusAcknowledged = "acknowledged"
	StatusAnswered     = "answered"
	StatusClosed       = "closed"
)

// Statuses lists every status.
var Statuses = []string{StatusNew, StatusAcknowledged, StatusAnswered, StatusClosed}

// transitions: an item may be answered or closed without a separate
// acknowledgement (a quick answer acknowledges it), and closed is final.
var transitions = map[string][]string{
	StatusNew:          {StatusAcknowledged, StatusAnswered, StatusClosed},
	StatusAcknowledged: {StatusAnswered, StatusClosed},
	StatusAnswered:     {StatusClosed},
	StatusClosed:       {},
}

// MaxText bounds an item's text, answer and resolution: a paragraph or a
// pasted e-mail, not a document.
const MaxText = 10000

// Event types of an item's history.
const (
	EventCreated     = "feedback_created"
	EventStatus      = "status_changed"
	EventRouted      = "routed"
	EventEdited      = "text_changed"
	EventImplemented = "idea_implemented"
)

// Item is one thing a customer said, routed to the function it concerns.
type Item struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	CustomerID  string `json:"customer_id"`
	SegmentID   string `json:"segment_id"`
	OwnerID     string `json:"owner_id,omitempty"`
	CaseID      string `json:"case_id,omitempty"`
	Channel     string `json:"channel,omitempty"`
	Category    string `json:"category,omitempty"`
	Text        string `json:"text"`
	Department  string `json:"department_id,omitempty"`
	ProductArea string `json:"product_area,omitempty"`
	// External is set when the department is an outside party: the item
	// counts against that party.
	External      bool       `json:"external"`
	Status        string     `json:"status"`
	Answer        string     `json:"answer,omitempty"`
	Resolution    string     `json:"resolution,omitempty"`
	ImplementedAt *time.Time `json:"implemented_at,omitempty"`
	// Sentiment is the compound VADER score of Text, -1 to +1.
	Sentiment      *float64   `json:"sentiment,omitempty"`
	CapturedBy     string     `json:"captured_by,omitempty"`
	CapturedAt     time.Time  `json:"captured_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	AnsweredAt     *time.Time `json:"answered_at,omitempty"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	UpdatedAt      time.Time  `json:"updated_at"`
	// AgeDays is how long the item has waited: until now while open, until
	// it was closed after.
	AgeDays float64 `json:"age_days"`
	Version int     `json:"version"`
	// AllowedTransitions lists the statuses the item may move to now.
	AllowedTransitions []string `json:"allowed_transitions"`
}

// NewItem is what capturing an item takes. CustomerID may be left out when
// CaseID is given (the case's customer is used). One of DepartmentID and
// ProductArea is required: an item must concern someone.
type NewItem struct {
	Type         string `json:"type"`
	CustomerID   string `json:"customer_id,omitempty"`
	CaseID       string `json:"case_id,omitempty"`
	Text         string `json:"text"`
	DepartmentID string `json:"department_id,omitempty"`
	ProductArea  string `json:"product_area,omitempty"`
}

// Validate checks what needs no database.
func (n *NewItem) Validate() error {
	n.Text, n.ProductArea = strings.TrimSpace(n.Text), strings.TrimSpace(n.ProductArea)
	if !slices.Contains(Types, n.Type) {
		return anchor.Invalid("type", "must be one of %s", strings.Join(Types, ", "))
	}
	if n.CustomerID == "" && n.CaseID == "" {
		return anchor.Invalid("customer_id", "is required (or give case_id)")
	}
	if err := checkText("text", n.Text, true); err != nil {
		return err
	}
	if n.DepartmentID == "" && n.ProductArea == "" {
		return anchor.Invalid("department_id", "name the function the item concerns: department_id or product_area")
	}
	if utf8.RuneCountInString(n.ProductArea) > 100 {
		return anchor.Invalid("product_area", "is longer than 100 characters")
	}
	return nil
}

func checkText(field, s string, required bool) error {
	if required && s == "" {
		return anchor.Invalid(field, "is required")
	}
	if utf8.RuneCountInString(s) > MaxText {
		return anchor.Invalid(field, "is longer than %d characters", MaxText)
	}
	return nil
}

// Update changes an item. Nil fields are left as they are; Version is the
// version the change is based on. Status moves it along its lifecycle:
// answered needs an Answer, closed needs a Resolution (what was done).
// ImplementedAt marks an idea put into practice (not in the future).
type Update struct {
	Status        *string    `json:"status,omitempty"`
	Answer        *string    `json:"answer,omitempty"`
	Resolution    *string    `json:"resolution,omitempty"`
	ImplementedAt *time.Time `json:"implemented_at,omitempty"`
	DepartmentID  *string    `json:"department_id,omitempty"`
	ProductArea   *string    `json:"product_area,omitempty"`
	Text          *string    `json:"text,omitempty"`
	Version       int        `json:"version"`
}

// Event is one entry of an item's history.
type Event struct {
	ID      string          `json:"id"`
	ItemID  string          `json:"item_id"`
	Seq     int             `json:"seq"`
	Type    string          `json:"type"`
	ActorID string          `json:"actor_id,omitempty"`
	At      time.Time       `json:"at"`
	Data    json.RawMessage `json:"data"`
}

// Service stores feedback items.
type Service struct {
	DB       *store.DB
	Analyzer analysis.Analyzer
}

// New returns a Service scoring sentiment with VADER.
func New(db *store.DB) *Service { return &Service{DB: db, Analyzer: analysis.NewVader()} }

const columns = `id, type, customer_id, segment_id, COALESCE(owner_id, ''), COALESCE(case_id, ''), channel, category, text,
	COALESCE(department_id, ''), product_area, external, status, answer, resolution, implemented_at, sentiment,
	COALESCE(captured_by, ''), captured_at, acknowledged_at, answered_at, closed_at, updated_at, version`

func scan(row store.Scanner, now time.Time) (Item, error) {
	var it Item
	var impl, ack, ans, closed sql.NullInt64
	var sent sql.NullFloat64
	var captured, updated int64
	err := row.Scan(&it.ID, &it.Type, &it.CustomerID, &it.SegmentID, &it.OwnerID, &it.CaseID, &it.Channel, &it.Category, &it.Text,
		&it.Department, &it.ProductArea, &it.External, &it.Status, &it.Answer, &it.Resolution, &impl, &sent,
		&it.CapturedBy, &captured, &ack, &ans, &closed, &updated, &it.Version)
	if err != nil {
		return it, err
	}
	it.CapturedAt, it.UpdatedAt = store.Time(captured), store.Time(updated)
	it.ImplementedAt, it.AcknowledgedAt, it.AnsweredAt, it.ClosedAt = store.NullTime(impl), store.NullTime(ack), store.NullTime(ans), store.NullTime(closed)
	if sent.Valid {
		it.Sentiment = &sent.Float64
	}
	end := now
	if it.ClosedAt != nil {
		end = *it.ClosedAt
	}
	it.AgeDays = max(0, end.Sub(it.CapturedAt).Hours()/24)
	it.AllowedTransitions = slices.Clone(transitions[it.Status])
	return it, nil
}

// Create captures an item and routes it. It returns EInvalid naming the
// field for an unknown customer, case or department, and for a case of
// another customer.
func (s *Service) Create(ctx context.Context, actor anchor.Actor, n NewItem) (Item, error) {
	if err := n.Validate(); err != nil {
		return Item{}, err
	}
	now := s.DB.Now()
	var sentiment *float64
	if s.Analyzer != nil {
		c := s.Analyzer.Sentiment(n.Text).Compound
		sentiment = &c
	}
	var out Item
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var channel, category string
		if n.CaseID != "" {
			var caseCustomer string
			err := tx.QueryRowContext(ctx, `SELECT customer_id, channel, category FROM cases WHERE id = $1`, n.CaseID).Scan(&caseCustomer, &channel, &category)
			if errors.Is(err, sql.ErrNoRows) {
				return anchor.Invalid("case_id", "no such case: %q", n.CaseID)
			}
			if err != nil {
				return fmt.Errorf("capture feedback: case: %w", err)
			}
			if n.CustomerID == "" {
				n.CustomerID = caseCustomer
			} else if n.CustomerID != caseCustomer {
				return anchor.Invalid("case_id", "the case belongs to another customer")
			}
		}
		var segment string
		var owner sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT segment_id, owner_id FROM customers WHERE id = $1`, n.CustomerID).Scan(&segment, &owner)
		if errors.Is(err, sql.ErrNoRows) {
			return anchor.Invalid("customer_id", "no such customer: %q", n.CustomerID)
		}
		if err != nil {
			return fmt.Errorf("capture feedback: customer: %w", err)
		}
		external, err := department(ctx, tx, n.DepartmentID)
		if err != nil {
			return err
		}
		id := store.NewID(now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO feedback_items (id, type, customer_id, segment_id, owner_id, case_id, channel, category, text,
			department_id, product_area, external, status, sentiment, captured_by, captured_at, updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'new', $13, $14, $15, $15, 1)`,
			id, n.Type, n.CustomerID, segment, owner, store.NullString(n.CaseID), channel, category, n.Text,
			store.NullString(n.DepartmentID), n.ProductArea, external, nullFloat(sentiment), store.NullString(actor.UserID), store.Millis(now)); err != nil {
			return fmt.Errorf("insert feedback item: %w", err)
		}
		if err := appendEvent(ctx, tx, id, EventCreated, actor.UserID, now, map[string]any{
			"type": n.Type, "customer_id": n.CustomerID, "case_id": n.CaseID, "department_id": n.DepartmentID, "product_area": n.ProductArea,
		}); err != nil {
			return err
		}
		if err := (&notify.Service{DB: s.DB}).Notify(ctx, tx, notify.Event{Kind: "feedback.created", CaseID: n.CaseID, SubjectType: "feedback_item",
			SubjectID: id, Message: fmt.Sprintf("%s captured about customer %s", n.Type, n.CustomerID),
			Data: map[string]any{"type": n.Type, "customer_id": n.CustomerID, "department_id": n.DepartmentID, "product_area": n.ProductArea, "text": n.Text}}); err != nil {
			return err
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	return out, err
}

// department checks a department reference and reports whether it is an
// outside party.
func department(ctx context.Context, q store.Queryer, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	var external bool
	err := q.QueryRowContext(ctx, `SELECT external FROM departments WHERE id = $1`, id).Scan(&external)
	if errors.Is(err, sql.ErrNoRows) {
		return false, anchor.Invalid("department_id", "no such department: %q", id)
	}
	if err != nil {
		return false, fmt.Errorf("check department: %w", err)
	}
	return external, nil
}

func nullFloat(f *float64) sql.NullFloat64 {
	if f == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *f, Valid: true}
}

// itemLog is where an item's history is kept.
var itemLog = eventlog.Log{Table: "feedback_events", Subject: "item_id"}

func appendEvent(ctx context.Context, tx *sql.Tx, itemID, typ, actorID string, at time.Time, data map[string]any) error {
	body, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("feedback event %s: %w", typ, err)
	}
	// The item row is already written in this transaction (and so locked
	// on PostgreSQL), so the next number cannot be taken by another writer.
	if _, err := tx.ExecContext(ctx, `INSERT INTO feedback_events (id, item_id, seq, type, actor_id, at, data)
		VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM feedback_events WHERE item_id = $2), $3, $4, $5, $6)`,
		store.NewID(at), itemID, typ, store.NullString(actorID), store.Millis(at), string(body)); err != nil {
		return fmt.Errorf("append %s event to feedback item %s: %w", typ, itemID, err)
	}
	return nil
}

// Get returns an item. A department member asking for another
// department's item gets ENotFound: it may not know the item exists.
func (s *Service) Get(ctx context.Context, actor anchor.Actor, id string) (Item, error) {
	it, err := s.get(ctx, s.DB.Read, id)
	if err != nil {
		return Item{}, err
	}
	if !visible(actor, it) {
		return Item{}, anchor.NotFound("feedback item", id)
	}
	return it, nil
}

func visible(actor anchor.Actor, it Item) bool {
	return actor.Role != "department" || (actor.DepartmentID != "" && it.Department == actor.DepartmentID)
}

func (s *Service) get(ctx context.Context, q store.Queryer, id string) (Item, error) {
	it, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM feedback_items WHERE id = $1`, id), s.DB.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, anchor.NotFound("feedback item", id)
	}
	if err != nil {
		return Item{}, fmt.Errorf("get feedback item %s: %w", id, err)
	}
	return it, nil
}

// Update applies u. Who may do what: the owning department's members and
// supervisors, directors and admins move the status, answer, close and mark
// ideas implemented; routing is changed by anyone but a department member
// (who would otherwise pass work away unseen); the text is corrected by
// whoever captured it, while nobody has acted on it yet. It returns
// EForbidden, EConflict (stale version, illegal move) or EInvalid.
func (s *Service) Update(ctx context.Context, actor anchor.Actor, id string, u Update) (Item, error) {
	if u.Version <= 0 {
		return Item{}, anchor.VersionRequired()
	}
	if u.Status != nil && !slices.Contains(Statuses, *u.Status) {
		return Item{}, anchor.Invalid("status", "must be one of %s", strings.Join(Statuses, ", "))
	}
	for field, p := range map[string]*string{"answer": u.Answer, "resolution": u.Resolution, "text": u.Text} {
		if p != nil {
			*p = strings.TrimSpace(*p)
			if err := checkText(field, *p, field == "text"); err != nil {
				return Item{}, err
			}
		}
	}
	now := s.DB.Now()
	var out Item
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		it, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if !visible(actor, it) {
			return anchor.NotFound("feedback item", id)
		}
		if it.Version != u.Version {
			return anchor.StaleVersion("feedback item", it.Version)
		}
		manager := actor.Role == "admin" || actor.Role == "director" || actor.Role == "supervisor"
		owningFunction := manager || actor.Role == "department"
		type event struct {
			typ  string
			data map[string]any
		}
		var events []event
		if u.Text != nil && *u.Text != it.Text {
			if !manager && actor.UserID != it.CapturedBy {
				return anchor.Forbidden("only whoever captured the item may correct its text")
			}
			if it.Status != StatusNew {
				return &anchor.Error{Code: anchor.EConflict, Field: "text", Message: "the item has been acted on: its text is what was acted on, and stays"}
			}
			events = append(events, event{EventEdited, map[string]any{"from": it.Text, "to": *u.Text}})
			it.Text = *u.Text
			if s.Analyzer != nil {
				c := s.Analyzer.Sentiment(it.Text).Compound
				it.Sentiment = &c
			}
		}
		if u.DepartmentID != nil || u.ProductArea != nil {
			if actor.Role == "department" {
				return anchor.Forbidden("a department member cannot re-route an item: ask a supervisor")
			}
			dep, area := it.Department, it.ProductArea
			if u.DepartmentID != nil {
				dep = *u.DepartmentID
			}
			if u.ProductArea != nil {
				area = strings.TrimSpace(*u.ProductArea)
			}
			if dep == "" && area == "" {
				return anchor.Invalid("department_id", "name the function the item concerns: department_id or product_area")
			}
			if dep != it.Department || area != it.ProductArea {
				ext, err := department(ctx, tx, dep)
				if err != nil {
					return err
				}
				events = append(events, event{EventRouted, map[string]any{"from_department": it.Department, "to_department": dep,
					"from_product_area": it.ProductArea, "to_product_area": area}})
				it.Department, it.ProductArea, it.External = dep, area, ext
			}
		}
		if u.Answer != nil || u.Resolution != nil || u.Status != nil || u.ImplementedAt != nil {
			if !owningFunction {
				return anchor.Forbidden("only the department the item is routed to (or a supervisor) may act on it")
			}
		}
		if u.Answer != nil && *u.Answer != it.Answer {
			it.Answer = *u.Answer
		}
		if u.Resolution != nil && *u.Resolution != it.Resolution {
			it.Resolution = *u.Resolution
		}
		if u.Status != nil && *u.Status != it.Status {
			if !slices.Contains(transitions[it.Status], *u.Status) {
				allowed := transitions[it.Status]
				if len(allowed) == 0 {
					return &anchor.Error{Code: anchor.EConflict, Field: "status", Message: fmt.Sprintf("a %s item cannot change status", it.Status)}
				}
				return &anchor.Error{Code: anchor.EConflict, Field: "status", Message: fmt.Sprintf("cannot go from %s to %s; allowed: %s", it.Status, *u.Status, strings.Join(allowed, ", "))}
			}
			t := now.Truncate(time.Millisecond)
			switch *u.Status {
			case StatusAcknowledged:
				it.AcknowledgedAt = &t
			case StatusAnswered:
				if it.Answer == "" {
					return anchor.Invalid("answer", "is required to answer an item")
				}
				if it.AcknowledgedAt == nil {
					it.AcknowledgedAt = &t
				}
				it.AnsweredAt = &t
			case StatusClosed:
				if it.Resolution == "" {
					return anchor.Invalid("resolution", "is required to close an item: say what was done")
				}
				if it.AcknowledgedAt == nil {
					it.AcknowledgedAt = &t
				}
				it.ClosedAt = &t
			}
			events = append(events, event{EventStatus, map[string]any{"from": it.Status, "to": *u.Status, "answer": it.Answer, "resolution": it.Resolution}})
			it.Status = *u.Status
		} else if u.Answer != nil || u.Resolution != nil {
			if it.Status == StatusClosed {
				return &anchor.Error{Code: anchor.EConflict, Field: "status", Message: "a closed item cannot change"}
			}
			events = append(events, event{EventEdited, map[string]any{"answer": it.Answer, "resolution": it.Resolution}})
		}
		if u.ImplementedAt != nil {
			if it.Type != TypeIdea {
				return anchor.Invalid("implemented_at", "only an idea is implemented; this item is a %s", it.Type)
			}
			at := u.ImplementedAt.UTC().Truncate(time.Millisecond)
			if at.After(now) {
				return anchor.Invalid("implemented_at", "is in the future")
			}
			if at.Before(it.CapturedAt.Truncate(24 * time.Hour)) {
				return anchor.Invalid("implemented_at", "is before the idea was captured")
			}
			if it.ImplementedAt == nil || !it.ImplementedAt.Equal(at) {
				events = append(events, event{EventImplemented, map[string]any{"implemented_at": at}})
				it.ImplementedAt = &at
			}
		}
		if len(events) == 0 {
			out = it
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE feedback_items SET text = $1, sentiment = $2, department_id = $3, product_area = $4, external = $5,
			status = $6, answer = $7, resolution = $8, implemented_at = $9, acknowledged_at = $10, answered_at = $11, closed_at = $12,
			updated_at = $13, version = version + 1 WHERE id = $14 AND version = $15`,
			it.Text, nullFloat(it.Sentiment), store.NullString(it.Department), it.ProductArea, it.External,
			it.Status, it.Answer, it.Resolution, store.NullMillis(it.ImplementedAt), store.NullMillis(it.AcknowledgedAt),
			store.NullMillis(it.AnsweredAt), store.NullMillis(it.ClosedAt), store.Millis(now), id, u.Version)
		if err != nil {
			return fmt.Errorf("update feedback item %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return anchor.StaleVersion("feedback item", it.Version+1)
		}
		for _, e := range events {
			if err := appendEvent(ctx, tx, id, e.typ, actor.UserID, now, e.data); err != nil {
				return err
			}
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	return out, err
}

// Delete removes an item captured in error, with its history. Only while
// nobody has acted on it: once a department has, the item is evidence.
func (s *Service) Delete(ctx context.Context, actor anchor.Actor, id string) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		it, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if !visible(actor, it) {
			return anchor.NotFound("feedback item", id)
		}
		if actor.Role != "admin" && actor.Role != "director" && actor.UserID != it.CapturedBy {
			return anchor.Forbidden("only whoever captured the item, a director or an admin may delete it")
		}
		if it.Status != StatusNew {
			return &anchor.Error{Code: anchor.EConflict, Field: "status", Message: "the item has been acted on: close it instead of deleting it"}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM feedback_events WHERE item_id = $1`, id); err != nil {
			return fmt.Errorf("delete feedback item %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM feedback_items WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete feedback item %s: %w", id, err)
		}
		return nil
	})
}

// Events returns an item's history in order.
func (s *Service) Events(ctx context.Context, actor anchor.Actor, id string) ([]Event, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	stored, err := itemLog.Read(ctx, s.DB.Read, id)
	if err != nil {
		return nil, fmt.Errorf("feedback item %s events: %w", id, err)
	}
	out := make([]Event, len(stored))
	for i, e := range stored {
		out[i] = Event{ID: e.ID, ItemID: e.SubjectID, Seq: e.Seq, Type: e.Type, ActorID: e.ActorID, At: e.At, Data: e.Data}
	}
	return out, nil
}

// Filter narrows List. Unrouted selects items with no department (a
// product area only), which supervisors route. CapturedBy and OwnerID are
// how an agent and an account owner follow the outcome of what they
// raised. From and To bound the capture time, half-open.
type Filter struct {
	DepartmentID string
	Unrouted     bool
	Type         string
	Status       string
	Open         bool
	CustomerID   string
	CaseID       string
	SegmentID    string
	CapturedBy   string
	OwnerID      string
	External     *bool
	From, To     *time.Time
	store.Page
}

// List returns one page of items, newest first. A department member sees
// only its department's inbox, whatever the filter asks.
func (s *Service) List(ctx context.Context, actor anchor.Actor, f Filter) ([]Item, string, error) {
	if f.Type != "" && !slices.Contains(Types, f.Type) {
		return nil, "", anchor.Invalid("type", "must be one of %s", strings.Join(Types, ", "))
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return nil, "", anchor.Invalid("status", "must be one of %s", strings.Join(Statuses, ", "))
	}
	if actor.Role == "department" {
		if f.DepartmentID != "" && f.DepartmentID != actor.DepartmentID {
			return nil, "", anchor.Forbidden("a department member sees only its own department's feedback")
		}
		f.DepartmentID, f.Unrouted = actor.DepartmentID, false
		if f.DepartmentID == "" {
			return []Item{}, "", nil
		}
	}
	limit := f.Size()
	args := []any{f.CursorOrMax()}
	where := []string{"id < $1"}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+" = "+arg(v))
		}
	}
	eq("department_id", f.DepartmentID)
	eq("type", f.Type)
	eq("status", f.Status)
	eq("customer_id", f.CustomerID)
	eq("case_id", f.CaseID)
	eq("segment_id", f.SegmentID)
	eq("captured_by", f.CapturedBy)
	eq("owner_id", f.OwnerID)
	if f.Unrouted {
		where = append(where, "department_id IS NULL")
	}
	if f.Open {
		where = append(where, "status <> 'closed'")
	}
	if f.External != nil {
		where = append(where, "external = "+arg(*f.External))
	}
	if f.From != nil {
		where = append(where, "captured_at >= "+arg(store.Millis(*f.From)))
	}
	if f.To != nil {
		where = append(where, "captured_at < "+arg(store.Millis(*f.To)))
	}
	q := `SELECT ` + columns + ` FROM feedback_items WHERE ` + strings.Join(where, " AND ") + ` ORDER BY id DESC` + store.Limit(limit+1)
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list feedback: %w", err)
	}
	now := s.DB.Now()
	out, next, err := store.CollectPage(rows, limit, func(r store.Scanner) (Item, error) { return scan(r, now) }, func(it Item) string { return it.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list feedback: %w", err)
	}
	return out, next, nil
}
