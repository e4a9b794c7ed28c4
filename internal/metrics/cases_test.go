package metrics_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/departments"
	"anchor/internal/metrics"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func day(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }

var (
	week1 = metrics.Query{From: day(2, 0, 0), To: day(9, 0, 0)}
	week2 = metrics.Query{From: day(9, 0, 0), To: day(16, 0, 0)}
)

// caseWorld is the hand-built fixture of the case metrics. Monday 2 to
// Sunday 15 November 2026, UTC, two ISO weeks. E is an enterprise customer
// (first response 1h, resolution 8h, 24/7) owned by agent A; R a retail one
// (4h, 24h) owned by agent B. Finance completes handoffs within 24h.
//
//	C1 E billing  phone  created 2 Nov 09:00 (the call answers it), resolved 10:00
//	C2 E invoice  email  created 2 Nov 12:00 (inbound email), public reply and outbound email 14:00,
//	                     handoff H1 15:00 (due 3 Nov 15:00, completed 14:00),
//	                     callback 3 Nov 10:00–12:00 made 11:00, resolved 3 Nov 09:00
//	C3 R delivery chat   created 4 Nov 10:00 (chat answers it), resolved 12:00; a callback cancelled
//	C4 R delivery chat   created 6 Nov 10:00, handoff H2 11:00 (due 7 Nov 11:00, never done),
//	                     callback 8 Nov 22:00–9 Nov 00:00 never made, resolved 10 Nov 10:00
//	C5 E access   phone  created 9 Nov 09:00, resolved 09:30, handoff H3 10:00 returned 12:00,
//	                     reopened 11:00 and still open
type caseWorld struct {
	svc                *metrics.Service
	agentA, agentB     users.User
	enterprise, retail customers.Segment
}

func buildCases(t *testing.T, db *store.DB) caseWorld {
	t.Helper()
	ctx := context.Background()
	clock := &storetest.Clock{T: day(1, 8, 0)}
	db.Now = clock.Now
	at := func(d, h, m int) { clock.T = day(d, h, m) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	us := &users.Service{DB: db, KDF: users.TestKDF}
	var w caseWorld
	var err error
	w.agentA, err = us.Create(ctx, users.NewUser{Email: "a@example.com", Name: "Agent A", Role: "agent"})
	must(err)
	w.agentB, err = us.Create(ctx, users.NewUser{Email: "b@example.com", Name: "Agent B", Role: "agent"})
	must(err)
	fin, err := (&departments.Service{DB: db}).Create(ctx, departments.NewDepartment{Name: "finance"})
	must(err)
	member, err := us.Create(ctx, users.NewUser{Email: "f@example.com", Name: "Fin", Role: "department", DepartmentID: fin.ID})
	must(err)
	cs := &customers.Service{DB: db}
	w.enterprise, err = cs.CreateSegment(ctx, customers.NewSegment{Name: "enterprise"})
	must(err)
	w.retail, err = cs.CreateSegment(ctx, customers.NewSegment{Name: "retail"})
	must(err)
	levels := &servicelevel.Service{DB: db}
	m, err := servicelevel.ParseMatrix([]byte(`{"segments": {
		"enterprise": {"priorities": {"normal": {"first_response": "1h", "resolution": "8h"}}},
		"retail": {"priorities": {"normal": {"first_response": "4h", "resolution": "24h"}}}},
		"departments": {"finance": {"complete_within": "24h"}}}`))
	must(err)
	_, err = levels.Import(ctx, anchor.Actor{}, m)
	must(err)
	e, err := cs.Create(ctx, w.agentA.Actor(), customers.NewCustomer{Name: "E", SegmentID: w.enterprise.ID, OwnerID: w.agentA.ID})
	must(err)
	r, err := cs.Create(ctx, w.agentB.Actor(), customers.NewCustomer{Name: "R", SegmentID: w.retail.ID, OwnerID: w.agentB.ID})
	must(err)

	ks := &cases.Service{DB: db, Levels: levels}
	a, b, fm := w.agentA.Actor(), w.agentB.Actor(), member.Actor()
	create := func(actor anchor.Actor, cust, cat, ch string) cases.Case {
		t.Helper()
		c, err := ks.Create(ctx, actor, cases.NewCase{CustomerID: cust, Subject: cat, Channel: ch, Category: cat, FirstContact: &cases.NewContact{}})
		must(err)
		return c
	}
	status := func(actor anchor.Actor, id, to string) {
		t.Helper()
		c, err := ks.Get(ctx, id)
		must(err)
		_, err = ks.Update(ctx, actor, id, cases.Update{Status: &to, Version: c.Version})
		must(err)
	}
	handoff := func(actor anchor.Actor, id, to, reason string) {
		t.Helper()
		h, err := ks.Handoff(ctx, id)
		must(err)
		_, err = ks.UpdateHandoff(ctx, actor, id, cases.HandoffUpdate{Status: &to, Reason: reason, Version: h.Version})
		must(err)
	}
	promise := func(actor anchor.Actor, caseID string, from, to time.Time) cases.Callback {
		t.Helper()
		cb, err := ks.PromiseCallback(ctx, actor, caseID, cases.NewCallback{WindowStart: from, WindowEnd: to})
		must(err)
		return cb
	}

	at(2, 9, 0)
	c1 := create(a, e.ID, "billing", "phone")
	at(2, 10, 0)
	status(a, c1.ID, "resolved")
	at(2, 12, 0)
	c2 := create(a, e.ID, "invoice", "email")
	at(2, 14, 0)
	_, err = ks.AddMessage(ctx, a, c2.ID, cases.NewMessage{Body: "Looking into it", Visibility: "public"})
	must(err)
	_, err = ks.LogContact(ctx, a, c2.ID, cases.NewContact{Channel: "email", Direction: "outbound"})
	must(err)
	at(2, 15, 0)
	h1, err := ks.SendHandoff(ctx, a, c2.ID, cases.NewHandoff{DepartmentID: fin.ID, Request: "credit note"})
	must(err)
	at(2, 16, 0)
	cb1 := promise(a, c2.ID, day(3, 10, 0), day(3, 12, 0))
	at(3, 9, 0)
	status(a, c2.ID, "resolved")
	at(3, 11, 0)
	_, err = ks.UpdateCallback(ctx, a, cb1.ID, cases.CallbackUpdate{Status: "made", Outcome: "reached", Version: cb1.Version})
	must(err)
	at(3, 14, 0)
	handoff(fm, h1.ID, "completed", "")
	at(4, 10, 0)
	c3 := create(b, r.ID, "delivery", "chat")
	at(4, 12, 0)
	status(b, c3.ID, "resolved")
	at(5, 8, 0)
	cb2 := promise(b, c3.ID, day(5, 10, 0), day(5, 11, 0))
	_, err = ks.UpdateCallback(ctx, b, cb2.ID, cases.CallbackUpdate{Status: "cancelled", Version: cb2.Version})
	must(err)
	at(6, 10, 0)
	c4 := create(b, r.ID, "delivery", "chat")
	at(6, 11, 0)
	_, err = ks.SendHandoff(ctx, b, c4.ID, cases.NewHandoff{DepartmentID: fin.ID, Request: "refund"})
	must(err)
	at(8, 12, 0)
	promise(b, c4.ID, day(8, 22, 0), day(9, 0, 0))
	at(9, 9, 0)
	c5 := create(a, e.ID, "access", "phone")
	at(9, 9, 30)
	status(a, c5.ID, "resolved")
	at(9, 10, 0)
	h3, err := ks.SendHandoff(ctx, a, c5.ID, cases.NewHandoff{DepartmentID: fin.ID, Request: "check account"})
	must(err)
	at(9, 11, 0)
	status(a, c5.ID, "open")
	at(9, 12, 0)
	handoff(fm, h3.ID, "returned", "not ours")
	at(10, 10, 0)
	status(b, c4.ID, "resolved")
	at(20, 0, 0)
	w.svc = &metrics.Service{DB: db}
	return w
}

// point returns the point of a result for a cut ("" when not cut).
func point(t *testing.T, r metrics.Result, cut string) metrics.Point {
	t.Helper()
	for _, p := range r.Points {
		if p.Cut == cut {
			return p
		}
	}
	t.Fatalf("%s: no point for cut %q in %+v", r.Metric.Key, cut, r.Points)
	return metrics.Point{}
}

func wantRatio(t *testing.T, p metrics.Point, num, den float64) {
	t.Helper()
	if p.Numerator != num || p.Denominator != den {
		t.Fatalf("%s: %v/%v, want %v/%v", p.Cut, p.Numerator, p.Denominator, num, den)
	}
	if den == 0 {
		if p.Value != nil || p.Reason == "" {
			t.Fatalf("no input: value %v reason %q, want null with a reason", p.Value, p.Reason)
		}
		return
	}
	if p.Value == nil || math.Abs(*p.Value-num/den) > 1e-9 {
		t.Fatalf("value %v, want %v", p.Value, num/den)
	}
}

func TestCaseMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := buildCases(t, db)
		get := func(key string, q metrics.Query, by string) metrics.Result {
			t.Helper()
			q.By = by
			r, err := w.svc.Compute(ctx, key, q)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			return r
		}
		// FCR, week 1: resolved C1 (one contact: yes), C2 (two contacts: no),
		// C3 (C4 follows from R in delivery 2 days later: no) = 1/3.
		// Week 2: C4 (one contact, no reopen, nothing after) = 1/1; C5 was
		// reopened and is not resolved.
		wantRatio(t, point(t, get("fcr", week1, ""), ""), 1, 3)
		wantRatio(t, point(t, get("fcr", week2, ""), ""), 1, 1)
		byCat := get("fcr", week1, "category")
		wantRatio(t, point(t, byCat, "billing"), 1, 1)
		wantRatio(t, point(t, byCat, "delivery"), 0, 1)
		wantRatio(t, point(t, byCat, "invoice"), 0, 1)
		bySeg := get("fcr", week1, "segment")
		wantRatio(t, point(t, bySeg, w.enterprise.ID), 1, 2)
		if p := point(t, bySeg, w.retail.ID); p.CutName != "retail" {
			t.Fatalf("cut name = %q", p.CutName)
		}

		// First response, week 1: C1 met (09:00 ≤ 10:00), C2 missed (due
		// 13:00, reply 14:00), C3 met (chat 10:00), C4 met = 3/4; by
		// segment enterprise 1/2, retail 2/2. Week 2: C5 met = 1/1.
		wantRatio(t, point(t, get("first_response", week1, ""), ""), 3, 4)
		fr := get("first_response", week1, "segment")
		wantRatio(t, point(t, fr, w.enterprise.ID), 1, 2)
		wantRatio(t, point(t, fr, w.retail.ID), 2, 2)
		wantRatio(t, point(t, get("first_response", week2, ""), ""), 1, 1)

		// Resolution, week 1: C1 met, C2 missed (due 2 Nov 20:00), C3 met,
		// C4 missed (due 7 Nov 10:00, decided then) = 2/4; by agent A 1/2,
		// B 1/2. Week 2: C5, reopened and unresolved, missed at 17:00 = 0/1.
		wantRatio(t, point(t, get("resolution", week1, ""), ""), 2, 4)
		res := get("resolution", week1, "agent")
		wantRatio(t, point(t, res, w.agentA.ID), 1, 2)
		wantRatio(t, point(t, res, w.agentB.ID), 1, 2)
		wantRatio(t, point(t, get("resolution", week2, ""), ""), 0, 1)

		// Callbacks: week 1 the C2 one made at 11:00 in 10:00–12:00 = 1/1
		// (C3's was cancelled); C4's window ends exactly at the end of week
		// 1 and so belongs to week 2, never made = 0/1.
		wantRatio(t, point(t, get("callback_punctuality", week1, ""), ""), 1, 1)
		wantRatio(t, point(t, get("callback_punctuality", week2, ""), ""), 0, 1)

		// Handoffs due in week 1: H1 completed an hour early, H2 never = 1/2;
		// week 2: H3 was returned, so none is due: null with a reason.
		wantRatio(t, point(t, get("handoff_on_time", week1, ""), ""), 1, 2)
		wantRatio(t, point(t, get("handoff_on_time", week2, ""), ""), 0, 0)

		// Backlog at the end of week 1: C4 alone, 2 days 14 hours old and past
		// its due time. At the end of week 2: C5, 6 days 15 hours.
		b1 := point(t, get("backlog_age", week1, ""), "")
		wantRatio(t, b1, 2+14.0/24, 1)
		if b1.Extra["over_target"] != 1 || b1.Extra["median_days"] != 2+14.0/24 {
			t.Fatalf("backlog extra = %v", b1.Extra)
		}
		wantRatio(t, point(t, get("backlog_age", week2, ""), ""), 6+15.0/24, 1)

		// Split by week over both weeks gives the same numbers as asking per week.
		both := get("fcr", metrics.Query{From: week1.From, To: week2.To, Interval: "week"}, "")
		if len(both.Points) != 2 || both.Points[0].Denominator != 3 || both.Points[1].Denominator != 1 {
			t.Fatalf("by week: %+v", both.Points)
		}
		if _, err := w.svc.Compute(ctx, "fcr", metrics.Query{From: week1.From, To: week1.To, By: "queue"}); anchor.ErrorCode(err) != anchor.EInvalid {
			t.Fatalf("fcr by queue: %v", err)
		}
		// An empty period: null, with the reason.
		empty := point(t, get("fcr", metrics.Query{From: day(20, 0, 0), To: day(21, 0, 0)}, ""), "")
		if empty.Value != nil || empty.Reason == "" {
			t.Fatalf("empty period: %+v", empty)
		}
	})
}

func TestPeriodsInTimeZone(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	ps, err := metrics.Periods(time.Date(2026, 10, 24, 23, 0, 0, 0, time.UTC), time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC), "day", london)
	if err != nil {
		t.Fatal(err)
	}
	// 25 October is the 25-hour day in London (BST ends): from 00:00 BST
	// (23:00 UTC the day before) to 00:00 GMT; then a 24-hour day.
	if len(ps) != 2 || ps[0].End.Sub(ps[0].Start) != 25*time.Hour || ps[1].End.Sub(ps[1].Start) != 24*time.Hour {
		t.Fatalf("periods = %+v", ps)
	}
	w, err := metrics.ParseWeek("2026-W47", london)
	if err != nil || w.Start.Format(time.RFC3339) != "2026-11-16T00:00:00Z" || w.End.Sub(w.Start) != 7*24*time.Hour {
		t.Fatalf("2026-W47 = %+v, %v", w, err)
	}
	if _, err := metrics.ParseWeek("2026-W54", london); err == nil {
		t.Fatal("week 54 accepted")
	}
}

func TestScorecard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := buildCases(t, db)
		target, warning := 0.9, 0.7
		if _, err := w.svc.PutSettings(ctx, "first_response", metrics.SettingsUpdate{Target: &target, Warning: &warning, OwnerID: w.agentA.ID,
			Stages: []metrics.Stage{{StartsOn: "2026-11-09", Target: 0.95}},
			Bench:  []metrics.Benchmark{{Value: 0.85, Source: "industry survey", AsOf: "2026-06-30"}}}); err != nil {
			t.Fatal(err)
		}
		bad := 1.5
		if _, err := w.svc.PutSettings(ctx, "first_response", metrics.SettingsUpdate{Target: &target, Warning: &bad, Version: 1}); anchor.ErrorCode(err) != anchor.EInvalid {
			t.Fatalf("a warning above the target of a higher-is-better metric: %v", err)
		}
		if _, err := w.svc.PutSettings(ctx, "first_response", metrics.SettingsUpdate{Target: &target}); anchor.ErrorCode(err) != anchor.EConflict {
			t.Fatalf("a stale settings version: %v", err)
		}
		sc, err := w.svc.BuildScorecard(ctx, "2026-W45", time.UTC) // 2–9 November: week 1
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.Rows) != len(metrics.Catalogue) {
			t.Fatalf("%d rows, want %d", len(sc.Rows), len(metrics.Catalogue))
		}
		var fr *metrics.ScorecardRow
		for i := range sc.Rows {
			if sc.Rows[i].Key == "first_response" {
				fr = &sc.Rows[i]
			}
		}
		// 3/4 = 0.75 against 0.9 (warning 0.7): warning; the stage of 9
		// November is not yet in force. Benchmark gap 0.75 − 0.85.
		if fr == nil || *fr.Value != 0.75 || *fr.Target != 0.9 || fr.Status != metrics.StatusWarning || fr.OwnerName != "Agent A" {
			t.Fatalf("first_response row = %+v", fr)
		}
		if math.Abs(*fr.BenchmarkGap+0.1) > 1e-9 || len(fr.Trend) != 9 || fr.Trend[8].Week != "2026-W45" {
			t.Fatalf("benchmark gap %v, trend %+v", fr.BenchmarkGap, fr.Trend)
		}
		if sc.Rows[0].Status != metrics.StatusWarning {
			t.Fatalf("worst first: the first row is %s (%s)", sc.Rows[0].Key, sc.Rows[0].Status)
		}
		next, err := w.svc.BuildScorecard(ctx, "2026-W46", time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range next.Rows {
			if r.Key == "first_response" {
				// 1/1 against the stage target 0.95: met; up from 0.75.
				if *r.Target != 0.95 || r.Status != metrics.StatusMet || math.Abs(*r.Movement-(1-0.75)/0.75) > 1e-9 {
					t.Fatalf("week 46 first_response = %+v", r)
				}
			}
		}
		var html, csvOut strings.Builder
		if err := sc.WriteHTML(&html); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Weekly scorecard — 2026-W45", "<svg", "75.0%", "industry survey", `class="status warning"`} {
			if !strings.Contains(html.String(), want) {
				t.Fatalf("HTML lacks %q", want)
			}
		}
		if strings.Contains(html.String(), "<script") || strings.Contains(html.String(), "http://") {
			t.Fatal("the HTML report is not self-contained")
		}
		if err := sc.WriteCSV(&csvOut); err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(csvOut.String(), "\n"); lines != len(metrics.Catalogue)+1 {
			t.Fatalf("CSV has %d lines", lines)
		}
	})
}

// With a one-day repeat window, C4 (two days after C3, same customer and
// category) no longer makes C3 a repeat: week 1's FCR is 2/3.
func TestFCRWindowSetting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := buildCases(t, db)
		if err := w.svc.SetFCRWindow(ctx, 1); err != nil {
			t.Fatal(err)
		}
		wantRatio(t, point(t, mustCompute(t, w.svc, "fcr", week1), ""), 2, 3)
		if err := w.svc.SetFCRWindow(ctx, 0); anchor.ErrorCode(err) != anchor.EInvalid {
			t.Fatalf("a zero window: %v", err)
		}
	})
}

// The cases behind a number are the ones the metric counted.
func TestCasesBehind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := buildCases(t, db)
		p := metrics.Period{Start: week1.From, End: week1.To}
		got, more, err := w.svc.CasesBehind(ctx, "fcr", p, "", "", 10)
		if err != nil || more || len(got) != 3 {
			t.Fatalf("fcr behind week 1: %d cases, more %v, %v", len(got), more, err)
		}
		counted := 0
		for _, c := range got {
			if c.Counted {
				counted++
				if c.Category != "billing" {
					t.Fatalf("the counted case is %s, want C1 (billing)", c.Category)
				}
			}
		}
		if counted != 1 {
			t.Fatalf("%d counted, want 1 (the numerator)", counted)
		}
		byCat, _, err := w.svc.CasesBehind(ctx, "resolution", p, "agent", w.agentB.ID, 10)
		if err != nil || len(byCat) != 2 {
			t.Fatalf("resolution behind agent B: %+v, %v", byCat, err)
		}
		backlog, _, err := w.svc.CasesBehind(ctx, "backlog_age", p, "", "", 10)
		if err != nil || len(backlog) != 1 || backlog[0].Category != "delivery" || !backlog[0].Counted {
			t.Fatalf("backlog behind week 1: %+v, %v", backlog, err)
		}
		one, more, err := w.svc.CasesBehind(ctx, "fcr", p, "", "", 1)
		if err != nil || len(one) != 1 || !more {
			t.Fatalf("limit 1: %d, more %v, %v", len(one), more, err)
		}
		if _, _, err := w.svc.CasesBehind(ctx, "csat", p, "", "", 1); anchor.ErrorCode(err) != anchor.EInvalid {
			t.Fatalf("csat is not a case metric: %v", err)
		}
	})
}
