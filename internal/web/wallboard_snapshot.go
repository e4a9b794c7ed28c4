package web

import (
	"cmp"
	"context"
	"slices"
	"time"

	"anchor/internal/contactcenter"
	"anchor/internal/metrics"
	"anchor/internal/users"
)

// wallboardStale is how long without a new event from the phone system
// the board warns that it may not be live: an import that stopped would
// otherwise show yesterday's queue as if it were now.
const wallboardStale = 5 * time.Minute

// wallboardSnapshot is what a wallboard shows, as sent to every open board
// (compact JSON: short keys, durations in whole seconds, ratios as
// fractions). It is built once per tick and shared.
type wallboardSnapshot struct {
	// At is when it was built; AsOf the newest event the imports have
	// read (absent before any).
	At    time.Time  `json:"at"`
	AsOf  *time.Time `json:"as_of,omitempty"`
	Stale bool       `json:"stale"`
	// Day is the day the "today" figures cover, in the server's zone.
	Day    string       `json:"day"`
	Queues []queueBoard `json:"queues"`
	Total  queueBoard   `json:"total"`
	Agents []agentBoard `json:"agents"`
	// SLStatus and AbandonStatus judge the total against the metrics'
	// targets (metrics.Status), so the colour has a word.
	Targets boardTargets `json:"targets"`
}

type boardTargets struct {
	ServiceLevel *float64 `json:"sl,omitempty"`
	SLWarning    *float64 `json:"sl_warn,omitempty"`
	Abandon      *float64 `json:"ab,omitempty"`
	AbWarning    *float64 `json:"ab_warn,omitempty"`
}

// queueBoard is one queue's line.
type queueBoard struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Waiting int    `json:"waiting"`
	// Longest is the longest current wait, in seconds.
	Longest int64 `json:"longest"`
	// Threshold is the queue's service-level threshold, in seconds.
	Threshold    int      `json:"threshold,omitempty"`
	Offered      int64    `json:"offered"`
	ServiceLevel *float64 `json:"sl"`
	AbandonRate  *float64 `json:"ab"`
	SLStatus     string   `json:"sl_status"`
	AbStatus     string   `json:"ab_status"`
	Available    int      `json:"avail"`
	OnContact    int      `json:"busy"`
	Paused       int      `json:"paused"`
}

// agentBoard is one agent logged in: state, reason, seconds in the state
// and the indexes of its queues in Queues.
type agentBoard struct {
	Name   string `json:"n"`
	State  string `json:"s"`
	Reason string `json:"r,omitempty"`
	For    int64  `json:"t"`
	Queues []int  `json:"q"`
}

// stateOrder puts on the board first what a supervisor acts on: pauses,
// then wrap-up, then agents on contacts, then those free.
var stateOrder = map[string]int{contactcenter.AgentPaused: 0, contactcenter.AgentWrapUp: 1, contactcenter.AgentOnContact: 2, contactcenter.AgentAvailable: 3}

func ratio(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

// buildWallboard computes the snapshot: queues, what is live now, today's
// rollups per queue, user names and the targets — a handful of queries
// whatever the number of watchers.
func (s *Server) buildWallboard(ctx context.Context) (wallboardSnapshot, error) {
	now := s.DB.Now().UTC()
	loc := s.Location
	y, m, d := now.In(loc).Date()
	dayStart := time.Date(y, m, d, 0, 0, 0, 0, loc)
	snap := wallboardSnapshot{At: now, Day: dayStart.Format("Mon 2 Jan"), Queues: []queueBoard{}, Agents: []agentBoard{}}

	qs, err := s.Contact.Queues(ctx)
	if err != nil {
		return snap, err
	}
	live, err := s.Contact.Live(ctx)
	if err != nil {
		return snap, err
	}
	today, err := s.Contact.Rollups(ctx, contactcenter.RollupFilter{From: dayStart.UTC(), By: []string{"queue"}})
	if err != nil {
		return snap, err
	}
	us, err := s.Users.List(ctx, users.Filter{})
	if err != nil {
		return snap, err
	}
	names := make(map[string]string, len(us))
	for _, u := range us {
		names[u.ID] = u.Name
	}
	day := dayStart.Format(time.DateOnly)
	for _, t := range []struct {
		key             string
		target, warning **float64
	}{{"service_level", &snap.Targets.ServiceLevel, &snap.Targets.SLWarning}, {"abandon_rate", &snap.Targets.Abandon, &snap.Targets.AbWarning}} {
		st, err := s.Metrics.Settings(ctx, t.key)
		if err != nil {
			return snap, err
		}
		*t.target, *t.warning = st.TargetOn(day)
	}

	index := make(map[string]int, len(qs))
	for i, q := range qs {
		index[q.ID] = i
		snap.Queues = append(snap.Queues, queueBoard{ID: q.ID, Name: q.Name, Threshold: q.ServiceLevelSeconds})
	}
	var total contactcenter.Counts
	for _, r := range today {
		total.Add(r.Counts)
		if i, ok := index[r.QueueID]; ok {
			qb := &snap.Queues[i]
			qb.Offered = r.Offered
			qb.ServiceLevel = ratio(r.ServiceLevel())
			qb.AbandonRate = ratio(r.AbandonRate())
		}
	}
	snap.Total = queueBoard{Name: "All queues", Offered: total.Offered, ServiceLevel: ratio(total.ServiceLevel()), AbandonRate: ratio(total.AbandonRate())}

	if !live.AsOf.IsZero() {
		asOf := live.AsOf.UTC()
		snap.AsOf = &asOf
		snap.Stale = now.Sub(asOf) > wallboardStale && (len(live.Agents) > 0 || len(live.Contacts) > 0)
	}
	secs := func(t time.Time) int64 { return max(0, int64(now.Sub(t)/time.Second)) }
	for _, c := range live.Contacts {
		if c.AnsweredAt != nil {
			continue // talking: the agent shows it
		}
		wait := secs(c.OfferedAt)
		snap.Total.Waiting++
		snap.Total.Longest = max(snap.Total.Longest, wait)
		if i, ok := index[c.QueueID]; ok {
			qb := &snap.Queues[i]
			qb.Waiting++
			qb.Longest = max(qb.Longest, wait)
		}
	}
	for _, a := range live.Agents {
		ab := agentBoard{Name: a.Agent, State: a.State, Reason: a.Reason, For: secs(a.Since), Queues: []int{}}
		if n := names[a.AgentID]; n != "" {
			ab.Name = n
		}
		count := func(qb *queueBoard) {
			switch a.State {
			case contactcenter.AgentAvailable:
				qb.Available++
			case contactcenter.AgentPaused:
				qb.Paused++
			default: // on a contact or wrapping one up: working
				qb.OnContact++
			}
		}
		count(&snap.Total)
		for _, id := range a.QueueIDs {
			if i, ok := index[id]; ok {
				ab.Queues = append(ab.Queues, i)
				count(&snap.Queues[i])
			}
		}
		snap.Agents = append(snap.Agents, ab)
	}
	slices.SortFunc(snap.Agents, func(x, y agentBoard) int {
		return cmp.Or(cmp.Compare(stateOrder[x.State], stateOrder[y.State]), cmp.Compare(y.For, x.For), cmp.Compare(x.Name, y.Name))
	})
	judge := func(qb *queueBoard) {
		qb.SLStatus = metrics.Status(metrics.HigherIsBetter, qb.ServiceLevel, snap.Targets.ServiceLevel, snap.Targets.SLWarning)
		qb.AbStatus = metrics.Status(metrics.LowerIsBetter, qb.AbandonRate, snap.Targets.Abandon, snap.Targets.AbWarning)
	}
	for i := range snap.Queues {
		judge(&snap.Queues[i])
	}
	judge(&snap.Total)
	return snap, nil
}
