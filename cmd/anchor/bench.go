package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"anchor/internal/cases"
	"anchor/internal/loadtest"
	"anchor/internal/metrics"
	"anchor/internal/store"
)

// runBench seeds a fresh database and measures the API under concurrent
// load on loopback: case creation (with its first contact) and an agent's
// open-cases page. The figures belong in docs/BENCHMARKS.md.
func runBench(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "import" {
		return runBenchImport(ctx, e, args[1:])
	}
	fs, dsn := flags(e, "bench")
	nCases := fs.Int("cases", 100_000, "cases to seed before measuring")
	clients := fs.Int("clients", 16, "concurrent clients")
	creates := fs.Int("creates", 20_000, "case creations to time")
	lists := fs.Int("lists", 5_000, "open-case page reads to time")
	due := fs.Int("escalations", 1_000, "open cases whose SLA state changed, for the escalation scan (0 skips it)")
	active := fs.Float64("active-share", 0.2, "share of the seeded cases still open")
	skipMetrics := fs.Bool("skip-metrics", false, "skip the metric measurements")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the HTTP measurements to this file")
	reuse := fs.Bool("reuse", false, "measure the database --db holds, seeded by an earlier run, instead of seeding a new one")
	existing := fs.Bool("existing", false, "measure only the contact-center metrics, on the existing database --db (an imported queue_log): nothing is seeded; its daily rollups are written")
	fromRecords := fs.Bool("from-records", true, "with --existing, also compute the metrics from the contact records and sessions (slow)")
	metricsOnly := fs.Bool("metrics-only", false, "measure only the metrics, on the database --db already holds (seeded by an earlier run)")
	skipLive := fs.Bool("skip-live", false, "skip the metric measurements computed live from the events")
	reroll := fs.Bool("reroll", false, "with --metrics-only: forget the rolled-up days first, so that rolling them up is timed again")
	if err := fs.Parse(args); err != nil {
		return err
	}
	mo := metricOptions{skipLive: *skipLive, reroll: *reroll}
	if *metricsOnly || *existing {
		db, err := openMigrated(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		fmt.Fprintf(e.stdout, "engine %s, GOMAXPROCS %d, %s\n", db.Dialect, runtime.GOMAXPROCS(0), runtime.Version())
		if *metricsOnly {
			return benchMetrics(ctx, e, db, mo)
		}
		return benchContactCenter(ctx, e.stdout, db, *fromRecords)
	}
	if !store.IsPostgres(*dsn) && !*reuse {
		if *dsn == "anchor.db" { // the default: never seed the real database
			dir, err := os.MkdirTemp("", "anchor-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			*dsn = filepath.Join(dir, "bench.db")
		} else if _, err := os.Stat(*dsn); err == nil {
			return fmt.Errorf("bench: %s exists; give a new file or an empty PostgreSQL database", *dsn)
		}
	}
	tuneGC(e)
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(e.stdout, "engine %s, GOMAXPROCS %d, %s\n", db.Dialect, runtime.GOMAXPROCS(0), runtime.Version())
	var w loadtest.World
	if *reuse {
		if w, err = loadtest.Existing(ctx, db); err != nil {
			return err
		}
		all, open, err := countCases(ctx, db)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "reusing %d cases (%d open), %d customers, %d agents\n", all, open, len(w.Customers), len(w.Agents))
	} else {
		var n int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errors.New("bench: the database is not empty (--reuse measures it as it is)")
		}
		t0 := time.Now()
		if w, err = loadtest.Seed(ctx, db, loadtest.Spec{Cases: *nCases, ActiveShare: *active}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "seeded %d cases, %d customers, %d agents in %.1fs\n", *nCases, len(w.Customers), len(w.Agents), time.Since(t0).Seconds())
	}
	srv, err := loadtest.Start(db)
	if err != nil {
		return err
	}
	defer srv.Close()

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	r := loadtest.Run(ctx, *clients, *creates, func(ctx context.Context, c, i int) error {
		return srv.Do(ctx, w.AgentTokens[c%len(w.AgentTokens)], "POST", "/api/v1/cases", loadtest.CreateCaseBody(w.Customers[i%len(w.Customers)]), 201)
	})
	fmt.Fprintf(e.stdout, "create case + first contact, %d clients: %s\n", *clients, r)
	if r.FirstError != nil {
		fmt.Fprintf(e.stdout, "  first error: %v\n", r.FirstError)
	}
	r = loadtest.Run(ctx, *clients, *lists, func(ctx context.Context, c, i int) error {
		return srv.Do(ctx, w.AgentTokens[i%len(w.AgentTokens)], "GET", "/api/v1/cases?owner=me&status=active&limit=50", nil, 200)
	})
	fmt.Fprintf(e.stdout, "agent's open cases, 50 a page, %d clients: %s\n", *clients, r)
	if r.FirstError != nil {
		fmt.Fprintf(e.stdout, "  first error: %v\n", r.FirstError)
	}
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if *due > 0 {
		if err := loadtest.ScheduleChecks(ctx, db, *due); err != nil {
			return err
		}
		var open int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE sla_check_at IS NOT NULL`).Scan(&open); err != nil {
			return err
		}
		svc := &cases.Service{DB: db}
		t0 := time.Now()
		esc, err := svc.Escalate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "escalation scan over %d open cases with clocks: %d due found and processed in %.1f ms\n",
			open, esc.Checked, float64(time.Since(t0).Microseconds())/1000)
	}
	if *skipMetrics {
		return nil
	}
	return benchMetrics(ctx, e, db, mo)
}

// metricOptions says which metric measurements to make.
type metricOptions struct {
	skipLive bool // skip the live computations (the slow, naive side)
	reroll   bool // forget the rolled-up days before rolling up
}

// benchMetrics measures the weekly scorecard and four case metrics for a
// year by week and by agent, live from the events and through the daily
// rollups, and times rolling up the days in between.
func benchMetrics(ctx context.Context, e *env, db *store.DB, o metricOptions) error {
	all, open, err := countCases(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d cases, %d open (%.1f%%)\n", all, open, 100*float64(open)/float64(max(all, 1)))
	ms := &metrics.Service{DB: db}
	naive := &metrics.Service{DB: db, Live: true}
	lastWeek := metrics.WeekOf(db.Now().AddDate(0, 0, -7), time.UTC)
	thisWeek := metrics.WeekOf(db.Now(), time.UTC)
	// median3 runs f three times and gives the median duration: the first
	// run warms the page cache, and the machine may be busy.
	median3 := func(f func() error) (float64, error) {
		var d []float64
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			if err := f(); err != nil {
				return 0, err
			}
			d = append(d, float64(time.Since(t0).Microseconds())/1000)
		}
		slices.Sort(d)
		return d[1], nil
	}
	// live holds the figures computed live from the events, for the ratio
	// the rollups give against them, measured in the same run.
	live := map[string]float64{}
	report := func(what string, ms *metrics.Service, d float64) {
		if ms.Live {
			live[what] = d
			fmt.Fprintf(e.stdout, "%s, live from the events: %.1f ms\n", what, d)
			return
		}
		if l, ok := live[what]; ok {
			fmt.Fprintf(e.stdout, "%s, through the daily rollups: %.1f ms (live %.1f ms, ×%.1f)\n", what, d, l, l/d)
			return
		}
		fmt.Fprintf(e.stdout, "%s, through the daily rollups: %.1f ms\n", what, d)
	}
	scorecards := func(ms *metrics.Service) error {
		for _, week := range []string{lastWeek, thisWeek} {
			d, err := median3(func() error { _, err := ms.BuildScorecard(ctx, week, time.UTC); return err })
			if err != nil {
				return err
			}
			report(fmt.Sprintf("weekly scorecard %s (%d metrics, 9 weeks of trend)", week, len(metrics.Catalogue)), ms, d)
		}
		return nil
	}
	yearByAgent := func(ms *metrics.Service) error {
		for _, key := range []string{"fcr", "first_response", "resolution", "backlog_age", "callback_punctuality", "handoff_on_time"} {
			d, err := median3(func() error {
				_, err := ms.Compute(ctx, key, metrics.Query{From: db.Now().AddDate(-1, 0, 0), To: db.Now(), By: metrics.ByAgent, Interval: "week"})
				return err
			})
			if err != nil {
				return err
			}
			report(key+" for a year by week and by agent", ms, d)
		}
		return nil
	}
	if !o.skipLive {
		if err := scorecards(naive); err != nil {
			return err
		}
		if err := yearByAgent(naive); err != nil {
			return err
		}
	}
	if o.reroll {
		if _, err := db.Write.ExecContext(ctx, `DELETE FROM metric_days_done`); err != nil {
			return err
		}
	}
	t0 := time.Now()
	rolled, err := rollupAll(ctx, ms.RollupDays)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "daily metric rollups: %d days in %.1f s\n", rolled, time.Since(t0).Seconds())
	if err := scorecards(ms); err != nil {
		return err
	}
	return yearByAgent(ms)
}

// countCases counts the cases and the open ones, for the measurements to
// say what they ran on.
func countCases(ctx context.Context, db *store.DB) (all, open int, err error) {
	err = db.Read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status IN ('new', 'open', 'pending_customer', 'pending_internal') THEN 1 ELSE 0 END), 0) FROM cases`).Scan(&all, &open)
	return all, open, err
}
