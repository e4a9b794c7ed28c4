package servicelevel

import (
	"fmt"
	"time"

	"anchor/internal/calendar"
)

// Clock states, as every case, handoff and callback exposes them.
const (
	StateOK       = "ok"
	StateAtRisk   = "at_risk" // past AtRiskShare of the target, not yet met
	StateBreached = "breached"
	StateMet      = "met"
)

// Clock is one service-level clock: a target that started at some instant
// and is due at DueAt. A clock without DueAt is not owed (no target) and
// has no state, unless it is Paused, when its state is frozen.
type Clock struct {
	DueAt    *time.Time `json:"due_at,omitempty"`
	AtRiskAt *time.Time `json:"at_risk_at,omitempty"`
	MetAt    *time.Time `json:"met_at,omitempty"`
	// Paused is set while the clock does not run (a case waiting on the
	// customer); State is then the state it had when it stopped.
	Paused bool   `json:"paused,omitempty"`
	State  string `json:"state,omitempty"`
}

// Owed reports whether the clock has a target at all.
func (c Clock) Owed() bool { return c.DueAt != nil || c.Paused }

// StateAt returns the clock's state at now. Meeting a target exactly at
// its due time is meeting it.
func (c Clock) StateAt(now time.Time) string {
	switch {
	case c.Paused:
		return c.State
	case c.DueAt == nil:
		return ""
	case c.MetAt != nil && c.MetAt.After(*c.DueAt):
		return StateBreached
	case c.MetAt != nil:
		return StateMet
	case now.After(*c.DueAt):
		return StateBreached
	case c.AtRiskAt != nil && !now.Before(*c.AtRiskAt):
		return StateAtRisk
	}
	return StateOK
}

// NextChange returns the first instant after now at which the clock's
// state can change without anything happening (ok → at_risk → breached),
// or nil when it cannot: it is what the escalation job waits for.
func (c Clock) NextChange(now time.Time) *time.Time {
	switch c.StateAt(now) {
	case StateOK:
		if c.AtRiskAt != nil && c.AtRiskAt.After(now) {
			return c.AtRiskAt
		}
		return c.DueAt
	case StateAtRisk:
		// Breached is strictly after due.
		t := c.DueAt.Add(time.Millisecond)
		return &t
	}
	return nil
}

// settle fills State for the clock at now.
func (c Clock) settle(now time.Time) Clock {
	if !c.Paused {
		c.State = c.StateAt(now)
	}
	return c
}

// Policy is a service level in one calendar: the targets, and the share of
// a target after which it is at risk.
type Policy struct {
	Calendar    calendar.Calendar
	AtRiskShare float64
}

// clock starts a clock of target at start (plus extra business time that
// does not count, such as pauses).
func (p Policy) clock(start time.Time, target, extra time.Duration) (Clock, error) {
	if target <= 0 {
		return Clock{}, nil
	}
	due, err := p.Calendar.Add(start, target+extra)
	if err != nil {
		return Clock{}, fmt.Errorf("due time: %w", err)
	}
	risk, err := p.Calendar.Add(start, time.Duration(float64(target)*p.AtRiskShare)+extra)
	if err != nil {
		return Clock{}, fmt.Errorf("at-risk time: %w", err)
	}
	due, risk = due.UTC().Truncate(time.Millisecond), risk.UTC().Truncate(time.Millisecond)
	return Clock{DueAt: &due, AtRiskAt: &risk}, nil
}

// CaseTargets are the targets owed to one case.
type CaseTargets struct {
	Policy
	FirstResponse  time.Duration
	NextUpdate     time.Duration
	Resolution     time.Duration
	CallbackWindow time.Duration
}

// CaseFacts are what a case's clocks are computed from.
type CaseFacts struct {
	CreatedAt       time.Time
	FirstResponseAt *time.Time
	LastResponseAt  *time.Time
	ResolvedAt      *time.Time
	// Running is false once the case is resolved or closed; the next-update
	// clock runs only while the case is worked and not waiting on the
	// customer.
	Running bool
	// WaitingOnCustomer: the resolution clock is paused since PausedSince.
	WaitingOnCustomer bool
	PausedSince       *time.Time
	// PausedFor is the business time of earlier, finished pauses.
	PausedFor time.Duration
}

// CaseClocks are a case's three clocks.
type CaseClocks struct {
	FirstResponse Clock `json:"first_response"`
	NextUpdate    Clock `json:"next_update"`
	Resolution    Clock `json:"resolution"`
}

// Clocks computes a case's clocks at now. It walks the calendar a handful
// of times and never minute by minute, so a million cases take about a
// second.
//
// The resolution clock stops while the case waits on the customer: its due
// time is start + target + paused business time, which is exact because
// business time is additive. A paused clock shows the state it had when it
// stopped and no due time.
func (t CaseTargets) Clocks(f CaseFacts, now time.Time) (CaseClocks, error) {
	var out CaseClocks
	var err error
	if out.FirstResponse, err = t.clock(f.CreatedAt, t.FirstResponse, 0); err != nil {
		return out, err
	}
	out.FirstResponse.MetAt = f.FirstResponseAt
	if f.Running && !f.WaitingOnCustomer && f.LastResponseAt != nil {
		if out.NextUpdate, err = t.clock(*f.LastResponseAt, t.NextUpdate, 0); err != nil {
			return out, err
		}
	}
	if out.Resolution, err = t.clock(f.CreatedAt, t.Resolution, f.PausedFor); err != nil {
		return out, err
	}
	out.Resolution.MetAt = f.ResolvedAt
	if f.WaitingOnCustomer && f.PausedSince != nil && out.Resolution.DueAt != nil {
		frozen := out.Resolution.StateAt(*f.PausedSince)
		out.Resolution = Clock{Paused: true, State: frozen}
	}
	out.FirstResponse = out.FirstResponse.settle(now)
	out.NextUpdate = out.NextUpdate.settle(now)
	out.Resolution = out.Resolution.settle(now)
	return out, nil
}

// NextChange is the earliest instant after now at which any of the clocks
// changes state by itself, or nil.
func (c CaseClocks) NextChange(now time.Time) *time.Time {
	return earliest(now, c.FirstResponse, c.NextUpdate, c.Resolution)
}

func earliest(now time.Time, clocks ...Clock) *time.Time {
	var min *time.Time
	for _, c := range clocks {
		if t := c.NextChange(now); t != nil && (min == nil || t.Before(*min)) {
			min = t
		}
	}
	return min
}

// DepartmentTargets are a department's handoff service level.
type DepartmentTargets struct {
	Policy
	AcceptWithin   time.Duration
	CompleteWithin time.Duration
}

// HandoffClocks are a handoff's two clocks.
type HandoffClocks struct {
	Accept   Clock `json:"accept"`
	Complete Clock `json:"complete"`
}

// NextChange is the earliest instant after now at which a clock changes
// state by itself, or nil.
func (c HandoffClocks) NextChange(now time.Time) *time.Time {
	return earliest(now, c.Accept, c.Complete)
}

// HandoffClocks computes a handoff's clocks from when it was sent. A given
// due time (rather than the department's) is used as is, with the at-risk
// point at the same share of the time given.
func (t DepartmentTargets) HandoffClocks(sent time.Time, givenDue *time.Time, acceptedAt, completedAt *time.Time, owed bool, now time.Time) (HandoffClocks, error) {
	var out HandoffClocks
	if !owed {
		return out, nil
	}
	var err error
	if out.Accept, err = t.clock(sent, t.AcceptWithin, 0); err != nil {
		return out, err
	}
	out.Accept.MetAt = acceptedAt
	if givenDue != nil {
		due := givenDue.UTC().Truncate(time.Millisecond)
		risk := sent.Add(time.Duration(float64(due.Sub(sent)) * t.AtRiskShare)).UTC().Truncate(time.Millisecond)
		out.Complete = Clock{DueAt: &due, AtRiskAt: &risk}
	} else if out.Complete, err = t.clock(sent, t.CompleteWithin, 0); err != nil {
		return out, err
	}
	out.Complete.MetAt = completedAt
	out.Accept, out.Complete = out.Accept.settle(now), out.Complete.settle(now)
	return out, nil
}

// CallbackClock is a promised callback's clock: the window is wall-clock
// time as promised to the customer, at risk after AtRiskShare of it, met
// when the call is made inside it. A call made before the window opens is
// not punctual either: the customer was told when to expect it.
func CallbackClock(windowStart, windowEnd time.Time, madeAt *time.Time, owed bool, share float64, now time.Time) Clock {
	if !owed {
		return Clock{}
	}
	end := windowEnd.UTC()
	risk := windowStart.Add(time.Duration(float64(windowEnd.Sub(windowStart)) * share)).UTC()
	c := Clock{DueAt: &end, AtRiskAt: &risk, MetAt: madeAt}
	c = c.settle(now)
	if madeAt != nil && madeAt.Before(windowStart) {
		c.State = StateBreached
	}
	return c
}
