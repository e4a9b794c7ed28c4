// Command anchor is Anchor, a customer-service operations platform, in one
// binary: the server, its migrations, its administration from the command
// line, and its planning tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"

	_ "time/tzdata"

	"anchor/internal/staffing" // calendars name IANA zones; the binary must not depend on the host's zoneinfo
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command reads and writes besides its flags, so that tests
// can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"run the server (API, background jobs)", runServe},
		"migrate": {"bring the database schema up to date", runMigrate},
		"user":    {"manage users: user add --email E --name N --role R", runUser},
		"token":   {"manage API tokens: token create --email E", runToken},
		"demo":    {"load demo data into an empty database", runDemo},
		"bench":   {"seed a fresh database and measure the API under load; bench import FILE: a queue_log import against sqlite3 .import", runBench},
		"staffing": {"agents needed for a service-level target (Erlang C/A), interval plans, shifts, scenarios", func(ctx context.Context, e *env, args []string) error {
			return staffing.Command(ctx, args, e.stdout)
		}},
		"import":        {"import contact-center events: import queue-log FILE... | import events FILE", runImport},
		"rollup":        {"rebuild interval rollups from events: rollup rebuild --from --to; write the daily metric rollups now: rollup days", runRollup},
		"report":        {"write a report: report scorecard --week 2026-W47 [--format html|csv|json] [--out FILE]", runReport},
		"servicematrix": {"export or import the service matrix: servicematrix export|import FILE", runServiceMatrix},
		"version": {"print the version", func(_ context.Context, e *env, _ []string) error {
			fmt.Fprintln(e.stdout, "anchor", version)
			return nil
		}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if err := run(ctx, e, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "anchor:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, e *env, args []string) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stderr, cmds)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(e.stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, e, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Usage: anchor <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --db (or ANCHOR_DB): a SQLite file path (default ./anchor.db) or a postgres:// URL.\nRun 'anchor <command> -h' for its flags.")
}

// flags returns a FlagSet for a subcommand with the --db flag every command
// shares, defaulting to ANCHOR_DB and then ./anchor.db.
func flags(e *env, name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("anchor "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	db := fs.String("db", envOr(e, "ANCHOR_DB", "anchor.db"), "database: a SQLite file path or a postgres:// URL (env ANCHOR_DB)")
	return fs, db
}

func envOr(e *env, name, def string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// serverGCPercent is the garbage collector's target for the commands that
// serve requests, unless GOGC says otherwise. The live heap of a server is
// small (tens of MB), so at Go's default of 100 the collector runs every few
// MB of allocation; a page of 50 cases spent about a quarter of its CPU in
// collection and the preemptions it causes (0.8–1.0 ms at 100, 0.6–0.8 ms
// at 400, measured with a CPU profile and getrusage). The price is a larger
// heap under load, not at rest.
const serverGCPercent = 400

// importMemoryBase and importMemoryPerLine set the Go memory limit of a
// queue_log import, under which it collects garbage only when the limit
// is near instead of each time the heap doubles: a year's import (batches
// of 30,000 lines, a live heap of 15-25 MB, about 50 MB of SQLite and
// runtime memory besides) ran 354 collections instead of 582 (3% of its
// CPU instead of 5%) at the same peak, 117-120 MB. A batch of more lines
// holds more, hence the part per line.
const (
	importMemoryBase    = 45 << 20
	importMemoryPerLine = 1 << 10
)

// tuneImportGC applies the import's memory limit, with the proportional
// collector off, unless GOGC or GOMEMLIMIT is set; restore puts back what
// was there (commands run in-process in tests). Should the live heap ever
// exceed the limit, the runtime caps collection at half the CPU.
func tuneImportGC(e *env, batchLines int) (restore func()) {
	if e.getenv("GOGC") != "" || e.getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	limit := debug.SetMemoryLimit(int64(importMemoryBase + importMemoryPerLine*max(batchLines, 0)))
	pct := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(limit)
	}
}

// tuneGC applies serverGCPercent when the environment does not set GOGC.
func tuneGC(e *env) {
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}
