package httpapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// TestContactCenterAPI configures a queue and an alias, pushes a day of
// chat contacts and agent time as JSON lines, and reads the records,
// sessions and rollups back, on each engine.
func TestContactCenterAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		w := a.world()

		// Queues: supervisors and admins configure them; agents read.
		q := a.must(a.call(a.admin, "POST", "/api/v1/queues", map[string]any{"name": "Chat", "service_level_seconds": 60, "wrapup_seconds": 30}), 201)
		if q.num("service_level_seconds") != 60 || q.num("short_abandon_seconds") != 5 || q.num("wrapup_seconds") != 30 {
			t.Fatalf("queue %s", q.raw)
		}
		queue := q.str("id")
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/queues", map[string]any{"name": "X"}), 403, "forbidden", "")
		a.wantError(a.call(a.admin, "POST", "/api/v1/queues", map[string]any{"name": "Chat"}), 409, "conflict", "name")
		a.wantError(a.call(a.admin, "POST", "/api/v1/queues", map[string]any{"name": "Y", "service_level_seconds": -1}), 400, "invalid", "service_level_seconds")
		a.wantError(a.call(a.admin, "POST", "/api/v1/queues", map[string]any{"name": "Y", "colour": "red"}), 400, "invalid", "colour")
		if n := len(a.must(a.call(w.agentTok, "GET", "/api/v1/queues", nil), 200).items()); n != 1 {
			t.Fatalf("%d queues", n)
		}
		a.wantError(a.call(a.admin, "PATCH", "/api/v1/queues/"+queue, map[string]any{"wrapup_seconds": 20}), 428, "precondition_required", "version")
		a.must(a.call(a.admin, "PATCH", "/api/v1/queues/"+queue, map[string]any{"wrapup_seconds": 20, "version": 1}), 200)
		a.wantError(a.call(a.admin, "PATCH", "/api/v1/queues/"+queue, map[string]any{"wrapup_seconds": 10, "version": 1}), 409, "conflict", "version")

		// The agent's chat login maps to Ana.
		al := a.must(a.call(a.admin, "POST", "/api/v1/agent-aliases", map[string]any{"alias": "ana.chat", "user_id": w.agent}), 200)
		if al.str("user_id") != w.agent {
			t.Fatalf("alias %s", al.raw)
		}
		a.wantError(a.call(a.admin, "POST", "/api/v1/agent-aliases", map[string]any{"alias": "x", "user_id": "nope"}), 404, "not_found", "user_id")
		a.wantError(a.call(a.admin, "POST", "/api/v1/agent-aliases", map[string]any{"alias": " "}), 400, "invalid", "alias")

		// 09:00-09:15: chat 1 answered by Ana after 30 s, 5 min talk, wrap
		// from the queue (20 s); chat 2 abandoned after 3 s (short); chat 3
		// from Jo at Acme (enterprise segment), answered after 90 s by "bo",
		// an unknown login, with 2 min talk and 10 s hold; one bad line.
		// Ana is available 09:00-10:00 and unavailable 09:30-09:45 (lunch).
		body := strings.Join([]string{
			`{"type":"contact","id":"1","channel":"chat","queue":"Chat","offered_at":"2026-11-23T09:00:00Z","answered_at":"2026-11-23T09:00:30Z","ended_at":"2026-11-23T09:05:30Z","outcome":"answered","agent":"ana.chat"}`,
			`{"type":"contact","id":"2","channel":"chat","queue":"Chat","offered_at":"2026-11-23T09:01:00Z","ended_at":"2026-11-23T09:01:03Z","outcome":"abandoned"}`,
			`{"type":"contact","id":"3","channel":"chat","queue":"Chat","offered_at":"2026-11-23T09:02:00Z","wait_seconds":90,"talk_seconds":120,"hold_seconds":10,"outcome":"answered","agent":"bo","caller":"JO@acme.example"}`,
			`{"type":"contact","id":"4","channel":"chat","queue":"Chat","offered_at":"not a time","outcome":"answered"}`,
			``,
			`{"type":"agent_state","agent":"ana.chat","state":"available","start":"2026-11-23T09:00:00Z","end":"2026-11-23T09:30:00Z"}`,
			`{"type":"agent_state","agent":"ana.chat","state":"unavailable","reason":"lunch","start":"2026-11-23T09:30:00Z","end":"2026-11-23T09:45:00Z"}`,
			`{"type":"agent_state","agent":"ana.chat","state":"available","start":"2026-11-23T09:45:00Z","end":"2026-11-23T10:00:00Z"}`,
		}, "\n")
		rep := a.must(a.call(a.admin, "POST", "/api/v1/contact-events?source=chatvendor", body, "Content-Type", "application/x-ndjson"), 200)
		if rep.num("received") != 7 || rep.num("imported") != 6 || rep.num("duplicates") != 0 {
			t.Fatalf("import report %s", rep.raw)
		}
		errs := rep.body["errors"].([]any)
		if len(errs) != 1 || errs[0].(map[string]any)["line"].(float64) != 4 {
			t.Fatalf("errors %v, want line 4", errs)
		}
		if um := rep.body["unmapped_agents"].([]any); len(um) != 1 || um[0] != "bo" {
			t.Fatalf("unmapped %v", um)
		}
		// Sent again, as a JSON array: all duplicates, nothing changes.
		arr := "[" + strings.Join(strings.Split(strings.ReplaceAll(body, "\n\n", "\n"), "\n")[:3], ",") + "]"
		rep = a.must(a.call(a.admin, "POST", "/api/v1/contact-events?source=chatvendor", arr), 200)
		if rep.num("imported") != 0 || rep.num("duplicates") != 3 {
			t.Fatalf("re-sent: %s", rep.raw)
		}
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/contact-events", arr), 403, "forbidden", "")
		a.wantError(a.call(a.admin, "POST", "/api/v1/contact-events", `{"type":"contact","channel":"chat","queue":"Chat","offered_at":"2026-11-23T09:00:00Z","outcome":"won"}`), 400, "invalid", "outcome")
		a.wantError(a.call(a.admin, "POST", "/api/v1/contact-events", ""), 400, "invalid", "")
		a.wantError(a.call(a.admin, "POST", "/api/v1/contact-events", `[{"type":"contact"`), 400, "invalid", "")
		a.wantError(a.call(a.admin, "POST", "/api/v1/contact-events", strings.Repeat(" ", 2<<20)), 413, "too_large", "")

		recs := a.must(a.call(w.agentTok, "GET", "/api/v1/contact-records?queue="+queue+"&from=2026-11-23T09:00:00Z&to=2026-11-23T10:00:00Z", nil), 200).items()
		if len(recs) != 3 || recs[0]["call_id"] != "3" || recs[2]["call_id"] != "1" {
			t.Fatalf("records %v", recs)
		}
		if recs[2]["acw_ms"].(float64) != 20000 || recs[2]["agent_id"] != w.agent || recs[0]["segment_id"] != w.segment || recs[0]["customer_id"] != w.customer {
			t.Fatalf("records %v", recs)
		}
		page1 := a.must(a.call(w.agentTok, "GET", "/api/v1/contact-records?limit=2", nil), 200)
		next := page1.str("next_cursor")
		page2 := a.must(a.call(w.agentTok, "GET", "/api/v1/contact-records?limit=2&cursor="+url.QueryEscape(next), nil), 200).items()
		if len(page1.items()) != 2 || len(page2) != 1 || page2[0]["call_id"] != "1" {
			t.Fatalf("paging: %s then %v", page1.raw, page2)
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/contact-records?outcome=won", nil), 400, "invalid", "outcome")
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/contact-records?from=yesterday", nil), 400, "invalid", "from")
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/contact-records?from=2026-11-23T10:00:00Z&to=2026-11-23T09:00:00Z", nil), 400, "invalid", "to")
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/contact-records?colour=red", nil), 400, "invalid", "colour")

		// The queue's 09:00 interval: offered 3, answered 2 (30 s within
		// 60 s, 90 s not), abandoned 1 (short); talk 300 + 120, hold 10,
		// wrap 20 (queue default for chat 1) + 20 (chat 3: bo) = 40.
		tot := a.must(a.call(w.agentTok, "GET", "/api/v1/rollups?queue="+queue, nil), 200).items()
		want := map[string]float64{"offered": 3, "answered": 2, "answered_within_threshold": 1, "abandoned": 1, "short_abandoned": 1,
			"handled": 2, "wait_answered_ms": 120000, "talk_ms": 420000, "hold_ms": 10000, "wrap_ms": 40000}
		for k, v := range want {
			if tot[0][k] != v {
				t.Errorf("rollup %s = %v, want %v", k, tot[0][k], v)
			}
		}
		// Ana's time by interval: 900 s logged in each quarter, the third
		// one paused.
		rows := a.must(a.call(w.agentTok, "GET", "/api/v1/rollups?agent="+w.agent+"&by=interval", nil), 200).items()
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%v %v/%v/%v", r["interval_start"], r["logged_in_ms"], r["available_ms"], r["paused_ms"]))
		}
		wantRows := []string{"2026-11-23T09:00:00Z 900000/900000/0", "2026-11-23T09:15:00Z 900000/900000/0",
			"2026-11-23T09:30:00Z 900000/0/900000", "2026-11-23T09:45:00Z 900000/900000/0"}
		if fmt.Sprint(got) != fmt.Sprint(wantRows) {
			t.Errorf("Ana by interval\n got %v\nwant %v", got, wantRows)
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/rollups?by=colour", nil), 400, "invalid", "by")

		ss := a.must(a.call(w.agentTok, "GET", "/api/v1/agent-sessions?agent="+w.agent+"&kind=unavailable", nil), 200).items()
		if len(ss) != 1 || ss[0]["reason"] != "lunch" {
			t.Fatalf("sessions %v", ss)
		}
		um := a.must(a.call(w.agentTok, "GET", "/api/v1/agent-aliases?unmapped=true", nil), 200).items()
		if len(um) != 1 || um[0]["alias"] != "bo" {
			t.Fatalf("unmapped aliases %v", um)
		}

		// History for staffing: Monday 2026-11-23 is the newest Monday
		// before the 30th.
		hist := a.must(a.call(w.agentTok, "GET", "/api/v1/queues/"+queue+"/history?weekday=monday&weeks=2&before=2026-11-30T00:00:00Z", nil), 200).items()
		if len(hist) != 2 || hist[0]["date"] != "2026-11-23" {
			t.Fatalf("history %v", hist)
		}
		nine := hist[0]["intervals"].([]any)[36].(map[string]any)
		if nine["start"] != "2026-11-23T09:00:00Z" || nine["offered"].(float64) != 3 || nine["handled"].(float64) != 2 || nine["handle_ms"].(float64) != 470000 {
			t.Fatalf("09:00 history %v", nine)
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/queues/"+queue+"/history?weekday=someday", nil), 400, "invalid", "weekday")
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/queues/nope/history", nil), 404, "not_found", "")
	})
}
