package queuelog

import (
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// The Reader's fast paths are checked here against the straightforward
// code they replaced, kept below as the reference.

// refParseLine is ParseLine as first written: split with the strings
// package, epoch with strconv.
func refParseLine(line string) (Event, error) {
	line = strings.TrimRight(line, "\r\n")
	var e Event
	var head [5]string
	rest := line
	for i := range 4 {
		j := strings.IndexByte(rest, '|')
		if j < 0 {
			return Event{}, ErrTooFewFields
		}
		head[i] = rest[:j]
		rest = rest[j+1:]
	}
	if j := strings.IndexByte(rest, '|'); j >= 0 {
		head[4] = rest[:j]
		e.Data = strings.Split(rest[j+1:], "|")
	} else {
		head[4] = rest
	}
	t, err := parseEpoch(head[0])
	if err != nil {
		return Event{}, err
	}
	e.Time = t
	e.CallID, e.Queue, e.Agent = head[1], head[2], head[3]
	e.Kind = strings.TrimSpace(head[4])
	if e.Kind == "" {
		return Event{}, ErrNoKind
	}
	return e, nil
}

// refFingerprint is the fingerprint as first written: FNV-1a a byte at a
// time.
func refFingerprint(e Event) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	word := func(v uint64) {
		for range 8 {
			h ^= v & 0xff
			h *= prime
			v >>= 8
		}
	}
	str := func(s string) {
		word(uint64(len(s)))
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= prime
		}
	}
	word(uint64(e.Time.Unix()))
	word(uint64(e.Time.Nanosecond()))
	str(e.CallID)
	str(e.Queue)
	str(e.Agent)
	str(e.Kind)
	for _, d := range trimTrailingEmpty(e.Data) {
		str(d)
	}
	return h
}

// randomLine builds a queue_log line from pieces that exercise the
// parser's edges: odd epochs, spaces, empty and missing fields, non-ASCII.
func randomLine(rng *rand.Rand) string {
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	epoch := pick("1764230400", "0", "1", "253402300799", "253402300800", "999999999999", "1000000000000",
		"0001764230400", "1764230400.5", "1764230400.123456789", "1764230400.1234567890", "1764230400.",
		"1764230400.x", ".5", " 1764230400", "1764230400 ", "+1764230400", "-1", "", "17x", "1764230400.05 ",
		strconv.FormatInt(rng.Int64N(1<<40), 10))
	fields := []string{epoch}
	for range rng.IntN(10) {
		fields = append(fields, pick("", "NONE", "1764230400.1", "support", "agent047", "ENTERQUEUE", " CONNECT ",
			"pause", "\t", "é", "\u00a0KIND", "55509353", "a,b", "\"q\""))
	}
	line := strings.Join(fields, "|")
	return line + pick("", "", "\n", "\r\n", "\r", "|", "||")
}

func TestParseLineReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var slab dataSlab
	for i := range 200000 {
		line := randomLine(rng)
		want, wantErr := refParseLine(line)
		got, err := ParseLine(line)
		if !reflect.DeepEqual(got, want) || !sameError(err, wantErr) {
			t.Fatalf("ParseLine(%q) = %#v, %v; want %#v, %v", line, got, err, want, wantErr)
		}
		// As the Reader calls it, with Data from a slab.
		var e Event
		err = parseLine(&e, strings.TrimRight(line, "\r\n"), &slab)
		if err == nil && (!reflect.DeepEqual(e, want) || cap(e.Data) != len(e.Data)) {
			t.Fatalf("parseLine(%q) = %#v (Data cap %d); want %#v", line, e, cap(e.Data), want)
		}
		if !sameError(err, wantErr) {
			t.Fatalf("parseLine(%q): %v; want %v", line, err, wantErr)
		}
		if wantErr == nil && refFingerprint(want) != want.fingerprint() {
			t.Fatalf("fingerprint of %q: %x; want %x", line, want.fingerprint(), refFingerprint(want))
		}
		if i%1000 == 0 {
			slab = dataSlab{}
		}
	}
}

// TestParseLineManyFields: lines with more separators than parseLine
// records in its first scan, and separators at every offset in a word.
func TestParseLineManyFields(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var slab dataSlab
	for range 50000 {
		fields := []string{"1764230400"}
		for range 4 + rng.IntN(36) {
			fields = append(fields, strings.Repeat("x", rng.IntN(12)))
		}
		fields[4] = "KIND"
		line := strings.Join(fields, "|")
		want, wantErr := refParseLine(line)
		var got Event
		err := parseLine(&got, line, &slab)
		if !reflect.DeepEqual(got, want) || !sameError(err, wantErr) || cap(got.Data) != len(got.Data) {
			t.Fatalf("parseLine(%q) = %#v, %v; want %#v, %v", line, got, err, want, wantErr)
		}
	}
}

func TestPipes(t *testing.T) {
	for b := range 256 {
		for pos := range 8 {
			// b at pos, among bytes that are and are not '|'.
			for _, fill := range []byte{0, '|', 0x7d, 0xfc, 0xff, 'a'} {
				var w [8]byte
				for i := range w {
					w[i] = fill
				}
				w[pos] = byte(b)
				var want uint64
				for i, c := range w {
					if c == '|' {
						want |= 0x80 << (8 * i)
					}
				}
				if got := pipes(load64(string(w[:]), 0)); got != want {
					t.Fatalf("pipes(%q) = %#x, want %#x", w, got, want)
				}
			}
		}
	}
}

// TestLineText: the lines a Reader cuts from blocks of its buffer are the
// lines of the input, however the input arrives: in one piece, a byte or
// half a buffer at a time, with lines longer than the buffer, with and
// without a last newline.
func TestLineText(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var in strings.Builder
	in.WriteString("1764230400|1.0|q|a|FIRST\n") // a pipe file
	for i := range 20000 {
		line := strings.TrimRight(randomLine(rng), "\r\n")
		if i%5000 == 7 {
			line = "1764230400|1.1|q|a|K|" + strings.Repeat("x", 70000+i)
		}
		in.WriteString(line)
		in.WriteString([]string{"\n", "\r\n"}[rng.IntN(2)])
	}
	in.WriteString("1764230400|1.2|q|a|LAST")
	data := in.String()
	read := func(src io.Reader) []Event {
		r := NewReader(src)
		var out []Event
		for {
			e, ok := r.Next()
			if !ok {
				break
			}
			out = append(out, e)
		}
		if r.Err() != nil {
			t.Fatal(r.Err())
		}
		return out
	}
	// Each Raw is its line, as splitting the input gives it.
	want := read(strings.NewReader(data))
	if len(want) < 3000 {
		t.Fatalf("%d events", len(want))
	}
	lines := strings.Split(data, "\n")
	for _, e := range want {
		if raw := strings.TrimRight(lines[e.Line-1], "\r"); e.Raw != raw {
			t.Fatalf("line %d: Raw %q, want %q", e.Line, e.Raw, raw)
		}
	}
	for name, src := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(strings.NewReader(data)),
		"half":     iotest.HalfReader(strings.NewReader(data)),
		"data+err": iotest.DataErrReader(strings.NewReader(data)),
	} {
		if got := read(src); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: events differ", name)
		}
	}
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}

func TestFingerprintReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	str := func() string {
		b := make([]byte, rng.IntN(300))
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if rng.IntN(4) == 0 {
				b[i] = 0
			}
		}
		return string(b)
	}
	times := []time.Time{{}, time.Unix(0, 0), time.Unix(1764230400, 0), time.Unix(1764230400, 1),
		time.Unix(253402300799, 999999999), time.Unix(-62135596800, 0), time.Unix(1<<40, 1<<29)}
	for range 20000 {
		e := Event{Time: times[rng.IntN(len(times))], CallID: str(), Queue: str(), Agent: str(), Kind: str()}
		if rng.IntN(2) == 0 {
			e.Time = time.Unix(rng.Int64N(1<<38)-1<<37, rng.Int64N(1e9))
		}
		for range rng.IntN(6) {
			e.Data = append(e.Data, str())
		}
		if got, want := e.fingerprint(), refFingerprint(e); got != want {
			t.Fatalf("fingerprint of %#v: %x, want %x", e, got, want)
		}
	}
	if fnvPrime8 != fnvZeros[8] {
		t.Errorf("fnvPrime8 = %#x, want %#x", uint64(fnvPrime8), fnvZeros[8])
	}
	p := uint64(1)
	for i, z := range fnvZeros {
		if z != p {
			t.Errorf("fnvZeros[%d] = %#x, want %#x", i, z, p)
		}
		p *= fnvPrime
	}
}

// refSeen is the Reader's duplicate counting as first written: a map,
// pruned by a scan.
type refSeen struct {
	seen    map[uint64]refSeenEntry
	pruneAt int
	maxTime time.Time
}

type refSeenEntry struct {
	count int
	at    time.Time
}

func (r *refSeen) occurrence(fp uint64, t time.Time) int {
	if r.seen == nil {
		r.seen = make(map[uint64]refSeenEntry)
	}
	if t.After(r.maxTime) {
		r.maxTime = t
	}
	s, ok := r.seen[fp]
	n := 0
	if ok {
		n = s.count + 1
	}
	r.seen[fp] = refSeenEntry{count: n, at: t}
	if r.pruneAt == 0 {
		r.pruneAt = 8192
	}
	if len(r.seen) > r.pruneAt {
		cutoff := r.maxTime.Add(-time.Minute)
		for k, v := range r.seen {
			if v.at.Before(cutoff) {
				delete(r.seen, k)
			}
		}
		r.pruneAt = max(8192, 2*len(r.seen))
	}
	return n
}

// TestSeenReference runs the Reader's duplicate counting and the
// reference side by side over streams with repeats near and far, times
// that step back, bursts that hold more than a prune's worth in a minute,
// and fingerprint 0, and compares counts and the saved tables.
func TestSeenReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		name  string
		lines int
		step  int64 // nanoseconds between lines, on average
		whole bool  // times in whole seconds, as Asterisk writes them
	}{
		{"sparse", 60000, 3e9, true},
		{"fractions", 60000, 3e9, false},
		{"busy", 60000, 1e6, false},
		{"burst", 40000, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r Reader
			var ref refSeen
			now := int64(1764230400e9)
			var fps []uint64
			for i := range c.lines {
				if c.step > 0 {
					now += rng.Int64N(2 * c.step)
				}
				at := time.Unix(0, now).UTC()
				if rng.IntN(50) == 0 {
					at = at.Add(-time.Duration(rng.Int64N(int64(2 * time.Minute))))
				}
				if c.whole {
					at = at.Truncate(time.Second)
				}
				var fp uint64
				switch n := rng.IntN(100); {
				case n < 5 && len(fps) > 0: // a recent repeat
					fp = fps[len(fps)-1-rng.IntN(min(len(fps), 20))]
				case n < 8 && len(fps) > 0: // an old one
					fp = fps[rng.IntN(len(fps))]
				case n < 9:
					fp = 0
				default:
					fp = rng.Uint64()
				}
				fps = append(fps, fp)
				if r.maxTime.Before(at) {
					r.maxTime = at
				}
				got := r.seen.add(fp, at)
				if r.pruneAt == 0 {
					r.pruneAt = 8192
				}
				if r.seen.len() > r.pruneAt {
					r.seen.prune(r.maxTime.Add(-time.Minute))
					r.pruneAt = max(8192, 2*r.seen.len())
				}
				if want := ref.occurrence(fp, at); got != want {
					t.Fatalf("line %d: occurrence %d, want %d", i, got, want)
				}
				if r.seen.len() != len(ref.seen) || r.pruneAt != ref.pruneAt {
					t.Fatalf("line %d: %d entries, prune at %d; want %d, %d", i, r.seen.len(), r.pruneAt, len(ref.seen), ref.pruneAt)
				}
				if i%9973 == 0 {
					checkSeen(t, &r, ref.seen)
					// Resuming must give the same table.
					st := r.State()
					rr, err := ResumeReader(strings.NewReader(""), st)
					if err != nil {
						t.Fatal(err)
					}
					if rst := rr.State(); rst.Seen != st.Seen {
						t.Fatalf("line %d: resumed table differs", i)
					}
				}
			}
			checkSeen(t, &r, ref.seen)
		})
	}
}

func checkSeen(t *testing.T, r *Reader, want map[uint64]refSeenEntry) {
	t.Helper()
	got := r.seen.entries()
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i, e := range got {
		w, ok := want[e.fp]
		if !ok || w.count != e.count || !w.at.Equal(e.at) || i > 0 && got[i-1].fp >= e.fp {
			t.Fatalf("entry %d: %+v, want %+v (present %v)", i, e, w, ok)
		}
	}
}

func TestParseEpochFast(t *testing.T) {
	for _, s := range []string{"0", "1", "1764230400", "1764230400.1", "1764230400.000000001", "253402300799",
		"253402300799.999999999", "253402300800", "999999999999", "1000000000000", "01764230400", "1764230400.",
		".1", "1.2.3", "1764230400.1234567890", "1e9", " 1", "1 ", "+1", "-0", "", "١"} {
		got, err := parseEpochFast(s)
		want, wantErr := parseEpoch(s)
		if !got.Equal(want) || got.Location() != want.Location() || !sameError(err, wantErr) ||
			(err != nil && !errors.Is(err, ErrBadTime)) {
			t.Errorf("parseEpochFast(%q) = %v, %v; want %v, %v", s, got, err, want, wantErr)
		}
	}
}
