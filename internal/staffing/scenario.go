package staffing

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Variant is a what-if against the baseline: relative changes to volume
// and handle time, and replacements for policy fields. Nil pointers keep
// the baseline's value.
type Variant struct {
	Name string `json:"name"`
	// CallsChange and AHTChange are relative: 0.2 is +20%, −0.1 is −10%.
	CallsChange  float64  `json:"calls_change,omitempty"`
	AHTChange    float64  `json:"aht_change,omitempty"`
	Shrinkage    *float64 `json:"shrinkage,omitempty"`
	MaxOccupancy *float64 `json:"max_occupancy,omitempty"`
	Target       *Target  `json:"target,omitempty"`
}

// Apply returns the forecast and policy of the variant.
func (v Variant) Apply(f Forecast, p Policy) (Forecast, Policy, error) {
	if v.CallsChange <= -1 || v.AHTChange <= -1 || math.IsNaN(v.CallsChange) || math.IsNaN(v.AHTChange) {
		return Forecast{}, Policy{}, fmt.Errorf("variant %q: a change of −100%% or more leaves nothing", v.Name)
	}
	out := f
	out.Intervals = make([]Interval, len(f.Intervals))
	for i, iv := range f.Intervals {
		iv.Calls *= 1 + v.CallsChange
		iv.AHT = duration(float64(iv.AHT) * (1 + v.AHTChange))
		out.Intervals[i] = iv
	}
	if v.Shrinkage != nil {
		p.Shrinkage = *v.Shrinkage
	}
	if v.MaxOccupancy != nil {
		p.MaxOccupancy = *v.MaxOccupancy
	}
	if v.Target != nil {
		p.Target = *v.Target
	}
	return out, p, nil
}

// ScenarioResult is one column of a side-by-side comparison.
type ScenarioResult struct {
	Name   string  `json:"name"`
	Calls  float64 `json:"calls"`
	Policy Policy  `json:"policy"`
	// PeakAgents and PeakStaff are the largest interval requirements (for
	// a single interval, simply the requirement).
	PeakAgents int     `json:"peak_agents"`
	PeakStaff  int     `json:"peak_staff"`
	AgentHours float64 `json:"agent_hours"`
	StaffHours float64 `json:"staff_hours"`
	// Cost is StaffHours × the hourly cost: paid time, not phone time.
	Cost         float64 `json:"cost"`
	ServiceLevel float64 `json:"service_level"`
	ProbAbandon  float64 `json:"prob_abandon"`
}

// BaselineName names the unchanged plan in a comparison.
const BaselineName = "baseline"

// CompareScenarios plans the baseline and every variant and returns them
// in order, baseline first.
func CompareScenarios(f Forecast, p Policy, hourlyCost float64, variants []Variant) ([]ScenarioResult, error) {
	if math.IsNaN(hourlyCost) || math.IsInf(hourlyCost, 0) || hourlyCost < 0 {
		return nil, fmt.Errorf("hourly cost must be finite and non-negative, got %v", hourlyCost)
	}
	all := append([]Variant{{Name: BaselineName}}, variants...)
	out := make([]ScenarioResult, 0, len(all))
	for _, v := range all {
		vf, vp, err := v.Apply(f, p)
		if err != nil {
			return nil, err
		}
		plan, err := NewPlan(vf, vp)
		if err != nil {
			return nil, fmt.Errorf("scenario %q: %w", v.Name, err)
		}
		out = append(out, ScenarioResult{
			Name: v.Name, Calls: plan.Calls, Policy: vp,
			PeakAgents: plan.PeakAgents, PeakStaff: plan.PeakStaff,
			AgentHours: plan.AgentHours, StaffHours: plan.StaffHours,
			Cost:         plan.StaffHours * hourlyCost,
			ServiceLevel: plan.ServiceLevel, ProbAbandon: plan.ProbAbandon,
		})
	}
	return out, nil
}

// ParseVariant reads "name:calls=+20%,aht=-10%,shrinkage=0.25,target=90/30s,max-occupancy=0.9".
// Every key is optional; changes are signed percentages, shrinkage and
// max-occupancy fractions, target as in ParseTarget.
func ParseVariant(s string) (Variant, error) {
	name, spec, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return Variant{}, fmt.Errorf("variant %q: want name:key=value,... such as peak:calls=+20%%", s)
	}
	if name == BaselineName {
		return Variant{}, fmt.Errorf("variant %q: the name %q is taken by the unchanged plan", s, BaselineName)
	}
	v := Variant{Name: name}
	for _, kv := range strings.Split(spec, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		key, val, ok := strings.Cut(kv, "=")
		if !ok {
			return Variant{}, fmt.Errorf("variant %q: %q is not key=value", name, kv)
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		var err error
		switch key {
		case "calls":
			v.CallsChange, err = ParseChange(val)
		case "aht":
			v.AHTChange, err = ParseChange(val)
		case "shrinkage", "max-occupancy":
			var f float64
			f, err = strconv.ParseFloat(val, 64)
			if err == nil && (f < 0 || f > 1) {
				err = fmt.Errorf("%v is not a fraction between 0 and 1 (write 25%% as 0.25)", f)
			}
			if key == "shrinkage" {
				v.Shrinkage = &f
			} else {
				v.MaxOccupancy = &f
			}
		case "target":
			var t Target
			t, err = ParseTarget(val)
			v.Target = &t
		default:
			err = errors.New("unknown key (want calls, aht, shrinkage, max-occupancy or target)")
		}
		if err != nil {
			return Variant{}, fmt.Errorf("variant %q: %s: %w", name, key, err)
		}
	}
	return v, nil
}

// SingleInterval turns one queue into a one-interval forecast, so that a
// single-interval question goes through the same planning and scenario
// code as a day.
func SingleInterval(q Queue) Forecast {
	return Forecast{Length: q.Interval, Patience: q.Patience, Intervals: []Interval{{Calls: q.Calls, AHT: q.AHT}}}
}
