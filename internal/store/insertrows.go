package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite/vtab"
)

// Bulk rows from Go into SQLite without binding each value. Through
// database/sql and modernc.org/sqlite a bound value costs a lock, a
// conversion, a C copy and a free; for the 2.7M contact records of a year
// of queue_log (33 values each) binding was half the writer's time. A
// virtual table whose cursor reads a Go slice lets one
// INSERT ... SELECT ... FROM it carry a whole batch: SQLite asks for each
// value once, with no statement to bind, step and reset per 29 rows. In a
// benchmark of 30,000 records a transaction: 93k rows/s with multi-row
// INSERTs, 140k rows/s through the virtual table (JSON through json_each
// was 19k rows/s). On PostgreSQL COPY does this job.

// Rows are rows to insert with InsertRows.
type Rows interface {
	Len() int
	// AppendRow appends the values of row i, in column order, to dst:
	// int64, float64, bool, string, []byte or nil.
	AppendRow(dst []any, i int) []any
}

// rowsModule is the name of the virtual table module. A table of it is
// created per column count, in the temp schema of the connection, so the
// database file never holds it.
const rowsModule = "anchor_rows"

func init() {
	if err := vtab.RegisterModule(nil, rowsModule, rowsVtab{}); err != nil {
		panic(fmt.Sprintf("store: register %s: %v", rowsModule, err))
	}
}

// feeds holds the Rows of the InsertRows calls running, by handle: the
// statement names its rows by handle (the table's hidden column feed),
// since a virtual table cannot take a Go value as an argument.
var feeds = struct {
	sync.Mutex
	next atomic.Int64
	m    map[int64]feed
}{m: map[int64]feed{}}

// InsertRows inserts rows into table's cols, with tail after the SELECT
// (an ON CONFLICT clause, or ""), in tx, which must be a SQLite
// transaction: one statement for all the rows.
func InsertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rows Rows, tail string) error {
	if rows.Len() == 0 {
		return nil
	}
	vt := "temp." + rowsModule + "_" + strconv.Itoa(len(cols))
	if _, err := tx.ExecContext(ctx, `CREATE VIRTUAL TABLE IF NOT EXISTS `+vt+` USING `+rowsModule+`(`+strconv.Itoa(len(cols))+`)`); err != nil {
		return fmt.Errorf("insert rows into %s: %w", table, err)
	}
	empty, err := textNotNull(ctx, tx, table, cols)
	if err != nil {
		return fmt.Errorf("insert rows into %s: %w", table, err)
	}
	h := feeds.next.Add(1)
	feeds.Lock()
	feeds.m[h] = feed{rows: rows, emptyAsNull: empty}
	feeds.Unlock()
	defer func() {
		feeds.Lock()
		delete(feeds.m, h)
		feeds.Unlock()
	}()
	sel := make([]string, len(cols))
	for i := range cols {
		sel[i] = "c" + strconv.Itoa(i)
		if empty[i] {
			sel[i] = "ifnull(" + sel[i] + ", '')"
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) SELECT `+strings.Join(sel, ", ")+
		` FROM `+vt+` WHERE feed = $1 `+tail, h); err != nil {
		return fmt.Errorf("insert rows into %s: %w", table, err)
	}
	return nil
}

// textNotNull reports which of table's cols are TEXT NOT NULL. Their
// empty strings cross into SQLite as NULL, put back to ” by the SELECT:
// a text value crosses as a C copy, allocated and freed, and half the
// text values of a contact record are empty. (A nil given for such a
// column, which its NOT NULL would refuse, is stored as ” instead.)
func textNotNull(ctx context.Context, tx *sql.Tx, table string, cols []string) ([]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, upper(type), "notnull" FROM pragma_table_info($1)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	text := map[string]bool{}
	for rows.Next() {
		var name, typ string
		var notNull bool
		if err := rows.Scan(&name, &typ, &notNull); err != nil {
			return nil, err
		}
		text[name] = notNull && strings.Contains(typ, "TEXT")
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]bool, len(cols))
	for i, c := range cols {
		out[i] = text[c]
	}
	return out, nil
}

// feed is one InsertRows call's rows, and which columns send "" as NULL.
type feed struct {
	rows        Rows
	emptyAsNull []bool
}

// rowsVtab is the module: its tables have columns c0 .. c(n-1) and the
// hidden column feed, which a query must constrain to a handle.
type rowsVtab struct{}

func (m rowsVtab) Create(ctx vtab.Context, args []string) (vtab.Table, error) {
	// args: module, database, table, then the column count.
	if len(args) != 4 {
		return nil, fmt.Errorf("%s: want one argument, the number of columns", rowsModule)
	}
	n, err := strconv.Atoi(strings.TrimSpace(args[3]))
	if err != nil || n < 1 {
		return nil, fmt.Errorf("%s: bad column count %q", rowsModule, args[3])
	}
	cols := make([]string, n, n+1)
	for i := range cols {
		cols[i] = "c" + strconv.Itoa(i)
	}
	cols = append(cols, "feed HIDDEN")
	if err := ctx.Declare("CREATE TABLE x (" + strings.Join(cols, ", ") + ")"); err != nil {
		return nil, err
	}
	return rowsTable{n: n}, nil
}

func (m rowsVtab) Connect(ctx vtab.Context, args []string) (vtab.Table, error) {
	return m.Create(ctx, args)
}

type rowsTable struct{ n int }

// BestIndex takes the plan with feed = ? only: without it there is
// nothing to read.
func (t rowsTable) BestIndex(info *vtab.IndexInfo) error {
	for i, c := range info.Constraints {
		if c.Usable && c.Op == vtab.OpEQ && c.Column == t.n {
			info.Constraints[i].ArgIndex = 0
			info.Constraints[i].Omit = true
			info.IdxNum = 1
			info.EstimatedCost = 1
			return nil
		}
	}
	info.IdxNum = 0
	info.EstimatedCost = 1e18
	return nil
}

func (t rowsTable) Open() (vtab.Cursor, error) { return &rowsCursor{n: t.n}, nil }
func (t rowsTable) Disconnect() error          { return nil }
func (t rowsTable) Destroy() error             { return nil }

// rowsCursor walks one Rows, holding the values of the current row.
type rowsCursor struct {
	n           int
	rows        Rows
	emptyAsNull []bool
	i           int
	cur         []any
	at          int // the row cur holds, -1 when none
}

var errNoFeed = errors.New(rowsModule + ": a query must say feed = handle")

func (c *rowsCursor) Filter(idxNum int, _ string, vals []vtab.Value) error {
	c.rows, c.i, c.at = nil, 0, -1
	if idxNum != 1 || len(vals) != 1 {
		return errNoFeed
	}
	h, ok := vals[0].(int64)
	if !ok {
		return errNoFeed
	}
	feeds.Lock()
	f := feeds.m[h]
	feeds.Unlock()
	c.rows, c.emptyAsNull = f.rows, f.emptyAsNull
	if c.rows == nil {
		return fmt.Errorf("%s: no rows under handle %d", rowsModule, h)
	}
	return nil
}

func (c *rowsCursor) Next() error { c.i++; return nil }

func (c *rowsCursor) Eof() bool { return c.rows == nil || c.i >= c.rows.Len() }

func (c *rowsCursor) Column(col int) (vtab.Value, error) {
	if col >= c.n {
		return nil, nil // feed: read only when a query selects it
	}
	if c.at != c.i {
		c.cur = c.rows.AppendRow(c.cur[:0], c.i)
		c.at = c.i
		if len(c.cur) != c.n {
			return nil, fmt.Errorf("%s: row %d has %d values, not %d", rowsModule, c.i, len(c.cur), c.n)
		}
	}
	v := c.cur[col]
	if s, ok := v.(string); ok && s == "" && c.emptyAsNull[col] {
		return nil, nil
	}
	return v, nil
}

func (c *rowsCursor) Rowid() (int64, error) { return int64(c.i), nil }

func (c *rowsCursor) Close() error {
	c.rows, c.emptyAsNull, c.cur = nil, nil, nil
	return nil
}
