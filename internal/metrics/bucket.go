package metrics

import (
	"context"
	"fmt"
	"strings"

	"anchor/internal/store"
)

// batchFunc computes a metric for every period at once: counts by period
// index.
type batchFunc func(ctx context.Context, s *Service, periods []Period, by string) (map[int][]counts, error)

// bucketQuery is an aggregate of (cut, num, den) rows placed in periods by
// an instant: SQL holds {{bucket}} (the period index of the row) and
// {{range}} (the rows of all periods), and its own $1..$n for Args.
type bucketQuery struct {
	At   string
	SQL  string
	Args []any
}

// runBucketed runs q once for all periods: one scan of the index on the
// instant instead of one per period, which is what keeps a scorecard of
// nine weeks cheap.
func (s *Service) runBucketed(ctx context.Context, periods []Period, q bucketQuery) (map[int][]counts, error) {
	args := append([]any{}, q.Args...)
	// The period of a row by binary search over the periods' starts: a few
	// comparisons a row however many periods (a year by day is 365).
	var bucket func(lo, hi int) string
	bucket = func(lo, hi int) string {
		if lo == hi {
			return fmt.Sprint(lo)
		}
		mid := (lo + hi + 1) / 2
		args = append(args, store.Millis(periods[mid].Start))
		return fmt.Sprintf("CASE WHEN %s < $%d THEN %s ELSE %s END", q.At, len(args), bucket(lo, mid-1), bucket(mid, hi))
	}
	b := bucket(0, len(periods)-1)
	args = append(args, store.Millis(periods[0].Start), store.Millis(periods[len(periods)-1].End))
	rng := fmt.Sprintf("%[1]s >= $%[2]d AND %[1]s < $%[3]d", q.At, len(args)-1, len(args))
	query := strings.NewReplacer("{{bucket}}", b, "{{range}}", rng).Replace(q.SQL)
	rows, err := s.DB.Read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int][]counts{}
	for rows.Next() {
		var b int
		var c counts
		if err := rows.Scan(&b, &c.cut, &c.num, &c.den); err != nil {
			return nil, err
		}
		out[b] = append(out[b], c)
	}
	return out, rows.Err()
}

// bucketed makes a batchFunc from a query builder.
func bucketed(build func(s *Service, by string) bucketQuery) batchFunc {
	return func(ctx context.Context, s *Service, periods []Period, by string) (map[int][]counts, error) {
		return s.runBucketed(ctx, periods, build(s, by))
	}
}

// perPeriod makes a batchFunc of a computeFunc, one call per period.
func perPeriod(f computeFunc) batchFunc {
	return func(ctx context.Context, s *Service, periods []Period, by string) (map[int][]counts, error) {
		out := map[int][]counts{}
		for i, p := range periods {
			cs, err := f(ctx, s, p, by)
			if err != nil {
				return nil, err
			}
			out[i] = cs
		}
		return out, nil
	}
}
