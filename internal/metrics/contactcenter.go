package metrics

import (
	"context"
	"fmt"
	"sync"

	"anchor/internal/contactcenter"
)

// ccDims maps a metric dimension to the rollups' own.
var ccDims = map[string]string{ByQueue: "queue", ByAgent: "agent", BySegment: "segment", ByChannel: "channel"}

// computeContactCenter reads the 15-minute interval rollups, which hold
// the exact sums every contact-center metric is a ratio of, so a period's
// figure is the same however the rows are grouped. Durations are in
// seconds.
func computeContactCenter(key string) computeFunc {
	return func(ctx context.Context, s *Service, p Period, by string) ([]counts, error) {
		f := contactcenter.RollupFilter{From: p.Start, To: p.End}
		if by != "" {
			f.By = []string{ccDims[by]}
		}
		rows, err := rollups(ctx, s, f)
		if err != nil {
			return nil, err
		}
		var out []counts
		for _, r := range rows {
			c := counts{}
			switch by {
			case ByQueue:
				c.cut = r.QueueID
			case ByAgent:
				c.cut = r.AgentID
			case BySegment:
				c.cut = r.SegmentID
			case ByChannel:
				c.cut = r.Channel
			}
			n := r.Counts
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
				// Nothing of this metric here (agent time sits in rows with no
				// queue): the caller reports no input rather than a zero.
				continue
			}
			out = append(out, c)
		}
		return out, nil
	}
}

// rollupMemo shares rollup reads between the six contact-center metrics of
// one scorecard: they are ratios of the same sums, so one read per period
// serves them all.
type rollupMemo struct {
	mu sync.Mutex
	m  map[string]*rollupEntry
}

type rollupEntry struct {
	once sync.Once
	rows []contactcenter.Rollup
	err  error
}

type memoKey struct{}

// withRollupMemo returns a context whose contact-center metrics share their
// rollup reads.
func withRollupMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &rollupMemo{m: map[string]*rollupEntry{}})
}

func rollups(ctx context.Context, s *Service, f contactcenter.RollupFilter) ([]contactcenter.Rollup, error) {
	read := func() ([]contactcenter.Rollup, error) { return (&contactcenter.Service{DB: s.DB}).Rollups(ctx, f) }
	memo, ok := ctx.Value(memoKey{}).(*rollupMemo)
	if !ok {
		return read()
	}
	key := fmt.Sprint(f.From.UnixMilli(), f.To.UnixMilli(), f.By)
	memo.mu.Lock()
	e := memo.m[key]
	if e == nil {
		e = &rollupEntry{}
		memo.m[key] = e
	}
	memo.mu.Unlock()
	e.once.Do(func() { e.rows, e.err = read() })
	return e.rows, e.err
}
