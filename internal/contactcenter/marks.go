package contactcenter

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"anchor/internal/store"
)

// MarkHour is the grain of the rollup change marks. An hour is fine enough
// that a local day whose midnight is not a UTC midnight is not invalidated
// by changes to the next day, and coarse enough that a year is 8760 rows.
const MarkHour = time.Hour

// rollupMarks are the change marks of cc_rollups.
var rollupMarks = store.ChangeMarks{Table: "cc_rollup_marks", Grain: MarkHour}

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
		if h := rollupMarks.Floor(k.interval); !seen[h] {
			seen[h] = true
			hours = append(hours, h)
		}
	}
	return rollupMarks.Mark(ctx, q, hours)
}

// markRollupRange marks the hours of the cc_rollups rows in [lo, hi), ms:
// what clearing that range is about to change.
func markRollupRange(ctx context.Context, q store.Queryer, lo, hi int64) error {
	var hours []int64
	err := store.EachRow(ctx, q, `SELECT DISTINCT interval_start - interval_start % $3 FROM cc_rollups WHERE interval_start >= $1 AND interval_start < $2`,
		[]any{lo, hi, int64(MarkHour / time.Millisecond)}, func(rows *sql.Rows) error {
			var h int64
			if err := rows.Scan(&h); err != nil {
				return err
			}
			hours = append(hours, h)
			return nil
		})
	if err != nil {
		return fmt.Errorf("unable to list the rollup hours to clear: %w", err)
	}
	return rollupMarks.Mark(ctx, q, hours)
}

// RollupMarks are the change marks of cc_rollups, by UTC hour. A cache of
// sums of cc_rollups over a span (the metrics' daily rollups) is still good
// while the marks of the span's hours add up to what they did when it was
// computed. It is given as a value, so that no one can change the table
// every writer marks.
func RollupMarks() store.ChangeMarks { return rollupMarks }
