package staffing_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"anchor/internal/staffing"
)

// exhaustiveCover tries every count vector with each count up to the
// largest demand (more is never needed: a column above every demand it
// covers can drop one and stay feasible) and returns the least cost, or
// +Inf if nothing covers.
func exhaustiveCover(demand []int, cols []staffing.CoverColumn) float64 {
	top := slices.Max(demand)
	counts := make([]int, len(cols))
	best := math.Inf(1)
	for {
		ok := true
		for i, d := range demand {
			c := 0
			for j, col := range cols {
				if col.Covers[i] {
					c += counts[j]
				}
			}
			if c < d {
				ok = false
				break
			}
		}
		if ok {
			cost := 0.0
			for j, col := range cols {
				cost += col.Cost * float64(counts[j])
			}
			best = math.Min(best, cost)
		}
		j := 0
		for ; j < len(counts); j++ {
			if counts[j] < top {
				counts[j]++
				break
			}
			counts[j] = 0
		}
		if j == len(counts) {
			return best
		}
	}
}

func checkCover(t *testing.T, demand []int, cols []staffing.CoverColumn, sol staffing.CoverSolution) {
	t.Helper()
	cost := 0.0
	for j, k := range sol.Counts {
		if k < 0 {
			t.Fatalf("negative count %d for column %d", k, j)
		}
		cost += cols[j].Cost * float64(k)
	}
	if math.Abs(cost-sol.Cost) > 1e-9*math.Max(1, cost) {
		t.Errorf("reported cost %v, counts cost %v", sol.Cost, cost)
	}
	for i, d := range demand {
		if slices.Contains(sol.Uncoverable, i) {
			continue
		}
		c := 0
		for j, col := range cols {
			if col.Covers[i] {
				c += sol.Counts[j]
			}
		}
		if c < d {
			t.Errorf("interval %d: covered %d, demand %d", i, c, d)
		}
	}
}

func TestSolveCoverAgainstExhaustive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	branched := 0
	for trial := range 400 {
		m, n := 2+rng.IntN(7), 1+rng.IntN(6)
		demand := make([]int, m)
		for i := range demand {
			demand[i] = rng.IntN(4)
		}
		cols := make([]staffing.CoverColumn, n)
		for j := range cols {
			// Shifts are runs of consecutive intervals, sometimes with a
			// one-interval break; costs are mostly but not always
			// proportional to length.
			start, length := rng.IntN(m), 1+rng.IntN(m)
			cover := make([]bool, m)
			for i := start; i < min(m, start+length); i++ {
				cover[i] = true
			}
			if length > 2 && start+1 < m && rng.IntN(3) == 0 {
				cover[start+1] = false
			}
			cols[j] = staffing.CoverColumn{Cost: float64(length) + float64(rng.IntN(3)) + 0.5*float64(rng.IntN(2)), Covers: cover}
		}
		sol, err := staffing.SolveCover(demand, cols, staffing.CoverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkCover(t, demand, cols, sol)
		// Exhaustive search over the coverable part.
		coverable := slices.Clone(demand)
		for _, i := range sol.Uncoverable {
			coverable[i] = 0
		}
		want := exhaustiveCover(coverable, cols)
		if !sol.Optimal || math.Abs(sol.Cost-want) > 1e-9 {
			t.Fatalf("trial %d: demand %v cols %+v: got cost %v (optimal %v), exhaustive %v", trial, demand, cols, sol.Cost, sol.Optimal, want)
		}
		if sol.Nodes > 1 {
			branched++
		}
	}
	// The cases must exercise branching, not only integral relaxations.
	if branched < 20 {
		t.Errorf("only %d of 400 cases branched", branched)
	}
}

// A case where rounding the LP up is not optimal: three shifts each
// covering two of three intervals, demand 1 each. The LP takes half of
// each (cost 1.5·c); rounding up takes all three; the optimum is two.
func TestSolveCoverNeedsBranching(t *testing.T) {
	cols := []staffing.CoverColumn{
		{Cost: 10, Covers: []bool{true, true, false}},
		{Cost: 10, Covers: []bool{false, true, true}},
		{Cost: 10, Covers: []bool{true, false, true}},
	}
	sol, err := staffing.SolveCover([]int{1, 1, 1}, cols, staffing.CoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Cost != 20 || !sol.Optimal {
		t.Errorf("got %+v, want cost 20, optimal", sol)
	}
}

func TestSolveCoverUncoverable(t *testing.T) {
	cols := []staffing.CoverColumn{{Cost: 4, Covers: []bool{true, true, false, false}}}
	sol, err := staffing.SolveCover([]int{2, 1, 3, 0}, cols, staffing.CoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sol.Uncoverable, []int{2}) || !slices.Equal(sol.Counts, []int{2}) || sol.Cost != 8 {
		t.Errorf("got %+v, want 2 of the shift and interval 2 uncoverable", sol)
	}
}

func TestSolveCoverErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		demand []int
		cols   []staffing.CoverColumn
	}{
		{"NegativeDemand", []int{-1}, []staffing.CoverColumn{{Cost: 1, Covers: []bool{true}}}},
		{"NegativeCost", []int{1}, []staffing.CoverColumn{{Cost: -1, Covers: []bool{true}}}},
		{"NaNCost", []int{1}, []staffing.CoverColumn{{Cost: math.NaN(), Covers: []bool{true}}}},
		{"WrongLength", []int{1, 1}, []staffing.CoverColumn{{Cost: 1, Covers: []bool{true}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := staffing.SolveCover(tc.demand, tc.cols, staffing.CoverOptions{}); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

// A budget of one node still returns a feasible cover and a bound no
// higher than the cost.
func TestSolveCoverNodeBudget(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	m := 40
	demand := make([]int, m)
	for i := range demand {
		demand[i] = 5 + rng.IntN(20)
	}
	var cols []staffing.CoverColumn
	for start := 0; start < m; start += 2 {
		cover := make([]bool, m)
		for i := start; i < min(m, start+16); i++ {
			cover[i] = i != start+8
		}
		cols = append(cols, staffing.CoverColumn{Cost: 8 + 0.1*float64(start%5), Covers: cover})
	}
	full, err := staffing.SolveCover(demand, cols, staffing.CoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkCover(t, demand, cols, full)
	small, err := staffing.SolveCover(demand, cols, staffing.CoverOptions{MaxNodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkCover(t, demand, cols, small)
	if small.LowerBound > small.Cost+1e-9 || small.LowerBound > full.Cost+1e-9 || small.Cost < full.Cost-1e-9 {
		t.Errorf("budget 1: cost %v bound %v; full search cost %v (optimal %v)", small.Cost, small.LowerBound, full.Cost, full.Optimal)
	}
}
