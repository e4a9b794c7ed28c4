package users

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// KDF holds argon2id parameters. Passwords are stored in the PHC string
// format ($argon2id$v=19$m=...,t=...,p=...$salt$hash) so that the cost can
// be raised later without invalidating stored hashes: Verify reads the
// parameters from the hash, not from the KDF.
type KDF struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultKDF follows the OWASP recommendation for argon2id
// (19 MiB, 2 iterations, 1 lane).
var DefaultKDF = KDF{Memory: 19 * 1024, Time: 2, Threads: 1}

// TestKDF is cheap, for tests that create many users.
var TestKDF = KDF{Memory: 64, Time: 1, Threads: 1}

var b64 = base64.RawStdEncoding

// Hash returns the PHC-encoded argon2id hash of password with a fresh salt.
func (k KDF) Hash(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	sum := argon2.IDKey([]byte(password), salt, k.Time, k.Memory, k.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, k.Memory, k.Time, k.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// Verify reports whether password matches encoded, in constant time.
func (KDF) Verify(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("verify password: unknown hash format")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("verify password: bad parameters: %w", err)
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("verify password: bad salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("verify password: bad hash: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// GeneratePassword returns a random password for a user created from the
// command line without one: 20 characters of base64url, 120 bits.
func GeneratePassword() string {
	b := make([]byte, 15)
	rand.Read(b) //nolint:errcheck // crypto/rand does not fail on Linux
	return base64.RawURLEncoding.EncodeToString(b)
}
