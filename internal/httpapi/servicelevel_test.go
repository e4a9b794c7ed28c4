package httpapi_test

import (
	"strings"
	"testing"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

func TestServiceMatrixAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		w := a.world() // segment enterprise, department finance
		doc := `
calendars:
  - name: office
    timezone: Europe/London
    hours: {mon: [["09:00","17:00"]], tue: [["09:00","17:00"]], wed: [["09:00","17:00"]], thu: [["09:00","17:00"]], fri: [["09:00","17:00"]]}
segments:
  enterprise:
    relationship_contacts: {every_days: 30, required_fields: [topics]}
    priorities:
      normal: {first_response: 4h, resolution: 16h, calendar: office}
departments:
  finance: {complete_within: 8h, calendar: office}
`
		m := a.must(a.call(a.admin, "PUT", "/api/v1/service-matrix", doc), 200)
		if m.num("version") != 1 {
			t.Fatalf("matrix version = %d", m.num("version"))
		}
		a.wantError(a.call(w.agentTok, "PUT", "/api/v1/service-matrix", doc), 403, "forbidden", "")
		got := a.must(a.call(w.agentTok, "GET", "/api/v1/service-matrix", nil), 200)
		seg := got.body["segments"].(map[string]any)["enterprise"].(map[string]any)["priorities"].(map[string]any)["normal"].(map[string]any)
		if seg["first_response"] != "4h" || seg["calendar"] != "office" {
			t.Fatalf("exported targets = %v", seg)
		}

		// Refused whole: both problems named, and nothing changed.
		bad := strings.Replace(strings.Replace(doc, "first_response: 4h", "first_response: -4h", 1), "Europe/London", "Mars/Olympus", 1)
		r := a.call(a.admin, "PUT", "/api/v1/service-matrix", bad)
		a.wantError(r, 400, "invalid", "calendars[0].timezone")
		problems := r.body["error"].(map[string]any)["problems"].([]any)
		if len(problems) != 2 {
			t.Fatalf("problems = %v", problems)
		}
		if v := a.must(a.call(a.admin, "GET", "/api/v1/service-matrix", nil), 200).num("version"); v != 1 {
			t.Fatalf("version after a refused import = %d", v)
		}
		a.wantError(a.call(a.admin, "PUT", "/api/v1/service-matrix", doc, "If-Match", `"7"`), 409, "conflict", "version")

		// Monday 23 November 2026 09:00: the case is owed a first response by 13:00.
		c := a.must(a.call(w.agentTok, "POST", "/api/v1/cases", map[string]any{"customer_id": w.customer, "subject": "Invoice", "channel": "email"}), 201)
		sla := c.body["sla"].(map[string]any)
		if fr := sla["first_response"].(map[string]any); fr["due_at"] != "2026-11-23T13:00:00Z" || fr["state"] != "ok" {
			t.Fatalf("first response clock = %v", fr)
		}
		if c.str("sla_state") != "ok" {
			t.Fatalf("sla_state = %q", c.str("sla_state"))
		}

		// Calendars.
		cals := a.must(a.call(w.agentTok, "GET", "/api/v1/calendars", nil), 200).items()
		if len(cals) != 1 || cals[0]["name"] != "office" || cals[0]["timezone"] != "Europe/London" {
			t.Fatalf("calendars = %v", cals)
		}
		a.must(a.call(a.admin, "POST", "/api/v1/calendars", map[string]any{"name": "support", "timezone": "America/New_York",
			"hours": map[string]any{"sat": [][]string{{"10:00", "14:00"}}}}), 201)
		r = a.call(a.admin, "POST", "/api/v1/calendars", map[string]any{"name": "x", "timezone": "Nowhere/Land", "hours": map[string]any{"mon": [][]string{{"17:00", "09:00"}}}})
		a.wantError(r, 400, "invalid", "timezone")
		a.wantError(a.call(a.admin, "DELETE", "/api/v1/calendars/office", nil), 409, "conflict", "")
		a.must(a.call(a.admin, "DELETE", "/api/v1/calendars/support", nil), 200)

		// Proactive contacts: Acme was created today and is due in 30 days.
		due := a.must(a.call(w.agentTok, "GET", "/api/v1/relationship-contacts/due?owner=me&within_days=31", nil), 200).items()
		if len(due) != 1 || due[0]["customer_id"] != w.customer || due[0]["overdue"] != false {
			t.Fatalf("due = %v", due)
		}
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/customers/"+w.customer+"/relationship-contacts", map[string]any{"channel": "visit"}), 400, "invalid", "fields.topics")
		a.must(a.call(w.agentTok, "POST", "/api/v1/customers/"+w.customer+"/relationship-contacts", map[string]any{"channel": "visit", "fields": map[string]string{"topics": "renewal"}}), 201)

		// Webhooks are for admins; notifications are per user.
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:1/hook"}), 403, "forbidden", "")
		hook := a.must(a.call(a.admin, "POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:1/hook"}), 201)
		if len(hook.str("secret")) < 32 {
			t.Fatalf("generated secret %q", hook.str("secret"))
		}
		a.wantError(a.call(a.admin, "POST", "/api/v1/webhooks", map[string]any{"url": "ftp://x"}), 400, "invalid", "url")
		if n := len(a.must(a.call(w.agentTok, "GET", "/api/v1/notifications?unread=true", nil), 200).items()); n != 0 {
			t.Fatalf("%d notifications before anything happened", n)
		}
	})
}
