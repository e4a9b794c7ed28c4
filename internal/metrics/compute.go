package metrics

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Query asks for a metric over [From, To), optionally cut By a dimension
// and split by Interval (day, week, month) in Location.
type Query struct {
	From, To time.Time
	By       string
	Interval string
	Location *time.Location
}

// Point is one value: of one period, for one cut (empty Cut when not cut).
// Value is nil when the metric has no input there, and Reason says why.
type Point struct {
	PeriodStart time.Time          `json:"period_start"`
	PeriodEnd   time.Time          `json:"period_end"`
	Cut         string             `json:"cut,omitempty"`
	CutName     string             `json:"cut_name,omitempty"`
	Value       *float64           `json:"value"`
	Numerator   float64            `json:"numerator"`
	Denominator float64            `json:"denominator"`
	Reason      string             `json:"reason,omitempty"`
	Extra       map[string]float64 `json:"extra,omitempty"`
}

// Result is a metric's series.
type Result struct {
	Metric   Definition `json:"metric"`
	From     time.Time  `json:"from"`
	To       time.Time  `json:"to"`
	By       string     `json:"by,omitempty"`
	Interval string     `json:"interval,omitempty"`
	Points   []Point    `json:"points"`
}

// Service computes metrics and keeps their settings.
type Service struct {
	DB *store.DB
	// Live computes every metric from the events, never from the daily
	// rollups: what the rollups are measured and checked against.
	Live bool
}

// counts is one cut's numerator and denominator.
type counts struct {
	cut      string
	num, den float64
	extra    map[string]float64
}

// computeFunc computes one period of one metric.
type computeFunc func(ctx context.Context, s *Service, p Period, by string) ([]counts, error)

// value turns counts into a value: a ratio num/den (times scale), or the
// reason it has none.
type valueFunc func(c counts) (*float64, string)

func ratio(empty string) valueFunc {
	return func(c counts) (*float64, string) {
		if c.den == 0 {
			return nil, empty
		}
		v := c.num / c.den
		return &v, ""
	}
}

type metricImpl struct {
	compute batchFunc
	value   valueFunc
}

func (s *Service) impl(key string) (metricImpl, bool) {
	m := map[string]metricImpl{
		"fcr":                    {computeFCR, ratio("no case was resolved in the period")},
		"callback_punctuality":   {computeCallbacks, ratio("no callback window ended in the period")},
		"backlog_age":            {computeBacklog, ratio("no case was open at the end of the period")},
		"first_response":         {computeFirstResponse, ratio("no first-response clock was decided in the period")},
		"resolution":             {computeResolution, ratio("no resolution clock was decided in the period")},
		"handoff_on_time":        {computeHandoffs, ratio("no handoff was due in the period")},
		"accuracy":               {perPeriod(computeQA(false)), ratio("no QA evaluation of accuracy in the period")},
		"treatment":              {perPeriod(computeQA(true)), ratio("no QA evaluation of treatment in the period")},
		"csat":                   {computeSurvey("csat"), ratio("no CSAT answer in the period")},
		"nps":                    {computeSurvey("nps"), npsValue},
		"praise_complaint_ratio": {computeFeedback("praise_complaint_ratio"), ratio("no complaint was captured in the period: the ratio is undefined")},
		"ideas_implemented":      {computeFeedback("ideas_implemented"), countValue},
		"aht":                    {perPeriod(computeContactCenter("aht")), ratio("no contact was handled in the period")},
		"abandon_rate":           {perPeriod(computeContactCenter("abandon_rate")), ratio("no contact was offered in the period (short abandons left out)")},
		"service_level":          {perPeriod(computeContactCenter("service_level")), ratio("no contact was offered in the period (short abandons left out)")},
		"asa":                    {perPeriod(computeContactCenter("asa")), ratio("no contact was answered in the period")},
		"availability":           {perPeriod(computeContactCenter("availability")), ratio("no agent was logged in during the period")},
		"occupancy":              {perPeriod(computeContactCenter("occupancy")), ratio("no agent was available during the period")},
	}
	i, ok := m[key]
	return i, ok
}

// Compute returns a metric's values.
func (s *Service) Compute(ctx context.Context, key string, q Query) (Result, error) {
	def, ok := Lookup(key)
	if !ok {
		return s.computeManual(ctx, key, q)
	}
	if q.By != "" && !slices.Contains(def.Dimensions, q.By) {
		return Result{}, anchor.Invalid("by", "%s can be cut by %s", key, strings.Join(def.Dimensions, ", "))
	}
	if q.Location == nil {
		q.Location = time.UTC
	}
	periods, err := Periods(q.From, q.To, q.Interval, q.Location)
	if err != nil {
		return Result{}, err
	}
	impl, _ := s.impl(key)
	useDays := false
	if dayBacked[key] && !s.Live {
		org, err := s.OrgLocation(ctx)
		if err != nil {
			return Result{}, err
		}
		useDays = org.String() == q.Location.String()
	}
	res := Result{Metric: def, From: q.From.UTC(), To: q.To.UTC(), By: q.By, Interval: q.Interval, Points: []Point{}}
	names, err := s.cutNames(ctx, q.By)
	if err != nil {
		return Result{}, err
	}
	var all map[int][]counts
	if useDays {
		all, err = s.computeWithDays(ctx, key, impl, periods, q.By, q.Location)
	} else {
		all, err = impl.compute(ctx, s, periods, q.By)
	}
	if err != nil {
		return Result{}, fmt.Errorf("metric %s: %w", key, err)
	}
	for i, p := range periods {
		cs := all[i]
		if q.By == "" && len(cs) == 0 {
			cs = []counts{{}}
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].cut < cs[j].cut })
		for _, c := range cs {
			v, reason := impl.value(c)
			pt := Point{PeriodStart: p.Start, PeriodEnd: p.End, Cut: c.cut, Value: v, Numerator: c.num, Denominator: c.den, Reason: reason, Extra: c.extra}
			if q.By != "" {
				pt.CutName = names[c.cut]
				if pt.CutName == "" && c.cut == "" {
					pt.CutName = "(none)"
				}
			}
			res.Points = append(res.Points, pt)
		}
	}
	return res, nil
}

// cutNames maps the ids of a dimension to names people read.
func (s *Service) cutNames(ctx context.Context, by string) (map[string]string, error) {
	var q string
	switch by {
	case BySegment:
		q = `SELECT id, name FROM segments`
	case ByAgent:
		q = `SELECT id, name FROM users`
	case ByDepartment:
		q = `SELECT id, name FROM departments`
	case ByQueue:
		q = `SELECT id, name FROM cc_queues`
	default:
		return map[string]string{}, nil
	}
	rows, err := s.DB.Read.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("names of %s: %w", by, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("names of %s: %w", by, err)
		}
		out[id] = name
	}
	return out, rows.Err()
}
