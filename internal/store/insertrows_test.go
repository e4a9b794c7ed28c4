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

// testRows are rows of (id, n, flag, tag, note, data); note is nil, ""
// or "xx" by turns.
type testRows []testRow

type testRow struct {
	id   string
	n    int64
	flag bool
	tag  string
	note *string
	data []byte
}

func (r testRows) Len() int { return len(r) }
func (r testRows) AppendRow(dst []store.Value, i int) []store.Value {
	note := store.Null()
	if r[i].note != nil {
		note = store.Text(*r[i].note)
	}
	return append(dst, store.Text(r[i].id), store.Int(r[i].n), store.Bool(r[i].flag), store.Text(r[i].tag), note, store.Blob(r[i].data))
}

// shortRows leave out the last value of their third row.
type shortRows struct{ testRows }

func (r shortRows) AppendRow(dst []store.Value, i int) []store.Value {
	dst = r.testRows.AppendRow(dst, i)
	if i == 2 {
		dst = dst[:len(dst)-1]
	}
	return dst
}

func TestInsertRows(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	if _, err := db.Write.ExecContext(ctx, `CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT NOT NULL, flag BOOLEAN NOT NULL,
		tag TEXT NOT NULL DEFAULT 'none', note TEXT, data BLOB) WITHOUT ROWID`); err != nil {
		t.Fatal(err)
	}
	cols := []string{"id", "n", "flag", "tag", "note", "data"}
	var rows testRows
	for i := range 5000 {
		r := testRow{id: fmt.Sprintf("r%05d", i), n: int64(i) << 33, flag: i%2 == 0, tag: strings.Repeat("t", i%2), data: []byte{byte(i), 0, 1}}
		if i%3 > 0 {
			note := strings.Repeat("x", 2*(i%3-1))
			r.note = &note
		}
		rows = append(rows, r)
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
		var n, sum, flags, notes, emptyNotes, tags int64
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*), SUM(n >> 33), SUM(flag), COUNT(note), SUM(note = ''), SUM(tag = 't')
			FROM t WHERE typeof(tag) = 'text'`).Scan(&n, &sum, &flags, &notes, &emptyNotes, &tags); err != nil {
			t.Fatal(err)
		}
		if n != 5000 || sum != 4999*5000/2 || flags != 2500 || notes != 3333 || emptyNotes != 1667 || tags != 2500 {
			t.Fatalf("got %d rows with a text tag, sum %d, %d flags, %d notes (%d empty), %d tags 't'; want 5000, %d, 2500, 3333 (1667), 2500",
				n, sum, flags, notes, emptyNotes, tags, 4999*5000/2)
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
	t.Run("ErrRow", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			rows store.Rows
			want string
		}{
			{"Short", shortRows{rows[:3]}, "row 2 has 5 values, not 6"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := db.Tx(ctx, func(tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, `DELETE FROM t`); err != nil {
						return err
					}
					return store.InsertRows(ctx, tx, "t", cols, tc.rows, "")
				})
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want an error saying %q", err, tc.want)
				}
				var n int
				if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 5000 {
					t.Fatalf("rows after the failed insert: %d (%v), want the 5000 from before", n, err)
				}
			})
		}
	})
	t.Run("ErrNoFeed", func(t *testing.T) {
		// The module's table exists on the writer's connection (temp schema);
		// read without a feed, it says what is missing.
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			var n int
			return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM temp.anchor_rows_6`).Scan(&n)
		})
		if err == nil || !strings.Contains(err.Error(), "a query must say feed = slot") {
			t.Fatalf("got %v, want the module's error", err)
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
