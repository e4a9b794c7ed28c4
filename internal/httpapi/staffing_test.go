package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"anchor/internal/staffing"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

func TestStaffingPlanAPI(t *testing.T) {
	a := newAPI(t, storetest.OpenSQLite(t))
	w := a.world()
	// The textbook case: 100 calls in 30 minutes at 180 s, 80/20 needs 14
	// agents; 30% shrinkage makes 20 staff.
	req := map[string]any{
		"forecast": map[string]any{"length_seconds": 1800, "intervals": []any{map[string]any{"start": "2026-11-30T09:00:00Z", "calls": 100, "aht_seconds": 180}}},
		"policy":   map[string]any{"target": map[string]any{"level": 0.8, "within_seconds": 20}, "shrinkage": 0.3},
		"variants": []string{"busy:calls=+20%"},
	}
	a.wantError(a.call(w.agentTok, "POST", "/api/v1/staffing/plan", req), 403, "forbidden", "")
	r := a.must(a.call(a.admin, "POST", "/api/v1/staffing/plan", req), 200)
	iv := r.body["plan"].(map[string]any)["intervals"].([]any)[0].(map[string]any)
	if iv["agents"] != 14.0 || iv["staff"] != 20.0 {
		t.Fatalf("interval = %v", iv)
	}
	if sc := r.body["scenarios"].([]any); len(sc) != 2 {
		t.Fatalf("scenarios = %v", sc)
	}
	req["policy"] = map[string]any{"target": map[string]any{"level": 0.8, "within_seconds": 20}, "shrinkage": 1.2}
	a.wantError(a.call(a.admin, "POST", "/api/v1/staffing/plan", req), 400, "invalid", "policy")
	a.wantError(a.call(a.admin, "GET", "/api/v1/staffing/plan?date=2026-11-30", nil), 400, "invalid", "queue")
}

// A plan for Monday 30 November from the two Mondays before: 10 calls at
// 09:00 on the 23rd and 6 on the 16th, each of 180 s, average 8 calls in
// the 09:00 interval at 180 s — 1.6 Erlangs over 15 minutes.
func TestStaffingPlanFromHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		var lines []string
		add := func(day, n int) {
			for i := 0; i < n; i++ {
				offered := time.Date(2026, 11, day, 9, i, 0, 0, time.UTC)
				lines = append(lines, fmt.Sprintf(`{"type":"contact","id":"d%d-%d","channel":"phone","queue":"support","offered_at":%q,"answered_at":%q,"ended_at":%q,"outcome":"answered","agent":"ana"}`,
					day, i, offered.Format(time.RFC3339), offered.Add(10*time.Second).Format(time.RFC3339), offered.Add(190*time.Second).Format(time.RFC3339)))
			}
		}
		add(23, 10)
		add(16, 6)
		a.must(a.call(a.admin, "POST", "/api/v1/contact-events", strings.Join(lines, "\n")), 200)
		queues := a.must(a.call(a.admin, "GET", "/api/v1/queues", nil), 200).items()
		if len(queues) != 1 {
			t.Fatalf("queues = %v", queues)
		}
		r := a.must(a.call(a.admin, "GET", "/api/v1/staffing/plan?queue="+queues[0]["id"].(string)+"&date=2026-11-30&weeks=2&target=80/20s", nil), 200)
		ivs := r.body["plan"].(map[string]any)["intervals"].([]any)
		if len(ivs) != 1 {
			t.Fatalf("planned intervals = %v", ivs)
		}
		iv := ivs[0].(map[string]any)
		if iv["start"] != "2026-11-30T09:00:00Z" || iv["calls"] != 8.0 || iv["aht_seconds"] != 180.0 {
			t.Fatalf("forecast interval = %v", iv)
		}
		want, err := staffing.Require(staffing.Queue{Calls: 8, Interval: 15 * time.Minute, AHT: 180 * time.Second},
			staffing.Policy{Target: staffing.Target{Level: 0.8, Within: 20 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		if iv["agents"] != float64(want.Agents) {
			t.Fatalf("agents = %v, want %d", iv["agents"], want.Agents)
		}
	})
}
