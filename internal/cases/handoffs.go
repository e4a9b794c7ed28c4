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
	"anchor/internal/departments"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
)

// Handoff statuses. A department accepts a handoff, may answer it (once or
// more) while working, and completes it or sends it back; the case owner may
// cancel it while it is open.
const (
	HandoffSent      = "sent"
	HandoffAccepted  = "accepted"
	HandoffCompleted = "completed"
	HandoffReturned  = "returned"
	HandoffCanceled  = "cancelled"
)

var handoffTransitions = map[string][]string{
	HandoffSent:      {HandoffAccepted, HandoffCompleted, HandoffReturned, HandoffCanceled},
	HandoffAccepted:  {HandoffCompleted, HandoffReturned, HandoffCanceled},
	HandoffCompleted: {},
	HandoffReturned:  {},
	HandoffCanceled:  {},
}

// Handoff is a part of a case's work handed to a department, held to that
// department's service level.
type Handoff struct {
	ID           string     `json:"id"`
	CaseID       string     `json:"case_id"`
	DepartmentID string     `json:"department_id"`
	Request      string     `json:"request"`
	Status       string     `json:"status"`
	SentBy       string     `json:"sent_by,omitempty"`
	SentAt       time.Time  `json:"sent_at"`
	AcceptDueAt  *time.Time `json:"accept_due_at,omitempty"`
	DueAt        time.Time  `json:"due_at"`
	AcceptedAt   *time.Time `json:"accepted_at,omitempty"`
	AcceptedBy   string     `json:"accepted_by,omitempty"`
	Answer       string     `json:"answer,omitempty"`
	AnsweredAt   *time.Time `json:"answered_at,omitempty"`
	CompletedAt  *time.Time `json:"completed_at,omitempty"`
	ReturnedAt   *time.Time `json:"returned_at,omitempty"`
	ReturnReason string     `json:"return_reason,omitempty"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Version      int        `json:"version"`
	// Late is true when the handoff was completed after its due time, or is
	// still open past it.
	Late bool `json:"late"`
	// AllowedTransitions lists the statuses the handoff may move to now.
	AllowedTransitions []string `json:"allowed_transitions"`
	// SLA holds the accept and complete clocks, in the department's
	// calendar (absent once the handoff is returned or cancelled).
	SLA *servicelevel.HandoffClocks `json:"sla,omitempty"`
}

// Open reports whether the department still owes work on the handoff.
func (h Handoff) Open() bool { return h.Status == HandoffSent || h.Status == HandoffAccepted }

// NewHandoff is what handing work to a department takes. DueAt defaults to
// the department's completion target from now; a department without one
// needs DueAt.
type NewHandoff struct {
	DepartmentID string     `json:"department_id"`
	Request      string     `json:"request"`
	DueAt        *time.Time `json:"due_at,omitempty"`
}

// HandoffUpdate moves a handoff along. Answer adds (or replaces) the
// department's answer; Reason is why it is sent back.
type HandoffUpdate struct {
	Status  *string `json:"status,omitempty"`
	Answer  *string `json:"answer,omitempty"`
	Reason  string  `json:"reason,omitempty"`
	Version int     `json:"version"`
}

const handoffColumns = `id, case_id, department_id, request, status, COALESCE(sent_by, ''), sent_at, accept_due_at, due_at, accepted_at,
	COALESCE(accepted_by, ''), answer, answered_at, completed_at, returned_at, return_reason, updated_at, version, sla_clocks`

func scanHandoff(row store.Scanner, now time.Time) (Handoff, error) {
	var h Handoff
	var sent, due, updated int64
	var acceptDue, accepted, answered, completed, returned sql.NullInt64
	var clocks string
	err := row.Scan(&h.ID, &h.CaseID, &h.DepartmentID, &h.Request, &h.Status, &h.SentBy, &sent, &acceptDue, &due, &accepted,
		&h.AcceptedBy, &h.Answer, &answered, &completed, &returned, &h.ReturnReason, &updated, &h.Version, &clocks)
	h.SentAt, h.DueAt, h.UpdatedAt = store.Time(sent), store.Time(due), store.Time(updated)
	h.AcceptDueAt, h.AcceptedAt, h.AnsweredAt = store.NullTime(acceptDue), store.NullTime(accepted), store.NullTime(answered)
	h.CompletedAt, h.ReturnedAt = store.NullTime(completed), store.NullTime(returned)
	switch {
	case h.CompletedAt != nil:
		h.Late = h.CompletedAt.After(h.DueAt)
	case h.Open():
		h.Late = now.After(h.DueAt)
	}
	h.AllowedTransitions = slices.Clone(handoffTransitions[h.Status])
	var sla servicelevel.HandoffClocks
	if (h.Open() || h.Status == HandoffCompleted) && json.Unmarshal([]byte(clocks), &sla) == nil && (sla.Accept.DueAt != nil || sla.Complete.DueAt != nil) {
		sla.Accept.MetAt, sla.Complete.MetAt = h.AcceptedAt, h.CompletedAt
		sla.Accept.State, sla.Complete.State = sla.Accept.StateAt(now), sla.Complete.StateAt(now)
		h.SLA = &sla
	}
	return h, err
}

// nextCheck is when the handoff's clocks next change state by themselves.
func (h Handoff) nextCheck(now time.Time) *time.Time {
	if h.SLA == nil {
		return nil
	}
	return h.SLA.NextChange(now)
}

// SendHandoff hands part of a case's work to a department.
func (s *Service) SendHandoff(ctx context.Context, actor anchor.Actor, caseID string, n NewHandoff) (Handoff, error) {
	n.Request = strings.TrimSpace(n.Request)
	if n.DepartmentID == "" {
		return Handoff{}, anchor.Invalid("department_id", "is required")
	}
	if n.Request == "" {
		return Handoff{}, anchor.Invalid("request", "is required: say what the department must do")
	}
	now := s.DB.Now()
	if n.DueAt != nil && !n.DueAt.After(now) {
		return Handoff{}, anchor.Invalid("due_at", "must be in the future")
	}
	var out Handoff
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockActive(ctx, tx, caseID); err != nil {
			return err
		}
		dept, err := (&departments.Service{DB: s.DB}).GetTx(ctx, tx, n.DepartmentID)
		if anchor.ErrorCode(err) == anchor.ENotFound {
			return anchor.Invalid("department_id", "no such department: %q", n.DepartmentID)
		}
		if err != nil {
			return err
		}
		// The department's service level runs in its own calendar: a
		// handoff sent to a 9-to-5 finance team on Friday evening is due
		// in finance's business hours.
		t, calID, err := s.levels().DepartmentTargets(ctx, tx, dept.ID)
		if err != nil {
			return err
		}
		if n.DueAt == nil && t.CompleteWithin <= 0 {
			return anchor.Invalid("due_at", "is required: department %q has no completion service level", dept.Name)
		}
		clocks, err := t.HandoffClocks(now, n.DueAt, nil, nil, true, now)
		if err != nil {
			return fmt.Errorf("handoff due times: %w", err)
		}
		doc, err := json.Marshal(clocks)
		if err != nil {
			return fmt.Errorf("handoff due times: %w", err)
		}
		due := *clocks.Complete.DueAt
		id := store.NewID(now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO handoffs (id, case_id, department_id, request, status, sent_by, sent_at, accept_due_at, due_at, updated_at, version,
			sla_calendar_id, sla_at_risk_share, due_given, sla_clocks, sla_check_at)
			VALUES ($1, $2, $3, $4, 'sent', $5, $6, $7, $8, $6, 1, $9, $10, $11, $12, $13)`, id, caseID, dept.ID, n.Request, store.NullString(actor.UserID),
			store.Millis(now), store.NullMillis(clocks.Accept.DueAt), store.Millis(due),
			store.NullString(calID), t.AtRiskShare, n.DueAt != nil, string(doc), store.NullMillis(clocks.NextChange(now))); err != nil {
			return fmt.Errorf("insert handoff: %w", err)
		}
		if err := appendEvent(ctx, tx, caseID, EventHandoffSent, actor.UserID, now, map[string]any{
			"handoff_id": id, "department_id": dept.ID, "due_at": due.Truncate(time.Millisecond),
		}); err != nil {
			return err
		}
		out, err = s.handoff(ctx, tx, id)
		return err
	})
	return out, err
}

// Handoff returns a handoff.
func (s *Service) Handoff(ctx context.Context, id string) (Handoff, error) {
	return s.handoff(ctx, s.DB.Read, id)
}

func (s *Service) handoff(ctx context.Context, q store.Queryer, id string) (Handoff, error) {
	h, err := scanHandoff(q.QueryRowContext(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = $1`, id), s.DB.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return Handoff{}, anchor.NotFound("handoff", id)
	}
	if err != nil {
		return Handoff{}, fmt.Errorf("get handoff %s: %w", id, err)
	}
	return h, nil
}

// UpdateHandoff moves a handoff along. Only a member of the handoff's
// department (or a supervisor, director or admin) may accept, answer,
// complete or send it back; cancelling is the case side's decision.
func (s *Service) UpdateHandoff(ctx context.Context, actor anchor.Actor, id string, u HandoffUpdate) (Handoff, error) {
	if u.Version <= 0 {
		return Handoff{}, anchor.VersionRequired()
	}
	if u.Status == nil && u.Answer == nil {
		return Handoff{}, anchor.Invalid("status", "give a status or an answer")
	}
	if u.Status != nil {
		if _, ok := handoffTransitions[*u.Status]; !ok {
			return Handoff{}, anchor.Invalid("status", "must be one of accepted, completed, returned, cancelled")
		}
	}
	if u.Answer != nil && strings.TrimSpace(*u.Answer) == "" {
		return Handoff{}, anchor.Invalid("answer", "must not be empty")
	}
	now := s.DB.Now()
	var out Handoff
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		h, err := s.handoff(ctx, tx, id)
		if err != nil {
			return err
		}
		if actor.Role == "department" && actor.DepartmentID != h.DepartmentID {
			return anchor.NotFound("handoff", id)
		}
		if h.Version != u.Version {
			return anchor.StaleVersion("handoff", h.Version)
		}
		if u.Answer != nil && !h.Open() {
			return anchor.Conflict("handoff is %s: it takes no more answers", h.Status)
		}
		var events []string
		data := map[string]any{"handoff_id": h.ID, "department_id": h.DepartmentID}
		if u.Answer != nil {
			h.Answer = strings.TrimSpace(*u.Answer)
			t := now.Truncate(time.Millisecond)
			h.AnsweredAt = &t
			data["answer"] = h.Answer
			events = append(events, EventHandoffAnswered)
		}
		if u.Status != nil && *u.Status != h.Status {
			to := *u.Status
			if allowed := handoffTransitions[h.Status]; !slices.Contains(allowed, to) {
				msg := fmt.Sprintf("cannot go from %s to %s", h.Status, to)
				if len(allowed) > 0 {
					msg += "; allowed: " + strings.Join(allowed, ", ")
				} else {
					msg += ": the handoff is finished"
				}
				return &anchor.Error{Code: anchor.EConflict, Field: "status", Message: msg}
			}
			if to == HandoffCanceled && actor.Role == "department" {
				return anchor.Forbidden("a department sends a handoff back (status returned); cancelling is for the case owner")
			}
			if to != HandoffCanceled && actor.Role == "agent" {
				return anchor.Forbidden("only the department (or a supervisor) accepts, completes or returns a handoff")
			}
			t := now.Truncate(time.Millisecond)
			switch to {
			case HandoffAccepted:
				h.AcceptedAt, h.AcceptedBy = &t, actor.UserID
				events = append(events, EventHandoffAccepted)
			case HandoffCompleted:
				if h.AcceptedAt == nil {
					h.AcceptedAt, h.AcceptedBy = &t, actor.UserID
				}
				h.CompletedAt = &t
				events = append(events, EventHandoffDone)
			case HandoffReturned:
				if strings.TrimSpace(u.Reason) == "" {
					return anchor.Invalid("reason", "is required when sending a handoff back")
				}
				h.ReturnedAt, h.ReturnReason = &t, strings.TrimSpace(u.Reason)
				data["reason"] = h.ReturnReason
				events = append(events, EventHandoffReturned)
			case HandoffCanceled:
				events = append(events, EventHandoffCanceled)
			}
			data["from"], data["to"] = h.Status, to
			h.Status = to
		}
		if len(events) == 0 {
			out = h
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE handoffs SET status = $1, accepted_at = $2, accepted_by = $3, answer = $4, answered_at = $5,
			completed_at = $6, returned_at = $7, return_reason = $8, updated_at = $9, version = version + 1 WHERE id = $10 AND version = $11`,
			h.Status, store.NullMillis(h.AcceptedAt), store.NullString(h.AcceptedBy), h.Answer, store.NullMillis(h.AnsweredAt),
			store.NullMillis(h.CompletedAt), store.NullMillis(h.ReturnedAt), h.ReturnReason, store.Millis(now), id, u.Version)
		if err != nil {
			return fmt.Errorf("update handoff %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return anchor.StaleVersion("handoff", h.Version+1)
		}
		for _, typ := range events {
			if err := appendEvent(ctx, tx, h.CaseID, typ, actor.UserID, now, data); err != nil {
				return err
			}
		}
		if out, err = s.handoff(ctx, tx, id); err != nil {
			return err
		}
		if err := markCase(ctx, tx, h.CaseID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE handoffs SET sla_check_at = $2 WHERE id = $1`, id, store.NullMillis(out.nextCheck(now))); err != nil {
			return fmt.Errorf("update handoff %s: %w", id, err)
		}
		return nil
	})
	return out, err
}

// HandoffFilter narrows Handoffs.
type HandoffFilter struct {
	DepartmentID string
	CaseID       string
	Status       string
	// Open selects handoffs the department still owes (sent or accepted).
	Open bool
	store.Page
}

// Handoffs returns one page of handoffs, newest first, and the next cursor.
func (s *Service) Handoffs(ctx context.Context, f HandoffFilter) ([]Handoff, string, error) {
	if f.Status != "" {
		if _, ok := handoffTransitions[f.Status]; !ok {
			return nil, "", anchor.Invalid("status", "must be one of sent, accepted, completed, returned, cancelled")
		}
	}
	limit := f.Size()
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+handoffColumns+` FROM handoffs
		WHERE id < $1 AND ($2 = '' OR department_id = $2) AND ($3 = '' OR case_id = $3) AND ($4 = '' OR status = $4)
		AND ($5 = FALSE OR status IN ('sent', 'accepted'))
		ORDER BY id DESC`+store.Limit(limit+1), f.CursorOrMax(), f.DepartmentID, f.CaseID, f.Status, f.Open)
	if err != nil {
		return nil, "", fmt.Errorf("list handoffs: %w", err)
	}
	now := s.DB.Now()
	out, next, err := store.CollectPage(rows, limit, func(r store.Scanner) (Handoff, error) { return scanHandoff(r, now) }, func(x Handoff) string { return x.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list handoffs: %w", err)
	}
	return out, next, nil
}
