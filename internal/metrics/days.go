package metrics

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"anchor/internal/store"
)

// Horizon is how recent a day may be and still be served from the daily
// rollups: younger days are always computed live. Everything a day's
// figures depend on is marked when it changes (MarkChanged, MarkRepeats,
// MarkRepeatOf), and clocks are placed at the instant they were decided,
// which time passing does not move for a day that is over; a day rolled
// up after it ended and changed later is marked by that change, whatever
// the horizon. So the horizon is only a margin for clocks that disagree
// (a second server's), and from an hour after midnight what is computed
// live is today alone. It was eight days while creating a case did not
// mark the days its repeats were resolved on (at 1M cases ~70% of a
// year's query), then a day, which kept yesterday live too (a year by
// agent: ~30 ms of ~75).
const Horizon = time.Hour

const dayMS = int64(24 * time.Hour / time.Millisecond)

// dayBacked are the metrics kept in daily rollups: the case metrics, whose
// live queries read every case of the period. Backlog age is a snapshot at
// the end of each day rather than a sum.
var dayBacked = map[string]bool{"fcr": true, "callback_punctuality": true, "first_response": true, "resolution": true,
	"handoff_on_time": true, "backlog_age": true}

// caseMarks are the change marks of what the case metrics are computed
// from, by UTC day (the table and its column say hour; its buckets are days).
var caseMarks = store.ChangeMarks{Table: "metric_hour_marks", Grain: 24 * time.Hour}

// MarkChanged records that what the case metrics are computed from changed
// somewhere in [from, now): a case was updated, so any of its instants
// (created at from, at the earliest) may have moved. Only UTC days older
// than the horizon are marked, as only they can have been rolled up; a
// change to a young case costs nothing.
func MarkChanged(ctx context.Context, q store.Queryer, from, now time.Time) error {
	if !from.Before(now.Add(-Horizon)) {
		// Only days over by now-Horizon can have been rolled up, and none of
		// them holds an instant from on: a change to a case less than the
		// horizon old (a new case, its first contact) costs nothing.
		return nil
	}
	var ds []int64
	for d := caseMarks.Floor(store.Millis(from)); d <= caseMarks.Floor(store.Millis(now.Add(-Horizon))); d += dayMS {
		ds = append(ds, d)
	}
	if len(ds) == 0 {
		return nil
	}
	if err := caseMarks.Mark(ctx, q, ds); err != nil {
		return fmt.Errorf("mark metric days: %w", err)
	}
	return nil
}

// MarkRepeats records that a case's category changed: the customer's cases
// resolved in the repeat window before the case was created may have
// become, or stopped being, repeats of it, and their days (which
// MarkChanged, marking from the case's creation on, does not cover) moved.
func MarkRepeats(ctx context.Context, q store.Queryer, created, now time.Time) error {
	w, err := fcrWindow(ctx, q)
	if err != nil {
		return err
	}
	end := created
	if limit := now.Add(-Horizon); end.After(limit) {
		end = limit
	}
	return MarkChanged(ctx, q, created.Add(-w), end.Add(Horizon))
}

// MarkRepeatOf records that a case was just created for a customer in a
// category: the customer's cases of that category resolved within the
// repeat window before now were first-contact resolutions and are no
// longer, so the days they were resolved on moved. It costs the hottest
// write one index seek (cases_repeat_of), and usually marks nothing.
func MarkRepeatOf(ctx context.Context, q store.Queryer, customerID, category string, now time.Time) error {
	w, err := fcrWindow(ctx, q)
	if err != nil {
		return err
	}
	var first sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MIN(resolved_at) FROM cases WHERE customer_id = $1 AND category = $2
		AND resolved_at IS NOT NULL AND resolved_at >= $3`, customerID, category, store.Millis(now.Add(-w))).Scan(&first); err != nil {
		return fmt.Errorf("mark repeats: %w", err)
	}
	if !first.Valid {
		return nil
	}
	return MarkChanged(ctx, q, store.Time(first.Int64), now)
}

// localDay is one local day of the organisation: its name and instants.
type localDay struct {
	name       string
	start, end time.Time
}

// days lists the local days that lie wholly in [from, to).
func days(from, to time.Time, loc *time.Location) []localDay {
	var out []localDay
	t := from.In(loc)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	if d.Before(from) {
		d = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	}
	for {
		next := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		if next.After(to) {
			return out
		}
		out = append(out, localDay{d.Format("2006-01-02"), d, next})
		d = next
	}
}

// dayMarks sums the change marks of the UTC days a local day overlaps.
func dayMarks(marks map[int64]int64, d localDay) int64 { return caseMarks.Sum(marks, d.start, d.end) }

// readDone returns the days of ds rolled up in loc, with the change marks
// they were computed with, from a table of done days (metric_days_done,
// metric_cc_days_done: a constant, never input).
func (s *Service) readDone(ctx context.Context, table string, ds []localDay, loc *time.Location) (map[string]int64, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT day, marks FROM `+table+` WHERE day >= $1 AND day <= $2 AND timezone = $3`,
		ds[0].name, ds[len(ds)-1].name, loc.String())
	if err != nil {
		return nil, fmt.Errorf("rolled-up days: %w", err)
	}
	defer rows.Close()
	done := map[string]int64{}
	for rows.Next() {
		var d string
		var n int64
		if err := rows.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("rolled-up days: %w", err)
		}
		done[d] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rolled-up days: %w", err)
	}
	return done, nil
}

// servable returns which of the days can be read from the rollups: rolled
// up in this zone, old enough, and unchanged since.
func (s *Service) servable(ctx context.Context, ds []localDay, loc *time.Location) (map[string]bool, error) {
	marks, err := s.servableMarks(ctx, ds, loc)
	if err != nil {
		return nil, err
	}
	return dayNames(marks), nil
}

// dayNames is the set of the days a map holds.
func dayNames(marks map[string]int64) map[string]bool {
	out := make(map[string]bool, len(marks))
	for d := range marks {
		out[d] = true
	}
	return out
}

// servableMarks is servable with the change marks each servable day was
// computed with.
func (s *Service) servableMarks(ctx context.Context, ds []localDay, loc *time.Location) (map[string]int64, error) {
	return s.servableDays(ctx, "metric_days_done", caseMarks, ds, loc, s.DB.Now().Add(-Horizon))
}

// servableDays returns the days of ds that a rollup table can serve, with
// the change marks each was computed with: rolled up in this zone (its done
// table, metric_days_done or metric_cc_days_done: a constant, never input),
// over by limit, and with the marks of their buckets in cm adding up to the
// same still.
func (s *Service) servableDays(ctx context.Context, table string, cm store.ChangeMarks, ds []localDay, loc *time.Location, limit time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	if len(ds) == 0 {
		return out, nil
	}
	done, err := s.readDone(ctx, table, ds, loc)
	if err != nil {
		return nil, err
	}
	if len(done) == 0 {
		return out, nil
	}
	marks, err := cm.Read(ctx, s.DB.Read, ds[0].start, ds[len(ds)-1].end)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if n, ok := done[d.name]; ok && !d.end.After(limit) && n == cm.Sum(marks, d.start, d.end) {
			out[d.name] = n
		}
	}
	return out, nil
}

// periodDays lists the whole local days of each period, and all of them.
func periodDays(periods []Period, loc *time.Location) (perPeriod [][]localDay, all []localDay) {
	perPeriod = make([][]localDay, len(periods))
	for i, p := range periods {
		perPeriod[i] = days(p.Start, p.End, loc)
		all = append(all, perPeriod[i]...)
	}
	return perPeriod, all
}

// splitPeriod cuts a period into the days of ds that can be read from the
// rollups (ok) and the spans around them, which are computed live.
func splitPeriod(p Period, ds []localDay, ok map[string]bool) (rolled []localDay, live []Period) {
	cur := p.Start
	for _, d := range ds {
		if !ok[d.name] {
			continue
		}
		if d.start.After(cur) {
			live = append(live, Period{cur, d.start})
		}
		rolled = append(rolled, d)
		cur = d.end
	}
	if cur.Before(p.End) {
		live = append(live, Period{cur, p.End})
	}
	return rolled, live
}

// computeWithDays computes a day-backed metric for the periods: the days
// that can be are read from the rollups, the rest (edges, recent days,
// days changed since they were rolled up) live, and the two are added.
func (s *Service) computeWithDays(ctx context.Context, key string, impl metricImpl, periods []Period, by string, loc *time.Location) (map[int][]counts, error) {
	type span struct {
		period     int
		start, end time.Time
	}
	var live []span
	fromRollup, fromWeeks := map[int][]string{}, map[int][]string{}
	perPeriod, all := periodDays(periods, loc)
	marks, err := s.servableMarks(ctx, all, loc)
	if err != nil {
		return nil, err
	}
	ok := dayNames(marks)
	weeks := map[string]string{}
	if additive(key) {
		if weeks, err = s.servableWeeks(ctx, all, marks, loc); err != nil {
			return nil, err
		}
	}
	for i, p := range periods {
		if key == "backlog_age" {
			// A snapshot at the period's end: the rollup of its last day.
			ds := perPeriod[i]
			if n := len(ds); n > 0 && ds[n-1].end.Equal(p.End) && ok[ds[n-1].name] {
				fromRollup[i] = []string{ds[n-1].name}
			} else {
				live = append(live, span{i, p.Start, p.End})
			}
			continue
		}
		rolled, rest := splitPeriod(p, perPeriod[i], ok)
		fromRollup[i], fromWeeks[i] = collapseWeeks(rolled, weeks)
		for _, sp := range rest {
			live = append(live, span{i, sp.Start, sp.End})
		}
	}
	acc := make([]map[string]*counts, len(periods))
	for i := range acc {
		acc[i] = map[string]*counts{}
	}
	add := func(i int, c counts) {
		a := acc[i][c.cut]
		if a == nil {
			a = &counts{cut: c.cut}
			acc[i][c.cut] = a
		}
		a.num += c.num
		a.den += c.den
		if c.extra != nil {
			a.extra = c.extra
		}
	}
	for _, sp := range live {
		cs, err := impl.compute(ctx, s, []Period{{sp.start, sp.end}}, by)
		if err != nil {
			return nil, err
		}
		for _, c := range cs[0] {
			add(sp.period, c)
		}
	}
	if err := s.readDays(ctx, key, by, fromRollup, fromWeeks, add); err != nil {
		return nil, err
	}
	out := map[int][]counts{}
	for i, m := range acc {
		for _, c := range m {
			out[i] = append(out[i], *c)
		}
	}
	return out, nil
}

// readDays adds up the rolled-up days and weeks of each period in the
// database: a year by agent is some 36,000 day rows, which cost more to
// ship to Go than to sum where they lie. The days and weeks are listed
// with their period in VALUES tables, each looked up by the primary key.
// Only backlog age has an extra (the snapshot of its period's last day,
// one day a period, and no weeks).
func (s *Service) readDays(ctx context.Context, key, by string, days, weeks map[int][]string, add func(int, counts)) error {
	args := []any{key, by}
	values := func(lists map[int][]string) string {
		var v string
		v, args = periodValues(lists, args)
		return v
	}
	// CROSS JOIN: the days asked for drive the loop, each a range of the
	// key. Left to itself SQLite's planner, which does not see the bound
	// days, walked every day of the metric instead (a year of backlog by
	// agent: ~180 ms instead of a few).
	var ctes, parts []string
	if v := values(days); v != "" {
		ctes = append(ctes, `p (day, period) AS (VALUES `+v+`)`)
		parts = append(parts, `SELECT p.period AS period, m.cut AS cut, m.num AS num, m.den AS den, m.extra AS extra FROM p CROSS JOIN metric_days m
			WHERE m.metric = $1 AND m.dim = $2 AND m.day = p.day`)
	}
	if v := values(weeks); v != "" {
		ctes = append(ctes, `w (week, period) AS (VALUES `+v+`)`)
		parts = append(parts, `SELECT w.period AS period, m.cut AS cut, m.num AS num, m.den AS den, '' AS extra FROM w CROSS JOIN metric_weeks m
			WHERE m.metric = $1 AND m.dim = $2 AND m.week = w.week`)
	}
	if len(parts) == 0 {
		return nil
	}
	q := `WITH ` + strings.Join(ctes, ", ") + ` SELECT period, cut, SUM(num), SUM(den), MAX(extra) FROM (` +
		strings.Join(parts, " UNION ALL ") + `) r GROUP BY period, cut`
	if single(days, weeks) {
		// One row per period and cut already (backlog age: its periods'
		// last days): nothing to add up, and no sort of them to do it.
		q = `WITH ` + strings.Join(ctes, ", ") + strings.Join(parts, " UNION ALL ")
	}
	return store.EachRow(ctx, s.DB.Read, q, args, func(rows *sql.Rows) error {
		var i int
		var extra string
		var c counts
		if err := rows.Scan(&i, &c.cut, &c.num, &c.den, &extra); err != nil {
			return fmt.Errorf("metric days: %w", err)
		}
		if extra != "" {
			var err error
			if c.extra, err = parseExtra(extra); err != nil {
				return fmt.Errorf("metric days: extra %q: %w", extra, err)
			}
		}
		add(i, c)
		return nil
	})
}

// periodValues is the rows of a VALUES table of (name, period) for the
// days (or weeks) of each period, their names bound as parameters after
// args: the table that drives a read of rolled-up rows by their key.
func periodValues(lists map[int][]string, args []any) (string, []any) {
	var sb strings.Builder
	for i, names := range lists {
		for _, name := range names {
			if sb.Len() > 0 {
				sb.WriteString(", ")
			}
			args = append(args, name)
			fmt.Fprintf(&sb, "($%d, %d)", len(args), i)
		}
	}
	return sb.String(), args
}

// single reports whether every period has at most one day or week to read.
func single(days, weeks map[int][]string) bool {
	for i, ds := range days {
		if len(ds)+len(weeks[i]) > 1 {
			return false
		}
	}
	for i, ws := range weeks {
		if len(ws)+len(days[i]) > 1 {
			return false
		}
	}
	return true
}

// parseExtra reads the extra figures of a rolled-up day, a flat JSON
// object of numbers as RollupDays writes it (json.Marshal of a
// map[string]float64), by hand: a year of backlog by agent has some 5,000,
// and encoding/json spent a quarter of that query on them. Anything else
// (an escaped key, a nested value) goes to encoding/json.
func parseExtra(s string) (map[string]float64, error) {
	out := map[string]float64{}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return out, json.Unmarshal([]byte(s), &out)
	}
	for body := s[1 : len(s)-1]; body != ""; {
		key, rest, ok := strings.Cut(body, ":")
		if !ok || len(key) < 2 || key[0] != '"' || key[len(key)-1] != '"' || strings.ContainsAny(key[1:len(key)-1], `"\`) {
			return out, json.Unmarshal([]byte(s), &out)
		}
		num, next, more := strings.Cut(rest, ",")
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || (more && next == "") {
			return out, json.Unmarshal([]byte(s), &out)
		}
		out[key[1:len(key)-1]] = v
		body = next
	}
	return out, nil
}

// rollupStart is the local midnight before the oldest instant that oldest
// (a MIN query) finds, but no earlier than three years ago: older history
// is computed live when asked for. found is false when there is no data.
func (s *Service) rollupStart(ctx context.Context, oldest string, loc *time.Location) (from time.Time, found bool, err error) {
	var first sql.NullInt64
	if err := s.DB.Read.QueryRowContext(ctx, oldest).Scan(&first); err != nil {
		return time.Time{}, false, fmt.Errorf("rollup days: %w", err)
	}
	if !first.Valid {
		return time.Time{}, false, nil
	}
	from = store.Time(first.Int64)
	if min := s.DB.Now().AddDate(-3, 0, 0); from.Before(min) {
		from = min
	}
	lf := from.In(loc)
	return time.Date(lf.Year(), lf.Month(), lf.Day(), 0, 0, 0, 0, loc), true, nil
}

// RollupDays rolls up (or rolls up again) at most limit days that are old
// enough and not yet rolled up, or changed since, newest first, and says
// how many it did. Consecutive days are computed together, each metric
// and cut with one query for all of them (a query's cost is mostly its
// scan, whether it fills one day or thirty). Each day's rows and its done
// mark are written only if no change was marked on the day while it was
// computed: a concurrent change leaves it for the next run.
func (s *Service) RollupDays(ctx context.Context, limit int) (int, error) {
	loc, err := s.OrgLocation(ctx)
	if err != nil {
		return 0, err
	}
	from, found, err := s.rollupStart(ctx, `SELECT MIN(created_at) FROM cases`, loc)
	if err != nil || !found {
		return 0, err
	}
	ds := days(from, s.DB.Now().Add(-Horizon), loc)
	ok, err := s.servable(ctx, ds, loc)
	if err != nil {
		return 0, err
	}
	// The days to do, newest first, in runs of consecutive days.
	var runs [][]localDay
	picked := 0
	for i := len(ds) - 1; i >= 0 && picked < limit; i-- {
		if ok[ds[i].name] {
			continue
		}
		if n := len(runs); n > 0 && i+1 < len(ds) && runs[n-1][0].name == ds[i+1].name && len(runs[n-1]) < maxRun {
			runs[n-1] = append([]localDay{ds[i]}, runs[n-1]...)
		} else {
			runs = append(runs, []localDay{ds[i]})
		}
		picked++
	}
	done := 0
	for _, run := range runs {
		n, err := s.rollupRun(ctx, run, loc)
		done += n
		if err != nil {
			return done, err
		}
	}
	if _, err := s.rollupWeeks(ctx, ds, loc); err != nil {
		return done, err
	}
	return done, nil
}

// maxRun is the most consecutive days rolled up together: the backlog of
// a run holds the ages of every case open at each of its days' ends.
const maxRun = 31

// rollupRun rolls up consecutive days and says how many it wrote.
func (s *Service) rollupRun(ctx context.Context, run []localDay, loc *time.Location) (int, error) {
	first, last := run[0], run[len(run)-1]
	marks, err := caseMarks.Read(ctx, s.DB.Read, first.start, last.end)
	if err != nil {
		return 0, err
	}
	before := make([]int64, len(run))
	periods := make([]Period, len(run))
	for i, d := range run {
		before[i] = dayMarks(marks, d)
		periods[i] = Period{d.start.UTC(), d.end.UTC()}
	}
	type row struct {
		metric, dim string
		c           counts
	}
	rows := make([][]row, len(run))
	for key := range dayBacked {
		def, _ := Lookup(key)
		impl, _ := s.impl(key)
		for _, dim := range append([]string{""}, def.Dimensions...) {
			cs, err := impl.compute(ctx, s, periods, dim)
			if err != nil {
				return 0, fmt.Errorf("rollup %s %s to %s: %w", key, first.name, last.name, err)
			}
			for i, c := range cs {
				for _, c := range c {
					rows[i] = append(rows[i], row{key, dim, c})
				}
			}
		}
	}
	done := 0
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		marks, err := caseMarks.Read(ctx, tx, first.start, last.end)
		if err != nil {
			return err
		}
		for i, d := range run {
			if dayMarks(marks, d) != before[i] {
				continue // changed while computed: left for the next run
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM metric_days WHERE day = $1`, d.name); err != nil {
				return fmt.Errorf("rollup %s: %w", d.name, err)
			}
			for _, r := range rows[i] {
				extra := ""
				if r.c.extra != nil {
					b, _ := json.Marshal(r.c.extra)
					extra = string(b)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO metric_days (metric, dim, day, cut, num, den, extra) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
					r.metric, r.dim, d.name, r.c.cut, r.c.num, r.c.den, extra); err != nil {
					return fmt.Errorf("rollup %s: %w", d.name, err)
				}
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO metric_days_done (day, timezone, marks, computed_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (day) DO UPDATE SET timezone = excluded.timezone, marks = excluded.marks, computed_at = excluded.computed_at`,
				d.name, loc.String(), before[i], store.Millis(s.DB.Now()))
			if err != nil {
				return fmt.Errorf("rollup %s: %w", d.name, err)
			}
			done++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return done, nil
}
