package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"anchor/internal/store/storetest"
)

// A small run of anchor bench on SQLite: it seeds, times the HTTP paths,
// then times the metrics live from the events and through the daily
// rollups, with the ratio of the two, for last week's scorecard and this
// week's (still going) and for each case metric by week and by agent.
func TestBenchSmall(t *testing.T) {
	e, out, _ := testEnv("", nil)
	db := filepath.Join(t.TempDir(), "bench.db")
	err := run(context.Background(), e, []string{"bench", "--db", db, "--cases", "300", "--creates", "20", "--lists", "20",
		"--escalations", "0", "--clients", "2"})
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		`create case \+ first contact, 2 clients: 20 requests .* 0 errors`,
		`daily metric rollups: [1-9]\d* days in`,
		`weekly scorecard \d{4}-W\d\d \(18 metrics, 9 weeks of trend\), through the daily rollups: [\d.]+ ms \(live [\d.]+ ms, ×[\d.]+\)`,
		`backlog_age for a year by week and by agent, through the daily rollups: [\d.]+ ms \(live [\d.]+ ms, ×[\d.]+\)`,
	} {
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("no line matches %s in:\n%s", want, got)
		}
	}
	if n := len(regexp.MustCompile(`weekly scorecard \d{4}-W\d\d .*through the daily rollups`).FindAllString(got, -1)); n != 2 {
		t.Errorf("%d scorecards through the rollups, want last week's and this week's:\n%s", n, got)
	}
}

// A small run of anchor bench import: the import runs as a process of its
// own (this test binary as anchor), timed against sqlite3 .import when
// sqlite3 is installed.
func TestBenchImport(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "queue_log")
	gen, _, _ := testEnv("", nil)
	if err := run(context.Background(), gen, []string{"demo", "contactcenter", "--days", "1", "--queues", "2", "--agents", "4", "--seed", "5", "--out", logPath}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ANCHOR_HELPER_ARGV", "1")
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Setenv(storetest.EnvPostgres, "postgres://unused") // the child must not start a PostgreSQL
	}
	e, out, _ := testEnv("", nil)
	err := run(context.Background(), e, []string{"bench", "import", "--rounds", "2", "--anchor", os.Args[0] + " -test.run=^TestHelperProcess$ --", logPath})
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	wants := []string{
		`queue_log: \d+ lines, 2 rounds`,
		`round 1: anchor import queue-log +[\d.]+ s \(CPU [\d.]+ s user, [\d.]+ s sys\), peak \d+ MB, \d+ lines/s`,
		`it said: source asterisk: (\d+) lines read, [1-9]\d* events kept`,
		`round 2: anchor import queue-log`,
		`median: anchor import queue-log`,
	}
	if _, err := exec.LookPath("sqlite3"); err == nil {
		wants = append(wants, `round 2: sqlite3 .import +[\d.]+ s`, `ratio: median [\d.]+ \(rounds [\d.]+ to [\d.]+; target: at most 2\)`)
	}
	for _, want := range wants {
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("no line matches %s in:\n%s", want, got)
		}
	}
	// The lines bench counted are the lines the import read.
	counted := regexp.MustCompile(`queue_log: (\d+) lines`).FindStringSubmatch(got)
	read := regexp.MustCompile(`it said: source asterisk: (\d+) lines read`).FindStringSubmatch(got)
	if counted == nil || read == nil || counted[1] != read[1] {
		t.Errorf("lines counted %v, lines the import read %v: want the same number", counted, read)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "bench-*")); len(left) > 0 {
		t.Errorf("databases left behind: %v", left)
	}
}
