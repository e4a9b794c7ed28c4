package contactcenter

import (
	"encoding/json"
	"reflect"
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
