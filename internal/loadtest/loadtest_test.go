package loadtest_test

import (
	"context"
	"testing"
	"time"

	"anchor/internal/loadtest"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// Seeded cases are spread evenly over the year before now, whatever their
// number: the metric benchmarks read them by day.
func TestSeedSpreadsCasesOverTheYear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		if _, err := loadtest.Seed(ctx, db, loadtest.Spec{Cases: 1200, Agents: 2, Customers: 3}); err != nil {
			t.Fatal(err)
		}
		var first, last, days int64
		if err := db.Read.QueryRow(`SELECT MIN(created_at), MAX(created_at), COUNT(DISTINCT created_at / 86400000) FROM cases`).Scan(&first, &last, &days); err != nil {
			t.Fatal(err)
		}
		year := now.AddDate(0, 0, -365)
		if got := store.Time(first); !got.Equal(year) {
			t.Errorf("first case created %s, want %s", got, year)
		}
		if got := store.Time(last); got.Before(now.Add(-8*time.Hour)) || !got.Before(now) {
			t.Errorf("last case created %s, want within the hours before %s", got, now)
		}
		if days < 360 {
			t.Errorf("cases created on %d days, want every day of the year", days)
		}
		// Nothing happened after now; the last days' cases are partly still
		// open, as on a live system.
		var later, recentOpen int
		err := db.Read.QueryRow(`SELECT
			COALESCE(SUM(CASE WHEN first_response_at > $1 OR resolved_at > $1 OR closed_at > $1 THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN created_at > $2 AND status NOT IN ('resolved', 'closed') THEN 1 ELSE 0 END), 0) FROM cases`,
			store.Millis(now), store.Millis(now.Add(-24*time.Hour))).Scan(&later, &recentOpen)
		if err != nil {
			t.Fatal(err)
		}
		if later != 0 || recentOpen == 0 {
			t.Errorf("%d cases with an instant after now, %d of the last day's still open; want none, and some", later, recentOpen)
		}
	})
}
