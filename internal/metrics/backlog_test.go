package metrics_test

import (
	"context"
	"math"
	"testing"
	"time"

	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/metrics"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

// The backlog's mean, median and 90th percentile by hand, computed for one
// end alone (a live period) and for many ends at once (a rollup run): the
// two must agree to the last bit, as a rollup is served in place of the
// live figure.
//
//	A..E created 1..5 November at 12:00, C resolved 4 November at 12:00.
//	end 4 Nov 00:00: A B C, ages 2.5 1.5 0.5: mean 1.5, median 1.5, p90 at rank 1.8: 1.5 + 0.8 = 2.3
//	end 5 Nov 00:00: A B D (C resolved), ages 3.5 2.5 0.5: mean 6.5/3, median 2.5, p90 2.5 + 0.8 = 3.3
//	end 6 Nov 00:00: A B D E, ages 4.5 3.5 1.5 0.5: mean 2.5, median 1.5 + 2*0.5 = 2.5, p90 at 2.7: 3.5 + 0.7 = 4.2
func TestBacklogPercentiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := &storetest.Clock{T: day(1, 8, 0)}
		db.Now = clock.Now
		us := &users.Service{DB: db, KDF: users.TestKDF}
		agent, err := us.Create(ctx, users.NewUser{Email: "a@example.com", Name: "Agent A", Role: "agent"})
		if err != nil {
			t.Fatal(err)
		}
		cs := &customers.Service{DB: db}
		seg, err := cs.CreateSegment(ctx, customers.NewSegment{Name: "retail"})
		if err != nil {
			t.Fatal(err)
		}
		cust, err := cs.Create(ctx, agent.Actor(), customers.NewCustomer{Name: "R", SegmentID: seg.ID, OwnerID: agent.ID})
		if err != nil {
			t.Fatal(err)
		}
		ks := &cases.Service{DB: db, Levels: &servicelevel.Service{DB: db}}
		var ids []string
		for d := 1; d <= 5; d++ {
			clock.T = day(d, 12, 0)
			c, err := ks.Create(ctx, agent.Actor(), cases.NewCase{CustomerID: cust.ID, Subject: "s", Channel: "email", Category: "billing"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		clock.T = day(4, 12, 0)
		c, err := ks.Get(ctx, ids[2])
		if err != nil {
			t.Fatal(err)
		}
		resolved := "resolved"
		if _, err := ks.Update(ctx, agent.Actor(), ids[2], cases.Update{Status: &resolved, Version: c.Version}); err != nil {
			t.Fatal(err)
		}
		clock.T = day(20, 0, 0)

		svc := &metrics.Service{DB: db, Live: true}
		want := []struct{ num, den, median, p90 float64 }{{4.5, 3, 1.5, 2.3}, {6.5, 3, 2.5, 3.3}, {10, 4, 2.5, 4.2}}
		for _, by := range []string{"", metrics.ByAgent} {
			many, err := svc.Compute(ctx, "backlog_age", metrics.Query{From: day(3, 0, 0), To: day(6, 0, 0), Interval: "day", By: by})
			if err != nil {
				t.Fatal(err)
			}
			if len(many.Points) != 3 {
				t.Fatalf("by %q: %d points, want 3", by, len(many.Points))
			}
			for i, w := range want {
				p := many.Points[i]
				one, err := svc.Compute(ctx, "backlog_age", metrics.Query{From: p.PeriodStart, To: p.PeriodEnd, By: by})
				if err != nil {
					t.Fatal(err)
				}
				q := one.Points[0]
				if q.Numerator != p.Numerator || q.Denominator != p.Denominator || q.Extra["median_days"] != p.Extra["median_days"] ||
					q.Extra["p90_days"] != p.Extra["p90_days"] || q.Extra["over_target"] != p.Extra["over_target"] {
					t.Errorf("by %q, end %s: one end %v/%v %v, many ends %v/%v %v", by, p.PeriodEnd, q.Numerator, q.Denominator, q.Extra,
						p.Numerator, p.Denominator, p.Extra)
				}
				for _, g := range [][2]float64{{p.Numerator, w.num}, {p.Denominator, w.den}, {p.Extra["median_days"], w.median}, {p.Extra["p90_days"], w.p90}} {
					if math.Abs(g[0]-g[1]) > 1e-9 {
						t.Errorf("by %q, end %s: %v/%v median %v p90 %v, want %v/%v median %v p90 %v", by, p.PeriodEnd,
							p.Numerator, p.Denominator, p.Extra["median_days"], p.Extra["p90_days"], w.num, w.den, w.median, w.p90)
						break
					}
				}
			}
		}
	})
}

// The backlog at now, the end of every period still going, by every cut:
// read by rank from the indexes of open cases (and for the segment case by
// case), checked by hand and against the same instant computed as a past
// end, case by case, once the clock has moved on.
//
//	created (12:00)  customer  channel  category  owner  due      at 10 Nov 00:00
//	1  1 Nov         retail    email    billing   A1     5 Nov    8.5 days, over
//	2  2 Nov         retail    phone    billing   A1              7.5
//	3  3 Nov         business  email    tech      A2     5 Nov    6.5, over
//	4  4 Nov         retail    email    tech      A1              resolved 5 Nov
//	5  6 Nov         business  phone    billing   none            3.5
//	6  8 Nov         retail    email    billing   A2              1.5
//	7  9 Nov         business  email    billing   A1     12 Nov   0.5
//	cases 2 and 7 are resolved on 10 Nov at 06:00, case 8 created at 07:00
//
// Youngest first, the median of n ages lies at rank (n-1)/2, the 90th
// percentile at 0.9(n-1), interpolated between the ranks around it:
//
//	all       0.5 1.5 3.5 6.5 7.5 8.5  total 28    median 3.5+.5*3 = 5    p90 7.5+.5*1 = 8
//	A1        0.5 7.5 8.5              total 16.5  median 7.5             p90 7.5+.8*1 = 8.3
//	A2        1.5 6.5                  total 8     median 4               p90 1.5+.9*5 = 6
//	none      3.5                      total 3.5   median 3.5             p90 3.5
//	email     0.5 1.5 6.5 8.5          total 17    median 1.5+.5*5 = 4    p90 6.5+.7*2 = 7.9
//	phone     3.5 7.5                  total 11    median 5.5             p90 3.5+.9*4 = 7.1
//	billing   0.5 1.5 3.5 7.5 8.5      total 21.5  median 3.5             p90 7.5+.6*1 = 8.1
//	tech      6.5                      total 6.5   median 6.5             p90 6.5
//	retail    1.5 7.5 8.5              total 17.5  median 7.5             p90 8.3
//	business  0.5 3.5 6.5              total 10.5  median 3.5             p90 3.5+.8*3 = 5.9
func TestBacklogNow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := &storetest.Clock{T: day(1, 8, 0)}
		db.Now = clock.Now
		us := &users.Service{DB: db, KDF: users.TestKDF}
		var agents []users.User
		for _, e := range []string{"a1@example.com", "a2@example.com"} {
			a, err := us.Create(ctx, users.NewUser{Email: e, Name: e, Role: "agent"})
			if err != nil {
				t.Fatal(err)
			}
			agents = append(agents, a)
		}
		a1, a2 := agents[0], agents[1]
		cs := &customers.Service{DB: db}
		custs, segs := map[string]string{}, map[string]string{}
		for _, name := range []string{"retail", "business"} {
			seg, err := cs.CreateSegment(ctx, customers.NewSegment{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			c, err := cs.Create(ctx, a1.Actor(), customers.NewCustomer{Name: name, SegmentID: seg.ID, OwnerID: a1.ID})
			if err != nil {
				t.Fatal(err)
			}
			custs[name], segs[name] = c.ID, seg.ID
		}
		ks := &cases.Service{DB: db, Levels: &servicelevel.Service{DB: db}}
		fixture := []struct {
			day                         int
			customer, channel, category string
			owner                       users.User
			due                         int // day of November, 0 for none
		}{
			{1, "retail", "email", "billing", a1, 5},
			{2, "retail", "phone", "billing", a1, 0},
			{3, "business", "email", "tech", a2, 5},
			{4, "retail", "email", "tech", a1, 0},
			{6, "business", "phone", "billing", a1, 0},
			{8, "retail", "email", "billing", a2, 0},
			{9, "business", "email", "billing", a1, 12},
		}
		var ids []string
		for _, f := range fixture {
			clock.T = day(f.day, 12, 0)
			c, err := ks.Create(ctx, f.owner.Actor(), cases.NewCase{CustomerID: custs[f.customer], Subject: "s", Channel: f.channel,
				Category: f.category, OwnerID: f.owner.ID})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
			var due any
			if f.due != 0 {
				due = store.Millis(day(f.due, 0, 0))
			}
			if _, err := db.Write.ExecContext(ctx, `UPDATE cases SET resolution_due_at = $1 WHERE id = $2`, due, c.ID); err != nil {
				t.Fatal(err)
			}
			if f.day == 4 {
				clock.T = day(5, 12, 0)
				resolved := "resolved"
				if _, err := ks.Update(ctx, a1.Actor(), c.ID, cases.Update{Status: &resolved, Version: c.Version}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := db.Write.ExecContext(ctx, `UPDATE cases SET owner_id = NULL WHERE id = $1`, ids[4]); err != nil {
			t.Fatal(err)
		}

		type want struct{ total, n, median, p90, over float64 }
		wants := map[string]map[string]want{
			"":                 {"": {28, 6, 5, 8, 2}},
			metrics.ByAgent:    {a1.ID: {16.5, 3, 7.5, 8.3, 1}, a2.ID: {8, 2, 4, 6, 1}, "": {3.5, 1, 3.5, 3.5, 0}},
			metrics.ByChannel:  {"email": {17, 4, 4, 7.9, 2}, "phone": {11, 2, 5.5, 7.1, 0}},
			metrics.ByCategory: {"billing": {21.5, 5, 3.5, 8.1, 1}, "tech": {6.5, 1, 6.5, 6.5, 1}},
			metrics.BySegment:  {segs["retail"]: {17.5, 3, 7.5, 8.3, 1}, segs["business"]: {10.5, 3, 3.5, 5.9, 1}},
		}

		svc := &metrics.Service{DB: db, Live: true}
		snapshot := func(q metrics.Query) map[string]metrics.Point {
			t.Helper()
			r, err := svc.Compute(ctx, "backlog_age", q)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]metrics.Point{}
			for _, p := range r.Points {
				if p.Value != nil {
					out[p.Cut] = p
				}
			}
			return out
		}
		// The snapshot at 10 Nov 00:00 three ways: at now (only open cases);
		// as a recent past end once cases 2 and 7 have been resolved and
		// case 8 created after it (read by rank, with the two that left
		// merged in); and as an old past end, case by case.
		type snap struct {
			label  string
			points map[string]metrics.Point
		}
		snaps := map[string][]snap{}
		clock.T = day(10, 0, 0)
		for by := range wants {
			snaps[by] = append(snaps[by], snap{"at now", snapshot(metrics.Query{From: day(9, 0, 0), To: day(11, 0, 0), By: by})})
		}
		clock.T = day(10, 6, 0)
		resolved := "resolved"
		for _, i := range []int{1, 6} {
			c, err := ks.Get(ctx, ids[i])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ks.Update(ctx, a1.Actor(), c.ID, cases.Update{Status: &resolved, Version: c.Version}); err != nil {
				t.Fatal(err)
			}
		}
		clock.T = day(10, 7, 0)
		if _, err := ks.Create(ctx, a1.Actor(), cases.NewCase{CustomerID: custs["retail"], Subject: "s", Channel: "email", Category: "billing", OwnerID: a1.ID}); err != nil {
			t.Fatal(err)
		}
		for _, at := range []struct {
			label string
			now   time.Time
		}{{"a recent end", day(10, 12, 0)}, {"an old end", day(20, 0, 0)}} {
			clock.T = at.now
			for by := range wants {
				snaps[by] = append(snaps[by], snap{at.label, snapshot(metrics.Query{From: day(9, 0, 0), To: day(10, 0, 0), By: by})})
			}
		}
		for by, cuts := range wants {
			for _, sn := range snaps[by] {
				if len(sn.points) != len(cuts) {
					t.Errorf("by %q, %s: %d cuts, want %d", by, sn.label, len(sn.points), len(cuts))
				}
				for cut, w := range cuts {
					p := sn.points[cut]
					got := []float64{p.Numerator, p.Denominator, p.Extra["median_days"], p.Extra["p90_days"], p.Extra["over_target"]}
					for i, v := range []float64{w.total, w.n, w.median, w.p90, w.over} {
						if math.Abs(got[i]-v) > 1e-9 {
							t.Errorf("by %q cut %q, %s: total %v n %v median %v p90 %v over %v, want %+v", by, cut, sn.label, got[0], got[1], got[2], got[3], got[4], w)
							break
						}
					}
					// To the last bit, as a rollup is served in place of the live figure.
					if q := snaps[by][0].points[cut]; q.Numerator != p.Numerator || q.Denominator != p.Denominator ||
						q.Extra["median_days"] != p.Extra["median_days"] || q.Extra["p90_days"] != p.Extra["p90_days"] {
						t.Errorf("by %q cut %q: %s %v/%v %v, at now %v/%v %v", by, cut, sn.label, p.Numerator, p.Denominator, p.Extra,
							q.Numerator, q.Denominator, q.Extra)
					}
				}
			}
		}
	})
}
