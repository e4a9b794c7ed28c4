package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// testRows are rows of (id, n, flag, note, data), note NULL when empty.
type testRows []struct {
	id   string
	n    int64
	flag bool
	note string
	data []byte
}

func (r testRows) Len() int { return len(r) }
func (r testRows) AppendRow(dst []any, i int) []any {
	var note any
	if r[i].note != "" {
		note = r[i].note
	}
	return append(dst, r[i].id, r[i].n, r[i].flag, note, r[i].data)
}

func TestInsertRows(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	if _, err := db.Write.ExecContext(ctx, `CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT NOT NULL, flag BOOLEAN NOT NULL, note TEXT, data BLOB) WITHOUT ROWID`); err != nil {
		t.Fatal(err)
	}
	cols := []string{"id", "n", "flag", "note", "data"}
	var rows testRows
	for i := range 5000 {
		rows = append(rows, struct {
			id   string
			n    int64
			flag bool
			note string
			data []byte
		}{fmt.Sprintf("r%05d", i), int64(i) << 33, i%2 == 0, strings.Repeat("x", i%3), []byte{byte(i), 0, 1}})
	}
	insert := func(rs testRows) error {
		return db.Tx(ctx, func(tx *sql.Tx) error {
			return store.InsertRows(ctx, tx, "t", cols, rs, "ON CONFLICT (id) DO NOTHING")
		})
	}
	t.Run("OK", func(t *testing.T) {
		if err := insert(rows); err != nil {
			t.Fatal(err)
		}
		// Again, with a changed value: the tail keeps the stored rows.
		again := append(testRows{}, rows[:10]...)
		again[0].n = -1
		if err := insert(again); err != nil {
			t.Fatal(err)
		}
		var n, sum, flags, notes int64
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*), SUM(n >> 33), SUM(flag), COUNT(note) FROM t`).Scan(&n, &sum, &flags, &notes); err != nil {
			t.Fatal(err)
		}
		if n != 5000 || sum != 4999*5000/2 || flags != 2500 || notes != 3333 {
			t.Fatalf("got %d rows, sum %d, %d flags, %d notes; want 5000, %d, 2500, 3333", n, sum, flags, notes, 4999*5000/2)
		}
		var note sql.NullString
		var data []byte
		var typ string
		if err := db.Read.QueryRowContext(ctx, `SELECT note, data, typeof(data) FROM t WHERE id = 'r00002'`).Scan(&note, &data, &typ); err != nil {
			t.Fatal(err)
		}
		if note.String != "xx" || string(data) != "\x02\x00\x01" || typ != "blob" {
			t.Fatalf("row r00002: note %q, data %q (%s); want xx, \\x02\\x00\\x01 (blob)", note.String, data, typ)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		if err := insert(nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrRolledBack", func(t *testing.T) {
		bad := testRows{rows[0], rows[0]}
		bad[0].id, bad[1].id = "dup", "dup"
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			return store.InsertRows(ctx, tx, "t", cols, bad, "")
		})
		if err == nil || !strings.Contains(err.Error(), "insert rows into t") {
			t.Fatalf("a duplicate key without ON CONFLICT: got %v, want a constraint error", err)
		}
		var n int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM t WHERE id = 'dup'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rows of the failed insert: %d (%v), want 0", n, err)
		}
	})
}
