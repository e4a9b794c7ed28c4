package contactcenter

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"anchor/internal/store"
)

// Raw events are stored a batch at a time (migration 00010): a block row
// holds the bodies of a run of one stream's events, and key rows hold their
// idempotency keys grouped by hour of event time. Storing a line costs a
// copy into a buffer instead of a row and a random insert into a unique
// index; a duplicate is found by loading the keys of the hours a chunk of
// new events falls in.

// keyHour is the hour bucket of an event time in ms. It truncates like SQL
// integer division, which is what migration 00010 used for old events.
func keyHour(at int64) int64 { return at / 3600000 }

const keySize = 16 // at, hkey: 8 bytes each, big-endian

// codecText is a block's bodies as they are, one a line.
const codecText = 0

// eventBlock is one row of cc_event_blocks and its rows of cc_event_keys,
// built as a batch's events are added (consecutive in their stream), so a
// batch holds its raw events as one buffer rather than a string each.
type eventBlock struct {
	id     int64
	events int
	bodies []byte
	keys   []keyRow
	byHour map[int64]int // index in keys
	last   int           // index in keys of the last event's hour
	spare  [][]byte      // key buffers of a block before, to fill again
}

// reset empties b for another batch's events, keeping its memory: a
// year's key buffers, grown by appending, were a tenth of an import's
// allocation.
func (b *eventBlock) reset() {
	clear(b.byHour)
	for _, k := range b.keys {
		b.spare = append(b.spare, k.keys[:0])
	}
	*b = eventBlock{bodies: b.bodies[:0], keys: b.keys[:0], byHour: b.byHour, spare: b.spare}
}

type keyRow struct {
	hour, maxAt int64
	keys        []byte
}

// add appends the event with id (the block's first id plus the number
// already added), time at, key hash hkey and stored form body.
func (b *eventBlock) add(id, at, hkey int64, body string) {
	if b.events == 0 {
		b.id = id
		if b.byHour == nil {
			b.byHour = map[int64]int{}
		}
	} else {
		b.bodies = append(b.bodies, '\n')
	}
	b.events++
	b.bodies = append(b.bodies, body...)
	h := keyHour(at)
	j := b.last
	if b.events == 1 || b.keys[j].hour != h {
		// Events come in time order, mostly: the last event's hour is
		// this one's but every 3,600 s.
		var ok bool
		if j, ok = b.byHour[h]; !ok {
			j = len(b.keys)
			b.byHour[h] = j
			var buf []byte
			if n := len(b.spare); n > 0 {
				buf, b.spare = b.spare[n-1], b.spare[:n-1]
			}
			b.keys = append(b.keys, keyRow{hour: h, maxAt: at, keys: buf})
		}
		b.last = j
	}
	k := &b.keys[j]
	k.keys = binary.BigEndian.AppendUint64(k.keys, uint64(at))
	k.keys = binary.BigEndian.AppendUint64(k.keys, uint64(hkey))
	k.maxAt = max(k.maxAt, at)
}

// writeEvents stores a batch's raw events: one block row and a key row
// per hour.
func (s *Service) writeEvents(ctx context.Context, tx *sql.Tx, b *eventBlock) error {
	if b == nil || b.events == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cc_event_blocks (id, events, codec, bodies) VALUES ($1, $2, $3, $4)`,
		b.id, b.events, codecText, b.bodies); err != nil {
		return fmt.Errorf("unable to store events: %w", err)
	}
	ins := newBulk(ctx, tx, s.DB.Dialect, "cc_event_keys", []string{"hour", "block_id", "max_at", "keys"}, "")
	for _, k := range b.keys {
		if err := ins.add(k.hour, b.id, k.maxAt, k.keys); err != nil {
			return fmt.Errorf("unable to store event keys: %w", err)
		}
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("unable to store event keys: %w", err)
	}
	return nil
}

// decodeBodies splits a block's bodies; there must be n of them.
func decodeBodies(codec int, data []byte, n int) ([]string, error) {
	if codec != codecText {
		return nil, fmt.Errorf("unknown event block codec %d", codec)
	}
	if n == 0 {
		return nil, nil
	}
	out := strings.Split(string(data), "\n")
	if len(out) != n {
		return nil, fmt.Errorf("event block holds %d bodies, not %d", len(out), n)
	}
	return out, nil
}

// newestEvent is the newest stored event time, -1 when none is stored.
func (s *Service) newestEvent(ctx context.Context) (int64, error) {
	var at int64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(max_at), -1) FROM cc_event_keys
		WHERE hour = (SELECT MAX(hour) FROM cc_event_keys)`).Scan(&at)
	if err != nil {
		return 0, fmt.Errorf("unable to read the newest event: %w", err)
	}
	return at, nil
}

type eventKey struct{ at, hkey int64 }

// keyCache answers "is this key stored?" from the key rows of the hours
// asked about, loading each key row once and keeping the hours of the
// last few look-ups, so that importing the export of a file already
// imported reads every stored key once, in time order, in bounded memory.
type keyCache struct {
	s     *Service
	hours map[int64]*hourKeys
	tick  int64
}

type hourKeys struct {
	blocks map[int64]bool // key rows loaded, by block id
	keys   map[eventKey]struct{}
	used   int64
}

// keyCacheHours is how many hours the cache keeps.
const keyCacheHours = 48

func newKeyCache(s *Service) *keyCache {
	return &keyCache{s: s, hours: map[int64]*hourKeys{}}
}

// stored returns which of keys are stored. It sees what is committed.
func (c *keyCache) stored(ctx context.Context, keys []eventKey) (map[eventKey]bool, error) {
	c.tick++
	var hours []int64
	for _, k := range keys {
		if h := keyHour(k.at); !slices.Contains(hours, h) {
			hours = append(hours, h)
		}
	}
	for _, h := range hours {
		if err := c.load(ctx, h); err != nil {
			return nil, err
		}
	}
	found := map[eventKey]bool{}
	for _, k := range keys {
		if _, ok := c.hours[keyHour(k.at)].keys[k]; ok {
			found[k] = true
		}
	}
	c.evict()
	return found, nil
}

// load brings hour h up to date: key rows committed since it was loaded
// are read.
func (c *keyCache) load(ctx context.Context, h int64) error {
	hk := c.hours[h]
	if hk == nil {
		hk = &hourKeys{blocks: map[int64]bool{}, keys: map[eventKey]struct{}{}}
		c.hours[h] = hk
	}
	hk.used = c.tick
	rows, err := c.s.DB.Read.QueryContext(ctx, `SELECT block_id FROM cc_event_keys WHERE hour = $1`, h)
	if err != nil {
		return fmt.Errorf("unable to look up events: %w", err)
	}
	var missing []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("unable to look up events: %w", err)
		}
		if !hk.blocks[id] {
			missing = append(missing, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("unable to look up events: %w", err)
	}
	for _, id := range missing {
		var raw []byte
		if err := c.s.DB.Read.QueryRowContext(ctx, `SELECT keys FROM cc_event_keys WHERE hour = $1 AND block_id = $2`, h, id).Scan(&raw); err != nil {
			return fmt.Errorf("unable to look up events: %w", err)
		}
		if len(raw)%keySize != 0 {
			return fmt.Errorf("event keys of block %d: %d bytes is not a whole number of keys", id, len(raw))
		}
		for i := 0; i < len(raw); i += keySize {
			hk.keys[eventKey{int64(binary.BigEndian.Uint64(raw[i:])), int64(binary.BigEndian.Uint64(raw[i+8:]))}] = struct{}{}
		}
		hk.blocks[id] = true
	}
	return nil
}

// evict drops the least recently used hours beyond keyCacheHours.
func (c *keyCache) evict() {
	for len(c.hours) > keyCacheHours {
		oldest, at := int64(0), int64(-1)
		for h, hk := range c.hours {
			if at < 0 || hk.used < at {
				oldest, at = h, hk.used
			}
		}
		delete(c.hours, oldest)
	}
}

// storedEvent is one raw event read back from its block.
type storedEvent struct {
	id   int64
	body string
}

// readBlocks returns the events of the blocks with ids in [from, to), in
// id order: whole blocks, stopping once it has at least maxEvents, and the
// id to continue from (0 when there is no more).
func (s *Service) readBlocks(ctx context.Context, from, to int64, maxEvents int) ([]storedEvent, int64, error) {
	const pageBlocks = 1000
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, events, codec, bodies FROM cc_event_blocks WHERE id >= $1 AND id < $2 ORDER BY id`+store.Limit(pageBlocks),
		from, to)
	if err != nil {
		return nil, 0, fmt.Errorf("unable to read events: %w", err)
	}
	defer rows.Close()
	var out []storedEvent
	next, n := int64(0), 0
	for rows.Next() {
		var id int64
		var count, codec int
		var data []byte
		if err := rows.Scan(&id, &count, &codec, &data); err != nil {
			return nil, 0, fmt.Errorf("unable to read events: %w", err)
		}
		bodies, err := decodeBodies(codec, data, count)
		if err != nil {
			return nil, 0, fmt.Errorf("block %d: %w", id, err)
		}
		for i, b := range bodies {
			out = append(out, storedEvent{id: id + int64(i), body: b})
		}
		next = id + int64(count)
		if n++; len(out) >= maxEvents {
			return out, next, nil
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("unable to read events: %w", err)
	}
	if n < pageBlocks {
		next = 0
	}
	return out, next, nil
}
