package contactcenter

import "testing"

// TestTimedIDStable pins ids: records and sessions already stored must get
// the same ids from every version, or a resumed or repeated import would
// store them again.
func TestTimedIDStable(t *testing.T) {
	for _, c := range []struct {
		ms    int64
		parts []string
		want  string
	}{
		{1764230400000, []string{"1", "1764230400.1", "1", "support"}, "06dc8mw800jnn4vpf0fc7t8r6m"},
		{-5, []string{"queue", "sales", ""}, "00000000002w4adas17fy1g2x4"},
		{1764230413000, nil, "06dc8mxts3hv1h22k3y1r54tzc"},
	} {
		if got := timedID(c.ms, c.parts...); got != c.want {
			t.Errorf("timedID(%d, %q) = %s, want %s", c.ms, c.parts, got, c.want)
		}
	}
}
