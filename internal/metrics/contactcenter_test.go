package metrics_test

import (
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
)

// TestContactCenterMetrics imports a queue_log a person can follow and
// checks every contact-center metric against numbers worked out by hand.
//
// Queue "support" (service level 20 s, short abandons ≤ 5 s, no wrap-up);
// agent Agent/1001 logged in from 08:59 to 09:30 with a 2-minute pause.
// 09:00–09:15:
//
//	c1 waits 10 s, talks 120 s      answered within 20 s
//	c2 waits 30 s, talks 60 s       answered late
//	c3 hangs up after 3 s           short abandon: out of both rates
//	c4 hangs up after 60 s          abandoned
//	c5 times out after 120 s        other exit: offered, not abandoned
//
// 09:15–09:30: c6 hangs up after 2 s, the interval's only contact.
func TestContactCenterMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		db.Now = func() time.Time { return time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) }
		cc := &contactcenter.Service{DB: db}
		if _, err := cc.CreateQueue(ctx, contactcenter.NewQueue{Name: "support", AsteriskName: "support"}); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).Unix()
		var log strings.Builder
		line := func(off int64, call, agent, event string, data ...string) {
			fmt.Fprintf(&log, "%d|%s|support|%s|%s|%s\n", t0+off, call, agent, event, strings.Join(data, "|"))
		}
		const ag = "Agent/1001"
		line(-60, "NONE", ag, "ADDMEMBER", "")
		line(0, "c1", "NONE", "ENTERQUEUE", "", "5551001", "1")
		line(10, "c1", ag, "CONNECT", "10", "c1b", "2")
		line(60, "c2", "NONE", "ENTERQUEUE", "", "5551002", "1")
		line(100, "c3", "NONE", "ENTERQUEUE", "", "5551003", "2")
		line(103, "c3", "NONE", "ABANDON", "2", "2", "3")
		line(130, "c1", ag, "COMPLETECALLER", "10", "120", "1")
		line(90, "c2", ag, "CONNECT", "30", "c2b", "2")
		line(150, "c2", ag, "COMPLETEAGENT", "30", "60", "1")
		line(200, "c4", "NONE", "ENTERQUEUE", "", "5551004", "1")
		line(260, "c4", "NONE", "ABANDON", "1", "1", "60")
		line(300, "c5", "NONE", "ENTERQUEUE", "", "5551005", "1")
		line(420, "c5", "NONE", "EXITWITHTIMEOUT", "1", "1", "120")
		line(600, "NONE", ag, "PAUSE", "lunch")
		line(720, "NONE", ag, "UNPAUSE", "")
		line(900, "c6", "NONE", "ENTERQUEUE", "", "5551006", "1")
		line(902, "c6", "NONE", "ABANDON", "1", "1", "2")
		line(1800, "NONE", ag, "REMOVEMEMBER", "")
		// Sorted by time, as Asterisk writes them (c2's CONNECT was listed late above).
		lines := strings.Split(strings.TrimSpace(log.String()), "\n")
		sortByEpoch(lines)
		path := filepath.Join(t.TempDir(), "queue_log")
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := cc.ImportQueueLog(ctx, []string{path}, contactcenter.ImportOptions{Final: true}); err != nil {
			t.Fatal(err)
		}
		svc := &metrics.Service{DB: db}
		first := metrics.Query{From: time.Unix(t0, 0).UTC(), To: time.Unix(t0+900, 0).UTC()}
		second := metrics.Query{From: time.Unix(t0+900, 0).UTC(), To: time.Unix(t0+1800, 0).UTC()}
		both := metrics.Query{From: first.From, To: second.To}
		get := func(key string, q metrics.Query) metrics.Point {
			t.Helper()
			r, err := svc.Compute(ctx, key, q)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			return point(t, r, "")
		}
		// Offered 5, one short abandon: service level 1/(5−1), abandon
		// rate (2−1)/(5−1); ASA (10+30)/2 s; AHT (120+60)/2 s.
		wantRatio(t, get("service_level", first), 1, 4)
		wantRatio(t, get("abandon_rate", first), 1, 4)
		wantRatio(t, get("asa", first), 40, 2)
		wantRatio(t, get("aht", first), 180, 2)
		// The second interval holds only a short abandon: no rate at all.
		wantRatio(t, get("service_level", second), 0, 0)
		wantRatio(t, get("abandon_rate", second), 0, 0)
		// Over the half hour: logged in 1800 s, paused 120 s; handled 180 s.
		wantRatio(t, get("availability", both), 1680, 1800)
		wantRatio(t, get("occupancy", both), 180, 1680)
		// The whole day, served from its daily rollup (now is the next
		// midnight, so the 23rd can be rolled up): six offered, two short
		// abandons (c3, c6); the agent was logged in from 08:59 to 09:30,
		// 1860 s, 120 s of it paused.
		day := metrics.Query{From: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)}
		if n, err := svc.RollupContactCenterDays(ctx, 10); err != nil || n != 1 {
			t.Fatalf("rolled up %d days, %v; want 1", n, err)
		}
		wantRatio(t, get("service_level", day), 1, 4)
		wantRatio(t, get("abandon_rate", day), 1, 4)
		wantRatio(t, get("asa", day), 40, 2)
		wantRatio(t, get("aht", day), 180, 2)
		wantRatio(t, get("availability", day), 1740, 1860)
		wantRatio(t, get("occupancy", day), 180, 1740)
		byQueue, err := svc.Compute(ctx, "service_level", metrics.Query{From: first.From, To: first.To, By: "queue"})
		if err != nil || len(byQueue.Points) != 1 || byQueue.Points[0].Denominator != 4 || byQueue.Points[0].CutName != "support" {
			t.Fatalf("service level by queue: %+v, %v", byQueue.Points, err)
		}
	})
}

func sortByEpoch(lines []string) {
	key := func(s string) string { return s[:strings.Index(s, "|")] }
	for i := 1; i < len(lines); i++ {
		for j := i; j > 0 && key(lines[j]) < key(lines[j-1]); j-- {
			lines[j], lines[j-1] = lines[j-1], lines[j]
		}
	}
}
