package servicelevel

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestParseCaseClocksMatchesJSON: whatever the clocks, the fast reader and
// encoding/json read the stored document alike.
func TestParseCaseClocksMatchesJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	states := []string{"", StateOK, StateAtRisk, StateBreached, StateMet}
	instant := func() *time.Time {
		if r.IntN(3) == 0 {
			return nil
		}
		v := time.UnixMilli(r.Int64N(4e12)).UTC()
		if r.IntN(4) == 0 {
			v = v.Add(time.Duration(r.IntN(1e6))) // sub-millisecond digits
		}
		return &v
	}
	clock := func() Clock {
		return Clock{DueAt: instant(), AtRiskAt: instant(), MetAt: instant(), Paused: r.IntN(4) == 0, State: states[r.IntN(len(states))]}
	}
	for i := 0; i < 2000; i++ {
		in := CaseClocks{FirstResponse: clock(), NextUpdate: clock(), Resolution: clock()}
		doc, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		compareWithJSON(t, string(doc))
	}
}

func TestParseCaseClocksOtherForms(t *testing.T) {
	for _, doc := range []string{
		`{}`,
		`{"first_response":{},"next_update":{},"resolution":{}}`,
		`{"first_response":{"met_at":"2026-11-26T13:10:45.698Z"},"next_update":{},"resolution":{}}`,
		` { "resolution" : { "due_at" : "2026-01-02T03:04:05Z" } } `,        // spacing
		`{"resolution":{"state":"at\u005frisk"}}`,                           // an escape
		`{"resolution":{"paused":false,"State":"met"}}`,                     // a key in another case
		`{"resolution":{"due_at":null},"extra":1}`,                          // null, an unknown key
		`{"first_response":{"due_at":"2026-01-02T03:04:05+01:00"}}`,         // an offset
		`{"resolution":{"paused":true,"state":"breached"},"resolution":{}}`, // a repeated key
	} {
		compareWithJSON(t, doc)
	}
	for _, doc := range []string{``, `{`, `{"resolution":{"due_at":"yesterday"}}`, `{"resolution":{"paused":1}}`, `[]`} {
		if _, err := ParseCaseClocks(doc); err == nil {
			t.Errorf("ParseCaseClocks(%q) accepted it", doc)
		}
	}
}

func compareWithJSON(t *testing.T, doc string) {
	t.Helper()
	var want CaseClocks
	wantErr := json.Unmarshal([]byte(doc), &want)
	got, err := ParseCaseClocks(doc)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, encoding/json says %v", doc, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", doc, got, want)
	}
}

func BenchmarkParseCaseClocks(b *testing.B) {
	due := time.Date(2026, 11, 26, 13, 10, 45, 698e6, time.UTC)
	doc, _ := json.Marshal(CaseClocks{FirstResponse: Clock{DueAt: &due, MetAt: &due}, NextUpdate: Clock{DueAt: &due, AtRiskAt: &due}, Resolution: Clock{DueAt: &due, AtRiskAt: &due, State: StateOK}})
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := ParseCaseClocks(string(doc)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var c CaseClocks
			if err := json.Unmarshal(doc, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
