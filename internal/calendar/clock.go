package calendar

import (
	"fmt"
	"time"
)

// Clock is a local wall-clock time of day, in seconds after midnight, from
// 0 ("00:00") to 86400 ("24:00"). Opening hours are written in the calendar's
// own wall-clock time, not as durations from midnight, because on a
// daylight-saving day "09:00" is not 9 hours after midnight.
type Clock int32

// EndOfDay is "24:00": the end of a span that runs to midnight. It exists so
// that an evening shift can be written 20:00–24:00 and join the next day's
// 00:00 span with no gap.
const EndOfDay Clock = 24 * 60 * 60

// At returns the Clock for a time of day; it does not check the range, so
// that table-driven code can build clocks tersely and let Validate judge them.
func At(hour, minute int) Clock { return Clock(hour*3600 + minute*60) }

// ParseClock reads "HH:MM" or "HH:MM:SS" (24-hour, two digits each). "24:00"
// is accepted as the end of the day; nothing later is.
func ParseClock(s string) (Clock, error) {
	bad := fmt.Errorf("invalid time of day %q: want HH:MM from 00:00 to 24:00", s)
	if len(s) != 5 && len(s) != 8 {
		return 0, bad
	}
	num := func(i int) (int, bool) {
		a, b := s[i], s[i+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return 0, false
		}
		return int(a-'0')*10 + int(b-'0'), true
	}
	h, ok1 := num(0)
	m, ok2 := num(3)
	sec, ok3 := 0, true
	if len(s) == 8 {
		if s[5] != ':' {
			return 0, bad
		}
		sec, ok3 = num(6)
	}
	if s[2] != ':' || !ok1 || !ok2 || !ok3 || m > 59 || sec > 59 || h > 24 {
		return 0, bad
	}
	c := Clock(h*3600 + m*60 + sec)
	if c > EndOfDay {
		return 0, bad
	}
	return c, nil
}

// String formats the clock as "HH:MM", or "HH:MM:SS" when it has seconds, so
// that it reads back with ParseClock.
func (c Clock) String() string {
	if c < 0 || c > EndOfDay {
		return fmt.Sprintf("invalid(%d)", int32(c))
	}
	h, m, s := c/3600, c/60%60, c%60
	if s != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// Span is an opening span [Start, End) in local wall-clock time, e.g.
// 09:00–12:30. Several spans a day describe a lunch break or split shifts.
type Span struct {
	Start Clock
	End   Clock
}

// ParseSpan reads a span from its two clock times, as written in JSON.
func ParseSpan(start, end string) (Span, error) {
	s, err := ParseClock(start)
	if err != nil {
		return Span{}, err
	}
	e, err := ParseClock(end)
	if err != nil {
		return Span{}, err
	}
	return Span{Start: s, End: e}, nil
}

// String formats the span as "09:00–12:30" for error messages and logs.
func (s Span) String() string { return s.Start.String() + "–" + s.End.String() }

// WeeklyHours holds the opening spans of each day of the week, indexed by
// time.Weekday (hours[time.Monday]), so that a weekday from the time package
// selects its spans with no translation. A day with no spans is closed.
type WeeklyHours [7][]Span

// dayKeys are the JSON keys of WeeklyHours, indexed by time.Weekday.
var dayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// weekOrder is the order in which days are written out: the working week
// first, as people read opening hours.
var weekOrder = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// Date is a calendar date with no time and no zone: a holiday closes that
// date in the calendar's own time zone, whatever zone the caller lives in.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads "YYYY-MM-DD" and refuses dates that do not exist
// (2026-02-30), so that a typo does not become a silent non-holiday.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}

// String formats the date as "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// valid reports whether the date exists in the proleptic Gregorian calendar.
func (d Date) valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Year, d.Month)
}

// MonthDay is a date that recurs every year, such as Christmas (12-25).
// February 29 is allowed and closes that day only in leap years.
type MonthDay struct {
	Month time.Month
	Day   int
}

// ParseMonthDay reads "MM-DD".
func ParseMonthDay(s string) (MonthDay, error) {
	bad := fmt.Errorf("invalid recurring date %q: want MM-DD", s)
	if len(s) != 5 || s[2] != '-' {
		return MonthDay{}, bad
	}
	// A leap year, so that 02-29 parses.
	t, err := time.Parse(time.DateOnly, "2000-"+s)
	if err != nil {
		return MonthDay{}, bad
	}
	return MonthDay{Month: t.Month(), Day: t.Day()}, nil
}

// String formats the recurring date as "MM-DD".
func (md MonthDay) String() string { return fmt.Sprintf("%02d-%02d", int(md.Month), md.Day) }

// valid reports whether the month-day exists in some year.
func (md MonthDay) valid() bool {
	if md.Month < time.January || md.Month > time.December || md.Day < 1 {
		return false
	}
	return md.Day <= daysIn(2000, md.Month)
}

// daysIn returns the number of days in the month of the year.
func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
