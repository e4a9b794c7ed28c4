package staffing

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Queue is the traffic offered to one queue in one interval: what Erlang
// formulas need and nothing else.
type Queue struct {
	// Calls is the number of contacts expected to arrive in the interval.
	Calls float64 `json:"calls"`
	// Interval is the length of the period the calls arrive in.
	Interval time.Duration `json:"-"`
	// AHT is the average handle time (talk + hold + after-contact work).
	AHT time.Duration `json:"-"`
	// Patience is the callers' mean patience before they hang up. Zero
	// means callers never abandon (Erlang C); a positive value selects
	// Erlang A (M/M/N+M with exponential patience).
	Patience time.Duration `json:"-"`
}

// maxPatienceRatio bounds patience/AHT: beyond it the Erlang A queue is, to
// every printed digit, Erlang C, while the truncated chain would need
// millions of states.
const maxPatienceRatio = 1e4

// Validate reports the first input that cannot describe a real queue,
// naming the field and the likely unit mix-up.
func (q Queue) Validate() error {
	switch {
	case math.IsNaN(q.Calls) || math.IsInf(q.Calls, 0):
		return fmt.Errorf("calls must be a finite number, got %v", q.Calls)
	case q.Calls < 0:
		return fmt.Errorf("calls must not be negative, got %v", q.Calls)
	case q.Interval <= 0:
		return fmt.Errorf("interval must be positive, got %v", q.Interval)
	case q.Interval < time.Minute:
		return fmt.Errorf("interval %v is shorter than a minute; did you mean %dm?", q.Interval, int64(q.Interval/time.Second))
	case q.AHT <= 0:
		return fmt.Errorf("AHT must be positive, got %v", q.AHT)
	case q.AHT < time.Second:
		return fmt.Errorf("AHT %v is under a second; did you mean %ds?", q.AHT, int64(q.AHT/time.Millisecond))
	case q.Patience < 0:
		return fmt.Errorf("patience must not be negative, got %v", q.Patience)
	case q.Patience > 0 && q.Patience < time.Second:
		return fmt.Errorf("patience %v is under a second; did you mean %ds?", q.Patience, int64(q.Patience/time.Millisecond))
	case q.Patience > 0 && float64(q.Patience) > maxPatienceRatio*float64(q.AHT):
		return fmt.Errorf("patience %v is more than %g times the AHT: callers effectively never abandon; leave patience out to use Erlang C", q.Patience, maxPatienceRatio)
	}
	return nil
}

// Load is the offered load in Erlangs: calls × AHT / interval. Both
// durations are divided as durations, so no unit conversion can slip in.
func (q Queue) Load() float64 {
	if q.Interval <= 0 {
		return math.NaN()
	}
	return q.Calls * float64(q.AHT) / float64(q.Interval)
}

// Result is how a queue performs with a given number of agents.
//
// When Stable is false (Erlang C with agents ≤ offered load) the queue
// grows without bound: ServiceLevel is 0, ProbWait 1, Occupancy 1, and ASA
// and MeanWait are undefined — they are left at 0 in Go and encoded as
// null in JSON, never as a negative or a made-up number.
type Result struct {
	// Agents is the number of agents on the phones.
	Agents int `json:"agents"`
	// Load is the offered load in Erlangs.
	Load float64 `json:"load_erlangs"`
	// ServiceLevel is the share of offered contacts answered after a wait
	// of at most the target time (DESIGN.md service_level; with Erlang A
	// a caller who abandons counts as not answered in time).
	ServiceLevel float64 `json:"service_level"`
	// ProbWait is the share of callers who find every agent busy.
	ProbWait float64 `json:"prob_wait"`
	// ASA is the average speed of answer: the mean queue wait of answered
	// contacts, zero waits included.
	ASA time.Duration `json:"-"`
	// Occupancy is the share of agents' time spent handling contacts.
	Occupancy float64 `json:"occupancy"`
	// Stable is false when the queue grows without bound.
	Stable bool `json:"stable"`
	// ErlangA is true when the figures come from the Erlang A model.
	ErlangA bool `json:"erlang_a"`
	// ProbAbandon is the share of callers who hang up before an answer
	// (always 0 under Erlang C).
	ProbAbandon float64 `json:"prob_abandon"`
	// MeanWait is the mean queue time of all callers, answered or not.
	MeanWait time.Duration `json:"-"`
	// MeanWaitAbandoned is how long callers who abandon waited on average
	// before hanging up (Erlang A only).
	MeanWaitAbandoned time.Duration `json:"-"`
}

// MarshalJSON writes durations as seconds, and undefined waits as null.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	v := struct {
		plain
		ASA               *float64 `json:"asa_seconds"`
		MeanWait          *float64 `json:"mean_wait_seconds"`
		MeanWaitAbandoned *float64 `json:"mean_wait_abandoned_seconds,omitempty"`
	}{plain: plain(r)}
	if r.Stable {
		v.ASA = secondsPtr(r.ASA)
		v.MeanWait = secondsPtr(r.MeanWait)
		if r.ErlangA {
			v.MeanWaitAbandoned = secondsPtr(r.MeanWaitAbandoned)
		}
	}
	return json.Marshal(v)
}

// ErlangB is the blocking probability of N servers offered load erlangs
// with no queue. It uses the recursion 1/B(n) = 1 + n/A · 1/B(n−1) from
// B(0) = 1, run exactly agents times (the classic off-by-one runs it N−1
// or N+1 times): no factorials and no powers, so it neither overflows nor
// loses precision at thousands of agents. It returns NaN for negative or
// non-finite inputs.
func ErlangB(agents int, load float64) float64 {
	switch {
	case agents < 0 || load < 0 || math.IsNaN(load) || math.IsInf(load, 0):
		return math.NaN()
	case agents == 0:
		return 1
	case load == 0:
		return 0
	}
	inv, perLoad := 1.0, 1/load
	for n := 1; n <= agents; n++ {
		inv = 1 + float64(n)*perLoad*inv
	}
	return 1 / inv // an infinite inv means B underflowed to 0, which is right
}

// ErlangC is the probability that a caller waits in an M/M/N queue with
// infinite patience, derived from Erlang B as C = N·B / (N − A·(1 − B)).
// When agents ≤ load the queue is unstable and every caller waits: it
// returns 1. It returns NaN for negative or non-finite inputs.
func ErlangC(agents int, load float64) float64 {
	b := ErlangB(agents, load)
	switch {
	case math.IsNaN(b):
		return b
	case load == 0:
		return 0
	case float64(agents) <= load:
		return 1
	}
	return erlangCFromB(agents, load, b)
}

func erlangCFromB(agents int, load, b float64) float64 {
	n := float64(agents)
	return n * b / (n - load*(1-b))
}

// Evaluate reports how q performs with the given agents when the service
// level counts answers within answerWithin. It uses Erlang A when
// q.Patience > 0 and Erlang C otherwise.
func Evaluate(q Queue, agents int, answerWithin time.Duration) (Result, error) {
	if err := q.Validate(); err != nil {
		return Result{}, fmt.Errorf("invalid queue: %w", err)
	}
	if agents < 0 {
		return Result{}, fmt.Errorf("agents must not be negative, got %d", agents)
	}
	if answerWithin < 0 {
		return Result{}, fmt.Errorf("answer time must not be negative, got %v", answerWithin)
	}
	if q.Patience > 0 {
		return erlangA(q, agents, answerWithin, ErlangB(agents, q.Load())), nil
	}
	return erlangC(q, agents, answerWithin, ErlangB(agents, q.Load())), nil
}

// erlangC fills a Result from Erlang B for the same agents and load, so a
// search can step the B recursion instead of restarting it.
func erlangC(q Queue, agents int, within time.Duration, b float64) Result {
	load := q.Load()
	r := Result{Agents: agents, Load: load}
	if load == 0 {
		r.ServiceLevel, r.Stable = 1, true
		return r
	}
	n := float64(agents)
	if n <= load {
		r.ProbWait, r.Occupancy = 1, 1
		return r
	}
	c := erlangCFromB(agents, load, b)
	aht := float64(q.AHT)
	// P(wait > t) = C·e^{−(N−A)·t/AHT}: the target time enters the
	// exponent; it is not compared with ASA.
	r.ServiceLevel = 1 - c*math.Exp(-(n-load)*float64(within)/aht)
	r.ProbWait = c
	r.ASA = duration(c * aht / (n - load))
	r.MeanWait = r.ASA
	r.Occupancy = load / n
	r.Stable = true
	return r
}

// Sweep evaluates q for every agent count from..to inclusive, stepping the
// Erlang B recursion once per row rather than restarting it.
func Sweep(q Queue, from, to int, answerWithin time.Duration) ([]Result, error) {
	if err := q.Validate(); err != nil {
		return nil, fmt.Errorf("invalid queue: %w", err)
	}
	if from < 0 || to < from {
		return nil, fmt.Errorf("agent range %d..%d is empty or negative", from, to)
	}
	if answerWithin < 0 {
		return nil, fmt.Errorf("answer time must not be negative, got %v", answerWithin)
	}
	load := q.Load()
	b := ErlangB(from, load)
	out := make([]Result, 0, to-from+1)
	for n := from; n <= to; n++ {
		if n > from {
			b = nextErlangB(n, load, b)
		}
		if q.Patience > 0 {
			out = append(out, erlangA(q, n, answerWithin, b))
		} else {
			out = append(out, erlangC(q, n, answerWithin, b))
		}
	}
	return out, nil
}

// nextErlangB steps B(n−1) to B(n).
func nextErlangB(n int, load, prev float64) float64 {
	if load == 0 {
		return 0
	}
	return load * prev / (float64(n) + load*prev)
}

// duration converts nanoseconds held in a float to a Duration, rounding to
// the nearest nanosecond and saturating instead of overflowing.
func duration(ns float64) time.Duration {
	switch {
	case math.IsNaN(ns) || ns <= 0:
		return 0
	case ns >= math.MaxInt64:
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(math.Round(ns))
}
