package staffing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anchor/internal/staffing"
)

func runCommand(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := staffing.Command(context.Background(), args, &out)
	return out.String(), err
}

func TestCommandSingle(t *testing.T) {
	t.Run("Table", func(t *testing.T) {
		out, err := runCommand(t, "--calls", "100", "--interval", "30m", "--aht", "180s", "--target", "80/20s", "--shrinkage", "0.30", "--max-occupancy", "0.85")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"offered load 10.00 Erlangs", "agents for 80/20s: 14", "with occupancy ≤ 85.0%: 14", "staff to schedule (shrinkage 30.0%): 20", "88.8%"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("Unstable", func(t *testing.T) {
		out, err := runCommand(t, "--calls", "100", "--aht", "180s", "--around", "5")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "unstable") || strings.Contains(out, "-") {
			t.Errorf("want unstable rows and no negative figures:\n%s", out)
		}
	})
	t.Run("ErlangAJSON", func(t *testing.T) {
		out, err := runCommand(t, "--calls", "100", "--aht", "3m", "--patience", "300s", "--format", "json", "--variant", "busy:calls=+20%", "--hourly-cost", "20")
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Requirement struct {
				Agents int `json:"agents"`
				Result struct {
					ProbAbandon float64  `json:"prob_abandon"`
					ASA         *float64 `json:"asa_seconds"`
				} `json:"result"`
			} `json:"requirement"`
			Table []struct {
				Stable bool     `json:"stable"`
				ASA    *float64 `json:"asa_seconds"`
			} `json:"table"`
			Scenarios []staffing.ScenarioResult `json:"scenarios"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		if rep.Requirement.Agents != 13 || rep.Requirement.Result.ProbAbandon <= 0 || rep.Requirement.Result.ASA == nil {
			t.Errorf("requirement %+v", rep.Requirement)
		}
		if len(rep.Scenarios) != 2 || rep.Scenarios[1].Name != "busy" || rep.Scenarios[1].Cost <= rep.Scenarios[0].Cost {
			t.Errorf("scenarios %+v", rep.Scenarios)
		}
	})
}

func TestCommandForecast(t *testing.T) {
	dir := t.TempDir()
	forecast := filepath.Join(dir, "day.csv")
	shifts := filepath.Join(dir, "shifts.csv")
	mustWrite(t, forecast, "start,calls,aht\n2025-03-10 08:00,40,180\n2025-03-10 08:15,60,180\n2025-03-10 08:30,bad,180\n2025-03-10 08:45,50,3m\n")
	mustWrite(t, shifts, "name,start,length\nmorning,08:00,1h\n")
	out, err := runCommand(t, "--forecast", forecast, "--shifts", shifts, "--hourly-cost", "20", "--variant", "busy:calls=+20%")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"skipped line 4:", "3 intervals of 15m0s", "service level", "morning", "(optimal)", "busy"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = runCommand(t, "--forecast", forecast, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Skipped []staffing.LineError `json:"skipped"`
		Plan    struct {
			Intervals     []json.RawMessage `json:"intervals"`
			LengthSeconds float64           `json:"length_seconds"`
		} `json:"plan"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(rep.Skipped) != 1 || rep.Skipped[0].Line != 4 || len(rep.Plan.Intervals) != 3 || rep.Plan.LengthSeconds != 900 {
		t.Errorf("got %+v", rep)
	}
}

func mustWrite(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"NoCalls", []string{"--aht", "180s"}, "--calls is required"},
		{"NoAHT", []string{"--calls", "100"}, "--aht is required"},
		{"AHTWithoutUnit", []string{"--calls", "100", "--aht", "180"}, "--aht \"180\" needs a unit"},
		{"IntervalWithoutUnit", []string{"--calls", "100", "--aht", "3m", "--interval", "30"}, "--interval \"30\" needs a unit"},
		{"NegativeCalls", []string{"--calls", "-5", "--aht", "180s"}, "calls must not be negative"},
		{"ZeroAHT", []string{"--calls", "5", "--aht", "0s"}, "--aht must be positive"},
		{"TargetAbove100", []string{"--calls", "5", "--aht", "3m", "--target", "120/20s"}, "--target"},
		{"ShrinkageOne", []string{"--calls", "5", "--aht", "3m", "--shrinkage", "1"}, "shrinkage"},
		{"BadFormat", []string{"--calls", "5", "--aht", "3m", "--format", "xml"}, "--format"},
		{"BadVariant", []string{"--calls", "5", "--aht", "3m", "--variant", "x:calls=20"}, "percentage"},
		{"ShiftsWithoutForecast", []string{"--calls", "5", "--aht", "3m", "--shifts", "s.csv"}, "--shifts needs --forecast"},
		{"CallsWithForecast", []string{"--forecast", "f.csv", "--calls", "5"}, "do not give them with --forecast"},
		{"MissingForecast", []string{"--forecast", "/nonexistent/f.csv"}, "unable to open forecast"},
		{"UnknownFlag", []string{"--agents", "5"}, "flag provided but not defined"},
		{"StrayArgument", []string{"--calls", "5", "--aht", "3m", "extra"}, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCommand(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	t.Run("Cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := staffing.Command(ctx, []string{"--calls", "5", "--aht", "3m"}, &bytes.Buffer{}); err == nil {
			t.Fatal("want the context's error")
		}
	})
}

func TestJSONRoundTrip(t *testing.T) {
	in := staffing.Forecast{Length: 900e9, Patience: 120e9, Intervals: []staffing.Interval{{Start: at("2025-03-10 08:00"), Calls: 12.5, AHT: 185e9}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"length_seconds":900`) || !strings.Contains(string(b), `"aht_seconds":185`) {
		t.Errorf("durations not in seconds: %s", b)
	}
	var out staffing.Forecast
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Length != in.Length || out.Patience != in.Patience || len(out.Intervals) != 1 || out.Intervals[0].AHT != in.Intervals[0].AHT || !out.Intervals[0].Start.Equal(in.Intervals[0].Start) {
		t.Errorf("round trip: got %+v, want %+v", out, in)
	}
	for _, v := range []any{&staffing.Queue{}, &staffing.Target{}} {
		if err := json.Unmarshal([]byte(`{"interval_seconds":1e300,"within_seconds":1e300}`), v); err == nil {
			t.Errorf("%T: want an out-of-range error", v)
		}
	}
	var q staffing.Queue
	if err := json.Unmarshal([]byte(`{"calls":100,"interval_seconds":1800,"aht_seconds":180}`), &q); err != nil || q != textbook {
		t.Errorf("queue: got %+v, %v", q, err)
	}
	r, _ := staffing.Evaluate(textbook, 9, 0)
	b, _ = json.Marshal(r)
	if !strings.Contains(string(b), `"asa_seconds":null`) || !strings.Contains(string(b), `"stable":false`) {
		t.Errorf("unstable result: %s", b)
	}
}
