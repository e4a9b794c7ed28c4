package metrics

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"anchor"
)

// Period is a half-open time range [Start, End).
type Period struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Intervals a series can be split by.
var Intervals = []string{"", "day", "week", "month"}

// Periods splits [from, to) at the local boundaries of interval (days at
// midnight, ISO weeks on Monday, months on the 1st) in loc: a day in
// Europe/London is 23 or 25 hours on the days the clocks change, because
// that is the day people mean. An empty interval is the one period.
func Periods(from, to time.Time, interval string, loc *time.Location) ([]Period, error) {
	if !from.Before(to) {
		return nil, anchor.Invalid("to", "must be after from")
	}
	if interval == "" {
		return []Period{{from.UTC(), to.UTC()}}, nil
	}
	var out []Period
	start := from
	for start.Before(to) {
		next := nextBoundary(start.In(loc), interval)
		if next.IsZero() {
			return nil, anchor.Invalid("interval", "must be day, week or month")
		}
		end := next
		if end.After(to) {
			end = to
		}
		out = append(out, Period{start.UTC(), end.UTC()})
		if len(out) > 3660 {
			return nil, anchor.Invalid("interval", "more than 3660 periods: choose a longer interval")
		}
		start = end
	}
	return out, nil
}

// nextBoundary is the first boundary of interval strictly after t, in t's
// location.
func nextBoundary(t time.Time, interval string) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	switch interval {
	case "day":
		return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	case "week":
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		return time.Date(y, m, d-wd+7, 0, 0, 0, 0, loc)
	case "month":
		return time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	}
	return time.Time{}
}

// ParseWeek reads an ISO week ("2026-W47") as a period in loc.
func ParseWeek(s string, loc *time.Location) (Period, error) {
	y, w, ok := strings.Cut(strings.ToUpper(strings.TrimSpace(s)), "-W")
	year, err1 := strconv.Atoi(y)
	week, err2 := strconv.Atoi(w)
	if !ok || err1 != nil || err2 != nil || week < 1 || week > 53 {
		return Period{}, anchor.Invalid("week", "must be an ISO week such as 2026-W47")
	}
	// 4 January is always in week 1.
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(week-1)*7)
	if _, got := monday.ISOWeek(); got != week {
		return Period{}, anchor.Invalid("week", "%d has no week %d", year, week)
	}
	return Period{monday.UTC(), monday.AddDate(0, 0, 7).UTC()}, nil
}

// WeekOf names the ISO week of t in loc.
func WeekOf(t time.Time, loc *time.Location) string {
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}
