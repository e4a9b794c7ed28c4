package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// bulkCheckpointEvery is how often a bulk load's checkpointer copies the
// log into the database file.
const bulkCheckpointEvery = 250 * time.Millisecond

// bulkWriterCheckpointPages is how long the log may grow during a bulk load
// before the writer checkpoints what the checkpointer has not: under steady
// writes a checkpoint running beside the writer never reaches the end of
// the log, and only a fully copied log starts again from its beginning.
const bulkWriterCheckpointPages = 16000

// BulkLoad readies the database for a long run of large write
// transactions (a year of queue_log): on SQLite, the log is copied into
// the database file by a goroutine with a connection of its own, beside
// the writer, instead of inside the writer's commits. A year's import took
// 54 s instead of 59–60 s. The server does not do this: there, checkpoints
// beside the writer made the writer stall on the log's restart, and write
// latency is what matters (see writerCheckpointPages). Call done when the
// load is over; on PostgreSQL both are no-ops.
func (db *DB) BulkLoad() (done func() error, err error) {
	if db.Dialect != SQLite {
		return func() error { return nil }, nil
	}
	// Not ctx: the setting must be put back however the load ended.
	setPages := func(n int) error {
		_, err := db.Write.ExecContext(context.Background(), `PRAGMA wal_autocheckpoint = `+strconv.Itoa(n))
		return err
	}
	if err := setPages(bulkWriterCheckpointPages); err != nil {
		return nil, fmt.Errorf("bulk load: %w", err)
	}
	drv, err := sqliteDriver()
	if err != nil {
		return nil, err
	}
	cp := sql.OpenDB(cachingConnector{dsn: db.sqliteDSN, drv: drv})
	cp.SetMaxOpenConns(1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(bulkCheckpointEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			var busy, logPages, copied int
			if err := cp.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &copied); err != nil {
				slog.Warn("sqlite checkpoint", "error", err)
			}
		}
	}()
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			close(stop)
			wg.Wait()
			err = errors.Join(cp.Close(), setPages(writerCheckpointPages))
		})
		return err
	}, nil
}
