package httpapi_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

func period(from, to time.Time) string {
	return "from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339))
}

func TestVoiceSurveysAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		w := a.world()
		start := a.clock.T

		// Programs: managers only, bad input named.
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/surveys", map[string]any{"kind": "csat", "segment_id": w.segment}), 403, "forbidden", "")
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"kind": "ces", "segment_id": w.segment}, "kind"},
			{map[string]any{"kind": "csat"}, "segment_id"},
			{map[string]any{"kind": "csat", "segment_id": w.segment, "interval_days": "seven"}, "interval_days"},
			{map[string]any{"kind": "csat", "segment_id": w.segment, "colour": "blue"}, "colour"},
			{map[string]any{"kind": "nps", "segment_id": w.segment, "interval_days": 0}, "interval_days"},
		} {
			a.wantError(a.call(a.admin, "POST", "/api/v1/surveys", tc.body), 400, "invalid", tc.field)
		}
		p := a.must(a.call(a.admin, "POST", "/api/v1/surveys", map[string]any{"name": "CSAT enterprise", "kind": "csat", "segment_id": w.segment, "interval_days": 7,
			"follow_up_min_revenue": 1000}), 201)
		a.wantError(a.call(a.admin, "POST", "/api/v1/surveys", map[string]any{"kind": "csat", "segment_id": w.segment}), 409, "conflict", "kind")
		if l := a.must(a.call(w.agentTok, "GET", "/api/v1/surveys?kind=csat&active=true", nil), 200).items(); len(l) != 1 || l[0]["interval_days"] != 7.0 {
			t.Fatalf("programs = %v", l)
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/surveys?kind=ces", nil), 400, "invalid", "kind")
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/surveys?colour=blue", nil), 400, "invalid", "colour")
		got := a.must(a.call(a.admin, "GET", "/api/v1/surveys/"+p.str("id"), nil), 200)
		if got.header.Get("ETag") != `"1"` {
			t.Fatalf("ETag = %q", got.header.Get("ETag"))
		}
		a.must(a.call(a.admin, "PATCH", "/api/v1/surveys/"+p.str("id"), map[string]any{"expires_days": 10}, "If-Match", `"1"`), 200)
		a.wantError(a.call(a.admin, "PATCH", "/api/v1/surveys/"+p.str("id"), map[string]any{"expires_days": 10}), 428, "precondition_required", "version")
		a.wantError(a.call(a.admin, "PATCH", "/api/v1/surveys/"+p.str("id"), map[string]any{"expires_days": 100, "version": 2}), 400, "invalid", "expires_days")

		// A resolved case is surveyed once; the link is shown because no
		// SMTP server is configured here.
		c := a.must(a.call(w.agentTok, "POST", "/api/v1/cases", map[string]any{"customer_id": w.customer, "subject": "Charged twice", "channel": "phone", "category": "billing"}), 201)
		a.must(a.call(w.agentTok, "PATCH", "/api/v1/cases/"+c.str("id"), map[string]any{"status": "resolved", "version": 1}), 200)
		a.clock.Advance(2 * time.Minute)
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/survey-invitations/run", nil), 403, "forbidden", "")
		run := a.must(a.call(a.admin, "POST", "/api/v1/survey-invitations/run", nil), 200)
		if run.num("planned") != 1 || run.num("sent") != 1 {
			t.Fatalf("run = %s", run.raw)
		}
		if run := a.must(a.call(a.admin, "POST", "/api/v1/survey-invitations/run", nil), 200); run.num("planned")+run.num("sent") != 0 {
			t.Fatalf("second run = %s", run.raw)
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/survey-invitations", nil), 403, "forbidden", "")
		invs := a.must(a.call(a.admin, "GET", "/api/v1/survey-invitations?case="+c.str("id"), nil), 200).items()
		if len(invs) != 1 || invs[0]["status"] != "sent" || invs[0]["delivery"] != "log" || !strings.HasPrefix(invs[0]["survey_path"].(string), "/s/") ||
			invs[0]["contact_email"] != "jo@acme.example" {
			t.Fatalf("invitations = %v", invs)
		}
		a.wantError(a.call(a.admin, "GET", "/api/v1/survey-invitations?status=lost", nil), 400, "invalid", "status")
		a.must(a.call(a.admin, "GET", "/api/v1/survey-invitations/"+invs[0]["id"].(string), nil), 200)
		a.wantError(a.call(a.admin, "GET", "/api/v1/survey-invitations/nope", nil), 404, "not_found", "")

		// Raw answers from an integrator.
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"kind": "csat", "customer_id": w.customer, "score": 6}, "score"},
			{map[string]any{"kind": "csat", "customer_id": w.customer}, "score"},
			{map[string]any{"kind": "nps", "customer_id": w.customer, "score": 4.5}, "score"},
			{map[string]any{"kind": "nps", "customer_id": w.customer, "score": 4, "comment": strings.Repeat("a", 10001)}, "comment"},
			{map[string]any{"kind": "nps", "score": 4}, "customer_id"},
			{map[string]any{"customer_id": w.customer, "score": 4}, "kind"},
			{map[string]any{"kind": "assessment", "customer_id": w.customer, "comment": "fine"}, "next_month"},
		} {
			a.wantError(a.call(w.agentTok, "POST", "/api/v1/survey-responses", tc.body), 400, "invalid", tc.field)
		}
		r := a.must(a.call(w.agentTok, "POST", "/api/v1/survey-responses", map[string]any{"kind": "csat", "case_id": c.str("id"), "score": 2,
			"comment": "Terrible, slow and rude. The worst support I have ever had."}), 201)
		if r.str("agent_id") != w.agent || r.str("category") != "billing" || r.str("channel") != "phone" || r.str("source") != "api" || r.str("follow_up_case_id") != "" {
			// Acme has no revenue set: no follow-up however angry.
			t.Fatalf("answer = %s", r.raw)
		}
		a.must(a.call(w.agentTok, "PATCH", "/api/v1/customers/"+w.customer, map[string]any{"revenue": 250000, "version": 1}), 200)
		r = a.must(a.call(w.agentTok, "POST", "/api/v1/survey-responses", map[string]any{"kind": "csat", "case_id": c.str("id"), "score": 1,
			"comment": "Terrible, slow and rude. The worst support I have ever had."}), 201)
		fu := a.must(a.call(w.agentTok, "GET", "/api/v1/cases/"+r.str("follow_up_case_id"), nil), 200)
		if fu.str("owner_id") != w.agent || fu.str("category") != "survey_follow_up" {
			t.Fatalf("follow-up case = %s", fu.raw)
		}
		a.must(a.call(w.agentTok, "POST", "/api/v1/survey-responses", map[string]any{"kind": "csat", "customer_id": w.customer, "score": 5, "comment": "Great"}), 201)

		list := a.must(a.call(w.agentTok, "GET", "/api/v1/survey-responses?kind=csat&agent=me&"+period(start, a.clock.T.Add(time.Hour)), nil), 200).items()
		if len(list) != 2 { // the third has no case, so no agent
			t.Fatalf("my answers = %d, want 2", len(list))
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/survey-responses?from=yesterday", nil), 400, "invalid", "from")

		// CSAT by segment: 1 of 3 answers is 4-5 = 33.33 %, mean (2+1+5)/3 = 2.67.
		sc := a.must(a.call(w.agentTok, "GET", "/api/v1/voice/scores?kind=csat&by=segment&"+period(start, a.clock.T.Add(time.Hour)), nil), 200)
		g := sc.body["groups"].([]any)[0].(map[string]any)
		if g["key"] != w.segment || g["answers"] != 3.0 || g["satisfied"] != 1.0 || g["csat"] != 33.33 || g["mean"] != 2.67 || len(g["verbatims"].([]any)) != 3 {
			t.Fatalf("scores = %s", sc.raw)
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/voice/scores?kind=csat", nil), 400, "invalid", "from")
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/voice/scores?kind=ces&"+period(start, a.clock.T), nil), 400, "invalid", "kind")
	})
}

func TestVoiceFeedbackAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		w := a.world()
		start := a.clock.T
		carrier := a.must(a.call(a.admin, "POST", "/api/v1/departments", map[string]any{"name": "FastParcel", "external": true}), 201).str("id")
		c := a.must(a.call(w.agentTok, "POST", "/api/v1/cases", map[string]any{"customer_id": w.customer, "subject": "Late", "channel": "chat", "category": "delivery"}), 201)

		a.wantError(a.call(w.memberTok, "POST", "/api/v1/feedback", map[string]any{"type": "idea"}), 403, "forbidden", "")
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"type": "rant", "customer_id": w.customer, "text": "x", "department_id": w.finance}, "type"},
			{map[string]any{"type": "idea", "customer_id": w.customer, "text": "", "department_id": w.finance}, "text"},
			{map[string]any{"type": "idea", "customer_id": w.customer, "text": "x"}, "department_id"},
			{map[string]any{"type": "idea", "customer_id": w.customer, "text": "x", "department_id": "nope"}, "department_id"},
			{map[string]any{"type": "idea", "customer_id": w.customer, "text": strings.Repeat("x", 10001), "department_id": w.finance}, "text"},
		} {
			a.wantError(a.call(w.agentTok, "POST", "/api/v1/feedback", tc.body), 400, "invalid", tc.field)
		}
		complaint := a.must(a.call(w.agentTok, "POST", "/api/v1/feedback", map[string]any{"type": "complaint", "case_id": c.str("id"),
			"text": "Invoice was wrong for the third month in a row", "department_id": w.finance}), 201)
		if complaint.str("customer_id") != w.customer || complaint.str("status") != "new" || complaint.str("channel") != "chat" {
			t.Fatalf("captured = %s", complaint.raw)
		}
		late := a.must(a.call(w.agentTok, "POST", "/api/v1/feedback", map[string]any{"type": "complaint", "customer_id": w.customer,
			"text": "Parcel late again, driver rude", "department_id": carrier}), 201)
		if late.body["external"] != true {
			t.Fatalf("an item about an outside party counts against it: %s", late.raw)
		}
		a.must(a.call(w.agentTok, "POST", "/api/v1/feedback", map[string]any{"type": "praise", "customer_id": w.customer,
			"text": "Invoice was wrong but fixed in minutes, great", "product_area": "billing portal"}), 201)

		// The finance member sees only its inbox.
		inbox := a.must(a.call(w.memberTok, "GET", "/api/v1/departments/"+w.finance+"/feedback", nil), 200).items()
		if len(inbox) != 1 || inbox[0]["id"] != complaint.str("id") {
			t.Fatalf("finance inbox = %v", inbox)
		}
		if all := a.must(a.call(w.memberTok, "GET", "/api/v1/feedback", nil), 200).items(); len(all) != 1 {
			t.Fatalf("a department member's list = %d items, want its 1", len(all))
		}
		a.wantError(a.call(w.memberTok, "GET", "/api/v1/departments/"+carrier+"/feedback", nil), 403, "forbidden", "")
		a.wantError(a.call(w.memberTok, "GET", "/api/v1/feedback?department="+carrier, nil), 403, "forbidden", "")
		a.wantError(a.call(w.memberTok, "GET", "/api/v1/feedback/"+late.str("id"), nil), 404, "not_found", "")
		a.wantError(a.call(w.memberTok, "PATCH", "/api/v1/feedback/"+late.str("id"), map[string]any{"status": "acknowledged", "version": 1}), 404, "not_found", "")
		if l := a.must(a.call(a.admin, "GET", "/api/v1/feedback?unrouted=true", nil), 200).items(); len(l) != 1 || l[0]["product_area"] != "billing portal" {
			t.Fatalf("unrouted = %v", l)
		}
		if l := a.must(a.call(a.admin, "GET", "/api/v1/feedback?external=true&type=complaint", nil), 200).items(); len(l) != 1 {
			t.Fatalf("complaints against outside parties = %v", l)
		}

		// Acknowledge, answer, close with what was done.
		id := complaint.str("id")
		a.clock.Advance(2 * time.Hour)
		a.wantError(a.call(w.agentTok, "PATCH", "/api/v1/feedback/"+id, map[string]any{"status": "acknowledged", "version": 1}), 403, "forbidden", "")
		a.must(a.call(w.memberTok, "PATCH", "/api/v1/feedback/"+id, map[string]any{"status": "acknowledged"}, "If-Match", `"1"`), 200)
		a.wantError(a.call(w.memberTok, "PATCH", "/api/v1/feedback/"+id, map[string]any{"status": "answered", "version": 2}), 400, "invalid", "answer")
		a.wantError(a.call(w.memberTok, "PATCH", "/api/v1/feedback/"+id, map[string]any{"status": "reopened", "version": 2}), 400, "invalid", "status")
		a.must(a.call(w.memberTok, "PATCH", "/api/v1/feedback/"+id, map[string]any{"status": "answered", "answer": "We found the cause: a tax code", "version": 2}), 200)
		closed := a.must(a.call(w.memberTok, "PATCH", "/api/v1/feedback/"+id, map[string]any{"status": "closed", "resolution": "Tax code fixed, credit note sent", "version": 3}), 200)
		if closed.str("status") != "closed" || closed.header.Get("ETag") != `"4"` {
			t.Fatalf("closed = %d %s", closed.status, closed.raw)
		}
		a.wantError(a.call(w.memberTok, "PATCH", "/api/v1/feedback/"+id, map[string]any{"status": "answered", "version": 4}), 409, "conflict", "status")
		a.wantError(a.call(w.memberTok, "PATCH", "/api/v1/feedback/"+id, map[string]any{"implemented_at": "2026-11-23T10:00:00Z", "version": 4}), 400, "invalid", "implemented_at")

		// The agent and the account owner see the outcome.
		for _, q := range []string{"captured_by=me", "owner=me"} {
			mine := a.must(a.call(w.agentTok, "GET", "/api/v1/feedback?type=complaint&status=closed&"+q, nil), 200).items()
			if len(mine) != 1 || mine[0]["resolution"] != "Tax code fixed, credit note sent" || mine[0]["answer"] != "We found the cause: a tax code" {
				t.Fatalf("%s: %v", q, mine)
			}
		}
		ev := a.must(a.call(w.agentTok, "GET", "/api/v1/feedback/"+id+"/events", nil), 200).items()
		if len(ev) != 4 || ev[3]["type"] != "status_changed" {
			t.Fatalf("events = %v", ev)
		}

		sum := a.must(a.call(a.admin, "GET", "/api/v1/feedback/summary?"+period(start, a.clock.T), nil), 200)
		if sum.num("praise") != 1 || sum.num("complaints") != 2 || sum.body["praise_complaint_ratio"] != 0.5 {
			t.Fatalf("summary = %s", sum.raw)
		}
		a.wantError(a.call(a.admin, "GET", "/api/v1/feedback/summary?from=2026-11-24T00:00:00Z&to=2026-11-23T00:00:00Z", nil), 400, "invalid", "to")

		ph := a.must(a.call(a.admin, "GET", "/api/v1/voice/phrases?limit=5&"+period(start, a.clock.T), nil), 200)
		phrases := ph.body["phrases"].([]any)
		if ph.num("texts") != 3 || len(phrases) != 1 || phrases[0].(map[string]any)["text"] != "invoice was wrong" || phrases[0].(map[string]any)["count"] != 2.0 {
			t.Fatalf("phrases = %s", ph.raw)
		}
		a.wantError(a.call(a.admin, "GET", "/api/v1/voice/phrases?limit=500&"+period(start, a.clock.T), nil), 400, "invalid", "limit")
		a.wantError(a.call(a.admin, "GET", "/api/v1/voice/phrases", nil), 400, "invalid", "from")
		a.wantError(a.call(a.admin, "GET", "/api/v1/voice/sentiment?scope=angry&"+period(start, a.clock.T), nil), 400, "invalid", "scope")
		st := a.must(a.call(a.admin, "GET", "/api/v1/voice/sentiment?source=feedback&"+period(start, a.clock.T), nil), 200)
		if len(st.body["groups"].([]any)) != 2 { // complaint, praise
			t.Fatalf("sentiment = %s", st.raw)
		}
		s := a.must(a.call(w.agentTok, "POST", "/api/v1/voice/sentiment", map[string]any{"text": "Awful, nobody called back."}), 200)
		if s.str("label") != "negative" || s.body["compound"].(float64) >= 0 {
			t.Fatalf("sentiment of a text = %s", s.raw)
		}
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/voice/sentiment", map[string]any{"text": ""}), 400, "invalid", "text")

		// Deleting: only before anyone acted on it.
		a.wantError(a.call(a.admin, "DELETE", "/api/v1/feedback/"+id, nil), 409, "conflict", "status")
		a.must(a.call(w.agentTok, "DELETE", "/api/v1/feedback/"+late.str("id"), nil), 200)
		a.wantError(a.call(a.admin, "GET", "/api/v1/feedback/"+late.str("id"), nil), 404, "not_found", "")
	})
}
