package contactcenter

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
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

// TestIDOrder checks idOrder against sorting the ids themselves, with
// ties of time and a time before 1970.
func TestIDOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for n := range 300 {
		recs := make([]ContactRecord, rng.IntN(60))
		for i := range recs {
			ms := int64(1_764_000_000_000) + int64(rng.IntN(20))*1000
			if n%10 == 0 && i == 0 {
				ms = -5000 // before 1970: the slow path
			}
			recs[i].OfferedAt = time.UnixMilli(ms)
			recs[i].ID = timedID(ms, strconv.Itoa(rng.IntN(1000)))
		}
		order, _ := byID(recs, nil)
		got := make([]string, 0, len(recs))
		for _, i := range order.order {
			got = append(got, recs[i].ID)
		}
		want := make([]string, 0, len(recs))
		for _, r := range recs {
			want = append(want, r.ID)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: got %v, want %v", n, got, want)
		}
	}
}
