package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// SQLite has one writer, and a commit writes every page the transaction
// changed to the WAL, a system call a page: for a small transaction such as
// a case created with its first contact, the commit is half the time the
// writer is held. So writers are queued first come, first served, and the
// transactions already waiting when the writer comes free are run together
// in one SQLite transaction, each inside a savepoint of its own (group
// commit): a transaction whose function fails is rolled back to its
// savepoint and the others still commit, and nobody is told "committed"
// before the commit that holds its writes has returned. An idle server
// runs every transaction alone, exactly as before.

// maxGroup bounds how many transactions share a commit, so that the first
// of a group waits for at most this many others.
const maxGroup = 32

// writeReq is one caller's transaction waiting for the writer.
type writeReq struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan writeResult
}

type writeResult struct {
	err error
	// panicked holds what fn panicked with, re-raised in the caller's
	// goroutine so that the caller's recovery (an HTTP 500) sees it.
	panicked any
}

func (r writeResult) failed() bool { return r.err != nil || r.panicked != nil }

// groupWriter runs SQLite write transactions on one goroutine.
type groupWriter struct {
	db       *sql.DB
	queue    chan *writeReq
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

func newGroupWriter(db *sql.DB) *groupWriter {
	w := &groupWriter{db: db, queue: make(chan *writeReq), stop: make(chan struct{})}
	w.wg.Add(1)
	go w.loop()
	return w
}

// close stops the writer once the transactions it has taken are done.
func (w *groupWriter) close() {
	w.stopOnce.Do(func() { close(w.stop) })
	w.wg.Wait()
}

// run queues fn and waits for its outcome. Once fn is queued the caller
// waits for the commit even if ctx ends: fn's statements run with ctx and
// fail then, but whether its writes landed is only known after the commit.
func (w *groupWriter) run(ctx context.Context, fn func(tx *sql.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	select {
	case w.queue <- req:
	case <-ctx.Done():
		return fmt.Errorf("begin transaction: %w", ctx.Err())
	case <-w.stop:
		return errors.New("begin transaction: database closed")
	}
	res := <-req.done
	if res.panicked != nil {
		panic(res.panicked)
	}
	return res.err
}

func (w *groupWriter) loop() {
	defer w.wg.Done()
	for {
		var first *writeReq
		select {
		case first = <-w.queue:
		case <-w.stop:
			return
		}
		group := []*writeReq{first}
	drain:
		for len(group) < maxGroup {
			select {
			case r := <-w.queue:
				group = append(group, r)
			default:
				break drain
			}
		}
		w.commit(group)
	}
}

// commit runs a group in one transaction and tells each member its outcome.
func (w *groupWriter) commit(group []*writeReq) {
	results := make([]writeResult, len(group))
	finish := func() {
		for i, r := range group {
			r.done <- results[i]
		}
	}
	defer finish()
	fail := func(err error) {
		for i := range results {
			if !results[i].failed() {
				results[i].err = err
			}
		}
	}
	// The transaction is the group's, not one caller's: a caller whose
	// context ends must not roll the others back.
	tx, err := w.db.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("begin transaction: %w", err))
		return
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if len(group) == 1 {
		results[0] = call(group[0], tx)
		if results[0].failed() {
			return
		}
	} else {
		ok := 0
		for i, r := range group {
			if _, err := tx.ExecContext(context.Background(), `SAVEPOINT grouped`); err != nil {
				fail(fmt.Errorf("begin transaction: %w", err))
				return
			}
			results[i] = call(r, tx)
			if !results[i].failed() {
				ok++
				if _, err := tx.ExecContext(context.Background(), `RELEASE grouped`); err != nil {
					fail(fmt.Errorf("commit: %w", err))
					return
				}
				continue
			}
			// An error that ended the whole transaction (SQLite does that
			// on a full disk, for one) leaves nothing to roll back to:
			// then none of the group can commit.
			if _, err := tx.ExecContext(context.Background(), `ROLLBACK TO grouped`); err != nil {
				fail(fmt.Errorf("roll back after another transaction's error: %w", err))
				return
			}
			if _, err := tx.ExecContext(context.Background(), `RELEASE grouped`); err != nil {
				fail(fmt.Errorf("roll back after another transaction's error: %w", err))
				return
			}
		}
		if ok == 0 {
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
	}
}

// call runs one member's function, its panic caught for its caller.
func call(r *writeReq, tx *sql.Tx) (res writeResult) {
	if err := r.ctx.Err(); err != nil {
		return writeResult{err: fmt.Errorf("begin transaction: %w", err)}
	}
	defer func() {
		if p := recover(); p != nil {
			res = writeResult{panicked: p}
		}
	}()
	return writeResult{err: r.fn(tx)}
}
