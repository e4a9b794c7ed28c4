package httpapi_test

import (
	"strings"
	"testing"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

func TestMetricsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db) // Monday 23 November 2026, 09:00 UTC
		w := a.world()
		cat := a.must(a.call(w.agentTok, "GET", "/api/v1/metrics", nil), 200).items()
		if len(cat) != 18 {
			t.Fatalf("%d metrics in the catalogue, want DESIGN.md's 18", len(cat))
		}
		// One case, resolved on its first (phone) contact.
		c := a.must(a.call(w.agentTok, "POST", "/api/v1/cases", map[string]any{"customer_id": w.customer, "subject": "x", "channel": "phone",
			"category": "billing", "first_contact": map[string]any{}}), 201)
		a.must(a.call(w.agentTok, "PATCH", "/api/v1/cases/"+c.str("id"), map[string]any{"status": "resolved", "version": 1}), 200)
		m := a.must(a.call(w.agentTok, "GET", "/api/v1/metrics/fcr?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z&by=category", nil), 200)
		pts := m.body["points"].([]any)
		p := pts[0].(map[string]any)
		if len(pts) != 1 || p["cut"] != "billing" || p["numerator"] != 1.0 || p["denominator"] != 1.0 || p["value"] != 1.0 {
			t.Fatalf("fcr by category = %s", m.raw)
		}
		csat := a.must(a.call(w.agentTok, "GET", "/api/v1/metrics/csat?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z", nil), 200)
		cp := csat.body["points"].([]any)[0].(map[string]any)
		if cp["value"] != nil || !strings.Contains(cp["reason"].(string), "no CSAT answer") {
			t.Fatalf("csat without answers = %v, want null with a reason", cp)
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/metrics/fcr?to=2026-11-30T00:00:00Z", nil), 400, "invalid", "from")
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/metrics/fcr?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z&by=queue", nil), 400, "invalid", "by")
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/metrics/nope?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z", nil), 404, "not_found", "")
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/metrics/fcr?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z&tz=Mars/Base", nil), 400, "invalid", "tz")

		// Settings: managers only, stale versions refused.
		set := map[string]any{"target": 0.8, "warning": 0.7, "owner_id": w.agent, "stages": []any{map[string]any{"starts_on": "2027-04-01", "target": 0.85}},
			"benchmarks": []any{map[string]any{"value": 0.75, "source": "competitor study", "as_of": "2026-09-30"}}}
		a.wantError(a.call(w.agentTok, "PUT", "/api/v1/metrics/fcr/settings", set), 403, "forbidden", "")
		st := a.must(a.call(a.admin, "PUT", "/api/v1/metrics/fcr/settings", set), 200)
		if st.num("version") != 1 || len(st.body["stages"].([]any)) != 1 {
			t.Fatalf("settings = %s", st.raw)
		}
		a.wantError(a.call(a.admin, "PUT", "/api/v1/metrics/fcr/settings", set), 409, "conflict", "version")
		set["benchmarks"] = []any{map[string]any{"value": 0.75, "as_of": "2026-09-30"}}
		set["version"] = 1
		a.wantError(a.call(a.admin, "PUT", "/api/v1/metrics/fcr/settings", set), 400, "invalid", "benchmarks[0].source")

		// A manual metric with a value entered for the week.
		a.must(a.call(a.admin, "POST", "/api/v1/metrics", map[string]any{"key": "wait_perception", "name": "Waiting time perception", "unit": "score", "direction": "higher"}), 201)
		a.must(a.call(w.agentTok, "GET", "/api/v1/metrics", nil), 200)
		a.wantError(a.call(w.agentTok, "PUT", "/api/v1/metrics/wait_perception/values", map[string]any{"period_start": "2026-11-23T00:00:00Z", "period_end": "2026-11-30T00:00:00Z", "value": 7.5}), 403, "forbidden", "")
		a.must(a.call(a.admin, "PUT", "/api/v1/metrics/wait_perception/values", map[string]any{"period_start": "2026-11-23T00:00:00Z", "period_end": "2026-11-30T00:00:00Z", "value": 7.5}), 200)
		mv := a.must(a.call(w.agentTok, "GET", "/api/v1/metrics/wait_perception?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z", nil), 200)
		if mv.body["points"].([]any)[0].(map[string]any)["value"] != 7.5 {
			t.Fatalf("manual metric = %s", mv.raw)
		}

		// The scorecard in three formats.
		sc := a.must(a.call(w.agentTok, "GET", "/api/v1/scorecard?week=2026-W48", nil), 200)
		if rows := sc.body["rows"].([]any); len(rows) != 19 {
			t.Fatalf("%d scorecard rows, want 18 computed + 1 manual", len(rows))
		}
		for _, f := range []string{"csv", "html"} {
			r := a.call(w.agentTok, "GET", "/api/v1/scorecard?week=2026-W48&format="+f, nil)
			if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), f) {
				t.Fatalf("scorecard as %s: %d %s", f, r.status, r.header.Get("Content-Type"))
			}
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/scorecard?week=2026-W99", nil), 400, "invalid", "week")

		a.wantError(a.call(a.admin, "PUT", "/api/v1/org", map[string]any{"timezone": "Europe/Narnia"}), 400, "invalid", "timezone")
		a.must(a.call(a.admin, "PUT", "/api/v1/org", map[string]any{"timezone": "Europe/London"}), 200)
		if o := a.must(a.call(w.agentTok, "GET", "/api/v1/org", nil), 200); o.str("timezone") != "Europe/London" || o.num("fcr_repeat_days") != 7 {
			t.Fatalf("org = %s", o.raw)
		}
		a.wantError(a.call(a.admin, "PUT", "/api/v1/org", map[string]any{"fcr_repeat_days": 400}), 400, "invalid", "fcr_repeat_days")
		if o := a.must(a.call(a.admin, "PUT", "/api/v1/org", map[string]any{"fcr_repeat_days": 14}), 200); o.num("fcr_repeat_days") != 14 {
			t.Fatalf("org = %s", o.raw)
		}
	})
}
