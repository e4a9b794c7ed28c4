package demo_test

import (
	"context"
	"testing"
	"time"

	"anchor/internal/demo"
	"anchor/internal/metrics"
	"anchor/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// The full demo gives every metric of the catalogue a value for the last
// full week: a new user's first `anchor serve --demo` shows living screens.
func TestFullDemoHasEveryMetric(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the full demo")
	}
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	res, err := demo.Load(ctx, db, demo.Full)
	if err != nil {
		t.Fatal(err)
	}
	if res.Customers != 2000 || res.Cases != 3000 || res.Calls == 0 {
		t.Fatalf("loaded %+v", res)
	}
	if _, err := demo.Load(ctx, db, demo.Full); err != demo.ErrNotEmpty {
		t.Fatalf("a second load: %v", err)
	}
	ms := &metrics.Service{DB: db}
	sc, err := ms.BuildScorecard(ctx, metrics.WeekOf(db.Now().AddDate(0, 0, -7), time.UTC), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sc.Rows {
		// Ideas are few: a week may have none implemented, which is 0, not null.
		if r.Value == nil {
			t.Errorf("%s has no value in the demo's last week: %s", r.Key, r.Reason)
		}
	}
}
