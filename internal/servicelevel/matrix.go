// Package servicelevel holds the level of service Anchor owes, set per
// customer segment in the service matrix, and the business calendars it is
// measured in. It computes the due times and states of service-level
// clocks (pure functions, tested by table and fuzzed) and stores the matrix
// as tables that every case, handoff and callback is held to.
package servicelevel

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"anchor"
	"anchor/internal/calendar"
)

// AlwaysOpen names the 24/7 calendar in matrix documents: every instant
// counts. It is also what an empty calendar name means.
const AlwaysOpen = "24x7"

// Priorities a case can have, lowest first (the same as the cases package's).
var Priorities = []string{"low", "normal", "high", "urgent"}

// Matrix is the whole service matrix as one document: the form it is
// exported, imported and edited in. Segments and departments are keyed by
// name so that a document can be written by hand and moved between
// installations.
type Matrix struct {
	// AtRiskShare is the share of a target after which a clock is at risk
	// (default 0.75).
	AtRiskShare float64                    `json:"at_risk_share"`
	Calendars   []CalendarEntry            `json:"calendars"`
	Segments    map[string]SegmentLevels   `json:"segments"`
	Departments map[string]DepartmentLevel `json:"departments"`
	// Version is the stored matrix's version; an import based on an older
	// one is refused.
	Version int `json:"version,omitempty"`
}

// CalendarEntry is a calendar in a matrix document. Decoding never fails
// on a bad calendar: the problem is kept for Validate, which reports it
// with its path among all the others.
type CalendarEntry struct {
	calendar.Calendar
	err error
}

// UnmarshalJSON decodes the calendar, keeping its name even when the rest
// is wrong so that references to it are not reported a second time.
func (c *CalendarEntry) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &c.Calendar); err != nil {
		var named struct {
			Name string `json:"name"`
		}
		json.Unmarshal(b, &named) //nolint:errcheck // best effort
		c.Calendar, c.err = calendar.Calendar{Name: named.Name}, err
	}
	return nil
}

// MarshalJSON writes the calendar.
func (c CalendarEntry) MarshalJSON() ([]byte, error) { return json.Marshal(c.Calendar) }

// SegmentLevels is what a segment is owed.
type SegmentLevels struct {
	// Priorities holds the case targets per priority; a priority left out
	// has no targets.
	Priorities map[string]Targets `json:"priorities"`
	// RelationshipContacts, when set, is how often the account owner must
	// contact each customer of the segment, and what each contact captures.
	RelationshipContacts *RelationshipPolicy `json:"relationship_contacts,omitempty"`
}

// Targets are the times owed to a case, in business time of Calendar.
// A zero target is none.
type Targets struct {
	FirstResponse  Duration `json:"first_response,omitempty"`
	NextUpdate     Duration `json:"next_update,omitempty"`
	Resolution     Duration `json:"resolution,omitempty"`
	CallbackWindow Duration `json:"callback_window,omitempty"`
	// Calendar is a calendar's name, or "24x7" (or empty) for every instant.
	Calendar string `json:"calendar,omitempty"`
}

// RelationshipPolicy is a segment's proactive relationship contact: every
// EveryDays days the account owner contacts the customer and records
// RequiredFields.
type RelationshipPolicy struct {
	EveryDays      int      `json:"every_days"`
	RequiredFields []string `json:"required_fields,omitempty"`
}

// DepartmentLevel is a department's service level for handoffs.
type DepartmentLevel struct {
	AcceptWithin   Duration `json:"accept_within,omitempty"`
	CompleteWithin Duration `json:"complete_within,omitempty"`
	Calendar       string   `json:"calendar,omitempty"`
}

// Duration is a time.Duration written as "4h", "30m", "1h30m". A bare
// number is refused: seconds against minutes is the mistake that matters.
// Targets are business time: "3 business days" of an 8-hour day is "24h".
type Duration time.Duration

// MarshalJSON writes the duration as Go does, without zero units ("4h",
// not "4h0m0s").
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(FormatDuration(time.Duration(d)))
}

// FormatDuration writes d without zero units: "4h", "1h30m", "45s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// UnmarshalJSON reads "4h"-style durations.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"4h\" or \"30m\", not %s", b)
	}
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"4h\" or \"30m\" (days are business time: write hours)", s)
	}
	*d = Duration(v)
	return nil
}

// Problems collects what is wrong with a document, each with its path.
type Problems []anchor.Problem

func (p *Problems) add(path, format string, args ...any) {
	*p = append(*p, anchor.Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// Err returns the problems as one EInvalid error, or nil when there are
// none.
func (p Problems) Err(what string) error {
	if len(p) == 0 {
		return nil
	}
	parts := make([]string, len(p))
	for i, x := range p {
		parts[i] = x.Path + ": " + x.Message
	}
	msg := fmt.Sprintf("%s refused, nothing changed: %d problem(s): %s", what, len(p), strings.Join(parts, "; "))
	return &anchor.Error{Code: anchor.EInvalid, Field: p[0].Path, Message: msg, Problems: p}
}

// Validate checks the document against itself and against the segments and
// departments that exist (by name). It reports every problem with its path;
// a document with any problem is refused whole.
func (m *Matrix) Validate(segments, departments []string) error {
	var p Problems
	if m.AtRiskShare == 0 {
		m.AtRiskShare = 0.75
	}
	if m.AtRiskShare <= 0 || m.AtRiskShare >= 1 {
		p.add("at_risk_share", "must be between 0 and 1 (e.g. 0.75)")
	}
	names := map[string]bool{AlwaysOpen: true, "": true}
	for i, c := range m.Calendars {
		path := fmt.Sprintf("calendars[%d]", i)
		err := c.err
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			if ve, ok := err.(*calendar.ValidationError); ok {
				for _, f := range ve.Fields {
					p.add(path+"."+f.Field, "%s", f.Message)
				}
			} else {
				p.add(path, "%v", err)
			}
		}
		if c.Name == AlwaysOpen {
			p.add(path+".name", "%q is the built-in 24/7 calendar", AlwaysOpen)
		} else if names[c.Name] && c.Name != "" {
			p.add(path+".name", "%q is defined twice", c.Name)
		}
		names[c.Name] = true
	}
	checkDur := func(path string, d Duration) {
		if d < 0 {
			p.add(path, "must not be negative")
		} else if d > 0 && time.Duration(d) < time.Second {
			p.add(path, "%s is under a second: did you forget a unit?", time.Duration(d))
		}
	}
	checkCal := func(path, name string) {
		if !names[name] {
			p.add(path, "no calendar named %q in calendars (or %q for 24/7)", name, AlwaysOpen)
		}
	}
	for _, seg := range sortedKeys(m.Segments) {
		lv := m.Segments[seg]
		path := "segments." + seg
		if !slices.Contains(segments, seg) {
			p.add(path, "no such segment (segments are: %s)", strings.Join(segments, ", "))
		}
		for _, pr := range sortedKeys(lv.Priorities) {
			t := lv.Priorities[pr]
			pp := path + ".priorities." + pr
			if !slices.Contains(Priorities, pr) {
				p.add(pp, "not a priority (one of %s)", strings.Join(Priorities, ", "))
			}
			checkDur(pp+".first_response", t.FirstResponse)
			checkDur(pp+".next_update", t.NextUpdate)
			checkDur(pp+".resolution", t.Resolution)
			checkDur(pp+".callback_window", t.CallbackWindow)
			if t.FirstResponse > 0 && t.Resolution > 0 && t.FirstResponse > t.Resolution {
				p.add(pp+".first_response", "is longer than the resolution target %s", FormatDuration(time.Duration(t.Resolution)))
			}
			checkCal(pp+".calendar", t.Calendar)
		}
		if rc := lv.RelationshipContacts; rc != nil {
			if rc.EveryDays < 1 || rc.EveryDays > 3660 {
				p.add(path+".relationship_contacts.every_days", "must be from 1 to 3660")
			}
			seen := map[string]bool{}
			for i, f := range rc.RequiredFields {
				fp := fmt.Sprintf("%s.relationship_contacts.required_fields[%d]", path, i)
				if strings.TrimSpace(f) == "" {
					p.add(fp, "must not be empty")
				} else if seen[f] {
					p.add(fp, "%q is listed twice", f)
				}
				seen[f] = true
			}
		}
	}
	for _, seg := range segments {
		if _, ok := m.Segments[seg]; !ok {
			p.add("segments."+seg, "missing: every segment needs an entry ({} when nothing is owed)")
		}
	}
	for _, d := range sortedKeys(m.Departments) {
		lv := m.Departments[d]
		path := "departments." + d
		if !slices.Contains(departments, d) {
			p.add(path, "no such department")
		}
		checkDur(path+".accept_within", lv.AcceptWithin)
		checkDur(path+".complete_within", lv.CompleteWithin)
		if lv.AcceptWithin > 0 && lv.CompleteWithin > 0 && lv.AcceptWithin > lv.CompleteWithin {
			p.add(path+".accept_within", "is longer than complete_within")
		}
		checkCal(path+".calendar", lv.Calendar)
	}
	for _, d := range departments {
		if _, ok := m.Departments[d]; !ok {
			p.add("departments."+d, "missing: every department needs an entry ({} when it has no service level)")
		}
	}
	return p.Err("service matrix")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
