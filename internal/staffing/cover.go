package staffing

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// The shift-coverage problem is a covering integer program:
//
//	minimise Σ cost_j·x_j  subject to  Σ_j covers_ij·x_j ≥ demand_i,  x_j ∈ {0, 1, 2, …}
//
// SolveCover solves it exactly by branch and bound. Each node's bound is
// the LP relaxation, solved by the primal simplex method on the LP's dual
// (max d·y − u·z s.t. Aᵀy − z ≤ c, y, z ≥ 0): with non-negative costs the
// dual starts feasible at y = 0, so no phase one is needed, and branching
// bounds only add columns to it. Every node also rounds its LP solution up
// (always feasible for a covering problem) and repairs it by dropping the
// dearest redundant shifts, which gives a good incumbent early. Columns
// that share no interval are solved as separate problems, so the days of
// a week split apart unless overnight shifts join them.

// CoverColumn is one kind of shift: its cost and which intervals it covers.
type CoverColumn struct {
	Cost   float64
	Covers []bool // Covers[i] reports whether the shift works interval i
}

// CoverOptions bounds the search.
type CoverOptions struct {
	// MaxNodes caps branch-and-bound nodes per independent sub-problem;
	// 0 means DefaultMaxNodes. When the cap is hit the best schedule
	// found is returned with Optimal false and a proven LowerBound.
	MaxNodes int
}

// DefaultMaxNodes is the node cap used when CoverOptions.MaxNodes is 0.
const DefaultMaxNodes = 20000

// CoverSolution is a least-cost covering.
type CoverSolution struct {
	// Counts[j] is how many of column j to staff.
	Counts []int `json:"counts"`
	// Cost is Σ cost_j·Counts[j].
	Cost float64 `json:"cost"`
	// LowerBound is a proven bound: no covering costs less.
	LowerBound float64 `json:"lower_bound"`
	// Optimal reports whether Cost is proven minimal.
	Optimal bool `json:"optimal"`
	// Nodes is the number of branch-and-bound nodes explored.
	Nodes int `json:"nodes"`
	// Uncoverable lists intervals with demand that no column covers;
	// their demand is left unmet rather than failing the whole schedule.
	Uncoverable []int `json:"uncoverable,omitempty"`
}

// SolveCover finds the least-cost integer counts of columns covering
// demand. Costs must be finite and non-negative, demands non-negative, and
// every column must have one entry per demand.
func SolveCover(demand []int, columns []CoverColumn, opts CoverOptions) (CoverSolution, error) {
	m := len(demand)
	for i, d := range demand {
		if d < 0 {
			return CoverSolution{}, fmt.Errorf("demand %d is negative (%d)", i, d)
		}
	}
	for j, c := range columns {
		if math.IsNaN(c.Cost) || math.IsInf(c.Cost, 0) || c.Cost < 0 {
			return CoverSolution{}, fmt.Errorf("column %d: cost must be finite and non-negative, got %v", j, c.Cost)
		}
		if len(c.Covers) != m {
			return CoverSolution{}, fmt.Errorf("column %d covers %d intervals, want %d", j, len(c.Covers), m)
		}
	}
	if opts.MaxNodes <= 0 {
		opts.MaxNodes = DefaultMaxNodes
	}
	sol := CoverSolution{Counts: make([]int, len(columns)), Optimal: true}

	// Union columns that share an interval with demand.
	parent := make([]int, len(columns))
	for j := range parent {
		parent[j] = j
	}
	find := func(j int) int {
		for parent[j] != j {
			parent[j] = parent[parent[j]]
			j = parent[j]
		}
		return j
	}
	for i := range m {
		if demand[i] == 0 {
			continue
		}
		first := -1
		for j, c := range columns {
			if !c.Covers[i] {
				continue
			}
			if first < 0 {
				first = j
			} else {
				parent[find(j)] = find(first)
			}
		}
		if first < 0 {
			sol.Uncoverable = append(sol.Uncoverable, i)
		}
	}
	groups := map[int][]int{}
	var roots []int
	for j := range columns {
		r := find(j)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], j)
	}
	for _, r := range roots {
		cols := groups[r]
		var rows []int
		for i := range m {
			if demand[i] == 0 || slices.Contains(sol.Uncoverable, i) {
				continue
			}
			if columns[cols[0]].Covers[i] || slices.ContainsFunc(cols[1:], func(j int) bool { return columns[j].Covers[i] }) {
				rows = append(rows, i)
			}
		}
		if len(rows) == 0 {
			continue // these columns cover nothing that is needed
		}
		sub := newCoverProblem(demand, columns, rows, cols)
		res, err := sub.solve(opts.MaxNodes)
		if err != nil {
			return CoverSolution{}, err
		}
		for k, j := range cols {
			sol.Counts[j] = res.counts[k]
		}
		sol.Cost += res.cost
		sol.LowerBound += res.bound
		sol.Nodes += res.nodes
		sol.Optimal = sol.Optimal && res.optimal
	}
	if sol.Optimal {
		sol.LowerBound = sol.Cost
	}
	return sol, nil
}

// coverProblem is one independent sub-problem with dense 0/1 coverage.
type coverProblem struct {
	a      [][]bool // a[i][j]: column j covers row i
	demand []float64
	cost   []float64
}

func newCoverProblem(demand []int, columns []CoverColumn, rows, cols []int) coverProblem {
	p := coverProblem{a: make([][]bool, len(rows)), demand: make([]float64, len(rows)), cost: make([]float64, len(cols))}
	for k, i := range rows {
		p.demand[k] = float64(demand[i])
		p.a[k] = make([]bool, len(cols))
		for l, j := range cols {
			p.a[k][l] = columns[j].Covers[i]
		}
	}
	for l, j := range cols {
		p.cost[l] = columns[j].Cost
	}
	return p
}

type coverResult struct {
	counts  []int
	cost    float64
	bound   float64
	nodes   int
	optimal bool
}

type bbNode struct {
	lo, hi []int // hi[j] < 0 means unbounded
	bound  float64
}

const intTol = 1e-6

func (p coverProblem) solve(maxNodes int) (coverResult, error) {
	n := len(p.cost)
	best := coverResult{cost: math.Inf(1)}
	// A first incumbent: enough of the cheapest covering column for each
	// row. Feasible because every row here is covered by some column.
	start := make([]int, n)
	for i, row := range p.a {
		cheapest := -1
		for j, ok := range row {
			if ok && (cheapest < 0 || p.cost[j] < p.cost[cheapest]) {
				cheapest = j
			}
		}
		start[cheapest] = max(start[cheapest], int(p.demand[i]))
	}
	p.offer(&best, p.repair(start))

	root := bbNode{lo: make([]int, n), hi: make([]int, n), bound: math.Inf(-1)}
	for j := range root.hi {
		root.hi[j] = -1
	}
	stack := []bbNode{root}
	for len(stack) > 0 {
		if best.nodes >= maxNodes {
			// Out of budget: the proven bound is the weakest open node.
			lb := best.cost
			for _, nd := range stack {
				lb = math.Min(lb, nd.bound)
			}
			best.bound = lb
			return best, nil
		}
		nd := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if nd.bound >= best.cost-costTol(best.cost) {
			continue
		}
		best.nodes++
		x, obj, feasible, err := p.relax(nd.lo, nd.hi)
		if err != nil {
			return coverResult{}, err
		}
		if !feasible || obj >= best.cost-costTol(best.cost) {
			continue
		}
		up := make([]int, n)
		// Branch on the most fractional count.
		branch, dist := -1, 1.0
		for j, v := range x {
			up[j] = int(math.Ceil(v - intTol))
			f := v - math.Floor(v)
			if f <= intTol || f >= 1-intTol {
				continue
			}
			if d := math.Abs(f - 0.5); d < dist {
				branch, dist = j, d
			}
		}
		p.offer(&best, p.repair(up))
		if branch < 0 {
			continue // integral: the incumbent offered above is this node's optimum
		}
		v := x[branch]
		down := bbNode{lo: slices.Clone(nd.lo), hi: slices.Clone(nd.hi), bound: obj}
		down.hi[branch] = int(math.Floor(v))
		upNode := bbNode{lo: slices.Clone(nd.lo), hi: slices.Clone(nd.hi), bound: obj}
		upNode.lo[branch] = int(math.Ceil(v))
		// Depth first, rounding up first: covering problems find good
		// incumbents on the up side.
		stack = append(stack, down, upNode)
	}
	best.bound = best.cost
	best.optimal = true
	return best, nil
}

func costTol(c float64) float64 { return 1e-9 * math.Max(1, math.Abs(c)) }

// offer makes counts the incumbent if it is cheaper.
func (p coverProblem) offer(best *coverResult, counts []int) {
	c := 0.0
	for j, k := range counts {
		c += p.cost[j] * float64(k)
	}
	if c < best.cost-costTol(best.cost) || best.counts == nil {
		best.counts, best.cost = counts, c
	}
}

// repair removes shifts, dearest first, while every row stays covered.
func (p coverProblem) repair(counts []int) []int {
	cov := make([]int, len(p.a))
	for i, row := range p.a {
		for j, ok := range row {
			if ok {
				cov[i] += counts[j]
			}
		}
	}
	order := make([]int, len(counts))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case p.cost[a] > p.cost[b]:
			return -1
		case p.cost[a] < p.cost[b]:
			return 1
		}
		return 0
	})
	for _, j := range order {
		for counts[j] > 0 {
			slack := math.MaxInt
			for i, row := range p.a {
				if row[j] {
					slack = min(slack, cov[i]-int(p.demand[i]))
				}
			}
			if slack <= 0 {
				break
			}
			drop := min(slack, counts[j])
			counts[j] -= drop
			for i, row := range p.a {
				if row[j] {
					cov[i] -= drop
				}
			}
		}
	}
	return counts
}

// errLPStalled is returned if the simplex exceeds its pivot budget, which
// Bland's rule makes a bug rather than a property of the input.
var errLPStalled = errors.New("shift cover: LP relaxation did not converge")

// relax solves the LP relaxation with lo ≤ x ≤ hi (hi < 0: unbounded),
// by substituting x = lo + x′ and running the simplex on the dual.
func (p coverProblem) relax(lo, hi []int) (x []float64, obj float64, feasible bool, err error) {
	m, n := len(p.a), len(p.cost)
	// Residual demand after the lower bounds.
	var rows []int
	resid := make([]float64, m)
	for i, row := range p.a {
		resid[i] = p.demand[i]
		for j, ok := range row {
			if ok {
				resid[i] -= float64(lo[j])
			}
		}
		if resid[i] > intTol {
			rows = append(rows, i)
		}
	}
	base := 0.0
	for j := range n {
		base += p.cost[j] * float64(lo[j])
	}
	x = make([]float64, n)
	for j := range n {
		x[j] = float64(lo[j])
	}
	if len(rows) == 0 {
		return x, base, true, nil
	}
	// Columns still free to grow.
	var cols []int
	for j := range n {
		if hi[j] < 0 || hi[j] > lo[j] {
			cols = append(cols, j)
		}
	}
	var bounded []int // positions in cols with a finite upper bound
	for k, j := range cols {
		if hi[j] >= 0 {
			bounded = append(bounded, k)
		}
	}
	nr, ny, nz := len(cols), len(rows), len(bounded)
	width := ny + nz + nr + 1 // variables y, z, slacks, then the right-hand side
	tab := make([]float64, nr*width)
	rc := make([]float64, width-1)
	basis := make([]int, nr)
	for r, j := range cols {
		t := tab[r*width : (r+1)*width]
		for k, i := range rows {
			if p.a[i][j] {
				t[k] = 1
			}
		}
		t[ny+nz+r] = 1
		t[width-1] = p.cost[j]
		basis[r] = ny + nz + r
	}
	for zk, k := range bounded {
		j := cols[k]
		tab[k*width+ny+zk] = -1
		rc[ny+zk] = -float64(hi[j] - lo[j])
	}
	for k, i := range rows {
		rc[k] = resid[i]
	}
	value := 0.0
	const eps = 1e-9
	degenerate := 0
	for iter := 0; ; iter++ {
		if iter > 50*(width+nr)+1000 {
			return nil, 0, false, errLPStalled
		}
		bland := degenerate > 20
		enter := -1
		for v := range rc {
			if rc[v] > eps && (enter < 0 || (!bland && rc[v] > rc[enter])) {
				enter = v
				if bland {
					break
				}
			}
		}
		if enter < 0 {
			break
		}
		leave := -1
		var ratio float64
		for r := range nr {
			a := tab[r*width+enter]
			if a <= eps {
				continue
			}
			q := tab[r*width+width-1] / a
			if leave < 0 || q < ratio-eps || (q < ratio+eps && basis[r] < basis[leave]) {
				leave, ratio = r, q
			}
		}
		if leave < 0 {
			return nil, 0, false, nil // dual unbounded: the residual demand cannot be covered
		}
		if ratio <= eps {
			degenerate++
		} else {
			degenerate = 0
		}
		pr := tab[leave*width : (leave+1)*width]
		inv := 1 / pr[enter]
		for v := range pr {
			pr[v] *= inv
		}
		pr[enter] = 1
		for r := range nr {
			if r == leave {
				continue
			}
			t := tab[r*width : (r+1)*width]
			f := t[enter]
			if f == 0 {
				continue
			}
			for v := range t {
				t[v] -= f * pr[v]
			}
			t[enter] = 0
		}
		f := rc[enter]
		for v := range rc {
			rc[v] -= f * pr[v]
		}
		rc[enter] = 0
		value += f * pr[width-1]
		basis[leave] = enter
	}
	// The primal values are the dual prices of the dual's constraints.
	for r, j := range cols {
		x[j] += math.Max(0, -rc[ny+nz+r])
	}
	return x, base + value, true, nil
}
