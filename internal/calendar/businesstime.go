package calendar

import (
	"fmt"
	"slices"
	"time"
)

const secondsPerDay = 24 * 60 * 60

// maxClosedDays bounds the search for the next opening in Add and NextOpen:
// 400 years, one full Gregorian cycle, after which a calendar that has not
// opened never will (weekdays and yearly dates repeat exactly). It is far
// beyond any real closure, and keeps a bad calendar from hanging the caller.
const maxClosedDays = 146097

// Between returns the business time in [a, b): how much of that interval
// falls in the calendar's opening hours. It is 0 when b is not after a. It is
// exact (to the nanosecond) across days, weekends, holidays and clock changes,
// and additive: Between(a, b) + Between(b, c) == Between(a, c) for a ≤ b ≤ c.
//
// It walks the local days of the interval, about 45ns a day (a year is
// ~365 short steps; the 24/7 calendar is answered directly as b − a). Like
// time.Duration it cannot express more than ~292 years of business time.
func (c Calendar) Between(a, b time.Time) time.Duration {
	// Monotonic clock readings would make b.Sub(a) disagree with the wall
	// instants the spans are measured in.
	a, b = a.Round(0), b.Round(0)
	if !a.Before(b) {
		return 0
	}
	p := c.plan()
	if p.always {
		return b.Sub(a)
	}
	// Two days past b's local date: intervals are in time order, so the loop
	// stops at the first one starting at or after b; the bound only cuts
	// short a run of closed days.
	cur := p.cursor(p.localDay(a), p.localDay(b)+2, false)
	var total time.Duration
	for {
		s, e, ok := cur.next()
		if !ok || !s.Before(b) {
			return total
		}
		if !e.After(a) {
			continue
		}
		total += earlier(e, b).Sub(later(s, a))
	}
}

// Add returns the earliest instant at which d of business time has elapsed
// since start, so that Between(start, due) == d: the due time of a target of
// d business time. Counting begins at start if the calendar is open then, and
// at the next opening otherwise.
//
// Because it is the earliest such instant, a target that runs out exactly at
// closing time is due at closing time (Friday 15:00 + 2h on a 09:00–17:00
// calendar is Friday 17:00, not Monday 09:00), and Add(start, 0) is start
// itself, open or not: nothing is owed, so nothing waits for the opening.
//
// The result is in start's location. A negative d is an error, as is a
// calendar with no opening in 400 years (ErrNeverOpen).
func (c Calendar) Add(start time.Time, d time.Duration) (time.Time, error) {
	start = start.Round(0)
	if d < 0 {
		return time.Time{}, fmt.Errorf("calendar: negative business time %v", d)
	}
	if d == 0 {
		return start, nil
	}
	p := c.plan()
	if p.always {
		return start.Add(d), nil
	}
	day := p.localDay(start)
	cur := p.cursor(day, day+maxClosedDays, true)
	for {
		s, e, ok := cur.next()
		if !ok {
			return time.Time{}, ErrNeverOpen
		}
		if !e.After(start) {
			continue
		}
		s = later(s, start)
		avail := e.Sub(s)
		if d <= avail {
			return s.Add(d).In(start.Location()), nil
		}
		d -= avail
	}
}

// IsOpen reports whether the calendar is open at t: whether t lies in one of
// the intervals that Between counts, so that the two always agree.
func (c Calendar) IsOpen(t time.Time) bool {
	t = t.Round(0)
	p := c.plan()
	if p.always {
		return true
	}
	cur := p.cursor(p.localDay(t), p.localDay(t)+2, false)
	for {
		s, e, ok := cur.next()
		if !ok || s.After(t) {
			return false
		}
		if e.After(t) {
			return true
		}
	}
}

// NextOpen returns t if the calendar is open at t, and otherwise the instant
// it next opens, in t's location: when work on something that arrived out of
// hours can start. It returns ErrNeverOpen for a calendar with no opening
// in 400 years.
func (c Calendar) NextOpen(t time.Time) (time.Time, error) {
	t = t.Round(0)
	p := c.plan()
	if p.always {
		return t, nil
	}
	day := p.localDay(t)
	cur := p.cursor(day, day+maxClosedDays, true)
	for {
		s, e, ok := cur.next()
		if !ok {
			return time.Time{}, ErrNeverOpen
		}
		if e.After(t) {
			return later(s, t).In(t.Location()), nil
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// plan is a Calendar prepared for one computation: zone resolved, spans
// sorted, recurring holidays as a bitmap. It is rebuilt per call (a few
// dozen nanoseconds, and no allocation when spans are in order, as decoding
// leaves them) so that Calendar stays a plain value that can be built as a
// literal.
type plan struct {
	loc       *time.Location
	week      [7][]Span
	fixed     []Date
	recurring [13]uint32 // bit d of recurring[m] closes day d of month m
	holidays  bool
	always    bool // every instant is open: business time is elapsed time
}

func cmpSpan(a, b Span) int { return int(a.Start) - int(b.Start) }

func (c Calendar) plan() plan {
	p := plan{loc: c.Location, fixed: c.Holidays}
	if p.loc == nil {
		p.loc = time.UTC
	}
	for _, md := range c.RecurringHolidays {
		if md.valid() {
			p.recurring[md.Month] |= 1 << md.Day
			p.holidays = true
		}
	}
	p.holidays = p.holidays || len(c.Holidays) > 0
	p.always = !p.holidays
	for wd, spans := range c.Hours {
		// Validate accepts spans in any order; Add needs them in order.
		if !slices.IsSortedFunc(spans, cmpSpan) {
			spans = slices.SortedFunc(slices.Values(spans), cmpSpan)
		}
		p.week[wd] = spans
		p.always = p.always && coversDay(spans)
	}
	return p
}

// coversDay reports whether sorted spans leave no gap in 00:00–24:00. Such a
// day's intervals join the next day's at local midnight, whatever the zone,
// so a week of them is open at every instant.
func coversDay(spans []Span) bool {
	var reached Clock
	for _, s := range spans {
		if s.Start > reached {
			return false
		}
		if s.End > reached {
			reached = s.End
		}
	}
	return reached >= EndOfDay
}

// localDay returns the calendar's local date at t as a day number (days since
// 1970-01-01). Days before it have no open time at or after t.
func (p *plan) localDay(t time.Time) int64 {
	_, off := t.In(p.loc).Zone()
	return floorDiv(t.Unix()+int64(off), secondsPerDay)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// weekday of a day number; 1970-01-01 was a Thursday.
func weekday(day int64) time.Weekday {
	return time.Weekday(((day+int64(time.Thursday))%7 + 7) % 7)
}

// closed reports whether the local day has no spans, or is a holiday.
func (p *plan) closed(day int64) bool {
	if len(p.week[weekday(day)]) == 0 {
		return true
	}
	if !p.holidays {
		return false
	}
	y, m, d := time.Unix(day*secondsPerDay, 0).UTC().Date()
	if p.recurring[m]&(1<<d) != 0 {
		return true
	}
	for _, h := range p.fixed {
		if h.Day == d && h.Month == m && h.Year == y {
			return true
		}
	}
	return false
}

// cursor yields the calendar's open intervals in time order, from a given
// local day on, skipping empty ones.
type cursor struct {
	p     plan  // by value: a pointer would move the plan to the heap
	day   int64 // next day to expand
	last  int64 // last day to expand
	slide bool  // push last forward whenever an interval is found
	dm    dayMap
	spans []Span // spans of the day being expanded not yet yielded
}

func (p *plan) cursor(from, last int64, slide bool) cursor {
	return cursor{p: *p, day: from, last: last, slide: slide}
}

// next returns the next non-empty open interval [s, e), or ok false when the
// days up to last hold no more.
func (cu *cursor) next() (s, e time.Time, ok bool) {
	for {
		for len(cu.spans) > 0 {
			sp := cu.spans[0]
			cu.spans = cu.spans[1:]
			si, ei := cu.dm.at(sp.Start), cu.dm.at(sp.End)
			if si < ei {
				if cu.slide {
					cu.last = cu.day + maxClosedDays
				}
				return time.Unix(si, 0), time.Unix(ei, 0), true
			}
		}
		if cu.day > cu.last {
			return time.Time{}, time.Time{}, false
		}
		d := cu.day
		cu.day++
		if cu.p.closed(d) {
			continue
		}
		cu.dm = newDayMap(cu.p.loc, d)
		cu.spans = cu.p.week[weekday(d)]
	}
}

// dayMap turns wall-clock times of one local day into instants (Unix
// seconds).
type dayMap struct {
	loc    *time.Location
	wall   int64 // the day's 00:00 as seconds since 1970-01-01T00:00, read as UTC
	base   int64 // the instant of the day's 00:00
	linear bool  // no clock change this day: clock c is at base + c
}

func newDayMap(loc *time.Location, day int64) dayMap {
	wall := day * secondsPerDay
	base, end, bounded, exact := resolve(loc, wall)
	// Linear when midnight exists and one UTC offset holds through 24:00.
	return dayMap{loc: loc, wall: wall, base: base, linear: exact && (!bounded || base+secondsPerDay < end)}
}

func (m dayMap) at(c Clock) int64 {
	if m.linear {
		return m.base + int64(c)
	}
	t, _, _, _ := resolve(m.loc, m.wall+int64(c))
	return t
}

// resolve returns the earliest instant whose local wall clock in loc reads
// w or later (w in seconds since 1970-01-01T00:00, read as UTC). A wall time
// in a spring-forward gap resolves to the instant of the jump; one in a
// fall-back overlap to its first occurrence. Being the earliest instant at or
// past w, it never decreases as w grows, which keeps a day's intervals in
// order and disjoint. It also returns the end of the zone period the instant
// lies in (bounded false if that period never ends) and whether the wall
// clock reads exactly w there.
//
// time.Date is not used because it leaves the choice in gaps and overlaps
// unspecified.
func resolve(loc *time.Location, w int64) (t, end int64, bounded, exact bool) {
	// No UTC offset reaches a day, so no instant before w−1 day reads w.
	x := time.Unix(w-secondsPerDay, 0).In(loc)
	for {
		_, off := x.Zone()
		start, stop := x.ZoneBounds()
		t = w - int64(off)
		exact = true
		if !start.IsZero() && t < start.Unix() {
			t, exact = start.Unix(), false
		}
		if stop.IsZero() {
			return t, 0, false, exact
		}
		if t < stop.Unix() {
			return t, stop.Unix(), true, exact
		}
		x = stop
	}
}
