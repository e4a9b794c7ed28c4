package httpapi_test

import (
	"testing"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// qaForm is a form of two accuracy checks and two treatment criteria
// (courtesy weighing 3, clarity 1) and a process check; weights total 8.
var qaForm = map[string]any{"name": "Phone calls", "criteria": []any{
	map[string]any{"key": "info", "label": "Correct information given", "category": "accuracy", "weight": 2},
	map[string]any{"key": "data", "label": "Correct data entered", "category": "accuracy", "weight": 1, "pass_score": 100},
	map[string]any{"key": "courtesy", "label": "Courtesy", "category": "treatment", "weight": 3},
	map[string]any{"key": "clarity", "label": "Clarity", "category": "treatment", "weight": 1},
	map[string]any{"key": "greeting", "label": "Greeting", "category": "process", "weight": 1},
}}

func qaScores(kv ...any) []any {
	var out []any
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, map[string]any{"key": kv[i], "score": kv[i+1]})
	}
	return out
}

func TestQA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		w := a.world()
		sup := a.must(a.call(a.admin, "POST", "/api/v1/users", map[string]any{"email": "sam@example.com", "name": "Sam", "role": "supervisor"}), 201).str("id")
		supTok := a.must(a.call(a.admin, "POST", "/api/v1/tokens", map[string]any{"name": "sam", "user_id": sup}), 201).str("secret")
		ben := a.must(a.call(a.admin, "POST", "/api/v1/users", map[string]any{"email": "ben@example.com", "name": "Ben", "role": "agent", "supervisor_id": sup}), 201).str("id")
		benTok := a.must(a.call(a.admin, "POST", "/api/v1/tokens", map[string]any{"name": "ben", "user_id": ben}), 201).str("secret")

		// Forms: supervisors write them, agents read them, department members see nothing.
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/qa/forms", qaForm), 403, "forbidden", "")
		a.wantError(a.call(w.memberTok, "GET", "/api/v1/qa/forms", nil), 403, "forbidden", "")
		form := a.must(a.call(supTok, "POST", "/api/v1/qa/forms", qaForm), 201)
		formID := form.str("id")
		if form.num("version") != 1 || form.header.Get("ETag") != `"1"` {
			t.Fatalf("created form = %s", form.raw)
		}
		if n := len(a.must(a.call(w.agentTok, "GET", "/api/v1/qa/forms", nil), 200).items()); n != 1 {
			t.Fatalf("agent sees %d forms, want 1", n)
		}
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/forms", map[string]any{"name": "Bad", "criteria": []any{
			map[string]any{"key": "info", "label": "Info", "category": "accuracy", "weight": 0}}}), 400, "invalid", "criteria[0].weight")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/forms", map[string]any{"name": "Bad", "criteria": []any{
			map[string]any{"key": "info", "label": "Info", "category": "speed", "weight": 1}}}), 400, "invalid", "criteria[0].category")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/forms", map[string]any{"name": "Bad", "criteria": "all"}), 400, "invalid", "criteria")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/forms", map[string]any{"name": "Bad", "criterion": []any{}}), 400, "invalid", "criterion")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/forms", qaForm), 409, "conflict", "name")

		// A case with a call by Ana, evaluated by Sam.
		c := a.must(a.call(w.agentTok, "POST", "/api/v1/cases", map[string]any{"customer_id": w.customer, "subject": "Charged twice",
			"channel": "phone", "category": "billing", "first_contact": map[string]any{}}), 201).str("id")
		call := a.must(a.call(w.agentTok, "GET", "/api/v1/cases/"+c+"/contacts", nil), 200).items()[0]["id"].(string)
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/qa/evaluations", map[string]any{"form_id": formID, "contact_id": call}), 403, "forbidden", "")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/evaluations", map[string]any{"form_id": formID, "contact_id": call,
			"scores": qaScores("info", 100, "data", 100, "courtesy", 80, "clarity", 40, "greeting", 101)}), 400, "invalid", "scores[4].score")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/evaluations", map[string]any{"form_id": formID, "contact_id": call,
			"scores": qaScores("info", 100, "data", 100, "courtesy", 80, "clarity", 40)}), 400, "invalid", "scores")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/evaluations", map[string]any{"form_id": formID, "contact_id": "nope",
			"scores": qaScores("info", 100)}), 400, "invalid", "contact_id")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/evaluations", map[string]any{"form_id": formID, "contact_id": call,
			"scores": []any{map[string]any{"key": "info", "score": "high"}}}), 400, "invalid", "scores.score")
		// data 90 < its pass score 100: wrong data entered, a defect.
		// treatment (3×80 + 1×40) / 4 = 70; total (200 + 90 + 240 + 40 + 100) / 8 = 670/8 = 83.75
		ev := a.must(a.call(supTok, "POST", "/api/v1/qa/evaluations", map[string]any{"form_id": formID, "contact_id": call,
			"scores": qaScores("info", 100, "data", 90, "courtesy", 80, "clarity", 40, "greeting", 100)}), 201)
		id := ev.str("id")
		if ev.str("agent_id") != w.agent || ev.str("case_id") != c || ev.body["accuracy_defect"] != true || ev.body["treatment_score"] != 70.0 ||
			ev.body["total_score"] != 83.75 || ev.str("status") != "submitted" || len(ev.body["defects"].([]any)) != 1 || ev.body["defects"].([]any)[0] != "data" {
			t.Fatalf("evaluation = %s", ev.raw)
		}
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/evaluations", map[string]any{"form_id": formID, "contact_id": call,
			"scores": qaScores("info", 100, "data", 100, "courtesy", 80, "clarity", 40, "greeting", 100)}), 409, "conflict", "contact_id")

		// Who sees it: Ana and the supervisors; not Ben, not finance.
		a.must(a.call(w.agentTok, "GET", "/api/v1/qa/evaluations/"+id, nil), 200)
		a.wantError(a.call(benTok, "GET", "/api/v1/qa/evaluations/"+id, nil), 404, "not_found", "")
		a.wantError(a.call(w.memberTok, "GET", "/api/v1/qa/evaluations/"+id, nil), 403, "forbidden", "")
		if n := len(a.must(a.call(w.agentTok, "GET", "/api/v1/qa/evaluations?agent=me", nil), 200).items()); n != 1 {
			t.Fatalf("Ana lists %d evaluations, want 1", n)
		}
		if n := len(a.must(a.call(benTok, "GET", "/api/v1/qa/evaluations", nil), 200).items()); n != 0 {
			t.Fatalf("Ben lists %d evaluations, want 0", n)
		}
		a.wantError(a.call(benTok, "GET", "/api/v1/qa/evaluations?agent="+w.agent, nil), 403, "forbidden", "")
		a.wantError(a.call(supTok, "GET", "/api/v1/qa/evaluations?agnet=x", nil), 400, "invalid", "agnet")
		a.wantError(a.call(supTok, "GET", "/api/v1/qa/evaluations?from=yesterday", nil), 400, "invalid", "from")
		if n := len(a.must(a.call(supTok, "GET", "/api/v1/qa/evaluations?status=submitted&from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z", nil), 200).items()); n != 1 {
			t.Fatalf("supervisor lists %d submitted today, want 1", n)
		}

		// Editing the form makes version 2; the evaluation keeps version 1.
		a.wantError(a.call(supTok, "PATCH", "/api/v1/qa/forms/"+formID, map[string]any{"name": "Calls"}), 428, "precondition_required", "version")
		v2 := a.must(a.call(supTok, "PATCH", "/api/v1/qa/forms/"+formID, map[string]any{"name": "Calls", "criteria": []any{
			map[string]any{"key": "info", "label": "Correct information given", "category": "accuracy", "weight": 1}}}, "If-Match", `"1"`), 200)
		if v2.num("version") != 2 || len(v2.body["criteria"].([]any)) != 1 {
			t.Fatalf("version 2 = %s", v2.raw)
		}
		a.wantError(a.call(supTok, "PATCH", "/api/v1/qa/forms/"+formID, map[string]any{"name": "Again", "version": 1}), 409, "conflict", "version")
		if v1 := a.must(a.call(w.agentTok, "GET", "/api/v1/qa/forms/"+formID+"?version=1", nil), 200); len(v1.body["criteria"].([]any)) != 5 || v1.str("name") != "Phone calls" {
			t.Fatalf("version 1 = %s", v1.raw)
		}
		if n := len(a.must(a.call(w.agentTok, "GET", "/api/v1/qa/forms/"+formID+"/versions", nil), 200).items()); n != 2 {
			t.Fatalf("%d versions, want 2", n)
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/qa/forms/"+formID+"?version=9", nil), 404, "not_found", "")
		if got := a.must(a.call(w.agentTok, "GET", "/api/v1/qa/evaluations/"+id, nil), 200); got.num("form_version") != 1 || len(got.body["scores"].([]any)) != 5 {
			t.Fatalf("evaluation after the form edit = %s", got.raw)
		}

		// Ana disputes; only she may; Sam upholds it and the defect goes.
		a.wantError(a.call(benTok, "POST", "/api/v1/qa/evaluations/"+id+"/dispute", map[string]any{"reason": "x"}), 404, "not_found", "")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/evaluations/"+id+"/acknowledge", map[string]any{}), 403, "forbidden", "")
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/qa/evaluations/"+id+"/dispute", map[string]any{}), 400, "invalid", "reason")
		d := a.must(a.call(w.agentTok, "POST", "/api/v1/qa/evaluations/"+id+"/dispute", map[string]any{"reason": "The account number was right"}), 200)
		if d.str("status") != "disputed" || d.body["dispute"].(map[string]any)["reason"] != "The account number was right" {
			t.Fatalf("disputed = %s", d.raw)
		}
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/qa/evaluations/"+id+"/resolve", map[string]any{"outcome": "upheld"}), 403, "forbidden", "")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/evaluations/"+id+"/resolve", map[string]any{"outcome": "won"}), 400, "invalid", "outcome")
		// total (200 + 100 + 240 + 40 + 100) / 8 = 680/8 = 85
		r := a.must(a.call(supTok, "POST", "/api/v1/qa/evaluations/"+id+"/resolve", map[string]any{"outcome": "upheld", "note": "Checked the CRM",
			"scores": qaScores("data", 100)}), 200)
		if r.str("status") != "dispute_upheld" || r.body["accuracy_defect"] != false || r.body["total_score"] != 85.0 || r.num("revision") != 2 {
			t.Fatalf("upheld = %s", r.raw)
		}
		hist := a.must(a.call(w.agentTok, "GET", "/api/v1/qa/evaluations/"+id+"/history", nil), 200).items()
		if len(hist) != 2 || hist[0]["accuracy_defect"] != true || hist[0]["total_score"] != 83.75 || hist[1]["total_score"] != 85.0 {
			t.Fatalf("history = %v", hist)
		}
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/qa/evaluations/"+id+"/acknowledge", map[string]any{}), 409, "conflict", "status")

		// Sampling week 47 (16-22 November): Ana had two calls, Ben one.
		for _, at := range []string{"2026-11-17T10:00:00Z", "2026-11-18T10:00:00Z"} {
			a.must(a.call(w.agentTok, "POST", "/api/v1/cases/"+c+"/contacts", map[string]any{"channel": "phone", "direction": "inbound", "started_at": at}), 201)
		}
		a.must(a.call(benTok, "POST", "/api/v1/cases/"+c+"/contacts", map[string]any{"channel": "phone", "direction": "outbound", "started_at": "2026-11-19T10:00:00Z"}), 201)
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/qa/samples", map[string]any{"week": "2026-W47", "per_agent": 1}), 403, "forbidden", "")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/samples", map[string]any{"week": "2026-W99", "per_agent": 1}), 400, "invalid", "week")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/samples", map[string]any{"week": "2026-W47", "per_agent": 0}), 400, "invalid", "per_agent")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/samples", map[string]any{"week": "2026-W47", "per_agent": 1, "time_zone": "Nowhere"}), 400, "invalid", "time_zone")
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/samples", map[string]any{"week": "2026-W47", "per_agent": 1, "seed": -1}), 400, "invalid", "seed")
		s1 := a.must(a.call(supTok, "POST", "/api/v1/qa/samples", map[string]any{"week": "2026-W47", "per_agent": 1, "seed": 11, "form_id": formID}), 201)
		if s1.num("seed") != 11 || len(s1.body["assignments"].([]any)) != 2 || s1.str("from") != "2026-11-16T00:00:00Z" {
			t.Fatalf("first sample = %s", s1.raw)
		}
		s2 := a.must(a.call(supTok, "POST", "/api/v1/qa/samples", map[string]any{"week": "2026-W47", "per_agent": 1}), 201)
		as2 := s2.body["assignments"].([]any)
		if len(as2) != 1 || as2[0].(map[string]any)["agent_id"] != w.agent || len(s2.body["short"].([]any)) != 1 {
			t.Fatalf("second sample = %s", s2.raw)
		}
		s3 := a.must(a.call(supTok, "POST", "/api/v1/qa/samples", map[string]any{"week": "2026-W47", "per_agent": 1}), 201)
		if len(s3.body["assignments"].([]any)) != 0 {
			t.Fatalf("third sample drew again: %s", s3.raw)
		}
		// Ben's goes to his supervisor, Sam; Ana has none, so hers go to Sam who drew them.
		mine := a.must(a.call(supTok, "GET", "/api/v1/qa/assignments?supervisor=me&status=pending", nil), 200).items()
		if len(mine) != 3 {
			t.Fatalf("%d pending assignments for Sam, want 3", len(mine))
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/qa/assignments", nil), 403, "forbidden", "")
		a.wantError(a.call(supTok, "GET", "/api/v1/qa/assignments?status=open", nil), 400, "invalid", "status")
		first := mine[len(mine)-1]
		a.must(a.call(supTok, "POST", "/api/v1/qa/evaluations", map[string]any{"form_id": formID, "contact_id": first["contact_id"],
			"scores": qaScores("info", 100)}), 201)
		if n := len(a.must(a.call(supTok, "GET", "/api/v1/qa/assignments?status=done", nil), 200).items()); n != 1 {
			t.Fatalf("%d assignments done, want 1", n)
		}

		// Archiving: no new evaluations on the form.
		a.must(a.call(supTok, "DELETE", "/api/v1/qa/forms/"+formID, nil), 200)
		a.wantError(a.call(supTok, "POST", "/api/v1/qa/evaluations", map[string]any{"form_id": formID, "contact_id": mine[0]["contact_id"],
			"scores": qaScores("info", 100)}), 400, "invalid", "form_id")
	})
}
