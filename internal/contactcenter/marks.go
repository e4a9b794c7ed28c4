package contactcenter

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"anchor/internal/store"
)

// MarkHour is the grain of the rollup change marks. An hour is fine enough
// that a local day whose midnight is not a UTC midnight is not invalidated
// by changes to the next day, and coarse enough that a year is 8760 rows.
const MarkHour = time.Hour

const hourMS = int64(MarkHour / time.Millisecond)

func floorHour(ms int64) int64 {
	h := ms - ms%hourMS
	if ms < 0 && ms%hourMS != 0 {
		h -= hourMS
	}
	return h
}

// markRollupHours counts up the change marks of every UTC hour whose
// intervals set adds to. It must run in the transaction that applies set
// to cc_rollups, so that whoever caches sums of cc_rollups (the metrics'
// daily rollups) sees the change and the mark together or neither.
func markRollupHours(ctx context.Context, q store.Queryer, set rollupSet) error {
	if len(set) == 0 {
		return nil
	}
	seen := map[int64]bool{}
	var hours []int64
	for k := range set {
		if h := floorHour(k.interval); !seen[h] {
			seen[h] = true
			hours = append(hours, h)
		}
	}
	return markHours(ctx, q, hours)
}

// markHours counts up the marks of the given UTC hours (their first
// instants, ms), in ascending order so that concurrent writers take
// PostgreSQL's row locks in one order.
func markHours(ctx context.Context, q store.Queryer, hours []int64) error {
	slices.Sort(hours)
	hours = slices.Compact(hours)
	for len(hours) > 0 {
		n := min(len(hours), 500)
		var sb strings.Builder
		sb.WriteString(`INSERT INTO cc_rollup_marks (hour, marks) VALUES `)
		args := make([]any, 0, n)
		for i, h := range hours[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			args = append(args, h)
			fmt.Fprintf(&sb, "($%d, 1)", len(args))
		}
		sb.WriteString(` ON CONFLICT (hour) DO UPDATE SET marks = cc_rollup_marks.marks + 1`)
		if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("unable to mark changed rollup hours: %w", err)
		}
		hours = hours[n:]
	}
	return nil
}

// markRollupRange marks the hours of the cc_rollups rows in [lo, hi), ms:
// what clearing that range is about to change.
func markRollupRange(ctx context.Context, q store.Queryer, lo, hi int64) error {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT interval_start - interval_start % $3 FROM cc_rollups WHERE interval_start >= $1 AND interval_start < $2`,
		lo, hi, hourMS)
	if err != nil {
		return fmt.Errorf("unable to list the rollup hours to clear: %w", err)
	}
	var hours []int64
	for rows.Next() {
		var h int64
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return fmt.Errorf("unable to list the rollup hours to clear: %w", err)
		}
		hours = append(hours, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("unable to list the rollup hours to clear: %w", err)
	}
	return markHours(ctx, q, hours)
}

// RollupMarks returns the change marks of the UTC hours that start in
// [floor(from), to), by the hour's first instant (ms). A cache of sums of
// cc_rollups over a span is still good while the marks of the span's hours
// add up to what they did when it was computed. q may be a transaction.
func RollupMarks(ctx context.Context, q store.Queryer, from, to time.Time) (map[int64]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT hour, marks FROM cc_rollup_marks WHERE hour >= $1 AND hour < $2`,
		floorHour(store.Millis(from)), store.Millis(to))
	if err != nil {
		return nil, fmt.Errorf("unable to read rollup marks: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var h, n int64
		if err := rows.Scan(&h, &n); err != nil {
			return nil, fmt.Errorf("unable to read rollup marks: %w", err)
		}
		out[h] = n
	}
	return out, rows.Err()
}

// SumMarks adds up the marks of the hours [from, to) overlaps.
func SumMarks(marks map[int64]int64, from, to time.Time) int64 {
	var n int64
	for h := floorHour(store.Millis(from)); h < store.Millis(to); h += hourMS {
		n += marks[h]
	}
	return n
}
