// Package calendar computes business time: how much of an interval falls in a
// named calendar's opening hours, and when a service-level target measured in
// business time falls due.
//
// A Calendar has a time zone, weekly opening hours (several spans a day, in
// local wall-clock time) and holidays (fixed dates and yearly dates), each of
// which closes a whole local day. Service levels are computed from it:
//
//	due, err := cal.Add(caseOpened, 4*time.Hour) // first response due
//	used := cal.Between(caseOpened, now)          // business time elapsed
//
// Everything here is pure: values in, values out, no clock and no database,
// so that SLA clocks can be tested at any instant and fuzzed.
//
// # Daylight saving
//
// Each day's spans are turned into absolute instants for that day, so business
// time is real elapsed time, exact to the nanosecond: 09:00–17:00 is 8 hours
// on every day, and a span that contains a clock change counts the time that
// really passed (00:00–04:00 is 3 hours on the spring-forward day and 5 on the
// fall-back day in Europe/London). A wall-clock time that does not exist (in
// the spring-forward gap) means the instant the clocks jump; one that occurs
// twice (in the fall-back overlap) means its first occurrence. Both rules keep
// the instants of a day in order, which is what makes Between additive and
// Add its exact inverse.
package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Calendar is a named business calendar. The zero value is not usable: build
// one as a literal and call Validate, or decode it from JSON (which
// validates). Methods treat a nil Location as UTC so that they never panic,
// but Validate insists on an explicit zone, because a calendar that silently
// ran in UTC would put every deadline hours off.
//
// Its JSON form (see MarshalJSON) is:
//
//	{
//	  "name": "uk-office",
//	  "timezone": "Europe/London",
//	  "hours": {"mon": [["09:00","12:30"],["13:30","17:30"]], "tue": [...], ..., "sun": []},
//	  "holidays": ["2026-12-25"],
//	  "recurring_holidays": ["12-25","01-01"]
//	}
type Calendar struct {
	// Name identifies the calendar, e.g. "uk-office".
	Name string
	// Location is the calendar's time zone. It is written to JSON as its
	// IANA name (Location.String()), so it must come from time.LoadLocation
	// (or be time.UTC), not time.FixedZone or time.Local.
	Location *time.Location
	// Hours are the weekly opening spans, per weekday.
	Hours WeeklyHours
	// Holidays are single dates on which the calendar is closed all day.
	Holidays []Date
	// RecurringHolidays are dates on which the calendar is closed every year.
	RecurringHolidays []MonthDay
}

// AlwaysOpen returns the 24/7 calendar: every instant counts, so business
// time equals elapsed time. It is an ordinary Calendar (every day
// 00:00–24:00, UTC, no holidays) rather than a special case, so it stores,
// serialises and validates like any other.
func AlwaysOpen() Calendar {
	var hours WeeklyHours
	for d := range hours {
		hours[d] = []Span{{Start: 0, End: EndOfDay}}
	}
	return Calendar{Name: "always-open", Location: time.UTC, Hours: hours}
}

// ErrNeverOpen is returned by Add and NextOpen when the calendar has no
// opening time within 400 years of the starting point (a full cycle of the
// Gregorian calendar): only a calendar that fails Validate, or one closed by
// a list of fixed holidays that long, can get there. It exists so that a
// bad calendar stops an SLA computation instead of hanging it.
var ErrNeverOpen = errors.New("calendar: no opening hours ahead")

// FieldError is one problem with one field of a calendar. Field is the path
// of the field in the JSON form ("hours.mon[1]", "holidays[0]"), so that an
// API can point the user at what to fix.
type FieldError struct {
	Field   string
	Message string
}

// Error returns "field: message".
func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError lists every problem found in a calendar, rather than the
// first, so that a user fixing a form sees them all at once. Match it with
// errors.As.
type ValidationError struct {
	Fields []FieldError
}

// Error joins the field errors.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return "invalid calendar: " + strings.Join(parts, "; ")
}

// add records a problem.
func (e *ValidationError) add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// has reports whether a problem with field is already recorded, so that a
// value that failed to parse is not reported a second time as invalid.
func (e *ValidationError) has(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// err returns e as an error, or nil when nothing was found, so that callers
// never return a non-nil error holding a nil pointer.
func (e *ValidationError) err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Validate reports every problem with the calendar as a *ValidationError:
// a missing name; a missing, unknown or machine-dependent time zone; a span
// whose end is not after its start, or outside 00:00–24:00; spans that
// overlap on the same day; a week with no opening hours at all (Add could
// never finish); invalid dates; and recurring holidays that cover the whole
// year. Spans may be listed in any order.
func (c Calendar) Validate() error {
	var v ValidationError
	c.validate(&v)
	return v.err()
}

func (c Calendar) validate(v *ValidationError) {
	if strings.TrimSpace(c.Name) == "" {
		v.add("name", "required")
	}
	if !v.has("timezone") {
		validateLocation(v, c.Location)
	}

	spanCount := 0
	for _, wd := range weekOrder {
		spans := c.Hours[wd]
		key := dayKeys[wd]
		spanCount += len(spans)
		valid := make([]int, 0, len(spans)) // indexes of spans worth an overlap check
		for i, s := range spans {
			field := fmt.Sprintf("hours.%s[%d]", key, i)
			switch {
			case v.has(field):
			case s.Start < 0 || s.Start >= EndOfDay:
				v.add(field, "start %s must be from 00:00 to before 24:00", s.Start)
			case s.End <= 0 || s.End > EndOfDay:
				v.add(field, "end %s must be after 00:00 and at most 24:00", s.End)
			case s.End <= s.Start:
				v.add(field, "end %s must be after start %s", s.End, s.Start)
			default:
				valid = append(valid, i)
			}
		}
		slices.SortFunc(valid, func(a, b int) int { return int(spans[a].Start - spans[b].Start) })
		// Compare each span with the one reaching furthest so far, so that
		// 12:00–13:00 is caught overlapping 09:00–17:00 even after 10:00–11:00.
		widest := -1
		for _, i := range valid {
			if widest >= 0 && spans[i].Start < spans[widest].End {
				v.add(fmt.Sprintf("hours.%s[%d]", key, i), "%s overlaps %s (hours.%s[%d])", spans[i], spans[widest], key, widest)
			}
			if widest < 0 || spans[i].End > spans[widest].End {
				widest = i
			}
		}
	}
	if spanCount == 0 {
		v.add("hours", "no opening hours on any day of the week")
	}

	for i, d := range c.Holidays {
		if field := fmt.Sprintf("holidays[%d]", i); !v.has(field) && !d.valid() {
			v.add(field, "%s is not a date", d)
		}
	}
	var seen [13][32]bool
	distinct := 0
	for i, md := range c.RecurringHolidays {
		if field := fmt.Sprintf("recurring_holidays[%d]", i); v.has(field) || !md.valid() {
			if !v.has(field) {
				v.add(field, "%s is not a day of the year", md)
			}
			continue
		}
		if !seen[md.Month][md.Day] {
			seen[md.Month][md.Day] = true
			distinct++
		}
	}
	if distinct == 366 {
		v.add("recurring_holidays", "every day of the year is a holiday")
	}
}

// validateLocation insists on a zone that can be written as an IANA name and
// read back to the same rules on any machine.
func validateLocation(v *ValidationError, loc *time.Location) {
	switch {
	case loc == nil:
		v.add("timezone", "required")
	case loc == time.Local || loc.String() == "Local":
		v.add("timezone", "must be an IANA zone name such as Europe/London, not the server's local zone")
	case loc.String() == "":
		v.add("timezone", "must be an IANA zone name such as Europe/London")
	default:
		if _, err := time.LoadLocation(loc.String()); err != nil {
			v.add("timezone", "unknown time zone %q", loc.String())
		}
	}
}
