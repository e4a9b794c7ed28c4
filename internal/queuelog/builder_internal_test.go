package queuelog

import (
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
			if len(b.calls) != len(ref) || len(b.ages) != len(ref) {
				t.Fatalf("line %d: %d calls, %d ages; want %d", i, len(b.calls), len(b.ages), len(ref))
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
	for range 1000 {
		var cs callState
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
