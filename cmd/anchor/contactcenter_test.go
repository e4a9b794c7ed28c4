package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// engineDSNs gives a fresh database per engine for command tests: a
// SQLite file and, when a server is available, a PostgreSQL schema.
func engineDSNs(t *testing.T, name string) map[string]string {
	t.Helper()
	dsns := map[string]string{"sqlite": filepath.Join(t.TempDir(), name+".db")}
	if os.Getenv(storetest.EnvPostgres) != "" {
		db := storetest.OpenPostgres(t)
		var schema string
		if err := db.Read.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		dsns["postgres"] = storetest.WithSearchPath(storetest.PostgresDSN(t), schema)
	}
	return dsns
}

// TestContactCenterCommands runs the import, rebuild and demo commands as
// a user would, on each engine.
func TestContactCenterCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	logPath := filepath.Join(dir, "queue_log")
	e, out, _ := testEnv("", nil)
	if err := run(ctx, e, []string{"demo", "contactcenter", "--days", "2", "--queues", "2", "--agents", "6", "--seed", "7", "--out", logPath}); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`wrote \S+: (\d+) lines`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("demo output %q", out.String())
	}
	again := filepath.Join(dir, "again")
	e, _, _ = testEnv("", nil)
	if err := run(ctx, e, []string{"demo", "contactcenter", "--days", "2", "--queues", "2", "--agents", "6", "--seed", "7", "--out", again}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(logPath)
	b, _ := os.ReadFile(again)
	if string(a) != string(b) {
		t.Fatal("the same seed gave a different log")
	}
	// A malformed line in the middle is reported with its number.
	lines := strings.SplitAfter(string(a), "\n")
	bad := append(append(append([]string{}, lines[:10]...), "1767600000|broken\n"), lines[10:]...)
	os.WriteFile(logPath, []byte(strings.Join(bad, "")), 0o644)

	events := filepath.Join(dir, "chat.jsonl")
	os.WriteFile(events, []byte(`{"type":"contact","id":"c1","channel":"chat","queue":"chat","offered_at":"2026-01-05T09:00:00Z","answered_at":"2026-01-05T09:00:30Z","ended_at":"2026-01-05T09:05:30Z","outcome":"answered","agent":"ana"}
{"type":"contact","id":"c2","channel":"pigeon","queue":"chat","offered_at":"2026-01-05T09:01:00Z","outcome":"abandoned"}
{"type":"agent_state","agent":"ana","state":"available","start":"2026-01-05T09:00:00Z","end":"2026-01-05T10:00:00Z"}
`), 0o644)

	for name, dsn := range engineDSNs(t, "cmd") {
		t.Run(name, func(t *testing.T) {
			vars := map[string]string{"ANCHOR_DB": dsn}
			e, out, _ := testEnv("", vars)
			if err := run(ctx, e, []string{"import", "queue-log", "--progress", logPath}); err != nil {
				t.Fatal(err)
			}
			total := strings.Count(strings.Join(bad, ""), "\n")
			for _, want := range []string{
				fmt.Sprintf("%d lines read, %d events kept, 0 duplicates skipped, 1 malformed", total, total-1),
				"line 11: queuelog: fewer than 5 fields",
				"new queues (created with default thresholds): ",
				"unmapped agents",
				"lines/s; peak memory",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("first import output lacks %q:\n%s", want, out.String())
				}
			}
			e, out, _ = testEnv("", vars)
			if err := run(ctx, e, []string{"import", "queue-log", logPath}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "0 lines read, 0 events kept") {
				t.Errorf("second import output:\n%s", out.String())
			}
			e, out, _ = testEnv("", vars)
			if err := run(ctx, e, []string{"import", "events", "--source", "chat", events}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "3 events read, 2 imported, 0 duplicates skipped, 1 malformed") ||
				!strings.Contains(out.String(), "line 2: channel: must be one of") {
				t.Errorf("events import output:\n%s", out.String())
			}
			e, out, _ = testEnv("", vars)
			if err := run(ctx, e, []string{"rollup", "rebuild", "--from", "2026-01-05", "--to", "2026-01-06"}); err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`rebuilt 2026-01-05T00:00:00Z to 2026-01-06T00:00:00Z from \d+ events: [1-9]\d* contact records`).MatchString(out.String()) {
				t.Errorf("rebuild output:\n%s", out.String())
			}
			e, _, _ = testEnv("", vars)
			if err := run(ctx, e, []string{"rollup", "rebuild", "--from", "yesterday"}); err == nil || !strings.Contains(err.Error(), "--from") {
				t.Errorf("a bad --from: %v", err)
			}
			e, out, _ = testEnv("", vars)
			if err := run(ctx, e, []string{"rollup", "days"}); err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`contact-center metric days rolled up: [1-9]\d* in`).MatchString(out.String()) {
				t.Errorf("rollup days output:\n%s", out.String())
			}
			// The contact-center metrics measured on this database: the
			// daily rollups, cc_rollups and the records agree.
			e, out, _ = testEnv("", vars)
			if err := run(ctx, e, []string{"bench", "--existing"}); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); strings.Count(got, ", equal") != 6 || strings.Count(got, "from the records: equal") != 6 || strings.Contains(got, "DIFFERENT") {
				t.Errorf("bench --existing output:\n%s", got)
			}
		})
	}
}

// TestHelperProcess is not a test: TestKillLoop runs the test binary with
// it to get a process that runs one anchor command and can be killed.
func TestHelperProcess(t *testing.T) {
	args := strings.Split(os.Getenv("ANCHOR_HELPER_ARGS"), "\n")
	if i := slices.Index(os.Args, "--"); i >= 0 && os.Getenv("ANCHOR_HELPER_ARGV") != "" {
		args = os.Args[i+1:] // a command line: test binary, -test.run, --, anchor's arguments
	}
	if len(args) == 0 || args[0] == "" {
		t.Skip("helper process only")
	}
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if err := run(context.Background(), e, args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(0)
}

// TestKillLoop kills the importer with SIGKILL at random moments, runs it
// again until it finishes, and compares every contact-center table with a
// clean import of the same file: they must be equal row for row.
func TestKillLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	logPath := filepath.Join(dir, "queue_log")
	e, _, _ := testEnv("", nil)
	if err := run(ctx, e, []string{"demo", "contactcenter", "--days", "5", "--queues", "3", "--agents", "12", "--seed", "3", "--out", logPath}); err != nil {
		t.Fatal(err)
	}
	importArgs := []string{"import", "queue-log", "--batch", "400", logPath}
	child := func(dsn string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), "ANCHOR_HELPER_ARGS="+strings.Join(importArgs, "\n"), "ANCHOR_DB="+dsn)
		if os.Getenv(storetest.EnvPostgres) == "" {
			// The child's TestMain must not start a PostgreSQL of its own.
			cmd.Env = append(cmd.Env, storetest.EnvPostgres+"=postgres://unused")
		}
		return cmd
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for name, dsn := range engineDSNs(t, "clean") {
		t.Run(name, func(t *testing.T) {
			crashDSN := engineDSNs(t, "crash")[name]
			// The clean database and the crashed one key their events under
			// one secret, as the same database would before and after a crash.
			sameEventKey(t, dsn, crashDSN)
			if out, err := child(dsn).CombinedOutput(); err != nil {
				t.Fatalf("clean import: %v: %s", err, out)
			}
			// Learn how long a run takes, and how much of that is starting
			// up, to kill inside the import itself.
			began := time.Now()
			probe := engineDSNs(t, "probe")[name]
			if out, err := child(probe).CombinedOutput(); err != nil {
				t.Fatalf("probe import: %v: %s", err, out)
			}
			took := time.Since(began)
			began = time.Now()
			if out, err := child(probe).CombinedOutput(); err != nil { // nothing left to do
				t.Fatalf("probe import: %v: %s", err, out)
			}
			startup := time.Since(began)
			kills, finished := 0, false
			for i := 0; i < 30 && !finished; i++ {
				cmd := child(crashDSN)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				// Within the first eighth of a full run: each run gets a little
				// further, so most are killed part-way through a batch (and a
				// fast import is still killed a few times before it finishes).
				time.Sleep(startup*3/4 + time.Duration(rng.Int64N(int64(max(took/8, time.Millisecond)))))
				cmd.Process.Signal(syscall.SIGKILL) //nolint:errcheck // it may have finished
				err := cmd.Wait()
				if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					kills++
					continue
				}
				if err != nil {
					t.Fatalf("run %d failed: %v: %s", i, err, out.Bytes())
				}
				finished = true
			}
			if out, err := child(crashDSN).CombinedOutput(); err != nil {
				t.Fatalf("final import: %v: %s", err, out)
			}
			t.Logf("%s: a run takes %v (%v of it starting up); killed %d runs", name, took.Round(time.Millisecond), startup.Round(time.Millisecond), kills)
			if kills < 3 {
				t.Errorf("only %d runs were killed mid-way: the test proves little", kills)
			}
			want, got := dumpDSN(t, dsn), dumpDSN(t, crashDSN)
			for _, table := range ccTables {
				if !reflect.DeepEqual(got[table], want[table]) {
					t.Errorf("after %d kills, %s differs from a clean import: %d rows, want %d", kills, table, len(got[table]), len(want[table]))
				}
			}
			if len(want["cc_contact_records"]) < 1000 {
				t.Errorf("only %d records: the fixture is too small to test anything", len(want["cc_contact_records"]))
			}
		})
	}
}

var ccTables = []string{"cc_queues", "cc_agent_aliases", "cc_streams", "cc_event_key_scheme", "cc_event_blocks", "cc_event_keys", "cc_import_files", "cc_import_errors",
	"cc_contact_records", "cc_agent_sessions", "cc_rollups"}

// sameEventKey gives the databases at dsns one event key scheme and
// secret (cc_event_key_scheme), which an import otherwise draws at random.
func sameEventKey(t *testing.T, dsns ...string) {
	t.Helper()
	for _, dsn := range dsns {
		db, err := openMigrated(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Write.Exec(`INSERT INTO cc_event_key_scheme (id, scheme, secret) VALUES (1, 2, '000102030405060708090a0b0c0d0e0f')`)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func dumpDSN(t *testing.T, dsn string) map[string][]string {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]string{}
	for _, table := range ccTables {
		rows, err := db.Read.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var sb strings.Builder
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&sb, "%s=%v|", cols[i], v)
			}
			out[table] = append(out[table], sb.String())
		}
		rows.Close()
		sort.Strings(out[table])
	}
	return out
}
