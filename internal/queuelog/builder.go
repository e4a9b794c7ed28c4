package queuelog

import (
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Outcome is how a queue visit ended.
type Outcome string

// Visit outcomes. DESIGN.md's abandon_rate counts only OutcomeAbandoned as
// abandoned; timeout, exit by key, exit empty and withdrawn are the "other
// exits", offered but not abandoned.
const (
	// OutcomeAnswered: a member took the call (CONNECT, then COMPLETE*).
	OutcomeAnswered Outcome = "answered"
	// OutcomeTransferred: answered, then transferred by the member.
	OutcomeTransferred Outcome = "transferred"
	// OutcomeAbandoned: the caller hung up while waiting (ABANDON).
	OutcomeAbandoned Outcome = "abandoned"
	// OutcomeTimeout: the queue's timeout ran out (EXITWITHTIMEOUT); with
	// an overflow dialplan the call goes on to a next visit.
	OutcomeTimeout Outcome = "timeout"
	// OutcomeExitKey: the caller pressed a key to leave (EXITWITHKEY).
	OutcomeExitKey Outcome = "exit_key"
	// OutcomeExitEmpty: leavewhenempty removed the caller (EXITEMPTY).
	OutcomeExitEmpty Outcome = "exit_empty"
	// OutcomeWithdrawn: removed by QueueWithdrawCaller (WITHDRAW).
	OutcomeWithdrawn Outcome = "withdrawn"
	// OutcomeDropped: answered but dropped by Asterisk because the
	// channels were incompatible (SYSCOMPAT): a system failure, neither
	// handled nor abandoned by the customer.
	OutcomeDropped Outcome = "dropped"
	// OutcomeRejected: the caller never entered the queue: the dialplan
	// logged FULL, JOINEMPTY, JOINUNAVAIL or CLOSED with QueueLog(). Not an
	// offered contact; Reason says which.
	OutcomeRejected Outcome = "rejected"
	// OutcomeUnknown: still waiting when the log stopped or Asterisk
	// restarted (Flush, QUEUESTART); Truncated is set.
	OutcomeUnknown Outcome = "unknown"
)

// Handled reports whether a member handled the contact, which is what
// aht and occupancy count.
func (o Outcome) Handled() bool { return o == OutcomeAnswered || o == OutcomeTransferred }

// ContactRecord is one queue visit of one call: the unit that abandon_rate,
// service_level, asa and aht count. A call that overflows from queue A to
// queue B gives two records with the same CallID and Visit 1 and 2.
type ContactRecord struct {
	CallID string
	// Visit numbers the call's visits to queues, from 1, in order.
	Visit int
	Queue string
	// CallerID is the caller's number from ENTERQUEUE; DID the dialled
	// number from a QueueLog() DID line, when the dialplan writes one.
	CallerID, DID string
	// OfferedAt is when the call entered the queue.
	OfferedAt time.Time
	// Wait is the time in the queue until answered, or until it left
	// unanswered. From the holdtime/waittime Asterisk logs when present
	// (immune to clock jitter between lines), else from the timestamps.
	Wait    time.Duration
	Outcome Outcome
	// Reason is the event that rejected the call (OutcomeRejected).
	Reason string
	// Agent is the member who answered (or, for SYSCOMPAT and an ABANDON
	// during the member's announcement, who was about to).
	Agent string
	// AnsweredAt is when the member answered; zero if never.
	AnsweredAt time.Time
	// Talk is the time connected (calltime).
	Talk time.Duration
	// ACW is the after-contact work of a handled contact: the length of a
	// wrap-up pause taken right after it (ACWMeasured) or else the queue's
	// configured wrap-up time.
	ACW         time.Duration
	ACWMeasured bool
	// RingAttempts counts members rung for this visit: each RINGNOANSWER,
	// RINGCANCELED and AGENTDUMP, plus the ring that was answered.
	RingAttempts int
	// Unanswered lists, in order, the members rung who did not take it.
	Unanswered []string
	// TransferKind and TransferTarget describe a transfer (see Transfer).
	TransferKind, TransferTarget string
	// EndedAt is when the visit ended: completion, transfer or exit.
	EndedAt time.Time
	// EndedBy is "agent" or "caller" for COMPLETEAGENT/COMPLETECALLER.
	EndedBy string
	// ExitKey is the key pressed (OutcomeExitKey).
	ExitKey string
	// Position is where the caller was when it left; OrigPosition where it
	// joined. Zero when not logged.
	Position, OrigPosition int
	// Partial is set when the visit's ENTERQUEUE is not in the input (the
	// call began before the log did): OfferedAt is then reconstructed
	// from the logged wait.
	Partial bool
	// Truncated is set when the visit had not ended when Flush or a
	// QUEUESTART closed it.
	Truncated bool
	// FirstLine and LastLine are the input lines of its first and last
	// events, for tracing a figure back to the log.
	FirstLine, LastLine int
}

// SessionKind is the kind of an agent span.
type SessionKind string

// Agent span kinds; availability = (logged in − paused) / logged in.
const (
	// SessionLoggedIn: a member of a queue (ADDMEMBER to REMOVEMEMBER) or,
	// with Queue "", an agent logged in (AGENTLOGIN to AGENTLOGOFF).
	SessionLoggedIn SessionKind = "logged_in"
	// SessionPaused: paused in a queue (PAUSE to UNPAUSE), or in all queues
	// with Queue "" (PAUSEALL to UNPAUSEALL). Asterisk also writes a PAUSE
	// line per queue after a PAUSEALL, so the two overlap: measure paused
	// time with Coverage, which counts overlapping spans once.
	SessionPaused SessionKind = "paused"
	// SessionAvailable (Queue ""): logged in somewhere and not paused
	// everywhere it is a member: the time the agent could take a contact.
	SessionAvailable SessionKind = "available"
	// SessionUnavailable (Queue ""): logged in somewhere but paused
	// everywhere it is a member. Available and unavailable spans of one
	// agent never overlap and together cover its logged-in time, so interval
	// totals of logged-in, available and paused time can be summed span by
	// span without the overlap Coverage has to undo; Reason is the pause
	// reason in force when the span began.
	SessionUnavailable SessionKind = "unavailable"
)

// AgentSession is a span of an agent's state.
type AgentSession struct {
	Agent string
	// Queue is the queue the span applies to, "" for all queues.
	Queue string
	Kind  SessionKind
	// Reason is the pause reason (SessionPaused).
	Reason     string
	Start, End time.Time
	// Partial is set when the start is not in the input and was
	// reconstructed (AGENTLOGOFF logs how long the agent was logged in).
	Partial bool
	// Truncated is set when Flush or a QUEUESTART closed the span.
	Truncated          bool
	StartLine, EndLine int
}

// Duration is End − Start.
func (s AgentSession) Duration() time.Duration { return s.End.Sub(s.Start) }

// Config is what the Builder needs to know beyond the log.
type Config struct {
	// WrapUp is each queue's configured wrap-up time (queues.conf
	// wrapuptime), used as a handled contact's ACW when no wrap-up pause
	// follows it.
	WrapUp map[string]time.Duration
	// WrapUpPauseReasons are pause reasons that mean "wrap-up"; compared
	// without regard to case.
	WrapUpPauseReasons []string
	// WrapUpPauseWithin is how soon after a call ends a wrap-up pause must
	// start to count as that call's ACW (default 10 s).
	WrapUpPauseWithin time.Duration
	// Tolerance is how far apart in time two lines may be and still be
	// taken as out of order or duplicated rather than separate (default
	// 2 s): Asterisk stamps lines with whole seconds from several threads,
	// and database exports sort rows of the same second arbitrarily.
	Tolerance time.Duration
	// PersistentMembers mirrors queues.conf persistentmembers: Asterisk
	// re-adds dynamic members after a restart without logging ADDMEMBER,
	// so their logged-in spans are reopened after a QUEUESTART.
	PersistentMembers bool
}

func (c Config) tolerance() time.Duration {
	if c.Tolerance > 0 {
		return c.Tolerance
	}
	return 2 * time.Second
}

func (c Config) wrapWithin() time.Duration {
	if c.WrapUpPauseWithin > 0 {
		return c.WrapUpPauseWithin
	}
	return 10 * time.Second
}

// Stats counts what the Builder did with its input, for the import report.
type Stats struct {
	Events int
	// Ignored are events the Builder has no use for (unknown kinds,
	// PENALTY, CONFIGRELOAD, lines without the ids they need); they are
	// still valid events for the event store.
	Ignored int
	// Orphans are visits whose ENTERQUEUE was not seen.
	Orphans int
	// Merged are ENTERQUEUE lines that arrived after later events of the
	// same visit and were merged into it.
	Merged int
	// Duplicates are end events for a visit that had already ended.
	Duplicates int
	// UnmatchedUnpause counts UNPAUSE/UNPAUSEALL with no open pause, and
	// UnmatchedLogoff REMOVEMEMBER/AGENTLOGOFF with no open login.
	UnmatchedUnpause, UnmatchedLogoff int
	// Restarts counts QUEUESTART lines.
	Restarts int
}

// Builder turns queue_log events, fed in file order, into ContactRecords
// and AgentSessions. It holds no clock: time advances with the events.
// Records are handed out once complete, which for a handled contact is
// after its wrap-up window has passed; Flush closes everything.
//
// A Builder is for one continuous stream (one file, or rotated files in
// order); it is not safe for concurrent use.
type Builder struct {
	cfg      Config
	wrap     map[string]bool
	now      time.Time
	open     openVisits
	calls    map[string]*callState
	ages     callAges // b.calls, oldest first, for prune
	pending  []*visit
	free     []*visit // finished visits, for newVisit
	agents   map[string]*agentState
	contacts []ContactRecord
	sessions []AgentSession
	stats    Stats
	// lastPrune is when forgotten calls were last dropped (log time);
	// nextPrune is an hour later, when Add prunes next.
	lastPrune, nextPrune time.Time
	// releaseSec is a Unix second no later than that of the earliest
	// releaseAt of a pending record not in a wrap-up pause (of all pending
	// records after a restore), so that release need not look at them
	// all while the log is before it: math.MaxInt64 for none.
	releaseSec int64
}

// openVisits are the visits in progress, by call id: a look-up by one
// string costs about half one by a call id and queue name pair, and a
// call is in one queue at a time but for overlaps. A call's open visits
// are a list, through their nextOpen and prevOpen, of one or two.
type openVisits struct {
	byCall map[string]*visit // the first of the call's list
	n      int
}

// find returns the open visit of a call (whose list begins with head) to
// queue, or nil.
func (o *openVisits) find(head *visit, queue string) *visit {
	for v := head; v != nil; v = v.nextOpen {
		if v.rec.Queue == queue {
			return v
		}
	}
	return nil
}

// get returns the open visit of call id to queue, or nil.
func (o *openVisits) get(id, queue string) *visit { return o.find(o.byCall[id], queue) }

// push opens v, a visit of a call whose list of open visits begins with
// head, putting v first.
func (o *openVisits) push(head, v *visit) {
	v.nextOpen = head
	if head != nil {
		head.prevOpen = v
	}
	o.byCall[v.rec.CallID] = v
	o.n++
}

// remove takes v, which is open, out of the open visits.
func (o *openVisits) remove(v *visit) {
	switch {
	case v.prevOpen != nil:
		v.prevOpen.nextOpen = v.nextOpen
	case v.nextOpen != nil:
		o.byCall[v.rec.CallID] = v.nextOpen
	default:
		delete(o.byCall, v.rec.CallID)
	}
	if v.nextOpen != nil {
		v.nextOpen.prevOpen = v.prevOpen
	}
	v.nextOpen, v.prevOpen = nil, nil
	o.n--
}

// all lists the open visits, in no particular order.
func (o *openVisits) all() []*visit {
	out := make([]*visit, 0, o.n)
	for _, head := range o.byCall {
		for v := head; v != nil; v = v.nextOpen {
			out = append(out, v)
		}
	}
	return out
}

// visit is a call's visit to a queue: open (in b.open) until it ends,
// then pending (in b.pending) until its record is released. The same
// visit goes from one to the other, so that ending a visit neither
// allocates nor copies its record.
type visit struct {
	rec       ContactRecord
	connected bool
	entered   bool
	// cs is the call's state, to save looking it up on each event of the
	// visit; nil (after a restore), or pruned, it is looked up again.
	cs *callState
	// nextOpen and prevOpen link the call's open visits (openVisits).
	nextOpen, prevOpen *visit
	// agent is the agentState of rec.Agent when it has been looked up,
	// to save looking it up again at the end of the visit; it is only
	// used while its name is rec.Agent.
	agent *agentState

	// Pending: released after releaseAt. awaitPause: a handled contact
	// whose agent may still start a wrap-up pause; inPause: that pause
	// has started at pauseStart in pauseQueue.
	releaseAt           time.Time
	awaitPause, inPause bool
	pauseStart          time.Time
	pauseQueue          string
}

type callState struct {
	id     string
	visits int
	did    string
	last   time.Time
	// closed holds, by queue name, when a visit last ended by its own end
	// event, to recognise duplicate and late lines.
	closed []queueEnd
	// pruned is set when prune forgets the call.
	pruned bool
}

// newCallState returns a callState for id with room for the end of one
// visit: nearly every call visits one queue, and the room is allocated
// with the callState rather than on its own when the visit ends.
func newCallState(id string) *callState {
	c := &struct {
		cs  callState
		end [1]queueEnd
	}{cs: callState{id: id}}
	c.cs.closed = c.end[:0]
	return &c.cs
}

// queueEnd is when a call's visit to queue last ended. A call visits a
// queue or two, so a sorted slice serves better than a map.
type queueEnd struct {
	queue string
	at    time.Time
}

// closedAt is when the call's visit to queue q last ended by its own end
// event, if it has.
func (cs *callState) closedAt(q string) (time.Time, bool) {
	for _, c := range cs.closed {
		if c.queue == q {
			return c.at, true
		}
	}
	return time.Time{}, false
}

// setClosed records that the call's visit to q ended at at.
func (cs *callState) setClosed(q string, at time.Time) {
	i, found := slices.BinarySearchFunc(cs.closed, q, func(c queueEnd, q string) int { return strings.Compare(c.queue, q) })
	if found {
		cs.closed[i].at = at
		return
	}
	cs.closed = slices.Insert(cs.closed, i, queueEnd{q, at})
}

type agentState struct {
	name   string
	login  map[string]*AgentSession
	pause  map[string]*AgentSession
	avail  *AgentSession
	unav   *AgentSession
	queues map[string]bool
	acw    *visit
}

// NewBuilder returns a Builder with the given configuration.
func NewBuilder(cfg Config) *Builder {
	b := &Builder{
		cfg:    cfg,
		wrap:   make(map[string]bool),
		open:   openVisits{byCall: make(map[string]*visit)},
		calls:  make(map[string]*callState),
		agents: make(map[string]*agentState),
		// An hour after lastPrune, which is zero.
		nextPrune:  time.Time{}.Add(time.Hour),
		releaseSec: math.MaxInt64,
	}
	for _, r := range cfg.WrapUpPauseReasons {
		b.wrap[strings.ToLower(strings.TrimSpace(r))] = true
	}
	return b
}

// Take returns the contact records and agent sessions completed since the
// last call, and forgets them.
func (b *Builder) Take() ([]ContactRecord, []AgentSession) {
	c, s := b.contacts, b.sessions
	b.contacts, b.sessions = c[len(c):], s[len(s):]
	return handOut(c), handOut(s)
}

// TakeReused is Take for a caller that is done with what it returns
// before it next calls Add: the Builder then fills the same memory again,
// where Take hands out memory the Builder never touches again. An import
// converts the records at once, and new memory for them was a quarter of
// what it allocated.
func (b *Builder) TakeReused() ([]ContactRecord, []AgentSession) {
	c, s := b.contacts, b.sessions
	b.contacts, b.sessions = c[:0], s[:0]
	return c, s
}

// handOut returns s with no room to append, or nil if it is empty: the
// Builder goes on filling the array after it (see emit).
func handOut[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s[:len(s):len(s)]
}

// emit appends v to out, the records or sessions that Take will hand
// out. Take is called after nearly every event, so out grows by chunks
// that many calls to Take share rather than an array per call; what Take
// handed out is never written again.
func emit[T any](out []T, v *T) []T {
	if len(out) == cap(out) {
		out = slices.Grow(out, max(64, len(out)))
	}
	return append(out, *v)
}

// Stats returns the counters so far.
func (b *Builder) Stats() Stats { return b.stats }

// Add feeds the next event. Events must come in input order; timestamps
// that step back by a second or two are tolerated (durations never go
// negative).
func (b *Builder) Add(e Event) {
	b.stats.Events++
	if e.Time.After(b.now) {
		b.now = e.Time
		b.release(false)
	}
	if b.now.After(b.nextPrune) {
		b.lastPrune = b.now
		b.nextPrune = b.now.Add(time.Hour)
		b.prune()
	}
	kind := kindCode(e.Kind)
	var f Fields
	_ = e.decode(kind, &f) // a malformed number is simply not used
	if !b.add(&e, kind, &f) {
		b.stats.Ignored++
	}
}

// add applies e, reporting whether it had a use for it.
func (b *Builder) add(e *Event, kind eventKind, f *Fields) bool {
	switch kind {
	case evEnterQueue:
		if callOK(e) {
			b.enter(e, f)
			return true
		}
	case evConnect:
		if callOK(e) {
			b.connect(e, f)
			return true
		}
	case evRingNoAnswer, evRingCanceled, evAgentDump:
		if callOK(e) {
			b.ring(e)
			return true
		}
	case evCompleteAgent, evCompleteCaller, evBlindTransfer, evAttendedTransfer, evTransfer:
		if callOK(e) {
			b.complete(e, kind, f)
			return true
		}
	case evAbandon, evExitWithTimeout, evExitEmpty, evExitWithKey, evWithdraw, evSysCompat:
		if callOK(e) {
			b.exit(e, kind, f)
			return true
		}
	case evFull, evJoinEmpty, evJoinUnavail, evClosed:
		if callOK(e) {
			b.reject(e, kind)
			return true
		}
	case evDID:
		if id(e.CallID) != "" {
			b.call(e.CallID, e.Time).did = f.DID
			return true
		}
	case evAddMember, evRemoveMember, evAgentLogin, evAgentCallbackLogin,
		evAgentLogoff, evAgentCallbackLogoff, evPause, evUnpause, evPauseAll, evUnpauseAll:
		if id(e.Agent) != "" {
			b.agentEvent(e, kind, f)
			return true
		}
	case evQueueStart:
		b.stats.Restarts++
		b.restart(e)
		return true
	}
	return false
}

// id maps Asterisk's placeholder ids to "".
func id(s string) string {
	s = trimSpace(s)
	switch s {
	case "NONE", "none", "":
		return ""
	}
	return s
}

// callOK reports whether e names a call and a queue.
func callOK(e *Event) bool {
	return id(e.CallID) != "" && id(e.Queue) != ""
}

func (b *Builder) call(callID string, t time.Time) *callState {
	cs := b.calls[callID]
	if cs == nil {
		cs = newCallState(callID)
		if t.After(cs.last) {
			cs.last = t
		}
		b.calls[callID] = cs
		b.ages.push(callAge{cs.last.Unix(), cs})
		return cs
	}
	if t.After(cs.last) {
		cs.last = t
	}
	return cs
}

// callOf is b.call for v's call, without looking it up again while v
// holds it.
func (b *Builder) callOf(v *visit, t time.Time) *callState {
	if v.cs == nil || v.cs.pruned {
		v.cs = b.call(v.rec.CallID, t)
	} else if t.After(v.cs.last) {
		v.cs.last = t
	}
	return v.cs
}

func (b *Builder) enter(e *Event, f *Fields) {
	cs := b.call(e.CallID, e.Time)
	tol := b.cfg.tolerance()
	head := b.open.byCall[e.CallID]
	if v := b.open.find(head, e.Queue); v != nil {
		if !v.entered && near(e.Time, v.rec.OfferedAt, tol) {
			b.mergeEnter(&v.rec, e, f)
			v.entered = true
			return
		}
		// The previous visit never logged its end: close it where it was
		// last seen rather than invent an end.
		b.truncate(v, v.rec.EndedAt)
		head = b.open.byCall[e.CallID]
	}
	for _, p := range b.pending {
		if !p.entered && p.rec.CallID == e.CallID && p.rec.Queue == e.Queue &&
			!e.Time.Before(p.rec.OfferedAt.Add(-tol)) && !e.Time.After(p.rec.EndedAt.Add(tol)) {
			b.mergeEnter(&p.rec, e, f)
			p.entered = true
			return
		}
	}
	cs.visits++
	v := b.newVisit()
	v.entered, v.cs = true, cs
	v.rec = ContactRecord{
		CallID:    e.CallID,
		Visit:     cs.visits,
		Queue:     e.Queue,
		CallerID:  f.CallerID,
		DID:       cs.did,
		OfferedAt: e.Time,
		EndedAt:   e.Time,
		FirstLine: e.Line,
		LastLine:  e.Line,
	}
	if f.HasPosition {
		v.rec.OrigPosition = f.Position
	}
	b.open.push(head, v)
}

// mergeEnter applies an ENTERQUEUE that arrived after later lines of its
// visit (same-second rows sorted differently in a database export).
func (b *Builder) mergeEnter(r *ContactRecord, e *Event, f *Fields) {
	b.stats.Merged++
	b.stats.Orphans--
	r.Partial = false
	r.OfferedAt = e.Time
	r.CallerID = f.CallerID
	if f.HasPosition && r.OrigPosition == 0 {
		r.OrigPosition = f.Position
	}
	if e.Line < r.FirstLine || r.FirstLine == 0 {
		r.FirstLine = e.Line
	}
}

func near(a, b time.Time, tol time.Duration) bool {
	d := a.Sub(b)
	return d <= tol && d >= -tol
}

// visitFor finds the open visit an event belongs to, or starts an orphan
// visit for a call whose ENTERQUEUE is not in the input. It returns nil
// for a late or repeated line of a visit that has already ended.
func (b *Builder) visitFor(e *Event) *visit {
	head := b.open.byCall[e.CallID]
	if v := b.open.find(head, e.Queue); v != nil {
		b.callOf(v, e.Time)
		return v
	}
	cs := b.call(e.CallID, e.Time)
	if t, ok := cs.closedAt(e.Queue); ok && near(e.Time, t, b.cfg.tolerance()) {
		b.stats.Duplicates++
		return nil
	}
	b.stats.Orphans++
	cs.visits++
	v := b.newVisit()
	v.cs = cs
	v.rec = ContactRecord{
		CallID:    e.CallID,
		Visit:     cs.visits,
		Queue:     e.Queue,
		DID:       cs.did,
		OfferedAt: e.Time,
		EndedAt:   e.Time,
		Partial:   true,
		FirstLine: e.Line,
		LastLine:  e.Line,
	}
	b.open.push(head, v)
	return v
}

func (b *Builder) connect(e *Event, f *Fields) {
	v := b.visitFor(e)
	if v == nil {
		return
	}
	r := &v.rec
	touch(r, e)
	v.connected = true
	r.AnsweredAt = e.Time
	r.Agent = id(e.Agent)
	r.RingAttempts++
	if f.HasWait {
		r.Wait = f.Wait
		if r.Partial {
			r.OfferedAt = e.Time.Add(-f.Wait)
		}
	} else {
		r.Wait = since(e.Time, r.OfferedAt)
	}
	if a := b.agents[r.Agent]; a != nil {
		v.agent = a
		b.nextCall(a, e.Time)
	}
}

// nextCall settles the wrap-up of agent a's previous contact when the
// agent takes another call: a wrap-up pause cannot outlast it, and a pause
// that starts later belongs to the new call.
func (b *Builder) nextCall(a *agentState, t time.Time) {
	if a.acw == nil {
		return
	}
	p := a.acw
	if p.inPause {
		p.rec.ACW = since(t, p.pauseStart)
		p.rec.ACWMeasured = true
		p.inPause = false
		b.releaseAt(p, t)
	}
	p.awaitPause = false
	a.acw = nil
}

func (b *Builder) ring(e *Event) {
	v := b.visitFor(e)
	if v == nil {
		return
	}
	touch(&v.rec, e)
	v.rec.RingAttempts++
	if a := id(e.Agent); a != "" {
		v.rec.Unanswered = append(v.rec.Unanswered, a)
	}
}

// complete handles COMPLETE* and the transfers: the end of an answered
// visit.
func (b *Builder) complete(e *Event, kind eventKind, f *Fields) {
	v := b.visitFor(e)
	if v == nil {
		return
	}
	r := &v.rec
	touch(r, e)
	if r.Agent == "" || !v.connected {
		r.Agent = id(e.Agent)
	}
	if !v.connected {
		// CONNECT missing (the log began mid-call): answered calltime ago.
		r.RingAttempts++
		r.AnsweredAt = e.Time
		if f.HasTalk {
			r.AnsweredAt = e.Time.Add(-f.Talk)
		}
	}
	if f.HasWait {
		r.Wait = f.Wait
		if r.Partial {
			r.OfferedAt = r.AnsweredAt.Add(-f.Wait)
		}
	} else if !v.connected {
		r.Wait = since(r.AnsweredAt, r.OfferedAt)
	}
	if f.HasTalk {
		r.Talk = f.Talk
	} else {
		r.Talk = since(e.Time, r.AnsweredAt)
	}
	if f.HasOrigPosition && r.OrigPosition == 0 {
		r.OrigPosition = f.OrigPosition
	}
	r.Outcome = OutcomeAnswered
	switch kind {
	case evCompleteAgent:
		r.EndedBy = "agent"
	case evCompleteCaller:
		r.EndedBy = "caller"
	default:
		r.Outcome = OutcomeTransferred
		r.TransferKind = f.Transfer.Kind
		r.TransferTarget = f.Transfer.Target()
	}
	b.close(v, e.Time, true)
}

// exit handles the unanswered ends of a visit, and SYSCOMPAT.
func (b *Builder) exit(e *Event, kind eventKind, f *Fields) {
	v := b.visitFor(e)
	if v == nil {
		return
	}
	r := &v.rec
	touch(r, e)
	if f.HasWait {
		r.Wait = f.Wait
		if r.Partial {
			r.OfferedAt = e.Time.Add(-f.Wait)
		}
	} else if !v.connected {
		r.Wait = since(e.Time, r.OfferedAt)
	}
	if f.HasPosition {
		r.Position = f.Position
	}
	if f.HasOrigPosition && r.OrigPosition == 0 {
		r.OrigPosition = f.OrigPosition
	}
	if a := id(e.Agent); a != "" && r.Agent == "" {
		r.Agent = a
	}
	switch kind {
	case evAbandon:
		r.Outcome = OutcomeAbandoned
	case evExitWithTimeout:
		r.Outcome = OutcomeTimeout
	case evExitEmpty:
		r.Outcome = OutcomeExitEmpty
	case evExitWithKey:
		r.Outcome = OutcomeExitKey
		r.ExitKey = f.Key
	case evWithdraw:
		r.Outcome = OutcomeWithdrawn
	case evSysCompat:
		r.Outcome = OutcomeDropped
	}
	b.close(v, e.Time, true)
}

// reject records a call that a QueueLog() line says never entered the
// queue.
func (b *Builder) reject(e *Event, kind eventKind) {
	if b.open.get(e.CallID, e.Queue) != nil {
		b.stats.Ignored++
		return
	}
	cs := b.call(e.CallID, e.Time)
	cs.visits++
	p := b.newVisit()
	p.entered = true
	p.rec = ContactRecord{
		CallID: e.CallID, Visit: cs.visits, Queue: e.Queue, DID: cs.did,
		OfferedAt: e.Time, EndedAt: e.Time, Outcome: OutcomeRejected, Reason: kind.String(),
		FirstLine: e.Line, LastLine: e.Line,
	}
	b.releaseAt(p, e.Time.Add(b.cfg.tolerance()))
	b.pending = append(b.pending, p)
}

func touch(r *ContactRecord, e *Event) {
	if e.Time.After(r.EndedAt) {
		r.EndedAt = e.Time
	}
	if e.Line > r.LastLine {
		r.LastLine = e.Line
	}
}

// since is t − from, never negative: lines may step back a second.
func since(t, from time.Time) time.Duration {
	if t.Before(from) {
		return 0
	}
	return t.Sub(from)
}

// close ends a visit and queues its record; a handled one waits for its
// agent's possible wrap-up pause.
func (b *Builder) close(v *visit, at time.Time, byEvent bool) {
	b.open.remove(v)
	r := &v.rec
	if at.After(r.EndedAt) || byEvent {
		r.EndedAt = at
	}
	if r.EndedAt.Before(r.OfferedAt) {
		r.EndedAt = r.OfferedAt
	}
	p := v // from now on, a pending record
	b.releaseAt(p, r.EndedAt.Add(b.cfg.tolerance()))
	if byEvent {
		b.callOf(v, at).setClosed(r.Queue, at)
	}
	if byEvent && r.Outcome.Handled() && r.Agent != "" {
		a := v.agent
		if a == nil || a.name != r.Agent {
			a = b.agent(r.Agent)
			v.agent = a
		}
		if !r.AnsweredAt.IsZero() {
			b.nextCall(a, r.AnsweredAt)
		}
		b.nextCall(a, r.EndedAt)
		p.awaitPause = true
		b.releaseAt(p, r.EndedAt.Add(max(b.cfg.wrapWithin(), b.cfg.tolerance())))
		a.acw = p
		// A wrap-up pause logged in the same second just before the
		// completion (threads race) still counts. Of several, the queue
		// first by name is taken, so that the result never depends on map
		// order: an import resumed from saved state must decide exactly as
		// a clean run.
		from := r.EndedAt.Add(-b.cfg.tolerance())
		var first string
		var pause *AgentSession
		for q, s := range a.pause {
			if (pause == nil || q < first) && b.isWrap(s.Reason) && !s.Start.Before(from) {
				first, pause = q, s
			}
		}
		if pause != nil {
			p.inPause, p.pauseStart, p.pauseQueue = true, pause.Start, first
		}
	}
	b.pending = append(b.pending, p)
}

// truncate closes a visit that will not get its end event.
func (b *Builder) truncate(v *visit, at time.Time) {
	r := &v.rec
	r.Truncated = true
	if v.connected {
		r.Outcome = OutcomeAnswered
		r.Talk = since(at, r.AnsweredAt)
	} else {
		r.Outcome = OutcomeUnknown
		r.Wait = since(at, r.OfferedAt)
	}
	r.EndedAt = at
	b.close(v, at, false)
}

// isWrap reports whether reason is a wrap-up pause reason. An ASCII
// reason is lowered on the stack: strings.ToLower would allocate for every
// pause a "Wrapup" reason.
func (b *Builder) isWrap(reason string) bool {
	if len(b.wrap) == 0 {
		return false
	}
	reason = strings.TrimSpace(reason)
	var buf [64]byte
	if len(reason) > len(buf) {
		return b.wrap[strings.ToLower(reason)]
	}
	lower := buf[:len(reason)]
	for i := range len(reason) {
		c := reason[i]
		if c >= utf8.RuneSelf {
			return b.wrap[strings.ToLower(reason)]
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return b.wrap[string(lower)]
}

// releaseAt sets when the pending record p is released, unless it is in
// a wrap-up pause then.
func (b *Builder) releaseAt(p *visit, t time.Time) {
	p.releaseAt = t
	b.releaseSec = min(b.releaseSec, t.Unix())
}

// release hands out pending records whose wait is over (all with force).
// The log's time advances on nearly every line; unless it has reached
// the earliest release, there is nothing to look at.
func (b *Builder) release(force bool) {
	if !force && b.now.Unix() < b.releaseSec {
		return
	}
	next := int64(math.MaxInt64)
	keep := b.pending[:0]
	for _, p := range b.pending {
		if force || (!p.inPause && b.now.After(p.releaseAt)) {
			b.finish(p, b.now)
			continue
		}
		keep = append(keep, p)
		if !p.inPause {
			next = min(next, p.releaseAt.Unix())
		}
	}
	clear(b.pending[len(keep):])
	b.pending = keep
	b.releaseSec = next
}

// finish settles a record's ACW and emits it.
func (b *Builder) finish(p *visit, at time.Time) {
	r := &p.rec
	if p.inPause {
		r.ACW = since(at, p.pauseStart)
		r.ACWMeasured = true
	} else if r.Outcome.Handled() && !r.ACWMeasured {
		r.ACW = b.cfg.WrapUp[r.Queue]
	}
	// Only a record awaiting a wrap-up pause is its agent's acw.
	if p.awaitPause {
		a := p.agent
		if a == nil || a.name != r.Agent {
			a = b.agents[r.Agent]
		}
		if a != nil && a.acw == p {
			a.acw = nil
		}
	}
	b.contacts = emit(b.contacts, r)
	// Nothing refers to p any more: it is neither open nor pending, nor an
	// agent's acw, and the record went out as a copy (see newVisit).
	*p = visit{}
	b.free = append(b.free, p)
}

// newVisit returns a zero visit, one finished earlier if there is one. A
// visit is the largest thing the Builder allocates, one per queue visit;
// there are only as many at a time as calls open or pending. The record
// a finished visit emitted shares nothing with it but the Unanswered
// array, which the zeroing drops before anything could append to it.
func (b *Builder) newVisit() *visit {
	if n := len(b.free); n > 0 {
		v := b.free[n-1]
		b.free[n-1] = nil
		b.free = b.free[:n-1]
		return v
	}
	return new(visit)
}

func (b *Builder) agent(name string) *agentState {
	a := b.agents[name]
	if a == nil {
		a = &agentState{
			name:   name,
			login:  make(map[string]*AgentSession),
			pause:  make(map[string]*AgentSession),
			queues: make(map[string]bool),
		}
		b.agents[name] = a
	}
	return a
}

func (b *Builder) agentEvent(e *Event, kind eventKind, f *Fields) {
	a := b.agent(id(e.Agent))
	q := id(e.Queue)
	switch kind {
	case evAddMember:
		b.openSpan(a.login, a, q, SessionLoggedIn, "", e)
		if f.Paused {
			b.openSpan(a.pause, a, q, SessionPaused, "", e)
		}
	case evRemoveMember:
		b.closeSpan(a.pause, a, q, e.Time, e.Line, false)
		if !b.closeSpan(a.login, a, q, e.Time, e.Line, false) {
			b.stats.UnmatchedLogoff++
		}
	case evAgentLogin, evAgentCallbackLogin:
		b.openSpan(a.login, a, "", SessionLoggedIn, "", e)
	case evAgentLogoff, evAgentCallbackLogoff:
		b.closeSpan(a.pause, a, "", e.Time, e.Line, false)
		if !b.closeSpan(a.login, a, "", e.Time, e.Line, false) {
			if f.HasLoginTime {
				// Logged in before the log began: AGENTLOGOFF says since when.
				b.sessions = append(b.sessions, AgentSession{
					Agent: a.name, Kind: SessionLoggedIn,
					Start: e.Time.Add(-f.LoginTime), End: e.Time, Partial: true, EndLine: e.Line,
				})
			} else {
				b.stats.UnmatchedLogoff++
			}
		}
	case evPause:
		if q != "" {
			a.queues[q] = true
		}
		if s := a.pause[q]; s != nil && s.Reason != f.Reason {
			// Re-paused with a new reason: a new span for the new reason.
			b.closeSpan(a.pause, a, q, e.Time, e.Line, false)
		}
		b.openSpan(a.pause, a, q, SessionPaused, f.Reason, e)
		b.wrapPause(a, q, f.Reason, e.Time)
	case evPauseAll:
		b.openSpan(a.pause, a, "", SessionPaused, f.Reason, e)
	case evUnpause, evUnpauseAll:
		if q != "" {
			a.queues[q] = true
		}
		if kind == evUnpauseAll {
			q = ""
		}
		if !b.closeSpan(a.pause, a, q, e.Time, e.Line, false) {
			b.stats.UnmatchedUnpause++
		}
		if p := a.acw; p != nil && p.inPause && (p.pauseQueue == q || kind == evUnpauseAll) {
			p.rec.ACW = since(e.Time, p.pauseStart)
			p.rec.ACWMeasured = true
			p.inPause, p.awaitPause = false, false
			b.releaseAt(p, e.Time)
			a.acw = nil
		}
	}
	b.updateAvailable(a, e.Time, e.Line)
}

// wrapPause starts the ACW of the agent's last handled contact when a
// pause with a wrap-up reason begins soon enough after it.
func (b *Builder) wrapPause(a *agentState, q, reason string, t time.Time) {
	p := a.acw
	if p == nil || !p.awaitPause || p.inPause || !b.isWrap(reason) {
		return
	}
	end := p.rec.EndedAt
	if t.Before(end.Add(-b.cfg.tolerance())) || t.After(end.Add(b.cfg.wrapWithin())) {
		return
	}
	p.inPause, p.pauseStart, p.pauseQueue = true, t, q
}

func (b *Builder) openSpan(m map[string]*AgentSession, a *agentState, q string, kind SessionKind, reason string, e *Event) {
	if q != "" && kind == SessionLoggedIn {
		a.queues[q] = true
	}
	if m[q] != nil {
		return // already open: a repeated ADDMEMBER or PAUSE
	}
	m[q] = &AgentSession{Agent: a.name, Queue: q, Kind: kind, Reason: reason,
		Start: e.Time, End: e.Time, StartLine: e.Line}
}

// closeSpan closes and emits the open span for q, reporting whether there
// was one.
func (b *Builder) closeSpan(m map[string]*AgentSession, a *agentState, q string, at time.Time, line int, truncated bool) bool {
	s := m[q]
	if s == nil {
		return false
	}
	delete(m, q)
	b.emitSpan(s, at, line, truncated)
	return true
}

func (b *Builder) emitSpan(s *AgentSession, at time.Time, line int, truncated bool) {
	s.End = at
	if s.End.Before(s.Start) {
		s.End = s.Start
	}
	s.EndLine = line
	s.Truncated = truncated
	b.sessions = emit(b.sessions, s)
}

// updateAvailable opens or closes the agent's available span: logged in
// somewhere, not paused in all queues, and not paused in every queue it
// is known to be a member of.
func (b *Builder) updateAvailable(a *agentState, t time.Time, line int) {
	avail := len(a.login) > 0 && a.pause[""] == nil
	if avail && len(a.pause) > 0 {
		all := true
		for q := range a.queues {
			if a.pause[q] == nil {
				all = false
				break
			}
		}
		avail = !all
	}
	switch {
	case avail && a.avail == nil:
		a.avail = &AgentSession{Agent: a.name, Kind: SessionAvailable, Start: t, End: t, StartLine: line}
	case !avail && a.avail != nil:
		b.emitSpan(a.avail, t, line, false)
		a.avail = nil
	}
	unav := len(a.login) > 0 && !avail
	switch {
	case unav && a.unav == nil:
		a.unav = &AgentSession{Agent: a.name, Kind: SessionUnavailable, Reason: a.pauseReason(), Start: t, End: t, StartLine: line}
	case !unav && a.unav != nil:
		b.emitSpan(a.unav, t, line, false)
		a.unav = nil
	}
}

// pauseReason is the reason of the agent's pause in all queues, else of
// its first paused queue by name.
func (a *agentState) pauseReason() string {
	if s := a.pause[""]; s != nil && s.Reason != "" {
		return s.Reason
	}
	var first, reason string
	for q, s := range a.pause {
		if s.Reason != "" && (reason == "" || q < first) {
			first, reason = q, s.Reason
		}
	}
	return reason
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// restart handles QUEUESTART: Asterisk went down, so nothing open before
// it can end by its own event. Everything is closed at the restart's time.
func (b *Builder) restart(e *Event) {
	type member struct{ agent, queue string }
	var reopen []member
	if b.cfg.PersistentMembers {
		for _, a := range b.agents {
			for q := range a.login {
				if q != "" {
					reopen = append(reopen, member{a.name, q})
				}
			}
		}
	}
	b.Flush(e.Time)
	slices.SortFunc(reopen, func(x, y member) int {
		return strings.Compare(x.agent+"\x00"+x.queue, y.agent+"\x00"+y.queue)
	})
	for _, m := range reopen {
		a := b.agent(m.agent)
		b.openSpan(a.login, a, m.queue, SessionLoggedIn, "", e)
		b.updateAvailable(a, e.Time, e.Line)
	}
}

// Flush closes everything still open at at: visits (Truncated, outcome
// answered if connected, else unknown), agent spans (Truncated), and
// records still waiting for a wrap-up pause. Call it at the end of an
// import that will not be continued; a QUEUESTART line does the same.
func (b *Builder) Flush(at time.Time) {
	if at.After(b.now) {
		b.now = at
	}
	open := b.open.all()
	slices.SortFunc(open, func(x, y *visit) int { return x.rec.FirstLine - y.rec.FirstLine })
	for _, v := range open {
		b.truncate(v, at)
	}
	b.release(true)
	names := make([]string, 0, len(b.agents))
	for n := range b.agents {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		a := b.agents[n]
		for _, m := range []map[string]*AgentSession{a.pause, a.login} {
			qs := make([]string, 0, len(m))
			for q := range m {
				qs = append(qs, q)
			}
			slices.Sort(qs)
			for _, q := range qs {
				b.closeSpan(m, a, q, at, 0, true)
			}
		}
		if a.avail != nil {
			b.emitSpan(a.avail, at, 0, true)
			a.avail = nil
		}
		if a.unav != nil {
			b.emitSpan(a.unav, at, 0, true)
			a.unav = nil
		}
		a.acw = nil
	}
}

// prune forgets calls idle for half a day, so a long --follow run keeps
// flat memory. Visit numbers restart only for a call id reused after that.
func (b *Builder) prune() {
	cutoff := b.now.Add(-12 * time.Hour)
	// The heap holds whole seconds: a call last seen before the cutoff is
	// in its second or before. Calls of that second seen at or after the
	// cutoff are queued again when the rest are out.
	sec := cutoff.Unix()
	var again []*callState
	for {
		a, ok := b.ages.popUpTo(sec)
		if !ok {
			break
		}
		cs := a.cs
		if cs.last.Before(cutoff) {
			delete(b.calls, cs.id)
			cs.pruned = true
		} else {
			again = append(again, cs)
		}
	}
	for _, cs := range again {
		b.ages.push(callAge{cs.last.Unix(), cs})
	}
}

// callAge is a call and the second it was last seen, for prune. Each call
// in Builder.calls has one, with the call's time when it was queued: never
// later than the call's time now, as that only grows.
type callAge struct {
	sec int64 // Unix seconds
	cs  *callState
}

// callAges holds the calls' callAges so that prune only looks at calls
// that may have aged out rather than at every call. (A call's time is
// then checked again: if it was seen since, it is queued once more with
// its newer time.) Calls are nearly always queued in time order: those go
// to the back of a queue, in constant time; the few that step back go to
// a heap. The oldest is the older of the two fronts.
type callAges struct {
	inOrder []callAge // from head on, in time order
	head    int
	late    callHeap
}

func (q *callAges) len() int { return len(q.inOrder) - q.head + len(q.late) }

// push queues a.
func (q *callAges) push(a callAge) {
	if n := len(q.inOrder); n > q.head && a.sec < q.inOrder[n-1].sec {
		q.late.push(a)
		return
	}
	if len(q.inOrder) == cap(q.inOrder) && q.head >= len(q.inOrder)/2 {
		// Most of the array has been popped: reuse it rather than grow.
		n := copy(q.inOrder, q.inOrder[q.head:])
		clear(q.inOrder[n:])
		q.inOrder, q.head = q.inOrder[:n], 0
	}
	q.inOrder = append(q.inOrder, a)
}

// popUpTo removes and returns the oldest callAge if it is of second sec or
// before.
func (q *callAges) popUpTo(sec int64) (callAge, bool) {
	fifo := q.head < len(q.inOrder) && q.inOrder[q.head].sec <= sec
	if len(q.late) > 0 && q.late[0].sec <= sec && (!fifo || q.late[0].sec < q.inOrder[q.head].sec) {
		return q.late.pop(), true
	}
	if !fifo {
		return callAge{}, false
	}
	a := q.inOrder[q.head]
	q.inOrder[q.head] = callAge{}
	q.head++
	if q.head == len(q.inOrder) {
		q.inOrder, q.head = q.inOrder[:0], 0
	}
	return a, true
}

// callHeap is a binary heap of callAges, oldest first.
type callHeap []callAge

func (h *callHeap) push(a callAge) {
	*h = append(*h, a)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if s[parent].sec <= s[i].sec {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h *callHeap) pop() callAge {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s[n] = callAge{}
	s = s[:n]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < n && s[l].sec < s[least].sec {
			least = l
		}
		if r < n && s[r].sec < s[least].sec {
			least = r
		}
		if least == i {
			break
		}
		s[i], s[least] = s[least], s[i]
		i = least
	}
	*h = s
	return top
}

// Coverage is the time within [from, to) covered by at least one of the
// spans, counting overlaps once: an agent's paused time when a PAUSEALL
// span overlaps its per-queue PAUSE spans, or logged-in time across
// queues. A zero from or to leaves that side open.
func Coverage(spans []AgentSession, from, to time.Time) time.Duration {
	type iv struct{ s, e time.Time }
	ivs := make([]iv, 0, len(spans))
	for _, sp := range spans {
		s, e := sp.Start, sp.End
		if !from.IsZero() && s.Before(from) {
			s = from
		}
		if !to.IsZero() && e.After(to) {
			e = to
		}
		if e.After(s) {
			ivs = append(ivs, iv{s, e})
		}
	}
	slices.SortFunc(ivs, func(x, y iv) int { return x.s.Compare(y.s) })
	var total time.Duration
	var cur iv
	for i, v := range ivs {
		if i == 0 {
			cur = v
			continue
		}
		if !v.s.After(cur.e) {
			if v.e.After(cur.e) {
				cur.e = v.e
			}
			continue
		}
		total += cur.e.Sub(cur.s)
		cur = v
	}
	if len(ivs) > 0 {
		total += cur.e.Sub(cur.s)
	}
	return total
}
