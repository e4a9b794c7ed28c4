package contactcenter

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Recount sums contact records and agent sessions straight into buckets,
// by the rules the import's rollups apply (the queues' current thresholds
// and wrap-up reasons): bucket i holds the 15-minute intervals that start
// in [bounds[i], bounds[i+1]), as Rollups with that From and To would,
// grouped by dim ("" for everything, or queue, agent, segment, channel).
// It reads every record and session of the span, which is what the
// rollups exist to spare: it is the naive baseline benchmarks compare the
// rollups with, and what tests check them against.
func (s *Service) Recount(ctx context.Context, bounds []time.Time, dim string) ([][]Rollup, error) {
	if len(bounds) < 2 {
		return nil, anchor.Invalid("bounds", "need at least a start and an end")
	}
	if dim != "" && (dim == "interval" || dimColumn[dim] == "") {
		return nil, anchor.Invalid("by", "must be one of queue, agent, segment, channel")
	}
	qs, err := s.Queues(ctx)
	if err != nil {
		return nil, err
	}
	rules := newRules(qs)
	edges := make([]int64, len(bounds))
	for i, b := range bounds {
		edges[i] = store.Millis(b)
	}
	lo, hi := floorInterval(edges[0]), floorInterval(edges[len(edges)-1])+intervalMS
	bucketOf := func(iv int64) int {
		i := sort.Search(len(edges), func(i int) bool { return edges[i] > iv }) - 1
		if i < 0 || i >= len(edges)-1 {
			return -1
		}
		return i
	}
	type key struct {
		bucket int
		cut    string
	}
	acc := map[key]*Counts{}
	tmp := rollupSet{}
	fold := func() {
		for k, c := range tmp {
			b := bucketOf(k.interval)
			if b < 0 {
				continue
			}
			r := Rollup{QueueID: k.queue, AgentID: k.agent, SegmentID: k.segment, Channel: k.channel}
			ak := key{b, cutOf(r, dim)}
			a := acc[ak]
			if a == nil {
				a = &Counts{}
				acc[ak] = a
			}
			a.Add(*c)
		}
		clear(tmp)
	}

	err = store.EachRow(ctx, s.DB.Read, `SELECT `+strings.Join(recordColumns, ", ")+` FROM cc_contact_records WHERE id >= $1 AND id < $2`,
		[]any{idBound(lo), idBound(hi)}, func(rows *sql.Rows) error {
			r, err := scanRecord(rows)
			if err != nil {
				return err
			}
			tmp.addRecord(&r, rules)
			fold()
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("unable to read contact records: %w", err)
	}
	err = store.EachRow(ctx, s.DB.Read, `SELECT `+strings.Join(sessionColumns, ", ")+` FROM cc_agent_sessions WHERE start_at < $1 AND end_at > $2`,
		[]any{hi, lo}, func(rows *sql.Rows) error {
			sp, err := scanSession(rows)
			if err != nil {
				return err
			}
			tmp.addSession(&sp, rules, lo, hi)
			fold()
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("unable to read agent sessions: %w", err)
	}

	out := make([][]Rollup, len(bounds)-1)
	for k, c := range acc {
		r := Rollup{Counts: *c}
		switch dim {
		case "queue":
			r.QueueID = k.cut
		case "agent":
			r.AgentID = k.cut
		case "segment":
			r.SegmentID = k.cut
		case "channel":
			r.Channel = k.cut
		}
		out[k.bucket] = append(out[k.bucket], r)
	}
	for _, rs := range out {
		sort.Slice(rs, func(i, j int) bool { return cutOf(rs[i], dim) < cutOf(rs[j], dim) })
	}
	return out, nil
}

func cutOf(r Rollup, dim string) string {
	switch dim {
	case "queue":
		return r.QueueID
	case "agent":
		return r.AgentID
	case "segment":
		return r.SegmentID
	case "channel":
		return r.Channel
	}
	return ""
}
