package surveys_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/surveys"
	"anchor/internal/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type fixture struct {
	t        *testing.T
	db       *store.DB
	clock    *storetest.Clock
	svc      *surveys.Service
	cases    *cases.Service
	cust     *customers.Service
	agent    users.User
	segment  string
	customer customers.Customer // Acme: revenue 500,000, one e-mail contact
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := &storetest.Clock{T: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	db.Now = clock.Now
	f := &fixture{t: t, db: db, clock: clock, svc: surveys.New(db, nil), cases: &cases.Service{DB: db}, cust: &customers.Service{DB: db}}
	var err error
	f.agent, err = (&users.Service{DB: db, KDF: users.TestKDF}).Create(ctx, users.NewUser{Email: "ana@example.com", Name: "Ana", Role: users.RoleAgent})
	must(t, err)
	seg, err := f.cust.CreateSegment(ctx, customers.NewSegment{Name: "enterprise"})
	must(t, err)
	f.segment = seg.ID
	f.customer = f.newCustomer("Acme", 500000, customers.Contact{Name: "Jo", Email: "jo@acme.example"})
	return f
}

func (f *fixture) newCustomer(name string, revenue float64, contacts ...customers.Contact) customers.Customer {
	f.t.Helper()
	c, err := f.cust.Create(context.Background(), f.agent.Actor(), customers.NewCustomer{Name: name, SegmentID: f.segment, OwnerID: f.agent.ID,
		Revenue: &revenue, Contacts: contacts})
	must(f.t, err)
	return c
}

// resolvedCase opens a case for customer and resolves it now.
func (f *fixture) resolvedCase(customer, subject string) cases.Case {
	f.t.Helper()
	ctx := context.Background()
	c, err := f.cases.Create(ctx, f.agent.Actor(), cases.NewCase{CustomerID: customer, Subject: subject, Channel: "email", Category: "billing"})
	must(f.t, err)
	c, err = f.cases.Update(ctx, f.agent.Actor(), c.ID, cases.Update{Status: ptr(cases.StatusResolved), Version: c.Version})
	must(f.t, err)
	return c
}

func (f *fixture) program(n surveys.NewProgram) surveys.Program {
	f.t.Helper()
	if n.SegmentID == "" {
		n.SegmentID = f.segment
	}
	p, err := f.svc.CreateProgram(context.Background(), f.agent.Actor(), n)
	must(f.t, err)
	return p
}

func (f *fixture) plan() surveys.PlanResult {
	f.t.Helper()
	r, err := f.svc.Plan(context.Background())
	must(f.t, err)
	return r
}

func (f *fixture) invitations(filter surveys.InvitationFilter) []surveys.Invitation {
	f.t.Helper()
	filter.Limit = 500
	is, _, err := f.svc.Invitations(context.Background(), filter)
	must(f.t, err)
	return is
}

// send marks every pending invitation sent through the log mailer, as the
// sender does without SMTP.
func (f *fixture) send() surveys.PassResult {
	f.t.Helper()
	s := &surveys.Sender{Surveys: f.svc, Mailer: surveys.LogMailer{Logger: f.svc.Logger}, PublicURL: "http://survey.test"}
	r, err := s.RunOnce(context.Background())
	must(f.t, err)
	return r
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	must(f.t, f.db.Read.QueryRow(query, args...).Scan(&n))
	return n
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

func TestProgramValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		for _, tc := range []struct {
			name  string
			n     surveys.NewProgram
			code  string
			field string
		}{
			{"unknown kind", surveys.NewProgram{Kind: "ces", SegmentID: f.segment}, anchor.EInvalid, "kind"},
			{"no segment", surveys.NewProgram{Kind: "nps"}, anchor.EInvalid, "segment_id"},
			{"unknown segment", surveys.NewProgram{Kind: "nps", SegmentID: "nope"}, anchor.EInvalid, "segment_id"},
			{"nps interval 0", surveys.NewProgram{Kind: "nps", SegmentID: f.segment, IntervalDays: ptr(0)}, anchor.EInvalid, "interval_days"},
			{"assessment interval", surveys.NewProgram{Kind: "assessment", SegmentID: f.segment, IntervalDays: ptr(30)}, anchor.EInvalid, "interval_days"},
			{"expiry", surveys.NewProgram{Kind: "csat", SegmentID: f.segment, ExpiresDays: 91}, anchor.EInvalid, "expires_days"},
			{"delay on nps", surveys.NewProgram{Kind: "nps", SegmentID: f.segment, DelayMinutes: 5}, anchor.EInvalid, "delay_minutes"},
			{"threshold", surveys.NewProgram{Kind: "csat", SegmentID: f.segment, FollowUpBelow: ptr(0.5)}, anchor.EInvalid, "follow_up_below"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.CreateProgram(ctx, f.agent.Actor(), tc.n)
				wantCode(t, err, tc.code, tc.field)
			})
		}
		p := f.program(surveys.NewProgram{Kind: "csat"})
		if p.IntervalDays != 7 || p.ExpiresDays != 14 || p.FollowUpBelow != -0.5 || !p.Active {
			t.Fatalf("defaults: %+v", p)
		}
		_, err := f.svc.CreateProgram(ctx, f.agent.Actor(), surveys.NewProgram{Kind: "csat", SegmentID: f.segment})
		wantCode(t, err, anchor.EConflict, "kind")
		p, err = f.svc.UpdateProgram(ctx, p.ID, surveys.ProgramUpdate{Active: ptr(false), Version: p.Version})
		must(t, err)
		f.program(surveys.NewProgram{Kind: "csat"}) // the old one is off
		_, err = f.svc.UpdateProgram(ctx, p.ID, surveys.ProgramUpdate{Active: ptr(true), Version: p.Version})
		wantCode(t, err, anchor.EConflict, "kind")
		_, err = f.svc.UpdateProgram(ctx, p.ID, surveys.ProgramUpdate{Name: ptr("x"), Version: 1})
		wantCode(t, err, anchor.EConflict, "version")
	})
}

func TestCSATOncePerCaseAndPerCustomerWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.resolvedCase(f.customer.ID, "resolved before the program") // not surveyed: history
		f.clock.Advance(time.Hour)
		f.program(surveys.NewProgram{Kind: "csat", IntervalDays: ptr(7)})
		f.clock.Advance(time.Minute)

		first := f.resolvedCase(f.customer.ID, "Charged twice")
		if r := f.plan(); r.Planned != 0 {
			t.Fatalf("planned %d before the case settled, want 0", r.Planned)
		}
		f.clock.Advance(2 * time.Minute)
		if r := f.plan(); r.Planned != 1 || r.Skipped != 0 {
			t.Fatalf("first pass = %+v, want 1 planned", r)
		}
		if r := f.plan(); r.Planned != 0 || r.Skipped != 0 {
			t.Fatalf("second pass = %+v, want nothing: once per case", r)
		}

		// Reopened and resolved again: still once per case.
		c, err := f.cases.Update(ctx, f.agent.Actor(), first.ID, cases.Update{Status: ptr(cases.StatusOpen), Version: first.Version})
		must(t, err)
		f.clock.Advance(time.Hour)
		_, err = f.cases.Update(ctx, f.agent.Actor(), c.ID, cases.Update{Status: ptr(cases.StatusResolved), Version: c.Version})
		must(t, err)
		f.clock.Advance(2 * time.Minute)
		if r := f.plan(); r.Planned != 0 || r.Skipped != 0 {
			t.Fatalf("after re-resolving = %+v, want nothing", r)
		}

		// A second case of the same customer three days later: skipped,
		// the customer was asked within 7 days.
		f.clock.Advance(3 * 24 * time.Hour)
		second := f.resolvedCase(f.customer.ID, "Late delivery")
		// And a case of a customer without e-mail: skipped too.
		phoneOnly := f.newCustomer("Phone Only Ltd", 10, customers.Contact{Phone: "+44 20 7946 0001"})
		f.resolvedCase(phoneOnly.ID, "Question")
		f.clock.Advance(2 * time.Minute)
		if r := f.plan(); r.Planned != 0 || r.Skipped != 2 {
			t.Fatalf("pass with a recent survey = %+v, want 2 skipped", r)
		}
		got := f.invitations(surveys.InvitationFilter{CaseID: second.ID})
		if len(got) != 1 || got[0].Status != "skipped" || !strings.Contains(got[0].Reason, "at most one CSAT every 7 days") {
			t.Fatalf("second case invitation = %+v", got)
		}

		// Eight days after the first: asked again.
		f.clock.Advance(5 * 24 * time.Hour)
		third := f.resolvedCase(f.customer.ID, "Wrong invoice address")
		f.clock.Advance(2 * time.Minute)
		if r := f.plan(); r.Planned != 1 {
			t.Fatalf("pass after the window = %+v, want 1 planned", r)
		}
		if got := f.invitations(surveys.InvitationFilter{CaseID: third.ID}); len(got) != 1 || got[0].Status != "pending" || got[0].ContactEmail != "jo@acme.example" {
			t.Fatalf("third case invitation = %+v", got)
		}
		if n := f.count(`SELECT COUNT(*) FROM survey_invitations WHERE kind = 'csat'`); n != 4 {
			t.Fatalf("csat invitations = %d, want 4 (2 pending, 2 skipped)", n)
		}
	})
}

func TestNPSEveryNDaysPerContactAndAssessmentMonthly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		// Acme has one contact; Beta two. Contacts without e-mail are not asked.
		f.newCustomer("Beta", 1000, customers.Contact{Name: "Bo", Email: "bo@beta.example"}, customers.Contact{Name: "Bea", Email: "bea@beta.example"},
			customers.Contact{Phone: "+1 555 0100"})
		f.program(surveys.NewProgram{Kind: "nps", IntervalDays: ptr(30)})
		for _, tc := range []struct {
			advance time.Duration
			want    int
		}{
			{0, 3},                   // every contact with an address
			{time.Hour, 0},           // not again within 30 days
			{29 * 24 * time.Hour, 0}, // day 29 + 1h: still within
			{23 * time.Hour, 3},      // day 30 + 0h: 30 days after the first, asked again
			{24 * time.Hour, 0},      // and then not for another 30 days
		} {
			f.clock.Advance(tc.advance)
			if r := f.plan(); r.Planned != tc.want {
				t.Fatalf("at %s: planned %d, want %d", f.clock.T, r.Planned, tc.want)
			}
		}

		f.program(surveys.NewProgram{Kind: "assessment"})
		if r := f.plan(); r.Planned != 2 {
			t.Fatalf("assessments planned %d, want 2 (one per account)", r.Planned)
		}
		if r := f.plan(); r.Planned != 0 {
			t.Fatalf("assessments planned again in the same month: %d", r.Planned)
		}
		f.clock.T = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		if r := f.plan(); r.Planned != 2 {
			t.Fatalf("assessments in January: planned %d, want 2", r.Planned)
		}
		is := f.invitations(surveys.InvitationFilter{Kind: "assessment", CustomerID: f.customer.ID})
		if len(is) != 2 || is[0].Period != "2027-01" || is[1].Period != "2026-12" {
			t.Fatalf("assessment periods = %+v", is)
		}

		// The January assessment answered: a task for the account owner.
		f.send()
		tok, err := f.svc.Token(ctx, is[0].ID)
		must(t, err)
		_, err = f.svc.Submit(ctx, tok, surveys.Answer{Comment: "Well, mostly."})
		wantCode(t, err, anchor.EInvalid, "next_month")
		r, err := f.svc.Submit(ctx, tok, surveys.Answer{Comment: "Quick answers, thank you.", NextMonth: "Visit our new warehouse."})
		must(t, err)
		task, err := f.cases.Get(ctx, r.FollowUpCaseID)
		must(t, err)
		if task.Category != surveys.CategoryAssessment || task.OwnerID != f.agent.ID || task.CustomerID != f.customer.ID ||
			!strings.Contains(task.Description, "Visit our new warehouse.") {
			t.Fatalf("assessment task = %+v", task)
		}
		if r.Score != nil || r.SegmentID != f.segment || r.OwnerID != f.agent.ID {
			t.Fatalf("assessment answer = %+v", r)
		}
	})
}

func TestLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.program(surveys.NewProgram{Kind: "csat", ExpiresDays: 3})
		c := f.resolvedCase(f.customer.ID, "Charged twice")
		f.clock.Advance(2 * time.Minute)
		if r := f.send(); r.Planned != 1 || r.Sent != 1 {
			t.Fatalf("pass = %+v, want 1 planned and sent", r)
		}
		inv := f.invitations(surveys.InvitationFilter{CaseID: c.ID})[0]
		if inv.Status != "sent" || inv.Delivery != "log" || !strings.HasPrefix(inv.SurveyPath, "/s/") {
			t.Fatalf("sent invitation = %+v", inv)
		}
		tok, err := f.svc.Token(ctx, inv.ID)
		must(t, err)
		if inv.SurveyPath != "/s/"+tok {
			t.Fatalf("survey path %q, want /s/%s", inv.SurveyPath, tok)
		}
		id, sig, _ := strings.Cut(tok, ".")
		flip := func(s string, i int) string {
			b := []byte(s)
			if b[i] == 'a' {
				b[i] = 'b'
			} else {
				b[i] = 'a'
			}
			return string(b)
		}
		other := store.NewID(f.clock.T)
		for _, tc := range []struct {
			name, token string
		}{
			{"signature changed", id + "." + flip(sig, 5)},
			{"id changed", flip(id, 20) + "." + sig},
			{"other id, same signature", other + "." + sig},
			{"no signature", id},
			{"empty", ""},
			{"garbage", "<script>.x"},
			{"signature truncated", id + "." + sig[:40]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := f.svc.Open(ctx, tc.token); !errors.Is(err, surveys.ErrLinkInvalid) {
					t.Fatalf("Open = %v, want ErrLinkInvalid", err)
				}
				if _, err := f.svc.Submit(ctx, tc.token, surveys.Answer{Score: ptr(5)}); !errors.Is(err, surveys.ErrLinkInvalid) {
					t.Fatalf("Submit = %v, want ErrLinkInvalid", err)
				}
			})
		}
		if in, err := f.svc.Open(ctx, tok); err != nil || in.Kind != "csat" || in.CaseSubject != "Charged twice" || in.ContactName != "Jo" {
			t.Fatalf("Open = %+v, %v", in, err)
		}
		for _, score := range []int{0, 6, -1} {
			_, err := f.svc.Submit(ctx, tok, surveys.Answer{Score: ptr(score)})
			wantCode(t, err, anchor.EInvalid, "score")
		}
		_, err = f.svc.Submit(ctx, tok, surveys.Answer{Score: ptr(4), Comment: strings.Repeat("é", surveys.MaxComment+1)})
		wantCode(t, err, anchor.EInvalid, "comment")
		r, err := f.svc.Submit(ctx, tok, surveys.Answer{Score: ptr(4), Comment: "Fine"})
		must(t, err)
		if r.CaseID != c.ID || r.AgentID != f.agent.ID || r.Channel != "email" || r.Category != "billing" || r.Source != "survey" || *r.Score != 4 {
			t.Fatalf("answer = %+v", r)
		}
		if _, err := f.svc.Submit(ctx, tok, surveys.Answer{Score: ptr(1)}); !errors.Is(err, surveys.ErrLinkUsed) {
			t.Fatalf("second submit = %v, want ErrLinkUsed", err)
		}
		if _, err := f.svc.Open(ctx, tok); !errors.Is(err, surveys.ErrLinkUsed) {
			t.Fatalf("open after answer = %v, want ErrLinkUsed", err)
		}
		if n := f.count(`SELECT COUNT(*) FROM survey_responses`); n != 1 {
			t.Fatalf("answers = %d, want 1", n)
		}

		// Expiry: 3 days after sending, to the millisecond.
		c2 := f.resolvedCase(f.newCustomer("Beta", 1, customers.Contact{Email: "bo@beta.example"}).ID, "Lost parcel")
		f.clock.Advance(2 * time.Minute)
		f.send()
		inv2 := f.invitations(surveys.InvitationFilter{CaseID: c2.ID})[0]
		tok2, err := f.svc.Token(ctx, inv2.ID)
		must(t, err)
		f.clock.T = inv2.ExpiresAt.Add(-time.Millisecond)
		if _, err := f.svc.Open(ctx, tok2); err != nil {
			t.Fatalf("open 1 ms before expiry: %v", err)
		}
		f.clock.T = inv2.ExpiresAt
		if _, err := f.svc.Submit(ctx, tok2, surveys.Answer{Score: ptr(2)}); !errors.Is(err, surveys.ErrLinkExpired) {
			t.Fatalf("submit at expiry = %v, want ErrLinkExpired", err)
		}
		if got, _ := f.svc.Invitation(ctx, inv2.ID); got.Status != "expired" || got.SurveyPath != "" {
			t.Fatalf("expired invitation = %+v", got)
		}
		if n := f.count(`SELECT COUNT(*) FROM survey_responses`); n != 1 {
			t.Fatalf("answers = %d, want still 1", n)
		}
	})
}

func TestConcurrentSubmitsRecordOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.program(surveys.NewProgram{Kind: "nps"})
		f.send()
		inv := f.invitations(surveys.InvitationFilter{})[0]
		tok, err := f.svc.Token(ctx, inv.ID)
		must(t, err)
		const n = 8
		errs := make(chan error, n)
		for i := range n {
			go func() {
				_, err := f.svc.Submit(ctx, tok, surveys.Answer{Score: ptr(i)})
				errs <- err
			}()
		}
		ok := 0
		for range n {
			err := <-errs
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, surveys.ErrLinkUsed):
				t.Fatalf("concurrent submit: %v", err)
			}
		}
		if ok != 1 || f.count(`SELECT COUNT(*) FROM survey_responses`) != 1 {
			t.Fatalf("%d submits succeeded, %d answers stored; want 1 and 1", ok, f.count(`SELECT COUNT(*) FROM survey_responses`))
		}
	})
}

// countingCases counts the cases opened through it.
type countingCases struct {
	inner  surveys.CaseOpener
	opened []cases.NewCase
}

func (c *countingCases) Create(ctx context.Context, a anchor.Actor, n cases.NewCase) (cases.Case, error) {
	c.opened = append(c.opened, n)
	return c.inner.Create(ctx, a, n)
}

func TestFollowUpOfStrongNegativeFromHighValueAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		opener := &countingCases{inner: f.cases}
		f.svc.Cases = opener
		f.program(surveys.NewProgram{Kind: "nps", FollowUpMinRevenue: ptr(100000.0)})
		small := f.newCustomer("Small Co", 5000, customers.Contact{Email: "s@small.example"})
		const angry = "Terrible service, nobody ever called back and the invoice is still wrong. Awful, I am furious."
		for _, tc := range []struct {
			name     string
			customer string
			comment  string
			followUp bool
		}{
			{"strong negative, high value", f.customer.ID, angry, true},
			{"strong negative, low value", small.ID, angry, false},
			{"mild, high value", f.customer.ID, "A bit slow this time.", false},
			{"positive, high value", f.customer.ID, "Great help, thank you!", false},
			{"no comment", f.customer.ID, "", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := len(opener.opened)
				r, err := f.svc.Record(ctx, f.agent.Actor(), surveys.NewResponse{Kind: "nps", CustomerID: tc.customer, Score: ptr(2), Comment: tc.comment})
				must(t, err)
				if got := len(opener.opened) > before; got != tc.followUp || (r.FollowUpCaseID != "") != tc.followUp {
					t.Fatalf("follow-up opened = %v (case %q, sentiment %v), want %v", got, r.FollowUpCaseID, deref(r.Sentiment), tc.followUp)
				}
				if tc.followUp {
					c, err := f.cases.Get(ctx, r.FollowUpCaseID)
					must(t, err)
					if c.OwnerID != f.agent.ID || c.Category != surveys.CategoryFollowUp || c.Priority != "high" || !strings.Contains(c.Description, angry) {
						t.Fatalf("follow-up case = %+v", c)
					}
				}
			})
		}
	})
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func TestRecordValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		other := f.newCustomer("Other", 1)
		c := f.resolvedCase(f.customer.ID, "x")
		for _, tc := range []struct {
			name  string
			n     surveys.NewResponse
			field string
		}{
			{"kind", surveys.NewResponse{Kind: "ces", CustomerID: f.customer.ID, Score: ptr(3)}, "kind"},
			{"csat range", surveys.NewResponse{Kind: "csat", CustomerID: f.customer.ID, Score: ptr(6)}, "score"},
			{"csat missing", surveys.NewResponse{Kind: "csat", CustomerID: f.customer.ID}, "score"},
			{"nps range", surveys.NewResponse{Kind: "nps", CustomerID: f.customer.ID, Score: ptr(11)}, "score"},
			{"no customer", surveys.NewResponse{Kind: "nps", Score: ptr(1)}, "customer_id"},
			{"unknown customer", surveys.NewResponse{Kind: "nps", CustomerID: "x", Score: ptr(1)}, "customer_id"},
			{"case of another customer", surveys.NewResponse{Kind: "csat", CustomerID: other.ID, CaseID: c.ID, Score: ptr(1)}, "case_id"},
			{"assessment score", surveys.NewResponse{Kind: "assessment", CustomerID: f.customer.ID, Score: ptr(1), Comment: "a", NextMonth: "b"}, "score"},
			{"future", surveys.NewResponse{Kind: "nps", CustomerID: f.customer.ID, Score: ptr(1), AnsweredAt: ptr(f.clock.T.Add(time.Hour))}, "answered_at"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.Record(ctx, f.agent.Actor(), tc.n)
				wantCode(t, err, anchor.EInvalid, tc.field)
			})
		}
		r, err := f.svc.Record(ctx, f.agent.Actor(), surveys.NewResponse{Kind: "csat", CaseID: c.ID, Score: ptr(5)})
		must(t, err)
		if r.CustomerID != f.customer.ID || r.Category != "billing" || r.Source != "api" || r.RecordedBy != f.agent.ID {
			t.Fatalf("answer by case = %+v", r)
		}
		if n := f.count(`SELECT COUNT(*) FROM survey_responses`); n != 1 {
			t.Fatalf("answers stored = %d, want 1", n)
		}
	})
}

func TestScores(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		start := f.clock.T
		// NPS: 10, 9, 8, 6, 0 -> 2 promoters, 1 passive, 2 detractors of
		// 5: NPS = (2 - 2) / 5 = 0; mean 33 / 5 = 6.6.
		for i, s := range []int{10, 9, 8, 6, 0} {
			_, err := f.svc.Record(ctx, f.agent.Actor(), surveys.NewResponse{Kind: "nps", CustomerID: f.customer.ID, Score: ptr(s), Comment: []string{"", "good", "", "slow", "bad"}[i]})
			must(t, err)
			f.clock.Advance(time.Minute)
		}
		// CSAT: 5, 4, 2 -> 2 of 3 satisfied = 66.67 %.
		for _, s := range []int{5, 4, 2} {
			_, err := f.svc.Record(ctx, f.agent.Actor(), surveys.NewResponse{Kind: "csat", CustomerID: f.customer.ID, Score: ptr(s)})
			must(t, err)
		}
		rep, err := f.svc.Scores(ctx, surveys.ScoreFilter{Kind: "nps", By: "segment", From: start, To: f.clock.T.Add(time.Hour)})
		must(t, err)
		g := rep.Groups[0]
		if len(rep.Groups) != 1 || g.Answers != 5 || *g.Promoters != 2 || *g.Passives != 1 || *g.Detractors != 2 || *g.NPS != 0 || g.Mean != 6.6 {
			t.Fatalf("nps = %+v", rep)
		}
		if len(g.Verbatims) != 3 || g.Verbatims[0].Comment != "bad" {
			t.Fatalf("verbatims, newest first = %+v", g.Verbatims)
		}
		rep, err = f.svc.Scores(ctx, surveys.ScoreFilter{Kind: "csat", By: "month", From: start, To: f.clock.T.Add(time.Hour)})
		must(t, err)
		if g := rep.Groups[0]; g.Key != "2026-11" || g.Answers != 3 || *g.Satisfied != 2 || *g.CSAT != 66.67 {
			t.Fatalf("csat = %+v", rep)
		}
		_, err = f.svc.Scores(ctx, surveys.ScoreFilter{Kind: "nps", By: "weather", From: start, To: f.clock.T})
		wantCode(t, err, anchor.EInvalid, "by")
	})
}

func TestRecoverInterruptedClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.newCustomer("Beta", 1, customers.Contact{Email: "bo@beta.example"})
		f.program(surveys.NewProgram{Kind: "nps"})
		f.plan()
		// Two claims of a sender that died: one before handing its message
		// to SMTP, one after.
		lease := store.Millis(f.clock.T.Add(-time.Second))
		ids := []string{}
		for _, inv := range f.invitations(surveys.InvitationFilter{}) {
			ids = append(ids, inv.ID)
		}
		_, err := db.Write.Exec(`UPDATE survey_invitations SET status = 'sending', claimed_by = 'dead', lease_until = $1, attempts = 1`, lease)
		must(t, err)
		_, err = db.Write.Exec(`UPDATE survey_invitations SET send_started_at = $1 WHERE id = $2`, lease, ids[0])
		must(t, err)
		r := f.send()
		if r.Sent != 1 {
			t.Fatalf("sent %d after recovery, want 1 (the one never handed over)", r.Sent)
		}
		got, err := f.svc.Invitation(context.Background(), ids[0])
		must(t, err)
		if got.Status != "failed" || !strings.Contains(got.Reason, "not resent") {
			t.Fatalf("interrupted invitation = %+v", got)
		}
		if n := f.count(`SELECT COUNT(*) FROM survey_invitations WHERE status = 'sent'`); n != 1 {
			t.Fatalf("sent = %d, want 1", n)
		}
	})
}
