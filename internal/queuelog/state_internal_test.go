package queuelog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestCallTable: recent calls come back from the call table as they were,
// and a state saved before the table (calls as JSON objects) restores to
// the same calls.
func TestCallTable(t *testing.T) {
	at := func(sec, nsec int64) time.Time { return time.Unix(sec, nsec).UTC() }
	calls := map[string]*callState{
		"1764230400.1": {id: "1764230400.1", visits: 2, did: "5550100", last: at(1764230460, 0), closed: []queueEnd{{"sales", at(1764230430, 5e8)}, {"support", at(1764230460, 0)}}},
		"1764230401.2": {id: "1764230401.2", visits: 1, last: at(1764230401, 123456789)},
		"x|y,z":        {id: "x|y,z", visits: 0, last: time.Time{}},
	}
	got := map[string]*callState{}
	if err := decodeCalls(encodeCalls(calls), got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, calls) {
		t.Errorf("call table round trip: got %v, want %v", got, calls)
	}
	for _, bad := range [][]byte{{5, 'a'}, {1, 'a', 1, 0, 2}, append(encodeCalls(calls), 0xff)} {
		if err := decodeCalls(bad, map[string]*callState{}); err == nil {
			t.Errorf("decodeCalls(%x): no error", bad)
		}
	}

	b := NewBuilder(Config{})
	b.calls = calls
	state, err := b.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	var st builderState
	if err := json.Unmarshal(state, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.CallTable) == 0 || len(st.Calls) != 0 {
		t.Fatalf("saved state: call table %q, %d calls as objects; want the table only", st.CallTable, len(st.Calls))
	}
	// The table is written as it was when it was a string of base64.
	if want := `"call_table":"` + base64.StdEncoding.EncodeToString(encodeCalls(calls)) + `"`; !bytes.Contains(state, []byte(want)) {
		t.Errorf("saved state %s does not hold %s", state, want)
	}
	st.CallTable = nil
	for _, id := range sortedKeys(calls) {
		c := calls[id]
		closed := map[string]time.Time{}
		for _, q := range c.closed {
			closed[q.queue] = q.at
		}
		if len(closed) == 0 {
			closed = nil
		}
		st.Calls = append(st.Calls, callEntry{ID: id, Visits: c.visits, DID: c.did, Last: c.last, Closed: closed})
	}
	old, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"table": state, "objects": old} {
		r, err := RestoreBuilder(Config{}, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(r.calls, calls) {
			t.Errorf("%s: restored calls %v, want %v", name, r.calls, calls)
		}
	}
}
