package staffing_test

import (
	"math"
	"testing"
	"time"

	"anchor/internal/staffing"
)

// bruteErlangA evaluates M/M/N+M by a different route than the package:
// the stationary distribution summed from state 0, and the chance that a
// caller who finds k ahead is answered within t from the uniformized
// chain of its own position in the queue. Time is in AHTs.
func bruteErlangA(n int, a, r, tau float64) (sl, pWait, pAb float64) {
	const K = 400
	w := make([]float64, n+K+1)
	w[0] = 1
	for s := 1; s <= n+K; s++ {
		rate := float64(min(s, n)) + float64(max(s-n, 0))*r // death rate out of state s
		w[s] = w[s-1] * a / rate
	}
	z := 0.0
	for _, v := range w {
		z += v
	}
	// u[j] = P(answered within m uniformized steps | j ahead).
	lambda := float64(n) + float64(K+1)*r
	u := make([]float64, K+1)
	next := make([]float64, K+1)
	within := make([]float64, K+1)
	mean := lambda * tau
	poisson := math.Exp(-mean)
	for m := 0; m < int(mean+12*math.Sqrt(mean)+50); m++ {
		for j := range within {
			within[j] += poisson * u[j]
		}
		for j := range u {
			ahead := 1.0 // answered on advancing from the head
			if j > 0 {
				ahead = u[j-1]
			}
			adv := (float64(n) + float64(j)*r) / lambda
			stay := 1 - (float64(n)+float64(j+1)*r)/lambda
			next[j] = adv*ahead + stay*u[j]
		}
		u, next = next, u
		poisson *= mean / float64(m+1)
	}
	for s, v := range w {
		p := v / z
		if s < n {
			sl += p
			continue
		}
		k := s - n
		if k > K {
			break
		}
		pWait += p
		sl += p * within[k]
		pAb += p * float64(k+1) * r / (float64(n) + float64(k+1)*r)
	}
	return sl, pWait, pAb
}

func TestErlangAAgainstBruteForce(t *testing.T) {
	for _, tc := range []struct {
		agents   int
		patience time.Duration
		within   time.Duration
	}{
		{8, 300 * time.Second, 20 * time.Second},
		{10, 300 * time.Second, 20 * time.Second},
		{12, 300 * time.Second, 20 * time.Second},
		{12, 120 * time.Second, 60 * time.Second},
		{15, 60 * time.Second, 10 * time.Second},
		{6, 30 * time.Second, 0},
		{1, 600 * time.Second, 30 * time.Second},
	} {
		q := textbook
		q.Patience = tc.patience
		got, err := staffing.Evaluate(q, tc.agents, tc.within)
		if err != nil {
			t.Fatal(err)
		}
		r := q.AHT.Seconds() / tc.patience.Seconds()
		sl, pw, pab := bruteErlangA(tc.agents, q.Load(), r, tc.within.Seconds()/q.AHT.Seconds())
		if math.Abs(got.ServiceLevel-sl) > 1e-9 || math.Abs(got.ProbWait-pw) > 1e-9 || math.Abs(got.ProbAbandon-pab) > 1e-9 {
			t.Errorf("N=%d patience %v t=%v: got SL %.12f P(wait) %.12f P(ab) %.12f, brute force %.12f %.12f %.12f",
				tc.agents, tc.patience, tc.within, got.ServiceLevel, got.ProbWait, got.ProbAbandon, sl, pw, pab)
		}
	}
}

// Little's law ties two separately summed figures: abandonment rate =
// mean queue length / patience, so P(abandon) = mean wait / patience.
func TestErlangALittle(t *testing.T) {
	for _, tc := range []struct {
		calls    float64
		agents   int
		patience time.Duration
	}{{100, 8, 300 * time.Second}, {100, 14, 60 * time.Second}, {40000, 2000, 300 * time.Second}, {60000, 2500, 600 * time.Second}} {
		q := staffing.Queue{Calls: tc.calls, Interval: 30 * time.Minute, AHT: 180 * time.Second, Patience: tc.patience}
		r, err := staffing.Evaluate(q, tc.agents, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		want := r.MeanWait.Seconds() / tc.patience.Seconds()
		if math.Abs(r.ProbAbandon-want) > 1e-6*math.Max(want, 1e-3) {
			t.Errorf("%+v: P(abandon) %v, mean wait / patience %v", tc, r.ProbAbandon, want)
		}
		for name, p := range map[string]float64{"SL": r.ServiceLevel, "P(wait)": r.ProbWait, "P(ab)": r.ProbAbandon, "occupancy": r.Occupancy} {
			if math.IsNaN(p) || p < 0 || p > 1 {
				t.Errorf("%+v: %s = %v, want a probability", tc, name, p)
			}
		}
		if r.ServiceLevel > 1-r.ProbAbandon+1e-12 {
			t.Errorf("%+v: SL %v above the answered share %v", tc, r.ServiceLevel, 1-r.ProbAbandon)
		}
	}
}

// An overloaded queue with abandonment settles where the excess load
// abandons: with 2,500 agents for 3,000 Erlangs about a sixth hang up.
func TestErlangAOverloadedFluid(t *testing.T) {
	q := staffing.Queue{Calls: 30000, Interval: 30 * time.Minute, AHT: 180 * time.Second, Patience: 300 * time.Second}
	r, err := staffing.Evaluate(q, 2500, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Stable || math.Abs(r.ProbAbandon-1.0/6) > 0.005 {
		t.Errorf("got P(abandon) %v stable %v, want about 1/6 and stable", r.ProbAbandon, r.Stable)
	}
}

func TestErlangATendsToErlangC(t *testing.T) {
	for _, n := range []int{11, 13, 14, 20} {
		c, _ := staffing.Evaluate(textbook, n, 20*time.Second)
		q := textbook
		q.Patience = 1000 * time.Hour / 2 // 10,000 AHTs
		a, err := staffing.Evaluate(q, n, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(a.ServiceLevel-c.ServiceLevel) > 1e-3 || math.Abs(a.ProbWait-c.ProbWait) > 1e-3 ||
			math.Abs(a.ASA.Seconds()-c.ASA.Seconds()) > 0.01*c.ASA.Seconds() {
			t.Errorf("N=%d: Erlang A %+v, Erlang C %+v", n, a, c)
		}
	}
}

// The service-level sum switches to logarithms when its first term would
// underflow; the two paths must join up.
func TestErlangALogPathContinuous(t *testing.T) {
	q := staffing.Queue{Calls: 42000, Interval: 30 * time.Minute, AHT: 180 * time.Second, Patience: 600 * time.Second}
	n := 4100
	// (N + r)·t/AHT crosses 700 at t ≈ 30.7 s.
	below, _ := staffing.Evaluate(q, n, 30700*time.Millisecond)
	above, _ := staffing.Evaluate(q, n, 30800*time.Millisecond)
	if d := above.ServiceLevel - below.ServiceLevel; d < 0 || d > 1e-3 {
		t.Errorf("SL at 30.7 s %v, at 30.8 s %v: want a small rise", below.ServiceLevel, above.ServiceLevel)
	}
	far, _ := staffing.Evaluate(q, n, time.Hour)
	if math.Abs(far.ServiceLevel-(1-far.ProbAbandon)) > 1e-6 {
		t.Errorf("within an hour SL %v, want the answered share %v", far.ServiceLevel, 1-far.ProbAbandon)
	}
}

func TestErlangAEdges(t *testing.T) {
	q := textbook
	q.Patience = 300 * time.Second
	none, err := staffing.Evaluate(q, 0, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if none.ServiceLevel != 0 || math.Abs(none.ProbAbandon-1) > 1e-12 || !none.Stable {
		t.Errorf("no agents: %+v, want everyone abandoning", none)
	}
	quiet := q
	quiet.Calls = 0
	r, _ := staffing.Evaluate(quiet, 3, 20*time.Second)
	if r.ServiceLevel != 1 || r.ProbWait != 0 || r.Occupancy != 0 {
		t.Errorf("no calls: %+v", r)
	}
	many, _ := staffing.Evaluate(q, 5000, 20*time.Second)
	if many.ServiceLevel != 1 || many.ProbWait != 0 {
		t.Errorf("5,000 agents for 10 Erlangs: %+v", many)
	}
}
