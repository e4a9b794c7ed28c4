package staffing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"anchor/internal/staffing"
)

var target8020 = staffing.Target{Level: 0.8, Within: 20 * time.Second}

func TestRequire(t *testing.T) {
	patient := textbook
	patient.Patience = 300 * time.Second
	for _, tc := range []struct {
		name                   string
		q                      staffing.Queue
		p                      staffing.Policy
		raw, agents, staffWant int
	}{
		{"Textbook", textbook, staffing.Policy{Target: target8020}, 14, 14, 14},
		// The reference: 14 agents, 20 staff at 30% shrinkage
		// (14 / 0.7 is 20.000000000000004 in floating point).
		{"TextbookShrinkage", textbook, staffing.Policy{Target: target8020, Shrinkage: 0.30}, 14, 14, 20},
		{"OccupancyCap", textbook, staffing.Policy{Target: target8020, MaxOccupancy: 0.70}, 14, 15, 15},
		{"OccupancyCapNotBinding", textbook, staffing.Policy{Target: target8020, MaxOccupancy: 0.85}, 14, 14, 14},
		{"StricterTarget", textbook, staffing.Policy{Target: staffing.Target{Level: 0.9, Within: 15 * time.Second}}, 15, 15, 15},
		{"ErlangA", patient, staffing.Policy{Target: target8020}, 13, 13, 13},
		{"ErlangAAbandonCap", patient, staffing.Policy{Target: staffing.Target{Level: 0.8, Within: 20 * time.Second, MaxAbandon: 0.01}}, 15, 15, 15},
		{"NoCalls", staffing.Queue{Interval: time.Hour, AHT: time.Minute}, staffing.Policy{Target: target8020, Shrinkage: 0.3}, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := staffing.Require(tc.q, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if req.RawAgents != tc.raw || req.Agents != tc.agents || req.Staff != tc.staffWant {
				t.Fatalf("got raw %d, agents %d, staff %d; want %d, %d, %d", req.RawAgents, req.Agents, req.Staff, tc.raw, tc.agents, tc.staffWant)
			}
			if req.Result.Agents != req.Agents {
				t.Errorf("result is for %d agents, want %d", req.Result.Agents, req.Agents)
			}
			if tc.q.Calls == 0 {
				return
			}
			if req.Result.ServiceLevel < tc.p.Target.Level {
				t.Errorf("service level %v misses the target %v", req.Result.ServiceLevel, tc.p.Target.Level)
			}
			// One agent fewer than the raw answer must miss the target.
			fewer, _ := staffing.Evaluate(tc.q, req.RawAgents-1, tc.p.Target.Within)
			if fewer.ServiceLevel >= tc.p.Target.Level && (tc.p.Target.MaxAbandon == 0 || fewer.ProbAbandon <= tc.p.Target.MaxAbandon) {
				t.Errorf("%d agents already meet the target: %+v", req.RawAgents-1, fewer)
			}
			if tc.p.MaxOccupancy > 0 && req.Result.Occupancy > tc.p.MaxOccupancy {
				t.Errorf("occupancy %v above the cap %v", req.Result.Occupancy, tc.p.MaxOccupancy)
			}
		})
	}
}

func TestRequireLarge(t *testing.T) {
	q := staffing.Queue{Calls: 40000, Interval: 30 * time.Minute, AHT: 180 * time.Second}
	req, err := staffing.Require(q, staffing.Policy{Target: target8020})
	if err != nil {
		t.Fatal(err)
	}
	if req.Agents <= 4000 || req.Agents > 4100 {
		t.Errorf("4,000 Erlangs need %d agents, want a little over 4,000", req.Agents)
	}
	q.Patience = 300 * time.Second
	reqA, err := staffing.Require(q, staffing.Policy{Target: target8020})
	if err != nil {
		t.Fatal(err)
	}
	// At this scale a queue of impatient callers trims itself: the excess
	// load abandons, and those who stay wait about (A − N)/r callers' worth,
	// 16 s at 3,790 agents — within 20 s. So Erlang A needs fewer agents than
	// the load, and far fewer than Erlang C.
	if reqA.Agents > req.Agents || reqA.Agents < 3700 || reqA.Result.ServiceLevel < 0.8 {
		t.Errorf("Erlang A needs %d agents (%+v), Erlang C %d", reqA.Agents, reqA.Result, req.Agents)
	}
}

func TestRequireErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    staffing.Queue
		p    staffing.Policy
		want string
	}{
		{"NegativeCalls", staffing.Queue{Calls: -5, Interval: time.Hour, AHT: time.Minute}, staffing.Policy{Target: target8020}, "calls must not be negative"},
		{"ZeroAHT", staffing.Queue{Calls: 5, Interval: time.Hour}, staffing.Policy{Target: target8020}, "AHT must be positive"},
		{"TargetAbove100", textbook, staffing.Policy{Target: staffing.Target{Level: 1.2, Within: 20 * time.Second}}, "above 100%"},
		{"Target100", textbook, staffing.Policy{Target: staffing.Target{Level: 1, Within: 20 * time.Second}}, "100% service level"},
		{"ShrinkageOne", textbook, staffing.Policy{Target: target8020, Shrinkage: 1}, "shrinkage 1 must be below 1"},
		{"ShrinkagePercent", textbook, staffing.Policy{Target: target8020, Shrinkage: 30}, "must be below 1"},
		{"OccupancyPercent", textbook, staffing.Policy{Target: target8020, MaxOccupancy: 85}, "write it as a fraction"},
		{"AbandonWithoutPatience", textbook, staffing.Policy{Target: staffing.Target{Level: 0.8, Within: 20 * time.Second, MaxAbandon: 0.05}}, "needs a patience"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := staffing.Require(tc.q, tc.p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	t.Run("Unreachable", func(t *testing.T) {
		q := textbook
		q.Patience = 5 * time.Second
		// Callers this impatient abandon even with a crowd of agents
		// only if it never gets crowded enough: a 1e-9 cap is out of reach.
		_, err := staffing.Require(q, staffing.Policy{Target: staffing.Target{Level: 0.8, Within: 20 * time.Second, MaxAbandon: 1e-300}})
		if !errors.Is(err, staffing.ErrTargetUnreachable) {
			t.Fatalf("got %v, want ErrTargetUnreachable", err)
		}
	})
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want staffing.Target
		err  string
	}{
		{in: "80/20s", want: staffing.Target{Level: 0.8, Within: 20 * time.Second}},
		{in: "90%/30s", want: staffing.Target{Level: 0.9, Within: 30 * time.Second}},
		{in: " 95 / 1m ", want: staffing.Target{Level: 0.95, Within: time.Minute}},
		{in: "80/0s", want: staffing.Target{Level: 0.8}},
		{in: "80/20", err: "needs a unit"},
		{in: "0.8/20s", err: "looks like a fraction"},
		{in: "120/20s", err: "above 100%"},
		{in: "100/20s", err: "cannot be met"},
		{in: "0/20s", err: "above 0%"},
		{in: "80/-5s", err: "must not be negative"},
		{in: "eighty/20s", err: "not a number"},
		{in: "80", err: "want percent/time"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := staffing.ParseTarget(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, %v; want an error containing %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
			if back, err := staffing.ParseTarget(got.String()); err != nil || back != got {
				t.Errorf("String %q does not parse back: %+v, %v", got.String(), back, err)
			}
		})
	}
}

func TestParseChange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		err  bool
	}{
		{"+20%", 0.2, false}, {"-10%", -0.1, false}, {"0%", 0, false}, {"20", 0, true}, {"-100%", 0, true}, {"abc%", 0, true},
	} {
		got, err := staffing.ParseChange(tc.in)
		if (err != nil) != tc.err || (err == nil && abs(got-tc.want) > 1e-12) {
			t.Errorf("ParseChange(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
