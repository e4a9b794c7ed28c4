package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Weekly sums of the additive case metrics sit beside their days
// (metric_weeks): a year by week and by agent reads 53 rows a cut instead
// of 365, and summing the days in the database was three quarters of such
// a query. A week is the seven local days from a Monday, named by that
// Monday. It is served only while each of its days is servable and their
// change marks add up to those it was summed at: marks only grow, so a day
// changed, or rolled up again since, moves the sum.

// additive reports whether a day-backed metric's figure for a period is
// the sum of its days' (every one but backlog age, a snapshot).
func additive(key string) bool { return dayBacked[key] && key != "backlog_age" }

// wholeWeeks lists the weeks among ds (local days, oldest first) whose
// seven days are all there, in a row, and in marks (servable).
func wholeWeeks(ds []localDay, marks map[string]int64) [][]localDay {
	var out [][]localDay
	for i := 0; i+7 <= len(ds); i++ {
		if ds[i].start.Weekday() != time.Monday {
			continue
		}
		w := ds[i : i+7]
		whole := true
		for j, d := range w {
			if _, ok := marks[d.name]; !ok || (j > 0 && !d.start.Equal(w[j-1].end)) {
				whole = false
				break
			}
		}
		if whole {
			out = append(out, w)
			i += 6
		}
	}
	return out
}

// weekMarks is the sum of a week's days' change marks.
func weekMarks(w []localDay, marks map[string]int64) int64 {
	var n int64
	for _, d := range w {
		n += marks[d.name]
	}
	return n
}

// servableWeeks returns the weeks among ds that can be read from
// metric_weeks, by the name of their Monday, with the name of their Sunday.
func (s *Service) servableWeeks(ctx context.Context, ds []localDay, marks map[string]int64, loc *time.Location) (map[string]string, error) {
	weeks := wholeWeeks(ds, marks)
	out := map[string]string{}
	if len(weeks) == 0 {
		return out, nil
	}
	done, err := s.readDone(ctx, "metric_weeks_done", mondays(weeks), loc)
	if err != nil {
		return nil, err
	}
	for _, w := range weeks {
		if n, ok := done[w[0].name]; ok && n == weekMarks(w, marks) {
			out[w[0].name] = w[6].name
		}
	}
	return out, nil
}

func mondays(weeks [][]localDay) []localDay {
	out := make([]localDay, len(weeks))
	for i, w := range weeks {
		out[i] = w[0]
	}
	return out
}

// collapseWeeks replaces, in a period's rolled-up days, the seven days of
// each servable week by the week.
func collapseWeeks(rolled []localDay, weeks map[string]string) (days, weekNames []string) {
	for i := 0; i < len(rolled); i++ {
		d := rolled[i]
		if sunday, ok := weeks[d.name]; ok && i+6 < len(rolled) && rolled[i+6].name == sunday {
			weekNames = append(weekNames, d.name)
			i += 6
			continue
		}
		days = append(days, d.name)
	}
	return days, weekNames
}

// rollupWeeks sums the whole weeks of ds whose days are rolled up and that
// are not summed yet, or not from their days as they are now.
func (s *Service) rollupWeeks(ctx context.Context, ds []localDay, loc *time.Location) (int, error) {
	marks, err := s.servableMarks(ctx, ds, loc)
	if err != nil {
		return 0, err
	}
	summed, err := s.servableWeeks(ctx, ds, marks, loc)
	if err != nil {
		return 0, err
	}
	var keys []string
	for key := range dayBacked {
		if additive(key) {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	n := 0
	for _, w := range wholeWeeks(ds, marks) {
		if _, ok := summed[w[0].name]; ok {
			continue
		}
		ok, err := s.sumWeek(ctx, w, weekMarks(w, marks), keys, loc)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// sumWeek writes a week's sums from its days, if the days are still those
// checked (rolled up in this zone with the marks that add up to sum): days
// rolled up again meanwhile leave the week for the next run. Two servers
// summing the same week write the same rows (ON CONFLICT).
func (s *Service) sumWeek(ctx context.Context, w []localDay, sum int64, keys []string, loc *time.Location) (bool, error) {
	first, last := w[0].name, w[6].name
	summed := false
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var n, got int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(marks), 0) FROM metric_days_done WHERE day >= $1 AND day <= $2 AND timezone = $3`,
			first, last, loc.String()).Scan(&n, &got); err != nil {
			return err
		}
		if n != 7 || got != sum {
			return nil
		}
		for _, key := range keys {
			def, _ := Lookup(key)
			for _, dim := range append([]string{""}, def.Dimensions...) {
				if _, err := tx.ExecContext(ctx, `DELETE FROM metric_weeks WHERE metric = $1 AND dim = $2 AND week = $3`, key, dim, first); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO metric_weeks (metric, dim, week, cut, num, den)
					SELECT metric, dim, $3, cut, SUM(num), SUM(den) FROM metric_days WHERE metric = $1 AND dim = $2 AND day >= $3 AND day <= $4
					GROUP BY metric, dim, cut
					ON CONFLICT (metric, dim, week, cut) DO UPDATE SET num = excluded.num, den = excluded.den`, key, dim, first, last); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO metric_weeks_done (day, timezone, marks) VALUES ($1, $2, $3)
			ON CONFLICT (day) DO UPDATE SET timezone = excluded.timezone, marks = excluded.marks`, first, loc.String(), sum); err != nil {
			return err
		}
		summed = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("sum week of %s: %w", first, err)
	}
	return summed, nil
}
