package queuelog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Event is one line of an Asterisk queue_log, in either the file form
//
//	epoch|callid|queue|agent|event|data1|data2|...
//
// or a row of the database export (time,callid,queuename,agent,event,
// data1..data5). Identifiers are kept exactly as logged, including the
// "NONE" Asterisk writes for "no queue", "no call" or "no agent".
type Event struct {
	// Time is when Asterisk wrote the line, in UTC.
	Time time.Time
	// CallID is the caller channel's uniqueid, or "NONE", "MANAGER",
	// "REALTIME" for member and system events.
	CallID string
	// Queue is the queue name, "NONE" for agent-wide and system events.
	Queue string
	// Agent is the member name (or interface, or Agent/<id>), "NONE" for
	// caller events.
	Agent string
	// Kind is the event name verbatim (see the Kind constants); unknown
	// kinds, such as custom QueueLog() events, are kept as they are.
	Kind string
	// Data are the fields after the event name, verbatim in the file form.
	// The CSV export pads data1..data5 with empty columns; those trailing
	// empties are dropped so both forms of a line give the same Data.
	Data []string
	// Line is the 1-based line number in the input.
	Line int
	// Raw is the input line, without its line ending.
	Raw string
	// Occurrence counts earlier events in the same stream with exactly the
	// same fields (0 for the first). It keeps Key distinct for genuinely
	// repeated lines while staying the same when a file is read again.
	Occurrence int
}

// Key is a stable idempotency key for the event: a hash of its normalised
// fields (time to the nanosecond, ids, kind, data without trailing empty
// fields) and its Occurrence. Reading the same file twice, or the same
// events from the file and from the CSV export, gives the same keys, so an
// importer can store it under a unique constraint and skip what it has.
func (e Event) Key() string {
	d := e.digest()
	return hex.EncodeToString(d[:16])
}

// KeyHash is the first 64 bits of Key, as a number: what an importer
// stores next to the event's time (Key is that and 64 bits more, in hex).
// It hashes once without building the hex string, which an import of a
// year of queue_log does ten million times.
func (e Event) KeyHash() int64 {
	d := e.digest()
	return int64(binary.BigEndian.Uint64(d[:8]))
}

// digest is the SHA-256 that Key and KeyHash are cut from, of keyInput.
func (e Event) digest() [sha256.Size]byte {
	var stack [256]byte
	return sha256.Sum256(e.keyInput(stack[:0]))
}

// keyInput appends what the idempotency keys hash to buf: the event's
// time (seconds, then nanoseconds), each normalised field preceded by its
// length, then the occurrence, big-endian. It is assembled in one buffer
// so that it is hashed in one call.
func (e Event) keyInput(buf []byte) []byte {
	buf = binary.BigEndian.AppendUint64(buf, uint64(e.Time.Unix()))
	buf = binary.BigEndian.AppendUint32(buf, uint32(e.Time.Nanosecond()))
	field := func(s string) {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
		buf = append(buf, s...)
	}
	field(e.CallID)
	field(e.Queue)
	field(e.Agent)
	field(e.Kind)
	for _, d := range trimTrailingEmpty(e.Data) {
		field(d)
	}
	return binary.BigEndian.AppendUint32(buf, uint32(e.Occurrence))
}

// fingerprint is a cheap hash (FNV-1a, inlined so it allocates nothing)
// of the same fields as Key, without the occurrence, used to count
// repeats. Readers save fingerprints in their checkpoints, so the value
// must never change.
func (e Event) fingerprint() uint64 {
	h := uint64(fnvOffset)
	h = fnvWord(h, uint64(e.Time.Unix()))
	h = fnvWord(h, uint64(e.Time.Nanosecond()))
	h = fnvString(h, e.CallID)
	h = fnvString(h, e.Queue)
	h = fnvString(h, e.Agent)
	h = fnvString(h, e.Kind)
	for _, d := range trimTrailingEmpty(e.Data) {
		h = fnvString(h, d)
	}
	return h
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnvZeros[n] is fnvPrime to the power n: FNV-1a of n zero bytes is a
// multiplication by it, as XOR with zero changes nothing.
var fnvZeros = [9]uint64{
	0x1, 0x100000001b3, 0x366000002e329, 0x8a97b0004e7feab, 0x9ffaac085635bc91,
	0xcaee32a7d4f6a63, 0xdc966432edf1c639, 0xc5527b8a51d3d2db, 0x1efac7090aef4a21,
}

// fnvPrime8 is fnvPrime to the power 8 (fnvZeros[8]).
const fnvPrime8 = 0x1efac7090aef4a21

// fnvWord hashes v as 8 bytes, least significant first. The high bytes of
// a length or a time are mostly zero; they cost one multiplication
// together instead of one each, with the same result.
func fnvWord(h, v uint64) uint64 {
	n := 0
	for ; v != 0; v >>= 8 {
		h ^= v & 0xff
		h *= fnvPrime
		n++
	}
	return h * fnvZeros[8-n]
}

// fnvString hashes the length of s as a word, then its bytes. A length
// below 256 is one byte and seven zeros: (h ^ len) * fnvPrime^8, as
// fnvWord would compute it. The bytes are taken eight at a time, which
// the compiler turns into loads at fixed offsets without a loop test per
// byte: FNV-1a is a chain of dependent multiplications, so the loop
// bookkeeping is what there is to save.
func fnvString(h uint64, s string) uint64 {
	if len(s) < 256 {
		h = (h ^ uint64(len(s))) * fnvPrime8
	} else {
		h = fnvWord(h, uint64(len(s)))
	}
	for len(s) >= 8 {
		h = (h ^ uint64(s[0])) * fnvPrime
		h = (h ^ uint64(s[1])) * fnvPrime
		h = (h ^ uint64(s[2])) * fnvPrime
		h = (h ^ uint64(s[3])) * fnvPrime
		h = (h ^ uint64(s[4])) * fnvPrime
		h = (h ^ uint64(s[5])) * fnvPrime
		h = (h ^ uint64(s[6])) * fnvPrime
		h = (h ^ uint64(s[7])) * fnvPrime
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

func trimTrailingEmpty(data []string) []string {
	n := len(data)
	for n > 0 && data[n-1] == "" {
		n--
	}
	return data[:n]
}

// LineError is a line that could not be read as an event. The Reader
// collects them and goes on with the next line, so one bad line never
// stops an import.
type LineError struct {
	Line int
	Err  error
}

// Error gives the line number and the reason.
func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the reason, for errors.Is.
func (e LineError) Unwrap() error { return e.Err }

// Errors returned (wrapped in LineError) for lines that are not events.
var (
	ErrTooFewFields = errors.New("queuelog: fewer than 5 fields")
	ErrBadTime      = errors.New("queuelog: bad time")
	ErrNoKind       = errors.New("queuelog: empty event name")
)

// ParseLine reads one line of the file form,
// epoch|callid|queue|agent|event[|data...]. The epoch may carry a fraction
// ("1700000000.123"), as some versions write. Line and Raw are left for
// the caller (the Reader sets them).
func ParseLine(line string) (Event, error) {
	var e Event
	if err := parseLine(&e, strings.TrimRight(line, "\r\n"), nil); err != nil {
		return Event{}, err
	}
	return e, nil
}

// parseLine is ParseLine without the trimming of the line ending, into e.
// It scans the line once, eight bytes at a time (see pipes), for the
// separators of the fields and of up to a dozen data fields, and every
// string it sets is a substring of line. Data comes from fields (see
// dataSlab) when it is not nil.
func parseLine(e *Event, line string, fields *dataSlab) error {
	var sep [16]int // the first '|' of the line, in order
	n := 0
	i := 0
	for ; i+8 <= len(line) && n <= len(sep)-8; i += 8 {
		for m := pipes(load64(line, i)); m != 0; m &= m - 1 {
			sep[n] = i + bits.TrailingZeros64(m)/8
			n++
		}
	}
	for ; i < len(line) && n < len(sep); i++ {
		if line[i] == '|' {
			sep[n] = i
			n++
		}
	}
	if n < 4 {
		return ErrTooFewFields
	}
	kind := line[sep[3]+1:]
	if n >= 5 {
		kind = line[sep[3]+1 : sep[4]]
		// Data fields end at sep[5:n]; a line with more separators than
		// sep holds (i has not reached its end) has more after sep[n-1].
		rest := line[sep[n-1]+1:]
		more := 0
		if i < len(line) {
			more = strings.Count(rest, "|")
		}
		e.Data = fields.take(n - 4 + more)
		for k := 5; k < n; k++ {
			e.Data[k-5] = line[sep[k-1]+1 : sep[k]]
		}
		d := e.Data[n-5:]
		for k := range more {
			j := strings.IndexByte(rest, '|')
			d[k] = rest[:j]
			rest = rest[j+1:]
		}
		d[more] = rest
	}
	t, err := parseEpochFast(line[:sep[0]])
	if err != nil {
		return err
	}
	e.Time = t
	e.CallID, e.Queue, e.Agent = line[sep[0]+1:sep[1]], line[sep[1]+1:sep[2]], line[sep[2]+1:sep[3]]
	e.Kind = trimSpace(kind)
	if e.Kind == "" {
		return ErrNoKind
	}
	return nil
}

// load64 reads s[i:i+8] as a little-endian number: one load where the
// machine allows it.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// pipes returns w, eight bytes of a line, with the top bit set in each
// byte that is '|' and every other bit clear. XOR turns a '|' into a zero
// byte; adding 0x7f to the low seven bits of a byte sets its top bit
// unless they are all zero, and or-ing in the byte itself leaves it clear
// only for zero. No carry crosses from one byte to the next, so every
// separator is found, not only the first.
func pipes(w uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	x := w ^ 0x7c7c7c7c7c7c7c7c // '|' is 0x7c
	return ^((x&low7 + low7) | x | low7)
}

// trimSpace is strings.TrimSpace, without the call for the usual event
// name that has nothing to trim.
func trimSpace(s string) string {
	if s != "" && notSpace(s[0]) && notSpace(s[len(s)-1]) {
		return s
	}
	return strings.TrimSpace(s)
}

// notSpace reports whether c is an ASCII byte that is not white space:
// one that strings.TrimSpace keeps.
func notSpace(c byte) bool { return c > ' ' && c < 0x80 }

// dataSlab hands out Data slices cut from a shared backing array, so that
// the Reader allocates once per many lines rather than once per line. Each
// slice's capacity ends where it does, so appending to one never writes
// into another.
type dataSlab struct{ free []string }

// take returns n empty strings; a nil slab allocates them on their own.
func (s *dataSlab) take(n int) []string {
	if s == nil {
		return make([]string, n)
	}
	if len(s.free) < n {
		s.free = make([]string, max(n, 512))
	}
	d := s.free[:n:n]
	s.free = s.free[n:]
	return d
}

// parseEpochFast is parseEpoch for the plain digits, with an optional
// fraction, of every ordinary line; anything else, including every error,
// is left to parseEpoch.
func parseEpochFast(s string) (time.Time, error) {
	sec, nsec := int64(0), int64(0)
	i := 0
	for ; i < len(s) && i < 12; i++ {
		c := s[i] - '0' // wraps around for a byte below '0'
		if c > 9 {
			break
		}
		sec = sec*10 + int64(c)
	}
	if i == 0 || sec > 253402300799 {
		return parseEpoch(s)
	}
	if i < len(s) {
		if s[i] != '.' || len(s)-i-1 < 1 || len(s)-i-1 > 9 {
			return parseEpoch(s)
		}
		scale := int64(1e9)
		for _, c := range []byte(s[i+1:]) {
			if c < '0' || c > '9' {
				return parseEpoch(s)
			}
			scale /= 10
			nsec += int64(c-'0') * scale
		}
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// parseEpoch reads "1700000000" or "1700000000.123456" as UTC.
func parseEpoch(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("%w: empty", ErrBadTime)
	}
	sec, frac, hasFrac := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	// Year 1970 to 9999 keeps every derived duration in range.
	if err != nil || n < 0 || n > 253402300799 || strings.HasPrefix(sec, "+") {
		return time.Time{}, fmt.Errorf("%w: %q", ErrBadTime, s)
	}
	var nanos int64
	if hasFrac {
		if frac == "" || len(frac) > 9 {
			return time.Time{}, fmt.Errorf("%w: %q", ErrBadTime, s)
		}
		for _, c := range frac {
			if c < '0' || c > '9' {
				return time.Time{}, fmt.Errorf("%w: %q", ErrBadTime, s)
			}
		}
		f, _ := strconv.ParseInt(frac, 10, 64)
		nanos = f * int64(math.Pow10(9-len(frac)))
	}
	return time.Unix(n, nanos).UTC(), nil
}

// Format is the form of a queue_log input.
type Format int

// The forms a Reader understands.
const (
	// FormatAuto detects the form from the first non-empty line.
	FormatAuto Format = iota
	// FormatPipe is the queue_log file Asterisk writes.
	FormatPipe
	// FormatCSV is the export of the realtime queue_log table, with a
	// header row (time,callid,queuename,agent,event,data1..data5 or a
	// single data column) or, without one, columns in that order.
	FormatCSV
)

// String names the format: "auto", "pipe" or "csv".
func (f Format) String() string {
	switch f {
	case FormatPipe:
		return "pipe"
	case FormatCSV:
		return "csv"
	}
	return "auto"
}

// Reader reads events from a queue_log file or CSV export, line by line.
// A malformed line is recorded as a LineError and skipped; reading goes
// on. Set the exported fields before the first call to Next.
type Reader struct {
	// Format forces the input form; FormatAuto (the zero value) detects it.
	Format Format
	// Location is the zone of "2006-01-02 15:04:05" times in a CSV export
	// (Asterisk's realtime driver writes local time). Nil means UTC.
	Location *time.Location
	// Follow is for tailing a live file: a last line without a newline is
	// held back, not parsed, until the rest of it is written, and Next
	// may be called again after it returned false at the end of input.
	Follow bool
	// LineBase is the number of lines before the input, so that line
	// numbers stay right when reading resumes from an offset.
	LineBase int
	// MaxErrors bounds the LineErrors kept (default 1000); Malformed
	// still counts them all.
	MaxErrors int

	br        *bufio.Reader
	direct    bool   // the last line is a slice of br's buffer
	block     string // see lineText
	blockAt   int64  // the offset of block in the input
	line      int
	offset    int64
	partial   []byte
	detected  bool
	csv       csvLayout
	errs      []LineError
	malformed int
	ioErr     error
	seen      seenSet
	pruneAt   int
	maxTime   time.Time
	fields    dataSlab
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64*1024)}
}

// Next returns the next event. It returns false at the end of the input or
// on a read error (see Err). In Follow mode it may be called again later
// to pick up lines appended since.
func (r *Reader) Next() (Event, bool) {
	for {
		raw, ok := r.readLine()
		if !ok {
			return Event{}, false
		}
		r.line++
		lineNo := r.LineBase + r.line
		n := len(raw)
		for n > 0 && (raw[n-1] == '\n' || raw[n-1] == '\r') {
			n--
		}
		text := r.lineText(raw, n)
		if blank(text) {
			continue
		}
		if !r.detected {
			r.detected = true
			if r.detect(text) {
				continue // it was the CSV header
			}
		}
		var e Event
		var err error
		if r.Format == FormatCSV {
			e, err = r.csv.parse(text, r.Location)
		} else {
			err = parseLine(&e, text, &r.fields)
		}
		if err != nil {
			r.addError(lineNo, err)
			continue
		}
		e.Line = lineNo
		e.Raw = text
		e.Occurrence = r.occurrence(&e)
		return e, true
	}
}

// blank reports whether s is empty or white space only.
func blank(s string) bool {
	return s == "" || !notSpace(s[0]) && strings.TrimSpace(s) == ""
}

// readLine returns the next complete line (with its newline), or the last
// unterminated one when not following.
func (r *Reader) readLine() ([]byte, bool) {
	for {
		chunk, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			r.partial = append(r.partial, chunk...)
			continue
		}
		if err == nil {
			line := chunk
			r.direct = len(r.partial) == 0
			if !r.direct {
				line = append(r.partial, chunk...)
				r.partial = nil
			}
			r.offset += int64(len(line))
			return line, true
		}
		// End of input (or an error) with chunk holding an unterminated tail.
		r.partial = append(r.partial, chunk...)
		if err != io.EOF {
			r.ioErr = err
			return nil, false
		}
		if r.Follow || len(r.partial) == 0 {
			return nil, false
		}
		line := r.partial
		r.partial = nil
		r.direct = false
		r.offset += int64(len(line))
		return line, true
	}
}

// lineText returns line[:n], of the line readLine returned last, as a
// string. Converting each line on its own would allocate once per line;
// instead a line that came straight from the bufio.Reader's buffer is cut
// from a string that holds it and everything buffered after it, so that
// the lines that follow are cut from it too: one allocation and one copy
// per buffer rather than per line. (Those strings keep their block alive:
// a few buffers' worth, for the calls and names a Builder remembers.)
func (r *Reader) lineText(line []byte, n int) string {
	if !r.direct {
		return string(line[:n])
	}
	start := r.offset - int64(len(line))
	if start < r.blockAt || start+int64(len(line)) > r.blockAt+int64(len(r.block)) {
		rest, _ := r.br.Peek(r.br.Buffered())
		var b strings.Builder
		b.Grow(len(line) + len(rest))
		b.Write(line)
		b.Write(rest)
		r.block, r.blockAt = b.String(), start
	}
	i := int(start - r.blockAt)
	return r.block[i : i+n]
}

// detect decides the format from the first non-empty line and reports
// whether that line is a CSV header.
func (r *Reader) detect(first string) bool {
	if r.Format == FormatAuto {
		r.Format = FormatCSV
		if i := strings.IndexByte(first, '|'); i > 0 && strings.Count(first, "|") >= 4 {
			if _, err := parseEpoch(first[:i]); err == nil {
				r.Format = FormatPipe
			}
		}
	}
	if r.Format != FormatCSV {
		return false
	}
	return r.csv.init(first)
}

func (r *Reader) addError(line int, err error) {
	r.malformed++
	max := r.MaxErrors
	if max <= 0 {
		max = 1000
	}
	if len(r.errs) < max {
		r.errs = append(r.errs, LineError{Line: line, Err: err})
	}
}

// occurrence counts earlier identical events. Only recent fingerprints are
// remembered: identical lines are written within the same second, so a
// window of a minute behind the newest time is ample and keeps memory flat
// on long files.
func (r *Reader) occurrence(e *Event) int {
	if e.Time.After(r.maxTime) {
		r.maxTime = e.Time
	}
	n := r.seen.add(e.fingerprint(), e.Time)
	if r.pruneAt == 0 {
		r.pruneAt = 8192
	}
	if r.seen.len() > r.pruneAt {
		r.seen.prune(r.maxTime.Add(-time.Minute))
		// A busy minute may hold more than the threshold: grow it rather
		// than rescan on every line.
		r.pruneAt = max(8192, 2*r.seen.len())
	}
	return n
}

// Errors returns the malformed lines met so far (at most MaxErrors).
func (r *Reader) Errors() []LineError { return r.errs }

// Malformed is the number of malformed lines met so far.
func (r *Reader) Malformed() int { return r.malformed }

// Err returns the read error that stopped Next, if any (not io.EOF).
func (r *Reader) Err() error { return r.ioErr }

// Offset is the number of bytes of the input consumed as complete lines:
// where a follower resumes reading after reopening the file.
func (r *Reader) Offset() int64 { return r.offset }

// Lines is the number of lines consumed, for LineBase when resuming.
func (r *Reader) Lines() int { return r.line }

// csvLayout maps CSV columns to event fields.
type csvLayout struct {
	sep                           byte
	time, callid, queue, agent, k int
	data                          int   // single "data" column, or -1
	datan                         []int // data1..dataN columns in order
	width                         int
}

// defaultCSV is the column order of the realtime queue_log table when the
// export has no header.
func defaultCSV(sep byte) csvLayout {
	return csvLayout{sep: sep, time: 0, callid: 1, queue: 2, agent: 3, k: 4, data: -1,
		datan: []int{5, 6, 7, 8, 9}, width: 5}
}

// init reads a header row; without one it sets the default layout and
// reports false so the line is parsed as data.
func (c *csvLayout) init(first string) bool {
	sep := byte(',')
	for _, s := range []byte{',', ';', '\t'} {
		if strings.IndexByte(first, s) >= 0 {
			sep = s
			break
		}
	}
	cols, err := splitCSV(first, sep)
	lower := strings.ToLower(first)
	if err != nil || !strings.Contains(lower, "event") || !strings.Contains(lower, "callid") {
		*c = defaultCSV(sep)
		return false
	}
	*c = csvLayout{sep: sep, time: -1, callid: -1, queue: -1, agent: -1, k: -1, data: -1}
	type numbered struct{ n, col int }
	var datan []numbered
	for i, name := range cols {
		name = strings.ToLower(strings.TrimSpace(name))
		switch name {
		case "time", "created", "timestamp", "datetime":
			if c.time < 0 {
				c.time = i
			}
		case "callid", "uniqueid":
			c.callid = i
		case "queuename", "queue":
			c.queue = i
		case "agent", "membername":
			c.agent = i
		case "event":
			c.k = i
		case "data":
			c.data = i
		default:
			if n, err := strconv.Atoi(strings.TrimPrefix(name, "data")); err == nil && strings.HasPrefix(name, "data") {
				datan = append(datan, numbered{n, i})
			}
		}
	}
	for i := 1; i < len(datan); i++ { // insertion sort: at most a handful
		for j := i; j > 0 && datan[j].n < datan[j-1].n; j-- {
			datan[j], datan[j-1] = datan[j-1], datan[j]
		}
	}
	for _, d := range datan {
		c.datan = append(c.datan, d.col)
	}
	if c.time < 0 || c.k < 0 {
		*c = defaultCSV(sep)
		return true // a header we cannot map: still not data
	}
	c.width = max(c.time, c.callid, c.queue, c.agent, c.k) + 1
	return true
}

func (c *csvLayout) parse(line string, loc *time.Location) (Event, error) {
	cols, err := splitCSV(line, c.sep)
	if err != nil {
		return Event{}, err
	}
	if len(cols) < c.width {
		return Event{}, fmt.Errorf("%w: %d columns", ErrTooFewFields, len(cols))
	}
	col := func(i int) string {
		if i < 0 || i >= len(cols) {
			return ""
		}
		return cols[i]
	}
	var e Event
	e.Time, err = parseCSVTime(col(c.time), loc)
	if err != nil {
		return Event{}, err
	}
	e.CallID, e.Queue, e.Agent = col(c.callid), col(c.queue), col(c.agent)
	e.Kind = strings.TrimSpace(col(c.k))
	if e.Kind == "" {
		return Event{}, ErrNoKind
	}
	if c.data >= 0 && col(c.data) != "" {
		e.Data = strings.Split(col(c.data), "|")
	}
	for _, i := range c.datan {
		e.Data = append(e.Data, col(i))
	}
	e.Data = trimTrailingEmpty(e.Data)
	if len(e.Data) == 0 {
		e.Data = nil
	}
	return e, nil
}

// parseCSVTime accepts an epoch (with fraction), "2006-01-02 15:04:05"
// with an optional fraction, in loc, or RFC 3339.
func parseCSVTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s != "" && s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "-:") {
		return parseEpoch(s)
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%w: %q", ErrBadTime, s)
}

// ErrQuote is returned for a CSV line with an unterminated quoted field.
var ErrQuote = errors.New("queuelog: unterminated quoted field")

// splitCSV splits one CSV line (RFC 4180 quoting, "" for a quote inside a
// quoted field). Exports put one row per line; a field with an embedded
// newline would be split across lines and reported as malformed.
func splitCSV(line string, sep byte) ([]string, error) {
	if strings.IndexByte(line, '"') < 0 {
		return strings.Split(line, string(sep)), nil
	}
	var out []string
	var b bytes.Buffer
	i := 0
	for {
		b.Reset()
		if i < len(line) && line[i] == '"' {
			i++
			for {
				j := strings.IndexByte(line[i:], '"')
				if j < 0 {
					return nil, ErrQuote
				}
				b.WriteString(line[i : i+j])
				i += j + 1
				if i < len(line) && line[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			// Anything between the closing quote and the separator is kept.
			j := strings.IndexByte(line[i:], sep)
			if j < 0 {
				b.WriteString(line[i:])
				out = append(out, b.String())
				return out, nil
			}
			b.WriteString(line[i : i+j])
			out = append(out, b.String())
			i += j + 1
			continue
		}
		j := strings.IndexByte(line[i:], sep)
		if j < 0 {
			out = append(out, line[i:])
			return out, nil
		}
		out = append(out, line[i:i+j])
		i += j + 1
	}
}
