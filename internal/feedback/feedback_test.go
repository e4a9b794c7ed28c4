package feedback_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/departments"
	"anchor/internal/feedback"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type fixture struct {
	db                      *store.DB
	clock                   *storetest.Clock
	svc                     *feedback.Service
	agent, member, director users.User
	finance, carrier        departments.Department
	customer                customers.Customer
	caseID                  string
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := &storetest.Clock{T: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	db.Now = clock.Now
	f := &fixture{db: db, clock: clock, svc: feedback.New(db)}
	ds := &departments.Service{DB: db}
	var err error
	f.finance, err = ds.Create(ctx, departments.NewDepartment{Name: "finance"})
	must(t, err)
	f.carrier, err = ds.Create(ctx, departments.NewDepartment{Name: "FastParcel", External: true})
	must(t, err)
	us := &users.Service{DB: db, KDF: users.TestKDF}
	f.agent, err = us.Create(ctx, users.NewUser{Email: "ana@example.com", Name: "Ana", Role: users.RoleAgent})
	must(t, err)
	f.member, err = us.Create(ctx, users.NewUser{Email: "fin@example.com", Name: "Fin", Role: users.RoleDepartment, DepartmentID: f.finance.ID})
	must(t, err)
	f.director, err = us.Create(ctx, users.NewUser{Email: "dee@example.com", Name: "Dee", Role: users.RoleDirector})
	must(t, err)
	cs := &customers.Service{DB: db}
	seg, err := cs.CreateSegment(ctx, customers.NewSegment{Name: "retail"})
	must(t, err)
	f.customer, err = cs.Create(ctx, f.agent.Actor(), customers.NewCustomer{Name: "Acme", SegmentID: seg.ID, OwnerID: f.agent.ID})
	must(t, err)
	c, err := (&cases.Service{DB: db}).Create(ctx, f.agent.Actor(), cases.NewCase{CustomerID: f.customer.ID, Subject: "x", Channel: "chat", Category: "delivery"})
	must(t, err)
	f.caseID = c.ID
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	var e *anchor.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field {
		t.Fatalf("error = %v, want %s on field %q", err, code, field)
	}
}

func TestCaptureValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		long := make([]byte, feedback.MaxText+1)
		for i := range long {
			long[i] = 'x'
		}
		for _, tc := range []struct {
			name  string
			n     feedback.NewItem
			field string
		}{
			{"type", feedback.NewItem{Type: "rant", CustomerID: f.customer.ID, Text: "x", DepartmentID: f.finance.ID}, "type"},
			{"no customer", feedback.NewItem{Type: "idea", Text: "x", DepartmentID: f.finance.ID}, "customer_id"},
			{"empty text", feedback.NewItem{Type: "idea", CustomerID: f.customer.ID, Text: "  ", DepartmentID: f.finance.ID}, "text"},
			{"long text", feedback.NewItem{Type: "idea", CustomerID: f.customer.ID, Text: string(long), DepartmentID: f.finance.ID}, "text"},
			{"no function", feedback.NewItem{Type: "idea", CustomerID: f.customer.ID, Text: "x"}, "department_id"},
			{"unknown department", feedback.NewItem{Type: "idea", CustomerID: f.customer.ID, Text: "x", DepartmentID: "nope"}, "department_id"},
			{"unknown customer", feedback.NewItem{Type: "idea", CustomerID: "nope", Text: "x", DepartmentID: f.finance.ID}, "customer_id"},
			{"unknown case", feedback.NewItem{Type: "idea", CaseID: "nope", Text: "x", DepartmentID: f.finance.ID}, "case_id"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.Create(ctx, f.agent.Actor(), tc.n)
				wantCode(t, err, anchor.EInvalid, tc.field)
			})
		}
		it, err := f.svc.Create(ctx, f.agent.Actor(), feedback.NewItem{Type: "complaint", CaseID: f.caseID, Text: "The courier threw the parcel over the fence. Awful.", DepartmentID: f.carrier.ID})
		must(t, err)
		if it.CustomerID != f.customer.ID || it.OwnerID != f.agent.ID || it.Channel != "chat" || it.Category != "delivery" || !it.External ||
			it.Status != "new" || it.CapturedBy != f.agent.ID || it.Sentiment == nil || *it.Sentiment >= 0 {
			t.Fatalf("captured = %+v", it)
		}
	})
}

func TestLifecycleAndRouting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		idea, err := f.svc.Create(ctx, f.agent.Actor(), feedback.NewItem{Type: "idea", CustomerID: f.customer.ID, Text: "Send invoices as PDF and CSV", DepartmentID: f.finance.ID})
		must(t, err)
		other, err := f.svc.Create(ctx, f.agent.Actor(), feedback.NewItem{Type: "issue", CustomerID: f.customer.ID, Text: "Tracking page is down", DepartmentID: f.carrier.ID})
		must(t, err)

		// The finance member sees its inbox only.
		items, _, err := f.svc.List(ctx, f.member.Actor(), feedback.Filter{})
		must(t, err)
		if len(items) != 1 || items[0].ID != idea.ID {
			t.Fatalf("finance inbox = %+v", items)
		}
		_, _, err = f.svc.List(ctx, f.member.Actor(), feedback.Filter{DepartmentID: f.carrier.ID})
		wantCode(t, err, anchor.EForbidden, "")
		_, err = f.svc.Get(ctx, f.member.Actor(), other.ID)
		wantCode(t, err, anchor.ENotFound, "")
		_, err = f.svc.Update(ctx, f.member.Actor(), other.ID, feedback.Update{Status: ptr("acknowledged"), Version: 1})
		wantCode(t, err, anchor.ENotFound, "")

		// The agent raised it but is not the owning function.
		_, err = f.svc.Update(ctx, f.agent.Actor(), idea.ID, feedback.Update{Status: ptr("acknowledged"), Version: 1})
		wantCode(t, err, anchor.EForbidden, "")
		// A department member may not pass it on.
		_, err = f.svc.Update(ctx, f.member.Actor(), idea.ID, feedback.Update{DepartmentID: ptr(f.carrier.ID), Version: 1})
		wantCode(t, err, anchor.EForbidden, "")

		f.clock.Advance(time.Hour)
		it, err := f.svc.Update(ctx, f.member.Actor(), idea.ID, feedback.Update{Status: ptr("acknowledged"), Version: 1})
		must(t, err)
		_, err = f.svc.Update(ctx, f.member.Actor(), idea.ID, feedback.Update{Status: ptr("answered"), Version: it.Version})
		wantCode(t, err, anchor.EInvalid, "answer")
		_, err = f.svc.Update(ctx, f.member.Actor(), idea.ID, feedback.Update{Status: ptr("closed"), Version: it.Version})
		wantCode(t, err, anchor.EInvalid, "resolution")
		_, err = f.svc.Update(ctx, f.agent.Actor(), idea.ID, feedback.Update{Text: ptr("edited"), Version: it.Version})
		wantCode(t, err, anchor.EConflict, "text")
		_, err = f.svc.Update(ctx, f.member.Actor(), idea.ID, feedback.Update{ImplementedAt: ptr(f.clock.T.Add(time.Hour)), Version: it.Version})
		wantCode(t, err, anchor.EInvalid, "implemented_at")
		_, err = f.svc.Update(ctx, f.member.Actor(), other.ID, feedback.Update{Version: 1})
		wantCode(t, err, anchor.ENotFound, "")

		f.clock.Advance(24 * time.Hour)
		it, err = f.svc.Update(ctx, f.member.Actor(), idea.ID, feedback.Update{Status: ptr("answered"), Answer: ptr("Good idea: from December"), Version: it.Version})
		must(t, err)
		done := f.clock.T.Add(-time.Hour)
		it, err = f.svc.Update(ctx, f.member.Actor(), idea.ID, feedback.Update{Status: ptr("closed"), Resolution: ptr("Invoices now come as PDF and CSV"),
			ImplementedAt: &done, Version: it.Version})
		must(t, err)
		if it.Status != "closed" || it.ImplementedAt == nil || !it.ImplementedAt.Equal(done) || it.AgeDays != 25.0/24 || len(it.AllowedTransitions) != 0 {
			t.Fatalf("closed idea = %+v", it)
		}
		_, err = f.svc.Update(ctx, f.member.Actor(), idea.ID, feedback.Update{Status: ptr("answered"), Version: it.Version})
		wantCode(t, err, anchor.EConflict, "status")
		_, err = f.svc.Update(ctx, f.member.Actor(), idea.ID, feedback.Update{Answer: ptr("late"), Version: 1})
		wantCode(t, err, anchor.EConflict, "version")

		// The agent and the account owner see the outcome.
		mine, _, err := f.svc.List(ctx, f.agent.Actor(), feedback.Filter{CapturedBy: f.agent.ID, Type: "idea"})
		must(t, err)
		if len(mine) != 1 || mine[0].Resolution != "Invoices now come as PDF and CSV" {
			t.Fatalf("agent's items = %+v", mine)
		}
		es, err := f.svc.Events(ctx, f.agent.Actor(), idea.ID)
		must(t, err)
		var types []string
		for _, e := range es {
			types = append(types, e.Type)
		}
		if want := []string{"feedback_created", "status_changed", "status_changed", "status_changed", "idea_implemented"}; strings.Join(types, ",") != strings.Join(want, ",") {
			t.Fatalf("events = %v, want %v", types, want)
		}

		// Re-routing by a director; the external flag follows.
		r, err := f.svc.Update(ctx, f.director.Actor(), other.ID, feedback.Update{DepartmentID: ptr(f.finance.ID), Version: 1})
		must(t, err)
		if r.External || r.Department != f.finance.ID {
			t.Fatalf("re-routed = %+v", r)
		}
		// Only a new item may be deleted.
		wantCode(t, f.svc.Delete(ctx, f.director.Actor(), idea.ID), anchor.EConflict, "status")
		must(t, f.svc.Delete(ctx, f.agent.Actor(), other.ID))
		_, err = f.svc.Get(ctx, f.director.Actor(), other.ID)
		wantCode(t, err, anchor.ENotFound, "")
	})
}

func TestSummaryAndText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		start := f.clock.T
		capture := func(typ, dep, area, text string) feedback.Item {
			t.Helper()
			it, err := f.svc.Create(ctx, f.agent.Actor(), feedback.NewItem{Type: typ, CustomerID: f.customer.ID, Text: text, DepartmentID: dep, ProductArea: area})
			must(t, err)
			f.clock.Advance(24 * time.Hour)
			return it
		}
		// Day 0..5: 3 complaints against the carrier, 1 praise and 1 idea
		// for finance, 1 praise for the mobile app (no department).
		capture("complaint", f.carrier.ID, "", "Parcel arrived damaged, the box was crushed")
		capture("complaint", f.carrier.ID, "", "Parcel arrived damaged again")
		c3 := capture("complaint", f.carrier.ID, "", "Courier never came")
		capture("praise", f.finance.ID, "", "Refund was quick, thank you")
		idea := capture("idea", f.finance.ID, "", "Pay by instalments")
		capture("praise", "", "mobile app", "The new app is great")
		// Day 6: one carrier complaint closed.
		_, err := f.svc.Update(ctx, f.director.Actor(), c3.ID, feedback.Update{Status: ptr("closed"), Resolution: ptr("Carrier penalised"), Version: 1})
		must(t, err)
		_, err = f.svc.Update(ctx, f.director.Actor(), idea.ID, feedback.Update{ImplementedAt: ptr(f.clock.T), Version: 1})
		must(t, err)
		sum, err := f.svc.Summarise(ctx, start, f.clock.T)
		must(t, err)
		// praise 2 / complaints 3 = 0.667; one idea implemented on day 6,
		// inside [day 0, day 6)? No: implemented_at = day 6 = to, excluded.
		if sum.Praise != 2 || sum.Complaint != 3 || *sum.PraiseComplaintRatio != 2.0/3 || sum.IdeasImplemented != 0 {
			t.Fatalf("summary = %+v", sum)
		}
		sum, err = f.svc.Summarise(ctx, start, f.clock.T.Add(time.Millisecond))
		must(t, err)
		if sum.IdeasImplemented != 1 {
			t.Fatalf("ideas implemented with to just after = %d, want 1", sum.IdeasImplemented)
		}
		byName := map[string]feedback.FunctionSummary{}
		for _, fs := range sum.Functions {
			byName[fs.Department+fs.ProductArea] = fs
		}
		// Carrier: 3 items, 2 open, captured on days 0 and 1, now day 6:
		// ages 6 and 5, mean 5.5, oldest 6.
		if c := byName["FastParcel"]; !c.External || c.Items != 3 || c.ByType["complaint"] != 3 || c.Open != 2 || c.MeanOpenAgeDays != 5.5 || c.OldestOpenDays != 6 {
			t.Fatalf("carrier = %+v", c)
		}
		if a := byName["mobile app"]; a.Items != 1 || a.ByType["praise"] != 1 || a.DepartmentID != "" {
			t.Fatalf("mobile app = %+v", a)
		}

		ph, err := f.svc.Phrases(ctx, feedback.TextFilter{From: start, To: f.clock.T, Scope: "detractors"}, 5)
		must(t, err)
		if ph.Texts != 3 || len(ph.Phrases) != 1 || ph.Phrases[0].Text != "parcel arrived damaged" || ph.Phrases[0].Count != 2 {
			t.Fatalf("detractor phrases = %+v", ph)
		}
		st, err := f.svc.Sentiment(ctx, feedback.TextFilter{From: start, To: f.clock.T, Source: "feedback"})
		must(t, err)
		n := 0
		for _, g := range st.Groups {
			n += g.Texts
			if g.Kind == "praise" && (g.Positive != 2 || g.Mean <= 0) {
				t.Fatalf("praise tone = %+v", g)
			}
		}
		if n != 6 {
			t.Fatalf("texts scored = %d, want 6: %+v", n, st)
		}
		_, err = f.svc.Phrases(ctx, feedback.TextFilter{From: start, To: f.clock.T, Scope: "angry"}, 5)
		wantCode(t, err, anchor.EInvalid, "scope")
	})
}
