package contactcenter

import (
	"context"
	"strings"
	"testing"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// TestEventKeyScheme: a database without queue_log events gets SipHash
// keys under a random secret of its own, kept; one that stored queue_log
// events before keeps SHA-256; an unknown scheme is an error, not a guess.
func TestEventKeyScheme(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := &Service{DB: db}
		k, err := s.eventKeyScheme(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if k.scheme != keySipHash || k.secret == ([2]uint64{}) {
			t.Fatalf("a new database: %+v, want SipHash under a secret", k)
		}
		again, err := s.eventKeyScheme(ctx)
		if err != nil || again != k {
			t.Fatalf("asked again: %+v (%v), want %+v", again, err, k)
		}
		other := &Service{DB: storetest.Engines()[engineIndex(db)].Open(t)}
		if k2, err := other.eventKeyScheme(ctx); err != nil || k2.secret == k.secret {
			t.Fatalf("another database: %+v (%v): want a secret of its own", k2, err)
		}

		legacy := &Service{DB: storetest.Engines()[engineIndex(db)].Open(t)}
		if _, err := legacy.DB.Write.Exec(`INSERT INTO cc_streams (id, name, kind, next_seq) VALUES (1, 'asterisk', 'queue_log', 500)`); err != nil {
			t.Fatal(err)
		}
		if k, err := legacy.eventKeyScheme(ctx); err != nil || k.scheme != keySHA256 {
			t.Fatalf("a database with queue_log events: %+v (%v), want SHA-256", k, err)
		}

		if _, err := db.Write.Exec(`UPDATE cc_event_key_scheme SET scheme = 3`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.eventKeyScheme(ctx); err == nil || !strings.Contains(err.Error(), "unknown event key scheme 3") {
			t.Fatalf("scheme 3: got %v, want an error", err)
		}
	})
}

// engineIndex is db's place in storetest.Engines.
func engineIndex(db *store.DB) int {
	if db.Dialect == store.Postgres {
		return 1
	}
	return 0
}
