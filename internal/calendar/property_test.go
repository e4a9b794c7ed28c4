package calendar_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"anchor/internal/calendar"
)

// zoneSpec is a zone for generated calendars, with the open interval of wall
// clock times that its fall-back changes repeat. The wall-clock oracle below
// reads a repeated time as both occurrences, the package as the first, so
// generated span edges stay out of that interval; everywhere else the two
// definitions must agree exactly.
type zoneSpec struct {
	name           string
	repeatFrom, to calendar.Clock
}

var zones = []zoneSpec{
	{"UTC", 0, 0},
	{"Asia/Kolkata", 0, 0},
	{"Europe/London", calendar.At(1, 0), calendar.At(2, 0)},
	{"Europe/Paris", calendar.At(2, 0), calendar.At(3, 0)},
	{"America/New_York", calendar.At(1, 0), calendar.At(2, 0)},
	{"Australia/Lord_Howe", calendar.At(1, 30), calendar.At(2, 0)}, // half-hour changes
	{"America/Sao_Paulo", calendar.At(23, 0), calendar.EndOfDay},   // changed at midnight until 2019
	{"Pacific/Apia", calendar.At(3, 0), calendar.At(4, 0)},         // skipped 2011-12-30 entirely
}

// randomCalendar builds a valid calendar with 0–3 spans a day on a
// quarter-hour grid, and a few holidays.
func randomCalendar(t testing.TB, rng *rand.Rand) calendar.Calendar {
	z := zones[rng.IntN(len(zones))]
	var grid []calendar.Clock
	for c := calendar.Clock(0); c <= calendar.EndOfDay; c += 15 * 60 {
		if !(c > z.repeatFrom && c < z.to) {
			grid = append(grid, c)
		}
	}
	c := calendar.Calendar{Name: "random", Location: mustLoad(t, z.name)}
	for wd := range c.Hours {
		switch n := rng.IntN(5); n {
		case 0: // closed
		case 4:
			c.Hours[wd] = []calendar.Span{{Start: 0, End: calendar.EndOfDay}}
		default:
			idx := rng.Perm(len(grid))[:2*n]
			slices.Sort(idx)
			for i := 0; i < len(idx); i += 2 {
				c.Hours[wd] = append(c.Hours[wd], calendar.Span{Start: grid[idx[i]], End: grid[idx[i+1]]})
			}
		}
	}
	if slices.IndexFunc(c.Hours[:], func(s []calendar.Span) bool { return len(s) > 0 }) < 0 {
		c.Hours[time.Wednesday] = []calendar.Span{{Start: calendar.At(9, 0), End: calendar.At(17, 0)}}
	}
	for range rng.IntN(4) {
		d := time.Date(2010+rng.IntN(21), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		c.Holidays = append(c.Holidays, calendar.Date{Year: d.Year(), Month: d.Month(), Day: d.Day()})
		c.RecurringHolidays = append(c.RecurringHolidays, calendar.MonthDay{Month: time.Month(1 + rng.IntN(12)), Day: 1 + rng.IntN(29)})
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("generated an invalid calendar: %v", err)
	}
	return c
}

// transitions lists the instants at which loc changes offset in 2010–2030,
// so that generated times cluster where bugs live.
func transitions(loc *time.Location) []time.Time {
	var out []time.Time
	end := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	for t := time.Date(2010, 1, 1, 0, 0, 0, 0, loc); t.Before(end); {
		_, next := t.ZoneBounds()
		if next.IsZero() {
			break
		}
		out = append(out, next)
		t = next
	}
	return out
}

// randomInstant is a time in 2010–2030, near a clock change half the time.
func randomInstant(rng *rand.Rand, loc *time.Location) time.Time {
	if tr := transitions(loc); len(tr) > 0 && rng.IntN(2) == 0 {
		return tr[rng.IntN(len(tr))].Add(time.Duration(rng.Int64N(int64(96*time.Hour))) - 72*time.Hour)
	}
	base := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	return base.Add(time.Duration(rng.Int64N(int64(21 * 365 * 24 * time.Hour))))
}

// oracleOpen is the definition of opening hours from first principles: t is
// open when its local date is no holiday and its local clock time is in one
// of that weekday's spans.
func oracleOpen(c calendar.Calendar, t time.Time) bool {
	lt := t.In(c.Location)
	y, m, d := lt.Date()
	if slices.Contains(c.Holidays, calendar.Date{Year: y, Month: m, Day: d}) ||
		slices.Contains(c.RecurringHolidays, calendar.MonthDay{Month: m, Day: d}) {
		return false
	}
	clock := calendar.Clock(lt.Hour()*3600 + lt.Minute()*60 + lt.Second())
	for _, s := range c.Hours[lt.Weekday()] {
		if s.Start <= clock && clock < s.End {
			return true
		}
	}
	return false
}

// Between agrees with counting minute by minute (span edges and clock
// changes fall on whole minutes), near clock changes and elsewhere.
func TestBetweenMatchesMinuteByMinute(t *testing.T) {
	rng := rand.New(rand.NewPCG(20260329, 1))
	cases := 300
	if testing.Short() {
		cases = 30
	}
	for range cases {
		c := randomCalendar(t, rng)
		a := randomInstant(rng, c.Location).Truncate(time.Minute)
		b := a.Add(time.Duration(rng.IntN(4*24*60)) * time.Minute)
		var want time.Duration
		for m := a; m.Before(b); m = m.Add(time.Minute) {
			if oracleOpen(c, m) {
				want += time.Minute
			}
		}
		if got := c.Between(a, b); got != want {
			t.Fatalf("%s %v: Between(%v, %v) = %v, minute count %v", c.Location, c.Hours, a, b, got, want)
		}
	}
}

func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fixed := []calendar.Calendar{ukOffice(t), nightShift(t), newYork(t), lunchBreak(t), evening(t), calendar.AlwaysOpen(), londonAllHours(t)}
	for i := range 3000 {
		c := fixed[i%len(fixed)]
		if i%2 == 1 {
			c = randomCalendar(t, rng)
		}
		a := randomInstant(rng, c.Location)
		if rng.IntN(4) == 0 {
			a = a.Truncate(time.Second) // often land exactly on span edges
		}
		d := time.Duration(rng.Int64N(int64(10 * 24 * time.Hour)))
		b := a.Add(time.Duration(rng.Int64N(int64(40 * 24 * time.Hour))))
		m := a.Add(time.Duration(rng.Int64N(int64(b.Sub(a)) + 1)))
		checkProperties(t, c, a, b, m, d)
	}
}

// checkProperties asserts what SLA code relies on, for a ≤ m ≤ b.
func checkProperties(t *testing.T, c calendar.Calendar, a, b, m time.Time, d time.Duration) {
	t.Helper()
	due, err := c.Add(a, d)
	if err != nil {
		t.Fatalf("%s: Add(%v, %v): %v", c.Name, a, d, err)
	}
	if got := c.Between(a, due); got != d {
		t.Fatalf("%s %v: Between(%v, Add(%v, %v) = %v) = %v", c.Name, c.Location, a, a, d, due, got)
	}
	if d > 0 {
		// Earliest: a nanosecond sooner, the target is not yet met.
		if got := c.Between(a, due.Add(-1)); got >= d {
			t.Fatalf("%s: Add(%v, %v) = %v is not the earliest: Between up to 1ns before = %v", c.Name, a, d, due, got)
		}
	}
	ab, am, mb := c.Between(a, b), c.Between(a, m), c.Between(m, b)
	if am+mb != ab {
		t.Fatalf("%s %v: Between(a,m)+Between(m,b) = %v+%v != Between(a,b) = %v (a=%v m=%v b=%v)", c.Name, c.Location, am, mb, ab, a, m, b)
	}
	if ab < 0 || ab > b.Sub(a) {
		t.Fatalf("%s: Between(%v, %v) = %v outside [0, %v]", c.Name, a, b, ab, b.Sub(a))
	}
	if got := c.Between(b, a); b.After(a) && got != 0 {
		t.Fatalf("%s: Between(b, a) = %v, want 0", c.Name, got)
	}
	// Span edges and clock changes fall on whole seconds.
	s := a.Truncate(time.Second)
	if open, second := c.IsOpen(s), c.Between(s, s.Add(time.Second)); open != (second == time.Second) {
		t.Fatalf("%s %v: IsOpen(%v) = %v but Between over the next second = %v", c.Name, c.Location, s, open, second)
	}
	next, err := c.NextOpen(a)
	if err != nil {
		t.Fatalf("%s: NextOpen(%v): %v", c.Name, a, err)
	}
	if next.Before(a) || !c.IsOpen(next) || c.Between(a, next) != 0 {
		t.Fatalf("%s %v: NextOpen(%v) = %v: want a later open instant with no business time before it", c.Name, c.Location, a, next)
	}
	if d > 0 && due.Before(next) {
		t.Fatalf("%s: Add(%v, %v) = %v is before the next opening %v", c.Name, a, d, due, next)
	}
}

func FuzzBetweenAdd(f *testing.F) {
	fixed := []calendar.Calendar{ukOffice(f), nightShift(f), newYork(f), lunchBreak(f), evening(f), calendar.AlwaysOpen(), londonAllHours(f)}
	f.Add(uint8(0), int64(1780671600), int64(2*time.Hour), int64(72*time.Hour), int64(0))     // a Friday in June 2026
	f.Add(uint8(1), int64(1774738800), int64(3*time.Hour), int64(48*time.Hour), int64(7))     // London spring forward
	f.Add(uint8(1), int64(1792882800), int64(5*time.Hour), int64(48*time.Hour), int64(11))    // London fall back
	f.Add(uint8(2), int64(1772830800), int64(16*time.Hour), int64(96*time.Hour), int64(13))   // New York spring forward
	f.Add(uint8(7), int64(1325152800), int64(30*time.Hour), int64(30*24*time.Hour), int64(5)) // Apia's missing day
	base := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	const years60 = int64(60 * 365 * 24 * time.Hour / time.Second)
	f.Fuzz(func(t *testing.T, which uint8, startUnix, d, width, seed int64) {
		var c calendar.Calendar
		if int(which) < len(fixed) {
			c = fixed[which]
		} else {
			c = randomCalendar(t, rand.New(rand.NewPCG(uint64(seed), uint64(which))))
		}
		// Keep to 1990–2050 and durations to 60 days: SLA ranges, not the
		// limits of time.Duration.
		a := base.Add(time.Duration(((startUnix-base.Unix())%years60+years60)%years60) * time.Second).Add(time.Duration(seed % int64(time.Second)))
		const limit = int64(60 * 24 * time.Hour)
		d = (d%limit + limit) % limit
		width = (width%limit + limit) % limit
		b := a.Add(time.Duration(width))
		m := a.Add(time.Duration(width / 3))
		checkProperties(t, c, a, b, m, time.Duration(d))
	})
}
