package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/departments"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
	"anchor/internal/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const password = "correct horse battery"

// fixture is a small organisation: one user per role, a segment, two
// departments (a member in the first), the service matrix fixtureMatrix, a
// customer with a case that has a handoff to each department and a
// promised callback.
type fixture struct {
	db                                         *store.DB
	web                                        *web.Server
	ts                                         *httptest.Server
	admin, director, supervisor, agent, member users.User
	finance, legal                             departments.Department
	segment                                    customers.Segment
	customer                                   customers.Customer
	kase                                       cases.Case
	handoff                                    cases.Handoff // to finance
	otherHandoff                               cases.Handoff // to legal
	callback                                   cases.Callback
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db}
	// Warnings and errors (a template that fails to render) go to the
	// test's log, so a 500 says why.
	f.web = web.New(db, slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	f.web.Location = time.UTC
	f.web.Users.KDF = users.TestKDF
	us := f.web.Users
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.finance, err = f.web.Departments.Create(ctx, departments.NewDepartment{Name: "Finance", AcceptWithinSeconds: 3600, CompleteWithinSeconds: 8 * 3600})
	must(err)
	f.legal, err = f.web.Departments.Create(ctx, departments.NewDepartment{Name: "Legal", CompleteWithinSeconds: 48 * 3600})
	must(err)
	mk := func(email, name, role, dept string) users.User {
		u, err := us.Create(ctx, users.NewUser{Email: email, Name: name, Role: role, DepartmentID: dept, Password: password})
		must(err)
		return u
	}
	f.admin = mk("admin@example.com", "Ada Admin", users.RoleAdmin, "")
	f.director = mk("director@example.com", "Diane Director", users.RoleDirector, "")
	f.supervisor = mk("sup@example.com", "Sam Supervisor", users.RoleSupervisor, "")
	f.agent = mk("agent@example.com", "Ana Agent", users.RoleAgent, "")
	f.member = mk("finance@example.com", "Fiona Finance", users.RoleDepartment, f.finance.ID)
	f.segment, err = f.web.Customers.CreateSegment(ctx, customers.NewSegment{Name: "Enterprise"})
	must(err)
	// The service matrix, before the case, so that it has clocks.
	m, err := servicelevel.ParseMatrix([]byte(fixtureMatrix))
	must(err)
	_, err = f.web.Levels.Import(ctx, f.admin.Actor(), m)
	must(err)
	f.customer, err = f.web.Customers.Create(ctx, f.agent.Actor(), customers.NewCustomer{Name: "Acme <Widgets> & Co", SegmentID: f.segment.ID, OwnerID: f.agent.ID,
		Contacts: []customers.Contact{{Name: "Wile E.", Phone: "+1 555 0100"}}})
	must(err)
	f.kase, err = f.web.Cases.Create(ctx, f.agent.Actor(), cases.NewCase{CustomerID: f.customer.ID, Subject: "Charged twice", Channel: "phone",
		Priority: "high", FirstContact: &cases.NewContact{Note: "called in"}})
	must(err)
	f.handoff, err = f.web.Cases.SendHandoff(ctx, f.agent.Actor(), f.kase.ID, cases.NewHandoff{DepartmentID: f.finance.ID, Request: "Refund the second charge"})
	must(err)
	f.otherHandoff, err = f.web.Cases.SendHandoff(ctx, f.agent.Actor(), f.kase.ID, cases.NewHandoff{DepartmentID: f.legal.ID, Request: "Secret legal matter"})
	must(err)
	now := db.Now()
	f.callback, err = f.web.Cases.PromiseCallback(ctx, f.agent.Actor(), f.kase.ID, cases.NewCallback{WindowStart: now.Add(time.Minute), WindowEnd: now.Add(time.Hour), Phone: "+1 555 0100"})
	must(err)
	_, err = f.web.Cases.AddMessage(ctx, f.agent.Actor(), f.kase.ID, cases.NewMessage{Body: "Told them we <b>will</b> refund"})
	must(err)
	f.ts = httptest.NewServer(f.web.Handler())
	t.Cleanup(f.ts.Close)
	return f
}

// testLog writes a logger's lines to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// client is a browser-like HTTP client: it keeps cookies and does not
// follow redirects, so tests see where they point.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (f *fixture) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: f.ts.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status int
	body   string
	header http.Header
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(b), resp.Header}
}

func (c *client) get(p string) response {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+p, nil)
	return c.do(req)
}

// post sends a form as a same-origin browser would (Origin and
// Sec-Fetch-Site set), so it passes the cross-origin check.
func (c *client) post(p string, form url.Values) response {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+p, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func (c *client) signIn(email string) {
	c.t.Helper()
	r := c.post("/signin", url.Values{"email": {email}, "password": {password}})
	if r.status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: status %d, want 303; body: %s", email, r.status, excerpt(r.body))
	}
}

func excerpt(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 1500 {
		s = s[:1500]
	}
	return s
}

func wantStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d; body: %s", what, r.status, want, excerpt(r.body))
	}
}

func wantBody(t *testing.T, what string, r response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.body, p) {
			t.Errorf("%s: body lacks %q; body: %s", what, p, excerpt(r.body))
		}
	}
}

// TestEveryPageRenders renders every template through its page, on both
// engines, so that a broken template or query fails here. It logs each
// page's server time (the Server-Timing header).
func TestEveryPageRenders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client(t)
		signin := c.get("/signin")
		wantStatus(t, "sign-in page", signin, 200)
		wantBody(t, "sign-in page", signin, `<label for="email">Email</label>`, `autocomplete="current-password"`)
		c.signIn(f.admin.Email)
		v := f.voiceAndQA(t)

		pages := []struct {
			template, path string
			want           []string
		}{
			{"workspace", "/", []string{"My open cases", "Callbacks due today", "Proactive contacts due"}},
			{"cases", "/cases?status=all", []string{"Charged twice", "Acme &lt;Widgets&gt; &amp; Co"}},
			{"case", "/cases/" + f.kase.ID, []string{"Charged twice", "Refund the second charge", "Told them we &lt;b&gt;will&lt;/b&gt; refund", "opened the case", "handed work to Finance", "promised a callback",
				"First response</dt>", "Next update</dt>", "Resolution</dt>", "Accept:", "Complete:", "Window:",
				"Capture feedback", "Feedback captured", "They want &lt;b&gt;refunds&lt;/b&gt; faster", "Evaluate this case"}},
			{"case_new", "/cases/new?customer=" + f.customer.ID, []string{"New case for", `name="subject"`}},
			{"customers", "/customers?q=acme", []string{"Acme &lt;Widgets&gt; &amp; Co"}},
			{"customer_new", "/customers/new", []string{"New customer", "Enterprise"}},
			{"customer", "/customers/" + f.customer.ID, []string{"Owner and its history", "Charged twice", "Refund the second charge", "&#43;1 555 0100",
				"Service-level performance", "every 7 days, recording topics, next_steps", "Log a proactive contact",
				"Survey answers", "slow &lt;refund&gt;", "They want &lt;b&gt;refunds&lt;/b&gt; faster"}},
			{"inbox", "/inbox", []string{"Refund the second charge", "Secret legal matter", "Accept:", "Complete:", "Feedback from customers", "They want &lt;b&gt;refunds&lt;/b&gt; faster", "Acknowledge"}},
			{"handoff", "/handoffs/" + f.handoff.ID, []string{"Refund the second charge", "Complete handoff", "Send back"}},
			{"wallboard", "/wallboard", []string{`<th scope="row">Support</th>`, "Waiting now", "No data", "Nobody is logged in", "Finance"}},
			{"scorecard", "/scorecard", []string{"Weekly scorecard", "callback_punctuality", "First-contact resolution", `class="spark"`, "Numbers"}},
			{"scorecard_metric", "/scorecard/fcr", []string{"First-contact resolution", "By segment", "By channel"}},
			{"scorecard_items", "/scorecard/fcr/items", []string{"Behind First-contact resolution", "No cases count"}},
			{"scorecard_items", "/scorecard/handoff_on_time/items?by=department&cut=" + f.finance.ID, []string{"Behind Handoffs on time"}},
			{"scorecard_items", "/scorecard/service_level/items", []string{"No contacts this week"}},
			{"scorecard_items", "/scorecard/csat/items", []string{"Great help", "Acme &lt;Widgets&gt; &amp; Co"}},
			{"scorecard_items", "/scorecard/accuracy/items", []string{"Call handling", "Defect"}},
			{"scorecard_items", "/scorecard/praise_complaint_ratio/items", []string{"They want &lt;b&gt;refunds&lt;/b&gt; faster", "Complaint"}},
			{"scorecard_items", "/scorecard/backlog_age/items?by=segment&cut=" + f.segment.ID, []string{"Charged twice"}},
			{"admin_metrics", "/admin/metrics", []string{"Metric targets and owners", "Add a metric entered by hand"}},
			{"admin_metric", "/admin/metrics/fcr", []string{"First-contact resolution", `name="version" value="0"`, "Target (%)"}},
			{"qa", "/qa", []string{"Sampled for you to evaluate", "Draw a weekly sample", "Disputes to answer", "Latest evaluations", "Ana Agent"}},
			{"qa_forms", "/qa/forms", []string{"Call handling", "New form"}},
			{"qa_forms", "/qa/forms/" + v.form.ID, []string{"Edit Call handling", "greeting | Greets the customer | treatment | 1 | 50", `name="version" value="1"`}},
			{"qa_evaluate", "/qa/evaluate?case=" + f.kase.ID, []string{"Evaluate", "Charged twice", "Greets the customer", `name="score.greeting"`}},
			{"qa_evaluation", "/qa/evaluations/" + v.eval.ID, []string{"Evaluation of Ana Agent", "Greets the customer", "Submitted"}},
			{"voice", "/voice", []string{"Customer's voice", "NPS by segment", "CSAT by segment", "Enterprise", "Praise to complaint ratio", "What detractors talk about", "slow &lt;refund&gt;"}},
			{"admin_surveys", "/admin/surveys", []string{"Enterprise CSAT", "New program"}},
			{"admin_surveys", "/admin/surveys/" + v.program.ID, []string{"Edit Enterprise CSAT", "Stop this program"}},
			{"admin_queues", "/admin/queues", []string{"Support", "Add a queue"}},
			{"admin_aliases", "/admin/agent-aliases?show=all", []string{"PJSIP/1001", "Unmapped"}},
			{"admin", "/admin", []string{"Segments", "Departments"}},
			{"admin_users", "/admin/users", []string{"Fiona Finance", "Add a user"}},
			{"admin_segments", "/admin/segments", []string{"Enterprise"}},
			{"admin_departments", "/admin/departments", []string{"Finance", "8 h"}},
			{"tokens", "/tokens", []string{"Create a token"}},
			{"admin_calendars", "/admin/calendars", []string{"office", "Europe/London", "09:00-17:00", "Add a calendar"}},
			{"admin_calendars", "/admin/calendars?edit=office", []string{"Edit office", `name="version" value="1"`}},
			{"admin_matrix", "/admin/service-matrix", []string{"Enterprise", "1h30m", "every 7 days", "Finance", "office"}},
			{"admin_matrix_edit", "/admin/service-matrix/edit", []string{"segments:", "Enterprise:", "first_response: 1h30m", `name="version" value="1"`}},
			{"admin_webhooks", "/admin/webhooks", []string{"Add a webhook"}},
			{"notifications", "/notifications?show=all", []string{"No notifications yet"}},
			{"error", "/no/such/page", []string{"Not found"}},
		}
		covered := map[string]bool{"signin": true, "layout": true}
		for _, p := range pages {
			r := c.get(p.path)
			want := 200
			if p.template == "error" {
				want = 404
			}
			wantStatus(t, p.path, r, want)
			wantBody(t, p.path, r, append(p.want, "</html>")...)
			if strings.Contains(r.body, "<script>") || strings.Contains(r.body, "<b>will</b>") {
				t.Errorf("%s: unescaped markup in the page", p.path)
			}
			covered[p.template] = true
			t.Logf("%-18s %-40s %s", p.template, p.path, r.header.Get("Server-Timing"))
		}
		entries, err := os.ReadDir("templates")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
			if !covered[name] {
				t.Errorf("template %s is not rendered by this test: add its page", name)
			}
		}

		// The agent's workspace holds the fixture's case, callback, handoffs
		// and proactive contact, with their service levels.
		ag := f.client(t)
		ag.signIn(f.agent.Email)
		r := ag.get("/")
		wantStatus(t, "agent workspace", r, 200)
		wantBody(t, "agent workspace", r, "Charged twice", "Resolution:", "On track", "Window ", "Accept:", "Log a proactive contact", "Next steps",
			`<a class="bell" href="/notifications">`, "none unread")

		// Forms refused for a rule come back filled in, with the reason.
		r = c.post("/cases/"+f.kase.ID+"/handoffs", url.Values{"department_id": {f.finance.ID}, "request": {"  "}})
		wantStatus(t, "empty handoff request", r, http.StatusUnprocessableEntity)
		wantBody(t, "empty handoff request", r, "Request: is required", `<details id="act-handoff" class="action" open>`)
		r = c.post("/customers", url.Values{"name": {"New Co"}, "segment_id": {""}, "contact_email": {"not-an-email"}})
		wantStatus(t, "customer without segment", r, http.StatusUnprocessableEntity)
		wantBody(t, "customer without segment", r, "Segment: is required", `value="New Co"`)
		r = c.post("/admin/users", url.Values{"name": {"X"}, "email": {"x@example.com"}, "role": {"department"}, "password": {"secret-secret"}})
		wantStatus(t, "department user without department", r, http.StatusUnprocessableEntity)
		if strings.Contains(r.body, "secret-secret") {
			t.Error("a refused user form echoes the password back")
		}
		r = c.post("/admin/departments", url.Values{"name": {"IT"}, "accept_hours": {"two"}})
		wantStatus(t, "bad hours", r, http.StatusUnprocessableEntity)
		r = c.post("/tokens", url.Values{"name": {"ci"}, "ttl_days": {"30"}})
		wantStatus(t, "create token", r, 200)
		wantBody(t, "create token", r, users.TokenPrefix, "shown this once")
	})
}

// TestActions drives each case-page action over plain HTTP, as a browser
// without JavaScript would, and checks the result on the page.
func TestActions(t *testing.T) {
	db := storetest.OpenSQLite(t)
	f := newFixture(t, db)
	c := f.client(t)
	c.signIn(f.agent.Email)
	caseURL := "/cases/" + f.kase.ID
	steps := []struct {
		what, path string
		form       url.Values
		flash      string
	}{
		{"reply", caseURL + "/messages", url.Values{"body": {"We are on it"}, "kind": {"reply"}}, "Reply added."},
		{"contact", caseURL + "/contacts", url.Values{"channel": {"email"}, "direction": {"outbound"}, "note": {"sent the refund form"}}, "Contact logged."},
		{"status", caseURL + "/status", url.Values{"status": {"pending_internal"}, "priority": {"urgent"}, "version": {"1"}}, "Case updated."},
		{"handoff", caseURL + "/handoffs", url.Values{"department_id": {f.legal.ID}, "request": {"Check the contract"}, "due_at": {db.Now().Add(72 * time.Hour).Format("2006-01-02T15:04")}}, "Handoff sent."},
		{"callback", caseURL + "/callbacks", url.Values{"window_start": {db.Now().Add(2 * time.Hour).Format("2006-01-02T15:04")}, "window_end": {db.Now().Add(3 * time.Hour).Format("2006-01-02T15:04")}, "phone": {"+1 555 0100"}}, "Callback promised."},
		{"callback made", "/callbacks/" + f.callback.ID, url.Values{"action": {"made"}, "outcome": {"reached"}, "version": {"1"}}, "Callback marked made."},
		{"cancel handoff", "/handoffs/" + f.otherHandoff.ID, url.Values{"action": {"cancel"}, "version": {"1"}, "back": {caseURL}}, "Handoff cancelled."},
	}
	for _, s := range steps {
		r := c.post(s.path, s.form)
		wantStatus(t, s.what, r, http.StatusSeeOther)
		loc := r.header.Get("Location")
		page := c.get(loc)
		wantStatus(t, s.what+": page after", page, 200)
		wantBody(t, s.what+": page after", page, s.flash)
	}
	page := c.get(caseURL)
	wantBody(t, "case after actions", page, "We are on it", "sent the refund form", "Waiting on us", "Urgent priority",
		"Check the contract", "made the callback (Reached)", "cancelled the handoff to Legal", "changed the status from New to Waiting on us")
	// The status form lists only the moves the lifecycle allows now.
	if strings.Contains(page.body, `<option value="closed"`) {
		t.Error("status form offers closed, which pending_internal cannot move to")
	}
	// An illegal move sent anyway is refused with the allowed ones named.
	r := c.post(caseURL+"/status", url.Values{"status": {"closed"}, "version": {"2"}})
	wantStatus(t, "illegal transition", r, http.StatusConflict)
	wantBody(t, "illegal transition", r, "allowed: open, pending_customer, resolved")

	// An agent cannot act for a department.
	r = c.post("/handoffs/"+f.handoff.ID, url.Values{"action": {"complete"}, "version": {"1"}})
	wantStatus(t, "agent completes a handoff", r, http.StatusForbidden)

	// Creating a customer and a case through the forms.
	r = c.post("/customers", url.Values{"name": {"Globex"}, "segment_id": {f.segment.ID}, "owner_id": {f.agent.ID}, "contact_email": {"hank@globex.example"}})
	wantStatus(t, "create customer", r, http.StatusSeeOther)
	custID := strings.TrimPrefix(r.header.Get("Location"), "/customers/")
	r = c.post("/cases", url.Values{"customer_id": {custID}, "subject": {"Where is my order"}, "channel": {"email"}, "priority": {"normal"}, "first_contact": {"1"}})
	wantStatus(t, "create case", r, http.StatusSeeOther)
	page = c.get(r.header.Get("Location"))
	wantBody(t, "new case", page, "Where is my order", "Globex", "logged an inbound email contact")
	r = c.post("/customers/"+custID+"/owner", url.Values{"owner_id": {f.supervisor.ID}, "reason": {"holiday cover"}, "version": {"1"}})
	wantStatus(t, "change owner", r, http.StatusSeeOther)
	page = c.get("/customers/" + custID)
	wantBody(t, "customer after owner change", page, "holiday cover", "owned by Sam Supervisor")
}

// TestStaleVersion: a form based on an old version is refused with a
// clear message, the current state is shown, and what the user typed is
// kept in the form.
func TestStaleVersion(t *testing.T) {
	db := storetest.OpenSQLite(t)
	f := newFixture(t, db)
	ctx := context.Background()
	// Someone else opens the case first.
	open := cases.StatusOpen
	if _, err := f.web.Cases.Update(ctx, f.supervisor.Actor(), f.kase.ID, cases.Update{Status: &open, Version: 1}); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	c.signIn(f.agent.Email)
	r := c.post("/cases/"+f.kase.ID+"/status", url.Values{"status": {"resolved"}, "priority": {"low"}, "version": {"1"}})
	wantStatus(t, "stale status change", r, http.StatusConflict)
	wantBody(t, "stale status change", r, "Someone else changed this", `<option value="resolved" selected>`, `<option value="low" selected>`,
		`name="version" value="2"`, `<span class="badge status">Open</span>`)
	got, _ := f.web.Cases.Get(ctx, f.kase.ID)
	if got.Status != cases.StatusOpen || got.Priority != "high" {
		t.Errorf("stale change was applied: status %s priority %s", got.Status, got.Priority)
	}

	// A department answer typed against an old version is kept.
	accepted := cases.HandoffAccepted
	if _, err := f.web.Cases.UpdateHandoff(ctx, f.supervisor.Actor(), f.handoff.ID, cases.HandoffUpdate{Status: &accepted, Version: 1}); err != nil {
		t.Fatal(err)
	}
	m := f.client(t)
	m.signIn(f.member.Email)
	r = m.post("/handoffs/"+f.handoff.ID, url.Values{"action": {"complete"}, "answer": {"Refunded 42.00 on 3 March"}, "version": {"1"}})
	wantStatus(t, "stale handoff completion", r, http.StatusConflict)
	wantBody(t, "stale handoff completion", r, "Someone else changed this", "Refunded 42.00 on 3 March", `name="version" value="2"`)

	// The stale callback form is refused too.
	a := f.client(t)
	a.signIn(f.agent.Email)
	made := "made"
	if _, err := f.web.Cases.UpdateCallback(ctx, f.supervisor.Actor(), f.callback.ID, cases.CallbackUpdate{Status: made, Outcome: "reached", Version: 1}); err != nil {
		t.Fatal(err)
	}
	r = a.post("/callbacks/"+f.callback.ID, url.Values{"action": {"made"}, "outcome": {"voicemail"}, "version": {"1"}})
	wantStatus(t, "stale callback", r, http.StatusConflict)
	wantBody(t, "stale callback", r, "Someone else changed this")
}
