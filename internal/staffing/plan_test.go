package staffing_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"anchor/internal/staffing"
)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNewPlan(t *testing.T) {
	f := staffing.Forecast{Length: 30 * time.Minute, Intervals: []staffing.Interval{
		{Start: at("2025-03-10 08:00"), Calls: 100, AHT: 180 * time.Second},
		{Start: at("2025-03-10 08:30"), Calls: 0, AHT: 180 * time.Second},
		{Start: at("2025-03-10 09:30"), Calls: 50, AHT: 3 * time.Minute}, // after a gap
	}}
	p, err := staffing.NewPlan(f, staffing.Policy{Target: target8020, Shrinkage: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{p.Intervals[0].Agents, p.Intervals[1].Agents}; !slices.Equal(got, []int{14, 0}) {
		t.Errorf("agents %v, want [14 0 …]", got)
	}
	if p.Intervals[0].Staff != 20 || p.PeakAgents != 14 || p.PeakStaff != 20 {
		t.Errorf("staff %d peak %d/%d, want 20 and 14/20", p.Intervals[0].Staff, p.PeakAgents, p.PeakStaff)
	}
	third := p.Intervals[2]
	wantSL := (100*p.Intervals[0].Result.ServiceLevel + 50*third.Result.ServiceLevel) / 150
	if math.Abs(p.ServiceLevel-wantSL) > 1e-12 || p.Calls != 150 {
		t.Errorf("day SL %v over %v calls, want %v over 150", p.ServiceLevel, p.Calls, wantSL)
	}
	wantHours := float64(14+0+third.Agents) / 2
	if math.Abs(p.AgentHours-wantHours) > 1e-12 {
		t.Errorf("agent-hours %v, want %v", p.AgentHours, wantHours)
	}
	if got := p.StaffRequired(); !slices.Equal(got, []int{20, 0, third.Staff}) {
		t.Errorf("StaffRequired %v", got)
	}
}

func TestNewPlanErrors(t *testing.T) {
	iv := func(s string, calls float64) staffing.Interval {
		return staffing.Interval{Start: at(s), Calls: calls, AHT: 3 * time.Minute}
	}
	for _, tc := range []struct {
		name string
		f    staffing.Forecast
		want string
	}{
		{"Empty", staffing.Forecast{Length: 15 * time.Minute}, "no intervals"},
		{"Overlap", staffing.Forecast{Length: 30 * time.Minute, Intervals: []staffing.Interval{iv("2025-03-10 08:00", 1), iv("2025-03-10 08:15", 1)}}, "interval 2 (2025-03-10T08:15:00Z) starts before interval 1 ends"},
		{"Unsorted", staffing.Forecast{Length: 15 * time.Minute, Intervals: []staffing.Interval{iv("2025-03-10 09:00", 1), iv("2025-03-10 08:00", 1)}}, "starts before"},
		{"NegativeCalls", staffing.Forecast{Length: 15 * time.Minute, Intervals: []staffing.Interval{iv("2025-03-10 08:00", -1)}}, "interval 1 (2025-03-10T08:00:00Z): calls must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := staffing.NewPlan(tc.f, staffing.Policy{Target: target8020})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestReadForecast(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	in := `interval_start,calls,aht
# Monday
2025-03-10 08:15,40,180
2025-03-10 08:00,30.5,3m
2025-03-10T08:30:00Z,12,2m30s
2025-03-10 xx:00,10,180
2025-03-10 09:00,-3,180
2025-03-10 09:15,10
2025-03-10 09:30,10,3
2025-03-10 09:45,ten,180
2025-03-10 10:00,10,0
2025-03-10 10:15,10,"180"
`
	ivs, bad, err := staffing.ReadForecast(strings.NewReader(in), paris)
	if err != nil {
		t.Fatal(err)
	}
	want := []staffing.Interval{
		{Start: time.Date(2025, 3, 10, 8, 0, 0, 0, paris), Calls: 30.5, AHT: 3 * time.Minute},
		{Start: time.Date(2025, 3, 10, 8, 15, 0, 0, paris), Calls: 40, AHT: 180 * time.Second},
		{Start: time.Date(2025, 3, 10, 8, 30, 0, 0, time.UTC), Calls: 12, AHT: 150 * time.Second}, // 09:30 in Paris
		{Start: time.Date(2025, 3, 10, 10, 15, 0, 0, paris), Calls: 10, AHT: 180 * time.Second},
	}
	if len(ivs) != len(want) {
		t.Fatalf("got %d intervals %+v, want %d", len(ivs), ivs, len(want))
	}
	for i := range want {
		if !ivs[i].Start.Equal(want[i].Start) || ivs[i].Calls != want[i].Calls || ivs[i].AHT != want[i].AHT {
			t.Errorf("interval %d: got %+v, want %+v", i, ivs[i], want[i])
		}
	}
	wantBad := map[int]string{6: "neither RFC 3339", 7: "negative", 8: "want 3 fields", 9: "implausibly short", 10: "not a number", 11: "must be positive"}
	if len(bad) != len(wantBad) {
		t.Fatalf("got %d bad lines %v, want %d", len(bad), bad, len(wantBad))
	}
	for _, le := range bad {
		if w, ok := wantBad[le.Line]; !ok || !strings.Contains(le.Err, w) {
			t.Errorf("line %d: %q, want %q", le.Line, le.Err, w)
		}
	}
}

func TestParseAHT(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "180", want: 180 * time.Second},
		{in: "180.5", want: 180500 * time.Millisecond},
		{in: "3m", want: 3 * time.Minute},
		{in: "3s", want: 3 * time.Second},
		{in: "3", err: "write 3m if minutes"},
		{in: "0", err: "must be positive"},
		{in: "-20", err: "must be positive"},
		{in: "500ms", err: "under a second"},
		{in: "3 minutes", err: "neither seconds nor a duration"},
	} {
		got, err := staffing.ParseAHT(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseAHT(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseAHT(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestInferLength(t *testing.T) {
	ivs := []staffing.Interval{{Start: at("2025-03-10 08:00")}, {Start: at("2025-03-10 08:15")}, {Start: at("2025-03-10 09:00")}}
	if got := staffing.InferLength(ivs); got != 15*time.Minute {
		t.Errorf("got %v, want 15m", got)
	}
	if got := staffing.InferLength(ivs[:1]); got != 0 {
		t.Errorf("one interval: got %v, want 0", got)
	}
}
