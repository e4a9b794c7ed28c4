package metrics

import (
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TrendWeeks is how many weeks before the scorecard's the trend shows.
const TrendWeeks = 8

// Scorecard is the weekly review of every metric: value, target for the
// stage in force, status, trend, owner and benchmark gap, worst movers
// first.
type Scorecard struct {
	Week        string         `json:"week"`
	From        time.Time      `json:"from"`
	To          time.Time      `json:"to"`
	TimeZone    string         `json:"timezone"`
	GeneratedAt time.Time      `json:"generated_at"`
	Rows        []ScorecardRow `json:"rows"`
}

// ScorecardRow is one metric on the scorecard.
type ScorecardRow struct {
	Key         string    `json:"key"`
	Name        string    `json:"name"`
	Unit        string    `json:"unit"`
	Direction   Direction `json:"direction"`
	Value       *float64  `json:"value"`
	Numerator   float64   `json:"numerator"`
	Denominator float64   `json:"denominator"`
	Reason      string    `json:"reason,omitempty"`
	Target      *float64  `json:"target,omitempty"`
	Warning     *float64  `json:"warning,omitempty"`
	Status      string    `json:"status"`
	OwnerID     string    `json:"owner_id,omitempty"`
	OwnerName   string    `json:"owner_name,omitempty"`
	Frequency   string    `json:"frequency"`
	Trend       []Trend   `json:"trend"`
	Previous    *float64  `json:"previous,omitempty"`
	// Movement is the change from the previous week in the good
	// direction, relative to the previous value: -0.2 is 20% worse.
	Movement     *float64   `json:"movement,omitempty"`
	Benchmark    *Benchmark `json:"benchmark,omitempty"`
	BenchmarkGap *float64   `json:"benchmark_gap,omitempty"`
}

// Trend is one week's value.
type Trend struct {
	Week  string   `json:"week"`
	Value *float64 `json:"value"`
}

// BuildScorecard computes the scorecard of an ISO week ("2026-W47").
func (s *Service) BuildScorecard(ctx context.Context, week string, loc *time.Location) (Scorecard, error) {
	if loc == nil {
		var err error
		if loc, err = s.OrgLocation(ctx); err != nil {
			return Scorecard{}, err
		}
	}
	p, err := ParseWeek(week, loc)
	if err != nil {
		return Scorecard{}, err
	}
	sc := Scorecard{Week: week, From: p.Start, To: p.End, TimeZone: loc.String(), GeneratedAt: s.DB.Now()}
	from := p.Start.In(loc).AddDate(0, 0, -7*TrendWeeks).UTC()
	owners, err := s.cutNames(ctx, ByAgent)
	if err != nil {
		return Scorecard{}, err
	}
	keys := make([]string, 0, len(Catalogue))
	for _, d := range Catalogue {
		keys = append(keys, d.Key)
	}
	manual, err := s.ManualMetrics(ctx)
	if err != nil {
		return Scorecard{}, err
	}
	for _, m := range manual {
		keys = append(keys, m.Key)
	}
	// The rows are independent: compute them a few at a time (the SQLite
	// reader pool has four connections), sharing the rollup reads.
	ctx = withRollupMemo(ctx)
	rows := make([]ScorecardRow, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rows[i], errs[i] = s.scorecardRow(ctx, key, from, p, loc, owners)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Scorecard{}, err
		}
	}
	sc.Rows = rows
	sortWorstFirst(sc.Rows)
	return sc, nil
}

// scorecardRow computes one metric's row: nine weeks, settings, status,
// movement and benchmark gap.
func (s *Service) scorecardRow(ctx context.Context, key string, from time.Time, p Period, loc *time.Location, owners map[string]string) (ScorecardRow, error) {
	r, err := s.Compute(ctx, key, Query{From: from, To: p.End, Interval: "week", Location: loc})
	if err != nil {
		return ScorecardRow{}, err
	}
	st, err := s.Settings(ctx, key)
	if err != nil {
		return ScorecardRow{}, err
	}
	row := ScorecardRow{Key: key, Name: r.Metric.Name, Unit: r.Metric.Unit, Direction: r.Metric.Direction, OwnerID: st.OwnerID,
		OwnerName: owners[st.OwnerID], Frequency: st.Frequency, Trend: []Trend{}}
	for _, pt := range r.Points {
		row.Trend = append(row.Trend, Trend{Week: WeekOf(pt.PeriodStart, loc), Value: pt.Value})
	}
	if n := len(r.Points); n > 0 {
		last := r.Points[n-1]
		row.Value, row.Numerator, row.Denominator, row.Reason = last.Value, last.Numerator, last.Denominator, last.Reason
		if n > 1 {
			row.Previous = r.Points[n-2].Value
		}
	}
	row.Target, row.Warning = st.TargetOn(p.Start.In(loc).Format("2006-01-02"))
	row.Status = Status(row.Direction, row.Value, row.Target, row.Warning)
	if row.Value != nil && row.Previous != nil && *row.Previous != 0 {
		m := (*row.Value - *row.Previous) / math.Abs(*row.Previous)
		if row.Direction == LowerIsBetter {
			m = -m
		}
		row.Movement = &m
	}
	if nb := len(st.Bench); nb > 0 {
		b := st.Bench[nb-1] // the most recent
		row.Benchmark = &b
		if row.Value != nil {
			gap := *row.Value - b.Value
			row.BenchmarkGap = &gap
		}
	}
	return row, nil
}

// sortWorstFirst orders rows by status (missed, warning, met, no target,
// no data), then by movement (most worsened first).
func sortWorstFirst(rows []ScorecardRow) {
	rank := map[string]int{StatusMissed: 0, StatusWarning: 1, StatusMet: 2, StatusNoGoal: 3, StatusNoData: 4}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if rank[a.Status] != rank[b.Status] {
			return rank[a.Status] < rank[b.Status]
		}
		am, bm := math.Inf(1), math.Inf(1)
		if a.Movement != nil {
			am = *a.Movement
		}
		if b.Movement != nil {
			bm = *b.Movement
		}
		return am < bm
	})
}

// FormatValue writes a value in its unit: ratios as percentages.
func FormatValue(v *float64, unit string) string {
	if v == nil {
		return "—"
	}
	switch unit {
	case "ratio":
		return strconv.FormatFloat(100**v, 'f', 1, 64) + "%"
	case "seconds":
		return strconv.FormatFloat(*v, 'f', 0, 64) + " s"
	case "days":
		return strconv.FormatFloat(*v, 'f', 1, 64) + " d"
	case "count":
		return strconv.FormatFloat(*v, 'f', 0, 64)
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

// WriteCSV writes the scorecard as CSV, one metric a row, the trend as one
// column per week.
func (sc Scorecard) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"key", "name", "unit", "value", "numerator", "denominator", "target", "warning", "status", "owner", "frequency", "movement", "benchmark", "benchmark_source", "benchmark_gap"}
	if len(sc.Rows) > 0 {
		for _, t := range sc.Rows[0].Trend {
			head = append(head, t.Week)
		}
	}
	cw.Write(head) //nolint:errcheck // cw.Error below
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'g', 10, 64)
	}
	for _, r := range sc.Rows {
		bv, bs := "", ""
		if r.Benchmark != nil {
			bv, bs = strconv.FormatFloat(r.Benchmark.Value, 'g', 10, 64), r.Benchmark.Source
		}
		rec := []string{r.Key, r.Name, r.Unit, num(r.Value), strconv.FormatFloat(r.Numerator, 'g', 10, 64), strconv.FormatFloat(r.Denominator, 'g', 10, 64),
			num(r.Target), num(r.Warning), r.Status, r.OwnerName, r.Frequency, num(r.Movement), bv, bs, num(r.BenchmarkGap)}
		for _, t := range r.Trend {
			rec = append(rec, num(t.Value))
		}
		cw.Write(rec) //nolint:errcheck
	}
	cw.Flush()
	return cw.Error()
}

//go:embed templates/scorecard.html
var templates embed.FS

var scorecardTmpl = template.Must(template.New("scorecard.html").Funcs(template.FuncMap{
	"value":     FormatValue,
	"sparkline": Sparkline,
	"pct": func(v *float64) string {
		if v == nil {
			return ""
		}
		return fmt.Sprintf("%+.1f%%", 100**v)
	},
	"gap": func(v *float64, unit string) string {
		if v == nil {
			return ""
		}
		if unit == "ratio" {
			return fmt.Sprintf("%+.1f pts", 100**v)
		}
		return fmt.Sprintf("%+.1f", *v)
	},
	"date": func(t time.Time, loc string) string {
		l, err := time.LoadLocation(loc)
		if err != nil {
			l = time.UTC
		}
		return t.In(l).Format("Mon 2 Jan 2006")
	},
	"plain": func(v float64, unit string) string { return FormatValue(&v, unit) },
}).ParseFS(templates, "templates/scorecard.html"))

// WriteHTML writes the scorecard as one self-contained HTML page (styles
// and charts inline, no script) that prints well.
func (sc Scorecard) WriteHTML(w io.Writer) error {
	return scorecardTmpl.Execute(w, sc)
}

// Sparkline draws a trend as an inline SVG polyline, with gaps where a
// week has no value; the table beside it carries the numbers.
func Sparkline(trend []Trend) template.HTML {
	const width, height, pad = 120.0, 28.0, 3.0
	var vals []float64
	for _, t := range trend {
		if t.Value != nil {
			vals = append(vals, *t.Value)
		}
	}
	if len(vals) == 0 || len(trend) < 2 {
		return template.HTML(`<svg class="spark" width="120" height="28" role="img" aria-label="no trend"></svg>`)
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi == lo {
		hi, lo = hi+1, lo-1
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="spark" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="trend over %d weeks">`, width, height, width, height, len(trend))
	step := (width - 2*pad) / float64(len(trend)-1)
	var seg []string
	flush := func() {
		if len(seg) > 1 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="%s"/>`, strings.Join(seg, " "))
		}
		seg = nil
	}
	var lastX, lastY float64
	for i, t := range trend {
		if t.Value == nil {
			flush()
			continue
		}
		x := pad + float64(i)*step
		y := height - pad - (*t.Value-lo)/(hi-lo)*(height-2*pad)
		seg = append(seg, fmt.Sprintf("%.1f,%.1f", x, y))
		lastX, lastY = x, y
	}
	flush()
	fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="currentColor"/></svg>`, lastX, lastY)
	return template.HTML(b.String())
}
