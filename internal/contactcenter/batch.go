package contactcenter

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"anchor"
	"anchor/internal/store"
)

// fileCheckpoint is how far a file has been imported.
type fileCheckpoint struct {
	head, path                    string
	offset, lines                 int64
	events, duplicates, malformed int64
	readerState                   string
}

// lineError is a malformed input line, kept with the file it came from.
type lineError struct {
	line    int64
	message string
}

// batch is everything one transaction writes: the unit of crash safety.
type batch struct {
	streamID   int64
	version    int // the stream row's version the batch continues from
	nextSeq    int64
	state      string
	events     eventBlock // the raw events
	records    []ContactRecord
	sessions   []AgentSession
	rollups    rollupSet
	newQueues  []Queue
	newAliases []Alias
	file       *fileCheckpoint
	errors     []lineError
	// recs and spans are records and sessions in id order, once ordered.
	recs  *recordRows
	spans *sessionRows
}

// order puts the batch's records and sessions in id order (byID).
func (b *batch) order() {
	recs, spans := byID(b.records, b.sessions)
	b.recs, b.spans = &recs, &spans
}

// ordered returns the records and sessions in id order.
func (b *batch) ordered() (recordRows, sessionRows) {
	if b.recs == nil {
		b.order()
	}
	return *b.recs, *b.spans
}

// next is an empty batch to fill after b, its slices made about as large
// as b's: appending a batch's records one by one re-copied them as the
// slice grew (3 s of CPU in a year's import).
func (b *batch) next() *batch {
	return &batch{
		rollups:  make(rollupSet, len(b.rollups)),
		records:  make([]ContactRecord, 0, len(b.records)+len(b.records)/8),
		sessions: make([]AgentSession, 0, len(b.sessions)+len(b.sessions)/8),
		events:   eventBlock{bodies: make([]byte, 0, len(b.events.bodies)+len(b.events.bodies)/8)},
	}
}

// reset empties b for another batch, keeping its memory.
func (b *batch) reset() {
	clear(b.rollups)
	b.events.reset()
	*b = batch{
		rollups:  b.rollups,
		records:  b.records[:0],
		sessions: b.sessions[:0],
		events:   b.events,
	}
}

func (b *batch) empty() bool {
	return b.events.events == 0 && len(b.records) == 0 && len(b.sessions) == 0 && b.file == nil && len(b.errors) == 0
}

// bulk inserts rows with multi-row INSERT statements, prepared once per
// transaction. Placeholders are '?' on SQLite: modernc looks up the name of
// every numbered placeholder, which makes binding $N quadratic in the
// number of parameters.
type bulk struct {
	ctx     context.Context
	tx      *sql.Tx
	dialect store.Dialect
	head    string
	tail    string
	ncols   int
	per     int
	stmt    *sql.Stmt
	args    []any
}

func newBulk(ctx context.Context, tx *sql.Tx, d store.Dialect, table string, cols []string, tail string) *bulk {
	per := max(1, 960/len(cols))
	return &bulk{ctx: ctx, tx: tx, dialect: d, head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		tail: tail, ncols: len(cols), per: per, args: make([]any, 0, per*len(cols))}
}

func (b *bulk) sql(rows int) string {
	var sb strings.Builder
	sb.WriteString(b.head)
	n := 0
	for r := range rows {
		if r > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for c := range b.ncols {
			if c > 0 {
				sb.WriteByte(',')
			}
			if b.dialect == store.SQLite {
				sb.WriteByte('?')
			} else {
				n++
				sb.WriteByte('$')
				sb.WriteString(strconv.Itoa(n))
			}
		}
		sb.WriteByte(')')
	}
	sb.WriteByte(' ')
	sb.WriteString(b.tail)
	return sb.String()
}

// add appends one row's values (or, called with none, counts a row
// already appended to b.args) and runs the statement when it is full.
func (b *bulk) add(vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) < b.per*b.ncols {
		return nil
	}
	if b.stmt == nil {
		st, err := b.tx.PrepareContext(b.ctx, b.sql(b.per))
		if err != nil {
			return err
		}
		b.stmt = st
	}
	_, err := b.stmt.ExecContext(b.ctx, b.args...)
	b.args = b.args[:0]
	return err
}

func (b *bulk) flush() error {
	defer func() {
		if b.stmt != nil {
			b.stmt.Close()
			b.stmt = nil
		}
	}()
	if len(b.args) == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(b.ctx, b.sql(len(b.args)/b.ncols), b.args...)
	b.args = b.args[:0]
	return err
}

// errStreamBusy is returned when the stream moved on under a batch:
// another import of the same stream is running.
var errStreamBusy = anchor.Conflict("another import of this stream is running (its state changed under this one): run one import per stream at a time")

// commit writes a batch in one transaction. On PostgreSQL the transaction
// runs on a connection of its own, so that records and sessions can be
// sent with COPY on that connection, inside the transaction: conn when
// given (the one holding the stream's lock, see lockStream), else one from
// the pool.
func (s *Service) commit(ctx context.Context, conn *sql.Conn, b *batch) error {
	if s.DB.Dialect != store.Postgres {
		return s.DB.Tx(ctx, func(tx *sql.Tx) error {
			return s.write(ctx, tx, nil, b)
		})
	}
	if conn == nil {
		c, err := s.DB.Write.Conn(ctx)
		if err != nil {
			return fmt.Errorf("unable to get a connection: %w", err)
		}
		defer c.Close()
		conn = c
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := s.write(ctx, tx, conn, b); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// write writes batch b in tx. conn, when set, is the PostgreSQL
// connection tx runs on (see copyRows).
func (s *Service) write(ctx context.Context, tx *sql.Tx, conn *sql.Conn, b *batch) error {
	res, err := tx.ExecContext(ctx, `UPDATE cc_streams SET next_seq = $1, state = $2, version = version + 1 WHERE id = $3 AND version = $4`,
		b.nextSeq, b.state, b.streamID, b.version)
	if err != nil {
		return fmt.Errorf("unable to save stream state: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errStreamBusy
	}
	for _, q := range b.newQueues {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cc_queues (id, name, asterisk_name, auto_created, created_at) VALUES ($1, $2, $3, TRUE, $4)
			ON CONFLICT DO NOTHING`, q.ID, q.Name, store.NullString(q.AsteriskName), store.Millis(q.CreatedAt)); err != nil {
			return fmt.Errorf("unable to add queue %q: %w", q.Name, err)
		}
	}
	for _, a := range b.newAliases {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cc_agent_aliases (id, alias, auto_created, created_at, updated_at) VALUES ($1, $2, TRUE, $3, $3)
			ON CONFLICT DO NOTHING`, a.ID, a.Alias, store.Millis(a.CreatedAt)); err != nil {
			return fmt.Errorf("unable to add alias %q: %w", a.Alias, err)
		}
	}
	recs, spans := b.ordered()
	if err := s.writeRows(ctx, tx, conn, &b.events, recs, spans); err != nil {
		return err
	}
	if err := s.addRollups(ctx, tx, b.rollups); err != nil {
		return err
	}
	if err := markRollupHours(ctx, tx, b.rollups); err != nil {
		return err
	}
	if f := b.file; f != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cc_import_files (stream_id, head, path, offset_bytes, lines, events, duplicates, malformed, reader_state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (stream_id, head) DO UPDATE SET path = excluded.path, offset_bytes = excluded.offset_bytes, lines = excluded.lines,
				events = excluded.events, duplicates = excluded.duplicates, malformed = excluded.malformed, reader_state = excluded.reader_state`,
			b.streamID, f.head, f.path, f.offset, f.lines, f.events, f.duplicates, f.malformed, f.readerState); err != nil {
			return fmt.Errorf("unable to save the file checkpoint: %w", err)
		}
		for _, e := range b.errors {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cc_import_errors (stream_id, head, line, message) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
				b.streamID, f.head, e.line, e.message); err != nil {
				return fmt.Errorf("unable to record a malformed line: %w", err)
			}
		}
	}
	return nil
}

// writeRows stores raw events (as one block), and inserts records and
// sessions (storeRows). The importer has skipped events already stored;
// records and sessions have ids computed from their data, so one already
// stored is left alone.
func (s *Service) writeRows(ctx context.Context, tx *sql.Tx, conn *sql.Conn, events *eventBlock, recs recordRows, spans sessionRows) error {
	if err := s.writeEvents(ctx, tx, events); err != nil {
		return err
	}
	if err := s.storeRows(ctx, tx, conn, "cc_contact_records", recordColumns, recs); err != nil {
		return fmt.Errorf("unable to store contact records: %w", err)
	}
	if err := s.storeRows(ctx, tx, conn, "cc_agent_sessions", sessionColumns, spans); err != nil {
		return fmt.Errorf("unable to store agent sessions: %w", err)
	}
	return nil
}

// storeRows adds rows to table (whose key is id), leaving alone those
// already stored, the cheapest way the engine has: on PostgreSQL with COPY
// in the transaction open on conn (an import's); on SQLite from the slice
// itself (store.InsertRows); else (a rebuild on PostgreSQL) with
// multi-row INSERTs in tx.
func (s *Service) storeRows(ctx context.Context, tx *sql.Tx, conn *sql.Conn, table string, cols []string, rows store.Rows) error {
	const tail = "ON CONFLICT (id) DO NOTHING"
	n := rows.Len()
	switch {
	case n == 0:
		return nil
	case s.DB.Dialect == store.SQLite:
		return store.InsertRows(ctx, tx, table, cols, rows, tail)
	}
	var vals []store.Value
	row := func(i int, dst []any) []any {
		vals = rows.AppendRow(vals[:0], i)
		for _, v := range vals {
			dst = append(dst, v.Any())
		}
		return dst
	}
	if conn != nil {
		all := make([][]any, n)
		for i := range all {
			all[i] = row(i, make([]any, 0, len(cols)))
		}
		return copyRows(ctx, conn, table, cols, all)
	}
	ins := newBulk(ctx, tx, s.DB.Dialect, table, cols, tail)
	for i := range n {
		ins.args = row(i, ins.args)
		if err := ins.add(); err != nil {
			return err
		}
	}
	return ins.flush()
}

// recordRows and sessionRows are store.Rows over a batch's records and
// sessions, in id order: what storeRows writes, and what SQLite reads from
// the slice itself (store.InsertRows).
type (
	recordRows struct {
		recs  []ContactRecord
		order []int32
	}
	sessionRows struct {
		spans []AgentSession
		order []int32
	}
)

func (r recordRows) Len() int { return len(r.order) }
func (r recordRows) AppendRow(dst []store.Value, i int) []store.Value {
	return r.recs[r.order[i]].appendValues(dst)
}
func (s sessionRows) Len() int { return len(s.order) }
func (s sessionRows) AppendRow(dst []store.Value, i int) []store.Value {
	return s.spans[s.order[i]].appendValues(dst)
}

// byID returns records and sessions as store.Rows in id order. Records and
// sessions come out of the Builder as they end, their ids begin with when
// they began: nearly in order. Inserted in order, each finds its place in
// the table's b-tree next to the previous one: on 2M lines of the year's
// log, writing them took 4.2-4.4 s of CPU instead of 4.5-5.2 s. An import
// orders a batch on the producer's side (cut), so that the writer, its
// busiest goroutine, does not.
func byID(records []ContactRecord, sessions []AgentSession) (recordRows, sessionRows) {
	return recordRows{records, idOrder(records, func(r *ContactRecord) (int64, string) { return r.OfferedAt.UnixMilli(), r.ID })},
		sessionRows{sessions, idOrder(sessions, func(s *AgentSession) (int64, string) { return s.Start.UnixMilli(), s.ID })}
}

// idOrder is the order of rows by id, given each row's time in ms and id.
// An id begins with its time (timedID), so times decide most comparisons,
// and ids only ties; sorting by (time, id) is sorting by id.
func idOrder[T any](rows []T, key func(*T) (int64, string)) []int32 {
	type k struct {
		ms int64
		id string
		i  int32
	}
	keys := make([]k, len(rows))
	for i := range rows {
		ms, id := key(&rows[i])
		keys[i] = k{ms, id, int32(i)}
	}
	slices.SortFunc(keys, func(a, b k) int {
		if a.ms != b.ms {
			return cmp.Compare(a.ms, b.ms)
		}
		return strings.Compare(a.id, b.id)
	})
	order := make([]int32, len(rows))
	for i, k := range keys {
		order[i] = k.i
	}
	return order
}

// copyRows adds rows to table (whose key is id) on PostgreSQL with COPY,
// in the transaction open on conn. COPY cannot skip a row whose id is
// stored, so the rows go to a temporary table first and from there with
// INSERT ... ON CONFLICT (id) DO NOTHING, as the INSERT path does.
func copyRows(ctx context.Context, conn *sql.Conn, table string, cols []string, rows [][]any) error {
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection: %T", dc)
		}
		pc := sc.Conn()
		tmp := "cc_copy_" + strings.TrimPrefix(table, "cc_")
		if _, err := pc.Exec(ctx, `CREATE TEMPORARY TABLE IF NOT EXISTS `+tmp+` (LIKE `+table+`) ON COMMIT DELETE ROWS`); err != nil {
			return err
		}
		if _, err := pc.CopyFrom(ctx, pgx.Identifier{tmp}, cols, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		list := strings.Join(cols, ", ")
		_, err := pc.Exec(ctx, `INSERT INTO `+table+` (`+list+`) SELECT `+list+` FROM `+tmp+` ON CONFLICT (id) DO NOTHING`)
		return err
	})
}

// addRollups adds counts to their rows, creating rows as needed. Keys are
// sorted so the statements (and PostgreSQL's row locks) come in one order.
func (s *Service) addRollups(ctx context.Context, tx *sql.Tx, set rollupSet) error {
	if len(set) == 0 {
		return nil
	}
	keys := make([]rollupKey, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	sets := make([]string, len(countColumns))
	for i, c := range countColumns {
		sets[i] = c + " = cc_rollups." + c + " + excluded." + c
	}
	cols := append([]string{"interval_start", "queue_id", "agent_id", "segment_id", "channel"}, countColumns...)
	tail := "ON CONFLICT (interval_start, queue_id, agent_id, segment_id, channel) DO UPDATE SET " + strings.Join(sets, ", ")
	if s.DB.Dialect == store.SQLite {
		if err := store.InsertRows(ctx, tx, "cc_rollups", cols, rollupRows{keys, set}, tail); err != nil {
			return fmt.Errorf("unable to add to rollups: %w", err)
		}
		return nil
	}
	ins := newBulk(ctx, tx, s.DB.Dialect, "cc_rollups", cols, tail)
	vals := make([]any, 0, len(cols))
	for _, k := range keys {
		c := set[k]
		vals = append(vals[:0], k.interval, k.queue, k.agent, k.segment, k.channel)
		for _, p := range c.fields() {
			vals = append(vals, *p)
		}
		if err := ins.add(vals...); err != nil {
			return fmt.Errorf("unable to add to rollups: %w", err)
		}
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("unable to add to rollups: %w", err)
	}
	return nil
}

// rollupRows are a batch's rollup rows in key order, as store.Rows.
type rollupRows struct {
	keys []rollupKey
	set  rollupSet
}

func (r rollupRows) Len() int { return len(r.keys) }

func (r rollupRows) AppendRow(dst []store.Value, i int) []store.Value {
	k := r.keys[i]
	dst = append(dst, store.Int(k.interval), store.Text(k.queue), store.Text(k.agent), store.Text(k.segment), store.Text(k.channel))
	for _, p := range r.set[k].fields() {
		dst = append(dst, store.Int(*p))
	}
	return dst
}

func keyLess(a, b rollupKey) bool {
	if a.interval != b.interval {
		return a.interval < b.interval
	}
	if a.queue != b.queue {
		return a.queue < b.queue
	}
	if a.agent != b.agent {
		return a.agent < b.agent
	}
	if a.segment != b.segment {
		return a.segment < b.segment
	}
	return a.channel < b.channel
}

// streamLockWait is how long an import waits for another import of its
// stream to let go before it gives up with errStreamBusy.
const streamLockWait = 30 * time.Second

// lockStream makes a queue_log import the only one of its stream, on
// PostgreSQL: it returns a connection holding a session advisory lock, on
// which the import commits every batch. An import killed just after
// sending COMMIT leaves a server process that may still be committing when
// the next import reads the stream's state; that process holds the lock
// until it has finished and noticed its client is gone, so the next import
// reads the state only after the commit. (On SQLite, where conn is nil, a
// commit is over when the statement returns.) unlock releases the lock and
// the connection.
func (s *Service) lockStream(ctx context.Context, name string) (conn *sql.Conn, unlock func(), err error) {
	if s.DB.Dialect != store.Postgres {
		return nil, func() {}, nil
	}
	conn, err = s.DB.Write.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("unable to get a connection: %w", err)
	}
	key := "anchor.cc_streams:" + name
	deadline := time.Now().Add(streamLockWait)
	for {
		var ok bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1, 0))`, key).Scan(&ok); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("unable to lock the stream: %w", err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			conn.Close()
			return nil, nil, errStreamBusy
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	return conn, func() {
		// Closing the connection would keep the session (the pool reuses
		// it), so the lock is released explicitly.
		conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended($1, 0))`, key) //nolint:errcheck // the session ends with the process anyway
		conn.Close()
	}, nil
}
