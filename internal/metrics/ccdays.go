package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"anchor/internal/contactcenter"
	"anchor/internal/store"
)

// errChanged is a day whose contact-center rollups changed while it was
// rolled up: it is left for the next run.
var errChanged = errors.New("changed while rolled up")

// The contact-center metrics' daily rollups: per local day of the
// organisation's zone, the cc_rollups sums by each metric dimension
// (metric_cc_days), so that a year by agent reads 365 × agents rows
// instead of every 15-minute row. Unlike the case metrics' days they need
// no horizon: cc_rollups change only through imports, event posts and
// rebuilds, and every one of those counts up the marks of the UTC hours it
// touched (contactcenter.RollupMarks) in the same transaction. A day is
// served from its rollup while its hours' marks add up to what they did
// when it was computed, and in the zone it was computed in; otherwise, and
// for the parts of a period that are not whole local days, the sums are
// read from cc_rollups. Sums of integers, the two ways give equal figures.

// ccDayDims are the dimensions a contact-center day is rolled up by: ""
// (everything) and each cut of the contact-center metrics.
var ccDayDims = []string{"", ByQueue, ByAgent, BySegment, ByChannel}

// ccCountColumns are metric_cc_days' sums, in contactcenter.Counts order.
var ccCountColumns = []string{"offered", "answered", "answered_within_threshold", "abandoned", "short_abandoned", "other_exits",
	"transferred", "rejected", "handled", "wait_answered_ms", "wait_abandoned_ms", "talk_ms", "hold_ms", "wrap_ms",
	"logged_in_ms", "available_ms", "paused_ms"}

func countFields(c *contactcenter.Counts) []*int64 {
	return []*int64{&c.Offered, &c.Answered, &c.AnsweredWithinThreshold, &c.Abandoned, &c.ShortAbandoned, &c.OtherExits,
		&c.Transferred, &c.Rejected, &c.Handled, &c.WaitAnsweredMS, &c.WaitAbandonedMS, &c.TalkMS, &c.HoldMS, &c.WrapMS,
		&c.LoggedInMS, &c.AvailableMS, &c.PausedMS}
}

// ccServable returns which of the days can be read from metric_cc_days:
// rolled up in this zone, with the marks their hours still have. A day is
// rolled up only once it is over, and needs no horizon: every change to
// cc_rollups marks its hours in the same transaction.
func (s *Service) ccServable(ctx context.Context, ds []localDay, loc *time.Location) (map[string]bool, error) {
	marks, err := s.servableDays(ctx, "metric_cc_days_done", contactcenter.RollupMarks(), ds, loc, s.DB.Now())
	if err != nil {
		return nil, err
	}
	return dayNames(marks), nil
}

// ccSums gives, for every period, the contact-center sums of each cut of
// by: whole local days that are rolled up and unchanged from
// metric_cc_days, the rest (edges, days not rolled up or changed since)
// from cc_rollups, one read per run of such time. With s.Live everything
// comes from cc_rollups, a read per period; with s.FromRecords from the
// records and sessions, one read of them all.
// Only the sums named in need (metric_cc_days columns; nil: all) are
// read from the daily rollups: a year by agent is thousands of rows.
func (s *Service) ccSums(ctx context.Context, periods []Period, by string, need []string) (map[int][]ccRow, error) {
	out := map[int][]ccRow{}
	if s.FromRecords {
		return s.ccRecount(ctx, periods, by)
	}
	if s.Live {
		for i, p := range periods {
			rows, err := ccRollupRows(ctx, s, p, by)
			if err != nil {
				return nil, err
			}
			out[i] = rows
		}
		return out, nil
	}
	loc, err := s.OrgLocation(ctx)
	if err != nil {
		return nil, err
	}
	perPeriod, all := periodDays(periods, loc)
	ok, err := s.ccServable(ctx, all, loc)
	if err != nil {
		return nil, err
	}
	acc := make([]map[string]*contactcenter.Counts, len(periods))
	add := func(i int, r ccRow) {
		if acc[i] == nil {
			acc[i] = map[string]*contactcenter.Counts{}
		}
		a := acc[i][r.cut]
		if a == nil {
			a = &contactcenter.Counts{}
			acc[i][r.cut] = a
		}
		a.Add(r.n)
	}
	anyRolled := false
	for i, p := range periods {
		rolled, live := splitPeriod(p, perPeriod[i], ok)
		anyRolled = anyRolled || len(rolled) > 0
		for _, sp := range live {
			rows, err := ccRollupRows(ctx, s, sp, by)
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				add(i, r)
			}
		}
	}
	if anyRolled {
		sums, err := s.readCCDays(ctx, by, perPeriod, ok, need)
		if err != nil {
			return nil, err
		}
		for i, rows := range sums {
			for _, r := range rows {
				add(i, r)
			}
		}
	}
	for i, m := range acc {
		if m == nil {
			continue
		}
		rows := make([]ccRow, 0, len(m))
		for cut, n := range m {
			rows = append(rows, ccRow{cut: cut, n: *n})
		}
		sort.Slice(rows, func(a, b int) bool { return rows[a].cut < rows[b].cut })
		out[i] = rows
	}
	return out, nil
}

// readCCDays sums the servable days' rows of dimension by per period and
// cut in the database, reading only the sums in need. The days are listed
// with their period in a VALUES table that drives the read, each day a
// range of the key, as readDays does: a CASE over the periods' first days
// put each row in its period by up to 53 text comparisons, a third of a
// year's query by week.
func (s *Service) readCCDays(ctx context.Context, by string, perPeriod [][]localDay, ok map[string]bool, need []string) (map[int][]ccRow, error) {
	if need == nil {
		need = ccCountColumns
	}
	days := map[int][]string{}
	for i, ds := range perPeriod {
		for _, d := range ds {
			if ok[d.name] {
				days[i] = append(days[i], d.name)
			}
		}
	}
	values, args := periodValues(days, []any{by})
	sums := make([]string, len(need))
	for i, c := range need {
		sums[i] = "SUM(m." + c + ")"
	}
	out := map[int][]ccRow{}
	err := store.EachRow(ctx, s.DB.Read, `WITH p (day, period) AS (VALUES `+values+`)
		SELECT p.period, m.cut, `+strings.Join(sums, ", ")+` FROM p CROSS JOIN metric_cc_days m
		WHERE m.dim = $1 AND m.day = p.day GROUP BY p.period, m.cut`, args, func(rows *sql.Rows) error {
		var b int
		var r ccRow
		fields := countFields(&r.n)
		dest := []any{&b, &r.cut}
		for _, c := range need {
			dest = append(dest, fields[slices.Index(ccCountColumns, c)])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		out[b] = append(out[b], r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("contact-center days: %w", err)
	}
	return out, nil
}

// RollupContactCenterDays rolls up (or rolls up again) at most limit
// local days that have ended and are not rolled up, or changed since,
// newest first, and says how many it did. Days from the first interval in
// cc_rollups (at most three years back) to yesterday are kept. A day's rows
// and its done mark are written in one transaction, and only if no change
// was marked on the day while it was computed: a concurrent import leaves
// it for the next run.
func (s *Service) RollupContactCenterDays(ctx context.Context, limit int) (int, error) {
	loc, err := s.OrgLocation(ctx)
	if err != nil {
		return 0, err
	}
	from, found, err := s.rollupStart(ctx, `SELECT MIN(interval_start) FROM cc_rollups`, loc)
	if err != nil || !found {
		return 0, err
	}
	ds := days(from, s.DB.Now(), loc)
	ok, err := s.ccServable(ctx, ds, loc)
	if err != nil {
		return 0, err
	}
	done := 0
	for i := len(ds) - 1; i >= 0 && done < limit; i-- {
		if ok[ds[i].name] {
			continue
		}
		if err := s.rollupCCDay(ctx, ds[i], loc); err != nil {
			if errors.Is(err, errChanged) {
				continue
			}
			return done, err
		}
		done++
	}
	return done, nil
}

func (s *Service) rollupCCDay(ctx context.Context, d localDay, loc *time.Location) error {
	marks, err := contactcenter.RollupMarks().Read(ctx, s.DB.Read, d.start, d.end)
	if err != nil {
		return err
	}
	before := contactcenter.RollupMarks().Sum(marks, d.start, d.end)
	// One read of the day by every dimension at once, summed here into
	// each dimension's cuts.
	rs, err := (&contactcenter.Service{DB: s.DB}).Rollups(ctx, contactcenter.RollupFilter{From: d.start, To: d.end,
		By: []string{"queue", "agent", "segment", "channel"}})
	if err != nil {
		return fmt.Errorf("rollup contact-center day %s: %w", d.name, err)
	}
	type key struct{ dim, cut string }
	sums := map[key]*contactcenter.Counts{}
	for _, r := range rs {
		for _, dim := range ccDayDims {
			k := key{dim, ccCut(r, dim)}
			c := sums[k]
			if c == nil {
				c = &contactcenter.Counts{}
				sums[k] = c
			}
			c.Add(r.Counts)
		}
	}
	keys := make([]key, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].dim != keys[j].dim {
			return keys[i].dim < keys[j].dim
		}
		return keys[i].cut < keys[j].cut
	})
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		marks, err := contactcenter.RollupMarks().Read(ctx, tx, d.start, d.end)
		if err != nil {
			return err
		}
		if contactcenter.RollupMarks().Sum(marks, d.start, d.end) != before {
			return errChanged
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM metric_cc_days WHERE day = $1`, d.name); err != nil {
			return fmt.Errorf("rollup contact-center day %s: %w", d.name, err)
		}
		cols := append([]string{"dim", "day", "cut"}, ccCountColumns...)
		const per = 40
		for len(keys) > 0 {
			n := min(len(keys), per)
			var sb strings.Builder
			sb.WriteString(`INSERT INTO metric_cc_days (` + strings.Join(cols, ", ") + `) VALUES `)
			args := make([]any, 0, n*len(cols))
			for i, k := range keys[:n] {
				if i > 0 {
					sb.WriteString(", ")
				}
				c := sums[k]
				args = append(args, k.dim, d.name, k.cut)
				for _, p := range countFields(c) {
					args = append(args, *p)
				}
				sb.WriteByte('(')
				for j := range cols {
					if j > 0 {
						sb.WriteString(", ")
					}
					fmt.Fprintf(&sb, "$%d", len(args)-len(cols)+j+1)
				}
				sb.WriteByte(')')
			}
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				return fmt.Errorf("rollup contact-center day %s: %w", d.name, err)
			}
			keys = keys[n:]
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO metric_cc_days_done (day, timezone, marks, computed_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (day) DO UPDATE SET timezone = excluded.timezone, marks = excluded.marks, computed_at = excluded.computed_at`,
			d.name, loc.String(), before, store.Millis(s.DB.Now()))
		if err != nil {
			return fmt.Errorf("rollup contact-center day %s: %w", d.name, err)
		}
		return nil
	})
}

// ccRecount is ccSums from the contact records and agent sessions.
func (s *Service) ccRecount(ctx context.Context, periods []Period, by string) (map[int][]ccRow, error) {
	out := map[int][]ccRow{}
	cc := &contactcenter.Service{DB: s.DB}
	// Contiguous periods (all Periods gives) are one pass; others one each.
	bounds := []time.Time{periods[0].Start}
	for i, p := range periods {
		if !p.Start.Equal(bounds[len(bounds)-1]) {
			bounds = nil
			break
		}
		bounds = append(bounds, periods[i].End)
	}
	recount := func(i int, bs []time.Time) error {
		rs, err := cc.Recount(ctx, bs, ccDims[by])
		if err != nil {
			return err
		}
		for j, rows := range rs {
			for _, r := range rows {
				out[i+j] = append(out[i+j], ccRow{cut: ccCut(r, by), n: r.Counts})
			}
		}
		return nil
	}
	if bounds != nil {
		return out, recount(0, bounds)
	}
	for i, p := range periods {
		if err := recount(i, []time.Time{p.Start, p.End}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
