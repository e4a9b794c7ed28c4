package surveys

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Invitation statuses. Expired is not stored: it is a sent invitation past
// its expiry, reported as such.
const (
	InvPending  = "pending"
	InvSending  = "sending"
	InvSent     = "sent"
	InvAnswered = "answered"
	InvSkipped  = "skipped"
	InvFailed   = "failed"
	InvExpired  = "expired"
)

// InvitationStatuses lists the statuses an invitation may be listed by.
var InvitationStatuses = []string{InvPending, InvSending, InvSent, InvAnswered, InvSkipped, InvFailed, InvExpired}

// Deliveries: how an invitation went out.
const (
	DeliverySMTP = "smtp"
	DeliveryLog  = "log"
)

// Invitation is one survey asked of one customer contact.
type Invitation struct {
	ID           string `json:"id"`
	ProgramID    string `json:"program_id"`
	Kind         string `json:"kind"`
	CustomerID   string `json:"customer_id"`
	SegmentID    string `json:"segment_id"`
	CaseID       string `json:"case_id,omitempty"`
	ContactEmail string `json:"contact_email,omitempty"`
	ContactName  string `json:"contact_name,omitempty"`
	// Period is the month an assessment is about (2026-11).
	Period string `json:"period,omitempty"`
	Status string `json:"status"`
	// Reason says why an invitation was skipped or failed.
	Reason     string     `json:"reason,omitempty"`
	DueAt      time.Time  `json:"due_at"`
	Attempts   int        `json:"attempts"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
	Delivery   string     `json:"delivery,omitempty"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	// SurveyPath is the link's path (/s/{token}), shown only for an
	// invitation written to the log because no SMTP server is configured:
	// then the API is how it reaches the customer. A mailed link is never
	// shown, so that nobody answers in a customer's place.
	SurveyPath string `json:"survey_path,omitempty"`
}

const invitationColumns = `id, program_id, kind, customer_id, segment_id, COALESCE(case_id, ''), contact_email, contact_name, period,
	status, reason, due_at, attempts, sent_at, delivery, expires_at, answered_at, created_at`

func scanInvitation(row store.Scanner, now time.Time) (Invitation, error) {
	var i Invitation
	var due, expires, created int64
	var sent, answered sql.NullInt64
	err := row.Scan(&i.ID, &i.ProgramID, &i.Kind, &i.CustomerID, &i.SegmentID, &i.CaseID, &i.ContactEmail, &i.ContactName, &i.Period,
		&i.Status, &i.Reason, &due, &i.Attempts, &sent, &i.Delivery, &expires, &answered, &created)
	i.DueAt, i.ExpiresAt, i.CreatedAt = store.Time(due), store.Time(expires), store.Time(created)
	i.SentAt, i.AnsweredAt = store.NullTime(sent), store.NullTime(answered)
	if i.Status == InvSent && !now.Before(i.ExpiresAt) {
		i.Status = InvExpired
	}
	return i, err
}

func (s *Service) withPath(ctx context.Context, i *Invitation) error {
	if i.Delivery != DeliveryLog || (i.Status != InvSent) {
		return nil
	}
	tok, err := s.Token(ctx, i.ID)
	if err != nil {
		return err
	}
	i.SurveyPath = "/s/" + tok
	return nil
}

// Invitation returns an invitation.
func (s *Service) Invitation(ctx context.Context, id string) (Invitation, error) {
	i, err := scanInvitation(s.DB.Read.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM survey_invitations WHERE id = $1`, id), s.DB.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return Invitation{}, anchor.NotFound("survey invitation", id)
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("get survey invitation %s: %w", id, err)
	}
	return i, s.withPath(ctx, &i)
}

// InvitationFilter narrows Invitations.
type InvitationFilter struct {
	ProgramID  string
	Kind       string
	CustomerID string
	CaseID     string
	Status     string
	store.Page
}

// Invitations returns one page of invitations, newest first.
func (s *Service) Invitations(ctx context.Context, f InvitationFilter) ([]Invitation, string, error) {
	if f.Status != "" && !slices.Contains(InvitationStatuses, f.Status) {
		return nil, "", anchor.Invalid("status", "must be one of %s", strings.Join(InvitationStatuses, ", "))
	}
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		return nil, "", anchor.Invalid("kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	now := s.DB.Now()
	limit := f.Size()
	args := []any{f.CursorOrMax()}
	where := []string{"id < $1"}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for col, v := range map[string]string{"program_id": f.ProgramID, "kind": f.Kind, "customer_id": f.CustomerID, "case_id": f.CaseID} {
		if v != "" {
			where = append(where, col+" = "+arg(v))
		}
	}
	switch f.Status {
	case "":
	case InvExpired:
		where = append(where, "status = 'sent' AND expires_at <= "+arg(store.Millis(now)))
	case InvSent:
		where = append(where, "status = 'sent' AND expires_at > "+arg(store.Millis(now)))
	default:
		where = append(where, "status = "+arg(f.Status))
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+invitationColumns+` FROM survey_invitations WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC`+store.Limit(limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list survey invitations: %w", err)
	}
	out, next, err := store.CollectPage(rows, limit, func(r store.Scanner) (Invitation, error) { return scanInvitation(r, now) },
		func(i Invitation) string { return i.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list survey invitations: %w", err)
	}
	for k := range out {
		if err := s.withPath(ctx, &out[k]); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}
