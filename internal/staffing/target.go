package staffing

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Target is a service-level objective: Level of offered contacts answered
// within Within ("80/20s" is Level 0.80, Within 20 s). "Within" is the
// time limit inside the service-level formula, not an ASA target — reading
// it as ASA is a classic calculator bug that understaffs badly.
type Target struct {
	// Level is the share to answer in time, in (0, 1).
	Level float64
	// Within is the answer-time threshold, inclusive.
	Within time.Duration
	// MaxAbandon optionally caps the abandonment probability (Erlang A
	// only); 0 means no cap.
	MaxAbandon float64
}

// Validate reports a target no staffing can meet or that is in the wrong
// unit.
func (t Target) Validate() error {
	switch {
	case math.IsNaN(t.Level) || t.Level <= 0:
		return fmt.Errorf("service level must be above 0%%, got %v", t.Level)
	case t.Level > 1:
		return fmt.Errorf("service level %v is above 100%% (write levels as fractions, 0.8 for 80%%)", t.Level)
	case t.Level == 1:
		return fmt.Errorf("a 100%% service level cannot be met by any finite staff; use 99.9%% or similar")
	case t.Within < 0:
		return fmt.Errorf("answer time must not be negative, got %v", t.Within)
	case math.IsNaN(t.MaxAbandon) || t.MaxAbandon < 0 || t.MaxAbandon >= 1:
		return fmt.Errorf("max abandonment must be a fraction in [0, 1), got %v", t.MaxAbandon)
	}
	return nil
}

// String writes the target the way ParseTarget reads it.
func (t Target) String() string {
	return strconv.FormatFloat(t.Level*100, 'f', -1, 64) + "/" + t.Within.String()
}

// ParseTarget reads "80/20s": a percentage, a slash, and a duration with
// its unit. A bare "80/20" is refused rather than guessed at, and so is a
// level written as a fraction ("0.8/20s"), which would otherwise mean 0.8%.
func ParseTarget(s string) (Target, error) {
	level, within, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Target{}, fmt.Errorf("target %q: want percent/time such as 80/20s", s)
	}
	pct, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(level), "%"), 64)
	if err != nil {
		return Target{}, fmt.Errorf("target %q: level %q is not a number", s, level)
	}
	if pct > 0 && pct < 1 {
		return Target{}, fmt.Errorf("target %q: level %v looks like a fraction; write a percentage such as %v/…", s, pct, pct*100)
	}
	within = strings.TrimSpace(within)
	if _, err := strconv.ParseFloat(within, 64); err == nil {
		return Target{}, fmt.Errorf("target %q: answer time %q needs a unit, e.g. %ss", s, within, within)
	}
	d, err := time.ParseDuration(within)
	if err != nil {
		return Target{}, fmt.Errorf("target %q: answer time: %w", s, err)
	}
	t := Target{Level: pct / 100, Within: d}
	if err := t.Validate(); err != nil {
		return Target{}, fmt.Errorf("target %q: %w", s, err)
	}
	return t, nil
}

// Policy is how a centre turns service into staff: the target to meet, how
// hard agents may be worked, and how much paid time never reaches the
// phones.
type Policy struct {
	// Target is the service level to meet.
	Target Target `json:"target"`
	// MaxOccupancy caps agent occupancy, in (0, 1]; 0 means no cap.
	// Occupancy near 100% burns agents out long before the formula
	// notices, so centres set a ceiling such as 0.85.
	MaxOccupancy float64 `json:"max_occupancy,omitempty"`
	// Shrinkage is the share of paid time not available for contacts
	// (absence, training, breaks not modelled by shift templates), in
	// [0, 1).
	Shrinkage float64 `json:"shrinkage"`
}

// Validate reports the first field out of range.
func (p Policy) Validate() error {
	if err := p.Target.Validate(); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	switch {
	case math.IsNaN(p.MaxOccupancy) || p.MaxOccupancy < 0:
		return fmt.Errorf("max occupancy must be a fraction in (0, 1], got %v", p.MaxOccupancy)
	case p.MaxOccupancy > 1:
		return fmt.Errorf("max occupancy %v is above 1; write it as a fraction, e.g. 0.85", p.MaxOccupancy)
	case math.IsNaN(p.Shrinkage) || p.Shrinkage < 0:
		return fmt.Errorf("shrinkage must be a fraction in [0, 1), got %v", p.Shrinkage)
	case p.Shrinkage >= 1:
		return fmt.Errorf("shrinkage %v must be below 1 (write 30%% as 0.30): at 1 no paid hour reaches the phones", p.Shrinkage)
	}
	return nil
}

// ParseChange reads a relative change written as a signed percentage,
// "+20%" or "-10%", and returns it as a fraction (0.2, −0.1). The percent
// sign is required so that "+20" cannot be taken for 20 calls or 2000%.
func ParseChange(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if !strings.HasSuffix(t, "%") {
		return 0, fmt.Errorf("change %q: write a percentage such as +20%% or -10%%", s)
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("change %q: not a number", s)
	}
	if v <= -100 {
		return 0, fmt.Errorf("change %q: a cut of 100%% or more leaves nothing", s)
	}
	return v / 100, nil
}
