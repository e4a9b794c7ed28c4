package contactcenter

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"anchor"
	"anchor/internal/queuelog"
	"anchor/internal/store"
)

// RebuildReport says what a rebuild replayed and rewrote.
type RebuildReport struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Events   int64     `json:"events"`
	Records  int64     `json:"records"`
	Sessions int64     `json:"sessions"`
}

// Rebuild re-derives, from the stored raw events, the contact records
// offered in [from, to), the agent sessions starting in it and the rollups
// of its intervals (from rounded down and to rounded up to 15 minutes; zero
// means unbounded). Every stream is replayed from its first event through a
// fresh Builder with the queues' and aliases' current settings, so a
// rebuild is how a changed threshold, wrap-up reason or alias mapping
// reaches the past. With unchanged settings it writes back exactly what
// incremental ingestion wrote. It runs in one transaction: readers see the
// old figures until it commits.
func (s *Service) Rebuild(ctx context.Context, from, to time.Time) (RebuildReport, error) {
	lo, hi := int64(0), int64(1)<<62
	if !from.IsZero() {
		lo = floorInterval(store.Millis(from))
	}
	if !to.IsZero() {
		hi = store.Millis(to)
		if f := floorInterval(hi); f != hi {
			hi = f + intervalMS
		}
	}
	if hi <= lo {
		return RebuildReport{}, anchor.Invalid("to", "must be after from")
	}
	rep := RebuildReport{From: store.Time(lo), To: store.Time(hi)}
	res, err := s.loadResolver(ctx)
	if err != nil {
		return rep, err
	}
	var streams []stream
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, name, kind, state FROM cc_streams ORDER BY id`)
	if err != nil {
		return rep, fmt.Errorf("unable to list streams: %w", err)
	}
	for rows.Next() {
		var st stream
		if err := rows.Scan(&st.id, &st.name, &st.kind, &st.state); err != nil {
			rows.Close()
			return rep, err
		}
		streams = append(streams, st)
	}
	rows.Close()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		idLo, idHi := idBound(lo), idBound(hi)
		for _, q := range []string{
			`DELETE FROM cc_contact_records WHERE id >= $1 AND id < $2`,
			`DELETE FROM cc_agent_sessions WHERE id >= $1 AND id < $2`,
		} {
			if _, err := tx.ExecContext(ctx, q, idLo, idHi); err != nil {
				return fmt.Errorf("unable to clear the range: %w", err)
			}
		}
		if err := markRollupRange(ctx, tx, lo, hi); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM cc_rollups WHERE interval_start >= $1 AND interval_start < $2`, lo, hi); err != nil {
			return fmt.Errorf("unable to clear the rollups: %w", err)
		}
		for _, st := range streams {
			if err := s.replay(ctx, tx, res, st, lo, hi, &rep); err != nil {
				return err
			}
		}
		b := &batch{}
		res.take(b)
		for _, q := range b.newQueues {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cc_queues (id, name, asterisk_name, auto_created, created_at) VALUES ($1, $2, $3, TRUE, $4)
				ON CONFLICT DO NOTHING`, q.ID, q.Name, store.NullString(q.AsteriskName), store.Millis(q.CreatedAt)); err != nil {
				return err
			}
		}
		for _, a := range b.newAliases {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cc_agent_aliases (id, alias, auto_created, created_at, updated_at) VALUES ($1, $2, TRUE, $3, $3)
				ON CONFLICT DO NOTHING`, a.ID, a.Alias, store.Millis(a.CreatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
	return rep, err
}

// replay feeds one stream's events, in order, to a fresh Builder (or, for
// Anchor-schema streams, converts them one by one) and writes what falls in
// [lo, hi) in chunks.
func (s *Service) replay(ctx context.Context, tx *sql.Tx, res *resolver, st stream, lo, hi int64, rep *RebuildReport) error {
	var b *queuelog.Builder
	if st.kind == kindQueueLog {
		saved, err := decodeStreamState(st.state)
		if err != nil {
			return err
		}
		b = queuelog.NewBuilder(res.builderConfig(time.Duration(saved.ToleranceMS)*time.Millisecond, saved.Persistent))
	}
	out := &batch{rollups: rollupSet{}}
	keep := func(in *batch) {
		for i := range in.records {
			r := &in.records[i]
			if ms := store.Millis(r.OfferedAt); ms >= lo && ms < hi {
				out.rollups.addRecord(r, res.rules)
				out.records = append(out.records, *r)
			}
		}
		for i := range in.sessions {
			sp := &in.sessions[i]
			if store.Millis(sp.End) > lo && store.Millis(sp.Start) < hi {
				out.rollups.addSession(sp, res.rules, lo, hi)
			}
			if ms := store.Millis(sp.Start); ms >= lo && ms < hi {
				out.sessions = append(out.sessions, *sp)
			}
		}
	}
	write := func() error {
		recs, spans := byID(out.records, out.sessions)
		if err := s.writeRows(ctx, tx, nil, nil, recs, spans); err != nil {
			return err
		}
		if err := s.addRollups(ctx, tx, out.rollups); err != nil {
			return err
		}
		if err := markRollupHours(ctx, tx, out.rollups); err != nil {
			return err
		}
		rep.Records += int64(len(out.records))
		rep.Sessions += int64(len(out.sessions))
		out = &batch{rollups: rollupSet{}}
		return nil
	}
	take := func() {
		cs, ss := b.Take()
		in := &batch{}
		for _, c := range cs {
			in.records = append(in.records, res.fromQueueLog(st.id, c))
		}
		for _, sp := range ss {
			in.sessions = append(in.sessions, res.fromQueueLogSession(st.id, sp))
		}
		keep(in)
	}
	// Events are read a page at a time, on the reading pool, so that a
	// long replay neither holds a cursor open across the writes nor loads
	// the stream into memory.
	next := eventID(st.id, 0)
	end := eventID(st.id+1, 0)
	for next != 0 {
		var events []storedEvent
		var err error
		events, next, err = s.readBlocks(ctx, next, end, 20000)
		if err != nil {
			return err
		}
		for _, se := range events {
			id, body := se.id, se.body
			rep.Events++
			if st.kind == kindQueueLog {
				e, err := queuelog.ParseLine(body)
				if err != nil {
					continue // stored events were parsed once; cannot happen
				}
				e.Line = int(id & (1<<seqBits - 1))
				if e.Kind == kindFlush {
					b.Flush(e.Time)
				} else {
					b.Add(e)
				}
				take()
				continue
			}
			var ev Event
			if err := json.NewDecoder(strings.NewReader(body)).Decode(&ev); err != nil {
				continue
			}
			in := &batch{rollups: rollupSet{}}
			// The key is not stored with the body: it is the one the import
			// computed from the same body.
			res.addAnchorEvent(in, st, ev, ev.key(st.name, []byte(body)), id)
			keep(in)
		}
		if len(out.records)+len(out.sessions) > 0 {
			if err := write(); err != nil {
				return err
			}
		}
	}
	return write()
}
