package contactcenter

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"anchor/internal/queuelog"
)

// Key schemes of cc_event_key_scheme: how a queue_log event's 64-bit
// idempotency key (cc_event_keys) is computed in a database.
const (
	// keySHA256 is queuelog.Event.KeyHash: the first 64 bits of SHA-256.
	keySHA256 = 1
	// keySipHash is queuelog.Event.KeyHashWith under the database's
	// secret: SipHash-2-4, 200 -> 80-100 ns a line.
	keySipHash = 2
)

// keyScheme is how a database keys its queue_log events.
type keyScheme struct {
	scheme int
	secret queuelog.HashKey
}

// hash is e's idempotency key under the scheme.
func (k keyScheme) hash(e *queuelog.Event) int64 {
	if k.scheme == keySHA256 {
		return e.KeyHash()
	}
	return e.KeyHashWith(k.secret)
}

// eventKeyScheme returns the database's key scheme, choosing it on first
// use: a database that already holds queue_log events keeps SHA-256,
// which its stored keys were made with (duplicates are found by comparing
// keys); any other gets SipHash under a new random secret.
func (s *Service) eventKeyScheme(ctx context.Context) (keyScheme, error) {
	k, err := s.readKeyScheme(ctx)
	if !errors.Is(err, sql.ErrNoRows) {
		return k, err
	}
	var secret [16]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return keyScheme{}, fmt.Errorf("unable to choose an event key: %w", err)
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var stored bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM cc_streams WHERE kind = $1 AND next_seq > 1)`, kindQueueLog).Scan(&stored); err != nil {
			return err
		}
		scheme, hexSecret := keySipHash, hex.EncodeToString(secret[:])
		if stored {
			scheme, hexSecret = keySHA256, ""
		}
		// Two first imports at once: the first row stays, both read it.
		_, err := tx.ExecContext(ctx, `INSERT INTO cc_event_key_scheme (id, scheme, secret) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`, scheme, hexSecret)
		return err
	})
	if err != nil {
		return keyScheme{}, fmt.Errorf("unable to choose an event key: %w", err)
	}
	return s.readKeyScheme(ctx)
}

func (s *Service) readKeyScheme(ctx context.Context) (keyScheme, error) {
	var k keyScheme
	var secret string
	err := s.DB.Read.QueryRowContext(ctx, `SELECT scheme, secret FROM cc_event_key_scheme WHERE id = 1`).Scan(&k.scheme, &secret)
	if errors.Is(err, sql.ErrNoRows) {
		return k, err
	}
	if err != nil {
		return k, fmt.Errorf("unable to read the event key scheme: %w", err)
	}
	switch k.scheme {
	case keySHA256:
		return k, nil
	case keySipHash:
		b, err := hex.DecodeString(secret)
		if err != nil || len(b) != 16 {
			return k, fmt.Errorf("event key scheme %d: the secret is not 32 hex digits", k.scheme)
		}
		k.secret = queuelog.HashKey{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
		return k, nil
	}
	return k, fmt.Errorf("unknown event key scheme %d (written by a newer Anchor?)", k.scheme)
}
