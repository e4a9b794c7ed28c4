package cases_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/notify"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

// The fixture's segment is "enterprise" and its department "finance".
const slaMatrix = `{
  "calendars": [{"name": "uk", "timezone": "Europe/London",
    "hours": {"mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]]}}],
  "segments": {"enterprise": {"priorities": {
    "normal": {"first_response": "4h", "next_update": "8h", "resolution": "16h", "callback_window": "2h", "calendar": "uk"},
    "urgent": {"first_response": "1h", "resolution": "4h", "calendar": "24x7"}}}},
  "departments": {"finance": {"accept_within": "2h", "complete_within": "8h", "calendar": "uk"}}
}`

func withMatrix(t *testing.T, f *fixture) {
	t.Helper()
	m, err := servicelevel.ParseMatrix([]byte(slaMatrix))
	if err != nil {
		t.Fatal(err)
	}
	levels := &servicelevel.Service{DB: f.db}
	if _, err := levels.Import(context.Background(), anchor.Actor{}, m); err != nil {
		t.Fatal(err)
	}
	f.svc.Levels = levels
	f.svc.Notifier = &notify.Service{DB: f.db}
}

func rfc(t *time.Time) string {
	if t == nil {
		return "<nil>"
	}
	return t.UTC().Format(time.RFC3339)
}

func TestCaseClocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db) // Monday 23 November 2026, 09:00 UTC (= London)
		withMatrix(t, f)
		f.clock.T = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC) // Friday 15:00
		c, err := f.svc.Create(ctx, f.agent.Actor(), cases.NewCase{CustomerID: f.customer.ID, Subject: "Invoice", Channel: "email"})
		if err != nil {
			t.Fatal(err)
		}
		// 4h from Friday 15:00: 2h Friday, 2h Monday. 16h: 2 + 8 + 6.
		if c.SLA == nil || rfc(c.SLA.FirstResponse.DueAt) != "2026-11-23T11:00:00Z" || rfc(c.SLA.Resolution.DueAt) != "2026-11-24T15:00:00Z" {
			t.Fatalf("clocks at creation: %+v", c.SLA)
		}
		if c.SLAState != "ok" || c.SLA.NextUpdate.Owed() {
			t.Fatalf("state %s, next update owed before any response: %+v", c.SLAState, c.SLA.NextUpdate)
		}

		// Priority urgent: targets recomputed from creation, 24/7 (30 min of
		// the hour gone: still ok, at risk from 15:45).
		f.clock.T = time.Date(2026, 11, 20, 15, 30, 0, 0, time.UTC)
		urgent := "urgent"
		c, err = f.svc.Update(ctx, f.agent.Actor(), c.ID, cases.Update{Priority: &urgent, Version: c.Version})
		if err != nil {
			t.Fatal(err)
		}
		if rfc(c.SLA.FirstResponse.DueAt) != "2026-11-20T16:00:00Z" || rfc(c.SLA.Resolution.DueAt) != "2026-11-20T19:00:00Z" || c.SLAState != "ok" {
			t.Fatalf("after priority change: %s %+v", c.SLAState, c.SLA)
		}
		normal := "normal"
		c, err = f.svc.Update(ctx, f.agent.Actor(), c.ID, cases.Update{Priority: &normal, Version: c.Version})
		if err != nil {
			t.Fatal(err)
		}

		// A reply on Monday 10:00 meets first response; next update due 8h later.
		f.clock.T = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		if _, err := f.svc.AddMessage(ctx, f.agent.Actor(), c.ID, cases.NewMessage{Body: "On it", Visibility: "public"}); err != nil {
			t.Fatal(err)
		}
		c, _ = f.svc.Get(ctx, c.ID)
		if c.SLA.FirstResponse.State != "met" || rfc(c.SLA.NextUpdate.DueAt) != "2026-11-24T10:00:00Z" {
			t.Fatalf("after the reply: %+v", c.SLA)
		}

		// Waiting on the customer from Monday 16:00 to Tuesday 10:00 (2
		// business hours): resolution due moves from Tuesday 15:00 to 17:00.
		f.clock.T = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
		pending := "pending_customer"
		c, err = f.svc.Update(ctx, f.agent.Actor(), c.ID, cases.Update{Status: &pending, Version: c.Version})
		if err != nil {
			t.Fatal(err)
		}
		if !c.SLA.Resolution.Paused || c.SLA.Resolution.DueAt != nil || c.SLA.NextUpdate.Owed() {
			t.Fatalf("while waiting on the customer: %+v", c.SLA)
		}
		f.clock.T = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		if _, err := f.svc.AddMessage(ctx, anchor.Actor{}, c.ID, cases.NewMessage{Body: "Here is the PO number", FromCustomer: true}); err != nil {
			t.Fatal(err)
		}
		c, _ = f.svc.Get(ctx, c.ID)
		if c.Status != "open" || c.SLA.Resolution.Paused || rfc(c.SLA.Resolution.DueAt) != "2026-11-24T17:00:00Z" {
			t.Fatalf("after the customer answered: status %s %+v", c.Status, c.SLA.Resolution)
		}
		events, _ := f.svc.Events(ctx, c.ID)
		if last := events[len(events)-1]; last.Type != "status_changed" || events[len(events)-2].Type != "message_added" {
			t.Fatalf("the customer's answer did not reopen the case by an event: %s, %s", events[len(events)-2].Type, last.Type)
		}
	})
}

func TestHandoffAndCallbackClocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		withMatrix(t, f)
		c := f.newCase(t)
		// Friday 16:00: finance (09–17 London) owes acceptance in 2h and
		// completion in 8h of its own hours.
		f.clock.T = time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC)
		h, err := f.svc.SendHandoff(ctx, f.agent.Actor(), c.ID, cases.NewHandoff{DepartmentID: f.finance.ID, Request: "Credit note"})
		if err != nil {
			t.Fatal(err)
		}
		if rfc(h.AcceptDueAt) != "2026-11-23T10:00:00Z" || h.DueAt.Format(time.RFC3339) != "2026-11-23T16:00:00Z" || h.SLA == nil || h.SLA.Accept.State != "ok" {
			t.Fatalf("handoff due in finance's hours: accept %s, complete %s, %+v", rfc(h.AcceptDueAt), h.DueAt.Format(time.RFC3339), h.SLA)
		}
		// A callback without window_end takes the matrix's 2h window.
		start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		cb, err := f.svc.PromiseCallback(ctx, f.agent.Actor(), c.ID, cases.NewCallback{WindowStart: start})
		if err != nil {
			t.Fatal(err)
		}
		if cb.WindowEnd.Format(time.RFC3339) != "2026-11-23T11:00:00Z" || cb.SLA == nil || cb.SLA.State != "ok" {
			t.Fatalf("callback window from the matrix: %+v", cb)
		}
	})
}

// TestEscalation: each change of state is acted on once — an event, a
// notification for the owner and the owner's supervisor, a signed webhook.
func TestEscalation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		withMatrix(t, f)
		us := &users.Service{DB: db, KDF: users.TestKDF}
		boss, err := us.Create(ctx, users.NewUser{Email: "boss@example.com", Name: "Boss", Role: "supervisor"})
		if err != nil {
			t.Fatal(err)
		}
		agent, err := us.Create(ctx, users.NewUser{Email: "eve@example.com", Name: "Eve", Role: "agent", SupervisorID: boss.ID})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var received []map[string]any
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if !notify.Verify("0123456789abcdef0123", r.Header.Get("X-Anchor-Timestamp"), body, r.Header.Get("X-Anchor-Signature")) {
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
			var m map[string]any
			json.Unmarshal(body, &m)
			mu.Lock()
			received = append(received, m)
			mu.Unlock()
		}))
		defer hook.Close()
		ns := f.svc.Notifier.(*notify.Service)
		if _, err := ns.CreateWebhook(ctx, notify.NewWebhook{URL: hook.URL, Secret: "0123456789abcdef0123"}); err != nil {
			t.Fatal(err)
		}

		f.clock.T = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // Monday 09:00
		urgent := "urgent"
		c, err := f.svc.Create(ctx, agent.Actor(), cases.NewCase{CustomerID: f.customer.ID, Subject: "Outage", Channel: "email", Priority: urgent, OwnerID: agent.ID})
		if err != nil {
			t.Fatal(err)
		}
		run := func() cases.Escalation {
			t.Helper()
			e, err := f.svc.Escalate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		if e := run(); e.AtRisk+e.Breached != 0 {
			t.Fatalf("escalated a fresh case: %+v", e)
		}
		f.clock.T = f.clock.T.Add(46 * time.Minute) // first response (1h) at risk after 45 min
		if e := run(); e.AtRisk != 1 || e.Breached != 0 {
			t.Fatalf("at 46 min: %+v, want one at-risk", e)
		}
		if e := run(); e.Checked != 0 {
			t.Fatalf("a second run acted again: %+v", e)
		}
		// Nobody ran the job while resolution was at risk: it goes straight
		// to breached, and only what is true now is announced.
		f.clock.T = f.clock.T.Add(4 * time.Hour)
		e := run()
		if e.Breached != 2 || e.AtRisk != 0 {
			t.Fatalf("at 4h46: %+v, want first response and resolution breached", e)
		}
		if e := run(); e.Checked != 0 {
			t.Fatalf("a third run acted again: %+v", e)
		}
		events, _ := f.svc.Events(ctx, c.ID)
		kinds := map[string]int{}
		for _, ev := range events {
			kinds[ev.Type]++
		}
		if kinds["sla_at_risk"] != 1 || kinds["sla_breached"] != 2 {
			t.Fatalf("escalation events = %v", kinds)
		}
		for _, u := range []string{agent.ID, boss.ID} {
			list, _, err := ns.List(ctx, u, true, store.Page{})
			if err != nil || len(list) != 3 {
				t.Fatalf("%s has %d notifications (%v), want 3", u, len(list), err)
			}
		}
		n, err := ns.Deliver(ctx, 100)
		if err != nil || n != 3 {
			t.Fatalf("delivered %d webhooks (%v), want 3", n, err)
		}
		if n, _ := ns.Deliver(ctx, 100); n != 0 {
			t.Fatalf("redelivered %d", n)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(received) != 3 || received[0]["case_id"] != c.ID {
			t.Fatalf("webhook received %v", received)
		}
	})
}

// Two servers on one PostgreSQL never escalate the same change twice.
func TestEscalationTwoServers(t *testing.T) {
	db := storetest.OpenPostgres(t)
	ctx := context.Background()
	f := newFixture(t, db)
	withMatrix(t, f)
	urgent := "urgent"
	const n = 120
	for i := 0; i < n; i++ {
		if _, err := f.svc.Create(ctx, f.agent.Actor(), cases.NewCase{CustomerID: f.customer.ID, Subject: "x", Channel: "web", Priority: urgent}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(5 * time.Hour) // every clock of every case breached
	var schema string
	if err := db.Read.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]cases.Escalation, 2)
	for i := range results {
		other, err := store.Open(ctx, storetest.WithSearchPath(storetest.PostgresDSN(t), schema))
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		other.Now = f.clock.Now
		svc := &cases.Service{DB: other, Levels: &servicelevel.Service{DB: other}}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			e, err := svc.Escalate(ctx)
			if err != nil {
				t.Error(err)
			}
			results[i] = e
		}(i)
	}
	wg.Wait()
	total := results[0].Breached + results[1].Breached
	if total != 2*n {
		t.Fatalf("two servers escalated %d + %d breaches, want exactly %d", results[0].Breached, results[1].Breached, 2*n)
	}
	var events int
	if err := db.Read.QueryRow(`SELECT COUNT(*) FROM case_events WHERE type = 'sla_breached'`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != 2*n {
		t.Fatalf("%d sla_breached events, want %d", events, 2*n)
	}
}
