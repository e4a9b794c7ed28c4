package calendar_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"anchor/internal/calendar"
)

func TestParseClock(t *testing.T) {
	good := map[string]calendar.Clock{
		"00:00": 0, "09:00": calendar.At(9, 0), "17:30": calendar.At(17, 30),
		"23:59:59": calendar.EndOfDay - 1, "24:00": calendar.EndOfDay, "24:00:00": calendar.EndOfDay,
	}
	for s, want := range good {
		got, err := calendar.ParseClock(s)
		if err != nil || got != want {
			t.Errorf("ParseClock(%q) = %v, %v; want %v, nil", s, got, err, want)
		}
	}
	for _, s := range []string{"", "9:00", "09:0", "09.00", "24:01", "25:00", "12:60", "12:00:60", "ab:cd", "12:00:0", "12:00-00", " 9:00"} {
		if _, err := calendar.ParseClock(s); err == nil {
			t.Errorf("ParseClock(%q): got nil error, want one", s)
		}
	}
	for _, c := range []calendar.Clock{0, calendar.At(9, 5), calendar.At(9, 5) + 7, calendar.EndOfDay} {
		if back, err := calendar.ParseClock(c.String()); err != nil || back != c {
			t.Errorf("ParseClock(%q) = %v, %v; want %v", c.String(), back, err, c)
		}
	}
}

func TestParseDates(t *testing.T) {
	if d, err := calendar.ParseDate("2028-02-29"); err != nil || d != (calendar.Date{Year: 2028, Month: time.February, Day: 29}) {
		t.Errorf("ParseDate(2028-02-29) = %v, %v", d, err)
	}
	for _, s := range []string{"2026-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-12-25T00:00"} {
		if _, err := calendar.ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q): got nil error, want one", s)
		}
	}
	if md, err := calendar.ParseMonthDay("02-29"); err != nil || md != (calendar.MonthDay{Month: time.February, Day: 29}) {
		t.Errorf("ParseMonthDay(02-29) = %v, %v", md, err)
	}
	for _, s := range []string{"02-30", "13-01", "1-01", "12/25", "2026-12-25"} {
		if _, err := calendar.ParseMonthDay(s); err == nil {
			t.Errorf("ParseMonthDay(%q): got nil error, want one", s)
		}
	}
}

// fields returns the field paths of a *ValidationError, or fails.
func fields(t *testing.T, err error) []string {
	t.Helper()
	var v *calendar.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("got error %v (%T), want *ValidationError", err, err)
	}
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, c := range []calendar.Calendar{ukOffice(t), nightShift(t), newYork(t), lunchBreak(t), evening(t), calendar.AlwaysOpen()} {
			if err := c.Validate(); err != nil {
				t.Errorf("%s: %v", c.Name, err)
			}
		}
	})
	london := mustLoad(t, "Europe/London")
	tests := []struct {
		name   string
		edit   func(c *calendar.Calendar)
		fields []string
	}{
		{"NoName", func(c *calendar.Calendar) { c.Name = "  " }, []string{"name"}},
		{"NoZone", func(c *calendar.Calendar) { c.Location = nil }, []string{"timezone"}},
		{"LocalZone", func(c *calendar.Calendar) { c.Location = time.Local }, []string{"timezone"}},
		{"FixedZone", func(c *calendar.Calendar) { c.Location = time.FixedZone("Office", 3600) }, []string{"timezone"}},
		{"EndBeforeStart", func(c *calendar.Calendar) {
			c.Hours[time.Tuesday] = []calendar.Span{{Start: calendar.At(17, 0), End: calendar.At(9, 0)}}
		}, []string{"hours.tue[0]"}},
		{"EmptySpan", func(c *calendar.Calendar) {
			c.Hours[time.Tuesday] = []calendar.Span{{Start: calendar.At(9, 0), End: calendar.At(9, 0)}}
		}, []string{"hours.tue[0]"}},
		{"PastMidnight", func(c *calendar.Calendar) {
			c.Hours[time.Tuesday] = []calendar.Span{{Start: calendar.At(22, 0), End: calendar.At(26, 0)}}
		}, []string{"hours.tue[0]"}},
		{"Overlap", func(c *calendar.Calendar) {
			c.Hours[time.Wednesday] = []calendar.Span{
				{Start: calendar.At(13, 0), End: calendar.At(17, 0)},
				{Start: calendar.At(9, 0), End: calendar.At(13, 30)},
			}
		}, []string{"hours.wed[0]"}},
		{"OverlapNotAdjacent", func(c *calendar.Calendar) {
			c.Hours[time.Thursday] = []calendar.Span{
				{Start: calendar.At(9, 0), End: calendar.At(17, 0)},
				{Start: calendar.At(10, 0), End: calendar.At(11, 0)},
				{Start: calendar.At(12, 0), End: calendar.At(13, 0)},
			}
		}, []string{"hours.thu[1]", "hours.thu[2]"}},
		{"Touching", func(c *calendar.Calendar) {
			c.Hours[time.Thursday] = []calendar.Span{
				{Start: calendar.At(12, 0), End: calendar.EndOfDay},
				{Start: calendar.At(9, 0), End: calendar.At(12, 0)},
			}
		}, nil},
		{"NoHours", func(c *calendar.Calendar) { c.Hours = calendar.WeeklyHours{} }, []string{"hours"}},
		{"BadDate", func(c *calendar.Calendar) {
			c.Holidays = append(c.Holidays, calendar.Date{Year: 2026, Month: time.February, Day: 30})
		}, []string{"holidays[1]"}},
		{"BadMonthDay", func(c *calendar.Calendar) {
			c.RecurringHolidays = append(c.RecurringHolidays, calendar.MonthDay{Month: 13, Day: 1})
		}, []string{"recurring_holidays[1]"}},
		{"WholeYearHoliday", func(c *calendar.Calendar) {
			c.RecurringHolidays = nil
			for d := time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == 2028; d = d.AddDate(0, 0, 1) {
				c.RecurringHolidays = append(c.RecurringHolidays, calendar.MonthDay{Month: d.Month(), Day: d.Day()})
			}
		}, []string{"recurring_holidays"}},
		{"Several", func(c *calendar.Calendar) {
			c.Name = ""
			c.Location = nil
			c.Hours[time.Monday] = append(c.Hours[time.Monday], calendar.Span{Start: calendar.At(16, 0), End: calendar.At(18, 0)})
		}, []string{"name", "timezone", "hours.mon[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ukOffice(t)
			c.Location = london
			tt.edit(&c)
			err := c.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if got := fields(t, err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v (%v)", got, tt.fields, err)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		doc := `{"name":"uk-office","timezone":"Europe/London",
			"hours":{"mon":[["13:30","17:30"],["09:00","12:30"]],"fri":[["09:00","16:00"]],"sat":[["20:00","24:00"]]},
			"holidays":["2026-12-25"],"recurring_holidays":["12-25","01-01"]}`
		var c calendar.Calendar
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			t.Fatal(err)
		}
		if c.Location.String() != "Europe/London" {
			t.Errorf("Location = %v, want Europe/London", c.Location)
		}
		wantMon := []calendar.Span{{Start: calendar.At(9, 0), End: calendar.At(12, 30)}, {Start: calendar.At(13, 30), End: calendar.At(17, 30)}}
		if !slices.Equal(c.Hours[time.Monday], wantMon) {
			t.Errorf("Monday = %v, want %v (sorted)", c.Hours[time.Monday], wantMon)
		}
		if c.Hours[time.Saturday][0].End != calendar.EndOfDay {
			t.Errorf("Saturday = %v, want to end at 24:00", c.Hours[time.Saturday])
		}
		if len(c.Hours[time.Tuesday]) != 0 {
			t.Errorf("Tuesday = %v, want closed", c.Hours[time.Tuesday])
		}

		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"name":"uk-office","timezone":"Europe/London",` +
			`"hours":{"mon":[["09:00","12:30"],["13:30","17:30"]],"tue":[],"wed":[],"thu":[],"fri":[["09:00","16:00"]],"sat":[["20:00","24:00"]],"sun":[]},` +
			`"holidays":["2026-12-25"],"recurring_holidays":["12-25","01-01"]}`
		if string(out) != want {
			t.Errorf("Marshal =\n%s\nwant\n%s", out, want)
		}
		var back calendar.Calendar
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back.Hours, c.Hours) || back.Location.String() != c.Location.String() ||
			!slices.Equal(back.Holidays, c.Holidays) || !slices.Equal(back.RecurringHolidays, c.RecurringHolidays) {
			t.Errorf("round trip = %+v, want %+v", back, c)
		}
	})

	t.Run("AlwaysOpenRoundTrip", func(t *testing.T) {
		out, err := json.Marshal(calendar.AlwaysOpen())
		if err != nil {
			t.Fatal(err)
		}
		var back calendar.Calendar
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		a := utc(t, "2026-03-01 00:00")
		if got := back.Between(a, a.Add(1000*time.Hour)); got != 1000*time.Hour {
			t.Errorf("decoded 24/7 Between = %v, want 1000h (json %s)", got, out)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		tests := []struct {
			name, doc string
			fields    []string
		}{
			{"BadZone", `{"name":"x","timezone":"Europe/Lundon","hours":{"mon":[["09:00","17:00"]]}}`, []string{"timezone"}},
			{"NoZone", `{"name":"x","hours":{"mon":[["09:00","17:00"]]}}`, []string{"timezone"}},
			{"LocalZone", `{"name":"x","timezone":"Local","hours":{"mon":[["09:00","17:00"]]}}`, []string{"timezone"}},
			{"BadTime", `{"name":"x","timezone":"UTC","hours":{"mon":[["9:00","17:00"]],"tue":[["09:00","24:30"]]}}`, []string{"hours.mon[0]", "hours.tue[0]"}},
			{"NotAPair", `{"name":"x","timezone":"UTC","hours":{"mon":[["09:00"]]}}`, []string{"hours.mon[0]"}},
			{"UnknownDay", `{"name":"x","timezone":"UTC","hours":{"monday":[["09:00","17:00"]]}}`, []string{"hours.monday", "hours"}},
			{"Overlap", `{"name":"x","timezone":"UTC","hours":{"mon":[["09:00","12:00"],["11:00","13:00"]]}}`, []string{"hours.mon[1]"}},
			{"EndNotAfterStart", `{"name":"x","timezone":"UTC","hours":{"mon":[["17:00","09:00"]]}}`, []string{"hours.mon[0]"}},
			{"BadHolidays", `{"name":"x","timezone":"UTC","hours":{"mon":[["09:00","17:00"]]},"holidays":["2026-12-25","25/12/2026"],"recurring_holidays":["12-32"]}`,
				[]string{"holidays[1]", "recurring_holidays[0]"}},
			{"WrongType", `{"name":"x","timezone":"UTC","hours":{"mon":"09:00-17:00"}}`, []string{"hours"}},
			// Every problem at once, in document order.
			{"Several", `{"name":"","timezone":"Mars/Olympus","hours":{"tue":[["10:00","09:00"]],"mon":[["09:00","12:00"],["11:00","x"]]}}`,
				[]string{"name", "timezone", "hours.mon[1]", "hours.tue[0]"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := ukOffice(t)
				err := json.Unmarshal([]byte(tt.doc), &c)
				if got := fields(t, err); !slices.Equal(got, tt.fields) {
					t.Errorf("fields = %v, want %v (%v)", got, tt.fields, err)
				}
				if c.Name != "uk-office" {
					t.Errorf("a failed decode changed the calendar to %+v", c)
				}
				if !strings.Contains(err.Error(), tt.fields[0]) {
					t.Errorf("error %q does not name field %s", err, tt.fields[0])
				}
			})
		}
	})
}

func TestJSONNotAnObject(t *testing.T) {
	var c calendar.Calendar
	err := json.Unmarshal([]byte(`["uk-office"]`), &c)
	if got := fields(t, err); !slices.Equal(got, []string{"calendar"}) {
		t.Errorf("fields = %v, want [calendar] (%v)", got, err)
	}
}
