package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"anchor"
	"anchor/internal/contactcenter"
	"anchor/internal/feedback"
	"anchor/internal/metrics"
	"anchor/internal/qa"
	"anchor/internal/store"
	"anchor/internal/surveys"
	"anchor/internal/users"
)

// itemsShown bounds the list behind a number: enough to check a figure,
// not a report export.
const itemsShown = 200

// itemSource says what a metric's number is made of, for the list behind
// it; "" when it is agent time or entered by hand.
func itemSource(key string) string {
	switch key {
	case "fcr", "resolution", "first_response", "backlog_age", "callback_punctuality", "handoff_on_time":
		return "cases"
	case "service_level", "asa", "abandon_rate", "aht":
		return "contacts"
	case "accuracy", "treatment":
		return "qa"
	case "csat", "nps":
		return "surveys"
	case "praise_complaint_ratio", "ideas_implemented":
		return "feedback"
	}
	return ""
}

// itemCase is one case behind a case metric.
type itemCase struct {
	ID, Subject, CustomerID, OwnerID, Status, Channel, Category string
	CreatedAt                                                   time.Time
	ResolvedAt, DueAt                                           *time.Time
	Contacts, Reopens                                           int
}

type itemsData struct {
	Week        weekChoice
	Def         metrics.Definition
	By, Cut     string
	CutName     string
	Source      string
	Cases       []itemCase
	Contacts    []contactcenter.ContactRecord
	Evaluations []qa.Evaluation
	Responses   []surveys.Response
	Feedback    []feedback.Item
	More        bool
	Dir         *directory
	Queues      map[string]string
}

// showMetricItems lists the cases, contacts, evaluations, answers or
// feedback items a metric's week (or one cut of it) is computed from.
func (s *Server) showMetricItems(w http.ResponseWriter, r *http.Request, u users.User) error {
	ctx := r.Context()
	def, err := s.lookupMetric(r, r.PathValue("key"))
	if err != nil {
		return err
	}
	wk, err := s.pickWeek(ctx, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := itemsData{Week: wk, Def: def, By: q.Get("by"), Cut: q.Get("cut"), Source: itemSource(def.Key)}
	if d.By != "" && !containsString(def.Dimensions, d.By) {
		return anchor.Invalid("by", "%s can be cut by %v", def.Key, def.Dimensions)
	}
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	from, to := wk.Period.Start, wk.Period.End
	page := store.Page{Limit: itemsShown}
	switch d.Source {
	case "cases":
		d.Cases, d.More, err = s.metricCases(ctx, def.Key, from, to, d.By, d.Cut)
	case "contacts":
		f := contactcenter.RecordFilter{From: from, To: to, Page: page}
		switch d.By {
		case metrics.ByQueue:
			f.QueueID = d.Cut
		case metrics.ByAgent:
			f.AgentID = d.Cut
		}
		var all []contactcenter.ContactRecord
		var next string
		all, next, err = s.Contact.ContactRecords(ctx, f)
		d.More = next != ""
		for _, c := range all {
			if (d.By == metrics.BySegment && c.SegmentID != d.Cut) || (d.By == metrics.ByChannel && c.Channel != d.Cut) {
				continue
			}
			d.Contacts = append(d.Contacts, c)
		}
		d.Queues = map[string]string{}
		if qs, qerr := s.Contact.Queues(ctx); qerr == nil {
			for _, x := range qs {
				d.Queues[x.ID] = x.Name
			}
		}
	case "qa":
		f := qa.EvaluationFilter{From: &from, To: &to, Page: page}
		if d.By == metrics.ByAgent {
			f.AgentID = d.Cut
		}
		var next string
		d.Evaluations, next, err = s.QA.Evaluations(ctx, u.Actor(), f)
		d.More = next != ""
	case "surveys":
		f := surveys.ResponseFilter{Kind: def.Key, From: &from, To: &to, Page: page}
		switch d.By {
		case metrics.BySegment:
			f.SegmentID = d.Cut
		case metrics.ByAgent:
			f.AgentID = d.Cut
		}
		var next string
		d.Responses, next, err = s.Surveys.Responses(ctx, f)
		d.More = next != ""
	case "feedback":
		f := feedback.Filter{From: &from, To: &to, Page: page}
		switch d.By {
		case metrics.BySegment:
			f.SegmentID = d.Cut
		case metrics.ByDepartment:
			f.DepartmentID = d.Cut
		case metrics.ByAgent:
			f.CapturedBy = d.Cut
		}
		var next string
		d.Feedback, next, err = s.Feedback.List(ctx, u.Actor(), f)
		d.More = next != ""
	default:
		return anchor.Invalid("key", "%s is computed from agent time or entered by hand: there is no list behind it", def.Key)
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "scorecard_items", &view{Title: def.Name + " " + wk.Week + ": behind the number", Nav: "scorecard", User: u, Data: d})
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// metricCases lists the cases a case metric counts in [from, to), with
// the metric's own rule for which period a case belongs to (see
// internal/metrics/cases.go), optionally one cut's.
//
// This is a read the cases package does not offer yet (its Filter has no
// time bounds); it is kept here, read-only and next to the page that needs
// it, until cases.Filter grows ResolvedFrom/To and friends.
func (s *Server) metricCases(ctx context.Context, key string, from, to time.Time, by, cut string) ([]itemCase, bool, error) {
	now := store.Millis(s.DB.Now())
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	lo, hi := arg(store.Millis(from)), arg(store.Millis(to))
	decided := func(met, due string) string {
		return fmt.Sprintf("(CASE WHEN c.%[1]s IS NOT NULL AND c.%[1]s <= c.%[2]s THEN c.%[1]s ELSE c.%[2]s END)", met, due)
	}
	join, where, order, due := "", "", "c.resolved_at", "c.resolution_due_at"
	switch key {
	case "fcr":
		where = "c.resolved_at >= " + lo + " AND c.resolved_at < " + hi
	case "resolution":
		at := decided("resolved_at", "resolution_due_at")
		where, order = "c.resolution_due_at IS NOT NULL AND "+at+" >= "+lo+" AND "+at+" < "+hi+" AND "+at+" <= "+arg(now), at
	case "first_response":
		at := decided("first_response_at", "first_response_due_at")
		where, order, due = "c.first_response_due_at IS NOT NULL AND "+at+" >= "+lo+" AND "+at+" < "+hi+" AND "+at+" <= "+arg(now), at, "c.first_response_due_at"
	case "backlog_age":
		// Open at the end of the week, or now if sooner.
		end := min(store.Millis(to), now)
		args = args[:0]
		e := arg(end)
		where, order = "c.created_at < "+e+" AND (c.status IN ('new', 'open', 'pending_customer', 'pending_internal') OR c.resolved_at >= "+e+")", "c.created_at"
	case "callback_punctuality":
		join = " JOIN callbacks b ON b.case_id = c.id"
		where, order, due = "b.status <> 'cancelled' AND b.window_end >= "+lo+" AND b.window_end < "+hi, "b.window_end", "b.window_end"
	case "handoff_on_time":
		join = " JOIN handoffs h ON h.case_id = c.id"
		where, order, due = "h.status NOT IN ('returned', 'cancelled') AND h.due_at >= "+lo+" AND h.due_at < "+hi+" AND (h.completed_at IS NOT NULL OR h.due_at <= "+arg(now)+")", "h.due_at", "h.due_at"
	default:
		return nil, false, anchor.Invalid("key", "%s is not a case metric", key)
	}
	if by != "" {
		col := ""
		switch by {
		case metrics.BySegment:
			col = "cu.segment_id"
		case metrics.ByChannel:
			col = "c.channel"
		case metrics.ByCategory:
			col = "c.category"
		case metrics.ByAgent:
			col = "COALESCE(c.owner_id, '')"
			if key == "callback_punctuality" {
				col = "COALESCE(b.owner_id, '')"
			}
		case metrics.ByDepartment:
			if key != "handoff_on_time" {
				return nil, false, anchor.Invalid("by", "only handoffs are cut by department")
			}
			col = "h.department_id"
		default:
			return nil, false, anchor.Invalid("by", "unknown cut %q", by)
		}
		where += " AND " + col + " = " + arg(cut)
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT DISTINCT c.id, c.subject, c.customer_id, COALESCE(c.owner_id, ''), c.status, c.channel, c.category,
		c.created_at, c.resolved_at, `+due+`, c.reopen_count, (SELECT COUNT(*) FROM case_contacts k WHERE k.case_id = c.id), `+order+`
		FROM cases c JOIN customers cu ON cu.id = c.customer_id`+join+` WHERE `+where+` ORDER BY `+order+` DESC, c.id LIMIT `+fmt.Sprint(itemsShown+1), args...)
	if err != nil {
		return nil, false, fmt.Errorf("unable to list the cases behind %s: %w", key, err)
	}
	defer rows.Close()
	var out []itemCase
	for rows.Next() {
		var c itemCase
		var created int64
		var resolved, dueAt, sortKey *int64
		if err := rows.Scan(&c.ID, &c.Subject, &c.CustomerID, &c.OwnerID, &c.Status, &c.Channel, &c.Category, &created, &resolved, &dueAt,
			&c.Reopens, &c.Contacts, &sortKey); err != nil {
			return nil, false, fmt.Errorf("unable to list the cases behind %s: %w", key, err)
		}
		c.CreatedAt = store.Time(created)
		if resolved != nil {
			t := store.Time(*resolved)
			c.ResolvedAt = &t
		}
		if dueAt != nil {
			t := store.Time(*dueAt)
			c.DueAt = &t
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("unable to list the cases behind %s: %w", key, err)
	}
	more := len(out) > itemsShown
	if more {
		out = out[:itemsShown]
	}
	return out, more, nil
}
