package metrics_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"anchor/internal/contactcenter"
	"anchor/internal/metrics"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

// BenchmarkContactCenterByAgent computes a contact-center metric over
// eight generated weeks of a 20-agent center (SQLite) by week and by
// agent, three ways: through the daily rollups, from the 15-minute
// cc_rollups rows, and from the contact records and sessions. A year of
// 50 agents is `anchor bench --existing` on an imported database.
func BenchmarkContactCenterByAgent(b *testing.B) {
	ctx := context.Background()
	db := storetest.OpenSQLite(b)
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return start.AddDate(0, 0, 7*8) }
	cc := &contactcenter.Service{DB: db}
	us := users.NewService(db)
	for i := 1; i <= 20; i++ {
		u, err := us.Create(ctx, users.NewUser{Email: fmt.Sprintf("agent%03d@example.com", i), Name: fmt.Sprintf("Agent %d", i), Role: users.RoleAgent})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := cc.SetAlias(ctx, contactcenter.AliasInput{Alias: fmt.Sprintf("agent%03d", i), UserID: u.ID}); err != nil {
			b.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := contactcenter.GenerateQueueLog(&buf, contactcenter.DemoSpec{Start: start, Days: 7 * 8, Queues: 3, Agents: 20, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "queue_log")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	if _, err := cc.ImportQueueLog(ctx, []string{path}, contactcenter.ImportOptions{Final: true}); err != nil {
		b.Fatal(err)
	}
	if _, err := (&metrics.Service{DB: db}).RollupContactCenterDays(ctx, 1000); err != nil {
		b.Fatal(err)
	}
	q := metrics.Query{From: start, To: db.Now(), Interval: "week", By: metrics.ByAgent}
	for _, c := range []struct {
		name string
		svc  *metrics.Service
	}{
		{"daily-rollups", &metrics.Service{DB: db}},
		{"cc_rollups", &metrics.Service{DB: db, Live: true}},
		{"records", &metrics.Service{DB: db, FromRecords: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.svc.Compute(ctx, "aht", q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
