package contactcenter_test

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"anchor/internal/contactcenter"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// Every write to cc_rollups counts up the marks of the UTC hours it
// touched: an import, an event post, a rebuild (including the hours whose
// rows a rebuild only removes). The metrics' daily rollups rely on it.
func TestRollupMarks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		all := func() map[int64]int64 {
			t.Helper()
			m, err := contactcenter.RollupMarks().Read(ctx, db.Read, time.Unix(0, 0), time.Unix(1<<40, 0))
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		rowHours := func() map[int64]bool {
			t.Helper()
			rows, err := db.Read.Query(`SELECT DISTINCT interval_start FROM cc_rollups`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := map[int64]bool{}
			for rows.Next() {
				var iv int64
				if err := rows.Scan(&iv); err != nil {
					t.Fatal(err)
				}
				out[iv-iv%3_600_000] = true
			}
			return out
		}

		w.importDay(t)
		marks := all()
		hours := rowHours()
		if len(hours) == 0 {
			t.Fatal("no rollups")
		}
		for h := range hours {
			if marks[h] == 0 {
				t.Errorf("hour %s has rollups and no mark", store.Time(h))
			}
		}
		for h := range marks {
			if !hours[h] {
				t.Errorf("hour %s is marked and has no rollups", store.Time(h))
			}
		}

		// An event post marks its contact's hour (15:00 UTC, a new one).
		csv := "type,id,channel,queue,offered_at,outcome\ncontact,x1,email,Sales,2023-11-14T15:10:00Z,abandoned\n"
		er, err := contactcenter.NewEventReader(strings.NewReader(csv), "csv")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.ImportEvents(ctx, er, contactcenter.EventImportOptions{Stream: "mail"}); err != nil {
			t.Fatal(err)
		}
		posted := time.Date(2023, 11, 14, 15, 0, 0, 0, time.UTC).UnixMilli()
		after := all()
		if after[posted] != 1 {
			t.Fatalf("the posted contact's hour has %d marks, want 1", after[posted])
		}
		delete(after, posted)
		if !maps.Equal(after, marks) {
			t.Fatalf("an event post marked other hours: %v, was %v", after, marks)
		}

		// A stray row no event explains, at 03:00: a full rebuild removes
		// it, and marks its hour as well as every hour it rewrites.
		stray := time.Date(2023, 11, 14, 3, 15, 0, 0, time.UTC).UnixMilli()
		if _, err := db.Write.Exec(`INSERT INTO cc_rollups (interval_start, queue_id, offered) VALUES ($1, 'q', 1)`, stray); err != nil {
			t.Fatal(err)
		}
		before := all()
		if _, err := w.svc.Rebuild(ctx, time.Time{}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		rebuilt := all()
		if h := stray - stray%3_600_000; rebuilt[h] != before[h]+1 {
			t.Errorf("the stray row's hour has %d marks, want %d", rebuilt[h], before[h]+1)
		}
		for h := range rowHours() {
			if rebuilt[h] <= before[h] {
				t.Errorf("rebuilt hour %s still has %d marks", store.Time(h), rebuilt[h])
			}
		}
		if n := contactcenter.RollupMarks().Sum(rebuilt, store.Time(posted).Add(-time.Minute), store.Time(posted).Add(time.Minute)); n != rebuilt[posted]+rebuilt[posted-3_600_000] {
			t.Errorf("SumMarks over 14:59–15:01 = %d", n)
		}
	})
}
