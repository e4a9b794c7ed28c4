package metrics

import (
	"context"
	"fmt"
	"math"
	"slices"

	"anchor/internal/store"
)

// openStatuses are the statuses of a case still being worked.
const openStatuses = `('new', 'open', 'pending_customer', 'pending_internal')`

// backlogEnds are the instants the backlog is a snapshot at: each period's
// end, or now if sooner.
func backlogEnds(s *Service, periods []Period) []int64 {
	now := s.DB.Now()
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

// computeBacklog: the cases open at the end of each period (or now, if
// sooner), by backlogStats. A snapshot at now, the end of every period
// still going, is read by rank from the open cases alone (backlogNow);
// snapshots in the past from one read of every case open at any of them.
func computeBacklog(ctx context.Context, s *Service, periods []Period, by string) (map[int][]counts, error) {
	ends := backlogEnds(s, periods)
	now := store.Millis(s.DB.Now())
	var past []int64
	var pastAt []int
	var atNow []counts // the same for every period still going
	out := map[int][]counts{}
	for i, end := range ends {
		if end != now || !backlogIndexed(by) {
			past, pastAt = append(past, end), append(pastAt, i)
			continue
		}
		if atNow == nil {
			cs, err := backlogNow(ctx, s, now, by)
			if err != nil {
				return nil, err
			}
			atNow = cs
		}
		out[i] = atNow
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

// backlogNow is the backlog at now, by cut: one aggregate for the counts
// and total ages, then for each cut its ranks for the percentiles, each
// read from whichever end of the cut's index is nearer.
func backlogNow(ctx context.Context, s *Service, now int64, by string) ([]counts, error) {
	ix := openIndexes[by]
	from := openCases(s.DB.Dialect, ix.index)
	cut, group := `''`, ``
	if ix.col != "" {
		cut, group = `COALESCE(`+ix.col+`, '')`, ` GROUP BY `+ix.col
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+cut+`, COUNT(*), COALESCE(SUM($1 - c.created_at), 0),
		COALESCE(SUM(CASE WHEN c.resolution_due_at < $1 THEN 1 ELSE 0 END), 0)
		FROM `+from+` WHERE c.status IN `+openStatuses+` AND c.created_at < $1`+group, now)
	if err != nil {
		return nil, fmt.Errorf("backlog now: %w", err)
	}
	type cutStats struct {
		cut string
		backlogStats
	}
	var all []cutStats
	for rows.Next() {
		var c cutStats
		if err := rows.Scan(&c.cut, &c.n, &c.totalMS, &c.over); err != nil {
			rows.Close()
			return nil, fmt.Errorf("backlog now: %w", err)
		}
		if c.n > 0 {
			all = append(all, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backlog now: %w", err)
	}
	out := make([]counts, 0, len(all))
	for _, c := range all {
		c.ages = map[int64]int64{}
		for _, q := range backlogQuantiles {
			lo, hi, _ := quantileRanks(c.n, q)
			if err := backlogRanks(ctx, s, from, ix.col, c.cut, now, c.n, lo, hi, c.ages); err != nil {
				return nil, err
			}
		}
		out = append(out, c.counts(c.cut))
	}
	return out, nil
}

// backlogRanks puts into ages the ages at ranks lo..hi (youngest first) of
// one cut's n open cases at now. The OFFSET walks the index inside the
// database, so it is taken from the nearer end: the oldest first for the
// 90th percentile. LIMIT and OFFSET are written into the text (store.Limit).
func backlogRanks(ctx context.Context, s *Service, from, col, cut string, now, n, lo, hi int64, ages map[int64]int64) error {
	where, args := ``, []any{now}
	switch {
	case col == "":
	case cut == "" && col == openIndexes[ByAgent].col:
		where = ` AND ` + col + ` IS NULL`
	default:
		where, args = ` AND `+col+` = $2`, append(args, cut)
	}
	order, offset, rank, step := `DESC`, lo, lo, int64(1)
	if oldest := n - 1 - hi; oldest < lo {
		order, offset, rank, step = `ASC`, oldest, hi, -1
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT c.created_at FROM `+from+` WHERE c.status IN `+openStatuses+
		` AND c.created_at < $1`+where+` ORDER BY c.created_at `+order+store.Limit(int(hi-lo+1))+fmt.Sprintf(" OFFSET %d", offset), args...)
	if err != nil {
		return fmt.Errorf("backlog ranks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var created int64
		if err := rows.Scan(&created); err != nil {
			return fmt.Errorf("backlog ranks: %w", err)
		}
		ages[rank] = now - created
		rank += step
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("backlog ranks: %w", err)
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
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+cols+` FROM `+openCases(s.DB.Dialect, "cases_open_backlog")+join+`
		WHERE c.status IN `+openStatuses+` AND c.created_at < $1
		UNION ALL
		SELECT `+cols+` FROM cases c`+join+`
		WHERE c.resolved_at >= $2 AND c.created_at < $1 AND c.status NOT IN `+openStatuses, last, first)
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	defer rows.Close()
	type acc struct {
		ages          []int64
		over, totalMS int64
	}
	byPeriod := make([]map[string]*acc, len(ends))
	for i := range byPeriod {
		byPeriod[i] = map[string]*acc{}
	}
	for rows.Next() {
		var cut string
		var created, due, resolved, closed int64
		if err := rows.Scan(&cut, &created, &due, &resolved, &closed); err != nil {
			return nil, fmt.Errorf("backlog: %w", err)
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
	}
	if err := rows.Err(); err != nil {
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
