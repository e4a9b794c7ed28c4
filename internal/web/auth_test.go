package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// TestRoleAccess checks every role against the pages it may and may not
// reach.
func TestRoleAccess(t *testing.T) {
	db := storetest.OpenSQLite(t)
	f := newFixture(t, db)

	anon := f.client(t)
	r := anon.get("/cases/" + f.kase.ID)
	wantStatus(t, "signed out", r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/signin?next=%2Fcases%2F"+f.kase.ID {
		t.Errorf("signed out: redirect to %q, want the sign-in page with next", loc)
	}
	r = anon.post("/cases/"+f.kase.ID+"/messages", url.Values{"body": {"x"}})
	wantStatus(t, "signed-out post", r, http.StatusSeeOther)

	type check struct {
		path string
		want int
	}
	roles := []struct {
		email  string
		checks []check
	}{
		{f.agent.Email, []check{{"/", 200}, {"/cases/" + f.kase.ID, 200}, {"/customers", 200}, {"/tokens", 200},
			{"/admin", 403}, {"/admin/users", 403}, {"/admin/segments", 403}, {"/admin/departments", 403},
			{"/inbox", 403}, {"/wallboard", 403}, {"/scorecard", 403}, {"/handoffs/" + f.handoff.ID, 200},
			{"/notifications", 200}, {"/admin/calendars", 403}, {"/admin/service-matrix", 403}, {"/admin/service-matrix/edit", 403}, {"/admin/webhooks", 403},
			{"/qa", 200}, {"/qa/forms", 403}, {"/voice", 403}, {"/scorecard/fcr", 403}, {"/admin/metrics", 403}, {"/admin/surveys", 403},
			{"/admin/queues", 403}, {"/admin/agent-aliases", 403}, {"/wallboard/stream", 403}}},
		{f.member.Email, []check{{"/", 303}, {"/inbox", 200}, {"/handoffs/" + f.handoff.ID, 200}, {"/handoffs/" + f.otherHandoff.ID, 404},
			{"/cases/" + f.kase.ID, 403}, {"/cases", 403}, {"/customers", 403}, {"/customers/" + f.customer.ID, 403},
			{"/admin", 403}, {"/wallboard", 403}, {"/tokens", 200}, {"/notifications", 200}, {"/admin/calendars", 403}, {"/admin/service-matrix", 403},
			{"/qa", 403}, {"/voice", 403}, {"/scorecard", 403}, {"/admin/queues", 403}}},
		{f.supervisor.Email, []check{{"/", 200}, {"/inbox", 200}, {"/wallboard", 200}, {"/scorecard", 200}, {"/scorecard/fcr", 200}, {"/admin", 403},
			{"/admin/calendars", 403}, {"/admin/service-matrix", 403}, {"/admin/webhooks", 403}, {"/admin/metrics", 403}, {"/admin/metrics/fcr", 403},
			{"/admin/surveys", 403}, {"/qa", 200}, {"/qa/forms", 200}, {"/voice", 200}, {"/admin/queues", 200}, {"/admin/agent-aliases", 200}}},
		{f.director.Email, []check{{"/scorecard", 200}, {"/wallboard", 200}, {"/admin", 200}, {"/admin/segments", 200},
			{"/admin/departments", 200}, {"/admin/users", 403}, {"/admin/calendars", 200}, {"/admin/service-matrix", 200},
			{"/admin/service-matrix/edit", 200}, {"/admin/webhooks", 403}, {"/admin/metrics", 200}, {"/admin/surveys", 200}, {"/voice", 200}}},
		{f.admin.Email, []check{{"/admin/users", 200}, {"/admin/segments", 200}, {"/scorecard", 200}, {"/inbox", 200}, {"/admin/webhooks", 200}}},
	}
	for _, role := range roles {
		c := f.client(t)
		c.signIn(role.email)
		for _, ch := range role.checks {
			r := c.get(ch.path)
			if r.status != ch.want {
				t.Errorf("%s GET %s: status %d, want %d", role.email, ch.path, r.status, ch.want)
			}
		}
	}

	// A department member's inbox holds only their department's handoffs,
	// and they cannot act on another department's.
	m := f.client(t)
	m.signIn(f.member.Email)
	inbox := m.get("/inbox")
	wantBody(t, "member inbox", inbox, "Refund the second charge")
	if strings.Contains(inbox.body, "Secret legal matter") {
		t.Error("a finance member sees a legal handoff in the inbox")
	}
	if strings.Contains(inbox.body, `href="/cases/`) {
		t.Error("the inbox links a department member to a case page they may not open")
	}
	r = m.post("/handoffs/"+f.otherHandoff.ID, url.Values{"action": {"accept"}, "version": {"1"}})
	wantStatus(t, "member acts on another department's handoff", r, http.StatusNotFound)
	// An agent may not post to administration either.
	a := f.client(t)
	a.signIn(f.agent.Email)
	r = a.post("/admin/segments", url.Values{"name": {"Sneaky"}})
	wantStatus(t, "agent creates a segment", r, http.StatusForbidden)
	r = a.post("/tokens", url.Values{"name": {"x"}, "user_id": {f.admin.ID}})
	wantStatus(t, "agent issues a token to the admin", r, http.StatusForbidden)
	for _, p := range []string{"/admin/calendars", "/admin/calendars/office/delete", "/admin/service-matrix", "/admin/webhooks"} {
		wantStatus(t, "agent posts to "+p, a.post(p, url.Values{"name": {"x"}, "document": {"{}"}}), http.StatusForbidden)
	}
	d := f.client(t)
	d.signIn(f.director.Email)
	wantStatus(t, "director adds a webhook", d.post("/admin/webhooks", url.Values{"url": {"https://example.com/hook"}}), http.StatusForbidden)
}

// TestCrossOriginPost: a form posted from another site is refused, even
// with a valid session cookie, and changes nothing.
func TestCrossOriginPost(t *testing.T) {
	db := storetest.OpenSQLite(t)
	f := newFixture(t, db)
	c := f.client(t)
	c.signIn(f.admin.Email)
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Origin": "https://evil.example"}, // an older browser without Sec-Fetch-Site
	} {
		req, _ := http.NewRequest("POST", f.ts.URL+"/admin/segments", strings.NewReader("name=Evil"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		r := c.do(req)
		wantStatus(t, "cross-origin post", r, http.StatusForbidden)
		wantBody(t, "cross-origin post", r, "sent from another site")
	}
	segs, err := f.web.Customers.Segments(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		if s.Name == "Evil" {
			t.Fatal("a cross-origin post created a segment")
		}
	}
	r := c.post("/admin/segments", url.Values{"name": {"Good"}})
	wantStatus(t, "same-origin post", r, http.StatusSeeOther)
}

// TestSession: sign-out deletes the session, so a copied cookie stops
// working; the cookie is HttpOnly and SameSite; next cannot leave the site.
func TestSession(t *testing.T) {
	db := storetest.OpenSQLite(t)
	f := newFixture(t, db)
	c := f.client(t)
	r := c.post("/signin", url.Values{"email": {f.agent.Email}, "password": {password}, "next": {"//evil.example/x"}})
	wantStatus(t, "sign in", r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/" {
		t.Errorf("sign in with an off-site next: redirect to %q, want /", loc)
	}
	cookie := r.header.Get("Set-Cookie")
	for _, attr := range []string{"anchor_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
	var n int
	if err := db.Read.QueryRow(`SELECT COUNT(*) FROM web_sessions`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("sessions stored: %d (%v), want 1", n, err)
	}
	var stored string
	db.Read.QueryRow(`SELECT token FROM web_sessions`).Scan(&stored) //nolint:errcheck
	if strings.Contains(cookie, "anchor_session="+stored+";") {
		t.Error("the store holds the cookie's token itself, not its hash")
	}
	old := c.c.Jar.Cookies(mustURL(t, f.ts.URL))
	wantStatus(t, "signed in", c.get("/"), 200)
	wantStatus(t, "sign out", c.post("/signout", nil), http.StatusSeeOther)
	wantStatus(t, "after sign-out", c.get("/"), http.StatusSeeOther)
	replay := f.client(t)
	replay.c.Jar.SetCookies(mustURL(t, f.ts.URL), old)
	wantStatus(t, "replayed cookie after sign-out", replay.get("/"), http.StatusSeeOther)
	if err := db.Read.QueryRow(`SELECT COUNT(*) FROM web_sessions`).Scan(&n); err != nil || n != 0 {
		t.Errorf("sessions stored after sign-out: %d (%v), want 0", n, err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestLockout: after five failures an account waits 30 s, then twice as
// long after each further failure; a locked-out attempt is refused even
// with the right password; an unknown email is treated the same, so the
// lockout reveals nothing; a success clears the count.
func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := &storetest.Clock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
		db.Now = clock.Now
		f := newFixture(t, db)
		c := f.client(t)
		try := func(email, pw string) response {
			t.Helper()
			clock.Advance(time.Second)
			return c.post("/signin", url.Values{"email": {email}, "password": {pw}})
		}
		for _, email := range []string{f.agent.Email, "nobody@example.com"} {
			for i := 1; i <= 4; i++ {
				wantStatus(t, "failure", try(email, "wrong password"), http.StatusUnauthorized)
			}
			r := try(email, "wrong password")
			wantStatus(t, "fifth failure", r, http.StatusUnauthorized)
			wantBody(t, "fifth failure", r, "Wrong email or password.", "wait 30 seconds")
			r = try(email, password)
			wantStatus(t, "right password while locked out", r, http.StatusTooManyRequests)
			wantBody(t, "locked out", r, "Too many failed sign-ins")
			if r.header.Get("Retry-After") == "" {
				t.Error("a locked-out response has no Retry-After")
			}
		}
		clock.Advance(30 * time.Second)
		r := try(f.agent.Email, "wrong again")
		wantBody(t, "sixth failure", r, "wait 1 minute")
		clock.Advance(30 * time.Second)
		wantStatus(t, "after 30 s of a 1 min backoff", try(f.agent.Email, password), http.StatusTooManyRequests)
		clock.Advance(31 * time.Second)
		wantStatus(t, "after the backoff", try(f.agent.Email, password), http.StatusSeeOther)
		// The success cleared the count: one new failure does not lock.
		c2 := f.client(t)
		clock.Advance(time.Second)
		wantStatus(t, "failure after success", c2.post("/signin", url.Values{"email": {f.agent.Email}, "password": {"nope"}}), http.StatusUnauthorized)
		clock.Advance(time.Second)
		c2.signIn(f.agent.Email)
		var n int
		if err := db.Read.QueryRow(`SELECT COUNT(*) FROM web_signin_attempts WHERE result = 'locked'`).Scan(&n); err != nil || n != 3 {
			t.Errorf("locked attempts recorded: %d (%v), want 3", n, err)
		}
	})
}
