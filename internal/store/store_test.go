package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
