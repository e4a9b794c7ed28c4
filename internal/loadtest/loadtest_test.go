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
	})
}
