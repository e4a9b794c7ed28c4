package staffing

import (
	"math"
	"time"
)

// Erlang A (Palm's M/M/N+M queue): Poisson arrivals, N agents with
// exponential handle times, and callers who hang up after an exponential
// patience if they have not been answered.
//
// Method. Time is measured in AHTs, so the service rate is 1, the arrival
// rate is the load A, and the abandonment rate is r = AHT/patience. The
// number of callers in the system is a birth–death chain whose stationary
// weights are, relative to state N,
//
//	states n < N:  Σ = 1/B(N, A) − 1            (from the Erlang B recursion)
//	state N+k:     q_k = Π_{i=1..k} A / (N + i·r)
//
// The q_k are summed by their ratio recursion, rescaled if they grow large
// (an overloaded queue), and truncated once the ratio is below one and the
// geometric bound on the tail is below 1e-13 of the total: no factorials,
// no incomplete gamma functions, stable for thousands of agents.
//
// By PASTA an arrival sees the stationary chain. One who finds k callers
// queued ahead advances a place at rate N + j·r while j are ahead (an agent
// frees or someone ahead hangs up) and hangs up at rate r, so
//
//	P(answered | k)            = N / (N + (k+1)·r)
//	E[wait | answered, k]      = Σ_{j=0..k} 1 / (N + (j+1)·r)
//
// Its virtual wait V (the wait it would have with infinite patience) is a
// sum of exponentials with rates r·g, r·(g+1) … r·(g+k), g = N/r — the law
// of an order statistic of exponentials: 1 − e^{−rV} ~ Beta(k+1, g).
// Answered within t means V ≤ t and V below its own patience; weighting
// the Beta density by e^{−rV} = 1 − U gives
//
//	P(answered within t | k) = P(answered | k) · I_p(k+1, g+1),  p = 1 − e^{−r·t}
//
// and I_p(k+1, b) = P(J ≥ k+1) for J negative-binomial(b, p), whose terms
// follow a ratio recursion too (in logarithms when the first term would
// underflow). Tests check every measure against a direct discrete-event
// simulation, against Little's law (P(abandon) = r·E[queue]/A), and
// against Erlang C as patience grows.

// tailEpsilon is where the queue-length distribution is truncated,
// relative to the total weight.
const tailEpsilon = 1e-13

// rescaleAbove keeps the unnormalised weights of an overloaded queue finite.
const rescaleAbove = 1e250

// erlangA evaluates Erlang A; b is ErlangB(agents, q.Load()).
func erlangA(q Queue, agents int, within time.Duration, b float64) Result {
	load := q.Load()
	res := Result{Agents: agents, Load: load, Stable: true, ErlangA: true}
	if load == 0 || b < 1e-300 {
		// No calls, or so many agents that no caller ever waits.
		res.ServiceLevel = 1
		res.Occupancy = load / math.Max(float64(agents), 1)
		return res
	}
	n := float64(agents)
	r := float64(q.AHT) / float64(q.Patience)
	tau := float64(within) / float64(q.AHT)

	base := 1/b - 1 // weight of the states with a free agent, relative to state N
	// Negative-binomial terms for the service level: T_0 = (1−p)^bb.
	p := -math.Expm1(-r * tau)
	bb := n/r + 1
	logT := -(n + r) * tau // log (1−p)^bb
	useLog := logT < -700
	t := math.Exp(logT)
	cum := 0.0 // Σ_{j≤k} T_j, so I_p(k+1, bb) = 1 − cum
	tDone := false

	var sWait, sServed, sWithin, sServedWait, sQueue float64
	qk, harmonic := 1.0, 0.0
	for k := 0; ; k++ {
		if useLog {
			t = math.Exp(logT) // underflows to 0 while negligible
		}
		cum += t
		inc := 1 - cum
		if inc < 0 {
			inc = 0
		}
		inv := 1 / (n + float64(k+1)*r)
		harmonic += inv
		served := n * inv
		sWait += qk
		sServed += qk * served
		sWithin += qk * served * inc
		sServedWait += qk * served * harmonic
		sQueue += qk * float64(k)

		ratio := load * inv // q_{k+1} / q_k
		qk *= ratio
		if ratio < 1 {
			// Ratios only fall from here, so the tail is at most
			// q·ρ/(1−ρ); weighting by queue length adds k + 1/(1−ρ).
			// Multiplied out by (1−ρ)² to keep divisions out of the loop.
			gap := 1 - ratio
			if qk*(float64(k)*gap+1) < tailEpsilon*(base+sWait)*gap*gap {
				break
			}
		}
		if qk > rescaleAbove {
			qk /= rescaleAbove
			base /= rescaleAbove
			sWait /= rescaleAbove
			sServed /= rescaleAbove
			sWithin /= rescaleAbove
			sServedWait /= rescaleAbove
			sQueue /= rescaleAbove
		}
		// Next negative-binomial term: T_{k+1} = T_k · p·(k+bb)/(k+1),
		// until the terms are past their peak and negligible.
		if tDone {
			continue
		}
		step := p * (float64(k) + bb) / float64(k+1)
		switch {
		case step < 1 && t < 1e-20 && (!useLog || logT < -46):
			t, useLog, tDone = 0, false, true
		case useLog:
			logT += math.Log(step)
		default:
			t *= step
		}
	}

	z := base + sWait
	aht := float64(q.AHT)
	res.ProbWait = sWait / z
	res.ProbAbandon = (sWait - sServed) / z
	res.ServiceLevel = (base + sWithin) / z
	if answered := base + sServed; answered > 0 {
		res.ASA = duration(sServedWait / answered * aht)
	}
	meanQueue := sQueue / z
	meanWait := meanQueue / load // Little's law, in AHTs
	res.MeanWait = duration(meanWait * aht)
	if res.ProbAbandon > 0 {
		served := sServedWait / z
		res.MeanWaitAbandoned = duration((meanWait - served) / res.ProbAbandon * aht)
	}
	if agents > 0 {
		res.Occupancy = load * (1 - res.ProbAbandon) / n
	}
	// Rounding can push a near-certain figure a hair past 1.
	res.ProbWait, res.ProbAbandon = clamp01(res.ProbWait), clamp01(res.ProbAbandon)
	res.ServiceLevel, res.Occupancy = clamp01(res.ServiceLevel), clamp01(res.Occupancy)
	return res
}

func clamp01(x float64) float64 { return math.Min(1, math.Max(0, x)) }
