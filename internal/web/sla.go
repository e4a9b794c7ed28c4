package web

import "anchor/internal/servicelevel"

// clockView is one service-level clock as a page shows it: its name next
// to its state and due time.
type clockView struct {
	Name string
	servicelevel.Clock
}

// Late reports a clock that was met, but after its due time.
func (c clockView) Late() bool { return c.MetAt != nil && c.State == servicelevel.StateBreached }

// Running reports a clock still counting towards its due time: neither
// met nor paused.
func (c clockView) Running() bool { return c.DueAt != nil && c.MetAt == nil && !c.Paused }

// caseClocks lists the clocks a case is owed, in the order they fall due
// in a case's life. A case the matrix owes nothing has none.
func caseClocks(c *servicelevel.CaseClocks) []clockView {
	if c == nil {
		return nil
	}
	return owed(clockView{"First response", c.FirstResponse}, clockView{"Next update", c.NextUpdate}, clockView{"Resolution", c.Resolution})
}

// handoffClocks lists a handoff's accept and complete clocks.
func handoffClocks(h *servicelevel.HandoffClocks) []clockView {
	if h == nil {
		return nil
	}
	return owed(clockView{"Accept", h.Accept}, clockView{"Complete", h.Complete})
}

func owed(all ...clockView) []clockView {
	var out []clockView
	for _, c := range all {
		if c.Owed() {
			out = append(out, c)
		}
	}
	return out
}

// stateRank orders states by urgency: breached first, then at risk, then
// on track, then met; no state (nothing owed) last.
var stateRank = map[string]int{servicelevel.StateBreached: 0, servicelevel.StateAtRisk: 1, servicelevel.StateOK: 2, servicelevel.StateMet: 3, "": 4}

// worstState is the most urgent state among clocks, "" when none is owed.
func worstState(clocks []clockView) string {
	w := ""
	for _, c := range clocks {
		if stateRank[c.State] < stateRank[w] {
			w = c.State
		}
	}
	return w
}

// urgency is what ranks a case or a handoff in a work list: the state of
// its clocks, then the earliest due time of a clock still running.
type urgency struct {
	// Tracked is false when no service level applies at all.
	Tracked bool
	State   string
	// Next is the running clock due first, if any.
	Next *clockView
}

func urgencyOf(clocks []clockView, state string) urgency {
	u := urgency{Tracked: len(clocks) > 0, State: state}
	for i, c := range clocks {
		if c.Running() && (u.Next == nil || c.DueAt.Before(*u.Next.DueAt)) {
			u.Next = &clocks[i]
		}
	}
	return u
}

// compareUrgency orders a before b when it is more urgent: breached, then
// at risk, then by the earliest due time of any running clock; what has no
// service level comes last. 0 means "no difference": the caller breaks ties.
func compareUrgency(a, b urgency) int {
	if a.Tracked != b.Tracked {
		if a.Tracked {
			return -1
		}
		return 1
	}
	if ra, rb := stateRank[a.State], stateRank[b.State]; ra != rb {
		return ra - rb
	}
	switch {
	case a.Next != nil && b.Next != nil:
		return a.Next.DueAt.Compare(*b.Next.DueAt)
	case a.Next != nil:
		return -1
	case b.Next != nil:
		return 1
	}
	return 0
}

// stateIcons give each state a shape as well as a colour and a word, so
// that it reads in greyscale and to the colour-blind; the icon itself is
// hidden from screen readers, which read the word.
var stateIcons = map[string]string{
	servicelevel.StateBreached: "✕", servicelevel.StateAtRisk: "!", servicelevel.StateOK: "◷", servicelevel.StateMet: "✓", "paused": "❚❚",
}

func stateIcon(state string) string { return stateIcons[state] }

// clockTally counts one clock's outcomes over a customer's cases.
type clockTally struct {
	Name                           string
	Met, Breached, Running, Paused int
}

// Decided counts the clocks whose outcome is known: met, or breached
// (a breach is final even before the work is done).
func (t clockTally) Decided() int { return t.Met + t.Breached }

// Share is the share of decided clocks that were met, in whole percent.
func (t clockTally) Share() int {
	if n := t.Decided(); n > 0 {
		return (t.Met*100 + n/2) / n
	}
	return 0
}

func (t *clockTally) add(c servicelevel.Clock) {
	switch {
	case !c.Owed():
	case c.Paused:
		t.Paused++
	case c.State == servicelevel.StateMet:
		t.Met++
	case c.State == servicelevel.StateBreached:
		t.Breached++
	default:
		t.Running++
	}
}
