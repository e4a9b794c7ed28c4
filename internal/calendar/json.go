package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// calendarJSON is the stored and API form of a Calendar. Everything is a
// string here so that a bad value becomes a field error that names its
// field, instead of stopping the decoder at the first one.
type calendarJSON struct {
	Name              string                `json:"name"`
	TimeZone          string                `json:"timezone"`
	Hours             map[string][][]string `json:"hours"`
	Holidays          []string              `json:"holidays"`
	RecurringHolidays []string              `json:"recurring_holidays"`
}

// MarshalJSON writes the calendar as
//
//	{"name":"uk-office","timezone":"Europe/London",
//	 "hours":{"mon":[["09:00","17:30"]],...,"sun":[]},
//	 "holidays":["2026-12-25"],"recurring_holidays":["12-25","01-01"]}
//
// All seven days are written, Monday first, closed days as [], and the
// holiday lists as [] when empty, so that API clients need not treat a
// missing key differently from an empty one.
func (c Calendar) MarshalJSON() ([]byte, error) {
	zone := ""
	if c.Location != nil {
		zone = c.Location.String()
	}
	holidays := make([]string, len(c.Holidays))
	for i, d := range c.Holidays {
		holidays[i] = d.String()
	}
	recurring := make([]string, len(c.RecurringHolidays))
	for i, md := range c.RecurringHolidays {
		recurring[i] = md.String()
	}
	return json.Marshal(struct {
		Name              string    `json:"name"`
		TimeZone          string    `json:"timezone"`
		Hours             hoursJSON `json:"hours"`
		Holidays          []string  `json:"holidays"`
		RecurringHolidays []string  `json:"recurring_holidays"`
	}{c.Name, zone, hoursJSON(c.Hours), holidays, recurring})
}

// hoursJSON writes WeeklyHours with its days in week order; a Go map would
// come out alphabetically (fri, mon, sat, ...).
type hoursJSON WeeklyHours

func (h hoursJSON) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, wd := range weekOrder {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, "%q:[", dayKeys[wd])
		for j, s := range h[wd] {
			if j > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, "[%q,%q]", s.Start.String(), s.End.String())
		}
		buf.WriteByte(']')
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads the form written by MarshalJSON and validates it, so a
// decoded Calendar is always usable. Missing days are closed; spans may be in
// any order and are stored sorted. On failure it returns a *ValidationError
// listing every bad field (by its JSON path) and leaves c unchanged.
func (c *Calendar) UnmarshalJSON(data []byte) error {
	var w calendarJSON
	if err := json.Unmarshal(data, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "calendar"
			}
			var v ValidationError
			v.add(field, "must be a JSON %s, not %s", jsonKind(te.Type.Kind().String()), te.Value)
			return &v
		}
		return err
	}

	var v ValidationError
	out := Calendar{Name: w.Name}

	switch w.TimeZone {
	case "":
		v.add("timezone", "required")
	case "Local":
		v.add("timezone", "must be an IANA zone name such as Europe/London, not the server's local zone")
	default:
		loc, err := time.LoadLocation(w.TimeZone)
		if err != nil {
			v.add("timezone", "unknown time zone %q", w.TimeZone)
		}
		out.Location = loc
	}

	for _, key := range slices.Sorted(maps.Keys(w.Hours)) {
		spans := w.Hours[key]
		wd := slices.Index(dayKeys[:], key)
		if wd < 0 {
			v.add("hours."+key, "unknown day %q: want mon, tue, wed, thu, fri, sat or sun", key)
			continue
		}
		if len(spans) == 0 {
			continue // closed, and nil like a missing day
		}
		parsed := make([]Span, len(spans))
		for i, pair := range spans {
			field := fmt.Sprintf("hours.%s[%d]", key, i)
			if len(pair) != 2 {
				v.add(field, "a span is two times, [\"09:00\",\"17:30\"]; got %d", len(pair))
				continue
			}
			s, err := ParseSpan(pair[0], pair[1])
			if err != nil {
				v.add(field, "%v", err)
				continue
			}
			parsed[i] = s
		}
		out.Hours[wd] = parsed
	}

	if len(w.Holidays) > 0 {
		out.Holidays = make([]Date, len(w.Holidays))
	}
	for i, s := range w.Holidays {
		d, err := ParseDate(s)
		if err != nil {
			v.add(fmt.Sprintf("holidays[%d]", i), "%v", err)
		}
		out.Holidays[i] = d
	}
	if len(w.RecurringHolidays) > 0 {
		out.RecurringHolidays = make([]MonthDay, len(w.RecurringHolidays))
	}
	for i, s := range w.RecurringHolidays {
		md, err := ParseMonthDay(s)
		if err != nil {
			v.add(fmt.Sprintf("recurring_holidays[%d]", i), "%v", err)
		}
		out.RecurringHolidays[i] = md
	}

	// Semantic checks run on the spans in the order they were written, so
	// that error paths point into the document the user sent.
	out.validate(&v)
	if err := v.err(); err != nil {
		slices.SortStableFunc(v.Fields, func(a, b FieldError) int { return fieldRank(a.Field) - fieldRank(b.Field) })
		return err
	}
	for wd := range out.Hours {
		slices.SortFunc(out.Hours[wd], func(a, b Span) int { return int(a.Start - b.Start) })
	}
	*c = out
	return nil
}

// fieldRank orders errors as the fields appear in the document, since the
// hours arrive from a map in random order.
func fieldRank(field string) int {
	for i, prefix := range []string{"name", "timezone", "hours.mon", "hours.tue", "hours.wed", "hours.thu", "hours.fri", "hours.sat", "hours.sun", "hours", "holidays", "recurring_holidays"} {
		if len(field) >= len(prefix) && field[:len(prefix)] == prefix {
			return i
		}
	}
	return 100
}

// jsonKind names a Go kind in JSON's words for an error message.
func jsonKind(kind string) string {
	switch kind {
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	}
	return kind
}
