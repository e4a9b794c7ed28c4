package staffing

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Break is time off the phones inside a shift.
type Break struct {
	// Offset is from the start of the shift.
	Offset time.Duration
	// Length is how long the break lasts.
	Length time.Duration
	// Unpaid breaks (a lunch hour) are not charged; paid ones (coffee
	// breaks) are.
	Unpaid bool
}

// ShiftTemplate is a shift pattern repeated every day: it starts Start
// after local midnight and lasts Length, breaks included.
type ShiftTemplate struct {
	// Name labels the shift in schedules ("early", "late").
	Name string
	// Start is the time of day the shift begins, as a duration after
	// local midnight.
	Start time.Duration
	// Length is the shift's span, breaks included.
	Length time.Duration
	// Breaks are the times off the phones; an interval touched by a
	// break is not covered by the shift.
	Breaks []Break
	// HourlyCost overrides the schedule's hourly cost (a night premium);
	// 0 uses the schedule's.
	HourlyCost float64
}

// Validate reports a template that cannot be worked.
func (s ShiftTemplate) Validate() error {
	switch {
	case s.Name == "":
		return errors.New("shift template has no name")
	case s.Start < 0 || s.Start >= 24*time.Hour:
		return fmt.Errorf("shift %q: start %v is not a time of day", s.Name, s.Start)
	case s.Length <= 0:
		return fmt.Errorf("shift %q: length must be positive, got %v", s.Name, s.Length)
	case s.Length > 24*time.Hour:
		return fmt.Errorf("shift %q: length %v is over a day", s.Name, s.Length)
	case math.IsNaN(s.HourlyCost) || math.IsInf(s.HourlyCost, 0) || s.HourlyCost < 0:
		return fmt.Errorf("shift %q: hourly cost must be finite and non-negative, got %v", s.Name, s.HourlyCost)
	}
	for _, b := range s.Breaks {
		if b.Offset < 0 || b.Length <= 0 || b.Offset+b.Length > s.Length {
			return fmt.Errorf("shift %q: break at %v for %v does not fit inside the %v shift", s.Name, b.Offset, b.Length, s.Length)
		}
	}
	return nil
}

// PaidHours is the shift length less its unpaid breaks.
func (s ShiftTemplate) PaidHours() float64 {
	d := s.Length
	for _, b := range s.Breaks {
		if b.Unpaid {
			d -= b.Length
		}
	}
	return d.Hours()
}

// onDuty reports whether a shift starting at start is on the phones for
// the whole of [from, to). An interval only partly worked does not count:
// a half-present agent does not answer half the calls on time.
func (s ShiftTemplate) onDuty(start, from, to time.Time) bool {
	end := start.Add(s.Length)
	if from.Before(start) || to.After(end) {
		return false
	}
	for _, b := range s.Breaks {
		bs := start.Add(b.Offset)
		if from.Before(bs.Add(b.Length)) && to.After(bs) {
			return false
		}
	}
	return true
}

// ShiftCount is how many people to put on one shift on one day.
type ShiftCount struct {
	Template  string    `json:"template"`
	Start     time.Time `json:"start"`
	Count     int       `json:"count"`
	PaidHours float64   `json:"paid_hours"`
	Cost      float64   `json:"cost"`
}

// Coverage compares the staff scheduled in an interval with the staff
// required.
type Coverage struct {
	Start     time.Time `json:"start"`
	Required  int       `json:"required"`
	Scheduled int       `json:"scheduled"`
	// Over is scheduled beyond the requirement; Under is the shortfall
	// (only where no template works the interval).
	Over  int `json:"over"`
	Under int `json:"under"`
}

// Schedule is the least-cost choice of shifts covering a plan.
type Schedule struct {
	Shifts    []ShiftCount `json:"shifts"`
	Intervals []Coverage   `json:"intervals"`
	Cost      float64      `json:"cost"`
	PaidHours float64      `json:"paid_hours"`
	// Over and Under total the per-interval figures, in staff-intervals.
	Over  int `json:"over"`
	Under int `json:"under"`
	// Optimal reports whether Cost is proven minimal; LowerBound is the
	// proven floor when the search budget ran out first.
	Optimal    bool    `json:"optimal"`
	LowerBound float64 `json:"lower_bound"`
	Nodes      int     `json:"nodes"`
}

// ScheduleShifts chooses how many people to put on each template on each
// day so that every interval's Staff requirement is covered at least cost.
// Templates repeat every local day (in the location of the plan's
// interval starts) from the day before the plan, for overnight shifts,
// to its last day. Shrinkage in the plan should exclude the breaks the
// templates already model, or they are counted twice.
func ScheduleShifts(plan Plan, templates []ShiftTemplate, hourlyCost float64, opts CoverOptions) (Schedule, error) {
	if len(plan.Intervals) == 0 {
		return Schedule{}, errors.New("plan has no intervals")
	}
	if len(templates) == 0 {
		return Schedule{}, errors.New("no shift templates")
	}
	if math.IsNaN(hourlyCost) || math.IsInf(hourlyCost, 0) || hourlyCost < 0 {
		return Schedule{}, fmt.Errorf("hourly cost must be finite and non-negative, got %v", hourlyCost)
	}
	for _, t := range templates {
		if err := t.Validate(); err != nil {
			return Schedule{}, err
		}
		if t.HourlyCost == 0 && hourlyCost == 0 {
			return Schedule{}, fmt.Errorf("shift %q has no hourly cost and no default was given", t.Name)
		}
	}
	demand := plan.StaffRequired()
	first, last := plan.Intervals[0].Start, plan.Intervals[len(plan.Intervals)-1].Start
	loc := first.Location()
	y, m, d := first.In(loc).AddDate(0, 0, -1).Date()
	lastDay := midnight(last.In(loc))

	var shifts []ShiftCount
	var columns []CoverColumn
	for day := time.Date(y, m, d, 0, 0, 0, 0, loc); !day.After(lastDay); day = day.AddDate(0, 0, 1) {
		for _, t := range templates {
			start := day.Add(t.Start)
			covers := make([]bool, len(plan.Intervals))
			useful := false
			for i, ip := range plan.Intervals {
				covers[i] = t.onDuty(start, ip.Start, ip.Start.Add(plan.Length))
				useful = useful || covers[i]
			}
			if !useful {
				continue
			}
			rate := t.HourlyCost
			if rate == 0 {
				rate = hourlyCost
			}
			shifts = append(shifts, ShiftCount{Template: t.Name, Start: start, PaidHours: t.PaidHours(), Cost: t.PaidHours() * rate})
			columns = append(columns, CoverColumn{Cost: t.PaidHours() * rate, Covers: covers})
		}
	}
	sol, err := SolveCover(demand, columns, opts)
	if err != nil {
		return Schedule{}, fmt.Errorf("unable to choose shifts: %w", err)
	}
	s := Schedule{Optimal: sol.Optimal, LowerBound: sol.LowerBound, Nodes: sol.Nodes, Cost: sol.Cost}
	scheduled := make([]int, len(demand))
	for j, k := range sol.Counts {
		if k == 0 {
			continue
		}
		sc := shifts[j]
		sc.Count = k
		sc.PaidHours *= float64(k)
		sc.Cost *= float64(k)
		s.Shifts = append(s.Shifts, sc)
		s.PaidHours += sc.PaidHours
		for i, ok := range columns[j].Covers {
			if ok {
				scheduled[i] += k
			}
		}
	}
	s.Intervals = make([]Coverage, len(demand))
	for i, ip := range plan.Intervals {
		c := Coverage{Start: ip.Start, Required: demand[i], Scheduled: scheduled[i]}
		c.Over, c.Under = max(0, c.Scheduled-c.Required), max(0, c.Required-c.Scheduled)
		s.Over += c.Over
		s.Under += c.Under
		s.Intervals[i] = c
	}
	return s, nil
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// ReadShiftTemplates reads templates from JSON (the API encoding, an array
// of ShiftTemplate) when the input starts with '[', and otherwise from CSV:
//
//	name,start,length,breaks,hourly_cost
//	early,06:00,8h,2h+15m; 4h+30m unpaid,
//	late,14:00,8h,2h+15m; 4h+30m unpaid,21.5
//
// start is "15:04" or a duration after midnight, breaks are
// offset+length separated by ';' (" unpaid" marks an unpaid one), and an
// empty hourly cost uses the schedule's. The header is optional. Unlike a
// forecast, a bad template line fails the whole file: a missing shift
// changes the schedule silently.
func ReadShiftTemplates(r io.Reader) ([]ShiftTemplate, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("unable to read shift templates: %w", err)
	}
	if trimmed := strings.TrimSpace(string(data)); strings.HasPrefix(trimmed, "[") {
		var ts []ShiftTemplate
		if err := json.Unmarshal(data, &ts); err != nil {
			return nil, fmt.Errorf("unable to decode shift templates: %w", err)
		}
		for i, t := range ts {
			if err := t.Validate(); err != nil {
				return nil, fmt.Errorf("template %d: %w", i+1, err)
			}
		}
		return ts, nil
	}
	cr := csv.NewReader(strings.NewReader(string(data)))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var ts []ShiftTemplate
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("unable to read shift templates: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if first && len(rec) > 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "name") {
			continue
		}
		t, err := parseTemplateRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("shift templates line %d: %w", line, err)
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return nil, errors.New("no shift templates in file")
	}
	return ts, nil
}

func parseTemplateRecord(rec []string) (ShiftTemplate, error) {
	if len(rec) < 3 || len(rec) > 5 {
		return ShiftTemplate{}, fmt.Errorf("want 3 to 5 fields (name, start, length, breaks, hourly_cost), got %d", len(rec))
	}
	for len(rec) < 5 {
		rec = append(rec, "")
	}
	t := ShiftTemplate{Name: strings.TrimSpace(rec[0])}
	var err error
	if t.Start, err = parseTimeOfDay(strings.TrimSpace(rec[1])); err != nil {
		return ShiftTemplate{}, err
	}
	if t.Length, err = time.ParseDuration(strings.TrimSpace(rec[2])); err != nil {
		return ShiftTemplate{}, fmt.Errorf("length %q: want a duration such as 8h30m", rec[2])
	}
	for _, spec := range strings.Split(rec[3], ";") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		var b Break
		if rest, ok := strings.CutSuffix(spec, "unpaid"); ok {
			spec, b.Unpaid = strings.TrimSpace(rest), true
		}
		off, length, ok := strings.Cut(spec, "+")
		if !ok {
			return ShiftTemplate{}, fmt.Errorf("break %q: want offset+length such as 4h+30m", spec)
		}
		if b.Offset, err = time.ParseDuration(strings.TrimSpace(off)); err != nil {
			return ShiftTemplate{}, fmt.Errorf("break %q: offset: %w", spec, err)
		}
		if b.Length, err = time.ParseDuration(strings.TrimSpace(length)); err != nil {
			return ShiftTemplate{}, fmt.Errorf("break %q: length: %w", spec, err)
		}
		t.Breaks = append(t.Breaks, b)
	}
	if c := strings.TrimSpace(rec[4]); c != "" {
		if t.HourlyCost, err = strconv.ParseFloat(c, 64); err != nil {
			return ShiftTemplate{}, fmt.Errorf("hourly cost %q is not a number", c)
		}
	}
	return t, t.Validate()
}

// parseTimeOfDay reads "06:30" or a duration after midnight ("6h30m").
func parseTimeOfDay(s string) (time.Duration, error) {
	if t, err := time.Parse("15:04", s); err == nil {
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("start %q: want a time of day such as 06:30", s)
	}
	return d, nil
}
