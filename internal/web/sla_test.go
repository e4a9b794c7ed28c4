package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"anchor/internal/calendar"
	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// fixtureMatrix is the fixture's service matrix: the high-priority case
// "Charged twice" is owed a first response in 1 h, an update every 4 h and
// a resolution in 8 h, around the clock; Finance accepts within 1 h and
// completes within 8 h.
const fixtureMatrix = `
calendars:
  - name: office
    timezone: Europe/London
    hours: {mon: [["09:00","17:00"]], tue: [["09:00","17:00"]], wed: [["09:00","17:00"]], thu: [["09:00","17:00"]], fri: [["09:00","17:00"]]}
    holidays: ["2026-12-25"]
segments:
  Enterprise:
    priorities:
      urgent: {first_response: 30m, next_update: 2h, resolution: 4h}
      high: {first_response: 1h, next_update: 4h, resolution: 8h, callback_window: 1h}
      normal: {first_response: 1h30m, next_update: 8h, resolution: 24h, calendar: office}
    relationship_contacts: {every_days: 7, required_fields: [topics, next_steps]}
departments:
  Finance: {accept_within: 1h, complete_within: 8h}
  Legal: {complete_within: 48h}
`

// testClock is a settable clock for DB.Now that the server may read while
// a test moves it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// withClock sets db's clock to a Monday morning and returns it.
func withClock(db *store.DB) *testClock {
	c := &testClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	return c
}

// before reports whether a comes before b in body, both present.
func before(t *testing.T, what, body, a, b string) {
	t.Helper()
	i, j := strings.Index(body, a), strings.Index(body, b)
	if i < 0 || j < 0 || i > j {
		t.Errorf("%s: want %q (at %d) before %q (at %d)", what, a, i, b, j)
	}
}

// TestServiceLevelsShown: the workspace, the case page, the inbox and the
// customer 360 show each clock's state and due time, ranked by urgency,
// and move as time passes; escalations become notifications in the bell
// and on their page, which the user marks read.
func TestServiceLevelsShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := withClock(db)
		f := newFixture(t, db)
		ctx := context.Background()
		// A normal-priority case, due later, and one for a customer whose
		// segment the matrix owes nothing.
		calm, err := f.web.Cases.Create(ctx, f.agent.Actor(), cases.NewCase{CustomerID: f.customer.ID, Subject: "Question about invoices", Channel: "email", Priority: "normal"})
		if err != nil {
			t.Fatal(err)
		}
		smb, err := f.web.Customers.CreateSegment(ctx, customers.NewSegment{Name: "SMB"})
		if err != nil {
			t.Fatal(err)
		}
		small, err := f.web.Customers.Create(ctx, f.agent.Actor(), customers.NewCustomer{Name: "Corner Shop", SegmentID: smb.ID, OwnerID: f.agent.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.web.Cases.Create(ctx, f.agent.Actor(), cases.NewCase{CustomerID: small.ID, Subject: "Untracked request", Channel: "email", Priority: "urgent"}); err != nil {
			t.Fatal(err)
		}

		c := f.client(t)
		c.signIn(f.agent.Email)
		r := c.get("/")
		wantStatus(t, "workspace", r, 200)
		wantBody(t, "workspace", r, "First response:", "Next update:", "On track", "none applies", "Window 09:01–10:00")
		// All on track: the earliest due clock first. The normal case's
		// first response (1h30m of office hours from 09:00 London, 10:30)
		// comes before the high case's next update (4 h after its first
		// response, 13:00); the untracked urgent case last.
		before(t, "workspace on track", r.body, "Question about invoices", "Charged twice")
		before(t, "workspace on track", r.body, "Charged twice", "Untracked request")

		// A reply meets the normal case's first response; its next update
		// is due in 8 office hours (17:00). At 13:30 the high case's next
		// update is breached and it comes first.
		wantStatus(t, "reply", c.post("/cases/"+calm.ID+"/messages", url.Values{"body": {"Looking into it"}, "kind": {"reply"}}), http.StatusSeeOther)
		clock.Advance(4*time.Hour + 30*time.Minute)
		r = c.get("/")
		wantBody(t, "workspace at 13:30", r, `<span class="badge breached"><span aria-hidden="true">✕</span> Breached</span>`,
			`<span class="clock-name">Next update:</span> <span class="badge breached">`, "was due", "Mon 2 Mar 13:00")
		before(t, "workspace at 13:30", r.body, "Charged twice", "Question about invoices")
		before(t, "workspace at 13:30", r.body, "Question about invoices", "Untracked request")

		r = c.get("/cases/" + f.kase.ID)
		wantBody(t, "case at 13:30", r, "First response</dt><dd>", "Met", "Next update</dt><dd>", "Breached", "was due", "Resolution</dt><dd>", "due <time")
		r = c.get("/customers/" + f.customer.ID)
		wantBody(t, "customer 360", r, "Service-level performance",
			`<th scope="row">First response</th><td class="num">2</td><td class="num">0</td>`,
			`<th scope="row">Next update</th><td class="num">0</td><td class="num">1</td><td class="num">1</td>`)

		// The inbox ranks Finance's breached handoff before Legal's.
		adm := f.client(t)
		adm.signIn(f.admin.Email)
		r = adm.get("/inbox")
		wantBody(t, "inbox", r, "1 breached", "Accept:", "Complete:")
		before(t, "inbox", r.body, "Refund the second charge", "Secret legal matter")

		// The escalation job turns the changes into notifications.
		if _, err := f.web.Cases.Escalate(ctx); err != nil {
			t.Fatal(err)
		}
		r = c.get("/notifications")
		wantStatus(t, "notifications", r, 200)
		wantBody(t, "notifications", r, "Next update", "on “Charged twice”", "Mark all read", `href="/cases/`+f.kase.ID+`"`)
		unread := regexp.MustCompile(`<span class="count">(\d+)</span>`).FindStringSubmatch(r.body)
		if unread == nil {
			t.Fatalf("no unread count in the bell: %s", excerpt(r.body))
		}
		ids := regexp.MustCompile(`action="/notifications/([^/"]+)/read"`).FindAllStringSubmatch(r.body, -1)
		if len(ids) < 2 || itoa(len(ids)) != unread[1] {
			t.Fatalf("notifications listed: %d, bell says %s", len(ids), unread[1])
		}
		// Nobody else may mark them.
		other := f.client(t)
		other.signIn(f.director.Email)
		wantStatus(t, "someone else's notification", other.post("/notifications/"+ids[0][1]+"/read", nil), http.StatusNotFound)
		r = c.post("/notifications/"+ids[0][1]+"/read", nil)
		wantStatus(t, "mark read", r, http.StatusSeeOther)
		r = c.get("/notifications")
		wantBody(t, "after one read", r, "Notification marked read.", `<span class="count">`+itoa(len(ids)-1)+`</span>`)
		wantStatus(t, "mark all read", c.post("/notifications/read", nil), http.StatusSeeOther)
		r = c.get("/notifications")
		wantBody(t, "after all read", r, "All notifications marked read.", "No unread notifications.", "none unread")
		r = c.get("/notifications?show=all")
		wantBody(t, "all notifications", r, "Breached")
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestMatrixEdit: the matrix is edited as one document; one with problems
// is refused whole with every problem listed by its path and the stored
// matrix kept; one based on an old version is refused with the text kept.
func TestMatrixEdit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		c := f.client(t)
		c.signIn(f.director.Email)
		before, err := f.web.Levels.Export(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bad := `segments:
  Enterprise:
    priorities:
      high: {first_response: 9h, resolution: 8h}
      someday: {resolution: 1h}
  Nope: {}
departments:
  Finance: {complete_within: 8h, calendar: moon}
`
		r := c.post("/admin/service-matrix", url.Values{"document": {bad}, "version": {itoa(before.Version)}})
		wantStatus(t, "matrix with problems", r, http.StatusUnprocessableEntity)
		wantBody(t, "matrix with problems", r, "Nothing was saved", "problem(s)", "The stored matrix is unchanged",
			"<code>segments.Enterprise.priorities.high.first_response</code>: is longer than the resolution target 8h",
			"<code>segments.Enterprise.priorities.someday</code>: not a priority",
			"<code>segments.Nope</code>: no such segment",
			"<code>departments.Finance.calendar</code>: no calendar named &#34;moon&#34;",
			"<code>departments.Legal</code>: missing",
			"Nope: {}") // the document as typed, kept in the textarea
		after, err := f.web.Levels.Export(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if after.Version != before.Version || after.Segments["Enterprise"].Priorities["high"] != before.Segments["Enterprise"].Priorities["high"] {
			t.Errorf("a refused matrix changed the stored one: version %d → %d", before.Version, after.Version)
		}
		// Not YAML at all.
		r = c.post("/admin/service-matrix", url.Values{"document": {"segments: [unclosed"}, "version": {itoa(before.Version)}})
		wantStatus(t, "not YAML", r, http.StatusUnprocessableEntity)
		wantBody(t, "not YAML", r, "Nothing was saved")

		// A good edit: the document from the edit page, one target changed.
		page := c.get("/admin/service-matrix/edit")
		doc := regexp.MustCompile(`(?s)<textarea id="m-doc"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page.body)
		if doc == nil {
			t.Fatal("no document on the edit page")
		}
		text := html.UnescapeString(doc[1])
		edited := strings.Replace(text, "resolution: 8h", "resolution: 6h", 1)
		if edited == text {
			t.Fatalf("the edit page's document lacks the high resolution target:\n%s", text)
		}
		r = c.post("/admin/service-matrix", url.Values{"document": {edited}, "version": {itoa(before.Version)}})
		wantStatus(t, "good matrix", r, http.StatusSeeOther)
		r = c.get(r.header.Get("Location"))
		wantBody(t, "matrix page", r, "Service matrix saved (version "+itoa(before.Version+1)+")", "6h")
		// The same edit again, based on the version it replaced.
		r = c.post("/admin/service-matrix", url.Values{"document": {edited + "# again\n"}, "version": {itoa(before.Version)}})
		wantStatus(t, "stale matrix", r, http.StatusConflict)
		wantBody(t, "stale matrix", r, "Someone else changed this", "# again", "The current matrix (version "+itoa(before.Version+1)+")",
			`name="version" value="`+itoa(before.Version+1)+`"`)
	})
}

// TestCalendarAdmin: a calendar form with problems comes back with each
// problem at its field and nothing saved; a good one is saved; an edit
// based on an old version and a new calendar named like an existing one
// are refused; a calendar in use cannot be deleted.
func TestCalendarAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		c := f.client(t)
		c.signIn(f.director.Email)
		form := url.Values{"name": {"support"}, "timezone": {"Mars/Olympus"}, "hours_mon": {"17:00-09:00"}, "hours_tue": {"9to5"},
			"hours_wed": {"08:00-12:00, 11:00-16:00"}, "holidays": {"2026-02-30"}, "recurring_holidays": {"12-25"}, "version": {"0"}}
		r := c.post("/admin/calendars", form)
		wantStatus(t, "bad calendar", r, http.StatusUnprocessableEntity)
		wantBody(t, "bad calendar", r, "Nothing was saved",
			`id="cal-timezone" name="timezone" type="text" required value="Mars/Olympus" aria-invalid="true"`,
			`<p class="field-error">unknown time zone &#34;Mars/Olympus&#34;</p>`,
			`<p class="field-error">end 09:00 must be after start 17:00</p>`,
			`<p class="field-error">&#34;9to5&#34; is not a span: write it as 09:00-17:30</p>`,
			"overlaps", `<a href="#cal-holidays">holidays[0]</a>`, `value="08:00-12:00, 11:00-16:00"`)
		if _, err := f.web.Levels.CalendarByName(ctx, "support"); err == nil {
			t.Error("a refused calendar was saved")
		}
		r = c.post("/admin/calendars", url.Values{"name": {""}, "timezone": {"UTC"}, "version": {"0"}})
		wantStatus(t, "calendar without name or hours", r, http.StatusUnprocessableEntity)
		wantBody(t, "calendar without name or hours", r, `<a href="#cal-name">name</a>: required`, "no opening hours on any day of the week")

		good := url.Values{"name": {"support"}, "timezone": {"Europe/Paris"}, "hours_mon": {"08:00-12:00, 13:00–18:00"}, "hours_sat": {"09:00-12:00"},
			"holidays": {"2026-05-01\n2026-07-14"}, "recurring_holidays": {"12-25, 01-01"}, "version": {"0"}}
		r = c.post("/admin/calendars", good)
		wantStatus(t, "good calendar", r, http.StatusSeeOther)
		wantBody(t, "calendars", c.get("/admin/calendars"), "Calendar support created.", "Europe/Paris", "08:00-12:00, 13:00-18:00", "2026-05-01, 2026-07-14")
		// A second "new" support calendar does not replace the first.
		r = c.post("/admin/calendars", good)
		wantStatus(t, "duplicate calendar", r, http.StatusUnprocessableEntity)
		wantBody(t, "duplicate calendar", r, "exists already")

		// Someone else edits it; an edit based on version 1 is refused.
		cal, err := f.web.Levels.CalendarByName(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		cal.Holidays = append(cal.Holidays, calendar.Date{Year: 2026, Month: 8, Day: 15})
		if _, err := f.web.Levels.PutCalendar(ctx, cal.Calendar); err != nil {
			t.Fatal(err)
		}
		good.Set("version", "1")
		good.Set("hours_sun", "10:00-11:00")
		r = c.post("/admin/calendars", good)
		wantStatus(t, "stale calendar", r, http.StatusConflict)
		wantBody(t, "stale calendar", r, "Someone else changed this", `value="10:00-11:00"`, `name="version" value="2"`)
		good.Set("version", "2")
		wantStatus(t, "calendar edit", c.post("/admin/calendars", good), http.StatusSeeOther)
		if cal, _ := f.web.Levels.CalendarByName(ctx, "support"); len(cal.Hours[time.Sunday]) != 1 {
			t.Errorf("the edit did not save: Sunday %v", cal.Hours[time.Sunday])
		}

		r = c.post("/admin/calendars/office/delete", nil)
		wantStatus(t, "delete a calendar in use", r, http.StatusConflict)
		wantBody(t, "delete a calendar in use", r, "is used by 1 target")
		r = c.post("/admin/calendars/support/delete", nil)
		wantStatus(t, "delete", r, http.StatusSeeOther)
		if _, err := f.web.Levels.CalendarByName(ctx, "support"); err == nil {
			t.Error("the calendar was not deleted")
		}
	})
}

// TestRelationshipContact: logging a proactive contact without a field the
// segment requires is refused with the field named and what was typed
// kept; a complete one resets the account's clock.
func TestRelationshipContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := withClock(db)
		f := newFixture(t, db)
		clock.Advance(8 * 24 * time.Hour)
		c := f.client(t)
		c.signIn(f.agent.Email)
		r := c.get("/")
		wantBody(t, "workspace", r, "Acme &lt;Widgets&gt; &amp; Co", "overdue since", "never contacted", `name="fields.topics"`, `name="fields.next_steps"`)
		path := "/customers/" + f.customer.ID + "/relationship-contacts"
		r = c.post(path, url.Values{"channel": {"visit"}, "fields.topics": {"renewal <2027>"}, "from": {"workspace"}})
		wantStatus(t, "missing field", r, http.StatusUnprocessableEntity)
		wantBody(t, "missing field", r, "Next steps: is required by the segment&#39;s relationship contact policy", "renewal &lt;2027&gt;",
			`name="fields.next_steps" rows="2" required aria-invalid="true"`, "My open cases")
		r = c.post(path, url.Values{"channel": {"visit"}, "fields.topics": {"renewal"}, "fields.next_steps": {"  "}, "from": {"customer"}})
		wantStatus(t, "blank field, from the customer page", r, http.StatusUnprocessableEntity)
		wantBody(t, "blank field, from the customer page", r, "Next steps: is required", "Owner and its history")
		r = c.post(path, url.Values{"channel": {"teleport"}, "fields.topics": {"a"}, "fields.next_steps": {"b"}})
		wantStatus(t, "bad channel", r, http.StatusUnprocessableEntity)
		wantBody(t, "bad channel", r, "Channel: must be one of")

		r = c.post(path, url.Values{"channel": {"visit"}, "summary": {"lunch"}, "fields.topics": {"renewal"}, "fields.next_steps": {"send a quote"}, "from": {"customer"}})
		wantStatus(t, "log contact", r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != "/customers/"+f.customer.ID+"#relationship" {
			t.Errorf("after logging from the customer page: redirect to %q", loc)
		}
		r = c.get("/customers/" + f.customer.ID)
		wantBody(t, "customer after contact", r, "Proactive contact logged.", "Last contact</dt><dd><time", "Next due</dt><dd>"+
			`<span class="badge ok"><span aria-hidden="true">◷</span> On track</span>`)
		due, err := f.web.Levels.DueRelationshipContacts(context.Background(), f.agent.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 0 {
			t.Errorf("after the contact, due now: %+v", due)
		}
	})
}

// TestWebhookAdmin: an admin adds a webhook and sees its secret once, and
// stops it; a bad URL is refused with the field named.
func TestWebhookAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client(t)
		c.signIn(f.admin.Email)
		r := c.post("/admin/webhooks", url.Values{"url": {"ftp://example.com/x"}, "secret": {"short"}})
		wantStatus(t, "bad webhook", r, http.StatusUnprocessableEntity)
		wantBody(t, "bad webhook", r, "Url: must be an http or https URL", `value="ftp://example.com/x"`)
		r = c.post("/admin/webhooks", url.Values{"url": {"https://example.com/hook"}, "secret": {"short"}})
		wantStatus(t, "short secret", r, http.StatusUnprocessableEntity)
		if strings.Contains(r.body, `value="short"`) {
			t.Error("a refused secret is echoed back")
		}
		r = c.post("/admin/webhooks", url.Values{"url": {"https://example.com/hook"}})
		wantStatus(t, "add webhook", r, 200)
		wantBody(t, "add webhook", r, "shown this once", "https://example.com/hook", "active")
		secret := regexp.MustCompile(`<p class="secret" id="secret">([0-9a-f]{64})</p>`).FindStringSubmatch(r.body)
		if secret == nil {
			t.Fatalf("no secret shown: %s", excerpt(r.body))
		}
		if strings.Contains(c.get("/admin/webhooks").body, secret[1]) {
			t.Error("the secret is shown again")
		}
		hooks, err := f.web.Notify.Webhooks(context.Background())
		if err != nil || len(hooks) != 1 {
			t.Fatalf("webhooks: %v %v", hooks, err)
		}
		wantStatus(t, "stop", c.post("/admin/webhooks/"+hooks[0].ID+"/stop", nil), http.StatusSeeOther)
		wantBody(t, "after stop", c.get("/admin/webhooks"), "Webhook stopped", "stopped")
		wantStatus(t, "stop unknown", c.post("/admin/webhooks/nope/stop", nil), http.StatusNotFound)
	})
}
