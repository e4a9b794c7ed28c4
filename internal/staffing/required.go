package staffing

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Requirement is how many people a queue needs for one interval, in the
// order planners reason about it.
type Requirement struct {
	// Load is the offered load in Erlangs.
	Load float64 `json:"load_erlangs"`
	// RawAgents is the fewest agents that meet the service target (and the
	// abandonment cap, under Erlang A).
	RawAgents int `json:"raw_agents"`
	// Agents is RawAgents raised, if needed, so occupancy stays at or under
	// the cap: the agents who must be on the phones.
	Agents int `json:"agents"`
	// Staff is the people to schedule so that Agents remain after
	// shrinkage: ceil(Agents / (1 − shrinkage)).
	Staff int `json:"staff"`
	// Result is how the queue performs with Agents.
	Result Result `json:"result"`
}

// ErrTargetUnreachable is returned when no agent count up to the search
// limit meets the target (for example an abandonment cap below what even
// instant answers give).
var ErrTargetUnreachable = errors.New("target cannot be met")

// searchLimit bounds the agent search well beyond any sane answer.
func searchLimit(load float64) int {
	return int(2*load+20*math.Sqrt(load)) + 100
}

// Require finds the staff q needs under p. It searches the fewest agents
// meeting the target, then raises them to respect the occupancy cap, then
// grosses up for shrinkage.
func Require(q Queue, p Policy) (Requirement, error) {
	if err := q.Validate(); err != nil {
		return Requirement{}, fmt.Errorf("invalid queue: %w", err)
	}
	if err := p.Validate(); err != nil {
		return Requirement{}, fmt.Errorf("invalid policy: %w", err)
	}
	if p.Target.MaxAbandon > 0 && q.Patience == 0 {
		return Requirement{}, errors.New("an abandonment cap needs a patience (Erlang A): Erlang C callers never abandon")
	}
	load := q.Load()
	req := Requirement{Load: load}
	if load == 0 {
		req.Result = Result{Load: 0, ServiceLevel: 1, Stable: true, ErlangA: q.Patience > 0}
		return req, nil
	}
	var res Result
	var err error
	if q.Patience > 0 {
		res, err = requireErlangA(q, p.Target)
	} else {
		res, err = requireErlangC(q, p.Target)
	}
	if err != nil {
		return Requirement{}, err
	}
	req.RawAgents = res.Agents
	if p.MaxOccupancy > 0 {
		res = capOccupancy(q, p, res)
	}
	req.Agents = res.Agents
	req.Result = res
	req.Staff = grossUp(res.Agents, p.Shrinkage)
	return req, nil
}

// grossUp is ceil(agents / (1 − shrinkage)), with a tolerance so that
// 14 / 0.7, which is 20.000000000000004 in floating point, stays 20.
func grossUp(agents int, shrinkage float64) int {
	return ceilTol(float64(agents) / (1 - shrinkage))
}

func ceilTol(x float64) int {
	return int(math.Ceil(x - 1e-9))
}

// requireErlangC walks up from the first stable agent count, stepping the
// Erlang B recursion once per agent: service level rises with every agent.
func requireErlangC(q Queue, t Target) (Result, error) {
	load := q.Load()
	first := int(math.Floor(load)) + 1
	b := ErlangB(first, load)
	for n, limit := first, searchLimit(load); n <= limit; n++ {
		if n > first {
			b = nextErlangB(n, load, b)
		}
		if r := erlangC(q, n, t.Within, b); r.ServiceLevel >= t.Level {
			return r, nil
		}
	}
	return Result{}, fmt.Errorf("%w: no agent count up to %d reaches %v", ErrTargetUnreachable, searchLimit(load), t)
}

// requireErlangA searches around the Erlang C answer: under Erlang A the
// service level rises and the abandonment falls with every agent, and the
// answer is usually a little below Erlang C's — but it can lie well below
// the load when callers are impatient, or above Erlang C's when an
// abandonment cap binds. So it gallops (steps of 1, 2, 4, …) from there to
// bracket the answer, then bisects: a few evaluations in the usual case.
func requireErlangA(q Queue, t Target) (Result, error) {
	load := q.Load()
	meets := func(n int) (Result, bool) {
		r := erlangA(q, n, t.Within, ErlangB(n, load))
		return r, r.ServiceLevel >= t.Level && (t.MaxAbandon == 0 || r.ProbAbandon <= t.MaxAbandon)
	}
	limit := searchLimit(load)
	start := int(math.Ceil(load)) + 1
	if c, err := requireErlangC(Queue{Calls: q.Calls, Interval: q.Interval, AHT: q.AHT}, Target{Level: t.Level, Within: t.Within}); err == nil {
		start = c.Agents
	}
	lo, hi := -1, -1 // lo fails, hi meets
	best, ok := meets(start)
	if ok {
		hi = start
		for step := 1; lo < 0; step *= 2 {
			n := hi - step
			if n <= 0 {
				lo = 0 // no agents answer nobody
				break
			}
			r, ok := meets(n)
			if !ok {
				lo = n
				break
			}
			hi, best = n, r
		}
	} else {
		lo = start
		for step := 1; hi < 0; step *= 2 {
			if lo >= limit {
				return Result{}, fmt.Errorf("%w: no agent count up to %d reaches %v", ErrTargetUnreachable, limit, t)
			}
			n := min(lo+step, limit)
			r, ok := meets(n)
			if ok {
				hi, best = n, r
				break
			}
			lo = n
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if r, ok := meets(mid); ok {
			hi, best = mid, r
		} else {
			lo = mid
		}
	}
	return best, nil
}

// capOccupancy raises agents until occupancy is at or under the cap. Under
// Erlang C occupancy is load/N, so N = ceil(load/cap) directly; under
// Erlang A the carried load grows as agents are added, so the same step is
// repeated until it settles.
func capOccupancy(q Queue, p Policy, r Result) Result {
	for r.Occupancy > p.MaxOccupancy+1e-12 {
		carried := r.Occupancy * float64(r.Agents)
		n := max(ceilTol(carried/p.MaxOccupancy), r.Agents+1)
		r = mustEvaluate(q, n, p.Target.Within)
	}
	return r
}

// mustEvaluate evaluates an already validated queue.
func mustEvaluate(q Queue, n int, within time.Duration) Result {
	if q.Patience > 0 {
		return erlangA(q, n, within, ErlangB(n, q.Load()))
	}
	return erlangC(q, n, within, ErlangB(n, q.Load()))
}
