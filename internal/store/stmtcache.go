package store

import (
	"context"
	"database/sql/driver"
	"errors"
)

// SQLite parses a statement in pure Go here, and for the small queries of
// a request that parsing is a quarter of the time (measured on the open-case
// list). The connector below keeps each connection's prepared statements
// by SQL text, so that a statement is parsed once per connection rather
// than once per call. database/sql has no such cache of its own.

// maxCachedStmts bounds a connection's cache; the SQL texts of Anchor are
// a few hundred, bulk inserts built with a varying number of rows aside.
const maxCachedStmts = 256

// cachingConnector opens connections of the wrapped driver with a
// statement cache each.
type cachingConnector struct {
	dsn string
	drv driver.Driver
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

type cachedStmt struct {
	stmt driver.Stmt
	busy bool // its rows are still being read
}

// cachingConn is a driver connection with a statement cache. database/sql
// uses a connection from one goroutine at a time, so the map needs no lock.
type cachingConn struct {
	driver.Conn
	stmts map[string]*cachedStmt
	// raw is the connection's C-level handle, for InsertRows; nil until
	// first used.
	raw *rawConn
}

var (
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.NamedValueChecker  = (*cachingConn)(nil)
)

// stmt returns the cached statement of query, preparing it on first use.
// A statement whose rows are still open (the same query run inside the
// loop over its own results) is not shared: the caller gets a fresh one,
// which it must close (owned = true).
func (c *cachingConn) stmt(ctx context.Context, query string) (s *cachedStmt, owned bool, err error) {
	if e, ok := c.stmts[query]; ok && !e.busy {
		return e, false, nil
	}
	prepared, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	e := &cachedStmt{stmt: prepared}
	if _, ok := c.stmts[query]; ok {
		return e, true, nil
	}
	if len(c.stmts) >= maxCachedStmts {
		for q, old := range c.stmts {
			if !old.busy {
				old.stmt.Close()
				delete(c.stmts, q)
				break
			}
		}
	}
	c.stmts[query] = e
	return e, false, nil
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	e, owned, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := e.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		if owned {
			e.stmt.Close()
		}
		return nil, err
	}
	e.busy = true
	return &cachedRows{Rows: rows, done: func() {
		e.busy = false
		if owned {
			e.stmt.Close()
		}
	}}, nil
}

// CheckNamedValue lets InsertRows' rows through to ExecContext as they
// are; every other value gets database/sql's usual conversion.
func (c *cachingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if _, ok := nv.Value.(*feed); ok {
		return nil
	}
	return driver.ErrSkip
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 1 {
		if f, ok := args[0].Value.(*feed); ok {
			return c.insertRows(ctx, query, f)
		}
	}
	e, owned, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if owned {
		defer e.stmt.Close()
	}
	return e.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) Close() error {
	var errs []error
	for q, e := range c.stmts {
		errs = append(errs, e.stmt.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.Conn.Close())
	return errors.Join(errs...)
}

// cachedRows gives its statement back when closed.
type cachedRows struct {
	driver.Rows
	done   func()
	closed bool
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if !r.closed {
		r.closed = true
		r.done()
	}
	return err
}
