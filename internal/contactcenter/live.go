package contactcenter

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"anchor/internal/queuelog"
)

// Agent states on a live board. Wrap-up is work, as in the rollups: a
// pause whose reason is one of a queue's wrap-up reasons.
const (
	AgentAvailable = "available"
	AgentOnContact = "on_contact"
	AgentWrapUp    = "wrap_up"
	AgentPaused    = "paused"
)

// LiveContact is a contact in a queue right now: waiting (AnsweredAt nil)
// or talking to an agent.
type LiveContact struct {
	QueueID    string     `json:"queue_id"`
	Queue      string     `json:"queue"` // the name as logged
	CallID     string     `json:"call_id"`
	OfferedAt  time.Time  `json:"offered_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	Agent      string     `json:"agent,omitempty"` // the alias as logged
	AgentID    string     `json:"agent_id,omitempty"`
}

// LiveAgent is an agent's state right now: one of the Agent* states, since
// when, and (paused) the pause reason. QueueIDs are the queues the agent is
// a member of.
type LiveAgent struct {
	Agent    string    `json:"agent"`
	AgentID  string    `json:"agent_id,omitempty"`
	State    string    `json:"state"`
	Reason   string    `json:"reason,omitempty"`
	Since    time.Time `json:"since"`
	QueueIDs []string  `json:"queue_ids"`
}

// Live is what is happening now, as far as the imports have read.
type Live struct {
	// AsOf is the time of the newest event any stream has seen: a board
	// whose AsOf lags the clock is fed by an import that has stopped.
	AsOf     time.Time     `json:"as_of"`
	Contacts []LiveContact `json:"contacts"`
	Agents   []LiveAgent   `json:"agents"`
}

// liveState is the part of a queuelog.Builder's saved state (see
// queuelog.Builder.MarshalState) that says what is open now: visits not
// yet ended and agents' open spans. The saved state is the one place the
// open calls and spans are stored (contact records and sessions are
// written only once they end), so the live board reads it; fields it does
// not need (recent calls, pending wrap-ups, counters) are not decoded.
type liveState struct {
	Now  time.Time `json:"now"`
	Open []struct {
		Rec       queuelog.ContactRecord `json:"rec"`
		Connected bool                   `json:"connected"`
	} `json:"open"`
	Agents []struct {
		Name   string                           `json:"name"`
		Login  map[string]queuelog.AgentSession `json:"login"`
		Pause  map[string]queuelog.AgentSession `json:"pause"`
		Avail  *queuelog.AgentSession           `json:"avail"`
		Unav   *queuelog.AgentSession           `json:"unav"`
		Queues []string                         `json:"queues"`
	} `json:"agents"`
}

// Live returns the contacts in queues and the agents logged in now, from
// the saved state of every queue_log stream (Anchor-schema events are
// finished contacts and spans: they have nothing open). Queues and agents
// are resolved to Anchor ids as the import resolves them; a queue not
// known yet has an empty QueueID. It costs one read of cc_streams, the
// queues and the aliases, whatever the history's size.
func (s *Service) Live(ctx context.Context) (Live, error) {
	out := Live{Contacts: []LiveContact{}, Agents: []LiveAgent{}}
	qs, err := s.Queues(ctx)
	if err != nil {
		return out, err
	}
	byAsterisk := map[string]Queue{}
	wrap := map[string]bool{}
	for _, q := range qs {
		if q.AsteriskName != "" {
			byAsterisk[q.AsteriskName] = q
		}
		for _, w := range q.WrapUpReasons {
			wrap[strings.ToLower(w)] = true
		}
	}
	aliases := map[string]string{}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT alias, COALESCE(user_id, '') FROM cc_agent_aliases`)
	if err != nil {
		return out, fmt.Errorf("unable to load aliases: %w", err)
	}
	for rows.Next() {
		var a, u string
		if err := rows.Scan(&a, &u); err != nil {
			rows.Close()
			return out, fmt.Errorf("unable to load aliases: %w", err)
		}
		aliases[a] = u
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("unable to load aliases: %w", err)
	}

	rows, err = s.DB.Read.QueryContext(ctx, `SELECT state FROM cc_streams WHERE kind = $1 ORDER BY id`, kindQueueLog)
	if err != nil {
		return out, fmt.Errorf("unable to read stream states: %w", err)
	}
	var states []string
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			rows.Close()
			return out, fmt.Errorf("unable to read stream states: %w", err)
		}
		states = append(states, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("unable to read stream states: %w", err)
	}

	queueID := func(name string) string { return byAsterisk[name].ID }
	for _, raw := range states {
		if raw == "" {
			continue
		}
		// One pass over the saved state (see streamState), straight into
		// what the board needs: the state holds the half day of recent
		// calls too, megabytes on a large center, and scanning it twice
		// would double the cost.
		var saved struct {
			Builder liveState `json:"builder"`
		}
		if err := json.Unmarshal([]byte(raw), &saved); err != nil {
			return out, fmt.Errorf("unable to read the stream state: %w", err)
		}
		st := saved.Builder
		if st.Now.After(out.AsOf) {
			out.AsOf = st.Now
		}
		// An agent talking is on contact whatever its spans say: the call
		// is the newer fact.
		talking := map[string]time.Time{}
		for _, o := range st.Open {
			c := LiveContact{QueueID: queueID(o.Rec.Queue), Queue: o.Rec.Queue, CallID: o.Rec.CallID, OfferedAt: o.Rec.OfferedAt.UTC()}
			if o.Connected {
				at := o.Rec.AnsweredAt.UTC()
				c.AnsweredAt, c.Agent, c.AgentID = &at, o.Rec.Agent, aliases[o.Rec.Agent]
				if prev, ok := talking[o.Rec.Agent]; !ok || at.Before(prev) {
					talking[o.Rec.Agent] = at
				}
			}
			out.Contacts = append(out.Contacts, c)
		}
		for _, a := range st.Agents {
			if len(a.Login) == 0 {
				continue // logged off: not on the board
			}
			la := LiveAgent{Agent: a.Name, AgentID: aliases[a.Name], QueueIDs: []string{}}
			seen := map[string]bool{}
			addQueue := func(name string) {
				if id := queueID(name); id != "" && !seen[id] {
					seen[id] = true
					la.QueueIDs = append(la.QueueIDs, id)
				}
			}
			for q := range a.Login {
				addQueue(q)
			}
			for _, q := range a.Queues {
				addQueue(q)
			}
			slices.Sort(la.QueueIDs)
			switch at, ok := talking[a.Name]; {
			case ok:
				la.State, la.Since = AgentOnContact, at
			case a.Unav != nil && wrap[strings.ToLower(a.Unav.Reason)]:
				la.State, la.Reason, la.Since = AgentWrapUp, a.Unav.Reason, a.Unav.Start.UTC()
			case a.Unav != nil:
				la.State, la.Reason, la.Since = AgentPaused, a.Unav.Reason, a.Unav.Start.UTC()
			case a.Avail != nil:
				la.State, la.Since = AgentAvailable, a.Avail.Start.UTC()
			default:
				continue // logged in nowhere the Builder counts
			}
			out.Agents = append(out.Agents, la)
		}
	}
	slices.SortFunc(out.Contacts, func(x, y LiveContact) int { return x.OfferedAt.Compare(y.OfferedAt) })
	slices.SortFunc(out.Agents, func(x, y LiveAgent) int { return strings.Compare(x.Agent, y.Agent) })
	return out, nil
}
