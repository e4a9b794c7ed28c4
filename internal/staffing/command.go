package staffing

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Command runs "anchor staffing". It answers one of two questions.
//
// One interval: how many agents for this traffic?
//
//	anchor staffing --calls 100 --interval 30m --aht 180s --target 80/20s \
//	    [--shrinkage 0.30] [--max-occupancy 0.85] [--patience 300s] [--max-abandon 0.05] \
//	    [--around 3] [--format table|json]
//
// prints service level, probability of waiting, ASA and occupancy (and,
// with --patience, Erlang A's abandonment and the abandoners' mean wait)
// for agent counts around the answer, then the answer three ways: raw
// agents for the target, agents after the occupancy cap, and staff to
// schedule after shrinkage.
//
// A forecast: how many agents per interval, and which shifts?
//
//	anchor staffing --forecast day.csv [--interval 15m] [--tz Europe/Paris] --target 80/20s ... \
//	    [--shifts shifts.csv --hourly-cost 22.50] [--max-nodes 20000]
//
// The forecast CSV is start,calls,aht (see ReadForecast); unreadable lines
// are reported and skipped. Without --interval the length is inferred from
// the starts. With --shifts (see ReadShiftTemplates) it also chooses the
// least-cost shifts and reports over- and under-coverage per interval.
//
// Either mode compares what-if scenarios with a repeatable --variant
// "name:calls=+20%,aht=-10%,shrinkage=0.25,max-occupancy=0.9,target=90/30s",
// side by side with the baseline: agents, agent-hours, cost (staff-hours ×
// --hourly-cost), service level and abandonment.
//
// Durations need units (180s, 3m): a bare number is refused, since seconds
// and minutes are the mistake that matters most. Shares are fractions
// (0.30), targets percentages (80/20s).
func Command(ctx context.Context, args []string, stdout io.Writer) error {
	opts, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if opts.forecastPath != "" {
		return runForecast(ctx, opts, stdout)
	}
	return runSingle(opts, stdout)
}

type commandOptions struct {
	queue        Queue
	policy       Policy
	format       string
	around       int
	forecastPath string
	intervalSet  bool
	loc          *time.Location
	shiftsPath   string
	hourlyCost   float64
	maxNodes     int
	variants     []Variant
}

func parseFlags(args []string, stdout io.Writer) (commandOptions, error) {
	fs := flag.NewFlagSet("staffing", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var o commandOptions
	calls := fs.Float64("calls", -1, "calls offered per interval")
	interval := fs.String("interval", "30m", "interval length, with unit (15m, 30m)")
	aht := fs.String("aht", "", "average handle time, with unit (180s, 3m)")
	target := fs.String("target", "80/20s", "service level target: percent/answer-time")
	fs.Float64Var(&o.policy.Shrinkage, "shrinkage", 0, "share of paid time off the phones, 0 to <1")
	fs.Float64Var(&o.policy.MaxOccupancy, "max-occupancy", 0, "occupancy cap, (0, 1]; 0 for none")
	maxAbandon := fs.Float64("max-abandon", 0, "abandonment cap with --patience, [0, 1); 0 for none")
	patience := fs.String("patience", "", "mean caller patience, with unit (Erlang A)")
	fs.StringVar(&o.format, "format", "table", "output: table or json")
	fs.IntVar(&o.around, "around", 3, "agent counts to show either side of the answer")
	fs.StringVar(&o.forecastPath, "forecast", "", "forecast CSV: start,calls,aht")
	tz := fs.String("tz", "UTC", "time zone of forecast times without an offset")
	fs.StringVar(&o.shiftsPath, "shifts", "", "shift templates, CSV or JSON (needs --forecast)")
	fs.Float64Var(&o.hourlyCost, "hourly-cost", 0, "cost of one paid staff hour")
	fs.IntVar(&o.maxNodes, "max-nodes", DefaultMaxNodes, "branch-and-bound node budget for --shifts")
	fs.Func("variant", "what-if scenario name:calls=+20%,aht=-10%,shrinkage=0.25,target=90/30s (repeatable)", func(s string) error {
		v, err := ParseVariant(s)
		if err != nil {
			return err
		}
		o.variants = append(o.variants, v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return o, fmt.Errorf("staffing: %w", err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("staffing: unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	o.intervalSet = set["interval"]

	var err error
	if o.queue.Interval, err = parseFlagDuration("interval", *interval); err != nil {
		return o, err
	}
	if *patience != "" {
		if o.queue.Patience, err = parseFlagDuration("patience", *patience); err != nil {
			return o, err
		}
	}
	if o.policy.Target, err = ParseTarget(*target); err != nil {
		return o, fmt.Errorf("staffing: --target: %w", err)
	}
	o.policy.Target.MaxAbandon = *maxAbandon
	if err := o.policy.Validate(); err != nil {
		return o, fmt.Errorf("staffing: %w", err)
	}
	switch o.format {
	case "table", "json":
	default:
		return o, fmt.Errorf("staffing: --format %q: want table or json", o.format)
	}
	if o.around < 0 {
		return o, fmt.Errorf("staffing: --around must not be negative, got %d", o.around)
	}
	if o.hourlyCost < 0 || math.IsNaN(o.hourlyCost) {
		return o, fmt.Errorf("staffing: --hourly-cost must not be negative, got %v", o.hourlyCost)
	}
	if o.forecastPath != "" {
		if set["calls"] || set["aht"] {
			return o, errors.New("staffing: --calls and --aht come from the forecast file; do not give them with --forecast")
		}
		if o.loc, err = time.LoadLocation(*tz); err != nil {
			return o, fmt.Errorf("staffing: --tz %q: %w", *tz, err)
		}
		return o, nil
	}
	if o.shiftsPath != "" {
		return o, errors.New("staffing: --shifts needs --forecast: shifts cover a day of intervals")
	}
	if !set["calls"] {
		return o, errors.New("staffing: --calls is required (or --forecast FILE)")
	}
	if *aht == "" {
		return o, errors.New("staffing: --aht is required, with a unit (180s, 3m)")
	}
	if o.queue.AHT, err = parseFlagDuration("aht", *aht); err != nil {
		return o, err
	}
	o.queue.Calls = *calls
	if err := o.queue.Validate(); err != nil {
		return o, fmt.Errorf("staffing: %w", err)
	}
	return o, nil
}

// parseFlagDuration refuses bare numbers: is "180" seconds or minutes?
func parseFlagDuration(name, s string) (time.Duration, error) {
	if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
		return 0, fmt.Errorf("staffing: --%s %q needs a unit, e.g. %ss or %sm", name, s, s, s)
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("staffing: --%s %q: want a duration such as 30s or 5m", name, s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("staffing: --%s must be positive, got %v", name, d)
	}
	return d, nil
}

// singleReport is the JSON of a one-interval answer.
type singleReport struct {
	Queue       Queue            `json:"queue"`
	Policy      Policy           `json:"policy"`
	Requirement Requirement      `json:"requirement"`
	Table       []Result         `json:"table"`
	Scenarios   []ScenarioResult `json:"scenarios,omitempty"`
}

func runSingle(o commandOptions, w io.Writer) error {
	req, err := Require(o.queue, o.policy)
	if err != nil {
		return fmt.Errorf("staffing: %w", err)
	}
	from := max(0, req.RawAgents-o.around)
	rows, err := Sweep(o.queue, from, req.Agents+o.around, o.policy.Target.Within)
	if err != nil {
		return fmt.Errorf("staffing: %w", err)
	}
	rep := singleReport{Queue: o.queue, Policy: o.policy, Requirement: req, Table: rows}
	if len(o.variants) > 0 {
		if rep.Scenarios, err = CompareScenarios(SingleInterval(o.queue), o.policy, o.hourlyCost, o.variants); err != nil {
			return fmt.Errorf("staffing: %w", err)
		}
	}
	if o.format == "json" {
		return writeJSON(w, rep)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	erlangA := o.queue.Patience > 0
	fmt.Fprintf(w, "offered load %.2f Erlangs (%g calls per %v, AHT %v), target %v, model %s\n\n",
		req.Load, o.queue.Calls, o.queue.Interval, o.queue.AHT, o.policy.Target, model(erlangA))
	header := "agents\tservice level\tP(wait)\tASA\toccupancy\t"
	if erlangA {
		header += "P(abandon)\tabandoners' wait\t"
	}
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		mark := ""
		if r.Agents == req.Agents {
			mark = " ←"
		}
		if !r.Stable {
			fmt.Fprintf(tw, "%d\tunstable\t100.0%%\t∞\t100.0%%\t%s\n", r.Agents, mark)
			continue
		}
		line := fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t", r.Agents, pct(r.ServiceLevel), pct(r.ProbWait), secs(r.ASA), pct(r.Occupancy))
		if erlangA {
			line += fmt.Sprintf("%s\t%s\t", pct(r.ProbAbandon), secs(r.MeanWaitAbandoned))
		}
		fmt.Fprintln(tw, line+mark)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("staffing: unable to write table: %w", err)
	}
	fmt.Fprintf(w, "\nagents for %v: %d\n", o.policy.Target, req.RawAgents)
	if o.policy.MaxOccupancy > 0 {
		fmt.Fprintf(w, "with occupancy ≤ %s: %d\n", pct(o.policy.MaxOccupancy), req.Agents)
	}
	fmt.Fprintf(w, "staff to schedule (shrinkage %s): %d\n", pct(o.policy.Shrinkage), req.Staff)
	if len(rep.Scenarios) > 0 {
		fmt.Fprintln(w)
		return writeScenarios(w, rep.Scenarios, o.hourlyCost > 0)
	}
	return nil
}

// forecastReport is the JSON of a forecast answer.
type forecastReport struct {
	Skipped   []LineError      `json:"skipped,omitempty"`
	Plan      Plan             `json:"plan"`
	Schedule  *Schedule        `json:"schedule,omitempty"`
	Scenarios []ScenarioResult `json:"scenarios,omitempty"`
}

func runForecast(ctx context.Context, o commandOptions, w io.Writer) error {
	f, err := os.Open(o.forecastPath)
	if err != nil {
		return fmt.Errorf("staffing: unable to open forecast: %w", err)
	}
	ivs, skipped, err := ReadForecast(f, o.loc)
	f.Close()
	if err != nil {
		return fmt.Errorf("staffing: %s: %w", o.forecastPath, err)
	}
	if len(ivs) == 0 {
		return fmt.Errorf("staffing: %s: no readable intervals (%d lines skipped)", o.forecastPath, len(skipped))
	}
	fc := Forecast{Length: o.queue.Interval, Patience: o.queue.Patience, Intervals: ivs}
	if !o.intervalSet {
		if l := InferLength(ivs); l > 0 {
			fc.Length = l
		}
	}
	plan, err := NewPlan(fc, o.policy)
	if err != nil {
		return fmt.Errorf("staffing: %s: %w", o.forecastPath, err)
	}
	rep := forecastReport{Skipped: skipped, Plan: plan}
	if o.shiftsPath != "" {
		if err := ctx.Err(); err != nil {
			return err
		}
		sf, err := os.Open(o.shiftsPath)
		if err != nil {
			return fmt.Errorf("staffing: unable to open shift templates: %w", err)
		}
		templates, err := ReadShiftTemplates(sf)
		sf.Close()
		if err != nil {
			return fmt.Errorf("staffing: %s: %w", o.shiftsPath, err)
		}
		s, err := ScheduleShifts(plan, templates, o.hourlyCost, CoverOptions{MaxNodes: o.maxNodes})
		if err != nil {
			return fmt.Errorf("staffing: %w", err)
		}
		rep.Schedule = &s
	}
	if len(o.variants) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		if rep.Scenarios, err = CompareScenarios(fc, o.policy, o.hourlyCost, o.variants); err != nil {
			return fmt.Errorf("staffing: %w", err)
		}
	}
	if o.format == "json" {
		return writeJSON(w, rep)
	}
	return writeForecastTable(w, rep, o)
}

func writeForecastTable(w io.Writer, rep forecastReport, o commandOptions) error {
	for _, le := range rep.Skipped {
		fmt.Fprintf(w, "skipped %s\n", le.Error())
	}
	if len(rep.Skipped) > 0 {
		fmt.Fprintln(w)
	}
	p := rep.Plan
	erlangA := o.queue.Patience > 0
	fmt.Fprintf(w, "%d intervals of %v, target %v, model %s\n\n", len(p.Intervals), p.Length, o.policy.Target, model(erlangA))
	var cov map[int]Coverage
	if rep.Schedule != nil {
		cov = make(map[int]Coverage, len(rep.Schedule.Intervals))
		for i, c := range rep.Schedule.Intervals {
			cov[i] = c
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "start\tcalls\tAHT\tload\tagents\tstaff\tservice level\tASA\toccupancy\t"
	if erlangA {
		header += "P(abandon)\t"
	}
	if cov != nil {
		header += "scheduled\tover\tunder\t"
	}
	fmt.Fprintln(tw, header)
	for i, ip := range p.Intervals {
		r := ip.Result
		line := fmt.Sprintf("%s\t%g\t%s\t%.2f\t%d\t%d\t%s\t%s\t%s\t", ip.Start.Format("2006-01-02 15:04"), ip.Calls, secs(ip.AHT),
			ip.Load, ip.Agents, ip.Staff, pct(r.ServiceLevel), secs(r.ASA), pct(r.Occupancy))
		if erlangA {
			line += pct(r.ProbAbandon) + "\t"
		}
		if cov != nil {
			c := cov[i]
			line += fmt.Sprintf("%d\t%d\t%d\t", c.Scheduled, c.Over, c.Under)
		}
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("staffing: unable to write table: %w", err)
	}
	fmt.Fprintf(w, "\ncalls %g, service level %s (weighted by calls)", p.Calls, pct(p.ServiceLevel))
	if erlangA {
		fmt.Fprintf(w, ", abandonment %s", pct(p.ProbAbandon))
	}
	fmt.Fprintf(w, "\nagent-hours %.2f, staff-hours %.2f, peak agents %d, peak staff %d\n", p.AgentHours, p.StaffHours, p.PeakAgents, p.PeakStaff)
	if s := rep.Schedule; s != nil {
		fmt.Fprintln(w, "\nshifts:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "template\tstart\tcount\tpaid hours\tcost\t")
		for _, sc := range s.Shifts {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.2f\t\n", sc.Template, sc.Start.Format("2006-01-02 15:04"), sc.Count, sc.PaidHours, sc.Cost)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("staffing: unable to write table: %w", err)
		}
		proof := "optimal"
		if !s.Optimal {
			proof = fmt.Sprintf("best found; no schedule costs less than %.2f", s.LowerBound)
		}
		fmt.Fprintf(w, "cost %.2f (%s), paid hours %.2f, over-coverage %d, under-coverage %d staff-intervals\n",
			s.Cost, proof, s.PaidHours, s.Over, s.Under)
	}
	if len(rep.Scenarios) > 0 {
		fmt.Fprintln(w)
		return writeScenarios(w, rep.Scenarios, o.hourlyCost > 0)
	}
	return nil
}

func writeScenarios(w io.Writer, ss []ScenarioResult, withCost bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "scenario\tcalls\ttarget\tshrinkage\tpeak agents\tpeak staff\tagent-hours\tstaff-hours\t"
	if withCost {
		header += "cost\t"
	}
	fmt.Fprintln(tw, header+"service level\tabandonment\t")
	for _, s := range ss {
		line := fmt.Sprintf("%s\t%.1f\t%v\t%s\t%d\t%d\t%.2f\t%.2f\t", s.Name, s.Calls, s.Policy.Target, pct(s.Policy.Shrinkage),
			s.PeakAgents, s.PeakStaff, s.AgentHours, s.StaffHours)
		if withCost {
			line += fmt.Sprintf("%.2f\t", s.Cost)
		}
		fmt.Fprintln(tw, line+pct(s.ServiceLevel)+"\t"+pct(s.ProbAbandon)+"\t")
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("staffing: unable to write table: %w", err)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("staffing: unable to write JSON: %w", err)
	}
	return nil
}

func model(erlangA bool) string {
	if erlangA {
		return "Erlang A"
	}
	return "Erlang C"
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s" }
