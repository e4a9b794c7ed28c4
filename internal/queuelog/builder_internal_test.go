package queuelog

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The Builder's shortcuts are checked here against the straightforward
// code they replaced.

func TestKindCode(t *testing.T) {
	for k := evOther + 1; int(k) < len(kindNames); k++ {
		name := k.String()
		for _, s := range []string{name, strings.ToLower(name), " " + name + "\t", strings.ToUpper(name[:1]) + strings.ToLower(name[1:])} {
			if got := kindCode(s); got != k {
				t.Errorf("kindCode(%q) = %v, want %v", s, got, k)
			}
		}
	}
	for _, s := range []string{"", "MYEVENT", "ENTERQUEUE2", "ENTER QUEUE", "\u00a0"} {
		if got := kindCode(s); got != evOther {
			t.Errorf("kindCode(%q) = %v, want evOther", s, got)
		}
	}
	if n := len(kindNames); n != 36 || kindNames[evOther] != "" {
		t.Errorf("%d kind names, first %q", n, kindNames[evOther])
	}
}

func TestParseInt(t *testing.T) {
	ref := func(s string) (int64, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > maxCount || n < -maxCount {
			return 0, false
		}
		return n, true
	}
	rng := rand.New(rand.NewPCG(7, 8))
	cases := []string{"", "0", "-0", "+7", "007", "315360000000", "315360000001", "-315360000000", "999999999999999",
		"1000000000000000", "9223372036854775807", "9223372036854775808", "1e3", " 1", "1 ", "١"}
	for range 10000 {
		n := strconv.FormatInt(rng.Int64N(1<<50)-1<<49, 10)
		cases = append(cases, n[:1+rng.IntN(len(n))])
	}
	for _, s := range cases {
		n, ok := parseInt(s)
		wn, wok := ref(s)
		if n != wn || ok != wok {
			t.Errorf("parseInt(%q) = %d, %v; want %d, %v", s, n, ok, wn, wok)
		}
	}
}

func TestIsWrap(t *testing.T) {
	b := NewBuilder(Config{WrapUpPauseReasons: []string{"Wrapup", " ACW ", "Nachbearbeitung Ä", "ǅ"}})
	ref := func(reason string) bool { return b.wrap[strings.ToLower(strings.TrimSpace(reason))] }
	for _, r := range []string{"", "wrapup", "WRAPUP", " WrapUp\t", "wrap up", "acw", "ACW", "aCw ", "Nachbearbeitung ä",
		"NACHBEARBEITUNG Ä", "ǆ", "ǅ", "Ǆ", strings.Repeat("A", 64), strings.Repeat("A", 65), "lunch", "\u00a0acw"} {
		if got, want := b.isWrap(r), ref(r); got != want {
			t.Errorf("isWrap(%q) = %v, want %v", r, got, want)
		}
	}
	if NewBuilder(Config{}).isWrap("wrapup") {
		t.Error("isWrap without wrap-up reasons")
	}
}

// TestPruneCalls drives b.call and prune with times that mostly advance
// and sometimes step back, and compares the calls kept with those a scan
// of every call keeps.
func TestPruneCalls(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	b := NewBuilder(Config{})
	ref := map[string]time.Time{}
	now := time.Unix(1764230400, 0).UTC()
	for i := range 200000 {
		now = now.Add(time.Duration(rng.Int64N(int64(3 * time.Second))))
		if rng.IntN(10) == 0 {
			now = now.Truncate(time.Second)
		}
		at := now
		switch rng.IntN(20) {
		case 0:
			at = at.Add(-time.Duration(rng.Int64N(int64(30 * time.Hour))))
		case 1:
			at = at.Add(-time.Duration(rng.Int64N(int64(3 * time.Second))))
		}
		id := strconv.Itoa(rng.IntN(i/4 + 1))
		b.call(id, at)
		if last, ok := ref[id]; !ok || at.After(last) {
			ref[id] = at
		}
		if at.After(b.now) {
			b.now = at
		}
		if b.now.After(b.lastPrune.Add(time.Hour)) {
			b.lastPrune = b.now
			b.prune()
			cutoff := b.now.Add(-12 * time.Hour)
			for id, last := range ref {
				if last.Before(cutoff) {
					delete(ref, id)
				}
			}
			if len(b.calls) != len(ref) || b.ages.len() != len(ref) {
				t.Fatalf("line %d: %d calls, %d ages; want %d", i, len(b.calls), b.ages.len(), len(ref))
			}
			for id, last := range ref {
				if cs := b.calls[id]; cs == nil || !cs.last.Equal(last) || cs.pruned || cs.id != id {
					t.Fatalf("line %d: call %s is %+v, want last %v", i, id, cs, last)
				}
			}
		}
	}
}

func TestClosedQueues(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 1000 {
		cs := &callState{}
		if i%2 == 0 {
			cs = newCallState("x") // with room for one end
		}
		ref := map[string]time.Time{}
		for range rng.IntN(8) {
			q := string(rune('a' + rng.IntN(5)))
			at := time.Unix(rng.Int64N(1000), 0)
			cs.setClosed(q, at)
			ref[q] = at
		}
		for _, q := range []string{"a", "b", "c", "d", "e", "f"} {
			at, ok := cs.closedAt(q)
			wat, wok := ref[q]
			if ok != wok || !at.Equal(wat) {
				t.Fatalf("closedAt(%q) = %v, %v; want %v, %v", q, at, ok, wat, wok)
			}
		}
		if !slices.IsSortedFunc(cs.closed, func(x, y queueEnd) int { return strings.Compare(x.queue, y.queue) }) || len(cs.closed) != len(ref) {
			t.Fatalf("closed %v: not sorted or not %d", cs.closed, len(ref))
		}
	}
}

// TestTakeKeepsWhatItGave: records and sessions handed out by Take share
// an array with those that come later; neither the Builder nor a caller
// appending to what it was given may change another batch.
func TestTakeKeepsWhatItGave(t *testing.T) {
	b := NewBuilder(Config{})
	var got [][]ContactRecord
	var want [][]ContactRecord
	for i := range 500 {
		for range i % 3 {
			b.contacts = emit(b.contacts, &ContactRecord{CallID: strconv.Itoa(i)})
			b.sessions = emit(b.sessions, &AgentSession{Agent: strconv.Itoa(i)})
		}
		c, s := b.Take()
		if len(c) == 0 && (c != nil || s != nil) {
			t.Fatalf("take %d: empty but not nil", i)
		}
		if cap(c) != len(c) || cap(s) != len(s) {
			t.Fatalf("take %d: room to append", i)
		}
		got = append(got, c)
		want = append(want, slices.Clone(c))
		_ = append(c, ContactRecord{CallID: "appended"})
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("records handed out changed")
	}
}

// randomEvents is a contact centre's log with lines in a random mix:
// calls answered (with wrap-up pauses that start before or after the
// completion), abandoned or rejected, agents pausing and restarts, with
// times that mostly advance and sometimes step back.
func randomEvents(rng *rand.Rand, n int) []Event {
	agents := []string{"a1", "a2", "a3", "a4"}
	queues := []string{"sales", "support"}
	now := time.Unix(1764230400, 0).UTC()
	var out []Event
	add := func(callID, queue, agent, kind string, data ...string) {
		at := now
		if rng.IntN(10) == 0 {
			at = at.Add(-time.Duration(rng.IntN(3)) * time.Second)
		}
		out = append(out, Event{Time: at, CallID: callID, Queue: queue, Agent: agent, Kind: kind, Data: data, Line: len(out) + 1})
	}
	for i := 0; len(out) < n; i++ {
		now = now.Add(time.Duration(rng.IntN(8)) * time.Second)
		id := strconv.Itoa(1764230400+i/3) + "." + strconv.Itoa(rng.IntN(50))
		q, a := queues[rng.IntN(len(queues))], agents[rng.IntN(len(agents))]
		switch rng.IntN(8) {
		case 0, 1, 2:
			add(id, q, "NONE", "ENTERQUEUE", "", "555", "1")
			for range rng.IntN(3) {
				add(id, q, agents[rng.IntN(len(agents))], "RINGNOANSWER", "1000")
			}
			add(id, q, a, "CONNECT", "3", id+"b", "2")
			now = now.Add(time.Duration(rng.IntN(30)) * time.Second)
			if rng.IntN(3) == 0 {
				add("NONE", q, a, "PAUSE", "Wrapup")
			}
			add(id, q, a, "COMPLETECALLER", "3", "40", "1")
		case 3:
			add("NONE", q, a, "PAUSE", []string{"Wrapup", "lunch"}[rng.IntN(2)])
		case 4:
			add("NONE", q, a, "UNPAUSE", "")
		case 5:
			add(id, q, "NONE", "ENTERQUEUE", "", "555", "1")
			add(id, q, "NONE", "ABANDON", "1", "1", "9")
		case 6:
			add(id, q, "NONE", []string{"FULL", "RINGNOANSWER", "COMPLETEAGENT"}[rng.IntN(3)], "1000")
		case 7:
			if rng.IntN(20) == 0 {
				add("NONE", "NONE", "NONE", "QUEUESTART")
			} else {
				add("MANAGER", q, a, "ADDMEMBER")
			}
		}
	}
	return out
}

// TestShortcuts: a Builder that skips release while the log is before
// its earliest release, and keeps the agents of visits at hand, emits what
// one that looks at every pending record on every new second and looks
// up every agent does, also when restored from saved state.
func TestShortcuts(t *testing.T) {
	cfg := Config{WrapUp: map[string]time.Duration{"sales": 10 * time.Second}, WrapUpPauseReasons: []string{"Wrapup"}}
	for seed := range uint64(20) {
		events := randomEvents(rand.New(rand.NewPCG(seed, 13)), 3000)
		fast, scan := NewBuilder(cfg), NewBuilder(cfg)
		var got, want []ContactRecord
		for i, e := range events {
			if i == 1500 {
				state, err := fast.MarshalState()
				if err != nil {
					t.Fatal(err)
				}
				if fast, err = RestoreBuilder(cfg, state); err != nil {
					t.Fatal(err)
				}
			}
			fast.Add(e)
			scan.releaseSec = math.MinInt64 // release looks at every record
			for _, v := range append(scan.open.all(), scan.pending...) {
				v.agent = nil // looked up again
			}
			scan.Add(e)
			c, _ := fast.Take()
			got = append(got, c...)
			c, _ = scan.Take()
			want = append(want, c...)
		}
		if len(want) < 500 {
			t.Fatalf("seed %d: only %d records", seed, len(want))
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: records differ from those without shortcuts", seed)
		}
	}
}

// TestRecordsStay: records handed out by Take never change afterwards,
// though the Builder reuses the visits they were built in.
func TestRecordsStay(t *testing.T) {
	cfg := Config{WrapUpPauseReasons: []string{"Wrapup"}}
	events := randomEvents(rand.New(rand.NewPCG(14, 15)), 20000)
	b := NewBuilder(cfg)
	var got, want []ContactRecord
	rings := 0
	for _, e := range events {
		b.Add(e)
		c, _ := b.Take()
		for _, r := range c {
			got = append(got, r)
			r.Unanswered = slices.Clone(r.Unanswered)
			rings += len(r.Unanswered)
			want = append(want, r)
		}
	}
	b.Flush(b.Now())
	if rings < 1000 {
		t.Fatalf("only %d unanswered rings", rings)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("records changed after they were handed out")
	}
}

// TestOpenVisits: the open visits, listed by call, hold what a map by call
// and queue would.
func TestOpenVisits(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 17))
	type key struct{ call, queue string }
	ref := map[key]*visit{}
	o := openVisits{byCall: map[string]*visit{}}
	for i := range 100000 {
		k := key{strconv.Itoa(rng.IntN(30)), strconv.Itoa(rng.IntN(4))}
		if v := o.get(k.call, k.queue); v != ref[k] {
			t.Fatalf("op %d: get(%v) = %p, want %p", i, k, v, ref[k])
		}
		if v := ref[k]; v != nil && rng.IntN(2) == 0 {
			o.remove(v)
			delete(ref, k)
		} else if v == nil {
			v := &visit{rec: ContactRecord{CallID: k.call, Queue: k.queue}}
			o.push(o.byCall[k.call], v)
			ref[k] = v
		}
		if o.n != len(ref) || len(o.all()) != len(ref) {
			t.Fatalf("op %d: %d open, %d listed; want %d", i, o.n, len(o.all()), len(ref))
		}
	}
}

// TestTakeReused: TakeReused hands out what Take would, in the memory of
// the records before, and a record's unanswered rings are not that memory.
func TestTakeReused(t *testing.T) {
	cfg := Config{WrapUpPauseReasons: []string{"Wrapup"}}
	events := randomEvents(rand.New(rand.NewPCG(18, 19)), 20000)
	taken, reused := NewBuilder(cfg), NewBuilder(cfg)
	var want, got, kept []ContactRecord
	var wantS, gotS []AgentSession
	arrays := map[*ContactRecord]bool{}
	for _, e := range events {
		taken.Add(e)
		reused.Add(e)
		c, s := taken.Take()
		for _, r := range c {
			r.Unanswered = slices.Clone(r.Unanswered)
			want = append(want, r)
		}
		wantS = append(wantS, s...)
		c, s = reused.TakeReused()
		if len(c) > 0 {
			arrays[&c[:1][0]] = true
		}
		got = append(got, c...) // shares c's unanswered rings
		kept = append(kept, c...)
		gotS = append(gotS, s...)
	}
	if len(want) < 1000 {
		t.Fatalf("only %d records", len(want))
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotS, wantS) {
		t.Fatal("TakeReused handed out other records or sessions than Take")
	}
	if !reflect.DeepEqual(kept, want) {
		t.Error("the unanswered rings of records handed out changed")
	}
	if len(arrays) > 8 {
		t.Errorf("records handed out from %d arrays: the memory is not reused", len(arrays))
	}
}
