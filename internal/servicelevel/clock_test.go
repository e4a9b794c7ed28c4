package servicelevel_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"anchor/internal/calendar"
	"anchor/internal/servicelevel"
)

func cal(t *testing.T, doc string) calendar.Calendar {
	t.Helper()
	var c calendar.Calendar
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const ukOffice = `{"name":"uk","timezone":"Europe/London","hours":{"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[["09:00","17:00"]],
	"thu":[["09:00","17:00"]],"fri":[["09:00","17:00"]]},"recurring_holidays":["12-25","12-26","01-01"]}`

// TestDueTimes checks due and at-risk times computed by hand.
func TestDueTimes(t *testing.T) {
	uk := cal(t, ukOffice)
	evenings := cal(t, `{"name":"evenings","timezone":"Europe/London","hours":{"mon":[["16:00","24:00"]],"tue":[["16:00","24:00"]]}}`)
	londonSundays := cal(t, `{"name":"sun","timezone":"Europe/London","hours":{"sun":[["00:00","24:00"]]}}`)
	mexicoSundays := cal(t, `{"name":"mx","timezone":"America/Mexico_City","hours":{"sun":[["00:00","24:00"]]}}`)
	for _, tc := range []struct {
		name      string
		cal       calendar.Calendar
		created   string
		target    time.Duration
		due, risk string
	}{
		// Friday 16:00: 1h on Friday, 3h on Monday. At risk after 3h: 1h + 2h.
		{"Weekend", uk, "2026-11-20T16:00:00Z", 4 * time.Hour, "2026-11-23T12:00:00Z", "2026-11-23T11:00:00Z"},
		// Thursday 24 December 15:00: 2h that day, 25 and 26 are holidays
		// (26 is a Saturday anyway), then 6h on Monday 28.
		{"Holiday", uk, "2026-12-24T15:00:00Z", 8 * time.Hour, "2026-12-28T15:00:00Z", "2026-12-28T13:00:00Z"},
		// Created on a Saturday: the clock starts on Monday at 09:00.
		{"CreatedOutsideHours", uk, "2026-11-21T10:00:00Z", time.Hour, "2026-11-23T10:00:00Z", "2026-11-23T09:45:00Z"},
		// A span ending at midnight: Monday 23:00 + 2h = 1h Monday, 1h from
		// Tuesday 16:00.
		{"SpanEndsAtMidnight", evenings, "2026-11-23T23:00:00Z", 2 * time.Hour, "2026-11-24T17:00:00Z", "2026-11-24T16:30:00Z"},
		// London springs forward at 01:00 GMT on 29 March 2026: three real
		// hours from midnight end at 03:00 UTC (04:00 BST).
		{"LondonSpringForward", londonSundays, "2026-03-29T00:00:00Z", 3 * time.Hour, "2026-03-29T03:00:00Z", "2026-03-29T02:15:00Z"},
		// London falls back on 25 October 2026: the Sunday has 25 hours;
		// from local midnight (23:00 UTC on the 24th), 24h end at 23:00 GMT.
		{"LondonFallBack", londonSundays, "2026-10-24T23:00:00Z", 24 * time.Hour, "2026-10-25T23:00:00Z", "2026-10-25T17:00:00Z"},
		// Mexico City's last fall-back, 30 October 2022 at 02:00 CDT: local
		// midnight is 05:00 UTC and 24 real hours end at 23:00 CST.
		{"MexicoCityFallBack", mexicoSundays, "2022-10-30T05:00:00Z", 24 * time.Hour, "2022-10-31T05:00:00Z", "2022-10-30T23:00:00Z"},
		// Mexico City's spring-forward, 3 April 2022 at 02:00 CST: from local
		// midnight (06:00 UTC) the Sunday holds only 23 hours, so a 24h
		// target runs into the next Sunday.
		{"MexicoCitySpringForward", mexicoSundays, "2022-04-03T06:00:00Z", 24 * time.Hour, "2022-04-10T06:00:00Z", "2022-04-04T00:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			targets := servicelevel.CaseTargets{Policy: servicelevel.Policy{Calendar: tc.cal, AtRiskShare: 0.75}, Resolution: tc.target}
			created := at(t, tc.created)
			c, err := targets.Clocks(servicelevel.CaseFacts{CreatedAt: created, Running: true}, created)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Resolution.DueAt.Format(time.RFC3339); got != tc.due {
				t.Errorf("due = %s, want %s", got, tc.due)
			}
			if got := c.Resolution.AtRiskAt.Format(time.RFC3339); got != tc.risk {
				t.Errorf("at risk = %s, want %s", got, tc.risk)
			}
			if c.FirstResponse.Owed() || c.NextUpdate.Owed() {
				t.Errorf("clocks without targets are owed: %+v", c)
			}
		})
	}
}

// A pause across a night: waiting on the customer from Monday 16:00 to
// Tuesday 10:00 holds 2 business hours, which move the due time by 2h.
func TestPauseAcrossNight(t *testing.T) {
	targets := servicelevel.CaseTargets{Policy: servicelevel.Policy{Calendar: cal(t, ukOffice), AtRiskShare: 0.75}, Resolution: 8 * time.Hour}
	created := at(t, "2026-11-23T09:00:00Z")
	pausedAt := at(t, "2026-11-23T16:00:00Z")
	resumed := at(t, "2026-11-24T10:00:00Z")
	paused := targets.Calendar.Between(pausedAt, resumed)
	if paused != 2*time.Hour {
		t.Fatalf("paused business time = %v, want 2h", paused)
	}
	during, err := targets.Clocks(servicelevel.CaseFacts{CreatedAt: created, Running: true, WaitingOnCustomer: true, PausedSince: &pausedAt},
		at(t, "2026-11-24T09:30:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	// 7h of 8 had run when it paused: at risk, frozen, no due time.
	if !during.Resolution.Paused || during.Resolution.State != servicelevel.StateAtRisk || during.Resolution.DueAt != nil {
		t.Fatalf("while paused: %+v", during.Resolution)
	}
	after, err := targets.Clocks(servicelevel.CaseFacts{CreatedAt: created, Running: true, PausedFor: paused}, resumed)
	if err != nil {
		t.Fatal(err)
	}
	if got := after.Resolution.DueAt.Format(time.RFC3339); got != "2026-11-24T11:00:00Z" {
		t.Fatalf("due after the pause = %s, want Tuesday 11:00", got)
	}
	if after.Resolution.State != servicelevel.StateAtRisk {
		t.Fatalf("state after resuming with 7h of 8 used = %s, want at_risk", after.Resolution.State)
	}
}

func TestClockStates(t *testing.T) {
	due := at(t, "2026-11-23T12:00:00Z")
	risk := at(t, "2026-11-23T11:00:00Z")
	early := at(t, "2026-11-23T10:00:00Z")
	late := at(t, "2026-11-23T12:00:01Z")
	for _, tc := range []struct {
		name string
		met  *time.Time
		now  string
		want string
	}{
		{"Ok", nil, "2026-11-23T10:59:59Z", "ok"},
		{"AtRiskFromTheInstant", nil, "2026-11-23T11:00:00Z", "at_risk"},
		{"DueInstantIsNotBreached", nil, "2026-11-23T12:00:00Z", "at_risk"},
		{"Breached", nil, "2026-11-23T12:00:01Z", "breached"},
		{"MetEarly", &early, "2026-11-30T00:00:00Z", "met"},
		{"MetAtDue", &due, "2026-11-30T00:00:00Z", "met"},
		{"MetLateIsBreached", &late, "2026-11-30T00:00:00Z", "breached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := servicelevel.Clock{DueAt: &due, AtRiskAt: &risk, MetAt: tc.met}
			if got := c.StateAt(at(t, tc.now)); got != tc.want {
				t.Fatalf("state = %s, want %s", got, tc.want)
			}
		})
	}
	c := servicelevel.Clock{DueAt: &due, AtRiskAt: &risk}
	if n := c.NextChange(early); !n.Equal(risk) {
		t.Fatalf("next change while ok = %v, want the at-risk instant", n)
	}
	if n := c.NextChange(risk); !n.Equal(due.Add(time.Millisecond)) {
		t.Fatalf("next change while at risk = %v, want just after due", n)
	}
	if n := c.NextChange(late); n != nil {
		t.Fatalf("a breached clock changes again at %v", n)
	}
}

func TestCallbackClock(t *testing.T) {
	start, end := at(t, "2026-11-23T10:00:00Z"), at(t, "2026-11-23T12:00:00Z")
	in, before, after := at(t, "2026-11-23T11:00:00Z"), at(t, "2026-11-23T09:59:00Z"), at(t, "2026-11-23T12:00:01Z")
	for _, tc := range []struct {
		name string
		made *time.Time
		now  time.Time
		want string
	}{
		{"Waiting", nil, before, "ok"},
		{"AtRiskAfterThreeQuarters", nil, at(t, "2026-11-23T11:30:00Z"), "at_risk"},
		{"NeverMade", nil, after, "breached"},
		{"MadeInside", &in, after, "met"},
		{"MadeLate", &after, after, "breached"},
		{"MadeEarly", &before, after, "breached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := servicelevel.CallbackClock(start, end, tc.made, true, 0.75, tc.now).State; got != tc.want {
				t.Fatalf("state = %s, want %s", got, tc.want)
			}
		})
	}
}

// FuzzBusinessTime: for any calendar hours and instants, business time is
// never negative, never more than elapsed time, and additive.
func FuzzBusinessTime(f *testing.F) {
	f.Add(int64(1700000000), int64(3600), int64(7200), uint8(9), uint8(8), uint8(31))
	f.Add(int64(1774746000), int64(90000), int64(1), uint8(0), uint8(24), uint8(127))
	f.Fuzz(func(t *testing.T, a, ab, bc int64, open, length, days uint8) {
		start := int(open % 24)
		end := start + 1 + int(length%uint8(24-start))
		span := [][]string{{clockStr(start), clockStr(end)}}
		hours := map[string][][]string{}
		for i, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
			if days&(1<<i) != 0 {
				hours[d] = span
			}
		}
		if len(hours) == 0 {
			hours["mon"] = span
		}
		doc, _ := json.Marshal(map[string]any{"name": "f", "timezone": "Europe/London", "hours": hours})
		var c calendar.Calendar
		if err := json.Unmarshal(doc, &c); err != nil {
			t.Fatal(err)
		}
		ta := time.Unix(a%4e9, 0)
		tb := ta.Add(time.Duration(abs(ab)%(60*86400)) * time.Second)
		tc := tb.Add(time.Duration(abs(bc)%(60*86400)) * time.Second)
		x, y, z := c.Between(ta, tb), c.Between(tb, tc), c.Between(ta, tc)
		if x < 0 || y < 0 || x > tb.Sub(ta) {
			t.Fatalf("business time %v, %v out of range", x, y)
		}
		if x+y != z {
			t.Fatalf("t(a,b) %v + t(b,c) %v != t(a,c) %v", x, y, z)
		}
	})
}

func clockStr(h int) string { return fmt.Sprintf("%02d:00", h) }

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// TestAdditiveRandom runs the additivity property on a fixed-seed sample,
// so that it is checked on every test run, not only when fuzzing.
func TestAdditiveRandom(t *testing.T) {
	uk := cal(t, ukOffice)
	rng := rand.New(rand.NewPCG(7, 11))
	base := at(t, "2026-01-01T00:00:00Z")
	for i := 0; i < 2000; i++ {
		a := base.Add(time.Duration(rng.IntN(365*86400)) * time.Second)
		b := a.Add(time.Duration(rng.IntN(20*86400)) * time.Second)
		c := b.Add(time.Duration(rng.IntN(20*86400)) * time.Second)
		if uk.Between(a, b)+uk.Between(b, c) != uk.Between(a, c) {
			t.Fatalf("not additive at %v %v %v", a, b, c)
		}
	}
}

// BenchmarkCaseDueTimes computes the three clocks of a case: the figure
// behind "due times of 1M cases at ≥ 500k cases/s on one core".
func BenchmarkCaseDueTimes(b *testing.B) {
	var c calendar.Calendar
	if err := json.Unmarshal([]byte(ukOffice), &c); err != nil {
		b.Fatal(err)
	}
	targets := servicelevel.CaseTargets{Policy: servicelevel.Policy{Calendar: c, AtRiskShare: 0.75},
		FirstResponse: 4 * time.Hour, NextUpdate: 8 * time.Hour, Resolution: 24 * time.Hour}
	created := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at := created.Add(time.Duration(i%1000) * 7 * time.Minute)
		if _, err := targets.Clocks(servicelevel.CaseFacts{CreatedAt: at, LastResponseAt: &at, Running: true}, at); err != nil {
			b.Fatal(err)
		}
	}
}
