package staffing

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Interval is one row of a forecast: the calls expected from Start for the
// forecast's interval length, and their average handle time.
type Interval struct {
	// Start is when the interval begins; it ends Forecast.Length later.
	Start time.Time
	// Calls is the forecast volume offered in the interval.
	Calls float64
	// AHT is the forecast average handle time of those calls.
	AHT time.Duration
}

// Forecast is a day (or a week) of intervals of one length for one queue.
type Forecast struct {
	// Length is the interval length, usually 15 or 30 minutes.
	Length time.Duration
	// Patience is the callers' mean patience; zero plans with Erlang C.
	Patience time.Duration
	// Intervals are in time order and do not overlap; gaps (closed
	// hours) are allowed.
	Intervals []Interval
}

// Validate reports the first interval that is out of order, overlapping
// or impossible, by its position and start.
func (f Forecast) Validate() error {
	if len(f.Intervals) == 0 {
		return errors.New("forecast has no intervals")
	}
	for i, iv := range f.Intervals {
		if err := f.queue(iv).Validate(); err != nil {
			return fmt.Errorf("interval %d (%s): %w", i+1, iv.Start.Format(time.RFC3339), err)
		}
		if i > 0 {
			prev := f.Intervals[i-1].Start
			if iv.Start.Before(prev.Add(f.Length)) {
				return fmt.Errorf("interval %d (%s) starts before interval %d ends (intervals must be in order and %v apart or more)",
					i+1, iv.Start.Format(time.RFC3339), i, f.Length)
			}
		}
	}
	return nil
}

func (f Forecast) queue(iv Interval) Queue {
	return Queue{Calls: iv.Calls, Interval: f.Length, AHT: iv.AHT, Patience: f.Patience}
}

// IntervalPlan is the requirement for one forecast interval.
type IntervalPlan struct {
	Start time.Time     `json:"start"`
	Calls float64       `json:"calls"`
	AHT   time.Duration `json:"-"`
	Requirement
}

// MarshalJSON writes the AHT as seconds.
func (ip IntervalPlan) MarshalJSON() ([]byte, error) {
	type plain IntervalPlan
	return json.Marshal(struct {
		plain
		AHTSeconds float64 `json:"aht_seconds"`
	}{plain(ip), ip.AHT.Seconds()})
}

// Plan is the staffing requirement for every interval of a forecast, with
// the day's totals.
type Plan struct {
	// Length is the forecast's interval length.
	Length time.Duration `json:"-"`
	// Policy is the target, occupancy cap and shrinkage planned for.
	Policy Policy `json:"policy"`
	// Intervals are the forecast's intervals, in order, with their needs.
	Intervals []IntervalPlan `json:"intervals"`
	// Calls is the total forecast.
	Calls float64 `json:"calls"`
	// ServiceLevel is the achieved service level over the whole forecast,
	// each interval weighted by its calls (a quiet interval's perfect
	// service does not hide a busy interval's queue). 1 when no calls.
	ServiceLevel float64 `json:"service_level"`
	// ProbAbandon is the expected abandonment, weighted by calls.
	ProbAbandon float64 `json:"prob_abandon"`
	// AgentHours is Σ agents × interval length: hours on the phones.
	AgentHours float64 `json:"agent_hours"`
	// StaffHours is Σ staff × interval length: paid hours after shrinkage.
	StaffHours float64 `json:"staff_hours"`
	// PeakAgents and PeakStaff are the largest interval requirements.
	PeakAgents int `json:"peak_agents"`
	PeakStaff  int `json:"peak_staff"`
}

// NewPlan computes the requirement of every interval of f under p.
func NewPlan(f Forecast, p Policy) (Plan, error) {
	if err := p.Validate(); err != nil {
		return Plan{}, fmt.Errorf("invalid policy: %w", err)
	}
	if err := f.Validate(); err != nil {
		return Plan{}, fmt.Errorf("invalid forecast: %w", err)
	}
	plan := Plan{Length: f.Length, Policy: p, Intervals: make([]IntervalPlan, len(f.Intervals))}
	hours := f.Length.Hours()
	var answeredInTime, abandoned float64
	for i, iv := range f.Intervals {
		req, err := Require(f.queue(iv), p)
		if err != nil {
			return Plan{}, fmt.Errorf("interval %d (%s): %w", i+1, iv.Start.Format(time.RFC3339), err)
		}
		plan.Intervals[i] = IntervalPlan{Start: iv.Start, Calls: iv.Calls, AHT: iv.AHT, Requirement: req}
		plan.Calls += iv.Calls
		answeredInTime += iv.Calls * req.Result.ServiceLevel
		abandoned += iv.Calls * req.Result.ProbAbandon
		plan.AgentHours += float64(req.Agents) * hours
		plan.StaffHours += float64(req.Staff) * hours
		plan.PeakAgents = max(plan.PeakAgents, req.Agents)
		plan.PeakStaff = max(plan.PeakStaff, req.Staff)
	}
	plan.ServiceLevel = 1
	if plan.Calls > 0 {
		plan.ServiceLevel = answeredInTime / plan.Calls
		plan.ProbAbandon = abandoned / plan.Calls
	}
	return plan, nil
}

// StaffRequired lists each interval's scheduled staff, the demand a shift
// schedule must cover.
func (p Plan) StaffRequired() []int {
	out := make([]int, len(p.Intervals))
	for i, ip := range p.Intervals {
		out[i] = ip.Staff
	}
	return out
}
