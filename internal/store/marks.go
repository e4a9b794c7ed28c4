package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ChangeMarks is a table of change counters by time bucket, (hour BIGINT
// PRIMARY KEY, marks BIGINT): a writer counts up the buckets whose data it
// changed, in the transaction that changes it, and a cache of sums over a
// span (the metrics' daily rollups) is still good while the marks of the
// span's buckets add up to what they did when it was computed. Table is a
// constant of the code, never input.
type ChangeMarks struct {
	Table string
	Grain time.Duration
}

func (m ChangeMarks) grainMS() int64 { return int64(m.Grain / time.Millisecond) }

// Floor is the first instant (ms) of the bucket holding ms.
func (m ChangeMarks) Floor(ms int64) int64 {
	g := m.grainMS()
	b := ms - ms%g
	if ms < 0 && ms%g != 0 {
		b -= g
	}
	return b
}

// Mark counts up the given buckets (their first instants, ms), in
// ascending order so that concurrent writers take PostgreSQL's row locks
// in one order.
func (m ChangeMarks) Mark(ctx context.Context, q Queryer, buckets []int64) error {
	slices.Sort(buckets)
	buckets = slices.Compact(buckets)
	for len(buckets) > 0 {
		n := min(len(buckets), 500)
		var sb strings.Builder
		sb.WriteString(`INSERT INTO ` + m.Table + ` (hour, marks) VALUES `)
		args := make([]any, 0, n)
		for i, b := range buckets[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			args = append(args, b)
			fmt.Fprintf(&sb, "($%d, 1)", len(args))
		}
		sb.WriteString(` ON CONFLICT (hour) DO UPDATE SET marks = ` + m.Table + `.marks + 1`)
		if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("mark changes in %s: %w", m.Table, err)
		}
		buckets = buckets[n:]
	}
	return nil
}

// Read returns the marks of the buckets that start in [Floor(from), to),
// by the bucket's first instant (ms). q may be a transaction.
func (m ChangeMarks) Read(ctx context.Context, q Queryer, from, to time.Time) (map[int64]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT hour, marks FROM `+m.Table+` WHERE hour >= $1 AND hour < $2`,
		m.Floor(Millis(from)), Millis(to))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", m.Table, err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var b, n int64
		if err := rows.Scan(&b, &n); err != nil {
			return nil, fmt.Errorf("read %s: %w", m.Table, err)
		}
		out[b] = n
	}
	return out, rows.Err()
}

// Sum adds up the marks of the buckets [from, to) overlaps.
func (m ChangeMarks) Sum(marks map[int64]int64, from, to time.Time) int64 {
	var n int64
	for b := m.Floor(Millis(from)); b < Millis(to); b += m.grainMS() {
		n += marks[b]
	}
	return n
}
