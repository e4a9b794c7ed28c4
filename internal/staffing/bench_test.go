package staffing_test

import (
	"math"
	"testing"
	"time"

	"anchor/internal/staffing"
)

// BenchmarkErlangA is one Erlang A evaluation at a typical size: 10
// Erlangs, 13 agents, 300 s patience.
func BenchmarkErlangA(b *testing.B) {
	q := textbook
	q.Patience = 300 * time.Second
	for b.Loop() {
		if _, err := staffing.Evaluate(q, 13, 20*time.Second); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkErlangALarge is one evaluation at 2,000 agents.
func BenchmarkErlangALarge(b *testing.B) {
	q := staffing.Queue{Calls: 20000, Interval: 30 * time.Minute, AHT: 180 * time.Second, Patience: 300 * time.Second}
	for b.Loop() {
		if _, err := staffing.Evaluate(q, 2000, 20*time.Second); err != nil {
			b.Fatal(err)
		}
	}
}

// weekForecasts is 50 queues × a week of 15-minute intervals, with a daily
// curve and queue sizes from a handful of agents to a few hundred.
func weekForecasts(patience time.Duration) []staffing.Forecast {
	start := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	out := make([]staffing.Forecast, 50)
	for qi := range out {
		f := staffing.Forecast{Length: 15 * time.Minute, Patience: patience, Intervals: make([]staffing.Interval, 672)}
		scale := 5 + 20*float64(qi)
		for i := range f.Intervals {
			hour := float64(i%96) / 4
			curve := 0.1 + math.Exp(-math.Pow((hour-11)/3, 2)) + 0.7*math.Exp(-math.Pow((hour-17)/2.5, 2))
			f.Intervals[i] = staffing.Interval{Start: start.Add(time.Duration(i) * 15 * time.Minute), Calls: scale * curve, AHT: time.Duration(150+qi*3) * time.Second}
		}
		out[qi] = f
	}
	return out
}

// BenchmarkWeekPlan plans 672 intervals × 50 queues with Erlang C.
func BenchmarkWeekPlan(b *testing.B) {
	benchmarkWeek(b, 0)
}

// BenchmarkWeekPlanErlangA is the same week with 300 s patience.
func BenchmarkWeekPlanErlangA(b *testing.B) {
	benchmarkWeek(b, 300*time.Second)
}

func benchmarkWeek(b *testing.B, patience time.Duration) {
	fs := weekForecasts(patience)
	p := staffing.Policy{Target: target8020, MaxOccupancy: 0.9, Shrinkage: 0.3}
	for b.Loop() {
		for _, f := range fs {
			if _, err := staffing.NewPlan(f, p); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkScheduleDay chooses shifts for a day of 15-minute intervals
// from 33 templates (8-hour shifts every 30 minutes with staggered breaks).
func BenchmarkScheduleDay(b *testing.B) {
	f := weekForecasts(0)[10]
	f.Intervals = f.Intervals[24:88] // 06:00–22:00
	plan, err := staffing.NewPlan(f, staffing.Policy{Target: target8020, Shrinkage: 0.3})
	if err != nil {
		b.Fatal(err)
	}
	var ts []staffing.ShiftTemplate
	for s := 6 * time.Hour; s <= 14*time.Hour; s += 15 * time.Minute {
		ts = append(ts, staffing.ShiftTemplate{Name: s.String(), Start: s, Length: 8 * time.Hour, Breaks: []staffing.Break{
			{Offset: 2 * time.Hour, Length: 15 * time.Minute},
			{Offset: 4*time.Hour + time.Duration(len(ts)%2)*15*time.Minute, Length: 30 * time.Minute, Unpaid: true},
		}})
	}
	for b.Loop() {
		s, err := staffing.ScheduleShifts(plan, ts, 20, staffing.CoverOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(s.Nodes), "nodes")
	}
}
