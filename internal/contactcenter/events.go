package contactcenter

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"anchor"
	"anchor/internal/queuelog"
	"anchor/internal/store"
)

// Event is one event in Anchor's own contact-center schema, for every
// platform that is not Asterisk (chat, email, a CCaaS export). There are two
// types. A "contact" is one finished queue visit of one contact, as a
// platform's interaction export lists it; an "agent_state" is a span of an
// agent's time, available or unavailable. Times are RFC 3339; durations are
// seconds (fractions allowed). In CSV the header names the same fields.
//
//	{"type":"contact","id":"chat-1041","channel":"chat","queue":"support",
//	 "offered_at":"2026-11-23T09:00:00Z","answered_at":"2026-11-23T09:00:12Z",
//	 "ended_at":"2026-11-23T09:06:12Z","outcome":"answered","agent":"ana@example.com",
//	 "wrap_seconds":30,"caller":"jo@acme.example"}
//	{"type":"agent_state","agent":"ana@example.com","state":"available",
//	 "start":"2026-11-23T08:00:00Z","end":"2026-11-23T12:00:00Z"}
//
// An event with an id is a duplicate of an earlier one with the same type
// and id in the same source, whatever else it says: contacts are final when
// sent. Without an id, only an identical event is a duplicate.
type Event struct {
	// Type is "contact" or "agent_state".
	Type string `json:"type"`
	// ID is the platform's own id of the contact or span.
	ID string `json:"id,omitempty"`

	// Channel is phone, email, web, chat, visit or social (contact).
	Channel string `json:"channel,omitempty"`
	// Queue names an Anchor queue (by name, else by Asterisk name); an
	// unknown name creates one (contact).
	Queue      string     `json:"queue,omitempty"`
	OfferedAt  *time.Time `json:"offered_at,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	// Outcome is one of Outcomes: answered, transferred, abandoned,
	// timeout, exit_key, exit_empty, withdrawn, dropped, rejected.
	Outcome string `json:"outcome,omitempty"`
	// Agent is the agent's name on that platform; map it to a user with an
	// alias.
	Agent string `json:"agent,omitempty"`
	// WaitSeconds defaults to answered_at − offered_at (or ended_at −
	// offered_at when not answered); TalkSeconds to ended_at −
	// answered_at; WrapSeconds to the queue's wrap-up time.
	WaitSeconds *float64 `json:"wait_seconds,omitempty"`
	TalkSeconds *float64 `json:"talk_seconds,omitempty"`
	HoldSeconds *float64 `json:"hold_seconds,omitempty"`
	WrapSeconds *float64 `json:"wrap_seconds,omitempty"`
	// Caller is the customer's phone number or email address: matched
	// against customer contacts for the customer and segment, unless
	// CustomerID or SegmentID are given.
	Caller         string `json:"caller,omitempty"`
	CustomerID     string `json:"customer_id,omitempty"`
	SegmentID      string `json:"segment_id,omitempty"`
	TransferTarget string `json:"transfer_target,omitempty"`
	// Reason is why a contact was rejected, or an unavailable span's
	// pause reason.
	Reason string `json:"reason,omitempty"`

	// State is "available" or "unavailable" (agent_state): logged in and
	// able to take contacts, or logged in but paused. Logged-in time is
	// their sum; a wrap-up reason counts as work, not as a pause.
	State string     `json:"state,omitempty"`
	Start *time.Time `json:"start,omitempty"`
	End   *time.Time `json:"end,omitempty"`
}

// Event types.
const (
	EventContact    = "contact"
	EventAgentState = "agent_state"
)

// Channels a contact may come by (the same as a case's).
var Channels = []string{"phone", "email", "web", "chat", "visit", "social"}

// EventError is an event that was not imported: its line (or array item,
// or CSV row) number, the field at fault and why.
type EventError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error gives the line, the field and the reason, as the import report
// prints them.
func (e EventError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Message)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Message)
}

func seconds(p *float64) (int64, bool) {
	if p == nil {
		return 0, false
	}
	return int64(math.Round(*p * 1000)), true
}

// Validate checks an event, naming the first bad field.
func (e *Event) Validate() error {
	e.Type = strings.TrimSpace(e.Type)
	for _, p := range []*float64{e.WaitSeconds, e.TalkSeconds, e.HoldSeconds, e.WrapSeconds} {
		if p != nil && (*p < 0 || *p > 7*86400 || math.IsNaN(*p)) {
			return anchor.Invalid(durationField(e, p), "must be from 0 to 604800 seconds")
		}
	}
	switch e.Type {
	case EventContact:
		switch {
		case !contains(Channels, e.Channel):
			return anchor.Invalid("channel", "must be one of %s", strings.Join(Channels, ", "))
		case strings.TrimSpace(e.Queue) == "":
			return anchor.Invalid("queue", "is required")
		case e.OfferedAt == nil:
			return anchor.Invalid("offered_at", "is required")
		case !contains(Outcomes, e.Outcome) || e.Outcome == string(queuelog.OutcomeUnknown):
			return anchor.Invalid("outcome", "must be one of %s", strings.Join(Outcomes[:len(Outcomes)-1], ", "))
		case e.AnsweredAt != nil && e.AnsweredAt.Before(*e.OfferedAt):
			return anchor.Invalid("answered_at", "is before offered_at")
		case e.EndedAt != nil && e.EndedAt.Before(*e.OfferedAt):
			return anchor.Invalid("ended_at", "is before offered_at")
		case e.EndedAt != nil && e.AnsweredAt != nil && e.EndedAt.Before(*e.AnsweredAt):
			return anchor.Invalid("ended_at", "is before answered_at")
		}
		if queuelog.Outcome(e.Outcome).Handled() && strings.TrimSpace(e.Agent) == "" {
			return anchor.Invalid("agent", "is required for a contact an agent handled")
		}
	case EventAgentState:
		switch {
		case strings.TrimSpace(e.Agent) == "":
			return anchor.Invalid("agent", "is required")
		case e.State != "available" && e.State != "unavailable":
			return anchor.Invalid("state", "must be available or unavailable")
		case e.Start == nil:
			return anchor.Invalid("start", "is required")
		case e.End == nil:
			return anchor.Invalid("end", "is required")
		case !e.End.After(*e.Start):
			return anchor.Invalid("end", "must be after start")
		case e.End.Sub(*e.Start) > 31*24*time.Hour:
			return anchor.Invalid("end", "a span may last at most 31 days")
		}
	default:
		return anchor.Invalid("type", "must be contact or agent_state")
	}
	return nil
}

func durationField(e *Event, p *float64) string {
	switch p {
	case e.WaitSeconds:
		return "wait_seconds"
	case e.TalkSeconds:
		return "talk_seconds"
	case e.HoldSeconds:
		return "hold_seconds"
	}
	return "wrap_seconds"
}

// at is the event's time: when the contact was offered or the span began.
func (e *Event) at() time.Time {
	if e.Type == EventContact {
		return e.OfferedAt.UTC()
	}
	return e.Start.UTC()
}

// key is the event's idempotency key within a source (see Event).
func (e *Event) key(streamName string, body []byte) int64 {
	h := sha256.New()
	if e.ID != "" {
		fmt.Fprintf(h, "%s\x00%s\x00%s", streamName, e.Type, e.ID)
	} else {
		h.Write(body)
	}
	return int64(binary.BigEndian.Uint64(h.Sum(nil)[:8]))
}

// EventReader reads events from JSON lines, a JSON array or CSV.
type EventReader struct {
	next func() (Event, int, error, bool)
}

// NewEventReader reads r in format "jsonl", "json", "csv", or "" to tell
// JSON from JSON lines by the first character (CSV must be named).
func NewEventReader(r io.Reader, format string) (*EventReader, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	if format == "" {
		format = "jsonl"
		for {
			c, err := br.ReadByte()
			if err != nil {
				break
			}
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xEF || c == 0xBB || c == 0xBF {
				continue
			}
			if c == '[' {
				format = "json"
			}
			br.UnreadByte() //nolint:errcheck // just read
			break
		}
	}
	switch format {
	case "jsonl":
		return &EventReader{next: jsonLines(br)}, nil
	case "json":
		return jsonArray(br)
	case "csv":
		return csvEvents(br)
	}
	return nil, anchor.Invalid("format", "must be jsonl, json or csv")
}

// Next returns the next event and its line number; err is set (and the
// event zero) for an item that is not a valid event. ok is false at the
// end.
func (r *EventReader) Next() (e Event, line int, err error, ok bool) { return r.next() }

func decodeEvent(data []byte) (Event, error) {
	var e Event
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Event{}, jsonError(err)
	}
	if dec.More() {
		return Event{}, anchor.Invalid("", "more than one JSON value on the line")
	}
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	return e, nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var pe *time.ParseError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return anchor.Invalid(te.Field, "has the wrong type (%s)", te.Value)
	case errors.As(err, &pe):
		return anchor.Invalid("", "a time is not RFC 3339: %q", pe.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return anchor.Invalid(strings.Trim(name, `"`), "unknown field")
	}
	return anchor.Invalid("", "not a JSON object: %v", err)
}

// maxEventLine bounds one JSON line: a real event is a few hundred bytes.
const maxEventLine = 64 * 1024

func jsonLines(br *bufio.Reader) func() (Event, int, error, bool) {
	line := 0
	failed := false
	return func() (Event, int, error, bool) {
		for {
			if failed {
				return Event{}, line, nil, false
			}
			raw, err := br.ReadSlice('\n')
			long := false
			for errors.Is(err, bufio.ErrBufferFull) {
				long = true
				_, err = br.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
				// A read error is reported once, as the next line's, and
				// ends the input: what follows cannot be trusted.
				failed = true
				return Event{}, line + 1, anchor.Invalid("", "unable to read: %v", err), true
			}
			if len(raw) == 0 && err != nil {
				return Event{}, line, nil, false
			}
			line++
			if long || len(raw) > maxEventLine {
				return Event{}, line, anchor.Invalid("", "line longer than %d bytes", maxEventLine), true
			}
			if len(bytes.TrimSpace(raw)) == 0 {
				if err != nil {
					return Event{}, line, nil, false
				}
				continue
			}
			e, derr := decodeEvent(raw)
			return e, line, derr, true
		}
	}
}

func jsonArray(br *bufio.Reader) (*EventReader, error) {
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil {
		return nil, anchor.Invalid("", "not a JSON array: %v", err)
	}
	item := 0
	done := false
	return &EventReader{next: func() (Event, int, error, bool) {
		if done || !dec.More() {
			return Event{}, item, nil, false
		}
		item++
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			done = true // a syntax error: nothing after it can be trusted
			return Event{}, item, anchor.Invalid("", "malformed JSON: %v", err), true
		}
		e, err := decodeEvent(raw)
		return e, item, err, true
	}}, nil
}

func csvEvents(br *bufio.Reader) (*EventReader, error) {
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, anchor.Invalid("", "CSV without a header row: %v", err)
	}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\uFEFF")))
	}
	return &EventReader{next: func() (Event, int, error, bool) {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return Event{}, 0, nil, false
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Event{}, pe.Line, anchor.Invalid("", "%v", pe.Err), true
		}
		if err != nil {
			return Event{}, 0, anchor.Invalid("", "%v", err), false
		}
		line, _ := cr.FieldPos(0)
		obj := map[string]any{}
		for i, v := range rec {
			if i >= len(header) || strings.TrimSpace(v) == "" {
				continue
			}
			v = strings.TrimSpace(v)
			if strings.HasSuffix(header[i], "_seconds") {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return Event{}, line, anchor.Invalid(header[i], "must be a number of seconds"), true
				}
				obj[header[i]] = f
				continue
			}
			obj[header[i]] = v
		}
		raw, _ := json.Marshal(obj)
		e, derr := decodeEvent(raw)
		return e, line, derr, true
	}}, nil
}

// EventImportOptions tune ImportEvents.
type EventImportOptions struct {
	// Stream names the source (default "api").
	Stream string
	// BatchSize is how many events go into one transaction (default 5000).
	BatchSize int
}

// EventReport sums up an import of Anchor-schema events.
type EventReport struct {
	Stream     string       `json:"source"`
	Received   int          `json:"received"`
	Imported   int          `json:"imported"`
	Duplicates int          `json:"duplicates"`
	Errors     []EventError `json:"errors"`
	// NewQueues and UnmappedAgents are as in ImportReport.
	NewQueues      []string `json:"new_queues"`
	UnmappedAgents []string `json:"unmapped_agents"`
}

// ImportEvents imports Anchor-schema events. A bad event is reported with
// its line and field and skipped; the rest are imported. Each batch is one
// transaction, and an event already stored is skipped, so running an import
// again after a crash, or twice, gives the same database.
func (s *Service) ImportEvents(ctx context.Context, er *EventReader, opt EventImportOptions) (EventReport, error) {
	if opt.Stream == "" {
		opt.Stream = "api"
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 5000
	}
	im, err := s.newImporter(ctx, opt.Stream, kindAnchor)
	if err != nil {
		return EventReport{}, err
	}
	rep := EventReport{Stream: im.st.name, Errors: []EventError{}}
	type pending struct {
		ev   Event
		body []byte
		at   int64
		hkey int64
	}
	var chunk []pending
	// try writes the chunk as one batch; it reports what it counted only
	// when the batch committed.
	try := func() (dups, imported int, err error) {
		keys := make([]eventKey, 0, len(chunk))
		for _, p := range chunk {
			keys = append(keys, eventKey{p.at, p.hkey})
		}
		seen, err := im.keys.stored(ctx, keys)
		if err != nil {
			return 0, 0, err
		}
		b := &batch{rollups: rollupSet{}}
		seq := im.seq
		for _, p := range chunk {
			k := eventKey{p.at, p.hkey}
			if seen[k] {
				dups++
				continue
			}
			seen[k] = true
			b.events.add(eventID(im.st.id, seq), p.at, p.hkey, string(p.body))
			im.res.addAnchorEvent(b, im.st, p.ev, p.hkey, eventID(im.st.id, seq))
			seq++
			imported++
		}
		b.streamID, b.version, b.nextSeq = im.st.id, im.version, seq
		im.res.take(b)
		if b.empty() {
			return dups, 0, nil
		}
		if err := s.commit(ctx, nil, b); err != nil {
			return 0, 0, err
		}
		im.seq = seq
		im.version++
		return dups, imported, nil
	}
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		for attempt := 0; ; attempt++ {
			dups, imported, err := try()
			if errors.Is(err, errStreamBusy) && attempt < 10 {
				// Another request pushed to the same source meanwhile: pick
				// up where it left the stream, and the queues and aliases it
				// created, and try again.
				created, unmapped := im.res.createdQueues, im.res.unmapped
				if im.st, err = s.openStream(ctx, im.st.name, kindAnchor); err != nil {
					return err
				}
				if im.res, err = s.loadResolver(ctx); err != nil {
					return err
				}
				im.res.createdQueues, im.res.unmapped = created, unmapped
				im.seq, im.version = im.st.nextSeq, im.st.version
				continue
			}
			if err != nil {
				return err
			}
			rep.Duplicates += dups
			rep.Imported += imported
			chunk = chunk[:0]
			return nil
		}
	}
	for {
		ev, line, perr, ok := er.Next()
		if !ok {
			break
		}
		rep.Received++
		if perr != nil {
			var ae *anchor.Error
			ee := EventError{Line: line, Message: perr.Error()}
			if errors.As(perr, &ae) {
				ee.Field, ee.Message = ae.Field, ae.Message
			}
			if len(rep.Errors) < 1000 {
				rep.Errors = append(rep.Errors, ee)
			}
			continue
		}
		body, _ := json.Marshal(ev)
		at := ev.at()
		chunk = append(chunk, pending{ev: ev, body: body, at: store.Millis(at), hkey: ev.key(im.st.name, body)})
		if len(chunk) >= opt.BatchSize {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	rep.NewQueues = append([]string{}, im.res.createdQueues...)
	rep.UnmappedAgents = im.res.unmappedList()
	return rep, nil
}

// addAnchorEvent turns an Anchor-schema event into its record or span and
// its rollup counts, in batch b.
func (r *resolver) addAnchorEvent(b *batch, st stream, e Event, hkey, evID int64) {
	ref := e.ID
	if ref == "" {
		ref = strconv.FormatInt(hkey, 36)
	}
	sid := strconv.FormatInt(st.id, 10)
	if e.Type == EventAgentState {
		start, end := e.Start.UTC(), e.End.UTC()
		sp := AgentSession{ID: timedID(store.Millis(start), sid, "anchor", ref), StreamID: st.id, Agent: e.Agent,
			Kind: e.State, Reason: e.Reason, Start: start, End: end}
		sp.AgentID = r.agent(e.Agent, start)
		b.rollups.addSession(&sp, r.rules, 0, 0)
		b.sessions = append(b.sessions, sp)
		return
	}
	offered := e.OfferedAt.UTC()
	q := r.namedQueue(e.Queue, offered)
	rec := ContactRecord{ID: timedID(store.Millis(offered), sid, "anchor", ref), StreamID: st.id, CallID: ref, Visit: 1,
		Queue: e.Queue, QueueID: q.ID, Channel: e.Channel, Caller: e.Caller, OfferedAt: offered, Outcome: e.Outcome,
		Reason: e.Reason, Agent: e.Agent, TransferTarget: e.TransferTarget, FirstEvent: evID, LastEvent: evID}
	handled := queuelog.Outcome(e.Outcome).Handled()
	if handled {
		rec.RingAttempts = 1
	}
	if e.TransferTarget != "" {
		rec.TransferKind = "anchor"
	}
	wait, hasWait := seconds(e.WaitSeconds)
	if !hasWait {
		switch {
		case e.AnsweredAt != nil:
			wait = e.AnsweredAt.Sub(offered).Milliseconds()
		case e.EndedAt != nil && !handled:
			wait = e.EndedAt.Sub(offered).Milliseconds()
		}
	}
	rec.WaitMS = wait
	if e.AnsweredAt != nil {
		t := e.AnsweredAt.UTC()
		rec.AnsweredAt = &t
	} else if handled {
		t := offered.Add(time.Duration(wait) * time.Millisecond)
		rec.AnsweredAt = &t
	}
	talk, hasTalk := seconds(e.TalkSeconds)
	if !hasTalk && e.EndedAt != nil && rec.AnsweredAt != nil {
		talk = e.EndedAt.Sub(*rec.AnsweredAt).Milliseconds()
	}
	rec.TalkMS = talk
	rec.HoldMS, _ = seconds(e.HoldSeconds)
	if handled {
		if w, ok := seconds(e.WrapSeconds); ok {
			rec.ACWMS, rec.ACWMeasured = w, true
		} else {
			rec.ACWMS = r.queueWrapUp(q)
		}
	}
	switch {
	case e.EndedAt != nil:
		rec.EndedAt = e.EndedAt.UTC()
	case rec.AnsweredAt != nil:
		rec.EndedAt = rec.AnsweredAt.Add(time.Duration(talk+rec.HoldMS) * time.Millisecond)
	default:
		rec.EndedAt = offered.Add(time.Duration(wait) * time.Millisecond)
	}
	cust := r.customer(e.Caller)
	if e.CustomerID != "" {
		cust = custRef{customer: e.CustomerID, segment: r.customers[e.CustomerID]}
	}
	if e.SegmentID != "" {
		cust.segment = e.SegmentID
	}
	rec.CustomerID, rec.SegmentID = cust.customer, cust.segment
	rec.AgentID = r.agent(e.Agent, offered)
	b.rollups.addRecord(&rec, r.rules)
	b.records = append(b.records, rec)
}
