package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"path/filepath"
	"testing"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// unmigrated opens an empty database of each engine.
func unmigrated(t *testing.T) map[string]*store.DB {
	t.Helper()
	ctx := context.Background()
	out := map[string]*store.DB{}
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	out["sqlite"] = db
	if dsn := storetest.PostgresDSN(t); dsn != "" {
		var b [6]byte
		rand.Read(b[:])
		schema := "t_" + hex.EncodeToString(b[:])
		adb, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer adb.Close()
		if _, err := adb.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if adb, err := sql.Open("pgx", dsn); err == nil {
				adb.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") //nolint:errcheck
				adb.Close()
			}
		})
		pdb, err := store.Open(ctx, storetest.WithSearchPath(dsn, schema))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pdb.Close() })
		out["postgres"] = pdb
	}
	return out
}

// Migration 00010 turns every stored raw event into a block of one, with
// its key (time and hash, negative hashes included) filed under its hour.
func TestEventBlocksMigration(t *testing.T) {
	events := []struct {
		id, at, hkey int64
		body         string
	}{
		{1<<40 | 1, 1767600011000, -6917529027641081857, "1767600011|1767600011.1|support|NONE|ENTERQUEUE||5550100|1"},
		{1<<40 | 2, 1767603611500, 42, "1767603611.5|1767600011.1|support|agent001|CONNECT|3|1767600011.2|1"},
		{2<<40 | 1, 1767600000000, 1, `{"type":"contact","id":"c1"}`},
	}
	for name, db := range unmigrated(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if err := db.MigrateTo(ctx, 9); err != nil {
				t.Fatal(err)
			}
			for _, e := range events {
				if _, err := db.Write.ExecContext(ctx, `INSERT INTO cc_events (id, at, hkey, body) VALUES ($1, $2, $3, $4)`, e.id, e.at, e.hkey, e.body); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, e := range events {
				var n, codec int64
				var body []byte
				if err := db.Read.QueryRowContext(ctx, `SELECT events, codec, bodies FROM cc_event_blocks WHERE id = $1`, e.id).Scan(&n, &codec, &body); err != nil {
					t.Fatalf("block %d: %v", e.id, err)
				}
				if n != 1 || codec != 0 || string(body) != e.body {
					t.Errorf("block %d: %d events, codec %d, %q", e.id, n, codec, body)
				}
				var hour, maxAt int64
				var keys []byte
				if err := db.Read.QueryRowContext(ctx, `SELECT hour, max_at, keys FROM cc_event_keys WHERE block_id = $1`, e.id).Scan(&hour, &maxAt, &keys); err != nil {
					t.Fatalf("keys of %d: %v", e.id, err)
				}
				want := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, uint64(e.at)), uint64(e.hkey))
				if hour != e.at/3600000 || maxAt != e.at || !bytes.Equal(keys, want) {
					t.Errorf("keys of %d: hour %d max_at %d keys %x, want %d %d %x", e.id, hour, maxAt, keys, e.at/3600000, e.at, want)
				}
			}
			var left int
			err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM cc_events`).Scan(&left)
			if err == nil {
				t.Errorf("cc_events is still there, %d rows", left)
			}
		})
	}
}
