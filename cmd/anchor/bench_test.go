package main

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"
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
