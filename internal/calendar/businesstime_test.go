package calendar_test

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo

	"anchor/internal/calendar"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// span builds a Span from "HH:MM" strings.
func span(t testing.TB, start, end string) calendar.Span {
	t.Helper()
	s, err := calendar.ParseSpan(start, end)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// week returns hours with the same spans on each of the given days.
func week(days []time.Weekday, spans ...calendar.Span) calendar.WeeklyHours {
	var h calendar.WeeklyHours
	for _, d := range days {
		h[d] = append([]calendar.Span(nil), spans...)
	}
	return h
}

var monFri = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// at reads a local wall time in loc. Only for times that exist exactly once;
// DST edge cases are written in UTC.
func at(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func utc(t testing.TB, s string) time.Time { return at(t, time.UTC, s) }

// ukOffice is Mon–Fri 09:00–17:00 in London, closed on 2026-12-25 and every
// New Year's Day.
func ukOffice(t testing.TB) calendar.Calendar {
	return calendar.Calendar{
		Name:              "uk-office",
		Location:          mustLoad(t, "Europe/London"),
		Hours:             week(monFri, span(t, "09:00", "17:00")),
		Holidays:          []calendar.Date{{Year: 2026, Month: time.December, Day: 25}},
		RecurringHolidays: []calendar.MonthDay{{Month: time.January, Day: 1}},
	}
}

// nightShift is open on Sundays 00:00–04:00 (across the London clock
// change) and 09:00–17:00.
func nightShift(t testing.TB) calendar.Calendar {
	var h calendar.WeeklyHours
	h[time.Sunday] = []calendar.Span{span(t, "00:00", "04:00"), span(t, "09:00", "17:00")}
	return calendar.Calendar{Name: "night", Location: mustLoad(t, "Europe/London"), Hours: h}
}

func newYork(t testing.TB) calendar.Calendar {
	return calendar.Calendar{Name: "us-east", Location: mustLoad(t, "America/New_York"), Hours: week(monFri, span(t, "09:00", "17:00"))}
}

// lunchBreak is Mon–Fri 09:00–12:30 and 13:30–17:30 in Paris, the spans
// listed out of order on purpose.
func lunchBreak(t testing.TB) calendar.Calendar {
	return calendar.Calendar{Name: "fr-office", Location: mustLoad(t, "Europe/Paris"),
		Hours: week(monFri, span(t, "13:30", "17:30"), span(t, "09:00", "12:30"))}
}

// evening is open 20:00–24:00 Mon–Fri and on until 02:00 the next morning.
func evening(t testing.TB) calendar.Calendar {
	h := week(monFri, span(t, "20:00", "24:00"))
	for _, d := range []time.Weekday{time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday} {
		h[d] = append([]calendar.Span{span(t, "00:00", "02:00")}, h[d]...)
	}
	return calendar.Calendar{Name: "evening", Location: time.UTC, Hours: h}
}

// londonAllHours is open every instant in London, with a far-off holiday so
// that it takes the general day-by-day path instead of the 24/7 shortcut.
func londonAllHours(t testing.TB) calendar.Calendar {
	c := calendar.AlwaysOpen()
	c.Name, c.Location = "london-24x7", mustLoad(t, "Europe/London")
	c.Holidays = []calendar.Date{{Year: 2099, Month: time.January, Day: 5}}
	return c
}

func TestAdd(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	paris := mustLoad(t, "Europe/Paris")
	tests := []struct {
		name  string
		cal   calendar.Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"FridayIntoMonday", ukOffice(t), at(t, london, "2026-06-05 16:00"), 2 * time.Hour, at(t, london, "2026-06-08 10:00")},
		{"DueAtClosing", ukOffice(t), at(t, london, "2026-06-05 15:00"), 2 * time.Hour, at(t, london, "2026-06-05 17:00")},
		{"StartAtClosing", ukOffice(t), at(t, london, "2026-06-05 17:00"), time.Hour, at(t, london, "2026-06-08 10:00")},
		{"StartAtOpening", ukOffice(t), at(t, london, "2026-06-08 09:00"), 8 * time.Hour, at(t, london, "2026-06-08 17:00")},
		{"StartOnSaturday", ukOffice(t), at(t, london, "2026-06-06 12:00"), time.Hour, at(t, london, "2026-06-08 10:00")},
		{"ZeroWhileClosed", ukOffice(t), at(t, london, "2026-06-06 12:00"), 0, at(t, london, "2026-06-06 12:00")},
		{"ThreeBusinessDays", ukOffice(t), at(t, london, "2026-06-08 08:00"), 24 * time.Hour, at(t, london, "2026-06-10 17:00")},
		{"OverChristmas", ukOffice(t), at(t, london, "2026-12-24 16:00"), 2 * time.Hour, at(t, london, "2026-12-28 10:00")},
		{"OverRecurringNewYear", ukOffice(t), at(t, london, "2026-12-31 16:00"), 2 * time.Hour, at(t, london, "2027-01-04 10:00")},
		{"OverSpringForward", ukOffice(t), at(t, london, "2026-03-27 16:00"), 2 * time.Hour, at(t, london, "2026-03-30 10:00")},
		{"OverFallBack", ukOffice(t), at(t, london, "2026-10-23 16:00"), 2 * time.Hour, at(t, london, "2026-10-26 10:00")},
		// 00:00 GMT + 2h of real time is 02:00 UTC, which London calls 03:00.
		{"InsideSpringForwardSpan", nightShift(t), utc(t, "2026-03-29 00:00"), 2 * time.Hour, utc(t, "2026-03-29 02:00")},
		// 00:00 BST is 23:00 UTC; two real hours on it is 01:00 GMT, the second time London reads 01:00.
		{"InsideFallBackSpan", nightShift(t), utc(t, "2026-10-24 23:00"), 2 * time.Hour, utc(t, "2026-10-25 01:00")},
		{"FallBackSpanEnd", nightShift(t), utc(t, "2026-10-24 23:00"), 5 * time.Hour, utc(t, "2026-10-25 04:00")},
		{"NewYorkSpringForward", newYork(t), utc(t, "2026-03-06 21:00"), 2 * time.Hour, utc(t, "2026-03-09 14:00")},
		{"NewYorkFallBack", newYork(t), utc(t, "2026-10-30 20:00"), 2 * time.Hour, utc(t, "2026-11-02 15:00")},
		{"ThroughLunch", lunchBreak(t), at(t, paris, "2026-06-08 11:00"), 2 * time.Hour, at(t, paris, "2026-06-08 14:00")},
		{"DueAtLunch", lunchBreak(t), at(t, paris, "2026-06-08 11:00"), 90 * time.Minute, at(t, paris, "2026-06-08 12:30")},
		{"StartInLunch", lunchBreak(t), at(t, paris, "2026-06-08 12:45"), 30 * time.Minute, at(t, paris, "2026-06-08 14:00")},
		{"AcrossMidnightSpan", evening(t), utc(t, "2026-06-08 23:00"), 2 * time.Hour, utc(t, "2026-06-09 01:00")},
		{"AlwaysOpen", calendar.AlwaysOpen(), utc(t, "2026-06-06 12:00"), 30 * time.Hour, utc(t, "2026-06-07 18:00")},
		{"AllHoursOverSpringForward", londonAllHours(t), utc(t, "2026-03-28 12:00"), 24 * time.Hour, utc(t, "2026-03-29 12:00")},
		{"SubSecond", ukOffice(t), at(t, london, "2026-06-08 16:59").Add(59*time.Second + 500*time.Millisecond), time.Second,
			at(t, london, "2026-06-09 09:00").Add(500 * time.Millisecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cal.Add(tt.start, tt.d)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("Add(%v, %v) = %v, want %v", tt.start, tt.d, got, tt.want)
			}
			if back := tt.cal.Between(tt.start, got); back != tt.d {
				t.Errorf("Between(%v, %v) = %v, want %v", tt.start, got, back, tt.d)
			}
		})
	}
}

func TestAddResultInStartLocation(t *testing.T) {
	start := at(t, mustLoad(t, "Asia/Tokyo"), "2026-06-08 12:00")
	got, err := ukOffice(t).Add(start, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got.Location() != start.Location() {
		t.Errorf("Add result in %v, want %v", got.Location(), start.Location())
	}
}

func TestAddErrors(t *testing.T) {
	start := utc(t, "2026-06-08 12:00")
	t.Run("Negative", func(t *testing.T) {
		if _, err := ukOffice(t).Add(start, -time.Second); err == nil {
			t.Error("got nil error, want one for a negative duration")
		}
	})
	t.Run("ErrNeverOpen", func(t *testing.T) {
		closed := calendar.Calendar{Name: "closed", Location: time.UTC}
		if _, err := closed.Add(start, time.Hour); !errors.Is(err, calendar.ErrNeverOpen) {
			t.Errorf("Add on a calendar with no hours: got %v, want ErrNeverOpen", err)
		}
		if _, err := closed.NextOpen(start); !errors.Is(err, calendar.ErrNeverOpen) {
			t.Errorf("NextOpen on a calendar with no hours: got %v, want ErrNeverOpen", err)
		}
		if got := closed.Between(start, start.Add(1000*time.Hour)); got != 0 {
			t.Errorf("Between on a calendar with no hours = %v, want 0", got)
		}
	})
}

func TestBetween(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	paris := mustLoad(t, "Europe/Paris")
	tests := []struct {
		name string
		cal  calendar.Calendar
		a, b time.Time
		want time.Duration
	}{
		{"Empty", ukOffice(t), at(t, london, "2026-06-08 10:00"), at(t, london, "2026-06-08 10:00"), 0},
		{"Reversed", ukOffice(t), at(t, london, "2026-06-08 12:00"), at(t, london, "2026-06-08 10:00"), 0},
		{"WithinSpan", ukOffice(t), at(t, london, "2026-06-08 10:15"), at(t, london, "2026-06-08 11:00"), 45 * time.Minute},
		{"OverWeekend", ukOffice(t), at(t, london, "2026-06-05 16:00"), at(t, london, "2026-06-08 10:00"), 2 * time.Hour},
		{"WholeWeek", ukOffice(t), at(t, london, "2026-06-08 00:00"), at(t, london, "2026-06-15 00:00"), 40 * time.Hour},
		{"ChristmasWeek", ukOffice(t), at(t, london, "2026-12-21 00:00"), at(t, london, "2026-12-28 00:00"), 32 * time.Hour},
		// 2026 has 261 weekdays; 01-01 (Thu) and 12-25 (Fri) are holidays.
		{"Year2026", ukOffice(t), at(t, london, "2026-01-01 00:00"), at(t, london, "2027-01-01 00:00"), 259 * 8 * time.Hour},
		{"SpringForwardWeek", ukOffice(t), at(t, london, "2026-03-27 09:00"), at(t, london, "2026-03-30 17:00"), 16 * time.Hour},
		// Sunday 00:00–04:00 loses an hour to the clocks; 09:00–17:00 keeps 8.
		{"SpringForwardSunday", nightShift(t), utc(t, "2026-03-28 00:00"), utc(t, "2026-03-30 00:00"), 11 * time.Hour},
		{"FallBackSunday", nightShift(t), utc(t, "2026-10-24 00:00"), utc(t, "2026-10-26 00:00"), 13 * time.Hour},
		{"OrdinarySunday", nightShift(t), utc(t, "2026-06-06 00:00"), utc(t, "2026-06-08 00:00"), 12 * time.Hour},
		// The span is 00:00-03:00 UTC in real time; the clocks skip 01:00-02:00.
		{"PartOfSpringForwardSpan", nightShift(t), utc(t, "2026-03-29 00:30"), utc(t, "2026-03-29 02:00"), 90 * time.Minute},
		// The hour 01:00–02:00 happens twice; both count.
		{"RepeatedHour", nightShift(t), utc(t, "2026-10-25 00:00"), utc(t, "2026-10-25 01:30"), 90 * time.Minute},
		{"NewYorkSpringForward", newYork(t), utc(t, "2026-03-06 14:00"), utc(t, "2026-03-09 21:00"), 16 * time.Hour},
		{"NewYorkFallBack", newYork(t), utc(t, "2026-10-30 13:00"), utc(t, "2026-11-02 22:00"), 16 * time.Hour},
		{"LunchBreak", lunchBreak(t), at(t, paris, "2026-06-08 12:00"), at(t, paris, "2026-06-08 14:00"), time.Hour},
		{"LunchDay", lunchBreak(t), at(t, paris, "2026-06-08 00:00"), at(t, paris, "2026-06-09 00:00"), 7*time.Hour + 30*time.Minute},
		{"AcrossMidnight", evening(t), utc(t, "2026-06-08 22:00"), utc(t, "2026-06-09 01:00"), 3 * time.Hour},
		{"AlwaysOpen", calendar.AlwaysOpen(), utc(t, "2026-01-01 00:00"), utc(t, "2036-01-01 00:00"), 3652 * 24 * time.Hour},
		{"AllHoursOverFallBack", londonAllHours(t), utc(t, "2026-10-24 00:00"), utc(t, "2026-10-27 00:00"), 72 * time.Hour},
		{"SubSecond", ukOffice(t), at(t, london, "2026-06-08 09:00").Add(-time.Second / 2), at(t, london, "2026-06-08 09:00").Add(time.Second / 4), time.Second / 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.Between(tt.a, tt.b); got != tt.want {
				t.Errorf("Between(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// Spans whose ends fall where the clocks jump follow the documented rules:
// a time in the gap is the instant of the jump, a repeated time is its first
// occurrence.
func TestSpanEdgesInClockChanges(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	sunday := func(start, end string) calendar.Calendar {
		var h calendar.WeeklyHours
		h[time.Sunday] = []calendar.Span{span(t, start, end)}
		return calendar.Calendar{Name: "edge", Location: london, Hours: h}
	}
	tests := []struct {
		name       string
		cal        calendar.Calendar
		a, b       time.Time
		want       time.Duration
		openAt     time.Time
		wantOpenAt bool
	}{
		// 01:30 does not exist on 2026-03-29: the span opens at the jump (01:00 UTC).
		{"StartInGap", sunday("01:30", "03:00"), utc(t, "2026-03-28 12:00"), utc(t, "2026-03-29 12:00"), time.Hour, utc(t, "2026-03-29 01:00"), true},
		{"WhollyInGap", sunday("01:15", "01:45"), utc(t, "2026-03-28 12:00"), utc(t, "2026-03-29 12:00"), 0, utc(t, "2026-03-29 01:00"), false},
		// 01:30 happens twice on 2026-10-25: the span ends at the first (00:30 UTC).
		{"EndInOverlap", sunday("00:00", "01:30"), utc(t, "2026-10-24 12:00"), utc(t, "2026-10-25 12:00"), 90 * time.Minute, utc(t, "2026-10-25 01:15"), false},
		{"StartInOverlap", sunday("01:30", "03:00"), utc(t, "2026-10-24 12:00"), utc(t, "2026-10-25 12:00"), 150 * time.Minute, utc(t, "2026-10-25 00:30"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.Between(tt.a, tt.b); got != tt.want {
				t.Errorf("Between = %v, want %v", got, tt.want)
			}
			if got := tt.cal.IsOpen(tt.openAt); got != tt.wantOpenAt {
				t.Errorf("IsOpen(%v) = %v, want %v", tt.openAt, got, tt.wantOpenAt)
			}
		})
	}
}

func TestIsOpenAndNextOpen(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	paris := mustLoad(t, "Europe/Paris")
	tests := []struct {
		name     string
		cal      calendar.Calendar
		t        time.Time
		wantOpen bool
		wantNext time.Time
	}{
		{"Open", ukOffice(t), at(t, london, "2026-06-08 10:00"), true, at(t, london, "2026-06-08 10:00")},
		{"AtOpening", ukOffice(t), at(t, london, "2026-06-08 09:00"), true, at(t, london, "2026-06-08 09:00")},
		{"AtClosing", ukOffice(t), at(t, london, "2026-06-08 17:00"), false, at(t, london, "2026-06-09 09:00")},
		{"Weekend", ukOffice(t), at(t, london, "2026-06-06 10:00"), false, at(t, london, "2026-06-08 09:00")},
		{"Holiday", ukOffice(t), at(t, london, "2026-12-25 10:00"), false, at(t, london, "2026-12-28 09:00")},
		{"RecurringHoliday", ukOffice(t), at(t, london, "2030-01-01 10:00"), false, at(t, london, "2030-01-02 09:00")},
		{"Lunch", lunchBreak(t), at(t, paris, "2026-06-08 13:00"), false, at(t, paris, "2026-06-08 13:30")},
		{"RepeatedHour", nightShift(t), utc(t, "2026-10-25 01:30"), true, utc(t, "2026-10-25 01:30")},
		{"AfterMidnight", evening(t), utc(t, "2026-06-09 01:59"), true, utc(t, "2026-06-09 01:59")},
		{"AlwaysOpen", calendar.AlwaysOpen(), utc(t, "2026-06-06 03:00"), true, utc(t, "2026-06-06 03:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.IsOpen(tt.t); got != tt.wantOpen {
				t.Errorf("IsOpen(%v) = %v, want %v", tt.t, got, tt.wantOpen)
			}
			got, err := tt.cal.NextOpen(tt.t)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.wantNext) {
				t.Errorf("NextOpen(%v) = %v, want %v", tt.t, got, tt.wantNext)
			}
		})
	}
}

// Times from time.Now carry a monotonic reading; it must not change results.
func TestMonotonicReadingIgnored(t *testing.T) {
	now := time.Now()
	later := now.Add(90 * time.Minute)
	c := calendar.AlwaysOpen()
	if got := c.Between(now, later); got != 90*time.Minute {
		t.Errorf("Between = %v, want 1h30m", got)
	}
	if got := londonAllHours(t).Between(now, later); got != 90*time.Minute {
		t.Errorf("Between on the day-by-day path = %v, want 1h30m", got)
	}
}

func BenchmarkAdd(b *testing.B) {
	c := ukOffice(b)
	start := at(b, c.Location, "2026-06-05 16:00")
	for b.Loop() {
		if _, err := c.Add(start, 3*8*time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBetween(b *testing.B) {
	c := ukOffice(b)
	a := at(b, c.Location, "2026-10-01 10:00")
	end := a.AddDate(0, 0, 90)
	for b.Loop() {
		c.Between(a, end)
	}
}

func BenchmarkBetweenYear(b *testing.B) {
	c := ukOffice(b)
	a := at(b, c.Location, "2026-01-01 00:00")
	end := a.AddDate(1, 0, 0)
	for b.Loop() {
		c.Between(a, end)
	}
}
