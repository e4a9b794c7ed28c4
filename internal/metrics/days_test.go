package metrics_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"anchor/internal/cases"
	"anchor/internal/metrics"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// snapshot computes every day-backed metric for both weeks and every cut,
// as text to compare.
func snapshot(t *testing.T, svc *metrics.Service) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, key := range []string{"fcr", "callback_punctuality", "first_response", "resolution", "handoff_on_time", "backlog_age"} {
		def, _ := metrics.Lookup(key)
		for _, by := range append([]string{""}, def.Dimensions...) {
			q := metrics.Query{From: week1.From, To: week2.To, Interval: "week", By: by}
			r, err := svc.Compute(context.Background(), key, q)
			if err != nil {
				t.Fatalf("%s by %q: %v", key, by, err)
			}
			for _, p := range r.Points {
				v := "null"
				if p.Value != nil {
					v = fmt.Sprintf("%.9f", *p.Value)
				}
				out[fmt.Sprintf("%s/%s/%s/%s", key, by, p.PeriodStart.Format("01-02"), p.Cut)] = fmt.Sprintf("%s %v/%v %v", v, p.Numerator, p.Denominator, p.Extra)
			}
		}
	}
	return out
}

func same(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: %d points, want %d", what, len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %s, want %s", what, k, got[k], v)
		}
	}
}

// The daily rollups are a cache: metrics read through them equal the live
// queries, before and after a late change to a rolled-up day.
func TestDailyRollupsEqualLive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := buildCases(t, db) // now is 20 November: days up to the 18th can be rolled up
		live := snapshot(t, w.svc)
		n, err := w.svc.RollupDays(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n != 17 { // 2 (the first case) to 18 November
			t.Fatalf("rolled up %d days, want 17", n)
		}
		var rows int
		if err := db.Read.QueryRow(`SELECT COUNT(*) FROM metric_days`).Scan(&rows); err != nil || rows == 0 {
			t.Fatalf("%d rollup rows, %v", rows, err)
		}
		// The whole weeks among them (from Monday 2 and 9 November) are
		// summed, and a week asked for is read as its sum.
		var weeks string
		if err := db.Read.QueryRow(`SELECT COALESCE(MIN(day), '') || ' ' || COALESCE(MAX(day), '') || ' ' || COUNT(*) FROM metric_weeks_done`).Scan(&weeks); err != nil {
			t.Fatal(err)
		}
		if weeks != "2026-11-02 2026-11-09 2" {
			t.Fatalf("summed weeks %q, want 2026-11-02 and 2026-11-09", weeks)
		}
		same(t, "through the rollups", live, snapshot(t, w.svc))
		if n, _ := w.svc.RollupDays(ctx, 100); n != 0 {
			t.Fatalf("rolled up %d days again with nothing changed", n)
		}

		// A late change on a rolled-up day: C1 (resolved on 2 November) is
		// reopened on the 20th. Its days are marked, served live, and equal
		// the live figures; rolled up again, still equal.
		ks := &cases.Service{DB: db, Levels: &servicelevel.Service{DB: db}}
		var id string
		if err := db.Read.QueryRow(`SELECT id FROM cases WHERE category = 'billing'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		c, err := ks.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		open := "open"
		if _, err := ks.Update(ctx, w.agentA.Actor(), id, cases.Update{Status: &open, Version: c.Version}); err != nil {
			t.Fatal(err)
		}
		mixed := snapshot(t, w.svc)
		if _, err := db.Write.Exec(`DELETE FROM metric_days_done`); err != nil {
			t.Fatal(err)
		}
		fresh := snapshot(t, w.svc)
		same(t, "after a late change", fresh, mixed)
		if mixed["fcr//11-02/"] == live["fcr//11-02/"] {
			t.Fatalf("the reopen did not change week 1's fcr: %s", mixed["fcr//11-02/"])
		}
		if n, err := w.svc.RollupDays(ctx, 100); err != nil || n != 17 {
			t.Fatalf("rolled up %d days after the reset, %v", n, err)
		}
		same(t, "rolled up again", fresh, snapshot(t, w.svc))
	})
}

// A case's first-contact resolution depends on other cases: a later case
// of the same customer and category within the repeat window makes it a
// repeat. Rollups follow such changes: a category changed on a case older
// than the horizon, and a new case repeating one resolved on a rolled-up
// day (under a 14-day window).
func TestDailyRollupsFollowRepeats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := buildCases(t, db) // now is 20 November
		ks := &cases.Service{DB: db, Levels: &servicelevel.Service{DB: db}}
		if _, err := w.svc.RollupDays(ctx, 100); err != nil {
			t.Fatal(err)
		}
		live := snapshot(t, w.svc)
		check := func(what string) map[string]string {
			t.Helper()
			mixed := snapshot(t, w.svc)
			fresh := snapshot(t, &metrics.Service{DB: db, Live: true})
			same(t, what, fresh, mixed)
			if _, err := w.svc.RollupDays(ctx, 100); err != nil {
				t.Fatal(err)
			}
			same(t, what+", rolled up again", fresh, snapshot(t, w.svc))
			return fresh
		}

		// C4 (R delivery, created 6 November) made C3 (R delivery, resolved
		// 4 November) a repeat. Moved to another category, C3 is resolved on
		// first contact: a day before C4's own, which C4's change alone
		// would not mark.
		var c4 string
		if err := db.Read.QueryRow(`SELECT id FROM cases WHERE category = 'delivery' ORDER BY created_at DESC`).Scan(&c4); err != nil {
			t.Fatal(err)
		}
		c, err := ks.Get(ctx, c4)
		if err != nil {
			t.Fatal(err)
		}
		returns := "returns"
		if _, err := ks.Update(ctx, w.agentB.Actor(), c4, cases.Update{Category: &returns, Version: c.Version}); err != nil {
			t.Fatal(err)
		}
		moved := check("after a category change")
		if moved["fcr//11-02/"] == live["fcr//11-02/"] {
			t.Fatalf("the category change did not change week 1's fcr: %s", moved["fcr//11-02/"])
		}

		// A 14-day window: C4 (now R returns, resolved 10 November) is made
		// a repeat by a case created on the 20th, ten days later.
		if err := w.svc.SetFCRWindow(ctx, 14); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.RollupDays(ctx, 100); err != nil {
			t.Fatal(err)
		}
		before := check("with a 14-day window")
		var r string
		if err := db.Read.QueryRow(`SELECT customer_id FROM cases WHERE id = $1`, c4).Scan(&r); err != nil {
			t.Fatal(err)
		}
		if _, err := ks.Create(ctx, w.agentB.Actor(), cases.NewCase{CustomerID: r, Subject: "again", Channel: "chat", Category: "returns"}); err != nil {
			t.Fatal(err)
		}
		after := check("after a repeat ten days later")
		if after["fcr//11-09/"] == before["fcr//11-09/"] {
			t.Fatalf("the repeat did not change week 2's fcr: %s", after["fcr//11-09/"])
		}
	})
}

// A change marks the UTC days from the changed case's creation to the
// horizon before now: none for a case younger than the horizon, which no
// rolled-up day can hold; for an older one, through the day now-Horizon
// falls in.
func TestMarkChangedHorizon(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := day(20, 12, 0)
		marked := func() []string {
			t.Helper()
			var out []string
			err := store.EachRow(ctx, db.Read, `SELECT hour FROM metric_hour_marks ORDER BY hour`, nil, func(rows *sql.Rows) error {
				var h int64
				if err := rows.Scan(&h); err != nil {
					return err
				}
				out = append(out, store.Time(h).Format("01-02"))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		if err := metrics.MarkChanged(ctx, db.Write, now.Add(-metrics.Horizon/2), now); err != nil {
			t.Fatal(err)
		}
		if got := marked(); len(got) != 0 {
			t.Fatalf("a case younger than the horizon marked %v", got)
		}
		if err := metrics.MarkChanged(ctx, db.Write, day(18, 23, 0), now); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(marked(), " "); got != "11-18 11-19 11-20" {
			t.Fatalf("a case created on the 18th marked %s, want 11-18 11-19 11-20", got)
		}
	})
}
