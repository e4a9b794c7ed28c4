package contactcenter

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// TestEncodeStreamState: the hand-made encoding decodes to what it was
// made from, with and without options and builder state.
func TestEncodeStreamState(t *testing.T) {
	builder := json.RawMessage(`{"now":"2026-11-26T08:02:46Z","calls":[{"id":"1.2","visits":1}]}`)
	for _, want := range []streamState{
		{},
		{Builder: builder},
		{streamOptions: streamOptions{ToleranceMS: 2000}},
		{streamOptions: streamOptions{ToleranceMS: 2000, Persistent: true}, Builder: builder},
	} {
		s, err := encodeStreamState(want.streamOptions, want.Builder)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeStreamState(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s decodes to %+v, want %+v", s, got, want)
		}
	}
}

// TestMarkRepeats compares markRepeats with the plain definition (an
// earlier key is the same) on random chunks, in time order and not.
func TestMarkRepeats(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	scratch := map[eventKey]bool{}
	for n := range 2000 {
		keys := make([]eventKey, rng.IntN(40))
		at := int64(1000)
		for i := range keys {
			at += int64(rng.IntN(3)) * 1000 // runs of equal times
			keys[i] = eventKey{at: at, hkey: int64(rng.IntN(6))}
		}
		if n%3 == 0 && len(keys) > 1 { // out of order
			i, j := rng.IntN(len(keys)), rng.IntN(len(keys))
			keys[i], keys[j] = keys[j], keys[i]
		}
		got := markRepeats(keys, nil, scratch)
		for i, k := range keys {
			want := slices.Contains(keys[:i], k)
			if got[i] != want {
				t.Fatalf("chunk %d, key %d of %v: repeat %v, want %v", n, i, keys, got[i], want)
			}
		}
	}
}
