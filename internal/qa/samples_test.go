package qa_test

import (
	"fmt"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the tests need Europe/Madrid wherever they run

	"anchor/internal/qa"
)

func TestISOWeek(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		week     string
		loc      *time.Location
		from, to string // RFC 3339 in UTC; "" for an error
		hours    float64
	}{
		{"2026-W47", time.UTC, "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z", 168},
		// Week 1 holds 4 January: 2026's starts on Monday 29 December 2025.
		{"2026-W01", time.UTC, "2025-12-29T00:00:00Z", "2026-01-05T00:00:00Z", 168},
		// 2026 starts on a Thursday, so it has 53 weeks; 2027 does not.
		{"2026-W53", time.UTC, "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z", 168},
		{"2027-W53", time.UTC, "", "", 0},
		{"2026-W00", time.UTC, "", "", 0},
		{"2026-47", time.UTC, "", "", 0},
		// Madrid is UTC+1 in November: the week starts at 23:00 UTC on Sunday.
		{"2026-W47", madrid, "2026-11-15T23:00:00Z", "2026-11-22T23:00:00Z", 168},
		// Summer time starts on Sunday 29 March 2026: that week is an hour short.
		{"2026-W13", madrid, "2026-03-22T23:00:00Z", "2026-03-29T22:00:00Z", 167},
	} {
		t.Run(tc.week+"/"+tc.loc.String(), func(t *testing.T) {
			from, to, err := qa.ISOWeek(tc.week, tc.loc)
			if tc.from == "" {
				if err == nil {
					t.Fatalf("got %v–%v, want an error", from, to)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := from.UTC().Format(time.RFC3339); got != tc.from {
				t.Errorf("from %s, want %s", got, tc.from)
			}
			if got := to.UTC().Format(time.RFC3339); got != tc.to {
				t.Errorf("to %s, want %s", got, tc.to)
			}
			if h := to.Sub(from).Hours(); h != tc.hours {
				t.Errorf("%v hours, want %v", h, tc.hours)
			}
		})
	}
}

func TestPick(t *testing.T) {
	var ids []string
	for i := range 20 {
		ids = append(ids, fmt.Sprintf("contact-%02d", i))
	}
	a := qa.Pick(42, ids, 3)
	if len(a) != 3 {
		t.Fatalf("picked %d, want 3", len(a))
	}
	reversed := slices.Clone(ids)
	slices.Reverse(reversed)
	if b := qa.Pick(42, reversed, 3); !slices.Equal(a, b) {
		t.Fatalf("the order of the candidates changed the pick: %v then %v", a, b)
	}
	if b := qa.Pick(43, ids, 3); slices.Equal(a, b) {
		t.Fatalf("seeds 42 and 43 picked the same %v", a)
	}
	// A new candidate either enters the pick or changes nothing.
	grown := append(slices.Clone(ids), "contact-new")
	b := qa.Pick(42, grown, 3)
	for _, id := range b {
		if id != "contact-new" && !slices.Contains(a, id) {
			t.Fatalf("adding a candidate brought in %s: %v then %v", id, a, b)
		}
	}
	if all := qa.Pick(1, ids[:2], 5); len(all) != 2 {
		t.Fatalf("picking 5 of 2 gave %v", all)
	}
	if none := qa.Pick(1, nil, 5); len(none) != 0 {
		t.Fatalf("picking from nothing gave %v", none)
	}
}
