package metrics

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"anchor/internal/store"
)

// caseDim is the SQL of a case dimension, over cases c joined to their
// customer cu.
func caseDim(by string) string {
	switch by {
	case BySegment:
		return "cu.segment_id"
	case ByChannel:
		return "c.channel"
	case ByAgent:
		return "COALESCE(c.owner_id, '')"
	case ByCategory:
		return "c.category"
	case ByDepartment:
		return "h.department_id"
	}
	return "''"
}

// FCRWindow is how long after a resolution a new case from the same
// customer in the same category means the first one was not resolved.
const FCRWindow = 7 * 24 * time.Hour

// computeFCR: resolved cases (resolved in the period) that had at most one
// contact up to their resolution, were never reopened, and were not
// followed within 7 days by a new case of the same customer and category.
func computeFCR(ctx context.Context, s *Service, p Period, by string) ([]counts, error) {
	return scanCounts(ctx, s.DB.Read, `SELECT `+caseDim(by)+` AS cut,
		SUM(CASE WHEN c.reopen_count = 0
			AND (SELECT COUNT(*) FROM case_contacts k WHERE k.case_id = c.id AND k.started_at <= c.resolved_at) <= 1
			AND NOT EXISTS (SELECT 1 FROM cases n WHERE n.customer_id = c.customer_id AND n.category = c.category AND n.id <> c.id
				AND n.created_at > c.resolved_at AND n.created_at <= c.resolved_at + $3)
			THEN 1 ELSE 0 END), COUNT(*)
		FROM cases c JOIN customers cu ON cu.id = c.customer_id
		WHERE c.resolved_at >= $1 AND c.resolved_at < $2 GROUP BY 1`,
		store.Millis(p.Start), store.Millis(p.End), FCRWindow.Milliseconds())
}

// computeCallbacks: callbacks whose window ended in the period (a window
// ending exactly at the period's end belongs to the next one), made inside
// the window; never made counts as late, cancelled ones are left out.
func computeCallbacks(ctx context.Context, s *Service, p Period, by string) ([]counts, error) {
	dim := caseDim(by)
	if by == ByAgent {
		dim = "COALESCE(b.owner_id, '')"
	}
	return scanCounts(ctx, s.DB.Read, `SELECT `+dim+` AS cut,
		SUM(CASE WHEN b.status = 'made' AND b.made_at >= b.window_start AND b.made_at <= b.window_end THEN 1 ELSE 0 END), COUNT(*)
		FROM callbacks b JOIN cases c ON c.id = b.case_id JOIN customers cu ON cu.id = c.customer_id
		WHERE b.status <> 'cancelled' AND b.window_end >= $1 AND b.window_end < $2 GROUP BY 1`,
		store.Millis(p.Start), store.Millis(p.End))
}

// decided is the SQL instant a clock was decided: when it was met, if in
// time, else its due time.
func decided(met, due string) string {
	return fmt.Sprintf("(CASE WHEN %[1]s IS NOT NULL AND %[1]s <= %[2]s THEN %[1]s ELSE %[2]s END)", met, due)
}

// computeClock counts the clocks decided in the period and not later than
// now: met in time (numerator) among met or due.
func computeClock(met, due string) computeFunc {
	return func(ctx context.Context, s *Service, p Period, by string) ([]counts, error) {
		at := decided("c."+met, "c."+due)
		return scanCounts(ctx, s.DB.Read, `SELECT `+caseDim(by)+` AS cut,
			SUM(CASE WHEN c.`+met+` IS NOT NULL AND c.`+met+` <= c.`+due+` THEN 1 ELSE 0 END), COUNT(*)
			FROM cases c JOIN customers cu ON cu.id = c.customer_id
			WHERE c.`+due+` IS NOT NULL AND `+at+` >= $1 AND `+at+` < $2 AND `+at+` <= $3 GROUP BY 1`,
			store.Millis(p.Start), store.Millis(p.End), store.Millis(s.DB.Now()))
	}
}

var (
	computeFirstResponse = computeClock("first_response_at", "first_response_due_at")
	computeResolution    = computeClock("resolved_at", "resolution_due_at")
)

// computeHandoffs: handoffs due in the period (and already due), completed
// by their due time; returned and cancelled ones are left out.
func computeHandoffs(ctx context.Context, s *Service, p Period, by string) ([]counts, error) {
	return scanCounts(ctx, s.DB.Read, `SELECT `+caseDim(by)+` AS cut,
		SUM(CASE WHEN h.completed_at IS NOT NULL AND h.completed_at <= h.due_at THEN 1 ELSE 0 END), COUNT(*)
		FROM handoffs h JOIN cases c ON c.id = h.case_id JOIN customers cu ON cu.id = c.customer_id
		WHERE h.status NOT IN ('returned', 'cancelled') AND h.due_at >= $1 AND h.due_at < $2
		AND (h.completed_at IS NOT NULL OR h.due_at <= $3) GROUP BY 1`,
		store.Millis(p.Start), store.Millis(p.End), store.Millis(s.DB.Now()))
}

// computeBacklog: the cases open at the end of the period (or now, if
// sooner): their mean age in days is the value (num = total age, den =
// cases), with the median, the 90th percentile and how many were past
// their resolution target in Extra. Percentiles are computed here, as
// SQLite has none.
func computeBacklog(ctx context.Context, s *Service, p Period, by string) ([]counts, error) {
	end := p.End
	if now := s.DB.Now(); now.Before(end) {
		end = now
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+caseDim(by)+` AS cut, c.created_at, COALESCE(c.resolution_due_at, 0)
		FROM cases c JOIN customers cu ON cu.id = c.customer_id
		WHERE c.created_at < $1 AND (c.resolved_at IS NULL OR c.resolved_at >= $1) AND (c.closed_at IS NULL OR c.closed_at >= $1)`, store.Millis(end))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type acc struct {
		ages []float64
		over float64
	}
	byCut := map[string]*acc{}
	endMs := store.Millis(end)
	for rows.Next() {
		var cut string
		var created, due int64
		if err := rows.Scan(&cut, &created, &due); err != nil {
			return nil, err
		}
		a := byCut[cut]
		if a == nil {
			a = &acc{}
			byCut[cut] = a
		}
		a.ages = append(a.ages, float64(endMs-created)/float64(24*time.Hour/time.Millisecond))
		if due != 0 && due < endMs {
			a.over++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []counts
	for cut, a := range byCut {
		sort.Float64s(a.ages)
		total := 0.0
		for _, v := range a.ages {
			total += v
		}
		out = append(out, counts{cut: cut, num: total, den: float64(len(a.ages)), extra: map[string]float64{
			"median_days": percentile(a.ages, 0.5), "p90_days": percentile(a.ages, 0.9), "over_target": a.over, "open_cases": float64(len(a.ages)),
		}})
	}
	return out, nil
}

// percentile of sorted values, by linear interpolation between closest
// ranks (the method spreadsheets use), so small samples give sane numbers.
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}
