package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestMigrateTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v < 1 {
			t.Fatalf("schema version = %d, want >= 1", v)
		}
	})
}

func TestTxRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO segments (id, name, created_at) VALUES ($1, $2, $3)`, "s1", "retail", int64(1)); err != nil {
				return err
			}
			return errors.New("boom")
		})
		if err == nil || err.Error() != "boom" {
			t.Fatalf("Tx error = %v, want boom", err)
		}
		var n int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM segments`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("segments after rollback = %d, want 0", n)
		}
	})
}

func TestNewIDSortsByTime(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := store.NewID(t0)
	b := store.NewID(t0.Add(time.Millisecond))
	if len(a) != 26 || len(b) != 26 {
		t.Fatalf("id lengths %d %d, want 26", len(a), len(b))
	}
	if !(a < b) {
		t.Fatalf("NewID(t) = %s, NewID(t+1ms) = %s: want increasing", a, b)
	}
	if store.NewID(t0) == a {
		t.Fatal("two ids at the same instant are equal")
	}
}

// The statement cache gives a statement back only when its rows are
// closed: the same query run inside the loop over its own rows still works,
// and so do more distinct queries than the cache holds.
func TestStatementCache(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		for i := 0; i < 3; i++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO segments (id, name, created_at) VALUES ($1, $2, $3)`, fmt.Sprint(i), fmt.Sprint("s", i), int64(i)); err != nil {
				return err
			}
		}
		outer, err := tx.QueryContext(ctx, `SELECT id FROM segments WHERE created_at >= $1 ORDER BY id`, 0)
		if err != nil {
			return err
		}
		defer outer.Close()
		pairs := 0
		for outer.Next() {
			inner, err := tx.QueryContext(ctx, `SELECT id FROM segments WHERE created_at >= $1 ORDER BY id`, 1)
			if err != nil {
				return err
			}
			for inner.Next() {
				pairs++
			}
			if err := inner.Close(); err != nil {
				return err
			}
		}
		if pairs != 6 {
			return fmt.Errorf("nested identical queries gave %d pairs, want 3 × 2", pairs)
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ { // more distinct texts than the cache holds
		var n int
		if err := db.Read.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) + %d FROM segments WHERE created_at >= $1`, i), 0).Scan(&n); err != nil || n != 3+i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
}

func TestAnalyze(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := 0; i < 20; i++ {
			if _, err := db.Write.ExecContext(ctx, `INSERT INTO segments (id, name, created_at) VALUES ($1, $2, $3)`, fmt.Sprint(i), fmt.Sprint("s", i), int64(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Analyze(ctx); err != nil { // and again, over its own statistics
			t.Fatalf("second analyze: %v", err)
		}
		if db.Dialect != store.SQLite {
			return
		}
		var estimates, samples int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'segments'`).Scan(&estimates); err != nil {
			t.Fatal(err)
		}
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_stat4`).Scan(&samples); err != nil {
			t.Fatal(err)
		}
		if estimates == 0 || samples != 0 {
			t.Fatalf("segments has %d index estimates and the database %d samples, want some and none", estimates, samples)
		}
	})
}

// TestConcurrentTransactions: many transactions at once, every third
// failing after its insert. On SQLite they share commits (group commit):
// a failure must take back only its own writes, and a panic must reach its
// own caller.
func TestConcurrentTransactions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 120
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Tx(ctx, func(tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO segments (id, name, created_at) VALUES ($1, $2, $3)`, fmt.Sprint(i), fmt.Sprint("s", i), int64(i)); err != nil {
						return err
					}
					if i%3 == 0 {
						return fmt.Errorf("refused %d", i)
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if want := i%3 == 0; (err != nil) != want {
				t.Fatalf("transaction %d: error %v, want failure %v", i, err, want)
			}
		}
		rows, err := db.Read.QueryContext(ctx, `SELECT created_at FROM segments ORDER BY created_at`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []int64
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		var want []int64
		for i := 0; i < n; i++ {
			if i%3 != 0 {
				want = append(want, int64(i))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("segments stored %v, want %v", got, want)
		}

		// A panic inside a transaction reaches its caller, and the writer
		// goes on serving the others.
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Fatalf("recovered %v, want boom", p)
				}
			}()
			db.Tx(ctx, func(tx *sql.Tx) error { //nolint:errcheck // it panics
				if _, err := tx.ExecContext(ctx, `INSERT INTO segments (id, name, created_at) VALUES ('p', 'panic', 0)`); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		var count int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM segments WHERE id = 'p'`).Scan(&count); err != nil || count != 0 {
			t.Fatalf("the panicking transaction left %d rows (%v)", count, err)
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return nil }); err != nil {
			t.Fatalf("after a panic: %v", err)
		}

		// A caller whose context has ended is told so, and writes nothing.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err = db.Tx(cctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO segments (id, name, created_at) VALUES ('c', 'cancelled', 0)`)
			return err
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled caller: %v, want context.Canceled", err)
		}
	})
}

// TestLogRestartsUnderSteadyWrites: while transactions follow each other
// without a pause, the log must still start again from its beginning, or
// it would grow by everything ever written.
func TestLogRestartsUnderSteadyWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "anchor.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const pageBytes, perTx, txs = 4096, 100, 400 // about 40,000 pages in all
	payload := strings.Repeat("x", pageBytes-600)
	for i := 0; i < txs; i++ {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			for j := 0; j < perTx; j++ {
				n := i*perTx + j
				if _, err := tx.ExecContext(ctx, `INSERT INTO segments (id, name, created_at) VALUES ($1, $2, $3)`, fmt.Sprint(n), fmt.Sprint(n, payload), int64(n)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	written := int64(txs * perTx * pageBytes)
	if fi.Size() > written*3/4 {
		t.Fatalf("log of %d MB after %d MB written: it never started again", fi.Size()>>20, written>>20)
	}
}

// TestBulkLoad: during a bulk load the log is copied into the database file
// beside the writer, which would not checkpoint yet; afterwards the writer
// checkpoints as before.
func TestBulkLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		done, err := db.BulkLoad()
		if err != nil {
			t.Fatal(err)
		}
		pages := func() int {
			var n int
			if err := db.Write.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		var path string
		if db.Dialect == store.SQLite {
			if err := db.Read.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
				t.Fatal(err)
			}
			if n := pages(); n != 16000 {
				t.Fatalf("writer checkpoints at %d pages during a bulk load", n)
			}
		}
		size := func() int64 {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			return fi.Size()
		}
		var before int64
		if path != "" {
			time.Sleep(300 * time.Millisecond)
			before = size()
		}
		payload := strings.Repeat("y", 3000)
		for i := 0; i < 20; i++ { // about 2,000 pages: below the writer's threshold
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				for j := 0; j < 100; j++ {
					n := i*100 + j
					if _, err := tx.ExecContext(ctx, `INSERT INTO segments (id, name, created_at) VALUES ($1, $2, $3)`, fmt.Sprint(n), fmt.Sprint(n, payload), int64(n)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if path != "" {
			deadline := time.Now().Add(10 * time.Second)
			for size() <= before {
				if time.Now().After(deadline) {
					t.Fatalf("database file still %d bytes: nothing copied beside the writer", before)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		if err := done(); err != nil {
			t.Fatal(err)
		}
		if path != "" {
			if n := pages(); n == 16000 || n <= 0 {
				t.Fatalf("writer checkpoints at %d pages after the bulk load", n)
			}
		}
		var n int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM segments`).Scan(&n); err != nil || n != 2000 {
			t.Fatalf("%d segments (%v), want 2000", n, err)
		}
	})
}

func TestChangeMarks(t *testing.T) {
	hour := store.ChangeMarks{Table: "cc_rollup_marks", Grain: time.Hour}
	for _, tt := range []struct{ ms, want int64 }{{0, 0}, {3_599_999, 0}, {3_600_000, 3_600_000}, {-1, -3_600_000}, {-3_600_000, -3_600_000}} {
		if got := hour.Floor(tt.ms); got != tt.want {
			t.Errorf("Floor(%d) = %d, want %d", tt.ms, got, tt.want)
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Marked twice, out of order and repeated: each bucket counts once a call.
		for i := 0; i < 2; i++ {
			if err := hour.Mark(ctx, db.Write, []int64{7_200_000, 0, 7_200_000}); err != nil {
				t.Fatal(err)
			}
		}
		m, err := hour.Read(ctx, db.Read, time.UnixMilli(1_000), time.UnixMilli(7_200_001))
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 2 || m[0] != 2 || m[7_200_000] != 2 {
			t.Fatalf("marks %v, want 0 and 7200000 marked twice", m)
		}
		if n := hour.Sum(m, time.UnixMilli(3_000_000), time.UnixMilli(7_300_000)); n != 4 {
			t.Fatalf("sum over 00:50–02:01 = %d, want 4 (three hours, the middle one unmarked)", n)
		}
	})
}

// EachRow visits every row in order, stops at fn's first error and returns
// it, and reports a query that fails.
func TestEachRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i, name := range []string{"a", "b", "c"} {
			if _, err := db.Write.ExecContext(ctx, `INSERT INTO segments (id, name, created_at) VALUES ($1, $2, $3)`, name, name, int64(i)); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		visit := func(rows *sql.Rows) error {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			got = append(got, s)
			if s == "b" {
				return errors.New("stop at b")
			}
			return nil
		}
		err := store.EachRow(ctx, db.Read, `SELECT name FROM segments WHERE created_at >= $1 ORDER BY name`, []any{int64(0)}, visit)
		if err == nil || err.Error() != "stop at b" || strings.Join(got, ",") != "a,b" {
			t.Fatalf("EachRow = %v after %v, want stop at b after a,b", err, got)
		}
		got = nil
		if err := store.EachRow(ctx, db.Read, `SELECT name FROM segments WHERE name <> $1 ORDER BY name`, []any{"b"}, visit); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, ",") != "a,c" {
			t.Fatalf("EachRow visited %v, want a,c", got)
		}
		if err := store.EachRow(ctx, db.Read, `SELECT nothing FROM segments`, nil, visit); err == nil {
			t.Fatal("EachRow of a bad query: no error")
		}
	})
}
