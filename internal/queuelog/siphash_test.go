package queuelog

import (
	"testing"
	"time"
)

// TestSipHash24 checks sipHash24 against the reference vectors of SipHash
// (key 00..0f, messages 00.., as in the paper) and a longer input, all
// computed independently with OpenSSL (openssl mac -macopt
// hexkey:000102030405060708090a0b0c0d0e0f -macopt size:8 SIPHASH).
func TestSipHash24(t *testing.T) {
	const k0, k1 = 0x0706050403020100, 0x0f0e0d0c0b0a0908
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}
	for _, tc := range []struct {
		in   []byte
		want uint64
	}{
		{seq(0), 0x726fdb47dd0e0e31},
		{seq(8), 0x93f5f5799a932462},
		{seq(15), 0xa129ca6149be45e5},
		{[]byte("1764230400|1764230400.1|support|NONE|ENTERQUEUE||55509353|1\n1764230401|1764230401.2|billing|NONE|ENT"), 0xc092aef12a6ebd57},
	} {
		if got := sipHash24(k0, k1, tc.in); got != tc.want {
			t.Errorf("sipHash24(%d bytes) = %#x, want %#x", len(tc.in), got, tc.want)
		}
	}
}

// TestKeyHashWith: the keyed key hashes Key's input, so it tells apart
// what Key tells apart (occurrence, trailing empty data aside), and
// depends on the key.
func TestKeyHashWith(t *testing.T) {
	at := time.Unix(1764230400, 0).UTC()
	e := Event{Time: at, CallID: "1764230400.1", Queue: "support", Agent: "NONE", Kind: "ENTERQUEUE", Data: []string{"", "55509353", "1"}}
	k := HashKey{1, 2}
	var stack [256]byte
	if got, want := e.KeyHashWith(k), int64(sipHash24(1, 2, e.keyInput(stack[:0]))); got != want {
		t.Fatalf("KeyHashWith = %#x, want sipHash24 of keyInput %#x", got, want)
	}
	padded := e
	padded.Data = append(padded.Data, "", "")
	if e.KeyHashWith(k) != padded.KeyHashWith(k) {
		t.Error("trailing empty data changed the key")
	}
	again := e
	again.Occurrence = 1
	other := e
	other.Data = []string{"", "55509354", "1"}
	for name, x := range map[string]Event{"occurrence": again, "data": other} {
		if e.KeyHashWith(k) == x.KeyHashWith(k) {
			t.Errorf("another %s, the same key", name)
		}
	}
	if e.KeyHashWith(k) == e.KeyHashWith(HashKey{1, 3}) {
		t.Error("another hash key, the same event key")
	}
}
