package metrics

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"

	"anchor/internal/store"
)

// openStatuses are the statuses of a case still being worked.
const openStatuses = `('new', 'open', 'pending_customer', 'pending_internal')`

// backlogEnds are the instants the backlog is a snapshot at: each period's
// end, or now if sooner.
func backlogEnds(now time.Time, periods []Period) []int64 {
	ends := make([]int64, len(periods))
	for i, p := range periods {
		end := p.End
		if now.Before(end) {
			end = now
		}
		ends[i] = store.Millis(end)
	}
	return ends
}

// The percentiles backlog age reports, over ages sorted youngest first.
var backlogQuantiles = [...]float64{0.5, 0.9}

// quantileRanks are the two ranks of n sorted values that quantile q lies
// between (equal when it falls on one), and how far it lies from lo:
// linear interpolation between closest ranks, as percentile does.
func quantileRanks(n int64, q float64) (lo, hi int64, frac float64) {
	pos := q * float64(n-1)
	return int64(math.Floor(pos)), int64(math.Ceil(pos)), pos - math.Floor(pos)
}

// backlogStats is one cut's backlog at one end, all in integers (ages in
// milliseconds), so that the figures do not depend on the order the ages
// were added in or on how they were found: a day rolled up with thirty
// others equals the same day computed alone, and the snapshot at now read
// by rank equals the one read case by case, to the last bit.
type backlogStats struct {
	n, over, totalMS int64
	ages             map[int64]int64 // by rank, youngest first: the ranks the percentiles need
}

// counts makes the metric's counts of a cut: the mean age in days is the
// value (num = total age, den = cases), with the median, the 90th
// percentile and how many were past their resolution target in Extra.
func (b backlogStats) counts(cut string) counts {
	pct := func(q float64) float64 {
		lo, hi, frac := quantileRanks(b.n, q)
		vlo, vhi := float64(b.ages[lo])/float64(dayMS), float64(b.ages[hi])/float64(dayMS)
		return vlo + (vhi-vlo)*frac
	}
	return counts{cut: cut, num: float64(b.totalMS) / float64(dayMS), den: float64(b.n), extra: map[string]float64{
		"median_days": pct(backlogQuantiles[0]), "p90_days": pct(backlogQuantiles[1]), "over_target": float64(b.over), "open_cases": float64(b.n),
	}}
}

// recentBacklog is how recent an end is read by rank (backlogRecent): the
// cases resolved since are merged in, and two days of them are a few
// thousand, against every open case read one by one (backlogAtEnds).
const recentBacklog = 48 * time.Hour

// computeBacklog: the cases open at the end of each period (or now, if
// sooner), by backlogStats. A recent snapshot (every period still going
// ends at now) is read by rank from the open cases (backlogRecent); older
// ones, which only the rollup job and days changed since ask for, from one
// read of every case open at any of them (backlogAtEnds).
func computeBacklog(ctx context.Context, s *Service, periods []Period, by string) (map[int][]counts, error) {
	now := s.DB.Now()
	ends := backlogEnds(now, periods)
	recent := store.Millis(now.Add(-recentBacklog))
	var past []int64
	var pastAt []int
	out := map[int][]counts{}
	done := map[int64][]counts{} // periods still going share one end: now
	for i, end := range ends {
		if end < recent || !backlogIndexed(by) {
			past, pastAt = append(past, end), append(pastAt, i)
			continue
		}
		cs, ok := done[end]
		if !ok {
			var err error
			if cs, err = backlogRecent(ctx, s, end, by); err != nil {
				return nil, err
			}
			done[end] = cs
		}
		out[i] = cs
	}
	if len(past) == 0 {
		return out, nil
	}
	cs, err := backlogAtEnds(ctx, s, past, by)
	if err != nil {
		return nil, err
	}
	for j, c := range cs {
		out[pastAt[j]] = c
	}
	return out, nil
}

// openIndexes are the partial indexes of the open cases ordered by a cut
// and then by creation (migration 00015): for the snapshot at now, each
// cut's count and total age are an aggregate over a range of its index
// and each percentile a step to a rank in it, so no case is shipped out of
// the database. A year by agent with 200,000 open cases shipped all of
// them, at ~1 µs a case in pure-Go SQLite. The segment is the customer's,
// which no index of cases holds: that cut is read case by case.
var openIndexes = map[string]struct{ col, index string }{
	"":         {"", "cases_open_backlog"},
	ByAgent:    {"c.owner_id", "cases_open_by_owner"},
	ByChannel:  {"c.channel", "cases_open_by_channel"},
	ByCategory: {"c.category", "cases_open_by_category"},
}

func backlogIndexed(by string) bool {
	_, ok := openIndexes[by]
	return ok
}

// openCases is the FROM clause of cases read through one of their partial
// indexes of open cases. SQLite is told which: its estimates from sampled
// statistics (analysis_limit) make the index on status look selective,
// and through it every open case was a lookup of its whole row (a year by
// agent at 200,000 open cases: 560 ms instead of 200).
func openCases(d store.Dialect, index string) string {
	if d == store.SQLite {
		return `cases c INDEXED BY ` + index
	}
	return `cases c`
}

// backlogRecent is the backlog at a recent end, by cut. The cases open at
// the end are those open now and created before it, and those that left
// the backlog since (resolved after it: a few, as the end is recent). One
// aggregate over the open cases' index gives each cut's count, total age
// and cases past due; the few that left are read and added; then each
// percentile is read at its ranks, stepping through the cut's index from
// whichever end is nearer and merging in the few that left.
func backlogRecent(ctx context.Context, s *Service, end int64, by string) ([]counts, error) {
	ix := openIndexes[by]
	from := openCases(s.DB.Dialect, ix.index)
	cut, group := `''`, ``
	if ix.col != "" {
		cut, group = `COALESCE(`+ix.col+`, '')`, ` GROUP BY `+ix.col
	}
	type cutStats struct {
		backlogStats
		left []int64 // creation of the cases that left the backlog since the end, youngest first
	}
	stats := map[string]*cutStats{}
	var cuts []string
	get := func(cut string) *cutStats {
		st := stats[cut]
		if st == nil {
			st = &cutStats{backlogStats: backlogStats{ages: map[int64]int64{}}}
			stats[cut] = st
			cuts = append(cuts, cut)
		}
		return st
	}
	err := store.EachRow(ctx, s.DB.Read, `SELECT `+cut+`, COUNT(*), COALESCE(SUM($1 - c.created_at), 0),
		COUNT(*) FILTER (WHERE c.resolution_due_at < $1)
		FROM `+from+` WHERE c.status IN `+openStatuses+` AND c.created_at < $1`+group, []any{end}, func(rows *sql.Rows) error {
		var c string
		var n, total, over int64
		if err := rows.Scan(&c, &n, &total, &over); err != nil {
			return err
		}
		if n > 0 {
			st := get(c)
			st.n, st.totalMS, st.over = n, total, over
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	// The unary plus keeps the creation out of the index range: the
	// resolutions since the end are the few.
	err = store.EachRow(ctx, s.DB.Read, `SELECT `+caseDim(by)+`, c.created_at, COALESCE(c.resolution_due_at, 0) FROM cases c
		WHERE c.resolved_at >= $1 AND +c.created_at < $1 AND c.status NOT IN `+openStatuses, []any{end}, func(rows *sql.Rows) error {
		var c string
		var created, due int64
		if err := rows.Scan(&c, &created, &due); err != nil {
			return err
		}
		st := get(c)
		st.n++
		st.totalMS += end - created
		if due != 0 && due < end {
			st.over++
		}
		st.left = append(st.left, created)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	out := make([]counts, 0, len(cuts))
	for _, c := range cuts {
		st := stats[c]
		slices.SortFunc(st.left, func(a, b int64) int { return cmp.Compare(b, a) })
		for _, q := range backlogQuantiles {
			lo, hi, _ := quantileRanks(st.n, q)
			if err := backlogRanks(ctx, s, from, ix.col, c, end, st.n, lo, hi, st.left, st.ages); err != nil {
				return nil, err
			}
		}
		out = append(out, st.counts(c))
	}
	return out, nil
}

// backlogRanks puts into ages the ages at ranks lo..hi (youngest first,
// hi at most lo+1) of one cut's n cases open at end, of which left (youngest
// first) are no longer open and the rest are in the cut's index. The
// OFFSET walks the index inside the database, so it starts from the nearer
// end: the oldest for the 90th percentile. The m cases that left can hold
// at most m of the ranks before lo, so a window of the index from m ranks
// earlier, merged with them, holds lo..hi at their place. LIMIT and OFFSET
// are written into the text (store.Limit).
func backlogRanks(ctx context.Context, s *Service, from, col, cut string, end, n, lo, hi int64, left []int64, ages map[int64]int64) error {
	where, args := ``, []any{end}
	switch {
	case col == "":
	case cut == "" && col == openIndexes[ByAgent].col:
		where = ` AND ` + col + ` IS NULL`
	default:
		where, args = ` AND `+col+` = $2`, append(args, cut)
	}
	// before reports whether creation a comes before b in the walk.
	order, a, b, before := `DESC`, lo, hi, func(a, b int64) bool { return a > b }
	others := left
	if n-1-hi < lo {
		order, a, b, before = `ASC`, n-1-hi, n-1-lo, func(a, b int64) bool { return a < b }
		others = slices.Clone(left)
		slices.Reverse(others)
	}
	m := int64(len(others))
	start := max(0, a-m)
	var merged []int64
	err := store.EachRow(ctx, s.DB.Read, `SELECT c.created_at FROM `+from+` WHERE c.status IN `+openStatuses+
		` AND c.created_at < $1`+where+` ORDER BY c.created_at `+order+store.Limit(int(b-a+1+m))+fmt.Sprintf(" OFFSET %d", start), args,
		func(rows *sql.Rows) error {
			var created int64
			if err := rows.Scan(&created); err != nil {
				return err
			}
			for len(others) > 0 && before(others[0], created) {
				merged, others = append(merged, others[0]), others[1:]
			}
			merged = append(merged, created)
			return nil
		})
	if err != nil {
		return fmt.Errorf("backlog ranks: %w", err)
	}
	merged = append(merged, others...)
	for r := a; r <= b; r++ {
		rank := r
		if order == `ASC` {
			rank = n - 1 - r
		}
		ages[rank] = end - merged[r-start]
	}
	return nil
}

// backlogAtEnds is the backlog at many ends from one read of every case
// open at any of them (cases_open_backlog, an index-only scan), as the
// rollup of a run of days needs. Percentiles are computed here, as SQLite
// has none; ranking in the database by a window function was measured
// three times slower than shipping the rows.
func backlogAtEnds(ctx context.Context, s *Service, ends []int64, by string) (map[int][]counts, error) {
	first, last := ends[0], ends[len(ends)-1]
	// Open at an end means still worked now (resolved_at is cleared on a
	// reopen) or resolved after the first end: two index reads, not a scan
	// of every case ever opened.
	cols := caseDim(by) + ` AS cut, c.created_at, COALESCE(c.resolution_due_at, 0), COALESCE(c.resolved_at, 0), COALESCE(c.closed_at, 0)`
	join := ``
	if by == BySegment {
		join = ` JOIN customers cu ON cu.id = c.customer_id`
	}
	type acc struct {
		ages          []int64
		over, totalMS int64
	}
	byPeriod := make([]map[string]*acc, len(ends))
	for i := range byPeriod {
		byPeriod[i] = map[string]*acc{}
	}
	err := store.EachRow(ctx, s.DB.Read, `SELECT `+cols+` FROM `+openCases(s.DB.Dialect, "cases_open_backlog")+join+`
		WHERE c.status IN `+openStatuses+` AND c.created_at < $1
		UNION ALL
		SELECT `+cols+` FROM cases c`+join+`
		WHERE c.resolved_at >= $2 AND c.created_at < $1 AND c.status NOT IN `+openStatuses, []any{last, first}, func(rows *sql.Rows) error {
		var cut string
		var created, due, resolved, closed int64
		if err := rows.Scan(&cut, &created, &due, &resolved, &closed); err != nil {
			return err
		}
		for i, end := range ends {
			open := created < end && (resolved == 0 || resolved >= end) && (closed == 0 || closed >= end)
			if !open {
				continue
			}
			a := byPeriod[i][cut]
			if a == nil {
				a = &acc{}
				byPeriod[i][cut] = a
			}
			a.ages = append(a.ages, end-created)
			a.totalMS += end - created
			if due != 0 && due < end {
				a.over++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	out := map[int][]counts{}
	for i, m := range byPeriod {
		for cut, a := range m {
			slices.Sort(a.ages)
			b := backlogStats{n: int64(len(a.ages)), over: a.over, totalMS: a.totalMS, ages: map[int64]int64{}}
			for _, q := range backlogQuantiles {
				lo, hi, _ := quantileRanks(b.n, q)
				b.ages[lo], b.ages[hi] = a.ages[lo], a.ages[hi]
			}
			out[i] = append(out[i], b.counts(cut))
		}
	}
	return out, nil
}
