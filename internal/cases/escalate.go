package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"anchor/internal/metrics"
	"anchor/internal/notify"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
)

// Notifier is told of a clock that became at risk or breached, in the
// transaction that records the change, so that a notification is never
// sent for a change that did not happen, nor lost for one that did.
type Notifier interface {
	Notify(ctx context.Context, tx *sql.Tx, e notify.Event) error
}

// Event types written by the escalation job.
const (
	EventSLAAtRisk   = "sla_at_risk"
	EventSLABreached = "sla_breached"
)

// Escalation counts what one Escalate run found.
type Escalation struct {
	Checked  int `json:"checked"`
	AtRisk   int `json:"at_risk"`
	Breached int `json:"breached"`
}

// escalationBatch bounds one claiming transaction.
const escalationBatch = 200

// Escalate finds the cases, handoffs and callbacks whose clocks changed
// state by themselves (became at risk or breached) and acts once per change:
// an event on the case and a notification to the owner and the owner's
// supervisor. It reads only rows whose sla_check_at has come, by index, and
// claims them in the database (FOR UPDATE SKIP LOCKED on PostgreSQL, the
// single writer on SQLite), so that two servers never escalate one change
// twice. Each change is remembered with the due time it was about, so a
// clock that restarts (next update after a reply) can escalate again.
func (s *Service) Escalate(ctx context.Context) (Escalation, error) {
	var total Escalation
	for _, kind := range []string{"cases", "handoffs", "callbacks"} {
		for {
			n, esc, err := s.escalateBatch(ctx, kind)
			if err != nil {
				return total, err
			}
			total.Checked += esc.Checked
			total.AtRisk += esc.AtRisk
			total.Breached += esc.Breached
			if n < escalationBatch {
				break
			}
		}
	}
	return total, nil
}

func (s *Service) escalateBatch(ctx context.Context, table string) (int, Escalation, error) {
	var esc Escalation
	claimed := 0
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		q := `SELECT id FROM ` + table + ` WHERE sla_check_at <= $1 ORDER BY sla_check_at` + store.Limit(escalationBatch)
		if s.DB.Dialect == store.Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		var ids []string
		if err := store.EachRow(ctx, tx, q, []any{store.Millis(now)}, func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		}); err != nil {
			return fmt.Errorf("claim %s to escalate: %w", table, err)
		}
		claimed = len(ids)
		for _, id := range ids {
			var err error
			switch table {
			case "cases":
				err = s.escalateCase(ctx, tx, id, now, &esc)
			case "handoffs":
				err = s.escalateHandoff(ctx, tx, id, now, &esc)
			case "callbacks":
				err = s.escalateCallback(ctx, tx, id, now, &esc)
			}
			if err != nil {
				return err
			}
			esc.Checked++
		}
		return nil
	})
	return claimed, esc, err
}

// escalated is what was already acted on: clock name → "state@due".
type escalated map[string]string

func readEscalated(ctx context.Context, tx *sql.Tx, table, id string) (escalated, error) {
	var doc string
	if err := tx.QueryRowContext(ctx, `SELECT sla_escalated FROM `+table+` WHERE id = $1`, id).Scan(&doc); err != nil {
		return nil, fmt.Errorf("escalation state of %s %s: %w", table, id, err)
	}
	e := escalated{}
	json.Unmarshal([]byte(doc), &e) //nolint:errcheck // a damaged record re-escalates, which is the safe side
	return e, nil
}

type clockChange struct {
	name  string
	clock servicelevel.Clock
}

// act records and announces every clock of a subject whose at-risk or
// breached state has not been acted on yet.
func (s *Service) act(ctx context.Context, tx *sql.Tx, subject, subjectID, caseID string, recipients []string, clocks []clockChange,
	done escalated, now time.Time, esc *Escalation) error {
	for _, c := range clocks {
		st := c.clock.StateAt(now)
		if (st != servicelevel.StateAtRisk && st != servicelevel.StateBreached) || c.clock.DueAt == nil {
			continue
		}
		key := fmt.Sprintf("%s@%d", st, c.clock.DueAt.UnixMilli())
		if done[c.name] == key {
			continue
		}
		done[c.name] = key
		typ := EventSLAAtRisk
		if st == servicelevel.StateBreached {
			typ = EventSLABreached
			esc.Breached++
		} else {
			esc.AtRisk++
		}
		data := map[string]any{"subject": subject, "subject_id": subjectID, "clock": c.name, "state": st, "due_at": c.clock.DueAt}
		if err := appendEvent(ctx, tx, caseID, typ, "", now, data); err != nil {
			return err
		}
		if s.Notifier != nil {
			msg := fmt.Sprintf("%s %s of case %s is %s (due %s)", subject, c.name, caseID, st, c.clock.DueAt.Format(time.RFC3339))
			if err := s.Notifier.Notify(ctx, tx, notify.Event{Kind: typ, Recipients: recipients, CaseID: caseID,
				SubjectType: subject, SubjectID: subjectID, Message: msg, Data: data}); err != nil {
				return err
			}
		}
	}
	return nil
}

// ownerAndSupervisor is whom an escalation is for.
func ownerAndSupervisor(ctx context.Context, tx *sql.Tx, owner string) ([]string, error) {
	if owner == "" {
		return nil, nil
	}
	var sup sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT supervisor_id FROM users WHERE id = $1`, owner).Scan(&sup); err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("supervisor of %s: %w", owner, err)
	}
	return []string{owner, sup.String}, nil
}

func saveEscalated(ctx context.Context, tx *sql.Tx, table, id string, done escalated, next *time.Time) error {
	doc, _ := json.Marshal(done)
	if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET sla_escalated = $2, sla_check_at = $3 WHERE id = $1`, id, string(doc), store.NullMillis(next)); err != nil {
		return fmt.Errorf("save escalation of %s %s: %w", table, id, err)
	}
	return nil
}

func (s *Service) escalateCase(ctx context.Context, tx *sql.Tx, id string, now time.Time, esc *Escalation) error {
	f, err := readSLAFacts(ctx, tx, id)
	if err != nil {
		return err
	}
	t, err := s.targets(ctx, tx, f)
	if err != nil {
		return err
	}
	clocks, err := t.Clocks(f.caseFacts(), now)
	if err != nil {
		return fmt.Errorf("clocks of case %s: %w", id, err)
	}
	done, err := readEscalated(ctx, tx, "cases", id)
	if err != nil {
		return err
	}
	var owner sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT owner_id FROM cases WHERE id = $1`, id).Scan(&owner); err != nil {
		return fmt.Errorf("owner of case %s: %w", id, err)
	}
	to, err := ownerAndSupervisor(ctx, tx, owner.String)
	if err != nil {
		return err
	}
	if err := s.act(ctx, tx, "case", id, id, to, []clockChange{{"first_response", clocks.FirstResponse}, {"next_update", clocks.NextUpdate},
		{"resolution", clocks.Resolution}}, done, now, esc); err != nil {
		return err
	}
	// A calendar edited since the clocks were stored may have moved the due
	// times; only then have the case's metric days changed.
	var fr, nu, res sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT first_response_due_at, next_update_due_at, resolution_due_at FROM cases WHERE id = $1`, id).Scan(&fr, &nu, &res); err != nil {
		return fmt.Errorf("due times of case %s: %w", id, err)
	}
	if fr != store.NullMillis(clocks.FirstResponse.DueAt) || nu != store.NullMillis(clocks.NextUpdate.DueAt) || res != store.NullMillis(clocks.Resolution.DueAt) {
		if err := metrics.MarkChanged(ctx, tx, store.Time(f.created), now); err != nil {
			return err
		}
	}
	if err := storeClocks(ctx, tx, id, clocks, now); err != nil {
		return err
	}
	return saveEscalated(ctx, tx, "cases", id, done, clocks.NextChange(now))
}

func (s *Service) escalateHandoff(ctx context.Context, tx *sql.Tx, id string, now time.Time, esc *Escalation) error {
	h, err := s.handoff(ctx, tx, id)
	if err != nil {
		return err
	}
	done, err := readEscalated(ctx, tx, "handoffs", id)
	if err != nil {
		return err
	}
	var owner sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT owner_id FROM cases WHERE id = $1`, h.CaseID).Scan(&owner); err != nil {
		return fmt.Errorf("owner of case %s: %w", h.CaseID, err)
	}
	to, err := ownerAndSupervisor(ctx, tx, owner.String)
	if err != nil {
		return err
	}
	var clocks servicelevel.HandoffClocks
	if h.SLA != nil {
		clocks = *h.SLA
	}
	if err := s.act(ctx, tx, "handoff", id, h.CaseID, to, []clockChange{{"accept", clocks.Accept}, {"complete", clocks.Complete}}, done, now, esc); err != nil {
		return err
	}
	return saveEscalated(ctx, tx, "handoffs", id, done, clocks.NextChange(now))
}

func (s *Service) escalateCallback(ctx context.Context, tx *sql.Tx, id string, now time.Time, esc *Escalation) error {
	c, err := s.callback(ctx, tx, id)
	if err != nil {
		return err
	}
	done, err := readEscalated(ctx, tx, "callbacks", id)
	if err != nil {
		return err
	}
	to, err := ownerAndSupervisor(ctx, tx, c.OwnerID)
	if err != nil {
		return err
	}
	var clock servicelevel.Clock
	if c.SLA != nil {
		clock = *c.SLA
	}
	if err := s.act(ctx, tx, "callback", id, c.CaseID, to, []clockChange{{"window", clock}}, done, now, esc); err != nil {
		return err
	}
	return saveEscalated(ctx, tx, "callbacks", id, done, clock.NextChange(now))
}
