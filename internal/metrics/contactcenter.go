package metrics

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"anchor/internal/contactcenter"
)

// ccDims maps a metric dimension to the rollups' own.
var ccDims = map[string]string{ByQueue: "queue", ByAgent: "agent", BySegment: "segment", ByChannel: "channel"}

// ccRow is one cut's contact-center sums.
type ccRow struct {
	cut string
	n   contactcenter.Counts
}

// computeContactCenter computes a contact-center metric from the sums of
// the interval rollups, which hold the exact sums every contact-center
// metric is a ratio of, so a period's figure is the same however the rows
// are grouped: by day (the daily rollups, see ccSums) or by 15 minutes.
// Durations are in seconds.
func computeContactCenter(key string) batchFunc {
	return func(ctx context.Context, s *Service, periods []Period, by string) (map[int][]counts, error) {
		sums, err := s.ccSumsShared(ctx, periods, by, ccNeeds[key])
		if err != nil {
			return nil, err
		}
		out := map[int][]counts{}
		for i, rows := range sums {
			for _, r := range rows {
				if c, ok := ccCounts(key, r); ok {
					out[i] = append(out[i], c)
				}
			}
		}
		return out, nil
	}
}

// ccCounts is one metric's numerator and denominator of a cut's sums; ok
// is false when the sums hold nothing of the metric (agent time sits in
// rows with no queue), so the caller reports no input rather than a zero.
func ccCounts(key string, r ccRow) (counts, bool) {
	c := counts{cut: r.cut}
	n := r.n
	sec := func(ms int64) float64 { return float64(ms) / 1000 }
	switch key {
	case "aht":
		c.num, c.den = sec(n.HandleMS()), float64(n.Handled)
	case "abandon_rate":
		c.num, c.den = float64(n.Abandoned-n.ShortAbandoned), float64(n.Offered-n.ShortAbandoned)
		c.extra = map[string]float64{"short_abandons": float64(n.ShortAbandoned), "other_exits": float64(n.OtherExits), "offered": float64(n.Offered)}
	case "service_level":
		c.num, c.den = float64(n.AnsweredWithinThreshold), float64(n.Offered-n.ShortAbandoned)
	case "asa":
		c.num, c.den = sec(n.WaitAnsweredMS), float64(n.Answered)
	case "availability":
		c.num, c.den = sec(n.LoggedInMS-n.PausedMS), sec(n.LoggedInMS)
	case "occupancy":
		c.num, c.den = sec(n.HandleMS()), sec(n.LoggedInMS-n.PausedMS)
	}
	if c.den == 0 && c.num == 0 {
		return c, false
	}
	return c, true
}

// ccRollupRows reads the interval rollups of [p.Start, p.End) summed by
// the metric dimension by: the way every contact-center figure was
// computed before the daily rollups, and still how the live edges are.
func ccRollupRows(ctx context.Context, s *Service, p Period, by string) ([]ccRow, error) {
	f := contactcenter.RollupFilter{From: p.Start, To: p.End}
	if by != "" {
		f.By = []string{ccDims[by]}
	}
	rows, err := (&contactcenter.Service{DB: s.DB}).Rollups(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]ccRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, ccRow{cut: ccCut(r, by), n: r.Counts})
	}
	return out, nil
}

// ccCut is a rollup row's cut in the metric dimension by.
func ccCut(r contactcenter.Rollup, by string) string {
	switch by {
	case ByQueue:
		return r.QueueID
	case ByAgent:
		return r.AgentID
	case BySegment:
		return r.SegmentID
	case ByChannel:
		return r.Channel
	}
	return ""
}

// rollupMemo shares the contact-center sums between the six
// contact-center metrics of one scorecard: they are ratios of the same
// sums, so one read per set of periods serves them all.
type rollupMemo struct {
	mu sync.Mutex
	m  map[string]*rollupEntry
}

type rollupEntry struct {
	once sync.Once
	sums map[int][]ccRow
	err  error
}

type memoKey struct{}

// withRollupMemo returns a context whose contact-center metrics share their
// reads.
func withRollupMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &rollupMemo{m: map[string]*rollupEntry{}})
}

// ccNeeds are the sums each metric is a ratio of (see ccCounts).
var ccNeeds = map[string][]string{
	"aht":           {"handled", "talk_ms", "hold_ms", "wrap_ms"},
	"abandon_rate":  {"offered", "abandoned", "short_abandoned", "other_exits"},
	"service_level": {"offered", "short_abandoned", "answered_within_threshold"},
	"asa":           {"answered", "wait_answered_ms"},
	"availability":  {"logged_in_ms", "paused_ms"},
	"occupancy":     {"talk_ms", "hold_ms", "wrap_ms", "logged_in_ms", "paused_ms"},
}

// ccSumsShared is ccSums, shared through the context's memo if it has one
// (then every sum is read, for all six metrics); without, only the sums
// in need.
func (s *Service) ccSumsShared(ctx context.Context, periods []Period, by string, need []string) (map[int][]ccRow, error) {
	memo, ok := ctx.Value(memoKey{}).(*rollupMemo)
	if !ok {
		return s.ccSums(ctx, periods, by, need)
	}
	var kb strings.Builder
	fmt.Fprintf(&kb, "%s %v %v", by, s.Live, s.FromRecords)
	for _, p := range periods {
		fmt.Fprintf(&kb, " %d-%d", p.Start.UnixMilli(), p.End.UnixMilli())
	}
	key := kb.String()
	memo.mu.Lock()
	e := memo.m[key]
	if e == nil {
		e = &rollupEntry{}
		memo.m[key] = e
	}
	memo.mu.Unlock()
	e.once.Do(func() { e.sums, e.err = s.ccSums(ctx, periods, by, nil) })
	return e.sums, e.err
}
