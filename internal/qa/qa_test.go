package qa_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/qa"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// fixture: supervisor Sam leads agent Ana; agent Ben has no supervisor.
// Ana owns Acme (enterprise), Ben owns Bob's Bikes (retail). Case acme is a
// phone billing case, case bikes an email delivery case. The clock is
// Monday 23 November 2026 09:00 UTC, the start of week 48.
type fixture struct {
	t                  *testing.T
	db                 *store.DB
	clock              *storetest.Clock
	svc                *qa.Service
	cases              *cases.Service
	sam, ana, ben, dir users.User
	member             anchor.Actor
	enterprise, retail string
	acme, bikes        cases.Case
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, db: db, clock: &storetest.Clock{T: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}, svc: &qa.Service{DB: db}, cases: &cases.Service{DB: db}}
	db.Now = f.clock.Now
	us := &users.Service{DB: db, KDF: users.TestKDF}
	var err error
	f.sam, err = us.Create(ctx, users.NewUser{Email: "sam@example.com", Name: "Sam", Role: users.RoleSupervisor})
	must(t, err)
	f.dir, err = us.Create(ctx, users.NewUser{Email: "dora@example.com", Name: "Dora", Role: users.RoleDirector})
	must(t, err)
	f.ana, err = us.Create(ctx, users.NewUser{Email: "ana@example.com", Name: "Ana", Role: users.RoleAgent, SupervisorID: f.sam.ID})
	must(t, err)
	f.ben, err = us.Create(ctx, users.NewUser{Email: "ben@example.com", Name: "Ben", Role: users.RoleAgent})
	must(t, err)
	f.member = anchor.Actor{UserID: "someone", Role: users.RoleDepartment, DepartmentID: "finance"}
	cs := &customers.Service{DB: db}
	seg, err := cs.CreateSegment(ctx, customers.NewSegment{Name: "enterprise"})
	must(t, err)
	f.enterprise = seg.ID
	seg, err = cs.CreateSegment(ctx, customers.NewSegment{Name: "retail"})
	must(t, err)
	f.retail = seg.ID
	acme, err := cs.Create(ctx, f.ana.Actor(), customers.NewCustomer{Name: "Acme", SegmentID: f.enterprise, OwnerID: f.ana.ID})
	must(t, err)
	bikes, err := cs.Create(ctx, f.ben.Actor(), customers.NewCustomer{Name: "Bob's Bikes", SegmentID: f.retail, OwnerID: f.ben.ID})
	must(t, err)
	f.acme, err = f.cases.Create(ctx, f.ana.Actor(), cases.NewCase{CustomerID: acme.ID, Subject: "Charged twice", Channel: "phone", Category: "billing"})
	must(t, err)
	f.bikes, err = f.cases.Create(ctx, f.ben.Actor(), cases.NewCase{CustomerID: bikes.ID, Subject: "Where is my order", Channel: "email", Category: "delivery"})
	must(t, err)
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr fails unless err is an *anchor.Error with code and field.
func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	var e *anchor.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field {
		t.Fatalf("got %v, want %s on field %q", err, code, field)
	}
}

// contact logs a contact on c handled by agent, started at at.
func (f *fixture) contact(c cases.Case, agent users.User, channel, at string) cases.Contact {
	f.t.Helper()
	start, err := time.Parse(time.RFC3339, at)
	must(f.t, err)
	ct, err := f.cases.LogContact(context.Background(), agent.Actor(), c.ID, cases.NewContact{Channel: channel, Direction: "inbound", StartedAt: &start, AgentID: agent.ID})
	must(f.t, err)
	return ct
}

func (f *fixture) form(name string, cs []qa.Criterion) qa.Form {
	f.t.Helper()
	fm, err := f.svc.CreateForm(context.Background(), f.sam.Actor(), qa.NewForm{Name: name, Criteria: slices.Clone(cs)})
	must(f.t, err)
	return fm
}

func (f *fixture) evaluate(n qa.NewEvaluation) qa.Evaluation {
	f.t.Helper()
	e, err := f.svc.Evaluate(context.Background(), f.sam.Actor(), n)
	must(f.t, err)
	return e
}

func TestForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		fm := f.form("Phone calls", form)
		if fm.Version != 1 || fm.CurrentVersion != 1 || !fm.Active || len(fm.Criteria) != 5 {
			t.Fatalf("created form = %+v", fm)
		}

		t.Run("Invalid", func(t *testing.T) {
			bad := func(mod func(c []qa.Criterion) []qa.Criterion, field string) {
				t.Helper()
				_, err := f.svc.CreateForm(ctx, f.sam.Actor(), qa.NewForm{Name: "Bad", Criteria: mod(slices.Clone(form))})
				wantErr(t, err, anchor.EInvalid, field)
			}
			bad(func(c []qa.Criterion) []qa.Criterion { c[1].Weight = 0; return c }, "criteria[1].weight")
			bad(func(c []qa.Criterion) []qa.Criterion { c[2].Weight = -1; return c }, "criteria[2].weight")
			bad(func(c []qa.Criterion) []qa.Criterion { c[0].Category = "speed"; return c }, "criteria[0].category")
			bad(func(c []qa.Criterion) []qa.Criterion { c[3].Key = "info"; return c }, "criteria[3].key")
			bad(func(c []qa.Criterion) []qa.Criterion { c[3].Key = "Bad Key"; return c }, "criteria[3].key")
			bad(func(c []qa.Criterion) []qa.Criterion { c[4].Label = " "; return c }, "criteria[4].label")
			bad(func(c []qa.Criterion) []qa.Criterion { c[4].PassScore = 101; return c }, "criteria[4].pass_score")
			bad(func(c []qa.Criterion) []qa.Criterion { return nil }, "criteria")
			_, err := f.svc.CreateForm(ctx, f.sam.Actor(), qa.NewForm{Name: "Phone calls", Criteria: slices.Clone(form)})
			wantErr(t, err, anchor.EConflict, "name")
			_, err = f.svc.CreateForm(ctx, f.ana.Actor(), qa.NewForm{Name: "Mine", Criteria: slices.Clone(form)})
			wantErr(t, err, anchor.EForbidden, "")
			_, err = f.svc.Forms(ctx, f.member, false)
			wantErr(t, err, anchor.EForbidden, "")
		})

		t.Run("DefaultPassScore", func(t *testing.T) {
			g, err := f.svc.CreateForm(ctx, f.sam.Actor(), qa.NewForm{Name: "Defaults", Criteria: []qa.Criterion{{Key: "k", Label: "K", Category: "process", Weight: 1}}})
			must(t, err)
			if g.Criteria[0].PassScore != qa.DefaultPassScore {
				t.Fatalf("pass score %d, want %d", g.Criteria[0].PassScore, qa.DefaultPassScore)
			}
		})

		t.Run("Versions", func(t *testing.T) {
			ct := f.contact(f.acme, f.ana, "phone", "2026-11-18T10:00:00Z")
			e1 := f.evaluate(qa.NewEvaluation{FormID: fm.ID, ContactID: ct.ID, Scores: scores("info", 100, "data", 100, "courtesy", 80, "clarity", 40, "greeting", 100)})

			// A stale edit is refused; a good one makes version 2 with a new criterion.
			_, err := f.svc.UpdateForm(ctx, f.sam.Actor(), fm.ID, qa.FormUpdate{Version: 2, Criteria: form[:2]})
			wantErr(t, err, anchor.EConflict, "version")
			_, err = f.svc.UpdateForm(ctx, f.sam.Actor(), fm.ID, qa.FormUpdate{Criteria: form[:2]})
			wantErr(t, err, anchor.EPrecondition, "version")
			v2crit := append(slices.Clone(form[:2]), qa.Criterion{Key: "empathy", Label: "Empathy", Category: qa.CategoryTreatment, Weight: 1})
			v2, err := f.svc.UpdateForm(ctx, f.dir.Actor(), fm.ID, qa.FormUpdate{Version: 1, Criteria: v2crit})
			must(t, err)
			if v2.Version != 2 || len(v2.Criteria) != 3 || v2.VersionCreatedBy != f.dir.ID || v2.Name != "Phone calls" {
				t.Fatalf("version 2 = %+v", v2)
			}
			old, err := f.svc.Form(ctx, f.ana.Actor(), fm.ID, 1)
			must(t, err)
			if old.Version != 1 || old.CurrentVersion != 2 || len(old.Criteria) != 5 {
				t.Fatalf("version 1 after the edit = %+v", old)
			}
			vs, err := f.svc.FormVersions(ctx, f.sam.Actor(), fm.ID)
			must(t, err)
			if len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 {
				t.Fatalf("versions = %+v", vs)
			}

			// The old evaluation keeps version 1 and its five criteria; a new one uses version 2.
			got, err := f.svc.Get(ctx, f.sam.Actor(), e1.ID)
			must(t, err)
			if got.FormVersion != 1 || len(got.Scores) != 5 || got.Scores[2].Label != "Courtesy" {
				t.Fatalf("old evaluation after the edit = %+v", got)
			}
			ct2 := f.contact(f.acme, f.ana, "phone", "2026-11-18T11:00:00Z")
			_, err = f.svc.Evaluate(ctx, f.sam.Actor(), qa.NewEvaluation{FormID: fm.ID, ContactID: ct2.ID, Scores: scores("info", 100, "data", 100, "courtesy", 80, "clarity", 40, "greeting", 100)})
			wantErr(t, err, anchor.EInvalid, "scores[2].key")
			e2 := f.evaluate(qa.NewEvaluation{FormID: fm.ID, ContactID: ct2.ID, Scores: scores("info", 100, "data", 100, "empathy", 60)})
			if e2.FormVersion != 2 || e2.TreatmentScore == nil || *e2.TreatmentScore != 60 {
				t.Fatalf("evaluation on version 2 = %+v", e2)
			}

			// Archived: listed only on request, no new evaluations, no edits.
			_, err = f.svc.ArchiveForm(ctx, f.sam.Actor(), fm.ID)
			must(t, err)
			active, err := f.svc.Forms(ctx, f.ana.Actor(), false)
			must(t, err)
			all, err := f.svc.Forms(ctx, f.ana.Actor(), true)
			must(t, err)
			if len(all) != len(active)+1 {
				t.Fatalf("%d forms with archived, %d without", len(all), len(active))
			}
			ct3 := f.contact(f.acme, f.ana, "phone", "2026-11-18T12:00:00Z")
			_, err = f.svc.Evaluate(ctx, f.sam.Actor(), qa.NewEvaluation{FormID: fm.ID, ContactID: ct3.ID, Scores: scores("info", 100, "data", 100, "empathy", 60)})
			wantErr(t, err, anchor.EInvalid, "form_id")
			_, err = f.svc.UpdateForm(ctx, f.sam.Actor(), fm.ID, qa.FormUpdate{Version: 2, Criteria: form})
			wantErr(t, err, anchor.EConflict, "")
		})
	})
}

func TestEvaluations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		fm := f.form("Phone calls", form)
		call := f.contact(f.acme, f.ana, "phone", "2026-11-18T10:00:00Z")

		// info 0 fails (wrong information given): a defect.
		// treatment (3×100 + 1×100) / 4 = 100; total (0 + 100 + 300 + 100 + 100) / 8 = 600/8 = 75
		e := f.evaluate(qa.NewEvaluation{FormID: fm.ID, ContactID: call.ID, Comment: "Quoted the old tariff",
			Scores: scores("info", 0, "data", 100, "courtesy", 100, "clarity", 100, "greeting", 100)})
		if e.CaseID != f.acme.ID || e.AgentID != f.ana.ID || e.EvaluatorID != f.sam.ID || e.Status != qa.StatusSubmitted ||
			!e.AccuracyDefect || !slices.Equal(e.Defects, []string{"info"}) || *e.TreatmentScore != 100 || e.TotalScore != 75 {
			t.Fatalf("evaluation = %+v", e)
		}
		got, err := f.svc.Get(ctx, f.ana.Actor(), e.ID)
		must(t, err)
		if !got.AccuracyDefect || !slices.Equal(got.Defects, []string{"info"}) || got.TotalScore != 75 || got.FormName != "Phone calls" ||
			len(got.Scores) != 5 || !got.Scores[0].Failed || got.Scores[1].Failed || !got.EvaluatedAt.Equal(f.clock.T) {
			t.Fatalf("stored evaluation = %+v", got)
		}

		t.Run("Invalid", func(t *testing.T) {
			ok := scores("info", 100, "data", 100, "courtesy", 100, "clarity", 100, "greeting", 100)
			other := f.contact(f.bikes, f.ben, "email", "2026-11-18T10:00:00Z")
			for _, tc := range []struct {
				n     qa.NewEvaluation
				code  string
				field string
			}{
				{qa.NewEvaluation{ContactID: other.ID, Scores: ok}, anchor.EInvalid, "form_id"},
				{qa.NewEvaluation{FormID: "nope", ContactID: other.ID, Scores: ok}, anchor.EInvalid, "form_id"},
				{qa.NewEvaluation{FormID: fm.ID, Scores: ok}, anchor.EInvalid, "case_id"},
				{qa.NewEvaluation{FormID: fm.ID, CaseID: "nope", Scores: ok}, anchor.EInvalid, "case_id"},
				{qa.NewEvaluation{FormID: fm.ID, ContactID: "nope", Scores: ok}, anchor.EInvalid, "contact_id"},
				{qa.NewEvaluation{FormID: fm.ID, CaseID: f.acme.ID, ContactID: other.ID, Scores: ok}, anchor.EInvalid, "contact_id"},
				{qa.NewEvaluation{FormID: fm.ID, ContactID: other.ID, AgentID: f.ana.ID, Scores: ok}, anchor.EInvalid, "agent_id"},
				{qa.NewEvaluation{FormID: fm.ID, CaseID: f.bikes.ID, AgentID: f.sam.ID, Scores: ok}, anchor.EInvalid, "agent_id"},
				{qa.NewEvaluation{FormID: fm.ID, ContactID: other.ID}, anchor.EInvalid, "scores"},
				{qa.NewEvaluation{FormID: fm.ID, ContactID: other.ID, Scores: ok[:4]}, anchor.EInvalid, "scores"},
				// No double evaluation of a contact.
				{qa.NewEvaluation{FormID: fm.ID, ContactID: call.ID, Scores: ok}, anchor.EConflict, "contact_id"},
			} {
				_, err := f.svc.Evaluate(ctx, f.sam.Actor(), tc.n)
				wantErr(t, err, tc.code, tc.field)
			}
			_, err := f.svc.Evaluate(ctx, f.ana.Actor(), qa.NewEvaluation{FormID: fm.ID, ContactID: other.ID, Scores: ok})
			wantErr(t, err, anchor.EForbidden, "")
			// A whole case: the agent defaults to its owner.
			c := f.evaluate(qa.NewEvaluation{FormID: fm.ID, CaseID: f.bikes.ID, Scores: ok})
			if c.AgentID != f.ben.ID || c.ContactID != "" || c.AccuracyDefect || c.TotalScore != 100 {
				t.Fatalf("case evaluation = %+v", c)
			}
		})

		t.Run("Visibility", func(t *testing.T) {
			_, err := f.svc.Get(ctx, f.ben.Actor(), e.ID)
			wantErr(t, err, anchor.ENotFound, "")
			_, err = f.svc.Get(ctx, f.member, e.ID)
			wantErr(t, err, anchor.EForbidden, "")
			mine, _, err := f.svc.Evaluations(ctx, f.ben.Actor(), qa.EvaluationFilter{})
			must(t, err)
			for _, x := range mine {
				if x.AgentID != f.ben.ID {
					t.Fatalf("Ben sees %s's evaluation %s", x.AgentID, x.ID)
				}
			}
			_, _, err = f.svc.Evaluations(ctx, f.ben.Actor(), qa.EvaluationFilter{AgentID: f.ana.ID})
			wantErr(t, err, anchor.EForbidden, "")
			anas, _, err := f.svc.Evaluations(ctx, f.sam.Actor(), qa.EvaluationFilter{AgentID: f.ana.ID})
			must(t, err)
			if len(anas) != 1 || anas[0].ID != e.ID || len(anas[0].Scores) != 5 {
				t.Fatalf("Ana's evaluations = %+v", anas)
			}
			_, _, err = f.svc.Evaluations(ctx, f.sam.Actor(), qa.EvaluationFilter{Status: "done"})
			wantErr(t, err, anchor.EInvalid, "status")
		})

		t.Run("Dispute", func(t *testing.T) {
			// Only Ana answers Ana's evaluation.
			_, err := f.svc.Acknowledge(ctx, f.ben.Actor(), e.ID, qa.Acknowledgement{})
			wantErr(t, err, anchor.ENotFound, "")
			_, err = f.svc.Acknowledge(ctx, f.sam.Actor(), e.ID, qa.Acknowledgement{})
			wantErr(t, err, anchor.EForbidden, "")
			_, err = f.svc.Dispute(ctx, f.ana.Actor(), e.ID, qa.NewDispute{Reason: "  "})
			wantErr(t, err, anchor.EInvalid, "reason")
			_, err = f.svc.Resolve(ctx, f.sam.Actor(), e.ID, qa.Resolution{Outcome: qa.OutcomeRejected, Note: "no"})
			wantErr(t, err, anchor.EConflict, "status")

			f.clock.Advance(time.Hour)
			d, err := f.svc.Dispute(ctx, f.ana.Actor(), e.ID, qa.NewDispute{Reason: "The tariff changed that morning; I gave the new one"})
			must(t, err)
			if d.Status != qa.StatusDisputed || d.Dispute == nil || !d.Dispute.DisputedAt.Equal(f.clock.T) {
				t.Fatalf("disputed = %+v", d)
			}
			_, err = f.svc.Acknowledge(ctx, f.ana.Actor(), e.ID, qa.Acknowledgement{})
			wantErr(t, err, anchor.EConflict, "status")
			_, err = f.svc.Resolve(ctx, f.ana.Actor(), e.ID, qa.Resolution{Outcome: qa.OutcomeRejected, Note: "mine"})
			wantErr(t, err, anchor.EForbidden, "")
			_, err = f.svc.Resolve(ctx, f.sam.Actor(), e.ID, qa.Resolution{Outcome: "maybe"})
			wantErr(t, err, anchor.EInvalid, "outcome")
			_, err = f.svc.Resolve(ctx, f.sam.Actor(), e.ID, qa.Resolution{Outcome: qa.OutcomeUpheld})
			wantErr(t, err, anchor.EInvalid, "scores")
			_, err = f.svc.Resolve(ctx, f.sam.Actor(), e.ID, qa.Resolution{Outcome: qa.OutcomeUpheld, Scores: scores("info", 0)})
			wantErr(t, err, anchor.EInvalid, "scores")
			_, err = f.svc.Resolve(ctx, f.sam.Actor(), e.ID, qa.Resolution{Outcome: qa.OutcomeUpheld, Scores: scores("speed", 0)})
			wantErr(t, err, anchor.EInvalid, "scores[0].key")
			_, err = f.svc.Resolve(ctx, f.sam.Actor(), e.ID, qa.Resolution{Outcome: qa.OutcomeRejected})
			wantErr(t, err, anchor.EInvalid, "note")

			// Upheld: info becomes 100, no defect any more.
			// total (200 + 100 + 300 + 100 + 100) / 8 = 800/8 = 100
			f.clock.Advance(time.Hour)
			r, err := f.svc.Resolve(ctx, f.sam.Actor(), e.ID, qa.Resolution{Outcome: qa.OutcomeUpheld, Note: "Tariff confirmed", Scores: scores("info", 100)})
			must(t, err)
			if r.Status != qa.StatusUpheld || r.AccuracyDefect || len(r.Defects) != 0 || r.TotalScore != 100 || r.Revision != 2 ||
				r.Dispute.Outcome != qa.OutcomeUpheld || r.Dispute.ResolvedBy != f.sam.ID || !r.Dispute.ResolvedAt.Equal(f.clock.T) ||
				r.Scores[0].Score != 100 || r.Scores[1].Score != 100 {
				t.Fatalf("upheld = %+v", r)
			}
			h, err := f.svc.History(ctx, f.ana.Actor(), e.ID)
			must(t, err)
			if len(h) != 2 || h[0].Revision != 1 || !h[0].AccuracyDefect || h[0].TotalScore != 75 || h[0].Scores[0].Score != 0 ||
				h[1].AccuracyDefect || h[1].TotalScore != 100 || h[1].ChangedBy != f.sam.ID {
				t.Fatalf("history = %+v", h)
			}
			_, err = f.svc.History(ctx, f.ben.Actor(), e.ID)
			wantErr(t, err, anchor.ENotFound, "")
			_, err = f.svc.Resolve(ctx, f.sam.Actor(), e.ID, qa.Resolution{Outcome: qa.OutcomeRejected, Note: "again"})
			wantErr(t, err, anchor.EConflict, "status")

			// Ben acknowledges his; a rejected dispute keeps the scores.
			other := f.contact(f.bikes, f.ben, "email", "2026-11-19T10:00:00Z")
			b := f.evaluate(qa.NewEvaluation{FormID: fm.ID, ContactID: other.ID, Scores: scores("info", 100, "data", 50, "courtesy", 100, "clarity", 100, "greeting", 100)})
			a, err := f.svc.Acknowledge(ctx, f.ben.Actor(), b.ID, qa.Acknowledgement{Comment: "Fair"})
			must(t, err)
			if a.Status != qa.StatusAcknowledged || a.AcknowledgedAt == nil || a.AgentComment != "Fair" {
				t.Fatalf("acknowledged = %+v", a)
			}
			_, err = f.svc.Dispute(ctx, f.ben.Actor(), b.ID, qa.NewDispute{Reason: "changed my mind"})
			wantErr(t, err, anchor.EConflict, "status")
			third := f.contact(f.bikes, f.ben, "email", "2026-11-19T11:00:00Z")
			c := f.evaluate(qa.NewEvaluation{FormID: fm.ID, ContactID: third.ID, Scores: scores("info", 100, "data", 50, "courtesy", 100, "clarity", 100, "greeting", 100)})
			_, err = f.svc.Dispute(ctx, f.ben.Actor(), c.ID, qa.NewDispute{Reason: "The data was right"})
			must(t, err)
			rj, err := f.svc.Resolve(ctx, f.dir.Actor(), c.ID, qa.Resolution{Outcome: qa.OutcomeRejected, Note: "Postcode was wrong"})
			must(t, err)
			if rj.Status != qa.StatusRejected || !rj.AccuracyDefect || rj.Revision != 1 || rj.Dispute.Note != "Postcode was wrong" {
				t.Fatalf("rejected = %+v", rj)
			}
		})
	})
}

func TestSamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		// Week 47 (16-22 November, UTC): Ana has 4 contacts, Ben 1. Outside it:
		// Sunday 15 November 23:30 UTC (week 46 in UTC, but Monday 00:30 of
		// week 47 in Madrid) and Monday 23 November 00:00 (week 48).
		var anas []string
		for _, at := range []string{"2026-11-16T00:00:00Z", "2026-11-17T10:00:00Z", "2026-11-19T10:00:00Z", "2026-11-22T23:59:59Z"} {
			anas = append(anas, f.contact(f.acme, f.ana, "phone", at).ID)
		}
		bens := f.contact(f.bikes, f.ben, "email", "2026-11-18T10:00:00Z").ID
		early := f.contact(f.acme, f.ana, "phone", "2026-11-15T23:30:00Z").ID
		f.contact(f.acme, f.ana, "phone", "2026-11-23T00:00:00Z")
		// A supervisor's own contact is never sampled.
		f.contact(f.acme, f.sam, "phone", "2026-11-18T10:00:00Z")
		seed := int64(7)

		s, err := f.svc.Draw(ctx, f.dir.Actor(), qa.SampleRequest{Week: "2026-W47", PerAgent: 2, Seed: &seed})
		must(t, err)
		if !s.From.Equal(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)) || !s.To.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) || s.TimeZone != "UTC" {
			t.Fatalf("sample period = %s–%s %s", s.From, s.To, s.TimeZone)
		}
		picked := map[string][]string{}
		for _, a := range s.Assignments {
			picked[a.AgentID] = append(picked[a.AgentID], a.ContactID)
			// Ana's contacts go to her supervisor; Ben has none, so his go to whoever drew.
			want := map[string]string{f.ana.ID: f.sam.ID, f.ben.ID: f.dir.ID}[a.AgentID]
			if a.SupervisorID != want || a.Status != qa.AssignmentPending {
				t.Fatalf("assignment %+v, want supervisor %s, pending", a, want)
			}
		}
		if len(picked) != 2 || !slices.Equal(picked[f.ana.ID], qa.Pick(seed, anas, 2)) || !slices.Equal(picked[f.ben.ID], []string{bens}) {
			t.Fatalf("picked %v; want Ana's %v and Ben's %s", picked, qa.Pick(seed, anas, 2), bens)
		}
		if len(s.Short) != 1 || s.Short[0].AgentID != f.ben.ID || s.Short[0].Picked != 1 {
			t.Fatalf("short = %+v, want Ben with 1", s.Short)
		}

		// The same seed on the same contacts picks the same ones.
		_, err = db.Write.ExecContext(ctx, `DELETE FROM qa_assignments`)
		must(t, err)
		again, err := f.svc.Draw(ctx, f.dir.Actor(), qa.SampleRequest{Week: "2026-W47", PerAgent: 2, Seed: &seed})
		must(t, err)
		var a1, a2 []string
		for _, a := range s.Assignments {
			a1 = append(a1, a.ContactID)
		}
		for _, a := range again.Assignments {
			a2 = append(a2, a.ContactID)
		}
		if !slices.Equal(a1, a2) {
			t.Fatalf("seed %d picked %v, then %v", seed, a1, a2)
		}

		// Evaluating an assigned contact completes its assignment.
		fm := f.form("Phone calls", form)
		first := again.Assignments[0]
		ev := f.evaluate(qa.NewEvaluation{FormID: fm.ID, ContactID: first.ContactID, Scores: scores("info", 100, "data", 100, "courtesy", 100, "clarity", 100, "greeting", 100)})
		done, _, err := f.svc.Assignments(ctx, f.sam.Actor(), qa.AssignmentFilter{Status: qa.AssignmentDone})
		must(t, err)
		if len(done) != 1 || done[0].ID != first.ID || done[0].EvaluationID != ev.ID || done[0].DoneAt == nil || done[0].Week != "2026-W47" {
			t.Fatalf("done assignments = %+v", done)
		}
		pending, _, err := f.svc.Assignments(ctx, f.sam.Actor(), qa.AssignmentFilter{SupervisorID: f.sam.ID, Status: qa.AssignmentPending})
		must(t, err)
		if want := len(picked[f.ana.ID]) - 1; first.AgentID == f.ana.ID && len(pending) != want {
			t.Fatalf("%d pending for Sam, want %d", len(pending), want)
		}

		// A second draw takes only what is left: Ana's other two, never a contact twice.
		rest, err := f.svc.Draw(ctx, f.sam.Actor(), qa.SampleRequest{Week: "2026-W47", PerAgent: 5})
		must(t, err)
		seen := map[string]bool{}
		for _, a := range append(again.Assignments, rest.Assignments...) {
			if seen[a.ContactID] {
				t.Fatalf("contact %s assigned twice", a.ContactID)
			}
			seen[a.ContactID] = true
		}
		if len(rest.Assignments) != 2 || len(seen) != 5 || rest.Seed < 0 {
			t.Fatalf("second draw = %+v", rest)
		}
		// An evaluated contact is not drawn either, even once its assignment is gone.
		_, err = db.Write.ExecContext(ctx, `DELETE FROM qa_assignments`)
		must(t, err)
		all, err := f.svc.Draw(ctx, f.sam.Actor(), qa.SampleRequest{Week: "2026-W47", PerAgent: 5})
		must(t, err)
		for _, a := range all.Assignments {
			if a.ContactID == first.ContactID {
				t.Fatalf("evaluated contact %s drawn again", a.ContactID)
			}
		}
		if len(all.Assignments) != 4 {
			t.Fatalf("%d drawn, want the 4 unevaluated of week 47", len(all.Assignments))
		}

		// In Madrid the week starts an hour earlier: Sunday 23:30 UTC is in,
		// Sunday 22 November 23:59:59 UTC (Monday 00:59 in Madrid) is out.
		_, err = db.Write.ExecContext(ctx, `DELETE FROM qa_assignments`)
		must(t, err)
		m, err := f.svc.Draw(ctx, f.sam.Actor(), qa.SampleRequest{Week: "2026-W47", PerAgent: 10, TimeZone: "Europe/Madrid", AgentIDs: []string{f.ana.ID}})
		must(t, err)
		var got []string
		for _, a := range m.Assignments {
			got = append(got, a.ContactID)
		}
		slices.Sort(got)
		want := []string{early}
		for _, id := range anas[:3] {
			if id != first.ContactID {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("Madrid week 47 drew %v, want %v", got, want)
		}

		for _, tc := range []struct {
			r     qa.SampleRequest
			field string
		}{
			{qa.SampleRequest{Week: "2026-47", PerAgent: 1}, "week"},
			{qa.SampleRequest{Week: "2027-W53", PerAgent: 1}, "week"},
			{qa.SampleRequest{Week: "2026-W47"}, "per_agent"},
			{qa.SampleRequest{Week: "2026-W47", PerAgent: 51}, "per_agent"},
			{qa.SampleRequest{Week: "2026-W47", PerAgent: 1, TimeZone: "Mars/Olympus"}, "time_zone"},
			{qa.SampleRequest{Week: "2026-W47", PerAgent: 1, AgentIDs: []string{f.ana.ID, f.sam.ID}}, "agent_ids[1]"},
			{qa.SampleRequest{Week: "2026-W47", PerAgent: 1, FormID: "nope"}, "form_id"},
		} {
			_, err := f.svc.Draw(ctx, f.sam.Actor(), tc.r)
			wantErr(t, err, anchor.EInvalid, tc.field)
		}
		_, err = f.svc.Draw(ctx, f.ana.Actor(), qa.SampleRequest{Week: "2026-W47", PerAgent: 1})
		wantErr(t, err, anchor.EForbidden, "")
		_, _, err = f.svc.Assignments(ctx, f.ana.Actor(), qa.AssignmentFilter{})
		wantErr(t, err, anchor.EForbidden, "")
	})
}

func TestStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		fm := f.form("Phone calls", form)
		// A form with no treatment criteria, and one with no accuracy criteria.
		accOnly := f.form("Accuracy only", form[:2])
		procOnly := f.form("Process only", form[4:])
		// A chat contact on Acme's phone case: by channel it is chat.
		chat := f.contact(f.acme, f.ana, "chat", "2026-11-17T10:00:00Z")
		call := f.contact(f.acme, f.ana, "phone", "2026-11-17T11:00:00Z")
		mail := f.contact(f.bikes, f.ben, "email", "2026-11-17T12:00:00Z")
		mail2 := f.contact(f.bikes, f.ben, "email", "2026-11-17T13:00:00Z")

		week47 := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
		week48 := week47.AddDate(0, 0, 7)
		week49 := week48.AddDate(0, 0, 7)

		// Evaluated in week 48 (the clock's):
		//  e1 Ana chat     (acme: enterprise, billing)  no defect, treatment 70
		//  e2 Ana phone    (acme)                       defect,    treatment 100
		//  e3 Ben email    (bikes: retail, delivery)    no defect, no treatment (accuracy-only form)
		//  e4 Ben case     (bikes, email)               process-only form: in neither metric
		// Evaluated at exactly the start of week 49, so outside week 48:
		//  e5 Ben email                                 defect,    treatment 50
		f.evaluate(qa.NewEvaluation{FormID: fm.ID, ContactID: chat.ID, Scores: scores("info", 100, "data", 100, "courtesy", 80, "clarity", 40, "greeting", 100)})
		f.clock.Advance(time.Hour)
		f.evaluate(qa.NewEvaluation{FormID: fm.ID, ContactID: call.ID, Scores: scores("info", 0, "data", 100, "courtesy", 100, "clarity", 100, "greeting", 0)})
		f.evaluate(qa.NewEvaluation{FormID: accOnly.ID, ContactID: mail.ID, Scores: scores("info", 100, "data", 100)})
		f.evaluate(qa.NewEvaluation{FormID: procOnly.ID, CaseID: f.bikes.ID, Scores: scores("greeting", 20)})
		f.clock.T = week49
		f.evaluate(qa.NewEvaluation{FormID: fm.ID, ContactID: mail2.ID, Scores: scores("info", 100, "data", 0, "courtesy", 50, "clarity", 50, "greeting", 100)})

		stats := func(from, to time.Time, by string) []qa.Stat {
			t.Helper()
			st, err := f.svc.Stats(ctx, from, to, by)
			must(t, err)
			return st
		}
		eq := func(got []qa.Stat, want ...qa.Stat) {
			t.Helper()
			if !slices.Equal(got, want) {
				t.Fatalf("stats\n got %+v\nwant %+v", got, want)
			}
		}
		// Week 48: 4 evaluations; accuracy counts e1, e2, e3 (2 defect-free:
		// e1, e3) → 2/3; treatment counts e1, e2 → (70 + 100) / 2 = 85.
		eq(stats(week48, week49, ""), qa.Stat{Evaluations: 4, AccuracyEvaluations: 3, DefectFree: 2, TreatmentEvaluations: 2, TreatmentSum: 170})
		// Nothing in week 47: one zero row, so the engine can say "no evaluations".
		eq(stats(week47, week48, ""), qa.Stat{})
		// Weeks 48 and 49 together add e5: accuracy 2/4, treatment (170 + 50) / 3.
		eq(stats(week48, week49.AddDate(0, 0, 7), ""), qa.Stat{Evaluations: 5, AccuracyEvaluations: 4, DefectFree: 2, TreatmentEvaluations: 3, TreatmentSum: 220})

		// By agent: Ana e1, e2; Ben e3, e4.
		agents := []qa.Stat{
			{Key: f.ana.ID, Evaluations: 2, AccuracyEvaluations: 2, DefectFree: 1, TreatmentEvaluations: 2, TreatmentSum: 170},
			{Key: f.ben.ID, Evaluations: 2, AccuracyEvaluations: 1, DefectFree: 1},
		}
		slices.SortFunc(agents, func(a, b qa.Stat) int { return strings.Compare(a.Key, b.Key) })
		eq(stats(week48, week49, "agent"), agents...)
		segments := []qa.Stat{
			{Key: f.enterprise, Evaluations: 2, AccuracyEvaluations: 2, DefectFree: 1, TreatmentEvaluations: 2, TreatmentSum: 170},
			{Key: f.retail, Evaluations: 2, AccuracyEvaluations: 1, DefectFree: 1},
		}
		slices.SortFunc(segments, func(a, b qa.Stat) int { return strings.Compare(a.Key, b.Key) })
		eq(stats(week48, week49, "segment"), segments...)
		// By channel: the contact's (chat, phone, email), the case's for e4 (email).
		eq(stats(week48, week49, "channel"),
			qa.Stat{Key: "chat", Evaluations: 1, AccuracyEvaluations: 1, DefectFree: 1, TreatmentEvaluations: 1, TreatmentSum: 70},
			qa.Stat{Key: "email", Evaluations: 2, AccuracyEvaluations: 1, DefectFree: 1},
			qa.Stat{Key: "phone", Evaluations: 1, AccuracyEvaluations: 1, TreatmentEvaluations: 1, TreatmentSum: 100})
		eq(stats(week48, week49, "category"),
			qa.Stat{Key: "billing", Evaluations: 2, AccuracyEvaluations: 2, DefectFree: 1, TreatmentEvaluations: 2, TreatmentSum: 170},
			qa.Stat{Key: "delivery", Evaluations: 2, AccuracyEvaluations: 1, DefectFree: 1})
		eq(stats(week47, week48, "agent"))

		_, err := f.svc.Stats(ctx, week48, week48, "")
		wantErr(t, err, anchor.EInvalid, "to")
		_, err = f.svc.Stats(ctx, week48, week49, "queue")
		wantErr(t, err, anchor.EInvalid, "by")
	})
}
