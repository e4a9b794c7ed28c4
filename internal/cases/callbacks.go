package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"anchor"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
)

// Callback statuses.
const (
	CallbackPromised = "promised"
	CallbackMade     = "made"
	CallbackCanceled = "cancelled"
)

// CallbackOutcomes are what a made callback can end in.
var CallbackOutcomes = []string{"reached", "no_answer", "voicemail", "wrong_number"}

// Callback is a call promised to a customer inside a window. One made after
// the window ends, or never made, is late.
type Callback struct {
	ID          string     `json:"id"`
	CaseID      string     `json:"case_id"`
	OwnerID     string     `json:"owner_id,omitempty"`
	PromisedBy  string     `json:"promised_by,omitempty"`
	Phone       string     `json:"phone,omitempty"`
	Note        string     `json:"note,omitempty"`
	WindowStart time.Time  `json:"window_start"`
	WindowEnd   time.Time  `json:"window_end"`
	Status      string     `json:"status"`
	MadeAt      *time.Time `json:"made_at,omitempty"`
	MadeBy      string     `json:"made_by,omitempty"`
	Outcome     string     `json:"outcome,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Version     int        `json:"version"`
	// Late: made after window_end, or not made and window_end has passed.
	Late bool `json:"late"`
	// SLA is the window's clock: at risk after the matrix's share of the
	// window, met when the call is made inside it.
	SLA *servicelevel.Clock `json:"sla,omitempty"`
}

// NewCallback is what promising a callback takes. OwnerID, who must call,
// defaults to the case owner.
type NewCallback struct {
	WindowStart time.Time `json:"window_start"`
	// WindowEnd defaults to WindowStart plus the callback window the
	// service matrix sets for the case's segment and priority.
	WindowEnd time.Time `json:"window_end,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Note      string    `json:"note,omitempty"`
	OwnerID   string    `json:"owner_id,omitempty"`
}

// CallbackUpdate marks a callback made (when, with what outcome) or
// cancelled. MadeAt defaults to now.
type CallbackUpdate struct {
	Status  string     `json:"status"`
	MadeAt  *time.Time `json:"made_at,omitempty"`
	Outcome string     `json:"outcome,omitempty"`
	Note    *string    `json:"note,omitempty"`
	Version int        `json:"version"`
}

const callbackColumns = `id, case_id, COALESCE(owner_id, ''), COALESCE(promised_by, ''), phone, note, window_start, window_end, status,
	made_at, COALESCE(made_by, ''), outcome, created_at, updated_at, version, COALESCE(sla_at_risk_share, 0.75)`

func scanCallback(row store.Scanner, now time.Time) (Callback, error) {
	var c Callback
	var ws, we, created, updated int64
	var made sql.NullInt64
	var share float64
	err := row.Scan(&c.ID, &c.CaseID, &c.OwnerID, &c.PromisedBy, &c.Phone, &c.Note, &ws, &we, &c.Status,
		&made, &c.MadeBy, &c.Outcome, &created, &updated, &c.Version, &share)
	c.WindowStart, c.WindowEnd, c.CreatedAt, c.UpdatedAt = store.Time(ws), store.Time(we), store.Time(created), store.Time(updated)
	c.MadeAt = store.NullTime(made)
	switch c.Status {
	case CallbackMade:
		c.Late = c.MadeAt.After(c.WindowEnd)
	case CallbackPromised:
		c.Late = now.After(c.WindowEnd)
	}
	if c.Status != CallbackCanceled {
		clock := servicelevel.CallbackClock(c.WindowStart, c.WindowEnd, c.MadeAt, true, share, now)
		c.SLA = &clock
	}
	return c, err
}

// PromiseCallback promises the customer a call inside a window.
func (s *Service) PromiseCallback(ctx context.Context, actor anchor.Actor, caseID string, n NewCallback) (Callback, error) {
	if n.WindowStart.IsZero() {
		return Callback{}, anchor.Invalid("window_start", "is required")
	}
	if !n.WindowEnd.IsZero() && !n.WindowEnd.After(n.WindowStart) {
		return Callback{}, anchor.Invalid("window_end", "must be after window_start")
	}
	now := s.DB.Now()
	if n.Phone = strings.TrimSpace(n.Phone); n.Phone != "" && strings.Trim(n.Phone, "+0123456789 ()-./") != "" {
		return Callback{}, anchor.Invalid("phone", "may hold only digits, spaces, + ( ) - . /")
	}
	var out Callback
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.lockActive(ctx, tx, caseID)
		if err != nil {
			return err
		}
		var segment string
		if err := tx.QueryRowContext(ctx, `SELECT segment_id FROM customers WHERE id = $1`, c.CustomerID).Scan(&segment); err != nil {
			return fmt.Errorf("promise callback: %w", err)
		}
		t, _, owed, err := s.levels().CaseTargets(ctx, tx, segment, c.Priority)
		if err != nil {
			return err
		}
		if n.WindowEnd.IsZero() {
			if !owed || t.CallbackWindow <= 0 {
				return anchor.Invalid("window_end", "is required: the service matrix sets no callback window for this case")
			}
			n.WindowEnd = n.WindowStart.Add(t.CallbackWindow)
		}
		if !n.WindowEnd.After(now) {
			return anchor.Invalid("window_end", "is in the past: a promise must be keepable")
		}
		share := t.AtRiskShare
		if !owed {
			share = servicelevel.DefaultAtRiskShare
		}
		clock := servicelevel.CallbackClock(n.WindowStart, n.WindowEnd, nil, true, share, now)
		owner := n.OwnerID
		if owner == "" {
			owner = c.OwnerID
		} else if err := checkOwner(ctx, tx, owner); err != nil {
			return err
		}
		id := store.NewID(now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO callbacks (id, case_id, owner_id, promised_by, phone, note, window_start, window_end, status, created_at, updated_at, version,
			sla_at_risk_share, sla_check_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'promised', $9, $9, 1, $10, $11)`, id, caseID, store.NullString(owner), store.NullString(actor.UserID),
			n.Phone, n.Note, store.Millis(n.WindowStart), store.Millis(n.WindowEnd), store.Millis(now), share, store.NullMillis(clock.NextChange(now))); err != nil {
			return fmt.Errorf("insert callback: %w", err)
		}
		if err := appendEvent(ctx, tx, caseID, EventCallbackPromise, actor.UserID, now, map[string]any{
			"callback_id": id, "owner_id": owner, "window_start": n.WindowStart.UTC().Truncate(time.Millisecond), "window_end": n.WindowEnd.UTC().Truncate(time.Millisecond),
		}); err != nil {
			return err
		}
		out, err = s.callback(ctx, tx, id)
		return err
	})
	return out, err
}

// Callback returns a callback.
func (s *Service) Callback(ctx context.Context, id string) (Callback, error) {
	return s.callback(ctx, s.DB.Read, id)
}

func (s *Service) callback(ctx context.Context, q store.Queryer, id string) (Callback, error) {
	c, err := scanCallback(q.QueryRowContext(ctx, `SELECT `+callbackColumns+` FROM callbacks WHERE id = $1`, id), s.DB.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return Callback{}, anchor.NotFound("callback", id)
	}
	if err != nil {
		return Callback{}, fmt.Errorf("get callback %s: %w", id, err)
	}
	return c, nil
}

// UpdateCallback marks a promised callback made or cancelled.
func (s *Service) UpdateCallback(ctx context.Context, actor anchor.Actor, id string, u CallbackUpdate) (Callback, error) {
	if u.Version <= 0 {
		return Callback{}, anchor.VersionRequired()
	}
	if u.Status != CallbackMade && u.Status != CallbackCanceled {
		return Callback{}, anchor.Invalid("status", "must be made or cancelled")
	}
	if u.Status == CallbackMade && !slices.Contains(CallbackOutcomes, u.Outcome) {
		return Callback{}, anchor.Invalid("outcome", "must be one of %s", strings.Join(CallbackOutcomes, ", "))
	}
	now := s.DB.Now()
	madeAt := now
	if u.MadeAt != nil {
		madeAt = u.MadeAt.UTC()
		if madeAt.After(now.Add(time.Minute)) {
			return Callback{}, anchor.Invalid("made_at", "is in the future")
		}
	}
	var out Callback
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.callback(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Version != u.Version {
			return anchor.StaleVersion("callback", c.Version)
		}
		if c.Status != CallbackPromised {
			return &anchor.Error{Code: anchor.EConflict, Field: "status", Message: fmt.Sprintf("callback is already %s", c.Status)}
		}
		if u.Status == CallbackMade && madeAt.Before(c.CreatedAt) {
			return anchor.Invalid("made_at", "is before the callback was promised")
		}
		note := c.Note
		if u.Note != nil {
			note = *u.Note
		}
		typ, data := EventCallbackCancel, map[string]any{"callback_id": id}
		made, madeBy, outcome := sql.NullInt64{}, sql.NullString{}, ""
		if u.Status == CallbackMade {
			typ = EventCallbackMade
			made = sql.NullInt64{Int64: store.Millis(madeAt), Valid: true}
			madeBy, outcome = store.NullString(actor.UserID), u.Outcome
			data["made_at"], data["outcome"] = madeAt.Truncate(time.Millisecond), outcome
			data["late"] = madeAt.After(c.WindowEnd)
		}
		// Made or cancelled, the window's clock has nothing left to change.
		res, err := tx.ExecContext(ctx, `UPDATE callbacks SET status = $1, made_at = $2, made_by = $3, outcome = $4, note = $5, updated_at = $6, version = version + 1,
			sla_check_at = NULL WHERE id = $7 AND version = $8`, u.Status, made, madeBy, outcome, note, store.Millis(now), id, u.Version)
		if err != nil {
			return fmt.Errorf("update callback %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return anchor.StaleVersion("callback", c.Version+1)
		}
		if err := appendEvent(ctx, tx, c.CaseID, typ, actor.UserID, now, data); err != nil {
			return err
		}
		if err := markCase(ctx, tx, c.CaseID, now); err != nil {
			return err
		}
		out, err = s.callback(ctx, tx, id)
		return err
	})
	return out, err
}

// CallbackFilter narrows Callbacks. DueBefore selects promised callbacks
// whose window opens before it: what an agent has to call by then.
type CallbackFilter struct {
	DueBefore *time.Time
	OwnerID   string
	CaseID    string
	Status    string
	store.Page
}

// Callbacks returns one page of callbacks (by window start when DueBefore
// is set, else newest first) and the next cursor.
func (s *Service) Callbacks(ctx context.Context, f CallbackFilter) ([]Callback, string, error) {
	if f.Status != "" && f.Status != CallbackPromised && f.Status != CallbackMade && f.Status != CallbackCanceled {
		return nil, "", anchor.Invalid("status", "must be promised, made or cancelled")
	}
	limit := f.Size()
	due := int64(0)
	if f.DueBefore != nil {
		due = store.Millis(*f.DueBefore)
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+callbackColumns+` FROM callbacks
		WHERE id < $1 AND ($2 = '' OR owner_id = $2) AND ($3 = '' OR case_id = $3) AND ($4 = '' OR status = $4)
		AND (CAST($5 AS BIGINT) = 0 OR (status = 'promised' AND window_start < $5))
		ORDER BY id DESC`+store.Limit(limit+1), f.CursorOrMax(), f.OwnerID, f.CaseID, f.Status, due)
	if err != nil {
		return nil, "", fmt.Errorf("list callbacks: %w", err)
	}
	now := s.DB.Now()
	out, next, err := store.CollectPage(rows, limit, func(r store.Scanner) (Callback, error) { return scanCallback(r, now) }, func(x Callback) string { return x.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list callbacks: %w", err)
	}
	return out, next, nil
}
