package eventlog_test

import (
	"context"
	"testing"

	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/eventlog"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// A case's history as the log reads it: its events in order, each with its
// subject, number, type, actor and details; an unknown subject has an
// empty history, not an error; a log over a table that is not there fails.
func TestRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		us := &users.Service{DB: db, KDF: users.TestKDF}
		agent, err := us.Create(ctx, users.NewUser{Email: "a@example.com", Name: "A", Role: "agent"})
		if err != nil {
			t.Fatal(err)
		}
		cs := &customers.Service{DB: db}
		seg, err := cs.CreateSegment(ctx, customers.NewSegment{Name: "retail"})
		if err != nil {
			t.Fatal(err)
		}
		cust, err := cs.Create(ctx, agent.Actor(), customers.NewCustomer{Name: "C", SegmentID: seg.ID, OwnerID: agent.ID})
		if err != nil {
			t.Fatal(err)
		}
		ks := &cases.Service{DB: db, Levels: &servicelevel.Service{DB: db}}
		c, err := ks.Create(ctx, agent.Actor(), cases.NewCase{CustomerID: cust.ID, Subject: "s", Channel: "email"})
		if err != nil {
			t.Fatal(err)
		}
		subject := "new subject"
		if _, err := ks.Update(ctx, agent.Actor(), c.ID, cases.Update{Subject: &subject, Version: c.Version}); err != nil {
			t.Fatal(err)
		}
		log := eventlog.Log{Table: "case_events", Subject: "case_id"}
		evs, err := log.Read(ctx, db.Read, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 {
			t.Fatalf("%d events, want 2: %+v", len(evs), evs)
		}
		for i, e := range evs {
			if e.Seq != i+1 || e.SubjectID != c.ID || e.ActorID != agent.ID || e.ID == "" || e.At.IsZero() || len(e.Data) == 0 {
				t.Errorf("event %d: %+v", i, e)
			}
		}
		if evs[0].Type != cases.EventCreated || evs[1].Type != cases.EventDetailsChanged {
			t.Errorf("types %s, %s; want %s, %s", evs[0].Type, evs[1].Type, cases.EventCreated, cases.EventDetailsChanged)
		}
		none, err := log.Read(ctx, db.Read, "no-such-case")
		if err != nil || none == nil || len(none) != 0 {
			t.Errorf("unknown subject: %v, %v; want an empty history", none, err)
		}
		if _, err := (eventlog.Log{Table: "no_such_events", Subject: "case_id"}).Read(ctx, db.Read, c.ID); err == nil {
			t.Error("a log over a missing table read without an error")
		}
	})
}
