package servicelevel_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"anchor"
	"anchor/internal/customers"
	"anchor/internal/departments"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const matrixYAML = `
at_risk_share: 0.8
calendars:
  - name: uk
    timezone: Europe/London
    hours:
      mon: [["09:00", "17:00"]]
      tue: [["09:00", "17:00"]]
      wed: [["09:00", "17:00"]]
      thu: [["09:00", "17:00"]]
      fri: [["09:00", "17:00"]]
    recurring_holidays: ["12-25"]
segments:
  enterprise:
    relationship_contacts: {every_days: 30, required_fields: [topics, next_steps]}
    priorities:
      urgent: {first_response: 30m, next_update: 2h, resolution: 4h, callback_window: 30m, calendar: 24x7}
      normal: {first_response: 4h, next_update: 8h, resolution: 24h, callback_window: 2h, calendar: uk}
  retail: {}
departments:
  finance: {accept_within: 4h, complete_within: 16h, calendar: uk}
  legal: {}
`

func setup(t *testing.T, db *store.DB) *servicelevel.Service {
	t.Helper()
	ctx := context.Background()
	cs := &customers.Service{DB: db}
	for _, n := range []string{"enterprise", "retail"} {
		if _, err := cs.CreateSegment(ctx, customers.NewSegment{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	ds := &departments.Service{DB: db}
	for _, n := range []string{"finance", "legal"} {
		if _, err := ds.Create(ctx, departments.NewDepartment{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	return &servicelevel.Service{DB: db}
}

func TestMatrixRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := setup(t, db)
		m, err := servicelevel.ParseMatrix([]byte(matrixYAML))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Import(ctx, anchor.Actor{}, m)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 1 || got.AtRiskShare != 0.8 || len(got.Calendars) != 1 {
			t.Fatalf("imported: version %d share %v calendars %d", got.Version, got.AtRiskShare, len(got.Calendars))
		}
		n := got.Segments["enterprise"].Priorities["normal"]
		if time.Duration(n.FirstResponse) != 4*time.Hour || time.Duration(n.Resolution) != 24*time.Hour || n.Calendar != "uk" {
			t.Fatalf("enterprise/normal = %+v", n)
		}
		if u := got.Segments["enterprise"].Priorities["urgent"]; u.Calendar != servicelevel.AlwaysOpen {
			t.Fatalf("urgent calendar = %q", u.Calendar)
		}
		if rc := got.Segments["enterprise"].RelationshipContacts; rc == nil || rc.EveryDays != 30 || strings.Join(rc.RequiredFields, ",") != "topics,next_steps" {
			t.Fatalf("relationship contacts = %+v", rc)
		}
		if f := got.Departments["finance"]; time.Duration(f.CompleteWithin) != 16*time.Hour || f.Calendar != "uk" {
			t.Fatalf("finance = %+v", f)
		}
		// Exported, the document imports back unchanged (but for the version).
		again, err := s.Import(ctx, anchor.Actor{}, got)
		if err != nil {
			t.Fatal(err)
		}
		got.Version, again.Version = 0, 0
		a, _ := servicelevel.MatrixYAML(got)
		b, _ := servicelevel.MatrixYAML(again)
		if string(a) != string(b) {
			t.Fatalf("export → import changed the matrix:\n%s\n---\n%s", a, b)
		}
		// A stale version is refused.
		again.Version = 1
		if _, err := s.Import(ctx, anchor.Actor{}, again); anchor.ErrorCode(err) != anchor.EConflict {
			t.Fatalf("import on a stale version: %v", err)
		}
	})
}

// A bad document is refused whole, every problem named by its path, and
// the stored matrix stays as it was.
func TestMatrixRefusedWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := setup(t, db)
		good, err := servicelevel.ParseMatrix([]byte(matrixYAML))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Import(ctx, anchor.Actor{}, good); err != nil {
			t.Fatal(err)
		}
		bad := strings.NewReplacer(
			"first_response: 4h", "first_response: -4h", // a negative target
			`mon: [["09:00", "17:00"]]`, `mon: [["09:00", "17:00"], ["12:00", "13:00"]]`, // overlapping hours
			"timezone: Europe/London", "timezone: Europe/Atlantis", // an unknown zone
			"  retail: {}\n", "", // a missing segment
		).Replace(matrixYAML)
		m, err := servicelevel.ParseMatrix([]byte(bad))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Import(ctx, anchor.Actor{}, m)
		var e *anchor.Error
		if !errors.As(err, &e) || e.Code != anchor.EInvalid {
			t.Fatalf("bad matrix: %v", err)
		}
		paths := map[string]bool{}
		for _, p := range e.Problems {
			paths[p.Path] = true
		}
		for _, want := range []string{"segments.enterprise.priorities.normal.first_response", "calendars[0].hours.mon[1]", "calendars[0].timezone", "segments.retail"} {
			if !paths[want] {
				t.Errorf("problem at %s not reported; got %+v", want, e.Problems)
			}
		}
		now, err := s.Export(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if now.Version != 1 || time.Duration(now.Segments["enterprise"].Priorities["normal"].FirstResponse) != 4*time.Hour {
			t.Fatalf("the refused import changed the matrix: %+v", now)
		}
		if _, err := servicelevel.ParseMatrix([]byte("segments: {enterprise: {priorities: {normal: {first_respons: 4h}}}}")); err == nil {
			t.Fatal("a misspelt key was accepted")
		}
		if _, err := servicelevel.ParseMatrix([]byte(`{"segments": {"retail": {"priorities": {"low": {"resolution": 3600}}}}}`)); err == nil {
			t.Fatal("a bare number accepted as a duration")
		}
	})
}

func TestRelationshipContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := &storetest.Clock{T: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
		db.Now = clock.Now
		s := setup(t, db)
		m, _ := servicelevel.ParseMatrix([]byte(matrixYAML))
		if _, err := s.Import(ctx, anchor.Actor{}, m); err != nil {
			t.Fatal(err)
		}
		us := &users.Service{DB: db, KDF: users.TestKDF}
		ana, err := us.Create(ctx, users.NewUser{Email: "ana@example.com", Name: "Ana", Role: "agent"})
		if err != nil {
			t.Fatal(err)
		}
		cs := &customers.Service{DB: db}
		segs, _ := cs.Segments(ctx)
		ent, ret := segs[0], segs[1]
		acme, err := cs.Create(ctx, ana.Actor(), customers.NewCustomer{Name: "Acme", SegmentID: ent.ID, OwnerID: ana.ID})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(10 * 24 * time.Hour)
		globex, err := cs.Create(ctx, ana.Actor(), customers.NewCustomer{Name: "Globex", SegmentID: ent.ID, OwnerID: ana.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Create(ctx, ana.Actor(), customers.NewCustomer{Name: "Shopper", SegmentID: ret.ID, OwnerID: ana.ID}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(21 * 24 * time.Hour) // Acme 31 days old, Globex 21
		due, err := s.DueRelationshipContacts(ctx, ana.ID, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 1 || due[0].CustomerID != acme.ID || !due[0].Overdue {
			t.Fatalf("due within 7 days = %+v, want only Acme, overdue", due)
		}
		due, _ = s.DueRelationshipContacts(ctx, ana.ID, 10)
		if len(due) != 2 || due[1].CustomerID != globex.ID || due[1].Overdue {
			t.Fatalf("due within 10 days = %+v, want Acme then Globex (not yet overdue)", due)
		}
		_, err = s.LogRelationshipContact(ctx, ana.Actor(), acme.ID, servicelevel.NewRelationshipContact{Channel: "visit", Fields: map[string]string{"topics": "renewal"}})
		if e, ok := err.(*anchor.Error); !ok || e.Field != "fields.next_steps" {
			t.Fatalf("contact without a required field: %v", err)
		}
		if _, err := s.LogRelationshipContact(ctx, ana.Actor(), acme.ID, servicelevel.NewRelationshipContact{Channel: "visit",
			Fields: map[string]string{"topics": "renewal", "next_steps": "send offer"}}); err != nil {
			t.Fatal(err)
		}
		due, _ = s.DueRelationshipContacts(ctx, ana.ID, 7)
		if len(due) != 0 {
			t.Fatalf("after contacting Acme, due = %+v", due)
		}
	})
}
