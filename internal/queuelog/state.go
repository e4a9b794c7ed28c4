package queuelog

import (
	"cmp"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Saving and restoring state is what makes an import crash-safe without
// re-reading history: an importer commits, in one transaction with each
// batch of events, the Reader's position (ReaderState) and the Builder's
// open calls, pending wrap-ups and agent spans (Builder.MarshalState). After
// a crash it resumes from the last commit with exactly the state a clean
// run had at that line, so the records and spans it goes on to emit are the
// ones the clean run emits. Everything here is encoded deterministically
// (sorted), so equal states encode to equal bytes.

// ReaderState is where a Reader stands in its input: enough to resume
// reading at Offset, after the first Lines lines, with the same format,
// CSV layout and duplicate counting as before.
type ReaderState struct {
	Offset    int64     `json:"offset"`
	Lines     int       `json:"lines"`
	Format    Format    `json:"format"`
	Detected  bool      `json:"detected"`
	CSV       []int     `json:"csv,omitempty"`
	Seen      string    `json:"seen,omitempty"` // base64 of (fingerprint, count, unix nanos) triples
	MaxTime   time.Time `json:"max_time"`
	PruneAt   int       `json:"prune_at"`
	Malformed int       `json:"malformed"`
}

// State returns the Reader's position and memory, to be saved with the
// events read so far. Call it between calls to Next.
func (r *Reader) State() ReaderState {
	st := ReaderState{Offset: r.offset, Lines: r.line, Format: r.Format, Detected: r.detected,
		MaxTime: r.maxTime, PruneAt: r.pruneAt, Malformed: r.malformed}
	if r.detected && r.Format == FormatCSV {
		c := r.csv
		st.CSV = append([]int{int(c.sep), c.time, c.callid, c.queue, c.agent, c.k, c.data, c.width}, c.datan...)
	}
	if r.seen.len() > 0 {
		seen := r.seen.entries()
		buf := make([]byte, 0, 20*len(seen))
		for _, s := range seen {
			buf = binary.BigEndian.AppendUint64(buf, s.fp)
			buf = binary.BigEndian.AppendUint32(buf, uint32(s.count))
			buf = binary.BigEndian.AppendUint64(buf, uint64(s.at.UnixNano()))
		}
		st.Seen = base64.StdEncoding.EncodeToString(buf)
	}
	return st
}

// ResumeReader returns a Reader that goes on from st over in, which must
// already be positioned at st.Offset of the same input. Line numbers,
// offsets and duplicate counting continue where they were.
func ResumeReader(in io.Reader, st ReaderState) (*Reader, error) {
	r := NewReader(in)
	r.offset, r.line, r.Format, r.detected = st.Offset, st.Lines, st.Format, st.Detected
	r.maxTime, r.pruneAt, r.malformed = st.MaxTime, st.PruneAt, st.Malformed
	if len(st.CSV) > 0 {
		if len(st.CSV) < 8 {
			return nil, errors.New("queuelog: resume: bad CSV layout")
		}
		c := st.CSV
		r.csv = csvLayout{sep: byte(c[0]), time: c[1], callid: c[2], queue: c[3], agent: c[4], k: c[5], data: c[6], width: c[7],
			datan: append([]int(nil), c[8:]...)}
	}
	if st.Seen != "" {
		buf, err := base64.StdEncoding.DecodeString(st.Seen)
		if err != nil || len(buf)%20 != 0 {
			return nil, errors.New("queuelog: resume: bad duplicate table")
		}
		for i := 0; i < len(buf); i += 20 {
			fp := binary.BigEndian.Uint64(buf[i:])
			n := int(binary.BigEndian.Uint32(buf[i+8:]))
			at := time.Unix(0, int64(binary.BigEndian.Uint64(buf[i+12:]))).UTC()
			r.seen.set(fp, n, at)
		}
	}
	return r, nil
}

type builderState struct {
	Now       time.Time   `json:"now"`
	LastPrune time.Time   `json:"last_prune"`
	Stats     Stats       `json:"stats"`
	Open      []openState `json:"open,omitempty"`
	// Calls is how states before call_table listed recent calls: they
	// are read, not written.
	Calls []callEntry `json:"calls,omitempty"`
	// CallTable is the recent calls (encodeCalls; base64 in the JSON):
	// one object per call with times in RFC 3339 made a busy center's
	// state about 1 MB, saved with every batch of an import. As a []byte
	// it is encoded straight into the output, where a string of base64
	// would be copied and then scanned for characters to escape; the
	// bytes are the same either way.
	CallTable []byte         `json:"call_table,omitempty"`
	Pending   []pendingState `json:"pending,omitempty"`
	Agents    []agentEntry   `json:"agents,omitempty"`
}

type openState struct {
	Rec       ContactRecord `json:"rec"`
	Connected bool          `json:"connected,omitempty"`
	Entered   bool          `json:"entered,omitempty"`
}

type callEntry struct {
	ID     string               `json:"id"`
	Visits int                  `json:"visits"`
	DID    string               `json:"did,omitempty"`
	Last   time.Time            `json:"last"`
	Closed map[string]time.Time `json:"closed,omitempty"`
}

type pendingState struct {
	Rec        ContactRecord `json:"rec"`
	ReleaseAt  time.Time     `json:"release_at"`
	Entered    bool          `json:"entered,omitempty"`
	AwaitPause bool          `json:"await_pause,omitempty"`
	InPause    bool          `json:"in_pause,omitempty"`
	PauseStart time.Time     `json:"pause_start"`
	PauseQueue string        `json:"pause_queue,omitempty"`
}

type agentEntry struct {
	Name   string                  `json:"name"`
	Login  map[string]AgentSession `json:"login,omitempty"`
	Pause  map[string]AgentSession `json:"pause,omitempty"`
	Avail  *AgentSession           `json:"avail,omitempty"`
	Unav   *AgentSession           `json:"unav,omitempty"`
	Queues []string                `json:"queues,omitempty"`
	ACW    int                     `json:"acw"` // index into Pending, -1 for none
}

// MarshalState encodes everything the Builder holds open: calls in queues,
// records waiting for a wrap-up pause, agents' open spans, recent calls
// (for visit numbers and duplicate ends) and its counters. Take the
// completed records and sessions first: they are not part of the state.
func (b *Builder) MarshalState() ([]byte, error) {
	st := builderState{Now: b.now, LastPrune: b.lastPrune, Stats: b.stats}
	for _, v := range b.open.all() {
		st.Open = append(st.Open, openState{Rec: v.rec, Connected: v.connected, Entered: v.entered})
	}
	slices.SortFunc(st.Open, func(x, y openState) int {
		if c := x.Rec.FirstLine - y.Rec.FirstLine; c != 0 {
			return c
		}
		return strings.Compare(x.Rec.CallID+"\x00"+x.Rec.Queue, y.Rec.CallID+"\x00"+y.Rec.Queue)
	})
	st.CallTable = encodeCalls(b.calls)
	index := make(map[*visit]int, len(b.pending))
	for i, p := range b.pending {
		index[p] = i
		st.Pending = append(st.Pending, pendingState{Rec: p.rec, ReleaseAt: p.releaseAt, Entered: p.entered,
			AwaitPause: p.awaitPause, InPause: p.inPause, PauseStart: p.pauseStart, PauseQueue: p.pauseQueue})
	}
	for _, name := range sortedKeys(b.agents) {
		a := b.agents[name]
		e := agentEntry{Name: name, Login: derefSpans(a.login), Pause: derefSpans(a.pause), Avail: a.avail, Unav: a.unav,
			Queues: sortedKeys(a.queues), ACW: -1}
		if a.acw != nil {
			if i, ok := index[a.acw]; ok {
				e.ACW = i
			}
		}
		st.Agents = append(st.Agents, e)
	}
	return json.Marshal(st)
}

func derefSpans(m map[string]*AgentSession) map[string]AgentSession {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]AgentSession, len(m))
	for k, v := range m {
		out[k] = *v
	}
	return out
}

// RestoreBuilder returns a Builder in the state MarshalState saved, with
// cfg as its configuration (which may have changed since: new wrap-up
// settings apply from here on). Empty data gives a new Builder.
func RestoreBuilder(cfg Config, data []byte) (*Builder, error) {
	b := NewBuilder(cfg)
	if len(data) == 0 {
		return b, nil
	}
	var st builderState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("queuelog: restore builder: %w", err)
	}
	b.now, b.lastPrune, b.stats = st.Now, st.LastPrune, st.Stats
	b.nextPrune = b.lastPrune.Add(time.Hour)
	for _, o := range st.Open {
		if v := b.open.get(o.Rec.CallID, o.Rec.Queue); v != nil {
			b.open.remove(v) // as a map would replace it
		}
		b.open.push(b.open.byCall[o.Rec.CallID], &visit{rec: o.Rec, connected: o.Connected, entered: o.Entered})
	}
	for _, c := range st.Calls {
		cs := &callState{id: c.ID, visits: c.Visits, did: c.DID, last: c.Last}
		for q, at := range c.Closed {
			cs.setClosed(q, at)
		}
		b.calls[c.ID] = cs
	}
	if err := decodeCalls(st.CallTable, b.calls); err != nil {
		return nil, fmt.Errorf("queuelog: restore builder: %w", err)
	}
	ages := make([]callAge, 0, len(b.calls))
	for _, cs := range b.calls {
		ages = append(ages, callAge{cs.last.Unix(), cs})
	}
	// In time order, they all go to the back of the queue.
	slices.SortFunc(ages, func(x, y callAge) int { return cmp.Compare(x.sec, y.sec) })
	for _, a := range ages {
		b.ages.push(a)
	}
	if len(st.Pending) > 0 {
		b.releaseSec = math.MinInt64 // look at them all on the next line
	}
	for _, p := range st.Pending {
		b.pending = append(b.pending, &visit{rec: p.Rec, releaseAt: p.ReleaseAt, entered: p.Entered,
			awaitPause: p.AwaitPause, inPause: p.InPause, pauseStart: p.PauseStart, pauseQueue: p.PauseQueue})
	}
	for _, e := range st.Agents {
		a := b.agent(e.Name)
		for q, s := range e.Login {
			a.login[q] = &s
		}
		for q, s := range e.Pause {
			a.pause[q] = &s
		}
		a.avail, a.unav = e.Avail, e.Unav
		for _, q := range e.Queues {
			a.queues[q] = true
		}
		if e.ACW >= 0 && e.ACW < len(b.pending) {
			a.acw = b.pending[e.ACW]
		}
	}
	return b, nil
}

// Now is the time of the newest event the Builder has seen.
func (b *Builder) Now() time.Time { return b.now }

// OpenCounts reports what is still open: calls in a queue (or talking),
// records waiting for a possible wrap-up pause, and agents' open spans.
func (b *Builder) OpenCounts() (calls, pending, spans int) {
	for _, a := range b.agents {
		spans += len(a.login) + len(a.pause)
		if a.avail != nil {
			spans++
		}
		if a.unav != nil {
			spans++
		}
	}
	return b.open.n, len(b.pending), spans
}

// encodeCalls writes the recent calls in id order, each as its id,
// visits, DID, last time and the queues it closed in (by name, with
// times); strings are length-prefixed, numbers varints, a time its Unix
// seconds and nanoseconds (UTC on the way back, as JSON gave).
func encodeCalls(calls map[string]*callState) []byte {
	buf := make([]byte, 0, 48*len(calls))
	str := func(s string) {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	tm := func(t time.Time) {
		buf = binary.AppendVarint(buf, t.Unix())
		buf = binary.AppendUvarint(buf, uint64(t.Nanosecond()))
	}
	// The calls are sorted themselves, by id (their key), rather than
	// their keys, to save looking each one up again.
	sorted := make([]*callState, 0, len(calls))
	for _, cs := range calls {
		sorted = append(sorted, cs)
	}
	slices.SortFunc(sorted, func(x, y *callState) int { return strings.Compare(x.id, y.id) })
	for _, cs := range sorted {
		str(cs.id)
		buf = binary.AppendUvarint(buf, uint64(cs.visits))
		str(cs.did)
		tm(cs.last)
		buf = binary.AppendUvarint(buf, uint64(len(cs.closed)))
		for _, c := range cs.closed { // sorted by queue
			str(c.queue)
			tm(c.at)
		}
	}
	return buf
}

var errCallTable = errors.New("bad call table")

// decodeCalls reads what encodeCalls wrote into calls.
func decodeCalls(buf []byte, calls map[string]*callState) error {
	uv := func() (uint64, error) {
		v, n := binary.Uvarint(buf)
		if n <= 0 {
			return 0, errCallTable
		}
		buf = buf[n:]
		return v, nil
	}
	str := func() (string, error) {
		n, err := uv()
		if err != nil || n > uint64(len(buf)) {
			return "", errCallTable
		}
		s := string(buf[:n])
		buf = buf[n:]
		return s, nil
	}
	tm := func() (time.Time, error) {
		sec, n := binary.Varint(buf)
		if n <= 0 {
			return time.Time{}, errCallTable
		}
		buf = buf[n:]
		nsec, err := uv()
		if err != nil || nsec >= 1e9 {
			return time.Time{}, errCallTable
		}
		return time.Unix(sec, int64(nsec)).UTC(), nil
	}
	for len(buf) > 0 {
		id, err := str()
		if err != nil {
			return err
		}
		visits, err := uv()
		if err != nil {
			return err
		}
		cs := &callState{id: id, visits: int(visits)}
		if cs.did, err = str(); err != nil {
			return err
		}
		if cs.last, err = tm(); err != nil {
			return err
		}
		nq, err := uv()
		if err != nil || nq > uint64(len(buf)) {
			return errCallTable
		}
		for range nq {
			q, err := str()
			if err != nil {
				return err
			}
			at, err := tm()
			if err != nil {
				return err
			}
			cs.setClosed(q, at)
		}
		calls[id] = cs
	}
	return nil
}
