// Package store opens Anchor's database, SQLite or PostgreSQL, runs the
// embedded migrations and helps with transactions. It knows nothing of cases
// or customers: each capability package owns its SQL and runs it through a
// *DB. The SQL text is the same on both engines (PostgreSQL-flavoured, with
// $N placeholders, which modernc.org/sqlite binds by number too); where the
// engines really differ, the Dialect says so.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the engine behind a DB, for the few statements that differ.
type Dialect string

// The engines Anchor runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open Anchor database. Writes go through Write; reads that need
// not see an in-flight transaction may use Read, which on SQLite is a
// separate pool of read-only connections so that readers never queue behind
// the single writer. On PostgreSQL both are the same pool.
type DB struct {
	Write   *sql.DB
	Read    *sql.DB
	Dialect Dialect
	// Pool is the pgx pool on PostgreSQL (nil on SQLite), for bulk ingest
	// with CopyFrom.
	Pool *pgxpool.Pool
	// Now is the clock every capability reads, so that SLA clocks and
	// metrics can be tested at any instant. It returns UTC.
	Now func() time.Time

	// writer runs SQLite's write transactions first come, first served
	// (database/sql would hand the one connection to a random waiter, which
	// under load gives a few unlucky requests many times the median wait),
	// and commits those that wait together (group.go).
	writer *groupWriter
	// sqliteDSN opens another connection to the SQLite file (BulkLoad).
	sqliteDSN string
}

// IsPostgres reports whether dsn names a PostgreSQL server rather than a
// SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn: a postgres:// URL, or else a SQLite
// file path (created if missing). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("open database: empty DSN")
	}
	db := &DB{Now: func() time.Time { return time.Now().UTC() }}
	if IsPostgres(dsn) {
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		if err := pool.Ping(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("connect to postgres: %w", err)
		}
		sdb := stdlib.OpenDBFromPool(pool)
		db.Write, db.Read, db.Pool, db.Dialect = sdb, sdb, pool, Postgres
		return db, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
	}
	// One writer at a time, always: an immediate transaction takes the write
	// lock at BEGIN, so busy_timeout applies instead of an instant
	// SQLITE_BUSY when a deferred transaction tries to upgrade.
	pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	// The writer keeps the journal of a statement or savepoint in memory:
	// in a temporary file it is a write system call a page.
	// It checkpoints often (writerCheckpointPages).
	wpragmas := pragmas + "&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(" + strconv.Itoa(writerCheckpointPages) + ")&_pragma=cache_size(-" + strconv.Itoa(writerCacheKiB) + ")"
	drv, err := sqliteDriver()
	if err != nil {
		return nil, err
	}
	w := sql.OpenDB(cachingConnector{dsn: "file:" + path + "?" + wpragmas + "&_txlock=immediate", drv: drv})
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// Each reader keeps up to 16 MiB of pages (SQLite's default is 2): a
	// year of a metric by agent reads the same few thousand pages of its
	// rollups and indexes every time, which otherwise come back from the
	// operating system a system call each (a tenth of such a query). The
	// cache grows only as pages are read, so an idle server stays small.
	r := sql.OpenDB(cachingConnector{dsn: "file:" + path + "?" + pragmas + "&_pragma=query_only(1)&_pragma=cache_size(-" + strconv.Itoa(readerCacheKiB) + ")", drv: drv})
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	db.Write, db.Read, db.Dialect = w, r, SQLite
	db.writer = newGroupWriter(w)
	db.sqliteDSN = "file:" + path + "?" + pragmas
	return db, nil
}

// readerCacheKiB is the page cache of each reader connection, in KiB.
const readerCacheKiB = 16 << 10

// writerCheckpointPages is how long the write-ahead log grows (in pages)
// before the writer copies it into the database file, inside the commit
// that made it that long. A checkpoint syncs the log and the database file,
// and every writer queued behind it waits, so its length is the tail of
// write latency: creating cases at 100k cases with 16 clients, p99 was
// 21–22 ms at SQLite's default of 1,000 pages, 16 ms at 500 and 12 ms at
// 250, at the same throughput (2,250–2,470/s). Checkpointing from a
// goroutine of its own instead, so that the writer never waits for one,
// raised throughput to 2,600–2,800/s but p99 to 40–100 ms: the writer then
// stalled on the log's restart after each long checkpoint.
const writerCheckpointPages = 250

// sqliteDriver is the registered modernc.org/sqlite driver.
func sqliteDriver() (driver.Driver, error) {
	db, err := sql.Open("sqlite", "")
	if err != nil {
		return nil, fmt.Errorf("sqlite driver: %w", err)
	}
	defer db.Close()
	return db.Driver(), nil
}

// Close closes every pool.
func (db *DB) Close() error {
	var errs []error
	if db.writer != nil {
		db.writer.close()
	}
	errs = append(errs, db.Write.Close())
	if db.Read != db.Write {
		errs = append(errs, db.Read.Close())
	}
	if db.Pool != nil {
		db.Pool.Close()
	}
	return errors.Join(errs...)
}

// Tx runs fn in one write transaction and commits it if fn returns nil, so
// that an event and the state it changes are written together or not at all.
// On SQLite fn may share the commit with other transactions (group.go); it
// runs on another goroutine then, and must not wait for another Tx.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.writer != nil {
		return db.writer.run(ctx, fn)
	}
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Queryer is what both *sql.DB and *sql.Tx offer, so that a read helper can
// run inside or outside a transaction.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new identifier: 48 bits of milliseconds then 80 random
// bits, in lower-case Crockford base32 (26 characters). IDs sort by creation
// time, which makes cursor paging by id a paging by age, and they reveal no
// count of anything.
func NewID(now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // never happens on Linux
	}
	return idEncoding.EncodeToString(b[:])
}

// Millis converts t to the storage form: milliseconds since the epoch, UTC.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// Time converts stored milliseconds back to a UTC time.
func Time(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// NullMillis converts an optional time to its storage form.
func NullMillis(t *time.Time) sql.NullInt64 {
	if t == nil || t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// NullTime converts an optional stored time back; nil when NULL.
func NullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := Time(v.Int64)
	return &t
}

// NullString turns "" into NULL, for optional references and unique columns.
func NullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// Redact hides the password of a postgres:// DSN for logs.
func Redact(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable)"
	}
	return u.Redacted()
}

// Page asks for one page of a list ordered by id, newest first. Cursor is
// the id of the last item of the previous page ("" for the first page).
// IDs sort by creation time, so the cursor stays right while rows are added.
type Page struct {
	Cursor string
	Limit  int
}

// DefaultPageSize and MaxPageSize bound Page.Limit.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Size returns the limit to use, within bounds.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}

// CursorOrMax returns the cursor to compare ids with: "id < $n" then
// selects everything when there is no cursor.
func (p Page) CursorOrMax() string {
	if p.Cursor == "" {
		return "~" // sorts after every base32 id
	}
	return p.Cursor
}

// Scanner is a *sql.Row or *sql.Rows.
type Scanner interface{ Scan(dest ...any) error }

// CollectPage reads every row with scan, for a query that asked for
// limit+1 rows: it returns at most limit items and, when there was one
// more, the cursor of the next page (the id of the last item returned).
// It closes rows.
func CollectPage[T any](rows *sql.Rows, limit int, scan func(Scanner) (T, error), id func(T) string) ([]T, string, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(out) > limit {
		out = out[:limit]
		return out, id(out[limit-1]), nil
	}
	return out, "", nil
}

// writerCacheKiB is the writer connection's page cache, in KiB. A batch of
// a queue_log import dirties about 5 MB of pages (records, sessions, raw
// events); with SQLite's default of 2 MB the cache spilled dirty pages to
// the log in the middle of the transaction, writing some of them twice.
const writerCacheKiB = 8 << 10
