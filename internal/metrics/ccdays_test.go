package metrics_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anchor/internal/contactcenter"
	"anchor/internal/metrics"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

var ccKeys = []string{"aht", "abandon_rate", "service_level", "asa", "availability", "occupancy"}

// ccSnapshot computes every contact-center metric by every cut over
// queries whose edges are not local midnights, by day and by week in the
// organisation's zone and by week in UTC, as text to compare.
func ccSnapshot(t *testing.T, svc *metrics.Service, loc *time.Location) map[string]string {
	t.Helper()
	out := map[string]string{}
	from := time.Date(2026, 1, 4, 7, 10, 0, 0, time.UTC)
	to := time.Date(2026, 1, 14, 5, 0, 0, 0, time.UTC)
	for _, key := range ccKeys {
		def, _ := metrics.Lookup(key)
		for _, by := range append([]string{""}, def.Dimensions...) {
			for _, q := range []metrics.Query{
				{From: from, To: to, Interval: "day", By: by, Location: loc},
				{From: from, To: to, Interval: "week", By: by, Location: loc},
				{From: from, To: to, Interval: "week", By: by, Location: time.UTC},
				{From: from, To: to, By: by},
			} {
				r, err := svc.Compute(context.Background(), key, q)
				if err != nil {
					t.Fatalf("%s by %q: %v", key, by, err)
				}
				for _, p := range r.Points {
					v := "null"
					if p.Value != nil {
						v = fmt.Sprintf("%.12g", *p.Value)
					}
					k := fmt.Sprintf("%s/%s/%s/%s-%s/%s", key, by, q.Interval, p.PeriodStart.Format(time.RFC3339), p.PeriodEnd.Format(time.RFC3339), p.Cut)
					out[k] = fmt.Sprintf("%s %v/%v %v", v, p.Numerator, p.Denominator, p.Extra)
				}
			}
		}
	}
	return out
}

// The contact-center daily rollups are a cache of cc_rollups: metrics read
// through them equal those read from cc_rollups alone, in a zone whose
// midnight is not on a UTC hour, before and after a late import, a rebuild
// and a change of zone touch rolled-up days.
func TestContactCenterDaysEqualRollups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		db.Now = func() time.Time { return time.Date(2026, 1, 16, 12, 0, 0, 0, time.UTC) }
		svc := &metrics.Service{DB: db}
		direct := &metrics.Service{DB: db, Live: true}
		if err := svc.SetOrgLocation(ctx, "Asia/Kolkata"); err != nil { // UTC+5:30
			t.Fatal(err)
		}
		loc, _ := time.LoadLocation("Asia/Kolkata")
		cc := &contactcenter.Service{DB: db}
		// The agents are users, so that the agent cut has one per agent.
		us := users.NewService(db)
		for i := 1; i <= 4; i++ {
			u, err := us.Create(ctx, users.NewUser{Email: fmt.Sprintf("agent%03d@example.com", i), Name: fmt.Sprintf("Agent %d", i), Role: users.RoleAgent})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cc.SetAlias(ctx, contactcenter.AliasInput{Alias: fmt.Sprintf("agent%03d", i), UserID: u.ID}); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if _, err := contactcenter.GenerateQueueLog(&buf, contactcenter.DemoSpec{Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC),
			Days: 7, Queues: 2, Agents: 4, Seed: 3, CallsPerAgent: 25}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "queue_log")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := cc.ImportQueueLog(ctx, []string{path}, contactcenter.ImportOptions{Final: true}); err != nil {
			t.Fatal(err)
		}
		want := ccSnapshot(t, direct, loc)
		agents := map[string]bool{}
		for k := range want {
			if parts := strings.Split(k, "/"); parts[1] == metrics.ByAgent {
				agents[parts[4]] = true
			}
		}
		delete(agents, "") // contacts no agent handled
		if len(agents) != 4 {
			t.Fatalf("%d agent cuts, want 4: %v", len(agents), agents)
		}
		same(t, "before any rollup", want, ccSnapshot(t, svc, loc))
		records := &metrics.Service{DB: db, FromRecords: true}
		same(t, "from the records", want, ccSnapshot(t, records, loc))

		rollAll := func(what string, wantDays int) {
			t.Helper()
			n, err := svc.RollupContactCenterDays(ctx, 1000)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if n != wantDays {
				t.Fatalf("%s: rolled up %d days, want %d", what, n, wantDays)
			}
			if n, err := svc.RollupContactCenterDays(ctx, 1000); err != nil || n != 0 {
				t.Fatalf("%s: rolled up %d more days with nothing changed, %v", what, n, err)
			}
		}
		// The log starts on 5 January (UTC), in Kolkata the 5th too; every
		// local day to the 15th (the 16th has not ended) is rolled up.
		rollAll("first rollup", 11)
		var rows int
		if err := db.Read.QueryRow(`SELECT COUNT(*) FROM metric_cc_days WHERE dim = 'agent'`).Scan(&rows); err != nil || rows == 0 {
			t.Fatalf("%d agent rows, %v", rows, err)
		}
		same(t, "through the daily rollups", want, ccSnapshot(t, svc, loc))

		// A late import on another source: one more answered contact on
		// 7 January at 10:00 UTC (15:30 in Kolkata), a day already rolled
		// up. Its day is marked and served from cc_rollups until rolled up
		// again; the figures equal the direct ones throughout.
		csv := "type,id,channel,queue,offered_at,answered_at,outcome,agent,talk_seconds,wrap_seconds\n" +
			"contact,late1,phone," + contactcenter.DemoQueueName(0) + ",2026-01-07T10:00:00Z,2026-01-07T10:00:30Z,answered,Late,6000,60\n"
		er, err := contactcenter.NewEventReader(strings.NewReader(csv), "csv")
		if err != nil {
			t.Fatal(err)
		}
		if rep, err := cc.ImportEvents(ctx, er, contactcenter.EventImportOptions{Stream: "late"}); err != nil || rep.Imported != 1 {
			t.Fatalf("late import: %+v, %v", rep, err)
		}
		late := ccSnapshot(t, direct, loc)
		k := "aht//day/2026-01-06T18:30:00Z-2026-01-07T18:30:00Z/"
		if late[k] == want[k] || late[k] == "" {
			t.Fatalf("the late contact did not change 7 January's aht: %s", late[k])
		}
		same(t, "after a late import", late, ccSnapshot(t, svc, loc))
		same(t, "from the records after a late import", late, ccSnapshot(t, records, loc))
		rollAll("after a late import", 1)
		same(t, "rolled up again after a late import", late, ccSnapshot(t, svc, loc))

		// A rebuild of 8 January UTC (05:30 on the 8th to 05:30 on the
		// 9th in Kolkata) rewrites two local days' intervals.
		if _, err := cc.Rebuild(ctx, time.Date(2026, 1, 8, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		same(t, "after a rebuild", late, ccSnapshot(t, svc, loc))
		rollAll("after a rebuild", 2)
		same(t, "rolled up again after a rebuild", late, ccSnapshot(t, svc, loc))

		// A new organisation zone: no day of the old zone is served.
		if err := svc.SetOrgLocation(ctx, "America/New_York"); err != nil {
			t.Fatal(err)
		}
		ny, _ := time.LoadLocation("America/New_York")
		wantNY := ccSnapshot(t, direct, ny)
		same(t, "in a new zone", wantNY, ccSnapshot(t, svc, ny))
		rollAll("in a new zone", 11) // the 5th to the 15th again
		same(t, "rolled up in a new zone", wantNY, ccSnapshot(t, svc, ny))

		// The days are really read: a (forbidden) edit of a rolled-up row
		// shows through, which is what proves the comparisons above
		// compared the rollups with cc_rollups.
		if _, err := db.Write.Exec(`UPDATE metric_cc_days SET handled = handled + 1000 WHERE dim = ''`); err != nil {
			t.Fatal(err)
		}
		if got := ccSnapshot(t, svc, ny); got["aht//week/2026-01-05T05:00:00Z-2026-01-12T05:00:00Z/"] == wantNY["aht//week/2026-01-05T05:00:00Z-2026-01-12T05:00:00Z/"] {
			t.Fatal("the rollups were not read")
		}
	})
}
