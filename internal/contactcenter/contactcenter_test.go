package contactcenter_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"anchor"
	"anchor/internal/contactcenter"
	"anchor/internal/customers"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// base is the start of the fixture's first interval: day.log's offsets
// below are seconds after it.
const base = 1700000100

func at(off int64) time.Time { return time.Unix(base+off, 0).UTC() }

const s = 1000 // milliseconds in a second

// world is day.log's setting: Alice and Bob are users with aliases,
// Carol is not mapped; the caller 555 1001 is a customer in segment
// "gold"; sales has a 10 s wrap-up and "Wrapup" as its wrap-up pause
// reason; support is unknown until the import creates it.
type world struct {
	svc        *contactcenter.Service
	alice, bob string
	gold, acme string
	sales      contactcenter.Queue
}

func newWorld(t *testing.T, db *store.DB) world {
	t.Helper()
	ctx := context.Background()
	w := world{svc: &contactcenter.Service{DB: db}}
	// Every world keys its events under one secret, so that the tables of
	// two worlds that imported the same lines are equal (an import draws
	// its database's secret at random).
	if _, err := db.Write.ExecContext(ctx, `INSERT INTO cc_event_key_scheme (id, scheme, secret) VALUES (1, 2, '000102030405060708090a0b0c0d0e0f')`); err != nil {
		t.Fatal(err)
	}
	us := users.NewService(db)
	for _, u := range []struct {
		id   *string
		name string
	}{{&w.alice, "Alice"}, {&w.bob, "Bob"}} {
		got, err := us.Create(ctx, users.NewUser{Email: strings.ToLower(u.name) + "@example.com", Name: u.name, Role: users.RoleAgent})
		if err != nil {
			t.Fatal(err)
		}
		*u.id = got.ID
		if _, err := w.svc.SetAlias(ctx, contactcenter.AliasInput{Alias: u.name, UserID: got.ID}); err != nil {
			t.Fatal(err)
		}
	}
	cs := &customers.Service{DB: db}
	seg, err := cs.CreateSegment(ctx, customers.NewSegment{Name: "gold"})
	if err != nil {
		t.Fatal(err)
	}
	w.gold = seg.ID
	c, err := cs.Create(ctx, anchor.Actor{UserID: w.alice, Role: users.RoleAgent}, customers.NewCustomer{Name: "Acme", SegmentID: seg.ID,
		Contacts: []customers.Contact{{Name: "Jo", Phone: "555 1001"}}})
	if err != nil {
		t.Fatal(err)
	}
	w.acme = c.ID
	wrap := 10
	w.sales, err = w.svc.CreateQueue(ctx, contactcenter.NewQueue{Name: "Sales", AsteriskName: "sales", WrapUpSeconds: &wrap, WrapUpReasons: []string{"Wrapup"}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w world) importDay(t *testing.T) contactcenter.ImportReport {
	t.Helper()
	rep, err := w.svc.ImportQueueLog(context.Background(), []string{"testdata/day.log"}, contactcenter.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (w world) queueID(t *testing.T, name string) string {
	t.Helper()
	qs, err := w.svc.Queues(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if q.Name == name {
			return q.ID
		}
	}
	t.Fatalf("no queue %q in %+v", name, qs)
	return ""
}

// TestDay imports day.log and checks every record and rollup figure
// against the numbers worked out by hand in the comments.
func TestDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		rep := w.importDay(t)
		// 36 lines: 35 events and one junk line (line 21).
		if rep.Lines != 36 || rep.Events != 35 || rep.Malformed != 1 || rep.Duplicates != 0 {
			t.Fatalf("report lines %d events %d malformed %d duplicates %d", rep.Lines, rep.Events, rep.Malformed, rep.Duplicates)
		}
		if errs := rep.Files[0].Errors; len(errs) != 1 || errs[0].Line != 21 {
			t.Fatalf("malformed lines %v, want line 21", errs)
		}
		if !reflect.DeepEqual(rep.NewQueues, []string{"support"}) || !reflect.DeepEqual(rep.UnmappedAgents, []string{"Carol"}) {
			t.Fatalf("new queues %v, unmapped %v", rep.NewQueues, rep.UnmappedAgents)
		}
		if rep.Records != 10 || rep.Sessions != 12 || rep.OpenCalls+rep.PendingRecords+rep.OpenSpans != 0 {
			t.Fatalf("records %d sessions %d open %d/%d/%d", rep.Records, rep.Sessions, rep.OpenCalls, rep.PendingRecords, rep.OpenSpans)
		}
		support := w.queueID(t, "support")

		recs, _, err := w.svc.ContactRecords(ctx, contactcenter.RecordFilter{Page: store.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		type want struct {
			call, queue, outcome, agent string
			offered                     int64
			wait, talk, acw             int64
			seg                         string
		}
		wants := []want{
			{"c1", w.sales.ID, "answered", w.alice, 10, 5 * s, 60 * s, 10 * s, w.gold}, // queue wrap-up: no pause followed
			{"c2", w.sales.ID, "abandoned", "", 20, 3 * s, 0, 0, ""},
			{"c3", w.sales.ID, "abandoned", "", 30, 40 * s, 0, 0, ""},
			{"c4", w.sales.ID, "answered", w.bob, 40, 20 * s, 120 * s, 30 * s, ""}, // Wrapup pause 281..311
			{"c5", w.sales.ID, "timeout", "", 100, 60 * s, 0, 0, ""},
			{"c5", support, "answered", "", 161, 9 * s, 300 * s, 0, ""}, // Carol is unmapped; support has no wrap-up
			{"c6", w.sales.ID, "exit_key", "", 200, 30 * s, 0, 0, ""},
			{"c7", w.sales.ID, "transferred", w.alice, 300, 25 * s, 60 * s, 10 * s, ""},
			{"c8", w.sales.ID, "rejected", "", 400, 0, 0, 0, ""},
			{"c9", w.sales.ID, "answered", w.alice, 950, 5 * s, 60 * s, 10 * s, ""},
		}
		if len(recs) != len(wants) {
			t.Fatalf("%d records, want %d", len(recs), len(wants))
		}
		sort.Slice(recs, func(i, j int) bool { return recs[i].OfferedAt.Before(recs[j].OfferedAt) })
		for i, wt := range wants {
			r := recs[i]
			got := want{r.CallID, r.QueueID, r.Outcome, r.AgentID, r.OfferedAt.Unix() - base, r.WaitMS, r.TalkMS, r.ACWMS, r.SegmentID}
			if got != wt {
				t.Errorf("record %d:\n got %+v\nwant %+v", i, got, wt)
			}
		}
		if c4 := recs[3]; c4.RingAttempts != 2 || !reflect.DeepEqual(c4.Unanswered, []string{"Bob"}) || !c4.ACWMeasured || c4.Agent != "Bob" {
			t.Errorf("c4 rings %d unanswered %v measured %v agent %q", c4.RingAttempts, c4.Unanswered, c4.ACWMeasured, c4.Agent)
		}
		if c7 := recs[7]; c7.TransferTarget != "2000@from-internal" || c7.TransferKind != "blind" {
			t.Errorf("c7 transfer %q %q", c7.TransferKind, c7.TransferTarget)
		}
		if c5 := recs[5]; c5.Visit != 2 || c5.Agent != "Carol" || c5.Queue != "support" {
			t.Errorf("c5 overflow visit %d agent %q queue %q", c5.Visit, c5.Agent, c5.Queue)
		}
		if recs[0].CustomerID != w.acme {
			t.Errorf("c1 customer %q, want %q", recs[0].CustomerID, w.acme)
		}

		// Sales over the day: offered c1 c2 c3 c4 c5 c6 c7 c9 = 8 (c8 was
		// rejected); answered c1 c4 c7 c9; within 20 s c1 (5) c4 (20) c9 (5);
		// abandoned c2 (3 s: short) c3; other exits c5 (timeout) c6 (key).
		// Waits 5+20+25+5 = 55 s; talk 60+120+60+60 = 300 s; wrap 10+30+10+10.
		salesWant := contactcenter.Counts{Offered: 8, Answered: 4, AnsweredWithinThreshold: 3, Abandoned: 2, ShortAbandoned: 1,
			OtherExits: 2, Transferred: 1, Rejected: 1, Handled: 4, WaitAnsweredMS: 55 * s, WaitAbandonedMS: 43 * s,
			TalkMS: 300 * s, WrapMS: 60 * s}
		got, err := w.svc.Totals(ctx, contactcenter.RollupFilter{From: at(0), To: at(1800), QueueID: w.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got != salesWant {
			t.Errorf("sales totals\n got %+v\nwant %+v", got, salesWant)
		}
		metric := func(name string, v any, ok bool, want any) {
			t.Helper()
			if !ok || fmt.Sprint(v) != fmt.Sprint(want) {
				t.Errorf("%s = %v (ok %v), want %v", name, v, ok, want)
			}
		}
		aht, ok := got.AHT()
		metric("sales aht", aht, ok, 90*time.Second) // (300 + 60) / 4
		ar, ok := got.AbandonRate()
		metric("sales abandon_rate", ar, ok, 1.0/7) // (2 − 1) / (8 − 1)
		sl, ok := got.ServiceLevel()
		metric("sales service_level", sl, ok, 3.0/7) // 3 / (8 − 1)
		asa, ok := got.ASA()
		metric("sales asa", asa, ok, 13750*time.Millisecond) // 55 / 4

		// Everything: support adds c5's second visit, answered by Carol in
		// 9 s with 300 s talk.
		all, err := w.svc.Totals(ctx, contactcenter.RollupFilter{})
		if err != nil {
			t.Fatal(err)
		}
		aht, ok = all.AHT()
		metric("aht", aht, ok, 132*time.Second) // (600 + 60) / 5
		sl, ok = all.ServiceLevel()
		metric("service_level", sl, ok, 0.5) // 4 / (9 − 1)

		// Agent time. Alice: available 0-600, lunch 600-900, available
		// 900-1200. Bob: available but for a 30 s Wrapup pause, which is
		// work, so available all 1200 s. Carol (unmapped, agent ''):
		// available 1200 s.
		type agentWant struct {
			agent                 string
			interval              int64
			logged, avail, paused int64
		}
		rows, err := w.svc.Rollups(ctx, contactcenter.RollupFilter{By: []string{"interval", "queue", "agent"}})
		if err != nil {
			t.Fatal(err)
		}
		var times []agentWant
		for _, r := range rows {
			if r.QueueID == "" {
				times = append(times, agentWant{r.AgentID, r.IntervalStart.Unix() - base, r.LoggedInMS, r.AvailableMS, r.PausedMS})
			}
		}
		sort.Slice(times, func(i, j int) bool {
			if times[i].interval != times[j].interval {
				return times[i].interval < times[j].interval
			}
			return times[i].agent < times[j].agent
		})
		wantTimes := []agentWant{{"", 0, 900 * s, 900 * s, 0}, {w.alice, 0, 900 * s, 600 * s, 300 * s}, {w.bob, 0, 900 * s, 900 * s, 0},
			{"", 900, 300 * s, 300 * s, 0}, {w.alice, 900, 300 * s, 300 * s, 0}, {w.bob, 900, 300 * s, 300 * s, 0}}
		sort.Slice(wantTimes, func(i, j int) bool {
			if wantTimes[i].interval != wantTimes[j].interval {
				return wantTimes[i].interval < wantTimes[j].interval
			}
			return wantTimes[i].agent < wantTimes[j].agent
		})
		if !reflect.DeepEqual(times, wantTimes) {
			t.Errorf("agent time rows\n got %+v\nwant %+v", times, wantTimes)
		}
		alice, err := w.svc.Totals(ctx, contactcenter.RollupFilter{AgentID: w.alice})
		if err != nil {
			t.Fatal(err)
		}
		av, ok := alice.Availability()
		metric("alice availability", av, ok, 0.75) // (1200 − 300) / 1200
		oc, ok := alice.Occupancy()
		metric("alice occupancy", oc, ok, 210.0/900) // c1 c7 c9: 3 × (60 + 10) / 900
		bob, err := w.svc.Totals(ctx, contactcenter.RollupFilter{AgentID: w.bob})
		if err != nil {
			t.Fatal(err)
		}
		oc, ok = bob.Occupancy()
		metric("bob occupancy", oc, ok, 150.0/1200) // c4: 120 + 30

		// Interval cut: only c9 was offered in the second interval.
		second, err := w.svc.Totals(ctx, contactcenter.RollupFilter{From: at(900), To: at(1800), QueueID: w.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		if second.Offered != 1 || second.Answered != 1 || second.TalkMS != 60*s {
			t.Errorf("second interval %+v", second)
		}
		// Segment cut: only c1 came from a known customer.
		gold, err := w.svc.Totals(ctx, contactcenter.RollupFilter{SegmentID: w.gold})
		if err != nil {
			t.Fatal(err)
		}
		if gold.Offered != 1 || gold.Handled != 1 || gold.HandleMS() != 70*s {
			t.Errorf("gold segment %+v", gold)
		}

		sessions, _, err := w.svc.AgentSessions(ctx, contactcenter.SessionFilter{Agent: "Alice", Kind: "unavailable", Page: store.Page{Limit: 10}})
		if err != nil {
			t.Fatal(err)
		}
		if len(sessions) != 1 || sessions[0].Reason != "lunch" || sessions[0].Start.Unix()-base != 600 || sessions[0].End.Unix()-base != 900 {
			t.Errorf("Alice unavailable spans %+v", sessions)
		}
		aliases, err := w.svc.Aliases(ctx, contactcenter.AliasFilter{Unmapped: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(aliases) != 1 || aliases[0].Alias != "Carol" || !aliases[0].AutoCreated {
			t.Errorf("unmapped aliases %+v", aliases)
		}
	})
}
