package metrics

import (
	"context"
	"time"

	"anchor/internal/store"
)

// caseDim is the SQL of a case dimension, over cases c joined to their
// customer cu.
func caseDim(by string) string {
	switch by {
	case BySegment:
		return "cu.segment_id"
	case ByChannel:
		return "c.channel"
	case ByAgent:
		return "COALESCE(c.owner_id, '')"
	case ByCategory:
		return "c.category"
	case ByDepartment:
		return "h.department_id"
	}
	return "''"
}

// DefaultFCRWindow is how long after a resolution a new case from the same
// customer in the same category means the first one was not resolved,
// unless the organisation sets another (SetFCRWindow).
const DefaultFCRWindow = 7 * 24 * time.Hour

// caseRule is a case metric's definition in SQL, written once and used
// both to count (the metric) and to list what was counted (the cases
// behind a number). Its SQL uses the aliases c (cases), cu (customers,
// joined only when cut by segment), and b (callbacks) or h (handoffs);
// $1.. are the rule's own arguments.
type caseRule struct {
	from  string // the FROM clause, without the customers
	at    string // the instant that places a row in a period
	where string // which rows count at all
	met   string // the numerator's condition
	due   string // the due time shown beside a listed case
	agent string // the agent a row is cut by
	args  func(ctx context.Context, s *Service) ([]any, error)
}

const caseFrom = `cases c`

// fromBy is the rule's FROM clause for a cut: the customers are joined only
// for their segment. Joined always, they gave the planner a second way in
// (every customer, then its cases), which it sometimes took: a scan of
// every case instead of a range of the index on the instant.
func (r caseRule) fromBy(by string) string {
	if by == BySegment {
		return r.from + ` JOIN customers cu ON cu.id = c.customer_id`
	}
	return r.from
}

func nowArg(_ context.Context, s *Service) ([]any, error) {
	return []any{store.Millis(s.DB.Now())}, nil
}

// clockRule: clocks decided in the period and not later than now (a clock
// is decided when met, if in time, else at its due time; cases stores that
// instant, indexed), met in time among met or due.
// The unary plus keeps "decided <= now" out of the index range: bound
// parameters hide their values from SQLite's planner, which took it as the
// range's upper end, so the partial first day of a year's query walked the
// index to now (a year of cases: 179 ms instead of 13).
func clockRule(met, due, decidedCol string) caseRule {
	return caseRule{from: caseFrom, at: "c." + decidedCol, where: "+c." + decidedCol + " <= $1",
		met: "c." + met + " IS NOT NULL AND c." + met + " <= c." + due, due: "c." + due, agent: "COALESCE(c.owner_id, '')", args: nowArg}
}

var caseRules = map[string]caseRule{
	// Resolved cases (resolved in the period) that had at most one contact
	// up to their resolution, were never reopened, and were not followed
	// within the repeat window by a new case of the same customer and
	// category. (A case is never resolved before it is created, so a case
	// created after the resolution is another one: the repeat check reads
	// the index on customer, category and creation alone.)
	"fcr": {from: caseFrom, at: "c.resolved_at", where: "c.resolved_at IS NOT NULL",
		met: `c.reopen_count = 0
			AND (SELECT COUNT(*) FROM case_contacts k WHERE k.case_id = c.id AND k.started_at <= c.resolved_at) <= 1
			AND NOT EXISTS (SELECT 1 FROM cases n WHERE n.customer_id = c.customer_id AND n.category = c.category
				AND n.created_at > c.resolved_at AND n.created_at <= c.resolved_at + $1)`,
		due: "c.resolution_due_at", agent: "COALESCE(c.owner_id, '')",
		args: func(ctx context.Context, s *Service) ([]any, error) {
			w, err := s.FCRWindow(ctx)
			return []any{w.Milliseconds()}, err
		}},
	// Callbacks whose window ended in the period (a window ending exactly
	// at the period's end belongs to the next one), made inside the window;
	// never made counts as late, cancelled ones are left out.
	"callback_punctuality": {from: `callbacks b JOIN cases c ON c.id = b.case_id`,
		at: "b.window_end", where: "b.status <> 'cancelled'", met: "b.status = 'made' AND b.made_at >= b.window_start AND b.made_at <= b.window_end",
		due: "b.window_end", agent: "COALESCE(b.owner_id, '')"},
	"first_response": clockRule("first_response_at", "first_response_due_at", "first_response_decided_at"),
	"resolution":     clockRule("resolved_at", "resolution_due_at", "resolution_decided_at"),
	// Handoffs due in the period (and already due), completed by their due
	// time; returned and cancelled ones are left out.
	"handoff_on_time": {from: `handoffs h JOIN cases c ON c.id = h.case_id`,
		at: "h.due_at", where: "h.status NOT IN ('returned', 'cancelled') AND (h.completed_at IS NOT NULL OR h.due_at <= $1)",
		met: "h.completed_at IS NOT NULL AND h.completed_at <= h.due_at", due: "h.due_at", agent: "COALESCE(c.owner_id, '')", args: nowArg},
}

// dim is the SQL of a dimension under the rule.
func (r caseRule) dim(by string) string {
	if by == ByAgent {
		return r.agent
	}
	return caseDim(by)
}

// count makes the metric of a rule.
func (r caseRule) count() batchFunc {
	return func(ctx context.Context, s *Service, periods []Period, by string) (map[int][]counts, error) {
		var args []any
		if r.args != nil {
			var err error
			if args, err = r.args(ctx, s); err != nil {
				return nil, err
			}
		}
		return s.runBucketed(ctx, periods, bucketQuery{At: r.at, Args: args, SQL: `SELECT {{bucket}}, ` + r.dim(by) + ` AS cut,
			SUM(CASE WHEN ` + r.met + ` THEN 1 ELSE 0 END), COUNT(*) FROM ` + r.fromBy(by) + ` WHERE ` + r.where + ` AND {{range}} GROUP BY 1, 2`})
	}
}

var (
	computeFCR           = caseRules["fcr"].count()
	computeCallbacks     = caseRules["callback_punctuality"].count()
	computeFirstResponse = caseRules["first_response"].count()
	computeResolution    = caseRules["resolution"].count()
	computeHandoffs      = caseRules["handoff_on_time"].count()
)
