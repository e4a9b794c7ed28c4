package store

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// SQLite appends commits to the write-ahead log and copies them into the
// database file at a checkpoint. By default the connection whose commit
// makes the log pass 1,000 pages runs that checkpoint inside its commit,
// fsyncs included: measured on case creation, checkpoints were nearly half
// of the commit time, all of it on the one writer every request queues
// for. So the writer never checkpoints (wal_autocheckpoint(0)), and a
// goroutine with a connection of its own does, in PASSIVE mode, which never
// waits for readers or the writer and never makes them wait: the writer
// goes on appending while the checkpointer copies. When readers keep the
// log from being reset for long, the log grows; past maxWALPages a
// TRUNCATE checkpoint waits for them once and resets it.

// checkpointEvery is how often the checkpointer looks at the log.
const checkpointEvery = 250 * time.Millisecond

// maxWALPages (4 KiB pages: 256 MiB) is how long the log may grow while
// readers hold back passive checkpoints.
const maxWALPages = 65536

type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	wg   sync.WaitGroup
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, stop: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

func (c *checkpointer) loop() {
	defer c.wg.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		if err := c.checkpoint(context.Background()); err != nil {
			slog.Warn("sqlite checkpoint", "error", err)
		}
	}
}

// checkpoint copies into the database what the log holds that it does not
// (nothing to copy costs next to nothing).
func (c *checkpointer) checkpoint(ctx context.Context) error {
	var busy, logPages, done int
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &done); err != nil {
		return err
	}
	if logPages > maxWALPages {
		return c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done)
	}
	return nil
}

// close stops the checkpointer and copies what is left into the database.
func (c *checkpointer) close() error {
	close(c.stop)
	c.wg.Wait()
	var busy, logPages, done int
	err := c.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done)
	return errors.Join(err, c.db.Close())
}
