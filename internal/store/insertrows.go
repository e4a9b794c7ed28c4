package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// Bulk rows from Go into SQLite without binding each value. Through
// database/sql and modernc.org/sqlite a bound value costs a conversion, a
// lock, a C copy and a free, and each row a step and a reset with a fresh
// seek of the table's b-tree. A virtual table whose cursor reads the Go
// slice lets one INSERT ... SELECT ... FROM it carry a whole batch: SQLite
// asks for each value once and appends row after row. For the 2.7M contact
// records of a year of queue_log (33 values each) this is most of the
// import's writer.
//
// The module is written against SQLite's C interface (modernc.org/sqlite/lib)
// rather than the driver's vtab package, whose column callback takes a
// read lock and a look-up in a global map, and allocates and frees C
// memory for every text: a third of the writer's time. Here a value costs
// an atomic load and a type switch, and a text a copy into a C buffer that
// the next text reuses. On PostgreSQL COPY does this job.

// Rows are rows to insert with InsertRows.
type Rows interface {
	Len() int
	// AppendRow appends the values of row i, in column order, to dst.
	AppendRow(dst []Value, i int) []Value
}

// A Value is a column value of a row for InsertRows. An interface value
// (any) would cost an allocation for most integers and every string: 25
// a contact record, 14M on 2M lines of queue_log.
type Value struct {
	kind valueKind
	n    int64  // an integer, a bool (0, 1) or a float's bits
	s    string // a text, or a blob's bytes
}

type valueKind uint8

const (
	kindNull valueKind = iota
	kindInt
	kindBool
	kindFloat
	kindText
	kindBlob
)

// Int is an integer Value.
func Int(n int64) Value { return Value{kind: kindInt, n: n} }

// Float is a floating-point Value.
func Float(f float64) Value { return Value{kind: kindFloat, n: int64(math.Float64bits(f))} }

// Text is a text Value.
func Text(s string) Value { return Value{kind: kindText, s: s} }

// Null is the NULL Value.
func Null() Value { return Value{} }

// Bool is a boolean Value: on SQLite the integer 1 or 0.
func Bool(b bool) Value {
	if b {
		return Value{kind: kindBool, n: 1}
	}
	return Value{kind: kindBool}
}

// Blob is a Value of b's bytes, which must not change until the row is
// inserted; a nil b is NULL.
func Blob(b []byte) Value {
	if b == nil {
		return Null()
	}
	return Value{kind: kindBlob, s: unsafe.String(unsafe.SliceData(b), len(b))}
}

// Any is v as database/sql takes it (for engines other than SQLite): nil,
// int64, bool, float64, string or []byte.
func (v Value) Any() any {
	switch v.kind {
	case kindInt:
		return v.n
	case kindBool:
		return v.n != 0
	case kindFloat:
		return math.Float64frombits(uint64(v.n))
	case kindText:
		return v.s
	case kindBlob:
		return []byte(v.s)
	}
	return nil
}

// rowsModule is the name of the virtual table module. A table of it is
// created per column count, in the temp schema of the connection, so the
// database file never holds it.
const rowsModule = "anchor_rows"

// InsertRows inserts rows into table's cols, with tail after the SELECT
// (an ON CONFLICT clause, or ""), in tx, which must be a SQLite
// transaction: one statement for all the rows.
func InsertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rows Rows, tail string) error {
	if rows.Len() == 0 {
		return nil
	}
	sel := make([]string, len(cols))
	for i := range cols {
		sel[i] = "c" + strconv.Itoa(i)
	}
	query := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) SELECT ` + strings.Join(sel, ", ") +
		` FROM temp.` + rowsModule + `_` + strconv.Itoa(len(cols)) + ` WHERE feed = $1 ` + tail
	// The rows travel to the connection of tx as they are
	// (cachingConn.CheckNamedValue), which runs query with their feed.
	if _, err := tx.ExecContext(ctx, query, &feed{rows: rows, n: len(cols)}); err != nil {
		return fmt.Errorf("insert rows into %s: %w", table, err)
	}
	return nil
}

// feed is one InsertRows call's rows, read by the cursor of the statement
// that inserts them.
type feed struct {
	rows Rows
	n    int
	// i is the cursor's row; cur holds the values of row at (-1: none).
	i   int
	at  int
	cur []Value
	// buf is C memory of size bytes that a text or blob value is copied
	// to for SQLite to copy (SQLITE_TRANSIENT): SQLite's code must not be
	// handed Go memory. Freed by the statement's connection when done.
	buf  uintptr
	size int
}

// cBytes returns v copied to f's C buffer, which grows as needed: the
// address and the length, or 0 if there is no memory. An empty v gives
// the buffer's address too, since a nil text or blob is taken for NULL.
func (f *feed) cBytes(tls *libc.TLS, v string) (uintptr, int32) {
	if len(v) >= f.size {
		libc.Xfree(tls, f.buf)
		f.size = max(256, 2*len(v))
		if f.buf = libc.Xmalloc(tls, types.Size_t(f.size)); f.buf == 0 {
			f.size = 0
			return 0, 0
		}
	}
	copy(unsafe.Slice(cAt[byte](f.buf), len(v)), v)
	return f.buf, int32(len(v))
}

// row returns the values of the cursor's row.
func (f *feed) row() ([]Value, error) {
	if f.at != f.i {
		f.cur = f.rows.AppendRow(f.cur[:0], f.i)
		f.at = f.i
		if len(f.cur) != f.n {
			return nil, fmt.Errorf("row %d has %d values, not %d", f.i, len(f.cur), f.n)
		}
	}
	return f.cur, nil
}

// feeds are the feeds of the InsertRows statements running, by slot: the
// statement names its feed by slot (the hidden column feed), since SQLite
// calls the module's functions with C values only. A slot is taken for
// the statement's run and given back after; reading one is an atomic
// load, not a lock.
var feeds = func() *feedSlots {
	s := &feedSlots{free: make(chan int, len(feedSlots{}.slots))}
	for i := range s.slots {
		s.free <- i
	}
	return s
}()

type feedSlots struct {
	slots [64]atomic.Pointer[feed]
	free  chan int
}

// run runs fn with f in a slot, whose number it is given.
func (s *feedSlots) run(ctx context.Context, f *feed, fn func(slot int) error) error {
	var slot int
	select {
	case slot = <-s.free:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.slots[slot].Store(f)
	defer func() {
		s.slots[slot].Store(nil)
		s.free <- slot
	}()
	return fn(slot)
}

// get returns the feed in slot, or nil.
func (s *feedSlots) get(slot int64) *feed {
	if slot < 0 || slot >= int64(len(s.slots)) {
		return nil
	}
	return s.slots[slot].Load()
}

// insertRows runs query, an InsertRows statement, on c with f's rows.
func (c *cachingConn) insertRows(ctx context.Context, query string, f *feed) (driver.Result, error) {
	if c.raw == nil {
		raw, err := rawOf(c.Conn)
		if err != nil {
			return nil, err
		}
		if err := raw.register(); err != nil {
			return nil, err
		}
		c.raw = raw
	}
	vt := "temp." + rowsModule + "_" + strconv.Itoa(f.n)
	if err := c.raw.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ` + vt + ` USING ` + rowsModule + `(` + strconv.Itoa(f.n) + `)`); err != nil {
		return nil, err
	}
	defer func() {
		libc.Xfree(c.raw.tls, f.buf)
		f.buf, f.size = 0, 0
	}()
	var res driver.Result
	err := feeds.run(ctx, f, func(slot int) error {
		e, owned, err := c.stmt(ctx, query)
		if err != nil {
			return err
		}
		if owned {
			defer e.stmt.Close()
		}
		res, err = e.stmt.(driver.StmtExecContext).ExecContext(ctx, []driver.NamedValue{{Ordinal: 1, Value: int64(slot)}})
		return err
	})
	return res, err
}

// rawConn is the C-level handle of a modernc.org/sqlite connection and
// the thread state its calls run in. The driver does not export them; they
// are read from its connection by field name, and a driver whose
// connection no longer has them fails InsertRows with errNoHandle (which
// the tests catch on an upgrade) rather than guessing.
type rawConn struct {
	tls *libc.TLS
	db  uintptr
}

var errNoHandle = errors.New("store: no SQLite handle in this version of modernc.org/sqlite")

// rawOf returns the handle of c, a modernc.org/sqlite connection.
func rawOf(c driver.Conn) (*rawConn, error) {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: %T", errNoHandle, c)
	}
	db, tls := v.Elem().FieldByName("db"), v.Elem().FieldByName("tls")
	if !db.IsValid() || db.Kind() != reflect.Uintptr || db.Uint() == 0 ||
		!tls.IsValid() || tls.Type() != reflect.TypeFor[*libc.TLS]() || tls.IsNil() {
		return nil, fmt.Errorf("%w: %T", errNoHandle, c)
	}
	return &rawConn{tls: (*libc.TLS)(tls.UnsafePointer()), db: uintptr(db.Uint())}, nil
}

// register makes the module known to the connection.
func (r *rawConn) register() error {
	z, err := libc.CString(rowsModule)
	if err != nil {
		return err
	}
	defer libc.Xfree(r.tls, z)
	if rc := sqlite3.Xsqlite3_create_module_v2(r.tls, r.db, z, rowsModuleC(), 0, 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("register %s: %w", rowsModule, r.err(rc))
	}
	return nil
}

// exec runs query, a statement without parameters or results.
func (r *rawConn) exec(query string) error {
	z, err := libc.CString(query)
	if err != nil {
		return err
	}
	defer libc.Xfree(r.tls, z)
	if rc := sqlite3.Xsqlite3_exec(r.tls, r.db, z, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("%s: %w", query, r.err(rc))
	}
	return nil
}

// err is the error of result code rc, with the connection's message.
func (r *rawConn) err(rc int32) error {
	return fmt.Errorf("%s (%d)", libc.GoString(sqlite3.Xsqlite3_errmsg(r.tls, r.db)), rc)
}

// The module's C side. SQLite holds its function table for as long as a
// connection may use it: it is made once, in C memory (the transpiled
// SQLite must not be handed Go memory, which its pointer arithmetic may
// not address), and kept for the life of the process. Its tables and
// cursors are C structs allocated by SQLite's allocator: a table knows its
// column count, a cursor its feed's slot.
var rowsModuleC = sync.OnceValue(func() uintptr {
	tls := libc.NewTLS()
	defer tls.Close()
	p := libc.Xcalloc(tls, 1, types.Size_t(unsafe.Sizeof(sqlite3.Sqlite3_module{})))
	if p == 0 {
		panic("store: no memory for the " + rowsModule + " module")
	}
	*cAt[sqlite3.Sqlite3_module](p) = sqlite3.Sqlite3_module{
		FiVersion:    1,
		FxCreate:     cFunc(rowsConnect),
		FxConnect:    cFunc(rowsConnect),
		FxBestIndex:  cFunc(rowsBestIndex),
		FxDisconnect: cFunc(rowsFree),
		FxDestroy:    cFunc(rowsFree),
		FxOpen:       cFunc(rowsOpen),
		FxClose:      cFunc(rowsFree),
		FxFilter:     cFunc(rowsFilter),
		FxNext:       cFunc(rowsNext),
		FxEof:        cFunc(rowsEOF),
		FxColumn:     cFunc(rowsColumn),
		FxRowid:      cFunc(rowsRowid),
	}
	return p
})

// rowsTableC and rowsCursorC extend SQLite's sqlite3_vtab and
// sqlite3_vtab_cursor, which they begin with.
type (
	rowsTableC struct {
		_ sqlite3.Tsqlite3_vtab // SQLite's part
		n int32
	}
	rowsCursorC struct {
		base sqlite3.Tsqlite3_vtab_cursor
		slot int32
	}
)

// cAt is the Go view of the C struct at p. (Through a pointer to p, not a
// conversion of p itself, which vet rightly distrusts for Go memory: p is
// SQLite's, outside the Go heap.)
func cAt[T any](p uintptr) *T { return (*T)(*(*unsafe.Pointer)(unsafe.Pointer(&p))) }

// cFunc is the C function pointer of a Go function, as modernc.org/libc
// represents one: the function value's address.
func cFunc[T any](f T) uintptr {
	return *(*uintptr)(unsafe.Pointer(&struct{ f T }{f}))
}

// rowsConnect is xCreate and xConnect: the table's argument (argv[3]) is
// its column count; the hidden column feed follows the columns.
func rowsConnect(tls *libc.TLS, db, _ uintptr, argc int32, argv, ppVtab, pzErr uintptr) int32 {
	n := 0
	if argc == 4 {
		n, _ = strconv.Atoi(strings.TrimSpace(libc.GoString(*cAt[uintptr](argv + 3*unsafe.Sizeof(uintptr(0))))))
	}
	if n < 1 || n > math.MaxInt16 {
		setErr(tls, pzErr, rowsModule+": want one argument, the number of columns")
		return sqlite3.SQLITE_ERROR
	}
	cols := make([]string, n, n+1)
	for i := range cols {
		cols[i] = "c" + strconv.Itoa(i)
	}
	z, err := libc.CString("CREATE TABLE x (" + strings.Join(append(cols, "feed HIDDEN"), ", ") + ")")
	if err != nil {
		return sqlite3.SQLITE_NOMEM
	}
	defer libc.Xfree(tls, z)
	if rc := sqlite3.Xsqlite3_declare_vtab(tls, db, z); rc != sqlite3.SQLITE_OK {
		return rc
	}
	p := sqlite3.Xsqlite3_malloc(tls, int32(unsafe.Sizeof(rowsTableC{})))
	if p == 0 {
		return sqlite3.SQLITE_NOMEM
	}
	*cAt[rowsTableC](p) = rowsTableC{n: int32(n)}
	*cAt[uintptr](ppVtab) = p
	return sqlite3.SQLITE_OK
}

// setErr sets *pzErr to msg, in memory SQLite frees.
func setErr(tls *libc.TLS, pzErr uintptr, msg string) {
	p := sqlite3.Xsqlite3_malloc(tls, int32(len(msg)+1))
	if p == 0 {
		return
	}
	b := unsafe.Slice(cAt[byte](p), len(msg)+1)
	b[copy(b, msg)] = 0
	*cAt[uintptr](pzErr) = p
}

// rowsBestIndex takes the plan with feed = ? only: without it there is
// nothing to read.
func rowsBestIndex(tls *libc.TLS, pVtab, pInfo uintptr) int32 {
	n := cAt[rowsTableC](pVtab).n
	info := cAt[sqlite3.Tsqlite3_index_info](pInfo)
	for i := range uintptr(info.FnConstraint) {
		c := cAt[sqlite3.Tsqlite3_index_constraint](info.FaConstraint + i*unsafe.Sizeof(sqlite3.Tsqlite3_index_constraint{}))
		if c.Fusable != 0 && c.Fop == sqlite3.SQLITE_INDEX_CONSTRAINT_EQ && c.FiColumn == n {
			u := cAt[sqlite3.Tsqlite3_index_constraint_usage](info.FaConstraintUsage + i*unsafe.Sizeof(sqlite3.Tsqlite3_index_constraint_usage{}))
			u.FargvIndex, u.Fomit = 1, 1
			info.FidxNum, info.FestimatedCost = 1, 1
			return sqlite3.SQLITE_OK
		}
	}
	info.FidxNum, info.FestimatedCost = 0, 1e18
	return sqlite3.SQLITE_OK
}

// rowsFree is xDisconnect, xDestroy and xClose.
func rowsFree(tls *libc.TLS, p uintptr) int32 {
	sqlite3.Xsqlite3_free(tls, p)
	return sqlite3.SQLITE_OK
}

func rowsOpen(tls *libc.TLS, pVtab, ppCursor uintptr) int32 {
	p := sqlite3.Xsqlite3_malloc(tls, int32(unsafe.Sizeof(rowsCursorC{})))
	if p == 0 {
		return sqlite3.SQLITE_NOMEM
	}
	*cAt[rowsCursorC](p) = rowsCursorC{base: sqlite3.Tsqlite3_vtab_cursor{FpVtab: pVtab}, slot: -1}
	*cAt[uintptr](ppCursor) = p
	return sqlite3.SQLITE_OK
}

// rowsFilter starts the cursor on the feed whose slot the query gives.
func rowsFilter(tls *libc.TLS, pCursor uintptr, idxNum int32, _ uintptr, argc int32, argv uintptr) int32 {
	c := cAt[rowsCursorC](pCursor)
	c.slot = -1
	if idxNum != 1 || argc != 1 {
		return vtabErr(tls, c, rowsModule+": a query must say feed = slot")
	}
	slot := sqlite3.Xsqlite3_value_int64(tls, *cAt[uintptr](argv))
	f := feeds.get(slot)
	if f == nil {
		return vtabErr(tls, c, fmt.Sprintf("%s: no rows in slot %d", rowsModule, slot))
	}
	c.slot, f.i, f.at = int32(slot), 0, -1
	return sqlite3.SQLITE_OK
}

// vtabErr reports msg as the error of c's table.
func vtabErr(tls *libc.TLS, c *rowsCursorC, msg string) int32 {
	t := cAt[sqlite3.Tsqlite3_vtab](c.base.FpVtab)
	if t.FzErrMsg != 0 {
		sqlite3.Xsqlite3_free(tls, t.FzErrMsg)
	}
	setErr(tls, uintptr(unsafe.Pointer(&t.FzErrMsg)), msg)
	return sqlite3.SQLITE_ERROR
}

func rowsNext(_ *libc.TLS, pCursor uintptr) int32 {
	if f := feeds.get(int64(cAt[rowsCursorC](pCursor).slot)); f != nil {
		f.i++
	}
	return sqlite3.SQLITE_OK
}

func rowsEOF(_ *libc.TLS, pCursor uintptr) int32 {
	if f := feeds.get(int64(cAt[rowsCursorC](pCursor).slot)); f != nil && f.i < f.rows.Len() {
		return 0
	}
	return 1
}

// rowsColumn gives SQLite value col of the cursor's row.
func rowsColumn(tls *libc.TLS, pCursor, ctx uintptr, col int32) int32 {
	c := cAt[rowsCursorC](pCursor)
	f := feeds.get(int64(c.slot))
	if f == nil || int(col) >= f.n {
		// feed: read only when a query selects it.
		sqlite3.Xsqlite3_result_int64(tls, ctx, int64(c.slot))
		return sqlite3.SQLITE_OK
	}
	vals, err := f.row()
	if err != nil {
		resultErr(tls, ctx, rowsModule+": "+err.Error())
		return sqlite3.SQLITE_ERROR
	}
	switch v := vals[col]; v.kind {
	case kindNull:
		sqlite3.Xsqlite3_result_null(tls, ctx)
	case kindInt, kindBool:
		sqlite3.Xsqlite3_result_int64(tls, ctx, v.n)
	case kindFloat:
		sqlite3.Xsqlite3_result_double(tls, ctx, math.Float64frombits(uint64(v.n)))
	default:
		if len(v.s) > math.MaxInt32-1 {
			sqlite3.Xsqlite3_result_error_toobig(tls, ctx)
			break
		}
		p, n := f.cBytes(tls, v.s)
		if p == 0 {
			sqlite3.Xsqlite3_result_error_nomem(tls, ctx)
			break
		}
		if v.kind == kindText {
			sqlite3.Xsqlite3_result_text(tls, ctx, p, n, sqlite3.SQLITE_TRANSIENT)
		} else {
			sqlite3.Xsqlite3_result_blob(tls, ctx, p, n, sqlite3.SQLITE_TRANSIENT)
		}
	}
	return sqlite3.SQLITE_OK
}

// resultErr makes msg the error of a column's value.
func resultErr(tls *libc.TLS, ctx uintptr, msg string) {
	z, err := libc.CString(msg)
	if err != nil {
		sqlite3.Xsqlite3_result_error_nomem(tls, ctx)
		return
	}
	defer libc.Xfree(tls, z)
	sqlite3.Xsqlite3_result_error(tls, ctx, z, -1)
}

func rowsRowid(_ *libc.TLS, pCursor, pRowid uintptr) int32 {
	if f := feeds.get(int64(cAt[rowsCursorC](pCursor).slot)); f != nil {
		*cAt[int64](pRowid) = int64(f.i)
	}
	return sqlite3.SQLITE_OK
}
