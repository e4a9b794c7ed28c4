package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"anchor/internal/metrics"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
)

// levels returns the service-level lookups, a fresh uncached one for a
// zero-value Service (tests that do not care about service levels).
func (s *Service) levels() *servicelevel.Service {
	if s.Levels != nil {
		return s.Levels
	}
	return &servicelevel.Service{DB: s.DB}
}

// slaFacts is what a case's clocks are computed from, as stored.
type slaFacts struct {
	priority, status, customerSegment, slaSegment, calendarID string
	created                                                   int64
	firstResp, lastResp, resolved, pausedSince                sql.NullInt64
	pausedMs                                                  int64
	fr, nu, res                                               sql.NullInt64
	share                                                     sql.NullFloat64
}

func readSLAFacts(ctx context.Context, q store.Queryer, id string) (slaFacts, error) {
	var f slaFacts
	err := q.QueryRowContext(ctx, `SELECT c.priority, c.status, cu.segment_id, COALESCE(c.sla_segment_id, ''), COALESCE(c.sla_calendar_id, ''), c.created_at,
		c.first_response_at, c.last_response_at, c.resolved_at, c.paused_since, c.paused_ms,
		c.sla_first_response_ms, c.sla_next_update_ms, c.sla_resolution_ms, c.sla_at_risk_share
		FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1`, id).Scan(
		&f.priority, &f.status, &f.customerSegment, &f.slaSegment, &f.calendarID, &f.created,
		&f.firstResp, &f.lastResp, &f.resolved, &f.pausedSince, &f.pausedMs, &f.fr, &f.nu, &f.res, &f.share)
	if err != nil {
		return f, fmt.Errorf("read service-level facts of case %s: %w", id, err)
	}
	return f, nil
}

func msDur(v sql.NullInt64) time.Duration { return time.Duration(v.Int64) * time.Millisecond }

func nullDur(d time.Duration) sql.NullInt64 {
	return sql.NullInt64{Int64: d.Milliseconds(), Valid: d > 0}
}

// targets returns the case's stored targets with their calendar.
func (s *Service) targets(ctx context.Context, q store.Queryer, f slaFacts) (servicelevel.CaseTargets, error) {
	cal, err := s.levels().CalendarByID(ctx, q, f.calendarID)
	if err != nil {
		return servicelevel.CaseTargets{}, err
	}
	share := f.share.Float64
	if !f.share.Valid {
		share = servicelevel.DefaultAtRiskShare
	}
	return servicelevel.CaseTargets{Policy: servicelevel.Policy{Calendar: cal, AtRiskShare: share},
		FirstResponse: msDur(f.fr), NextUpdate: msDur(f.nu), Resolution: msDur(f.res)}, nil
}

func (f slaFacts) caseFacts() servicelevel.CaseFacts {
	return servicelevel.CaseFacts{
		CreatedAt:         store.Time(f.created),
		FirstResponseAt:   store.NullTime(f.firstResp),
		LastResponseAt:    store.NullTime(f.lastResp),
		ResolvedAt:        store.NullTime(f.resolved),
		Running:           f.status != StatusResolved && f.status != StatusClosed,
		WaitingOnCustomer: f.status == StatusPendingCustomer,
		PausedSince:       store.NullTime(f.pausedSince),
		PausedFor:         time.Duration(f.pausedMs) * time.Millisecond,
	}
}

// refreshSLA recomputes a case's clocks after a change and stores their due
// times, their JSON and the next instant one changes state by itself (which
// the escalation job waits for). With reclassify, or when the customer's
// segment is not the one the targets came from, the targets are looked up
// again in the service matrix: a priority or segment change recomputes the
// targets from the creation time.
func (s *Service) refreshSLA(ctx context.Context, tx *sql.Tx, id string, now time.Time, reclassify bool) error {
	f, err := readSLAFacts(ctx, tx, id)
	if err != nil {
		return err
	}
	// Every change of a case goes through here: tell the metric rollups
	// that the days of this case may have moved.
	if err := metrics.MarkChanged(ctx, tx, store.Time(f.created), now); err != nil {
		return err
	}
	if reclassify || f.slaSegment != f.customerSegment {
		t, calID, ok, err := s.levels().CaseTargets(ctx, tx, f.customerSegment, f.priority)
		if err != nil {
			return err
		}
		f.slaSegment, f.calendarID = f.customerSegment, calID
		f.fr, f.nu, f.res = nullDur(t.FirstResponse), nullDur(t.NextUpdate), nullDur(t.Resolution)
		f.share = sql.NullFloat64{Float64: t.AtRiskShare, Valid: ok}
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET sla_segment_id = $2, sla_calendar_id = $3, sla_first_response_ms = $4, sla_next_update_ms = $5,
			sla_resolution_ms = $6, sla_at_risk_share = $7 WHERE id = $1`, id, f.slaSegment, store.NullString(calID), f.fr, f.nu, f.res, f.share); err != nil {
			return fmt.Errorf("store targets of case %s: %w", id, err)
		}
	}
	t, err := s.targets(ctx, tx, f)
	if err != nil {
		return err
	}
	clocks, err := t.Clocks(f.caseFacts(), now)
	if err != nil {
		return fmt.Errorf("clocks of case %s: %w", id, err)
	}
	return storeClocks(ctx, tx, id, clocks, now)
}

func storeClocks(ctx context.Context, tx *sql.Tx, id string, c servicelevel.CaseClocks, now time.Time) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("clocks of case %s: %w", id, err)
	}
	// The decided instants follow from the due times and the met times
	// (first_response_at, resolved_at), which the row holds.
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET first_response_due_at = $2, next_update_due_at = $3, resolution_due_at = $4, sla_clocks = $5, sla_check_at = $6,
		first_response_decided_at = CASE WHEN CAST($2 AS BIGINT) IS NULL THEN NULL WHEN first_response_at IS NOT NULL AND first_response_at <= $2 THEN first_response_at ELSE $2 END,
		resolution_decided_at = CASE WHEN CAST($4 AS BIGINT) IS NULL THEN NULL WHEN resolved_at IS NOT NULL AND resolved_at <= $4 THEN resolved_at ELSE $4 END
		WHERE id = $1`,
		id, store.NullMillis(c.FirstResponse.DueAt), store.NullMillis(c.NextUpdate.DueAt), store.NullMillis(c.Resolution.DueAt), string(doc),
		store.NullMillis(c.NextChange(now))); err != nil {
		return fmt.Errorf("store clocks of case %s: %w", id, err)
	}
	return nil
}

// pause books the business time a case spent waiting on the customer when
// it leaves pending_customer, and starts the pause when it enters it.
func (s *Service) pause(ctx context.Context, tx *sql.Tx, id, from, to string, now time.Time) error {
	switch {
	case to == StatusPendingCustomer && from != StatusPendingCustomer:
		_, err := tx.ExecContext(ctx, `UPDATE cases SET paused_since = $2 WHERE id = $1`, id, store.Millis(now))
		return err
	case from == StatusPendingCustomer && to != StatusPendingCustomer:
		f, err := readSLAFacts(ctx, tx, id)
		if err != nil || !f.pausedSince.Valid {
			return err
		}
		cal, err := s.levels().CalendarByID(ctx, tx, f.calendarID)
		if err != nil {
			return err
		}
		paused := cal.Between(store.Time(f.pausedSince.Int64), now)
		_, err = tx.ExecContext(ctx, `UPDATE cases SET paused_ms = paused_ms + $2, paused_since = NULL WHERE id = $1`, id, paused.Milliseconds())
		return err
	}
	return nil
}

// clocksOf decodes stored clocks and settles their states at now.
func clocksOf(doc string, now time.Time) *servicelevel.CaseClocks {
	if doc == "" || doc == "{}" {
		return nil
	}
	c, err := servicelevel.ParseCaseClocks(doc)
	if err != nil {
		return nil
	}
	c.FirstResponse.State = settled(c.FirstResponse, now)
	c.NextUpdate.State = settled(c.NextUpdate, now)
	c.Resolution.State = settled(c.Resolution, now)
	if !c.FirstResponse.Owed() && !c.NextUpdate.Owed() && !c.Resolution.Owed() {
		return nil
	}
	return &c
}

func settled(c servicelevel.Clock, now time.Time) string { return c.StateAt(now) }

// worst is the most urgent state among clocks: what a list sorts and
// colours by.
func worst(states ...string) string {
	rank := map[string]int{"": 0, servicelevel.StateMet: 1, servicelevel.StateOK: 2, servicelevel.StateAtRisk: 3, servicelevel.StateBreached: 4}
	w := ""
	for _, s := range states {
		if rank[s] > rank[w] {
			w = s
		}
	}
	return w
}

// CustomerSegmentChanged recomputes the targets of a customer's open cases
// after it moved to another segment; it runs in the customer update's
// transaction (customers.Service.OnSegmentChange).
func (s *Service) CustomerSegmentChanged(ctx context.Context, tx *sql.Tx, customerID string) error {
	// Every case of the customer is cut by its new segment, resolved ones
	// too: their metric days may all have moved.
	var first sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MIN(created_at) FROM cases WHERE customer_id = $1`, customerID).Scan(&first); err != nil {
		return fmt.Errorf("cases of %s: %w", customerID, err)
	}
	if first.Valid {
		if err := metrics.MarkChanged(ctx, tx, store.Time(first.Int64), s.DB.Now()); err != nil {
			return err
		}
	}
	// The ids are read in full before any case is refreshed: a read that
	// fails part-way must not leave some of the cases retargeted.
	var ids []string
	err := store.EachRow(ctx, tx, `SELECT id FROM cases WHERE customer_id = $1 AND status IN ('new', 'open', 'pending_customer', 'pending_internal')`,
		[]any{customerID}, func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
			return nil
		})
	if err != nil {
		return fmt.Errorf("open cases of %s: %w", customerID, err)
	}
	now := s.DB.Now()
	for _, id := range ids {
		if err := s.refreshSLA(ctx, tx, id, now, true); err != nil {
			return err
		}
	}
	return nil
}

// decidedAt is when a clock was decided: when met, if in time, else at its
// due time (the metrics place a case in a period by it).
func decidedAt(c servicelevel.Clock) *time.Time {
	switch {
	case c.DueAt == nil:
		return nil
	case c.MetAt != nil && !c.MetAt.After(*c.DueAt):
		return c.MetAt
	}
	return c.DueAt
}
