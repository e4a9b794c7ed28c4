package httpapi_test

import (
	"testing"

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
