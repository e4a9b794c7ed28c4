package cases_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/departments"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// fixture is a small world: one segment, an agent who owns one customer, a
// supervisor, a finance department with a 4h/24h service level and one of
// its members.
type fixture struct {
	db         *store.DB
	clock      *storetest.Clock
	svc        *cases.Service
	agent      users.User
	supervisor users.User
	finance    departments.Department
	member     users.User
	customer   customers.Customer
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := &storetest.Clock{T: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	db.Now = clock.Now
	us := &users.Service{DB: db, KDF: users.TestKDF}
	f := &fixture{db: db, clock: clock, svc: &cases.Service{DB: db}}
	var err error
	f.finance, err = (&departments.Service{DB: db}).Create(ctx, departments.NewDepartment{Name: "finance", AcceptWithinSeconds: 4 * 3600, CompleteWithinSeconds: 24 * 3600})
	must(t, err)
	f.agent, err = us.Create(ctx, users.NewUser{Email: "ana@example.com", Name: "Ana", Role: users.RoleAgent})
	must(t, err)
	f.supervisor, err = us.Create(ctx, users.NewUser{Email: "sam@example.com", Name: "Sam", Role: users.RoleSupervisor})
	must(t, err)
	f.member, err = us.Create(ctx, users.NewUser{Email: "fin@example.com", Name: "Fin", Role: users.RoleDepartment, DepartmentID: f.finance.ID})
	must(t, err)
	cs := &customers.Service{DB: db}
	seg, err := cs.CreateSegment(ctx, customers.NewSegment{Name: "enterprise"})
	must(t, err)
	f.customer, err = cs.Create(ctx, f.agent.Actor(), customers.NewCustomer{Name: "Acme", SegmentID: seg.ID, OwnerID: f.agent.ID})
	must(t, err)
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s", code)
	}
	if got := anchor.ErrorCode(err); got != code {
		t.Fatalf("code = %s (%v), want %s", got, err, code)
	}
	if field != "" {
		if e, _ := err.(*anchor.Error); e == nil || e.Field != field {
			t.Fatalf("err = %v, want field %s", err, field)
		}
	}
}

func (f *fixture) newCase(t *testing.T) cases.Case {
	t.Helper()
	c, err := f.svc.Create(context.Background(), f.agent.Actor(), cases.NewCase{CustomerID: f.customer.ID, Subject: "Invoice wrong", Channel: "phone"})
	must(t, err)
	return c
}

func TestCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		t.Run("OwnerDefaultsToAccountOwner", func(t *testing.T) {
			c, err := f.svc.Create(ctx, f.supervisor.Actor(), cases.NewCase{CustomerID: f.customer.ID, Subject: " Refund ", Channel: "email",
				FirstContact: &cases.NewContact{}})
			must(t, err)
			if c.OwnerID != f.agent.ID || c.Status != "new" || c.Priority != "normal" || c.Subject != "Refund" || c.Version != 1 {
				t.Fatalf("case = %+v", c)
			}
			if c.ContactCount != 1 || c.FirstResponseAt != nil {
				t.Fatalf("an inbound email contact: contact_count = %d, first_response_at = %v; want 1, nil", c.ContactCount, c.FirstResponseAt)
			}
			contacts, err := f.svc.Contacts(ctx, c.ID)
			must(t, err)
			if len(contacts) != 1 || contacts[0].Channel != "email" || contacts[0].Direction != "inbound" || contacts[0].AgentID != f.supervisor.ID {
				t.Fatalf("contacts = %+v", contacts)
			}
		})
		t.Run("PhoneContactIsAResponse", func(t *testing.T) {
			c, err := f.svc.Create(ctx, f.agent.Actor(), cases.NewCase{CustomerID: f.customer.ID, Subject: "Where is my order", Channel: "phone",
				FirstContact: &cases.NewContact{}})
			must(t, err)
			if c.FirstResponseAt == nil || !c.FirstResponseAt.Equal(f.clock.T) {
				t.Fatalf("first_response_at = %v, want %v", c.FirstResponseAt, f.clock.T)
			}
		})
		for _, tc := range []struct {
			name  string
			n     cases.NewCase
			code  string
			field string
		}{
			{"NoCustomer", cases.NewCase{Subject: "x", Channel: "phone"}, anchor.EInvalid, "customer_id"},
			{"UnknownCustomer", cases.NewCase{CustomerID: "nope", Subject: "x", Channel: "phone"}, anchor.EInvalid, "customer_id"},
			{"NoSubject", cases.NewCase{CustomerID: f.customer.ID, Subject: "  ", Channel: "phone"}, anchor.EInvalid, "subject"},
			{"BadChannel", cases.NewCase{CustomerID: f.customer.ID, Subject: "x", Channel: "fax"}, anchor.EInvalid, "channel"},
			{"BadPriority", cases.NewCase{CustomerID: f.customer.ID, Subject: "x", Channel: "web", Priority: "asap"}, anchor.EInvalid, "priority"},
			{"DepartmentOwner", cases.NewCase{CustomerID: f.customer.ID, Subject: "x", Channel: "web", OwnerID: f.member.ID}, anchor.EInvalid, "owner_id"},
			{"BadContactDirection", cases.NewCase{CustomerID: f.customer.ID, Subject: "x", Channel: "web", FirstContact: &cases.NewContact{Direction: "sideways"}}, anchor.EInvalid, "first_contact.direction"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var before int
				must(t, db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`).Scan(&before))
				_, err := f.svc.Create(ctx, f.agent.Actor(), tc.n)
				wantCode(t, err, tc.code, tc.field)
				var after int
				must(t, db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`).Scan(&after))
				if after != before {
					t.Fatalf("cases %d → %d: a refused create wrote something", before, after)
				}
			})
		}
	})
}

func TestLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.newCase(t)
		step := func(to string) cases.Case {
			t.Helper()
			f.clock.Advance(time.Minute)
			got, err := f.svc.Update(ctx, f.agent.Actor(), c.ID, cases.Update{Status: &to, Version: c.Version})
			must(t, err)
			c = got
			return got
		}
		step("open")
		step("pending_customer")
		step("open")
		got := step("resolved")
		if got.ResolvedAt == nil || !got.ResolvedAt.Equal(f.clock.T) {
			t.Fatalf("resolved_at = %v, want %v", got.ResolvedAt, f.clock.T)
		}
		got = step("open") // reopen
		if got.ReopenCount != 1 || got.ResolvedAt != nil {
			t.Fatalf("after reopen: reopen_count = %d, resolved_at = %v", got.ReopenCount, got.ResolvedAt)
		}
		step("resolved")
		got = step("closed")
		if got.ClosedAt == nil || len(got.AllowedTransitions) != 0 {
			t.Fatalf("closed case: %+v", got)
		}

		t.Run("IllegalTransitionNamesAllowed", func(t *testing.T) {
			d := f.newCase(t)
			to := "closed"
			_, err := f.svc.Update(ctx, f.agent.Actor(), d.ID, cases.Update{Status: &to, Version: d.Version})
			wantCode(t, err, anchor.EConflict, "status")
			if !strings.Contains(err.Error(), "allowed: open, pending_customer, pending_internal, resolved") {
				t.Fatalf("message %q does not name the allowed statuses", err)
			}
		})
		t.Run("StaleVersion", func(t *testing.T) {
			d := f.newCase(t)
			p := "high"
			_, err := f.svc.Update(ctx, f.agent.Actor(), d.ID, cases.Update{Priority: &p, Version: d.Version})
			must(t, err)
			q := "low"
			_, err = f.svc.Update(ctx, f.agent.Actor(), d.ID, cases.Update{Priority: &q, Version: d.Version})
			wantCode(t, err, anchor.EConflict, "version")
			now, err := f.svc.Get(ctx, d.ID)
			must(t, err)
			if now.Priority != "high" || now.Version != 2 {
				t.Fatalf("after stale update: priority %s version %d, want high 2", now.Priority, now.Version)
			}
		})
		t.Run("ClosedTakesNoMessage", func(t *testing.T) {
			_, err := f.svc.AddMessage(ctx, f.agent.Actor(), c.ID, cases.NewMessage{Body: "hello"})
			wantCode(t, err, anchor.EConflict, "")
		})
	})
}

func TestEventsInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.newCase(t)
		open := "open"
		c, err := f.svc.Update(ctx, f.agent.Actor(), c.ID, cases.Update{Status: &open, OwnerID: &f.supervisor.ID, Version: c.Version})
		must(t, err)
		_, err = f.svc.LogContact(ctx, f.agent.Actor(), c.ID, cases.NewContact{Channel: "email", Direction: "outbound"})
		must(t, err)
		_, err = f.svc.AddMessage(ctx, f.agent.Actor(), c.ID, cases.NewMessage{Body: "We are on it", Visibility: "public"})
		must(t, err)
		h, err := f.svc.SendHandoff(ctx, f.agent.Actor(), c.ID, cases.NewHandoff{DepartmentID: f.finance.ID, Request: "Credit note please"})
		must(t, err)
		_, err = f.svc.UpdateHandoff(ctx, f.member.Actor(), h.ID, cases.HandoffUpdate{Status: ptr("accepted"), Version: h.Version})
		must(t, err)
		cb, err := f.svc.PromiseCallback(ctx, f.agent.Actor(), c.ID, cases.NewCallback{WindowStart: f.clock.T.Add(time.Hour), WindowEnd: f.clock.T.Add(2 * time.Hour)})
		must(t, err)
		_, err = f.svc.UpdateCallback(ctx, f.agent.Actor(), cb.ID, cases.CallbackUpdate{Status: "made", Outcome: "reached", Version: cb.Version})
		must(t, err)

		events, err := f.svc.Events(ctx, c.ID)
		must(t, err)
		want := []string{"case_created", "owner_changed", "status_changed", "contact_logged", "message_added", "handoff_sent", "handoff_accepted", "callback_promised", "callback_made"}
		if len(events) != len(want) {
			t.Fatalf("got %d events, want %d: %+v", len(events), len(want), events)
		}
		for i, e := range events {
			if e.Type != want[i] || e.Seq != i+1 || e.CaseID != c.ID {
				t.Errorf("event %d = %s seq %d, want %s seq %d", i, e.Type, e.Seq, want[i], i+1)
			}
		}
		if events[6].ActorID != f.member.ID {
			t.Errorf("handoff_accepted actor = %s, want the department member %s", events[6].ActorID, f.member.ID)
		}
		var st map[string]string
		must(t, json.Unmarshal(events[2].Data, &st))
		if st["from"] != "new" || st["to"] != "open" {
			t.Errorf("status_changed data = %s", events[2].Data)
		}
		got, err := f.svc.Get(ctx, c.ID)
		must(t, err)
		if got.FirstResponseAt == nil {
			t.Error("an outbound contact did not set first_response_at")
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestHandoffs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.newCase(t)
		h, err := f.svc.SendHandoff(ctx, f.agent.Actor(), c.ID, cases.NewHandoff{DepartmentID: f.finance.ID, Request: "Refund 40 EUR"})
		must(t, err)
		if !h.DueAt.Equal(f.clock.T.Add(24*time.Hour)) || h.AcceptDueAt == nil || !h.AcceptDueAt.Equal(f.clock.T.Add(4*time.Hour)) {
			t.Fatalf("due times from the department's service level: due %v accept %v", h.DueAt, h.AcceptDueAt)
		}
		t.Run("AgentCannotAccept", func(t *testing.T) {
			_, err := f.svc.UpdateHandoff(ctx, f.agent.Actor(), h.ID, cases.HandoffUpdate{Status: ptr("accepted"), Version: h.Version})
			wantCode(t, err, anchor.EForbidden, "")
		})
		t.Run("OtherDepartmentSeesNothing", func(t *testing.T) {
			other := anchor.Actor{UserID: "x", Role: "department", DepartmentID: "legal"}
			_, err := f.svc.UpdateHandoff(ctx, other, h.ID, cases.HandoffUpdate{Status: ptr("accepted"), Version: h.Version})
			wantCode(t, err, anchor.ENotFound, "")
		})
		t.Run("ReturnNeedsReason", func(t *testing.T) {
			_, err := f.svc.UpdateHandoff(ctx, f.member.Actor(), h.ID, cases.HandoffUpdate{Status: ptr("returned"), Version: h.Version})
			wantCode(t, err, anchor.EInvalid, "reason")
		})
		f.clock.Advance(time.Hour)
		h, err = f.svc.UpdateHandoff(ctx, f.member.Actor(), h.ID, cases.HandoffUpdate{Status: ptr("accepted"), Version: h.Version})
		must(t, err)
		h, err = f.svc.UpdateHandoff(ctx, f.member.Actor(), h.ID, cases.HandoffUpdate{Answer: ptr("Refund approved"), Version: h.Version})
		must(t, err)
		f.clock.Advance(30 * time.Hour)
		h, err = f.svc.UpdateHandoff(ctx, f.member.Actor(), h.ID, cases.HandoffUpdate{Status: ptr("completed"), Version: h.Version})
		must(t, err)
		if h.Status != "completed" || !h.Late || h.Answer != "Refund approved" || h.AcceptedBy != f.member.ID {
			t.Fatalf("completed 31h after sending against 24h: %+v", h)
		}
		_, err = f.svc.UpdateHandoff(ctx, f.member.Actor(), h.ID, cases.HandoffUpdate{Status: ptr("returned"), Reason: "x", Version: h.Version})
		wantCode(t, err, anchor.EConflict, "status")

		t.Run("DueRequiredWithoutServiceLevel", func(t *testing.T) {
			legal, err := (&departments.Service{DB: db}).Create(ctx, departments.NewDepartment{Name: "legal"})
			must(t, err)
			_, err = f.svc.SendHandoff(ctx, f.agent.Actor(), c.ID, cases.NewHandoff{DepartmentID: legal.ID, Request: "Check contract"})
			wantCode(t, err, anchor.EInvalid, "due_at")
			due := f.clock.T.Add(48 * time.Hour)
			h2, err := f.svc.SendHandoff(ctx, f.agent.Actor(), c.ID, cases.NewHandoff{DepartmentID: legal.ID, Request: "Check contract", DueAt: &due})
			must(t, err)
			if !h2.DueAt.Equal(due) || h2.AcceptDueAt != nil {
				t.Fatalf("given due: %+v", h2)
			}
			list, _, err := f.svc.Handoffs(ctx, cases.HandoffFilter{DepartmentID: f.finance.ID})
			must(t, err)
			if len(list) != 1 || list[0].ID != h.ID {
				t.Fatalf("finance queue = %+v, want only %s", list, h.ID)
			}
			open, _, err := f.svc.Handoffs(ctx, cases.HandoffFilter{CaseID: c.ID, Open: true})
			must(t, err)
			if len(open) != 1 || open[0].ID != h2.ID {
				t.Fatalf("open handoffs of the case = %+v, want only %s", open, h2.ID)
			}
		})
	})
}

func TestCallbacks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.newCase(t)
		t0 := f.clock.T
		promise := func(from, to time.Duration) cases.Callback {
			t.Helper()
			cb, err := f.svc.PromiseCallback(ctx, f.agent.Actor(), c.ID, cases.NewCallback{WindowStart: t0.Add(from), WindowEnd: t0.Add(to), Phone: "+44 20 7946 0000"})
			must(t, err)
			return cb
		}
		onTime := promise(time.Hour, 2*time.Hour)
		late := promise(time.Hour, 2*time.Hour)
		never := promise(3*time.Hour, 4*time.Hour)
		tomorrow := promise(26*time.Hour, 27*time.Hour)
		if onTime.OwnerID != f.agent.ID {
			t.Fatalf("owner = %s, want the case owner", onTime.OwnerID)
		}
		_, err := f.svc.PromiseCallback(ctx, f.agent.Actor(), c.ID, cases.NewCallback{WindowStart: t0.Add(2 * time.Hour), WindowEnd: t0.Add(time.Hour)})
		wantCode(t, err, anchor.EInvalid, "window_end")

		f.clock.Advance(90 * time.Minute)
		got, err := f.svc.UpdateCallback(ctx, f.agent.Actor(), onTime.ID, cases.CallbackUpdate{Status: "made", Outcome: "reached", Version: onTime.Version})
		must(t, err)
		if got.Late || got.MadeBy != f.agent.ID || got.MadeAt == nil {
			t.Fatalf("made inside window: %+v", got)
		}
		_, err = f.svc.UpdateCallback(ctx, f.agent.Actor(), late.ID, cases.CallbackUpdate{Status: "made", Outcome: "later", Version: late.Version})
		wantCode(t, err, anchor.EInvalid, "outcome")
		f.clock.Advance(time.Hour) // 2h30 after t0: past late's window
		got, err = f.svc.UpdateCallback(ctx, f.agent.Actor(), late.ID, cases.CallbackUpdate{Status: "made", Outcome: "no_answer", Version: late.Version})
		must(t, err)
		if !got.Late {
			t.Fatalf("made after window_end but not late: %+v", got)
		}
		_, err = f.svc.UpdateCallback(ctx, f.agent.Actor(), late.ID, cases.CallbackUpdate{Status: "cancelled", Version: got.Version})
		wantCode(t, err, anchor.EConflict, "status")

		due := t0.Add(24 * time.Hour)
		list, _, err := f.svc.Callbacks(ctx, cases.CallbackFilter{DueBefore: &due})
		must(t, err)
		if len(list) != 1 || list[0].ID != never.ID || list[0].Late {
			t.Fatalf("due before tomorrow = %+v, want only %s, not yet late", list, never.ID)
		}
		f.clock.Advance(2 * time.Hour) // past never's window
		n, err := f.svc.Callback(ctx, never.ID)
		must(t, err)
		if !n.Late {
			t.Fatal("a callback never made whose window ended is not late")
		}
		_ = tomorrow
	})
}

func TestListPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var ids []string
		for i := 0; i < 7; i++ {
			f.clock.Advance(time.Millisecond)
			ids = append(ids, f.newCase(t).ID)
		}
		resolved := "resolved"
		c, err := f.svc.Get(ctx, ids[3])
		must(t, err)
		_, err = f.svc.Update(ctx, f.agent.Actor(), c.ID, cases.Update{Status: &resolved, Version: c.Version})
		must(t, err)

		var seen []string
		cursor := ""
		for pages := 0; ; pages++ {
			page, next, err := f.svc.List(ctx, cases.Filter{OwnerID: f.agent.ID, Active: true, Page: store.Page{Cursor: cursor, Limit: 4}})
			must(t, err)
			for _, c := range page {
				seen = append(seen, c.ID)
			}
			if next == "" {
				if pages != 1 {
					t.Fatalf("6 active cases in pages of 4 took %d pages", pages+1)
				}
				break
			}
			cursor = next
		}
		want := []string{ids[6], ids[5], ids[4], ids[2], ids[1], ids[0]}
		if strings.Join(seen, ",") != strings.Join(want, ",") {
			t.Fatalf("active cases newest first = %v, want %v", seen, want)
		}
		res, _, err := f.svc.List(ctx, cases.Filter{Status: []string{"resolved"}, SegmentID: f.customer.SegmentID})
		must(t, err)
		if len(res) != 1 || res[0].ID != ids[3] {
			t.Fatalf("resolved in segment = %v", res)
		}
		_, _, err = f.svc.List(ctx, cases.Filter{Status: []string{"done"}})
		wantCode(t, err, anchor.EInvalid, "status")
	})
}

// Two writers update one case at once from the same version: exactly one
// wins, the other gets a conflict, and nothing is lost or doubled.
func TestConcurrentUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.newCase(t)
		const writers = 8
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				cat := []string{"billing", "delivery", "returns", "other", "a", "b", "c", "d"}[i]
				_, errs[i] = f.svc.Update(ctx, f.agent.Actor(), c.ID, cases.Update{Category: &cat, Version: c.Version})
			}(i)
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			} else if anchor.ErrorCode(err) != anchor.EConflict {
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d writers won from one version, want 1 (errors %v)", wins, errs)
		}
		events, err := f.svc.Events(ctx, c.ID)
		must(t, err)
		if len(events) != 2 {
			t.Fatalf("%d events, want created + one details_changed", len(events))
		}
		// Messages do not conflict with each other: all are kept.
		var mwg sync.WaitGroup
		for i := 0; i < writers; i++ {
			mwg.Add(1)
			go func() {
				defer mwg.Done()
				if _, err := f.svc.AddMessage(ctx, f.agent.Actor(), c.ID, cases.NewMessage{Body: "note"}); err != nil {
					t.Error(err)
				}
			}()
		}
		mwg.Wait()
		events, err = f.svc.Events(ctx, c.ID)
		must(t, err)
		if len(events) != 2+writers || events[len(events)-1].Seq != 2+writers {
			t.Fatalf("%d events after %d concurrent notes, want %d numbered without gaps", len(events), writers, 2+writers)
		}
	})
}
