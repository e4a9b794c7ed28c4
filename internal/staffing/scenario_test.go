package staffing_test

import (
	"strings"
	"testing"
	"time"

	"anchor/internal/staffing"
)

func TestCompareScenarios(t *testing.T) {
	shrink := 0.25
	tight := staffing.Target{Level: 0.9, Within: 30 * time.Second}
	variants := []staffing.Variant{
		{Name: "busy", CallsChange: 0.2},
		{Name: "quick", AHTChange: -0.1},
		{Name: "shrink", Shrinkage: &shrink},
		{Name: "tight", Target: &tight},
	}
	base := staffing.Policy{Target: target8020, Shrinkage: 0.3}
	got, err := staffing.CompareScenarios(staffing.SingleInterval(textbook), base, 20, variants)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name          string
		agents, staff int
	}{
		{"baseline", 14, 20},
		{"busy", 16, 23},  // 12 Erlangs
		{"quick", 12, 18}, // 9 Erlangs
		{"shrink", 14, 19},
		{"tight", 14, 20},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d scenarios, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.PeakAgents != w.agents || g.PeakStaff != w.staff {
			t.Errorf("scenario %d: got %s %d agents %d staff, want %s %d %d", i, g.Name, g.PeakAgents, g.PeakStaff, w.name, w.agents, w.staff)
		}
		if wantCost := g.StaffHours * 20; g.Cost != wantCost || g.StaffHours != float64(g.PeakStaff)/2 {
			t.Errorf("%s: cost %v for %v staff-hours", g.Name, g.Cost, g.StaffHours)
		}
	}
	if got[1].Calls != 120 {
		t.Errorf("busy calls %v, want 120", got[1].Calls)
	}
}

func TestParseVariant(t *testing.T) {
	v, err := staffing.ParseVariant("peak: calls=+20%, aht=-10%, shrinkage=0.25, max-occupancy=0.9, target=90/30s")
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "peak" || abs(v.CallsChange-0.2) > 1e-12 || abs(v.AHTChange+0.1) > 1e-12 || *v.Shrinkage != 0.25 ||
		*v.MaxOccupancy != 0.9 || *v.Target != (staffing.Target{Level: 0.9, Within: 30 * time.Second}) {
		t.Errorf("got %+v", v)
	}
	for _, tc := range []struct{ in, want string }{
		{"calls=+20%", "want name:key=value"},
		{"baseline:calls=+5%", "taken"},
		{"x:calls=20", "percentage"},
		{"x:shrinkage=30", "not a fraction"},
		{"x:target=80/20", "needs a unit"},
		{"x:volume=+5%", "unknown key"},
		{"x:calls", "not key=value"},
	} {
		if _, err := staffing.ParseVariant(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseVariant(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}
