package queuelog

import (
	"encoding/binary"
	"math/bits"
)

// HashKey is the secret of the keyed idempotency key (KeyHashWith): two
// 64-bit halves, as SipHash takes its 128-bit key.
type HashKey [2]uint64

// KeyHashWith is a 64-bit idempotency key of the event like KeyHash, of
// the same input (Key's normalised fields and Occurrence), by SipHash-2-4
// under key k instead of SHA-256. SipHash is a keyed function built for
// exactly this: without k, nobody can write a line whose key equals
// another's (a caller id is the caller's to choose), and it costs a
// fraction of SHA-256, which was the largest single cost of reading a
// line. The keys of a database are under one k, chosen at random when it
// first stores queue_log events.
func (e Event) KeyHashWith(k HashKey) int64 {
	var stack [256]byte
	return int64(sipHash24(k[0], k[1], e.keyInput(stack[:0])))
}

// sipRound is one SipRound, on values so that they stay in registers.
func sipRound(v0, v1, v2, v3 uint64) (uint64, uint64, uint64, uint64) {
	v0 += v1
	v1 = bits.RotateLeft64(v1, 13)
	v1 ^= v0
	v0 = bits.RotateLeft64(v0, 32)
	v2 += v3
	v3 = bits.RotateLeft64(v3, 16)
	v3 ^= v2
	v0 += v3
	v3 = bits.RotateLeft64(v3, 21)
	v3 ^= v0
	v2 += v1
	v1 = bits.RotateLeft64(v1, 17)
	v1 ^= v2
	v2 = bits.RotateLeft64(v2, 32)
	return v0, v1, v2, v3
}

// sipHash24 is SipHash-2-4 (Aumasson and Bernstein, 2012) of p under the
// key (k0, k1).
func sipHash24(k0, k1 uint64, p []byte) uint64 {
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573
	n := len(p)
	for ; len(p) >= 8; p = p[8:] {
		m := binary.LittleEndian.Uint64(p)
		v3 ^= m
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0 ^= m
	}
	var last [8]byte
	copy(last[:], p)
	last[7] = byte(n)
	m := binary.LittleEndian.Uint64(last[:])
	v3 ^= m
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0 ^= m
	v2 ^= 0xff
	for range 4 {
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	}
	return v0 ^ v1 ^ v2 ^ v3
}
