package surveys

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"anchor/internal/store"
)

// PlanBatch bounds the invitations one planning pass creates per program,
// so a program that starts on a 100,000-contact segment is planned in
// short transactions rather than one that holds the writer for minutes.
const PlanBatch = 2000

// settle is how far behind the clock CSAT planning reads resolved cases:
// a case resolved in a transaction still open when the planner looks must
// not fall behind the planner's mark and be missed for ever.
const settle = time.Minute

// PlanResult counts what one planning pass decided.
type PlanResult struct {
	Planned int `json:"planned"`
	Skipped int `json:"skipped"`
	// More is set when a program hit PlanBatch: run again.
	More bool `json:"more"`
}

// planLock serialises planners on PostgreSQL. The rolling rules ("not
// within N days of the last one") are read-then-insert; two instances
// planning at once would both see no recent invitation. The key is
// arbitrary but fixed ("VOC" in ASCII).
const planLock = 0x564F43

// Plan turns every active program into the invitations now due: CSAT for
// cases resolved since the last pass, NPS for contacts not asked in the
// program's interval, an assessment per account for the current month.
// Invitations that a rule forbids are recorded as skipped with the reason,
// so that each case is decided once and the decision can be read.
func (s *Service) Plan(ctx context.Context) (PlanResult, error) {
	var res PlanResult
	programs, err := s.Programs(ctx, ProgramFilter{Active: ptr(true)})
	if err != nil {
		return res, err
	}
	for _, p := range programs {
		err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			if s.DB.Dialect == store.Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(planLock)); err != nil {
					return fmt.Errorf("planning lock: %w", err)
				}
			}
			// Read again under the lock: another planner may have moved
			// the mark, or the program may have been switched off.
			var active bool
			var plannedUntil int64
			if err := tx.QueryRowContext(ctx, `SELECT active, planned_until FROM survey_programs WHERE id = $1`, p.ID).Scan(&active, &plannedUntil); err != nil {
				return fmt.Errorf("plan %s: %w", p.ID, err)
			}
			if !active {
				return nil
			}
			var r PlanResult
			var err error
			switch p.Kind {
			case KindCSAT:
				r, err = s.planCSAT(ctx, tx, p, plannedUntil)
			case KindNPS:
				r, err = s.planNPS(ctx, tx, p)
			case KindAssessment:
				r, err = s.planAssessment(ctx, tx, p)
			}
			res.Planned += r.Planned
			res.Skipped += r.Skipped
			res.More = res.More || r.More
			return err
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func ptr[T any](v T) *T { return &v }

// newInvitation is an invitation about to be stored.
type newInvitation struct {
	program             Program
	customer, segment   string
	caseID              string
	email, name, period string
	dedupe              string
	status, reason      string
	due                 time.Time
}

// insertInvitation stores an invitation unless its dedupe key is taken;
// it reports whether it did.
func insertInvitation(ctx context.Context, tx *sql.Tx, n newInvitation, now time.Time) (bool, error) {
	expires := n.due.Add(time.Duration(n.program.ExpiresDays) * 24 * time.Hour)
	res, err := tx.ExecContext(ctx, `INSERT INTO survey_invitations (id, program_id, kind, customer_id, segment_id, case_id, contact_email, contact_name,
		period, dedupe_key, status, reason, due_at, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (dedupe_key) DO NOTHING`,
		store.NewID(now), n.program.ID, n.program.Kind, n.customer, n.segment, store.NullString(n.caseID), n.email, n.name,
		n.period, n.dedupe, n.status, n.reason, store.Millis(n.due), store.Millis(expires), store.Millis(now))
	if err != nil {
		return false, fmt.Errorf("insert survey invitation: %w", err)
	}
	k, _ := res.RowsAffected()
	return k == 1, nil
}

// firstEmail is the customer's first contact with an e-mail address: the
// one surveys go to.
func firstEmail(ctx context.Context, q store.Queryer, customer string) (email, name string, err error) {
	err = q.QueryRowContext(ctx, `SELECT email, name FROM customer_contacts WHERE customer_id = $1 AND email <> '' ORDER BY position LIMIT 1`, customer).Scan(&email, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return email, name, err
}

// planCSAT invites the customer of each case resolved since the program's
// mark. Once per case is the dedupe key csat:<case> (a case reopened and
// resolved again is not asked twice); once per customer per N days counts
// the customer's CSAT invitations due in the N days before this one.
func (s *Service) planCSAT(ctx context.Context, tx *sql.Tx, p Program, plannedUntil int64) (PlanResult, error) {
	var res PlanResult
	now := s.DB.Now()
	delay := time.Duration(p.DelayMinutes) * time.Minute
	upTo := store.Millis(now.Add(-delay - settle))
	if upTo <= plannedUntil {
		return res, nil
	}
	type resolved struct {
		id, customer string
		at           int64
	}
	var todo []resolved
	if err := store.EachRow(ctx, tx, `SELECT c.id, c.customer_id, c.resolved_at FROM cases c JOIN customers cu ON cu.id = c.customer_id
		WHERE cu.segment_id = $1 AND c.resolved_at > $2 AND c.resolved_at <= $3
		AND NOT EXISTS (SELECT 1 FROM survey_invitations i WHERE i.case_id = c.id AND i.kind = 'csat')
		ORDER BY c.resolved_at, c.id`+store.Limit(PlanBatch), []any{p.SegmentID, plannedUntil, upTo}, func(rows *sql.Rows) error {
		var r resolved
		err := rows.Scan(&r.id, &r.customer, &r.at)
		todo = append(todo, r)
		return err
	}); err != nil {
		return res, fmt.Errorf("plan csat: %w", err)
	}
	mark := upTo
	if len(todo) == PlanBatch {
		// Cases resolved in the same millisecond as the last one read may
		// lie beyond the batch: stop the mark just before it, and let the
		// NOT EXISTS skip what is done.
		mark, res.More = todo[len(todo)-1].at-1, true
	}
	for _, r := range todo {
		due := store.Time(r.at).Add(delay)
		n := newInvitation{program: p, customer: r.customer, segment: p.SegmentID, caseID: r.id, dedupe: "csat:" + r.id, status: InvPending, due: due}
		var err error
		if n.email, n.name, err = firstEmail(ctx, tx, r.customer); err != nil {
			return res, fmt.Errorf("plan csat: contact: %w", err)
		}
		if n.email == "" {
			n.status, n.reason = InvSkipped, "the customer has no contact with an e-mail address"
		} else if p.IntervalDays > 0 {
			var last sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT MAX(due_at) FROM survey_invitations WHERE customer_id = $1 AND kind = 'csat'
				AND status IN ('pending', 'sending', 'sent', 'answered') AND due_at > $2 AND due_at <= $3`,
				r.customer, store.Millis(due.Add(-time.Duration(p.IntervalDays)*24*time.Hour)), store.Millis(due)).Scan(&last); err != nil {
				return res, fmt.Errorf("plan csat: last survey: %w", err)
			}
			if last.Valid {
				n.status = InvSkipped
				n.reason = fmt.Sprintf("the customer was asked on %s: at most one CSAT every %d days", store.Time(last.Int64).Format("2006-01-02"), p.IntervalDays)
			}
		}
		ok, err := insertInvitation(ctx, tx, n, now)
		if err != nil {
			return res, err
		}
		res.count(n, ok)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE survey_programs SET planned_until = $2 WHERE id = $1 AND planned_until < $2`, p.ID, mark); err != nil {
		return res, fmt.Errorf("plan csat: mark: %w", err)
	}
	return res, nil
}

// count adds an invitation to the result, if insertInvitation wrote it
// (an invitation already there is neither planned nor skipped again).
func (r *PlanResult) count(n newInvitation, written bool) {
	switch {
	case written && n.status == InvSkipped:
		r.Skipped++
	case written:
		r.Planned++
	}
}

// planNPS invites every contact (by e-mail address: contacts are rewritten
// when a customer is edited, addresses stay) of the segment's customers
// that has had no NPS invitation in the program's interval.
func (s *Service) planNPS(ctx context.Context, tx *sql.Tx, p Program) (PlanResult, error) {
	var res PlanResult
	now := s.DB.Now()
	since := store.Millis(now.Add(-time.Duration(p.IntervalDays) * 24 * time.Hour))
	var todo [][3]string
	if err := store.EachRow(ctx, tx, `SELECT cc.customer_id, cc.email, MIN(cc.name) FROM customer_contacts cc JOIN customers cu ON cu.id = cc.customer_id
		WHERE cu.segment_id = $1 AND cc.email <> ''
		AND NOT EXISTS (SELECT 1 FROM survey_invitations i WHERE i.customer_id = cc.customer_id AND i.kind = 'nps'
			AND i.contact_email = cc.email AND i.due_at > $2 AND i.status <> 'failed')
		GROUP BY cc.customer_id, cc.email ORDER BY cc.customer_id, cc.email`+store.Limit(PlanBatch), []any{p.SegmentID, since}, func(rows *sql.Rows) error {
		var t [3]string
		err := rows.Scan(&t[0], &t[1], &t[2])
		todo = append(todo, t)
		return err
	}); err != nil {
		return res, fmt.Errorf("plan nps: %w", err)
	}
	res.More = len(todo) == PlanBatch
	for _, t := range todo {
		ok, err := insertInvitation(ctx, tx, newInvitation{program: p, customer: t[0], segment: p.SegmentID, email: t[1], name: t[2],
			dedupe: "nps:" + t[0] + ":" + t[1] + ":" + strconv.FormatInt(store.Millis(now), 10), status: InvPending, due: now}, now)
		if err != nil {
			return res, err
		}
		if ok {
			res.Planned++
		}
	}
	return res, nil
}

// planAssessment invites each account of the segment once per calendar
// month (UTC), at its first contact with an e-mail address.
func (s *Service) planAssessment(ctx context.Context, tx *sql.Tx, p Program) (PlanResult, error) {
	var res PlanResult
	now := s.DB.Now()
	period := now.Format("2006-01")
	var todo []string
	if err := store.EachRow(ctx, tx, `SELECT cu.id FROM customers cu WHERE cu.segment_id = $1
		AND NOT EXISTS (SELECT 1 FROM survey_invitations i WHERE i.customer_id = cu.id AND i.kind = 'assessment' AND i.period = $2)
		ORDER BY cu.id`+store.Limit(PlanBatch), []any{p.SegmentID, period}, func(rows *sql.Rows) error {
		var id string
		err := rows.Scan(&id)
		todo = append(todo, id)
		return err
	}); err != nil {
		return res, fmt.Errorf("plan assessment: %w", err)
	}
	res.More = len(todo) == PlanBatch
	for _, id := range todo {
		n := newInvitation{program: p, customer: id, segment: p.SegmentID, period: period, dedupe: "assessment:" + id + ":" + period, status: InvPending, due: now}
		var err error
		if n.email, n.name, err = firstEmail(ctx, tx, id); err != nil {
			return res, fmt.Errorf("plan assessment: contact: %w", err)
		}
		if n.email == "" {
			n.status, n.reason = InvSkipped, "the customer has no contact with an e-mail address"
		}
		ok, err := insertInvitation(ctx, tx, n, now)
		if err != nil {
			return res, err
		}
		res.count(n, ok)
	}
	return res, nil
}
