package contactcenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"anchor"
	"anchor/internal/queuelog"
	"anchor/internal/store"
)

// stream is one source's row in cc_streams.
type stream struct {
	id      int64
	name    string
	kind    string
	nextSeq int64
	state   string
	version int
}

// Stream kinds: what the events of a stream are.
const (
	kindQueueLog = "queue_log"
	kindAnchor   = "anchor"
)

// openStream returns the named stream, creating it. Its id is the next
// free one, so the same sequence of imports gives the same ids.
func (s *Service) openStream(ctx context.Context, name, kind string) (stream, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 || strings.ContainsAny(name, "\n\r") {
		return stream{}, anchor.Invalid("source", "must be a name of 1 to 100 characters")
	}
	for attempt := 0; ; attempt++ {
		var st stream
		err := s.DB.Read.QueryRowContext(ctx, `SELECT id, name, kind, next_seq, state, version FROM cc_streams WHERE name = $1`, name).
			Scan(&st.id, &st.name, &st.kind, &st.nextSeq, &st.state, &st.version)
		if err == nil {
			if st.kind != kind {
				return stream{}, anchor.Invalid("source", "%q is a %s source; give %s events another source name", name, st.kind, kind)
			}
			return st, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return stream{}, fmt.Errorf("unable to read stream: %w", err)
		}
		err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO cc_streams (id, name, kind) SELECT COALESCE(MAX(id), 0) + 1, $1, $2 FROM cc_streams WHERE TRUE
				ON CONFLICT (name) DO NOTHING`, name, kind)
			return err
		})
		if err != nil && attempt >= 3 {
			return stream{}, fmt.Errorf("unable to create stream: %w", err)
		}
	}
}

// custRef is who a caller is.
type custRef struct{ customer, segment string }

// resolver maps names in the events to Anchor ids: queue names to queues,
// agent names to users (through aliases), caller numbers and addresses to
// customers and their segments. Queues and aliases it has to create are
// handed to the next batch, with ids derived from the name and the time
// first seen, so a resumed import creates the same rows.
type resolver struct {
	queues     []Queue
	byAsterisk map[string]Queue
	byName     map[string]Queue
	aliases    map[string]string // alias → user id, "" when unmapped
	phones     map[string]custRef
	emails     map[string]custRef
	customers  map[string]string // customer id → segment id
	rules      rollupRules

	newQueues  []Queue
	newAliases []Alias
	// For the report: queues created and unmapped aliases met.
	createdQueues []string
	unmapped      map[string]bool
}

func (s *Service) loadResolver(ctx context.Context) (*resolver, error) {
	r := &resolver{byAsterisk: map[string]Queue{}, byName: map[string]Queue{}, aliases: map[string]string{},
		phones: map[string]custRef{}, emails: map[string]custRef{}, customers: map[string]string{}, unmapped: map[string]bool{}}
	qs, err := queues(ctx, s.DB.Read)
	if err != nil {
		return nil, err
	}
	r.queues = qs
	for _, q := range qs {
		r.byName[q.Name] = q
		if q.AsteriskName != "" {
			r.byAsterisk[q.AsteriskName] = q
		}
	}
	r.rules = newRules(qs)
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT alias, COALESCE(user_id, '') FROM cc_agent_aliases`)
	if err != nil {
		return nil, fmt.Errorf("unable to load aliases: %w", err)
	}
	for rows.Next() {
		var a, u string
		if err := rows.Scan(&a, &u); err != nil {
			rows.Close()
			return nil, err
		}
		r.aliases[a] = u
	}
	rows.Close()
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT id, segment_id FROM customers`)
	if err != nil {
		return nil, fmt.Errorf("unable to load customers: %w", err)
	}
	for rows.Next() {
		var id, seg string
		if err := rows.Scan(&id, &seg); err != nil {
			rows.Close()
			return nil, err
		}
		r.customers[id] = seg
	}
	rows.Close()
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT cc.phone, cc.email, c.id, c.segment_id FROM customer_contacts cc JOIN customers c ON c.id = cc.customer_id ORDER BY c.id, cc.position`)
	if err != nil {
		return nil, fmt.Errorf("unable to load customer contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var phone, email string
		var c custRef
		if err := rows.Scan(&phone, &email, &c.customer, &c.segment); err != nil {
			return nil, err
		}
		// The first customer to list a number keeps it: a shared switchboard
		// number must not flip between customers from one load to the next.
		if k := phoneKey(phone); k != "" {
			if _, ok := r.phones[k]; !ok {
				r.phones[k] = c
			}
		}
		if e := strings.ToLower(strings.TrimSpace(email)); e != "" {
			if _, ok := r.emails[e]; !ok {
				r.emails[e] = c
			}
		}
	}
	return r, rows.Err()
}

// phoneKey normalises a phone number for matching: its digits, the last
// nine of them, so "+44 20 7946 0000", "020 7946 0000" and "442079460000"
// meet. Fewer than five digits is an extension, not a customer.
func phoneKey(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	if len(b) < 5 {
		return ""
	}
	if len(b) > 9 {
		b = b[len(b)-9:]
	}
	return string(b)
}

// customer finds the customer a caller id or address belongs to.
func (r *resolver) customer(caller string) custRef {
	caller = strings.TrimSpace(caller)
	if caller == "" {
		return custRef{}
	}
	if strings.Contains(caller, "@") {
		return r.emails[strings.ToLower(caller)]
	}
	return r.phones[phoneKey(caller)]
}

// asteriskQueue returns the queue of a queue_log queue name, creating it
// (auto_created, default thresholds) when none has that Asterisk name.
func (r *resolver) asteriskQueue(name string, seen time.Time) Queue {
	if q, ok := r.byAsterisk[name]; ok {
		return q
	}
	display := name
	if _, taken := r.byName[display]; taken {
		display = "asterisk:" + name
	}
	return r.create(Queue{Name: display, AsteriskName: name}, seen)
}

// namedQueue returns the queue an Anchor-schema event names: by Anchor
// name, else by Asterisk name, else a new one.
func (r *resolver) namedQueue(name string, seen time.Time) Queue {
	if q, ok := r.byName[name]; ok {
		return q
	}
	if q, ok := r.byAsterisk[name]; ok {
		return q
	}
	return r.create(Queue{Name: name}, seen)
}

func (r *resolver) create(q Queue, seen time.Time) Queue {
	ms := store.Millis(seen)
	q.ID = timedID(ms, "queue", q.Name, q.AsteriskName)
	q.ServiceLevelSeconds, q.ShortAbandonSeconds = DefaultServiceLevelSeconds, DefaultShortAbandonSeconds
	q.WrapUpReasons, q.AutoCreated, q.CreatedAt, q.Version = []string{}, true, store.Time(ms), 1
	r.byName[q.Name] = q
	if q.AsteriskName != "" {
		r.byAsterisk[q.AsteriskName] = q
	}
	r.queues = append(r.queues, q)
	r.newQueues = append(r.newQueues, q)
	r.createdQueues = append(r.createdQueues, q.Name)
	return q
}

// agent returns the user id of an agent name ("" when unmapped), creating
// an unmapped alias for a name never seen.
func (r *resolver) agent(alias string, seen time.Time) string {
	if alias == "" {
		return ""
	}
	u, ok := r.aliases[alias]
	if !ok {
		ms := store.Millis(seen)
		r.aliases[alias] = ""
		r.newAliases = append(r.newAliases, Alias{ID: timedID(ms, "alias", alias), Alias: alias, AutoCreated: true, CreatedAt: store.Time(ms)})
	}
	if u == "" {
		r.unmapped[alias] = true
	}
	return u
}

// take hands the queues and aliases created since the last call to a batch.
func (r *resolver) take(b *batch) {
	b.newQueues, b.newAliases = r.newQueues, r.newAliases
	r.newQueues, r.newAliases = nil, nil
}

func (r *resolver) unmappedList() []string {
	out := make([]string, 0, len(r.unmapped))
	for a := range r.unmapped {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// builderConfig is the queuelog configuration the queues give: each
// queue's wrap-up time by Asterisk name, and every wrap-up pause reason.
func (r *resolver) builderConfig(tolerance time.Duration, persistent bool) queuelog.Config {
	cfg := queuelog.Config{WrapUp: map[string]time.Duration{}, Tolerance: tolerance, PersistentMembers: persistent}
	seen := map[string]bool{}
	for _, q := range r.queues {
		if q.AsteriskName != "" && q.WrapUpSeconds > 0 {
			cfg.WrapUp[q.AsteriskName] = time.Duration(q.WrapUpSeconds) * time.Second
		}
		for _, w := range q.WrapUpReasons {
			if k := strings.ToLower(w); !seen[k] {
				seen[k] = true
				cfg.WrapUpPauseReasons = append(cfg.WrapUpPauseReasons, w)
			}
		}
	}
	slices.Sort(cfg.WrapUpPauseReasons)
	return cfg
}

// queueWrapUp is a queue's configured wrap-up, for Anchor-schema contacts
// that do not give their own.
func (r *resolver) queueWrapUp(q Queue) int64 { return int64(q.WrapUpSeconds) * 1000 }

// fromQueueLog turns a Builder record into a stored one.
func (r *resolver) fromQueueLog(streamID int64, c queuelog.ContactRecord) ContactRecord {
	q := r.asteriskQueue(c.Queue, c.OfferedAt)
	cust := r.customer(c.CallerID)
	rec := ContactRecord{
		ID:       timedID(store.Millis(c.OfferedAt), strconv.FormatInt(streamID, 10), c.CallID, strconv.Itoa(c.Visit), c.Queue),
		StreamID: streamID, CallID: c.CallID, Visit: c.Visit, Queue: c.Queue, QueueID: q.ID, Channel: "phone",
		Caller: c.CallerID, DID: c.DID, CustomerID: cust.customer, SegmentID: cust.segment,
		OfferedAt: c.OfferedAt, EndedAt: c.EndedAt,
		WaitMS: c.Wait.Milliseconds(), TalkMS: c.Talk.Milliseconds(), ACWMS: c.ACW.Milliseconds(), ACWMeasured: c.ACWMeasured,
		Outcome: string(c.Outcome), Reason: c.Reason, Agent: c.Agent, RingAttempts: c.RingAttempts, Unanswered: c.Unanswered,
		TransferKind: c.TransferKind, TransferTarget: c.TransferTarget, EndedBy: c.EndedBy, ExitKey: c.ExitKey,
		Partial: c.Partial, Truncated: c.Truncated,
		FirstEvent: eventID(streamID, int64(c.FirstLine)), LastEvent: eventID(streamID, int64(c.LastLine)),
	}
	if !c.AnsweredAt.IsZero() {
		t := c.AnsweredAt
		rec.AnsweredAt = &t
	}
	rec.AgentID = r.agent(c.Agent, c.OfferedAt)
	return rec
}

// fromQueueLogSession turns a Builder span into a stored one.
func (r *resolver) fromQueueLogSession(streamID int64, s queuelog.AgentSession) AgentSession {
	out := AgentSession{
		ID: timedID(store.Millis(s.Start), strconv.FormatInt(streamID, 10), s.Agent, s.Queue, string(s.Kind), s.Reason,
			strconv.Itoa(s.StartLine), strconv.Itoa(s.EndLine)),
		StreamID: streamID, Agent: s.Agent, Queue: s.Queue, Kind: string(s.Kind), Reason: s.Reason,
		Start: s.Start, End: s.End, Partial: s.Partial, Truncated: s.Truncated,
	}
	out.AgentID = r.agent(s.Agent, s.Start)
	if s.Queue != "" {
		out.QueueID = r.asteriskQueue(s.Queue, s.Start).ID
	}
	return out
}
