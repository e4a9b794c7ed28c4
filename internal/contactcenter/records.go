package contactcenter

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"anchor"
	"anchor/internal/queuelog"
	"anchor/internal/store"
)

// ContactRecord is one queue visit of one contact, as stored: the
// queuelog.ContactRecord (or an Anchor-schema contact event) with the
// queue, agent and customer resolved to Anchor ids. Durations are
// milliseconds.
type ContactRecord struct {
	ID         string `json:"id"`
	StreamID   int64  `json:"stream_id"`
	CallID     string `json:"call_id"`
	Visit      int    `json:"visit"`
	Queue      string `json:"queue"` // the name as logged
	QueueID    string `json:"queue_id"`
	Channel    string `json:"channel"`
	Caller     string `json:"caller,omitempty"`
	DID        string `json:"did,omitempty"`
	CustomerID string `json:"customer_id,omitempty"`
	SegmentID  string `json:"segment_id,omitempty"`
	// OfferedAt is when the contact entered the queue; the rollups count
	// the contact in this interval.
	OfferedAt  time.Time  `json:"offered_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	EndedAt    time.Time  `json:"ended_at"`
	WaitMS     int64      `json:"wait_ms"`
	TalkMS     int64      `json:"talk_ms"`
	HoldMS     int64      `json:"hold_ms"`
	// ACWMS is the after-contact work: a measured wrap-up pause
	// (ACWMeasured) or the queue's configured wrap-up time.
	ACWMS       int64  `json:"acw_ms"`
	ACWMeasured bool   `json:"acw_measured"`
	Outcome     string `json:"outcome"`
	// Reason is what rejected the contact (FULL, JOINEMPTY, CLOSED, ...).
	Reason         string   `json:"reason,omitempty"`
	Agent          string   `json:"agent,omitempty"` // the alias as logged
	AgentID        string   `json:"agent_id,omitempty"`
	RingAttempts   int      `json:"ring_attempts"`
	Unanswered     []string `json:"unanswered,omitempty"`
	TransferKind   string   `json:"transfer_kind,omitempty"`
	TransferTarget string   `json:"transfer_target,omitempty"`
	EndedBy        string   `json:"ended_by,omitempty"`
	ExitKey        string   `json:"exit_key,omitempty"`
	Partial        bool     `json:"partial"`
	Truncated      bool     `json:"truncated"`
	// FirstEvent and LastEvent are the ids of the raw events the record
	// begins and ends with, to trace a figure back to the log.
	FirstEvent int64 `json:"first_event"`
	LastEvent  int64 `json:"last_event"`
}

// AgentSession is a span of an agent's state (see queuelog.SessionKind):
// logged_in and paused per queue as logged, and the agent-level available
// and unavailable spans that rollups sum.
type AgentSession struct {
	ID        string    `json:"id"`
	StreamID  int64     `json:"stream_id"`
	Agent     string    `json:"agent"`
	AgentID   string    `json:"agent_id,omitempty"`
	Queue     string    `json:"queue,omitempty"`
	QueueID   string    `json:"queue_id,omitempty"`
	Kind      string    `json:"kind"`
	Reason    string    `json:"reason,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Partial   bool      `json:"partial"`
	Truncated bool      `json:"truncated"`
}

// Outcomes an Anchor-schema contact may have: queuelog's.
var Outcomes = []string{
	string(queuelog.OutcomeAnswered), string(queuelog.OutcomeTransferred), string(queuelog.OutcomeAbandoned),
	string(queuelog.OutcomeTimeout), string(queuelog.OutcomeExitKey), string(queuelog.OutcomeExitEmpty),
	string(queuelog.OutcomeWithdrawn), string(queuelog.OutcomeDropped), string(queuelog.OutcomeRejected),
	string(queuelog.OutcomeUnknown),
}

var recordColumns = []string{"id", "stream_id", "call_id", "visit", "queue", "queue_id", "channel", "caller", "did", "customer_id", "segment_id",
	"offered_at", "answered_at", "ended_at", "wait_ms", "talk_ms", "hold_ms", "acw_ms", "acw_measured", "outcome", "reason", "agent", "agent_id",
	"ring_attempts", "unanswered", "transfer_kind", "transfer_target", "ended_by", "exit_key", "partial", "truncated", "first_event", "last_event"}

// appendValues appends the recordColumns values to dst: a bulk insert
// fills its argument list without a slice per record.
func (r *ContactRecord) appendValues(dst []store.Value) []store.Value {
	answered := store.Null()
	if r.AnsweredAt != nil {
		answered = store.Int(store.Millis(*r.AnsweredAt))
	}
	text, num := store.Text, store.Int
	return append(dst, text(r.ID), num(r.StreamID), text(r.CallID), num(int64(r.Visit)), text(r.Queue), text(r.QueueID), text(r.Channel),
		text(r.Caller), text(r.DID), text(r.CustomerID), text(r.SegmentID),
		num(store.Millis(r.OfferedAt)), answered, num(store.Millis(r.EndedAt)), num(r.WaitMS), num(r.TalkMS), num(r.HoldMS), num(r.ACWMS),
		store.Bool(r.ACWMeasured), text(r.Outcome), text(r.Reason), text(r.Agent), text(r.AgentID), num(int64(r.RingAttempts)),
		text(strings.Join(r.Unanswered, ",")), text(r.TransferKind), text(r.TransferTarget), text(r.EndedBy), text(r.ExitKey),
		store.Bool(r.Partial), store.Bool(r.Truncated), num(r.FirstEvent), num(r.LastEvent))
}

func scanRecord(row store.Scanner) (ContactRecord, error) {
	var r ContactRecord
	var offered, ended int64
	var answered sql.NullInt64
	var unanswered string
	err := row.Scan(&r.ID, &r.StreamID, &r.CallID, &r.Visit, &r.Queue, &r.QueueID, &r.Channel, &r.Caller, &r.DID, &r.CustomerID, &r.SegmentID,
		&offered, &answered, &ended, &r.WaitMS, &r.TalkMS, &r.HoldMS, &r.ACWMS, &r.ACWMeasured, &r.Outcome, &r.Reason, &r.Agent, &r.AgentID,
		&r.RingAttempts, &unanswered, &r.TransferKind, &r.TransferTarget, &r.EndedBy, &r.ExitKey, &r.Partial, &r.Truncated, &r.FirstEvent, &r.LastEvent)
	if err != nil {
		return ContactRecord{}, err
	}
	r.OfferedAt, r.EndedAt, r.AnsweredAt = store.Time(offered), store.Time(ended), store.NullTime(answered)
	if unanswered != "" {
		r.Unanswered = strings.Split(unanswered, ",")
	}
	return r, nil
}

var sessionColumns = []string{"id", "stream_id", "agent", "agent_id", "queue", "queue_id", "kind", "reason", "start_at", "end_at", "partial", "truncated"}

// appendValues appends the sessionColumns values to dst.
func (s *AgentSession) appendValues(dst []store.Value) []store.Value {
	text, num := store.Text, store.Int
	return append(dst, text(s.ID), num(s.StreamID), text(s.Agent), text(s.AgentID), text(s.Queue), text(s.QueueID), text(s.Kind), text(s.Reason),
		num(store.Millis(s.Start)), num(store.Millis(s.End)), store.Bool(s.Partial), store.Bool(s.Truncated))
}

func scanSession(row store.Scanner) (AgentSession, error) {
	var s AgentSession
	var start, end int64
	if err := row.Scan(&s.ID, &s.StreamID, &s.Agent, &s.AgentID, &s.Queue, &s.QueueID, &s.Kind, &s.Reason, &start, &end, &s.Partial, &s.Truncated); err != nil {
		return AgentSession{}, err
	}
	s.Start, s.End = store.Time(start), store.Time(end)
	return s, nil
}

// RecordFilter narrows ContactRecords. From and To bound the offer time
// (half-open); zero means unbounded.
type RecordFilter struct {
	From, To time.Time
	QueueID  string
	AgentID  string
	Outcome  string
	CallID   string
	Page     store.Page
}

// ContactRecords lists records, newest offer first, a page at a time.
func (s *Service) ContactRecords(ctx context.Context, f RecordFilter) ([]ContactRecord, string, error) {
	if f.Outcome != "" && !contains(Outcomes, f.Outcome) {
		return nil, "", anchor.Invalid("outcome", "must be one of %s", strings.Join(Outcomes, ", "))
	}
	lo, hi := idRange(f.From, f.To)
	if f.Page.Cursor != "" && f.Page.Cursor < hi {
		hi = f.Page.Cursor
	}
	limit := f.Page.Size()
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+strings.Join(recordColumns, ", ")+` FROM cc_contact_records
		WHERE id >= $1 AND id < $2 AND ($3 = '' OR queue_id = $3) AND ($4 = '' OR agent_id = $4) AND ($5 = '' OR outcome = $5) AND ($6 = '' OR call_id = $6)
		ORDER BY id DESC`+store.Limit(limit+1), lo, hi, f.QueueID, f.AgentID, f.Outcome, f.CallID)
	if err != nil {
		return nil, "", fmt.Errorf("unable to list contact records: %w", err)
	}
	out, next, err := store.CollectPage(rows, limit, scanRecord, func(r ContactRecord) string { return r.ID })
	if err != nil {
		return nil, "", fmt.Errorf("unable to list contact records: %w", err)
	}
	return out, next, nil
}

// SessionFilter narrows AgentSessions. From and To bound the start time.
type SessionFilter struct {
	From, To time.Time
	AgentID  string
	Agent    string
	Kind     string
	Page     store.Page
}

// SessionKinds are the kinds of AgentSession.
var SessionKinds = []string{string(queuelog.SessionLoggedIn), string(queuelog.SessionPaused), string(queuelog.SessionAvailable), string(queuelog.SessionUnavailable)}

// AgentSessions lists agent spans, newest start first, a page at a time.
func (s *Service) AgentSessions(ctx context.Context, f SessionFilter) ([]AgentSession, string, error) {
	if f.Kind != "" && !contains(SessionKinds, f.Kind) {
		return nil, "", anchor.Invalid("kind", "must be one of %s", strings.Join(SessionKinds, ", "))
	}
	lo, hi := idRange(f.From, f.To)
	if f.Page.Cursor != "" && f.Page.Cursor < hi {
		hi = f.Page.Cursor
	}
	limit := f.Page.Size()
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+strings.Join(sessionColumns, ", ")+` FROM cc_agent_sessions
		WHERE id >= $1 AND id < $2 AND ($3 = '' OR agent_id = $3) AND ($4 = '' OR agent = $4) AND ($5 = '' OR kind = $5)
		ORDER BY id DESC`+store.Limit(limit+1), lo, hi, f.AgentID, f.Agent, f.Kind)
	if err != nil {
		return nil, "", fmt.Errorf("unable to list agent sessions: %w", err)
	}
	out, next, err := store.CollectPage(rows, limit, scanSession, func(s AgentSession) string { return s.ID })
	if err != nil {
		return nil, "", fmt.Errorf("unable to list agent sessions: %w", err)
	}
	return out, next, nil
}

// idRange turns a half-open time range into the id range of rows whose id
// begins with a time in it.
func idRange(from, to time.Time) (string, string) {
	lo, hi := idBound(0), "~"
	if !from.IsZero() {
		lo = idBound(store.Millis(from))
	}
	if !to.IsZero() {
		hi = idBound(store.Millis(to))
	}
	return lo, hi
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
