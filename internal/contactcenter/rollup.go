package contactcenter

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"anchor"
	"anchor/internal/queuelog"
	"anchor/internal/store"
)

// Interval is the rollup grain. Staffing plans and wallboards work in
// 15-minute intervals; 30-minute and hourly figures are sums of them.
const Interval = 15 * time.Minute

const intervalMS = int64(Interval / time.Millisecond)

// Counts are the sums a rollup row holds. Every metric DESIGN.md defines
// over contacts and agent time is a ratio of these sums (see the methods),
// so a period's figure is exact however the rows are grouped.
type Counts struct {
	// Offered counts contacts that entered a queue: answered + abandoned +
	// other exits. Rejected ones (FULL, JOINEMPTY, CLOSED ...) never entered.
	Offered  int64 `json:"offered"`
	Answered int64 `json:"answered"`
	// AnsweredWithinThreshold: answered after a wait ≤ the queue's
	// service-level threshold (inclusive).
	AnsweredWithinThreshold int64 `json:"answered_within_threshold"`
	// Abandoned includes ShortAbandoned: those with a wait ≤ the queue's
	// short-abandon threshold.
	Abandoned      int64 `json:"abandoned"`
	ShortAbandoned int64 `json:"short_abandoned"`
	// OtherExits: timeout, exit by key, exit empty, withdrawn, dropped by
	// the system, and calls still waiting when Asterisk restarted.
	OtherExits  int64 `json:"other_exits"`
	Transferred int64 `json:"transferred"`
	Rejected    int64 `json:"rejected"`
	// Handled: answered contacts an agent handled (including transferred).
	Handled         int64 `json:"handled"`
	WaitAnsweredMS  int64 `json:"wait_answered_ms"`
	WaitAbandonedMS int64 `json:"wait_abandoned_ms"`
	TalkMS          int64 `json:"talk_ms"`
	HoldMS          int64 `json:"hold_ms"`
	WrapMS          int64 `json:"wrap_ms"`
	// LoggedInMS = AvailableMS + PausedMS. Time in a wrap-up pause is work,
	// not a pause: it is in AvailableMS, as talk time is.
	LoggedInMS  int64 `json:"logged_in_ms"`
	AvailableMS int64 `json:"available_ms"`
	PausedMS    int64 `json:"paused_ms"`
}

// countColumns are the cc_rollups columns of Counts, in fields() order.
var countColumns = []string{"offered", "answered", "answered_within_threshold", "abandoned", "short_abandoned", "other_exits",
	"transferred", "rejected", "handled", "wait_answered_ms", "wait_abandoned_ms", "talk_ms", "hold_ms", "wrap_ms",
	"logged_in_ms", "available_ms", "paused_ms"}

func (c *Counts) fields() []*int64 {
	return []*int64{&c.Offered, &c.Answered, &c.AnsweredWithinThreshold, &c.Abandoned, &c.ShortAbandoned, &c.OtherExits,
		&c.Transferred, &c.Rejected, &c.Handled, &c.WaitAnsweredMS, &c.WaitAbandonedMS, &c.TalkMS, &c.HoldMS, &c.WrapMS,
		&c.LoggedInMS, &c.AvailableMS, &c.PausedMS}
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	f, g := c.fields(), o.fields()
	for i := range f {
		*f[i] += *g[i]
	}
}

// HandleMS is talk + hold + after-contact work.
func (c Counts) HandleMS() int64 { return c.TalkMS + c.HoldMS + c.WrapMS }

// AHT is DESIGN.md's aht: (talk + hold + wrap) / handled. ok is false
// when nothing was handled.
func (c Counts) AHT() (aht time.Duration, ok bool) {
	if c.Handled == 0 {
		return 0, false
	}
	return time.Duration(c.HandleMS()) * time.Millisecond / time.Duration(c.Handled), true
}

// AbandonRate is abandoned / offered with short abandons left out of both.
func (c Counts) AbandonRate() (float64, bool) {
	d := c.Offered - c.ShortAbandoned
	if d <= 0 {
		return 0, false
	}
	return float64(c.Abandoned-c.ShortAbandoned) / float64(d), true
}

// ServiceLevel is answered within the threshold / (offered − short abandons).
func (c Counts) ServiceLevel() (float64, bool) {
	d := c.Offered - c.ShortAbandoned
	if d <= 0 {
		return 0, false
	}
	return float64(c.AnsweredWithinThreshold) / float64(d), true
}

// ASA is the total wait of answered contacts / answered contacts.
func (c Counts) ASA() (time.Duration, bool) {
	if c.Answered == 0 {
		return 0, false
	}
	return time.Duration(c.WaitAnsweredMS) * time.Millisecond / time.Duration(c.Answered), true
}

// Availability is (logged-in − paused) / logged-in.
func (c Counts) Availability() (float64, bool) {
	if c.LoggedInMS == 0 {
		return 0, false
	}
	return float64(c.LoggedInMS-c.PausedMS) / float64(c.LoggedInMS), true
}

// Occupancy is handling time / (logged-in − paused). Over one interval it
// can exceed 1, since a contact's handling time sits in the interval it
// was offered in; over a day it cannot.
func (c Counts) Occupancy() (float64, bool) {
	d := c.LoggedInMS - c.PausedMS
	if d <= 0 {
		return 0, false
	}
	return float64(c.HandleMS()) / float64(d), true
}

// rollupKey is one rollup row's dimensions.
type rollupKey struct {
	interval                       int64
	queue, agent, segment, channel string
}

// thresholds are what a queue's records are judged by.
type thresholds struct {
	slMS, shortMS int64
}

// rollupRules is what turning records and spans into rollup counts needs
// besides the rows: each queue's thresholds and the wrap-up pause reasons.
type rollupRules struct {
	queues map[string]thresholds // by queue id
	wrap   map[string]bool       // lower-case wrap-up pause reasons
}

func newRules(qs []Queue) rollupRules {
	r := rollupRules{queues: map[string]thresholds{}, wrap: map[string]bool{}}
	for _, q := range qs {
		r.queues[q.ID] = thresholds{slMS: int64(q.ServiceLevelSeconds) * 1000, shortMS: int64(q.ShortAbandonSeconds) * 1000}
		for _, w := range q.WrapUpReasons {
			r.wrap[strings.ToLower(w)] = true
		}
	}
	return r
}

func (r rollupRules) thresholds(queueID string) thresholds {
	if t, ok := r.queues[queueID]; ok {
		return t
	}
	return thresholds{slMS: DefaultServiceLevelSeconds * 1000, shortMS: DefaultShortAbandonSeconds * 1000}
}

func floorInterval(ms int64) int64 {
	i := ms - ms%intervalMS
	if ms < 0 && ms%intervalMS != 0 {
		i -= intervalMS
	}
	return i
}

// rollupSet accumulates counts by row.
type rollupSet map[rollupKey]*Counts

func (s rollupSet) at(k rollupKey) *Counts {
	c := s[k]
	if c == nil {
		c = &Counts{}
		s[k] = c
	}
	return c
}

// addRecord adds one contact record: everything goes to the interval it
// was offered in; the agent dimension is set only for contacts an agent
// handled, so per-agent rows hold that agent's work.
func (s rollupSet) addRecord(r *ContactRecord, rules rollupRules) {
	o := queuelog.Outcome(r.Outcome)
	k := rollupKey{interval: floorInterval(store.Millis(r.OfferedAt)), queue: r.QueueID, segment: r.SegmentID, channel: r.Channel}
	if o.Handled() {
		k.agent = r.AgentID
	}
	c := s.at(k)
	th := rules.thresholds(r.QueueID)
	switch o {
	case queuelog.OutcomeRejected:
		c.Rejected++
		return
	case queuelog.OutcomeAnswered, queuelog.OutcomeTransferred:
		c.Answered++
		c.Handled++
		if o == queuelog.OutcomeTransferred {
			c.Transferred++
		}
		if r.WaitMS <= th.slMS {
			c.AnsweredWithinThreshold++
		}
		c.WaitAnsweredMS += r.WaitMS
		c.TalkMS += r.TalkMS
		c.HoldMS += r.HoldMS
		c.WrapMS += r.ACWMS
	case queuelog.OutcomeAbandoned:
		c.Abandoned++
		if r.WaitMS <= th.shortMS {
			c.ShortAbandoned++
		}
		c.WaitAbandonedMS += r.WaitMS
	default:
		c.OtherExits++
	}
	c.Offered++
}

// addSession adds an agent-level available or unavailable span, cut at
// interval edges and clipped to [from, to) (zero: unbounded). Other kinds
// overlap each other and are not summed.
func (s rollupSet) addSession(sp *AgentSession, rules rollupRules, from, to int64) {
	available := false
	switch sp.Kind {
	case string(queuelog.SessionAvailable):
		available = true
	case string(queuelog.SessionUnavailable):
		available = rules.wrap[strings.ToLower(strings.TrimSpace(sp.Reason))]
	default:
		return
	}
	start, end := store.Millis(sp.Start), store.Millis(sp.End)
	if from != 0 && start < from {
		start = from
	}
	if to != 0 && end > to {
		end = to
	}
	for t := start; t < end; {
		iv := floorInterval(t)
		next := min(iv+intervalMS, end)
		c := s.at(rollupKey{interval: iv, agent: sp.AgentID})
		d := next - t
		c.LoggedInMS += d
		if available {
			c.AvailableMS += d
		} else {
			c.PausedMS += d
		}
		t = next
	}
}

// Rollup is one row of summed counts. A dimension the rows were not
// grouped by is left empty (and the counts summed over it).
type Rollup struct {
	IntervalStart *time.Time `json:"interval_start,omitempty"`
	QueueID       string     `json:"queue_id,omitempty"`
	AgentID       string     `json:"agent_id,omitempty"`
	SegmentID     string     `json:"segment_id,omitempty"`
	Channel       string     `json:"channel,omitempty"`
	Counts
}

// RollupFilter selects and groups rollup rows. From and To bound interval
// starts (half-open; To zero means no bound). A set id keeps only rows of
// that queue, agent, segment or channel: note that agent time sits in rows
// with no queue, so a queue cut has contact figures only.
type RollupFilter struct {
	From, To  time.Time
	QueueID   string
	AgentID   string
	SegmentID string
	Channel   string
	// By lists the dimensions to group by: interval, queue, agent,
	// segment, channel. Empty sums everything into one row.
	By []string
}

// Dimensions are the values RollupFilter.By accepts.
var Dimensions = []string{"interval", "queue", "agent", "segment", "channel"}

var dimColumn = map[string]string{"interval": "interval_start", "queue": "queue_id", "agent": "agent_id", "segment": "segment_id", "channel": "channel"}

// Rollups sums rollup rows by f.By. It is what metrics over a period and
// their cuts read: a row's Counts methods give the metric.
func (s *Service) Rollups(ctx context.Context, f RollupFilter) ([]Rollup, error) {
	var cols []string
	for _, d := range f.By {
		c, ok := dimColumn[d]
		if !ok {
			return nil, anchor.Invalid("by", "must be a comma-separated list of %s", strings.Join(Dimensions, ", "))
		}
		if !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	sums := make([]string, len(countColumns))
	for i, c := range countColumns {
		sums[i] = "COALESCE(SUM(" + c + "), 0)"
	}
	sel := append(append([]string{}, cols...), sums...)
	to := int64(1) << 62
	if !f.To.IsZero() {
		to = store.Millis(f.To)
	}
	q := `SELECT ` + strings.Join(sel, ", ") + ` FROM cc_rollups WHERE interval_start >= $1 AND interval_start < $2
		AND ($3 = '' OR queue_id = $3) AND ($4 = '' OR agent_id = $4) AND ($5 = '' OR segment_id = $5) AND ($6 = '' OR channel = $6)`
	if len(cols) > 0 {
		q += ` GROUP BY ` + strings.Join(cols, ", ") + ` ORDER BY ` + strings.Join(cols, ", ")
	}
	rows, err := s.DB.Read.QueryContext(ctx, q, store.Millis(f.From), to, f.QueueID, f.AgentID, f.SegmentID, f.Channel)
	if err != nil {
		return nil, fmt.Errorf("unable to read rollups: %w", err)
	}
	defer rows.Close()
	out := []Rollup{}
	for rows.Next() {
		var r Rollup
		var iv int64
		dest := make([]any, 0, len(sel))
		for _, c := range cols {
			switch c {
			case "interval_start":
				dest = append(dest, &iv)
			case "queue_id":
				dest = append(dest, &r.QueueID)
			case "agent_id":
				dest = append(dest, &r.AgentID)
			case "segment_id":
				dest = append(dest, &r.SegmentID)
			case "channel":
				dest = append(dest, &r.Channel)
			}
		}
		for _, p := range r.Counts.fields() {
			dest = append(dest, p)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("unable to read rollups: %w", err)
		}
		if slices.Contains(cols, "interval_start") {
			t := store.Time(iv)
			r.IntervalStart = &t
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Totals sums every row f selects (f.By is ignored).
func (s *Service) Totals(ctx context.Context, f RollupFilter) (Counts, error) {
	f.By = nil
	rs, err := s.Rollups(ctx, f)
	if err != nil || len(rs) == 0 {
		return Counts{}, err
	}
	return rs[0].Counts, nil
}

// HistoryInterval is one interval of one past day of a queue.
type HistoryInterval struct {
	Start    time.Time `json:"start"`
	Offered  int64     `json:"offered"`
	Handled  int64     `json:"handled"`
	HandleMS int64     `json:"handle_ms"`
}

// AHT is the interval's average handle time; zero when nothing was handled.
func (h HistoryInterval) AHT() time.Duration {
	if h.Handled == 0 {
		return 0
	}
	return time.Duration(h.HandleMS/h.Handled) * time.Millisecond
}

// HistoryDay is one past day's intervals, every one of the day's
// intervals present (zeros where nothing happened).
type HistoryDay struct {
	Date      string            `json:"date"`
	Intervals []HistoryInterval `json:"intervals"`
}

// History gives a queue's offered contacts and handle time per interval
// for the same weekday in each of the last weeks weeks before before, in
// loc's calendar (UTC when nil): what a staffing forecast starts from.
// Days come newest first.
func (s *Service) History(ctx context.Context, queueID string, weekday time.Weekday, weeks int, before time.Time, loc *time.Location) ([]HistoryDay, error) {
	if weeks <= 0 || weeks > 520 {
		return nil, anchor.Invalid("weeks", "must be from 1 to 520")
	}
	if loc == nil {
		loc = time.UTC
	}
	b := before.In(loc)
	day := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, loc)
	back := (int(day.Weekday()) - int(weekday) + 7) % 7
	if back == 0 {
		back = 7
	}
	day = day.AddDate(0, 0, -back)
	var out []HistoryDay
	for range weeks {
		start, end := day, day.AddDate(0, 0, 1)
		rows, err := s.DB.Read.QueryContext(ctx, `SELECT interval_start, SUM(offered), SUM(handled), SUM(talk_ms + hold_ms + wrap_ms)
			FROM cc_rollups WHERE queue_id = $1 AND interval_start >= $2 AND interval_start < $3 GROUP BY interval_start`,
			queueID, store.Millis(start), store.Millis(end))
		if err != nil {
			return nil, fmt.Errorf("unable to read history: %w", err)
		}
		got := map[int64]HistoryInterval{}
		for rows.Next() {
			var iv int64
			var h HistoryInterval
			if err := rows.Scan(&iv, &h.Offered, &h.Handled, &h.HandleMS); err != nil {
				rows.Close()
				return nil, fmt.Errorf("unable to read history: %w", err)
			}
			got[iv] = h
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		d := HistoryDay{Date: start.Format(time.DateOnly)}
		for t := store.Millis(start); t < store.Millis(end); t += intervalMS {
			h := got[t]
			h.Start = store.Time(t)
			d.Intervals = append(d.Intervals, h)
		}
		out = append(out, d)
		day = day.AddDate(0, 0, -7)
	}
	return out, nil
}
