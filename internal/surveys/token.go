package surveys

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"anchor/internal/store"
)

// keyName names the signing key in survey_keys; a new scheme would take a
// new name and leave old links verifiable by the old key.
const keyName = "survey-link-v1"

// signingKey returns the HMAC key that signs survey links. The first
// instance to need it generates it and stores it; ON CONFLICT makes two
// instances starting at once agree on one key, which every instance then
// reads, so a link mailed by one is accepted by any.
func (s *Service) signingKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	var secret string
	err := s.DB.Read.QueryRowContext(ctx, `SELECT secret FROM survey_keys WHERE name = $1`, keyName).Scan(&secret)
	if err == sql.ErrNoRows {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("generate survey key: %w", err)
		}
		err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO survey_keys (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
				keyName, hex.EncodeToString(b[:]), store.Millis(s.DB.Now())); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT secret FROM survey_keys WHERE name = $1`, keyName).Scan(&secret)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("survey key: %w", err)
	}
	key, err := hex.DecodeString(secret)
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("survey key %s is malformed", keyName)
	}
	s.key = key
	return key, nil
}

// mac is the link's signature over the invitation id. The id alone names
// the invitation; its expiry and use are checked in the database, where
// they cannot be forged, so the signature only has to prove we issued it.
func mac(key []byte, id string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("anchor survey invitation\x00" + id))
	return m.Sum(nil)
}

// Token returns the link token of an invitation: its id, a dot, and the
// base64url HMAC-SHA256 of the id.
func (s *Service) Token(ctx context.Context, invitationID string) (string, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	return invitationID + "." + base64.RawURLEncoding.EncodeToString(mac(key, invitationID)), nil
}

// verify returns the invitation id of a well-signed token, in constant
// time over the signature.
func (s *Service) verify(ctx context.Context, token string) (string, bool, error) {
	id, sig, ok := strings.Cut(token, ".")
	if !ok || len(id) != 26 || len(sig) != 43 || strings.Trim(id, "0123456789abcdefghjkmnpqrstvwxyz") != "" {
		return "", false, nil
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return "", false, nil
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", false, err
	}
	return id, hmac.Equal(got, mac(key, id)), nil
}
