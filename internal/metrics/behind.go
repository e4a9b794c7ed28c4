package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// BehindCase is one case counted in a case metric's value: what a person
// checking the number wants to see of it.
type BehindCase struct {
	ID, Subject, CustomerID, OwnerID, Status, Channel, Category string
	CreatedAt                                                   time.Time
	ResolvedAt, DueAt                                           *time.Time
	Contacts, Reopens                                           int
	// Counted is true when the case is in the numerator (met), not only
	// in the denominator.
	Counted bool
}

// CasesBehind lists, newest first, up to limit of the cases behind a case
// metric's value for the period (one cut's when by is set), by the very
// rule that counts them, and whether there are more.
func (s *Service) CasesBehind(ctx context.Context, key string, p Period, by, cut string, limit int) ([]BehindCase, bool, error) {
	var r caseRule
	var args []any
	if key == "backlog_age" {
		// Open at the end of the period, or now if sooner.
		end := p.End
		if now := s.DB.Now(); now.Before(end) {
			end = now
		}
		args = []any{store.Millis(end)}
		r = caseRule{from: caseFrom, at: "c.created_at", met: "c.resolution_due_at IS NOT NULL AND c.resolution_due_at < $1", due: "c.resolution_due_at",
			agent: "COALESCE(c.owner_id, '')",
			where: "c.created_at < $1 AND (c.status IN ('new', 'open', 'pending_customer', 'pending_internal') OR c.resolved_at >= $1) AND (c.closed_at IS NULL OR c.closed_at >= $1)"}
	} else {
		var ok bool
		if r, ok = caseRules[key]; !ok {
			return nil, false, anchor.Invalid("key", "%s is not a case metric", key)
		}
		if r.args != nil {
			var err error
			if args, err = r.args(ctx, s); err != nil {
				return nil, false, err
			}
		}
		args = append(args, store.Millis(p.Start), store.Millis(p.End))
		n := len(args)
		r.where += fmt.Sprintf(" AND %[1]s >= $%[2]d AND %[1]s < $%[3]d", r.at, n-1, n)
	}
	if by != "" {
		def, _ := Lookup(key)
		if !contains(def.Dimensions, by) {
			return nil, false, anchor.Invalid("by", "%s can be cut by %s", key, strings.Join(def.Dimensions, ", "))
		}
		args = append(args, cut)
		r.where += fmt.Sprintf(" AND %s = $%d", r.dim(by), len(args))
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT DISTINCT c.id, c.subject, c.customer_id, COALESCE(c.owner_id, ''), c.status, c.channel, c.category,
		c.created_at, c.resolved_at, `+r.due+`, (SELECT COUNT(*) FROM case_contacts k WHERE k.case_id = c.id), c.reopen_count,
		CASE WHEN `+r.met+` THEN 1 ELSE 0 END, `+r.at+`
		FROM `+r.fromBy(by)+` WHERE `+r.where+` ORDER BY `+r.at+` DESC, c.id LIMIT `+fmt.Sprint(limit+1), args...)
	if err != nil {
		return nil, false, fmt.Errorf("cases behind %s: %w", key, err)
	}
	defer rows.Close()
	var out []BehindCase
	for rows.Next() {
		var c BehindCase
		var created, at int64
		var resolved, due sql.NullInt64
		var counted int
		if err := rows.Scan(&c.ID, &c.Subject, &c.CustomerID, &c.OwnerID, &c.Status, &c.Channel, &c.Category, &created, &resolved, &due,
			&c.Contacts, &c.Reopens, &counted, &at); err != nil {
			return nil, false, fmt.Errorf("cases behind %s: %w", key, err)
		}
		c.CreatedAt, c.ResolvedAt, c.DueAt, c.Counted = store.Time(created), store.NullTime(resolved), store.NullTime(due), counted == 1
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("cases behind %s: %w", key, err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
