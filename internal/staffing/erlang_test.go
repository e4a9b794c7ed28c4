package staffing_test

import (
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"anchor/internal/staffing"
)

// textbook is the classic example: 100 calls per 30 minutes at 180 s AHT
// is 10 Erlangs, and 80/20 needs 14 agents.
var textbook = staffing.Queue{Calls: 100, Interval: 30 * time.Minute, AHT: 180 * time.Second}

// exactErlang computes Erlang B and C for an integer load from their
// definitions with exact rationals: B = (A^N/N!) / Σ_{k≤N} A^k/k!, and
// C = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)).
func exactErlang(n, a int64) (b, c float64) {
	term := big.NewRat(1, 1) // A^k/k!
	sumBelow := new(big.Rat) // Σ_{k<N}
	for k := int64(0); k < n; k++ {
		sumBelow.Add(sumBelow, term)
		term.Mul(term, big.NewRat(a, k+1))
	}
	all := new(big.Rat).Add(sumBelow, term)
	bRat := new(big.Rat).Quo(term, all)
	b, _ = bRat.Float64()
	if n <= a {
		return b, 1
	}
	tail := new(big.Rat).Mul(term, big.NewRat(n, n-a))
	cRat := new(big.Rat).Quo(tail, new(big.Rat).Add(sumBelow, tail))
	c, _ = cRat.Float64()
	return b, c
}

func TestErlangExact(t *testing.T) {
	for _, tc := range []struct{ n, a int64 }{{1, 0}, {1, 1}, {2, 1}, {11, 10}, {14, 10}, {30, 25}, {120, 100}} {
		wantB, wantC := exactErlang(tc.n, tc.a)
		if got := staffing.ErlangB(int(tc.n), float64(tc.a)); math.Abs(got-wantB) > 1e-13*math.Max(wantB, 1e-300) {
			t.Errorf("ErlangB(%d, %d) = %.17g, want %.17g", tc.n, tc.a, got, wantB)
		}
		if tc.n > tc.a {
			if got := staffing.ErlangC(int(tc.n), float64(tc.a)); math.Abs(got-wantC) > 1e-12*wantC+1e-300 {
				t.Errorf("ErlangC(%d, %d) = %.17g, want %.17g", tc.n, tc.a, got, wantC)
			}
		}
	}
	// The reference value quoted in the issue, to four places.
	if got := staffing.ErlangC(11, 10); math.Abs(got-0.6821) > 5e-5 {
		t.Errorf("ErlangC(11, 10) = %v, want 0.6821", got)
	}
}

// logErlangB sums the definition in logarithms, an independent route for
// agent counts where A^N/N! overflows.
func logErlangB(n int, a float64) float64 {
	logs := make([]float64, n+1)
	top := math.Inf(-1)
	for k := 0; k <= n; k++ {
		lg, _ := math.Lgamma(float64(k) + 1)
		logs[k] = float64(k)*math.Log(a) - lg
		top = math.Max(top, logs[k])
	}
	sum := 0.0
	for _, l := range logs {
		sum += math.Exp(l - top)
	}
	return math.Exp(logs[n] - top - math.Log(sum))
}

func TestErlangLarge(t *testing.T) {
	for _, tc := range []struct {
		n int
		a float64
	}{{2000, 1900}, {2500, 2480.5}, {3000, 2000}, {5000, 5100}} {
		got, want := staffing.ErlangB(tc.n, tc.a), logErlangB(tc.n, tc.a)
		if math.IsNaN(got) || math.Abs(got-want) > 1e-9*want {
			t.Errorf("ErlangB(%d, %v) = %v, want %v", tc.n, tc.a, got, want)
		}
		c := staffing.ErlangC(tc.n, tc.a)
		if c < 0 || c > 1 || math.IsNaN(c) {
			t.Errorf("ErlangC(%d, %v) = %v, want a probability", tc.n, tc.a, c)
		}
	}
}

func TestErlangEdges(t *testing.T) {
	for _, tc := range []struct {
		name  string
		got   float64
		want  float64
		isNaN bool
	}{
		{name: "B no agents", got: staffing.ErlangB(0, 5), want: 1},
		{name: "B no load", got: staffing.ErlangB(3, 0), want: 0},
		{name: "B one agent", got: staffing.ErlangB(1, 2), want: 2.0 / 3},
		{name: "C unstable equal", got: staffing.ErlangC(10, 10), want: 1},
		{name: "C unstable below", got: staffing.ErlangC(9, 10), want: 1},
		{name: "C no load", got: staffing.ErlangC(2, 0), want: 0},
		{name: "B negative agents", got: staffing.ErlangB(-1, 2), isNaN: true},
		{name: "C negative load", got: staffing.ErlangC(3, -2), isNaN: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.isNaN {
				if !math.IsNaN(tc.got) {
					t.Errorf("got %v, want NaN", tc.got)
				}
				return
			}
			if math.Abs(tc.got-tc.want) > 1e-15 {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}

func TestEvaluateTextbook(t *testing.T) {
	for _, tc := range []struct {
		agents  int
		sl, asa float64 // service level, ASA in seconds
	}{
		// Derived by hand from C and 1 − C·e^{−(N−A)·20/180}.
		{13, 0.7956, 17.116},
		{14, 0.8884, 7.836},
		{15, 0.9415, 3.674},
	} {
		r, err := staffing.Evaluate(textbook, tc.agents, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.ServiceLevel-tc.sl) > 1e-4 || math.Abs(r.ASA.Seconds()-tc.asa) > 1e-3 || !r.Stable {
			t.Errorf("N=%d: got SL %.4f ASA %.3fs stable %v, want SL %.4f ASA %.3fs", tc.agents, r.ServiceLevel, r.ASA.Seconds(), r.Stable, tc.sl, tc.asa)
		}
		if want := 10.0 / float64(tc.agents); math.Abs(r.Occupancy-want) > 1e-12 {
			t.Errorf("N=%d: occupancy %v, want %v", tc.agents, r.Occupancy, want)
		}
	}
}

// With 13 agents the ASA (17 s) is already under 20 s, yet only 79.6% are
// answered within 20 s: reading "80/20" as an ASA target would understaff.
func TestServiceLevelIsNotASA(t *testing.T) {
	r, err := staffing.Evaluate(textbook, 13, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r.ASA >= 20*time.Second || r.ServiceLevel >= 0.8 {
		t.Fatalf("premise: ASA %v, SL %v", r.ASA, r.ServiceLevel)
	}
	req, err := staffing.Require(textbook, staffing.Policy{Target: staffing.Target{Level: 0.8, Within: 20 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if req.Agents != 14 {
		t.Errorf("agents = %d, want 14", req.Agents)
	}
}

func TestEvaluateUnstable(t *testing.T) {
	for _, n := range []int{0, 5, 10} {
		r, err := staffing.Evaluate(textbook, n, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if r.Stable || r.ServiceLevel != 0 || r.ProbWait != 1 || r.ASA != 0 || r.MeanWait != 0 || r.Occupancy != 1 {
			t.Errorf("N=%d: got %+v, want unstable with SL 0, P(wait) 1, no wait figure", n, r)
		}
	}
}

// The same traffic written in other units gives the same answer.
func TestUnitsAgree(t *testing.T) {
	a, _ := staffing.Evaluate(textbook, 14, 20*time.Second)
	q := staffing.Queue{Calls: 200, Interval: time.Hour, AHT: 3 * time.Minute}
	b, _ := staffing.Evaluate(q, 14, 20*time.Second)
	if math.Abs(a.ServiceLevel-b.ServiceLevel) > 1e-12 || a.ASA != b.ASA {
		t.Errorf("30m/180s gives %+v, 1h/3m gives %+v", a, b)
	}
}

func TestQueueValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    staffing.Queue
		want string
	}{
		{"OK", textbook, ""},
		{"ZeroCallsOK", staffing.Queue{Calls: 0, Interval: time.Hour, AHT: time.Minute}, ""},
		{"NegativeCalls", staffing.Queue{Calls: -1, Interval: time.Hour, AHT: time.Minute}, "calls must not be negative"},
		{"NaNCalls", staffing.Queue{Calls: math.NaN(), Interval: time.Hour, AHT: time.Minute}, "finite"},
		{"ZeroAHT", staffing.Queue{Calls: 1, Interval: time.Hour}, "AHT must be positive"},
		{"AHTInMilliseconds", staffing.Queue{Calls: 1, Interval: time.Hour, AHT: 180 * time.Millisecond}, "did you mean 180s"},
		{"IntervalInSeconds", staffing.Queue{Calls: 1, Interval: 30 * time.Second, AHT: time.Minute}, "did you mean 30m"},
		{"ZeroInterval", staffing.Queue{Calls: 1, AHT: time.Minute}, "interval must be positive"},
		{"NegativePatience", staffing.Queue{Calls: 1, Interval: time.Hour, AHT: time.Minute, Patience: -time.Second}, "patience must not be negative"},
		{"PatienceInMilliseconds", staffing.Queue{Calls: 1, Interval: time.Hour, AHT: time.Minute, Patience: 300 * time.Millisecond}, "did you mean 300s"},
		{"EndlessPatience", staffing.Queue{Calls: 1, Interval: time.Hour, AHT: time.Minute, Patience: 1000 * time.Hour}, "leave patience out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.q.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestSweepMatchesEvaluate(t *testing.T) {
	for _, q := range []staffing.Queue{textbook, {Calls: 100, Interval: 30 * time.Minute, AHT: 180 * time.Second, Patience: 120 * time.Second}} {
		rows, err := staffing.Sweep(q, 0, 25, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		prev := -1.0
		for _, r := range rows {
			e, _ := staffing.Evaluate(q, r.Agents, 20*time.Second)
			if math.Abs(e.ServiceLevel-r.ServiceLevel) > 1e-9 || math.Abs(e.ProbWait-r.ProbWait) > 1e-9 {
				t.Errorf("N=%d: Sweep %+v, Evaluate %+v", r.Agents, r, e)
			}
			if r.ServiceLevel < prev-1e-12 {
				t.Errorf("N=%d: service level fell from %v to %v", r.Agents, prev, r.ServiceLevel)
			}
			prev = r.ServiceLevel
		}
	}
	if _, err := staffing.Sweep(textbook, 5, 4, time.Second); err == nil {
		t.Error("Sweep(5, 4): want an error for an empty range")
	}
}
