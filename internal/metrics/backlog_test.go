package metrics_test

import (
	"context"
	"math"
	"testing"

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
