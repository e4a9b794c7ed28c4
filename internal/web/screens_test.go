package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"anchor/internal/cases"
	"anchor/internal/feedback"
	"anchor/internal/qa"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// post sends a form and, on a redirect, loads the page it points to,
// checking the flash message there.
func (c *client) postOK(what, path string, form url.Values, flash string) response {
	c.t.Helper()
	r := c.post(path, form)
	wantStatus(c.t, what, r, http.StatusSeeOther)
	page := c.get(r.header.Get("Location"))
	wantStatus(c.t, what+": page after", page, 200)
	wantBody(c.t, what+": page after", page, flash)
	return page
}

// TestScorecardActions: metric settings (a stale edit is refused with the
// input kept), a manual metric and its value, and a resolved case moving
// first-contact resolution, with the case listed behind the number.
func TestScorecardActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		d := f.client(t)
		d.signIn(f.director.Email)

		d.postOK("fcr settings", "/admin/metrics/fcr", url.Values{"version": {"0"}, "target": {"80"}, "warning": {"70"}, "owner_id": {f.supervisor.ID},
			"frequency": {"weekly"}, "stages": {"2026-01-01 75 65\n2027-01-01 85"}, "benchmarks": {"78 | Industry survey | 2026-06-30 | call centres"}}, "settings saved")
		st, err := f.web.Metrics.Settings(ctx, "fcr")
		if err != nil || st.Target == nil || *st.Target != 0.8 || len(st.Stages) != 2 || len(st.Bench) != 1 || st.Version != 1 || st.OwnerID != f.supervisor.ID {
			t.Fatalf("fcr settings after the form: %+v, %v", st, err)
		}
		page := d.get("/admin/metrics/fcr")
		wantBody(t, "settings page", page, `value="80"`, "2027-01-01 85", "78 | Industry survey | 2026-06-30 | call centres", `name="version" value="1"`)
		// Someone else saves first: the stale form is refused, kept.
		r := d.post("/admin/metrics/fcr", url.Values{"version": {"0"}, "target": {"90"}, "frequency": {"weekly"}})
		wantStatus(t, "stale settings", r, http.StatusConflict)
		wantBody(t, "stale settings", r, "Someone else changed this", `value="90"`, "Saved now (version 1)")
		r = d.post("/admin/metrics/fcr", url.Values{"version": {"1"}, "target": {"eighty"}, "frequency": {"weekly"}})
		wantStatus(t, "bad target", r, http.StatusUnprocessableEntity)
		wantBody(t, "bad target", r, "Target: must be a number", `value="eighty"`)

		d.postOK("manual metric", "/admin/metrics", url.Values{"key": {"wait_perception"}, "name": {"Waiting time perception"}, "unit": {"score"}, "direction": {"higher"}}, "Metric Waiting time perception created.")
		d.postOK("manual value", "/admin/metrics/wait_perception/values", url.Values{"value": {"7.5"}, "week": {"2026-W10"}}, "Value saved.")
		page = d.get("/scorecard/wait_perception?week=2026-W10")
		wantStatus(t, "manual metric page", page, 200)
		wantBody(t, "manual metric page", page, "Waiting time perception", "7.5")
		r = d.post("/admin/metrics", url.Values{"key": {"fcr"}, "name": {"Dup"}, "direction": {"higher"}})
		wantStatus(t, "manual metric with a computed key", r, http.StatusConflict)
		wantBody(t, "manual metric with a computed key", r, `value="Dup"`)

		// The fixture's case is resolved at its first contact: fcr moves.
		resolved := cases.StatusResolved
		if _, err := f.web.Cases.Update(ctx, f.agent.Actor(), f.kase.ID, cases.Update{Status: &resolved, Version: 1}); err != nil {
			t.Fatal(err)
		}
		page = d.get("/scorecard")
		wantBody(t, "scorecard", page, `<tr id="m-fcr">`, `<a href="/scorecard/fcr/items?week=`, "100.0%", "Sam Supervisor")
		page = d.get("/scorecard/fcr/items")
		wantBody(t, "fcr items", page, "Charged twice", "Acme &lt;Widgets&gt; &amp; Co")
		page = d.get("/scorecard/fcr/items?by=segment&cut=" + f.segment.ID)
		wantBody(t, "fcr items of a segment", page, "Charged twice")
		page = d.get("/scorecard/fcr/items?by=segment&cut=nope")
		wantBody(t, "fcr items of another segment", page, "No cases count")
		wantStatus(t, "bad week", d.get("/scorecard?week=2026-X1"), http.StatusUnprocessableEntity)
		wantStatus(t, "bad cut", d.get("/scorecard/fcr/items?by=queue"), http.StatusUnprocessableEntity)
		wantStatus(t, "unknown metric", d.get("/scorecard/nope"), http.StatusNotFound)

		// Supervisors may look, not set; agents and departments neither.
		sup := f.client(t)
		sup.signIn(f.supervisor.Email)
		wantStatus(t, "supervisor scorecard", sup.get("/scorecard"), 200)
		wantStatus(t, "supervisor settings", sup.post("/admin/metrics/fcr", url.Values{"version": {"1"}}), http.StatusForbidden)
		for _, email := range []string{f.agent.Email, f.member.Email} {
			o := f.client(t)
			o.signIn(email)
			wantStatus(t, email+" scorecard", o.get("/scorecard"), http.StatusForbidden)
			wantStatus(t, email+" items", o.get("/scorecard/fcr/items"), http.StatusForbidden)
		}
	})
}

// TestQAActions: a supervisor writes a form, edits it (a stale edit is
// refused), evaluates the case, draws a sample; the agent sees only their
// own evaluation and disputes it; the supervisor upholds the dispute.
func TestQAActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		s := f.client(t)
		s.signIn(f.supervisor.Email)
		crit := "greeting | Greets the customer | treatment | 1 | 50\ncorrect | Gives the right answer | accuracy | 2 | 60"
		s.postOK("create form", "/qa/forms", url.Values{"name": {"Calls"}, "criteria": {crit}}, "Form Calls created.")
		forms, err := f.web.QA.Forms(ctx, f.supervisor.Actor(), false)
		if err != nil || len(forms) != 1 {
			t.Fatalf("forms: %v, %v", forms, err)
		}
		form := forms[0]
		r := s.post("/qa/forms", url.Values{"name": {"Bad"}, "criteria": {"only | two"}})
		wantStatus(t, "bad criteria", r, http.StatusUnprocessableEntity)
		wantBody(t, "bad criteria", r, "line 1", "only | two")
		s.postOK("edit form", "/qa/forms/"+form.ID, url.Values{"version": {"1"}, "name": {"Calls"}, "criteria": {crit + "\nclose | Closes properly | process"}}, "saved as version 2")
		r = s.post("/qa/forms/"+form.ID, url.Values{"version": {"1"}, "name": {"Calls v3"}, "criteria": {crit}})
		wantStatus(t, "stale form edit", r, http.StatusConflict)
		wantBody(t, "stale form edit", r, "Someone else changed this", `value="Calls v3"`)

		page := s.get("/qa/evaluate?case=" + f.kase.ID + "&form=" + form.ID)
		wantBody(t, "evaluation form", page, "Greets the customer", "Closes properly", `name="score.close"`)
		// A score out of range is refused with the scores kept.
		r = s.post("/qa/evaluations", url.Values{"form_id": {form.ID}, "case_id": {f.kase.ID}, "score.greeting": {"90"}, "score.correct": {"140"}, "score.close": {"70"}})
		wantStatus(t, "score out of range", r, http.StatusUnprocessableEntity)
		wantBody(t, "score out of range", r, `value="140"`, `value="90"`)
		r = s.post("/qa/evaluations", url.Values{"form_id": {form.ID}, "case_id": {f.kase.ID}, "score.greeting": {"90"}, "score.correct": {"40"},
			"score.close": {"70"}, "comment.correct": {"quoted the wrong fee"}})
		wantStatus(t, "evaluate", r, http.StatusSeeOther)
		evalURL := r.header.Get("Location")
		page = s.get(evalURL)
		wantBody(t, "evaluation", page, "Evaluation of Ana Agent", "quoted the wrong fee", "Defect", "Submitted")

		s.postOK("draw sample", "/qa/samples", url.Values{"week": {weekNow(t, f)}, "per_agent": {"2"}}, "Sample drawn for")
		r = s.post("/qa/samples", url.Values{"week": {"2026-W99"}, "per_agent": {"2"}})
		wantStatus(t, "bad sample week", r, http.StatusUnprocessableEntity)

		// The agent sees it, and only their own.
		a := f.client(t)
		a.signIn(f.agent.Email)
		page = a.get("/qa")
		wantBody(t, "agent QA", page, "My evaluations", "Evaluations of my work", "Calls")
		if strings.Contains(page.body, "Draw a weekly sample") {
			t.Error("an agent is offered the sample draw")
		}
		r = a.post(evalURL, url.Values{"action": {"dispute"}, "reason": {" "}})
		wantStatus(t, "dispute without reason", r, http.StatusUnprocessableEntity)
		a.postOK("dispute", evalURL, url.Values{"action": {"dispute"}, "reason": {"The fee was right for this plan"}}, "Dispute sent")
		wantStatus(t, "agent forms", a.get("/qa/forms"), http.StatusForbidden)
		wantStatus(t, "agent evaluates", a.post("/qa/evaluations", url.Values{"form_id": {form.ID}}), http.StatusForbidden)
		wantStatus(t, "agent resolves", a.post(evalURL, url.Values{"action": {"resolve"}, "outcome": {"upheld"}}), http.StatusForbidden)
		// Another agent does not find it.
		other, err := f.web.Users.Create(ctx, newUser("other@example.com", "Otto Other", "agent"))
		if err != nil {
			t.Fatal(err)
		}
		o := f.client(t)
		o.signIn(other.Email)
		wantStatus(t, "another agent's evaluation", o.get(evalURL), http.StatusNotFound)
		if p := o.get("/qa"); strings.Contains(p.body, "Calls") {
			t.Error("another agent's QA page lists Ana's evaluation")
		}

		// The supervisor sees the dispute and upholds it with a new score.
		page = s.get("/qa")
		wantBody(t, "disputes", page, "Disputes to answer <span class=\"muted\">1</span>")
		s.postOK("resolve", evalURL, url.Values{"action": {"resolve"}, "partial": {"1"}, "outcome": {"upheld"}, "score.correct": {"90"}, "note": {"right fee"}}, "Dispute resolved.")
		evs, _, err := f.web.QA.Evaluations(ctx, f.supervisor.Actor(), qa.EvaluationFilter{})
		if err != nil || len(evs) != 1 || evs[0].Status != qa.StatusUpheld || evs[0].AccuracyDefect {
			t.Errorf("after the upheld dispute: %+v, %v", evs, err)
		}
		// The department member has no QA.
		m := f.client(t)
		m.signIn(f.member.Email)
		wantStatus(t, "member QA", m.get("/qa"), http.StatusForbidden)
	})
}

// TestVoiceActions: feedback captured on a case reaches the department's
// inbox, which acknowledges, answers and closes it (a stale answer is
// refused, kept); another department does not see it; survey programs are
// created, changed and stopped; the Voice page shows them.
func TestVoiceActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.client(t)
		a.signIn(f.agent.Email)
		caseURL := "/cases/" + f.kase.ID
		r := a.post(caseURL+"/feedback", url.Values{"type": {"idea"}, "text": {"  "}, "department_id": {f.finance.ID}})
		wantStatus(t, "empty feedback", r, http.StatusUnprocessableEntity)
		wantBody(t, "empty feedback", r, `<details id="act-feedback" class="action" open>`)
		a.postOK("capture feedback", caseURL+"/feedback", url.Values{"type": {"idea"}, "text": {"Refund by <i>bank transfer</i>"}, "department_id": {f.finance.ID}}, "Feedback captured.")
		items, _, err := f.web.Feedback.List(ctx, f.admin.Actor(), feedback.Filter{CaseID: f.kase.ID})
		if err != nil || len(items) != 1 {
			t.Fatalf("items: %v %v", items, err)
		}
		it := items[0]
		fbURL := "/feedback/" + it.ID

		m := f.client(t)
		m.signIn(f.member.Email)
		page := m.get("/inbox")
		wantBody(t, "member inbox", page, "Refund by &lt;i&gt;bank transfer&lt;/i&gt;", "Idea implemented")
		m.postOK("acknowledge", fbURL, url.Values{"action": {"acknowledge"}, "version": {"1"}}, "Feedback acknowledged.")
		r = m.post(fbURL, url.Values{"action": {"answer"}, "answer": {"We will look at it"}, "version": {"1"}})
		wantStatus(t, "stale answer", r, http.StatusConflict)
		wantBody(t, "stale answer", r, "Someone else changed this", "We will look at it")
		m.postOK("answer", fbURL, url.Values{"action": {"answer"}, "answer": {"We will look at it"}, "version": {"2"}}, "Answer sent.")
		m.postOK("implemented", fbURL, url.Values{"action": {"implemented"}, "version": {"3"}}, "Idea marked implemented.")
		m.postOK("close", fbURL, url.Values{"action": {"close"}, "resolution": {"Bank transfers offered since Monday"}, "version": {"4"}}, "Feedback closed.")
		page = a.get("/customers/" + f.customer.ID)
		wantBody(t, "customer 360 feedback", page, "Bank transfers offered since Monday", "implemented")

		// Legal's member, and an agent, cannot act on Finance's item.
		legal, err := f.web.Users.Create(ctx, newUserIn("legal@example.com", "Lee Legal", "department", f.legal.ID))
		if err != nil {
			t.Fatal(err)
		}
		l := f.client(t)
		l.signIn(legal.Email)
		if p := l.get("/inbox"); strings.Contains(p.body, "bank transfer") {
			t.Error("Legal's inbox shows Finance's feedback")
		}
		r = l.post(fbURL, url.Values{"action": {"acknowledge"}, "version": {"5"}})
		if r.status != http.StatusNotFound && r.status != http.StatusForbidden {
			t.Errorf("Legal acts on Finance's item: status %d", r.status)
		}
		wantStatus(t, "agent acts on an item", a.post(fbURL, url.Values{"action": {"acknowledge"}, "version": {"5"}}), http.StatusForbidden)

		// Survey programs.
		d := f.client(t)
		d.signIn(f.director.Email)
		r = d.post("/admin/surveys", url.Values{"name": {"Ent NPS"}, "kind": {"nps"}, "segment_id": {""}})
		wantStatus(t, "program without segment", r, http.StatusUnprocessableEntity)
		wantBody(t, "program without segment", r, `value="Ent NPS"`)
		d.postOK("create program", "/admin/surveys", url.Values{"name": {"Ent NPS"}, "kind": {"nps"}, "segment_id": {f.segment.ID}, "interval_days": {"60"}}, "Survey program Ent NPS created.")
		ps, err := f.web.Surveys.Programs(ctx, surveysFilter())
		if err != nil || len(ps) != 1 || ps[0].IntervalDays != 60 {
			t.Fatalf("programs: %+v %v", ps, err)
		}
		pURL := "/admin/surveys/" + ps[0].ID
		d.postOK("edit program", pURL, url.Values{"version": {"1"}, "name": {"Enterprise NPS"}, "interval_days": {"90"}}, "Survey program saved.")
		r = d.post(pURL, url.Values{"version": {"1"}, "name": {"Old name"}})
		wantStatus(t, "stale program", r, http.StatusConflict)
		wantBody(t, "stale program", r, `value="Old name"`, "Now saved: Enterprise NPS")
		d.postOK("stop program", pURL, url.Values{"version": {"2"}, "action": {"deactivate"}}, "Survey program stopped")
		page = d.get("/admin/surveys")
		wantBody(t, "programs", page, "Enterprise NPS", "Stopped")
		wantStatus(t, "supervisor programs", f.signedIn(t, f.supervisor.Email).get("/admin/surveys"), http.StatusForbidden)

		page = d.get("/voice?days=30&by=owner")
		wantStatus(t, "voice", page, 200)
		wantBody(t, "voice", page, "NPS by owner", "Ideas implemented")
		wantStatus(t, "voice bad cut", d.get("/voice?by=mood"), http.StatusUnprocessableEntity)
		wantStatus(t, "agent voice", a.get("/voice"), http.StatusForbidden)
	})
}

// TestContactCenterAdmin: queues are added and changed (a stale change is
// refused), and an unmapped alias is mapped to a user.
func TestContactCenterAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		s := f.signedIn(t, f.supervisor.Email)
		s.postOK("add queue", "/admin/queues", url.Values{"name": {"Billing"}, "asterisk_name": {"billing"}, "service_level_seconds": {"30"},
			"short_abandon_seconds": {"5"}, "wrapup_seconds": {"15"}, "wrapup_reasons": {"Wrapup, ACW"}}, "Queue Billing saved.")
		qs, err := f.web.Contact.Queues(ctx)
		if err != nil || len(qs) != 1 || qs[0].ServiceLevelSeconds != 30 || len(qs[0].WrapUpReasons) != 2 {
			t.Fatalf("queues: %+v %v", qs, err)
		}
		q := qs[0]
		s.postOK("change queue", "/admin/queues", url.Values{"id": {q.ID}, "version": {"1"}, "name": {"Billing"}, "asterisk_name": {"billing"},
			"service_level_seconds": {"20"}, "short_abandon_seconds": {"5"}, "wrapup_seconds": {"15"}, "wrapup_reasons": {"Wrapup"}}, "Queue Billing saved.")
		r := s.post("/admin/queues", url.Values{"id": {q.ID}, "version": {"1"}, "name": {"Billing"}, "service_level_seconds": {"45"}})
		wantStatus(t, "stale queue", r, http.StatusConflict)
		wantBody(t, "stale queue", r, `value="45"`, "Now saved: within 20 s")
		r = s.post("/admin/queues", url.Values{"name": {"X"}, "service_level_seconds": {"soon"}})
		wantStatus(t, "bad threshold", r, http.StatusUnprocessableEntity)

		if _, err := f.web.Contact.SetAlias(ctx, aliasInput("PJSIP/1001", "")); err != nil {
			t.Fatal(err)
		}
		page := s.get("/admin/agent-aliases")
		wantBody(t, "unmapped aliases", page, "PJSIP/1001", "Unmapped")
		s.postOK("map alias", "/admin/agent-aliases", url.Values{"alias": {"PJSIP/1001"}, "user_id": {f.agent.ID}}, "PJSIP/1001 is now mapped")
		page = s.get("/admin/agent-aliases")
		wantBody(t, "after mapping", page, "Every alias is mapped")
		r = s.post("/admin/agent-aliases", url.Values{"alias": {"PJSIP/1002"}, "user_id": {"nobody"}})
		wantStatus(t, "alias to an unknown user", r, http.StatusNotFound)

		ag := f.signedIn(t, f.agent.Email)
		wantStatus(t, "agent queues", ag.get("/admin/queues"), http.StatusForbidden)
		wantStatus(t, "agent maps alias", ag.post("/admin/agent-aliases", url.Values{"alias": {"x"}}), http.StatusForbidden)
	})
}
