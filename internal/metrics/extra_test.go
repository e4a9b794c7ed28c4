package metrics

import (
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"testing"
)

// parseExtra reads what json.Marshal writes of the extra figures exactly
// as encoding/json does, for values of every size and sign, and hands
// anything else to encoding/json.
func TestParseExtra(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	values := []float64{0, 1, -1, 0.1, 1e21, 1e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64}
	for range 2000 {
		values = append(values, r.NormFloat64()*math.Pow(10, float64(r.IntN(40)-20)))
	}
	for i := 0; i+4 <= len(values); i += 4 {
		m := map[string]float64{"median_days": values[i], "p90_days": values[i+1], "over_target": values[i+2], "open_cases": values[i+3]}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseExtra(string(b))
		if err != nil {
			t.Fatalf("parseExtra(%s): %v", b, err)
		}
		if !maps.Equal(got, m) {
			t.Fatalf("parseExtra(%s) = %v, want %v", b, got, m)
		}
	}
	for _, s := range []string{`{}`, `{"a\"b":1}`, `{"a": 1, "b" : 2}`, `{"a":{"b":1}}`, `[1]`, `{"a":1,}`} {
		var want map[string]float64
		wantErr := json.Unmarshal([]byte(s), &want)
		got, err := parseExtra(s)
		if (err != nil) != (wantErr != nil) || (err == nil && !maps.Equal(got, want)) {
			t.Errorf("parseExtra(%s) = %v, %v; encoding/json: %v, %v", s, got, err, want, wantErr)
		}
	}
}
