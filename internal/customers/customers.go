// Package customers holds the accounts customer service owns: their
// segment, their owner (the agent who owns the relationship, with every
// change of owner recorded), their contacts and their revenue.
package customers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Customer is an account.
type Customer struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	SegmentID  string    `json:"segment_id"`
	OwnerID    string    `json:"owner_id,omitempty"`
	ExternalID string    `json:"external_id,omitempty"`
	Revenue    *float64  `json:"revenue,omitempty"`
	Contacts   []Contact `json:"contacts"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Version    int       `json:"version"`
}

// Contact is a person at the customer, reachable by email or phone.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

func validateContacts(cs []Contact) error {
	for i := range cs {
		c := &cs[i]
		c.Name, c.Email, c.Phone = strings.TrimSpace(c.Name), strings.ToLower(strings.TrimSpace(c.Email)), strings.TrimSpace(c.Phone)
		field := fmt.Sprintf("contacts[%d]", i)
		if c.Email == "" && c.Phone == "" {
			return anchor.Invalid(field, "needs an email or a phone")
		}
		if c.Email != "" {
			if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
				return anchor.Invalid(field+".email", "is not an email address")
			}
		}
		if c.Phone != "" && strings.Trim(c.Phone, "+0123456789 ()-./") != "" {
			return anchor.Invalid(field+".phone", "may hold only digits, spaces, + ( ) - . /")
		}
	}
	return nil
}

// NewCustomer is what creating a customer takes. OwnerID may be empty: an
// account not yet transferred to customer service has no owner there.
type NewCustomer struct {
	Name       string    `json:"name"`
	SegmentID  string    `json:"segment_id"`
	OwnerID    string    `json:"owner_id,omitempty"`
	ExternalID string    `json:"external_id,omitempty"`
	Revenue    *float64  `json:"revenue,omitempty"`
	Contacts   []Contact `json:"contacts,omitempty"`
}

// Validate checks the fields that need no database.
func (n *NewCustomer) Validate() error {
	n.Name, n.ExternalID = strings.TrimSpace(n.Name), strings.TrimSpace(n.ExternalID)
	if n.Name == "" {
		return anchor.Invalid("name", "is required")
	}
	if n.SegmentID == "" {
		return anchor.Invalid("segment_id", "is required")
	}
	if n.Revenue != nil && *n.Revenue < 0 {
		return anchor.Invalid("revenue", "must not be negative")
	}
	return validateContacts(n.Contacts)
}

// Update changes a customer. Nil fields are left as they are. Version is the
// version the change is based on: a stale one is a conflict.
type Update struct {
	Name       *string    `json:"name,omitempty"`
	SegmentID  *string    `json:"segment_id,omitempty"`
	OwnerID    *string    `json:"owner_id,omitempty"`
	ExternalID *string    `json:"external_id,omitempty"`
	Revenue    *float64   `json:"revenue,omitempty"`
	Contacts   *[]Contact `json:"contacts,omitempty"`
	// OwnerChangeReason is recorded with an owner change ("account
	// transfer from sales").
	OwnerChangeReason string `json:"owner_change_reason,omitempty"`
	Version           int    `json:"version"`
}

// OwnerChange is one change of a customer's owner.
type OwnerChange struct {
	ID        string    `json:"id"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	ChangedBy string    `json:"changed_by,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	ChangedAt time.Time `json:"changed_at"`
}

// Service stores customers and segments.
type Service struct {
	DB *store.DB
	// OnSegmentChange runs in the transaction that moves a customer to
	// another segment: its open cases take the new segment's service level.
	OnSegmentChange func(ctx context.Context, tx *sql.Tx, customerID string) error
}

const columns = `id, name, segment_id, COALESCE(owner_id, ''), COALESCE(external_id, ''), revenue, created_at, updated_at, version`

func scan(row store.Scanner) (Customer, error) {
	var c Customer
	var rev sql.NullFloat64
	var created, updated int64
	err := row.Scan(&c.ID, &c.Name, &c.SegmentID, &c.OwnerID, &c.ExternalID, &rev, &created, &updated, &c.Version)
	if rev.Valid {
		c.Revenue = &rev.Float64
	}
	c.CreatedAt, c.UpdatedAt = store.Time(created), store.Time(updated)
	c.Contacts = []Contact{}
	return c, err
}

// checkRefs checks that the segment and owner exist, and that the owner can
// own accounts (a department member cannot).
func checkRefs(ctx context.Context, q store.Queryer, segmentID, ownerID string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM segments WHERE id = $1`, segmentID).Scan(&n); err != nil {
		return fmt.Errorf("check segment: %w", err)
	}
	if n == 0 {
		return anchor.Invalid("segment_id", "no such segment: %q", segmentID)
	}
	if ownerID == "" {
		return nil
	}
	var role string
	err := q.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1 AND active`, ownerID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return anchor.Invalid("owner_id", "no such active user: %q", ownerID)
	}
	if err != nil {
		return fmt.Errorf("check owner: %w", err)
	}
	if role == "department" {
		return anchor.Invalid("owner_id", "a department member cannot own accounts")
	}
	return nil
}

func checkExternalID(ctx context.Context, q store.Queryer, externalID, exceptID string) error {
	if externalID == "" {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE external_id = $1 AND id <> $2`, externalID, exceptID).Scan(&n); err != nil {
		return fmt.Errorf("check external id: %w", err)
	}
	if n > 0 {
		return &anchor.Error{Code: anchor.EConflict, Field: "external_id", Message: "another customer has this external id"}
	}
	return nil
}

// Create adds a customer. Setting an owner at creation is recorded as the
// first owner change.
func (s *Service) Create(ctx context.Context, actor anchor.Actor, n NewCustomer) (Customer, error) {
	if err := n.Validate(); err != nil {
		return Customer{}, err
	}
	now := s.DB.Now()
	c := Customer{ID: store.NewID(now), Name: n.Name, SegmentID: n.SegmentID, OwnerID: n.OwnerID, ExternalID: n.ExternalID,
		Revenue: n.Revenue, Contacts: n.Contacts, CreatedAt: now.Truncate(time.Millisecond), UpdatedAt: now.Truncate(time.Millisecond), Version: 1}
	if c.Contacts == nil {
		c.Contacts = []Contact{}
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := checkRefs(ctx, tx, n.SegmentID, n.OwnerID); err != nil {
			return err
		}
		if err := checkExternalID(ctx, tx, n.ExternalID, ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO customers (id, name, segment_id, owner_id, external_id, revenue, created_at, updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1)`, c.ID, c.Name, c.SegmentID, store.NullString(c.OwnerID), store.NullString(c.ExternalID),
			nullFloat(c.Revenue), store.Millis(now)); err != nil {
			return fmt.Errorf("insert customer: %w", err)
		}
		if err := replaceContacts(ctx, tx, c.ID, c.Contacts, now); err != nil {
			return err
		}
		if c.OwnerID != "" {
			return recordOwnerChange(ctx, tx, c.ID, "", c.OwnerID, actor.UserID, "owner at creation", now)
		}
		return nil
	})
	return c, err
}

func nullFloat(f *float64) sql.NullFloat64 {
	if f == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *f, Valid: true}
}

func replaceContacts(ctx context.Context, tx *sql.Tx, customerID string, cs []Contact, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM customer_contacts WHERE customer_id = $1`, customerID); err != nil {
		return fmt.Errorf("replace contacts: %w", err)
	}
	for i, c := range cs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_contacts (id, customer_id, position, name, email, phone) VALUES ($1, $2, $3, $4, $5, $6)`,
			store.NewID(now), customerID, i, c.Name, c.Email, c.Phone); err != nil {
			return fmt.Errorf("insert contact %d: %w", i, err)
		}
	}
	return nil
}

func recordOwnerChange(ctx context.Context, tx *sql.Tx, customerID, from, to, by, reason string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO customer_owner_changes (id, customer_id, from_owner, to_owner, changed_by, reason, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, store.NewID(now), customerID, store.NullString(from), store.NullString(to),
		store.NullString(by), reason, store.Millis(now))
	if err != nil {
		return fmt.Errorf("record owner change: %w", err)
	}
	return nil
}

// Get returns a customer with its contacts.
func (s *Service) Get(ctx context.Context, id string) (Customer, error) {
	return s.get(ctx, s.DB.Read, id)
}

func (s *Service) get(ctx context.Context, q store.Queryer, id string) (Customer, error) {
	c, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM customers WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Customer{}, anchor.NotFound("customer", id)
	}
	if err != nil {
		return Customer{}, fmt.Errorf("get customer %s: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT name, email, phone FROM customer_contacts WHERE customer_id = $1 ORDER BY position`, id)
	if err != nil {
		return Customer{}, fmt.Errorf("get customer contacts %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var ct Contact
		if err := rows.Scan(&ct.Name, &ct.Email, &ct.Phone); err != nil {
			return Customer{}, fmt.Errorf("get customer contacts %s: %w", id, err)
		}
		c.Contacts = append(c.Contacts, ct)
	}
	return c, rows.Err()
}

// Update applies u to a customer and returns the new state. An owner change
// is recorded with who made it, when, from whom, to whom and why.
func (s *Service) Update(ctx context.Context, actor anchor.Actor, id string, u Update) (Customer, error) {
	if u.Version <= 0 {
		return Customer{}, anchor.VersionRequired()
	}
	if u.Name != nil {
		if *u.Name = strings.TrimSpace(*u.Name); *u.Name == "" {
			return Customer{}, anchor.Invalid("name", "must not be empty")
		}
	}
	if u.Revenue != nil && *u.Revenue < 0 {
		return Customer{}, anchor.Invalid("revenue", "must not be negative")
	}
	if u.Contacts != nil {
		if err := validateContacts(*u.Contacts); err != nil {
			return Customer{}, err
		}
	}
	var out Customer
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Version != u.Version {
			return anchor.StaleVersion("customer", c.Version)
		}
		oldOwner, oldSegment := c.OwnerID, c.SegmentID
		if u.Name != nil {
			c.Name = *u.Name
		}
		if u.SegmentID != nil {
			c.SegmentID = *u.SegmentID
		}
		if u.OwnerID != nil {
			c.OwnerID = *u.OwnerID
		}
		if u.ExternalID != nil {
			c.ExternalID = strings.TrimSpace(*u.ExternalID)
		}
		if u.Revenue != nil {
			c.Revenue = u.Revenue
		}
		if err := checkRefs(ctx, tx, c.SegmentID, c.OwnerID); err != nil {
			return err
		}
		if err := checkExternalID(ctx, tx, c.ExternalID, c.ID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE customers SET name = $1, segment_id = $2, owner_id = $3, external_id = $4, revenue = $5,
			updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8`,
			c.Name, c.SegmentID, store.NullString(c.OwnerID), store.NullString(c.ExternalID), nullFloat(c.Revenue), store.Millis(now), id, u.Version)
		if err != nil {
			return fmt.Errorf("update customer %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return anchor.StaleVersion("customer", c.Version+1)
		}
		if u.Contacts != nil {
			if err := replaceContacts(ctx, tx, id, *u.Contacts, now); err != nil {
				return err
			}
		}
		if u.SegmentID != nil && *u.SegmentID != oldSegment && s.OnSegmentChange != nil {
			if err := s.OnSegmentChange(ctx, tx, id); err != nil {
				return err
			}
		}
		if c.OwnerID != oldOwner {
			if err := recordOwnerChange(ctx, tx, id, oldOwner, c.OwnerID, actor.UserID, u.OwnerChangeReason, now); err != nil {
				return err
			}
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	return out, err
}

// OwnerHistory returns the changes of a customer's owner, oldest first.
func (s *Service) OwnerHistory(ctx context.Context, id string) ([]OwnerChange, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, COALESCE(from_owner, ''), COALESCE(to_owner, ''), COALESCE(changed_by, ''), reason, changed_at
		FROM customer_owner_changes WHERE customer_id = $1 ORDER BY changed_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("owner history %s: %w", id, err)
	}
	defer rows.Close()
	out := []OwnerChange{}
	for rows.Next() {
		var oc OwnerChange
		var at int64
		if err := rows.Scan(&oc.ID, &oc.From, &oc.To, &oc.ChangedBy, &oc.Reason, &at); err != nil {
			return nil, fmt.Errorf("owner history %s: %w", id, err)
		}
		oc.ChangedAt = store.Time(at)
		out = append(out, oc)
	}
	return out, rows.Err()
}

// Filter narrows List.
type Filter struct {
	SegmentID string
	OwnerID   string
	// Query matches the name or external id, case-insensitively.
	Query string
	store.Page
}

// List returns one page of customers, newest first, and the cursor of the
// next page ("" when this is the last).
func (s *Service) List(ctx context.Context, f Filter) ([]Customer, string, error) {
	limit := f.Size()
	like := ""
	if q := strings.TrimSpace(f.Query); q != "" {
		like = "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(q)) + "%"
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+columns+` FROM customers
		WHERE id < $1 AND ($2 = '' OR segment_id = $2) AND ($3 = '' OR owner_id = $3)
		AND ($4 = '' OR LOWER(name) LIKE $4 ESCAPE '\' OR LOWER(COALESCE(external_id, '')) LIKE $4 ESCAPE '\')
		ORDER BY id DESC`+store.Limit(limit+1), f.CursorOrMax(), f.SegmentID, f.OwnerID, like)
	if err != nil {
		return nil, "", fmt.Errorf("list customers: %w", err)
	}
	out, next, err := store.CollectPage(rows, limit, scan, func(c Customer) string { return c.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list customers: %w", err)
	}
	return out, next, nil
}
