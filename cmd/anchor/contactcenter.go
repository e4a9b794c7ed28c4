package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"anchor/internal/contactcenter"
	"anchor/internal/metrics"
)

// runImport is `anchor import queue-log FILE...` and `anchor import
// events FILE`.
func runImport(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: anchor import queue-log [--follow] [--progress] [--final] FILE... | anchor import events [--source S] FILE.csv|FILE.jsonl|-")
	}
	switch args[0] {
	case "queue-log":
		return runImportQueueLog(ctx, e, args[1:])
	case "events":
		return runImportEvents(ctx, e, args[1:])
	}
	return fmt.Errorf("import: unknown kind %q: queue-log or events", args[0])
}

func runImportQueueLog(ctx context.Context, e *env, args []string) error {
	fs, dsn := flags(e, "import queue-log")
	source := fs.String("source", "asterisk", "the stream these files belong to: one name per Asterisk server")
	follow := fs.Bool("follow", false, "keep reading the last file as it grows and is rotated, until interrupted")
	progress := fs.Bool("progress", false, "show lines/s and time left on stderr, and timings in the summary")
	final := fs.Bool("final", false, "the log ends here: close calls and agent sessions still open at the last line (marked truncated)")
	batch := fs.Int("batch", contactcenter.DefaultBatchLines, "lines per transaction")
	tolerance := fs.Duration("tolerance", 2*time.Second, "how far out of order lines may be and still be put right")
	tz := fs.String("tz", "UTC", "time zone of the times in a CSV export")
	persistent := fs.Bool("persistent-members", false, "queues.conf persistentmembers=yes: members stay logged in across a restart")
	cpuProfile := hiddenCPUProfile(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("import queue-log: name at least one file")
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("import queue-log: --tz: %w", err)
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &contactcenter.Service{DB: db}
	opt := contactcenter.ImportOptions{Stream: *source, Follow: *follow, Final: *final, BatchLines: *batch, Tolerance: *tolerance,
		Location: loc, PersistentMembers: *persistent}
	if *progress {
		opt.Progress = func(p contactcenter.Progress) { fmt.Fprint(e.stderr, "\r"+progressLine(p)) }
	}
	loaded, err := db.BulkLoad()
	if err != nil {
		return err
	}
	defer tuneImportGC(e, opt.BatchLines)()
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		loaded() //nolint:errcheck // the profile's error is the one to report
		return err
	}
	rep, err := svc.ImportQueueLog(ctx, fs.Args(), opt)
	err = errors.Join(err, stopProfile())
	if lerr := loaded(); err == nil {
		err = lerr
	}
	if *progress {
		fmt.Fprintln(e.stderr)
	}
	printReport(e.stdout, rep, *progress)
	if err != nil {
		return fmt.Errorf("import queue-log: %w", err)
	}
	return nil
}

// progressLine is one line of the progress bar: how far, how fast, how
// long still.
func progressLine(p contactcenter.Progress) string {
	rate := float64(p.Lines) / p.Elapsed.Seconds()
	bar := ""
	eta := ""
	if p.TotalBytes > 0 {
		frac := min(1, float64(p.Bytes)/float64(p.TotalBytes))
		n := int(frac * 30)
		bar = "[" + strings.Repeat("=", n) + strings.Repeat(" ", 30-n) + fmt.Sprintf("] %3.0f%% ", frac*100)
		if frac > 0 {
			left := time.Duration(float64(p.Elapsed) * (1 - frac) / frac).Round(time.Second)
			eta = " ETA " + left.String()
		}
	}
	return fmt.Sprintf("%s%d lines, %.0f lines/s%s   ", bar, p.Lines, rate, eta)
}

func printReport(w io.Writer, rep contactcenter.ImportReport, timings bool) {
	fmt.Fprintf(w, "source %s: %d lines read, %d events kept, %d duplicates skipped, %d malformed\n",
		rep.Stream, rep.Lines, rep.Events, rep.Duplicates, rep.Malformed)
	for _, f := range rep.Files {
		resumed := ""
		if f.Resumed {
			resumed = " (resumed from an earlier import)"
		}
		fmt.Fprintf(w, "  %s: %d lines, %d events, %d duplicates, %d malformed%s\n", f.Path, f.Lines, f.Events, f.Duplicates, f.Malformed, resumed)
		for i, le := range f.Errors {
			if i == 20 {
				fmt.Fprintf(w, "    ... %d more malformed lines\n", int64(len(f.Errors))-20)
				break
			}
			fmt.Fprintf(w, "    line %d: %v\n", le.Line, le.Err)
		}
	}
	fmt.Fprintf(w, "contact records: %d, agent sessions: %d\n", rep.Records, rep.Sessions)
	if len(rep.NewQueues) > 0 {
		fmt.Fprintf(w, "new queues (created with default thresholds): %s\n", strings.Join(rep.NewQueues, ", "))
	}
	if len(rep.UnmappedAgents) > 0 {
		fmt.Fprintf(w, "unmapped agents (map them with POST /api/v1/agent-aliases, then anchor rollup rebuild): %s\n", strings.Join(rep.UnmappedAgents, ", "))
	}
	if rep.OpenCalls+rep.PendingRecords+rep.OpenSpans > 0 {
		fmt.Fprintf(w, "still open: %d calls, %d records awaiting wrap-up, %d agent spans (the next import of %s completes them; --final closes them)\n",
			rep.OpenCalls, rep.PendingRecords, rep.OpenSpans, rep.Stream)
	}
	if timings {
		rate := float64(rep.Lines) / rep.Elapsed.Seconds()
		fmt.Fprintf(w, "took %s: %.0f lines/s; peak memory %s\n", rep.Elapsed.Round(time.Millisecond), rate, peakMemory())
	}
}

// peakMemory is the process's peak resident set (VmHWM), where Linux
// tells it.
func peakMemory() string {
	raw, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("%d MB from the Go runtime", m.Sys>>20)
}

func runImportEvents(ctx context.Context, e *env, args []string) error {
	fs, dsn := flags(e, "import events")
	source := fs.String("source", "events", "the stream these events belong to (the platform they come from)")
	format := fs.String("format", "", "csv, jsonl or json (default: from the file name, else detected)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("import events: name one file (or - for standard input)")
	}
	path := fs.Arg(0)
	f := *format
	if f == "" {
		switch {
		case strings.HasSuffix(path, ".csv"):
			f = "csv"
		case strings.HasSuffix(path, ".jsonl"), strings.HasSuffix(path, ".ndjson"):
			f = "jsonl"
		}
	}
	var in io.Reader = e.stdin
	if path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("import events: %w", err)
		}
		defer file.Close()
		in = file
	}
	er, err := contactcenter.NewEventReader(in, f)
	if err != nil {
		return fmt.Errorf("import events: %w", err)
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := (&contactcenter.Service{DB: db}).ImportEvents(ctx, er, contactcenter.EventImportOptions{Stream: *source})
	fmt.Fprintf(e.stdout, "source %s: %d events read, %d imported, %d duplicates skipped, %d malformed\n",
		rep.Stream, rep.Received, rep.Imported, rep.Duplicates, len(rep.Errors))
	for _, le := range rep.Errors {
		fmt.Fprintf(e.stdout, "  %v\n", le)
	}
	if len(rep.NewQueues) > 0 {
		fmt.Fprintf(e.stdout, "new queues: %s\n", strings.Join(rep.NewQueues, ", "))
	}
	if len(rep.UnmappedAgents) > 0 {
		fmt.Fprintf(e.stdout, "unmapped agents: %s\n", strings.Join(rep.UnmappedAgents, ", "))
	}
	if err != nil {
		return fmt.Errorf("import events: %w", err)
	}
	return nil
}

// runRollup is `anchor rollup rebuild --from --to` and `anchor rollup days`.
func runRollup(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "days" {
		return runRollupDays(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "rebuild" {
		return errors.New("usage: anchor rollup rebuild [--from TIME] [--to TIME] | anchor rollup days")
	}
	fs, dsn := flags(e, "rollup rebuild")
	from := fs.String("from", "", "first interval to rebuild: RFC 3339 or YYYY-MM-DD (UTC); default: the beginning")
	to := fs.String("to", "", "end of the range (exclusive), same forms; default: the end")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	f, err := parseWhen("--from", *from)
	if err != nil {
		return err
	}
	t, err := parseWhen("--to", *to)
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	began := time.Now()
	rep, err := (&contactcenter.Service{DB: db}).Rebuild(ctx, f, t)
	if err != nil {
		return fmt.Errorf("rollup rebuild: %w", err)
	}
	fmt.Fprintf(e.stdout, "rebuilt %s to %s from %d events: %d contact records, %d agent sessions, in %s\n",
		rep.From.Format(time.RFC3339), rep.To.Format(time.RFC3339), rep.Events, rep.Records, rep.Sessions, time.Since(began).Round(time.Millisecond))
	return nil
}

func parseWhen(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly, "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s: %q is not RFC 3339 or YYYY-MM-DD", name, s)
}

// runDemoContactCenter is `anchor demo contactcenter`: a synthetic
// queue_log for demos and benchmarks.
func runDemoContactCenter(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("anchor demo contactcenter", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	days := fs.Int("days", 7, "days to generate")
	queues := fs.Int("queues", 2, "queues")
	agents := fs.Int("agents", 10, "agents")
	seed := fs.Uint64("seed", 1, "random seed: the same flags give the same file")
	start := fs.String("start", "2026-01-05", "first day (YYYY-MM-DD)")
	calls := fs.Float64("calls-per-agent", 170, "weekday calls per agent")
	out := fs.String("out", "-", "output file (- for standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	day, err := time.Parse(time.DateOnly, *start)
	if err != nil {
		return fmt.Errorf("demo contactcenter: --start: %w", err)
	}
	var w io.Writer = e.stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("demo contactcenter: %w", err)
		}
		defer f.Close()
		w = f
	}
	st, err := contactcenter.GenerateQueueLog(w, contactcenter.DemoSpec{Start: day, Days: *days, Queues: *queues, Agents: *agents, Seed: *seed, CallsPerAgent: *calls})
	if err != nil {
		return fmt.Errorf("demo contactcenter: %w", err)
	}
	if *out != "-" {
		fmt.Fprintf(e.stdout, "wrote %s: %d lines, %d calls (%d abandoned, %d overflowed)\n", *out, st.Lines, st.Calls, st.Abandoned, st.Overflows)
	}
	return ctx.Err()
}

// runRollupDays is `anchor rollup days`: every daily metric rollup the
// background job would write a month a tick, now (after a large import or
// a rebuild, say).
func runRollupDays(ctx context.Context, e *env, args []string) error {
	fs, dsn := flags(e, "rollup days")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ms := &metrics.Service{DB: db}
	for _, r := range []struct {
		what string
		run  func(context.Context, int) (int, error)
	}{{"case metric", ms.RollupDays}, {"contact-center metric", ms.RollupContactCenterDays}} {
		began := time.Now()
		total, err := rollupAll(ctx, r.run)
		if err != nil {
			return fmt.Errorf("rollup days: %w", err)
		}
		fmt.Fprintf(e.stdout, "%s days rolled up: %d in %s\n", r.what, total, time.Since(began).Round(time.Millisecond))
	}
	return nil
}

// rollupAll runs a daily-rollup step (metrics.Service.RollupDays,
// RollupContactCenterDays) until it finds nothing left to roll up, and
// says how many days it did.
func rollupAll(ctx context.Context, step func(context.Context, int) (int, error)) (int, error) {
	total := 0
	for {
		n, err := step(ctx, 1000)
		if err != nil || n == 0 {
			return total, err
		}
		total += n
	}
}
