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
// for. So a goroutine with a connection of its own checkpoints every
// checkpointEvery, in PASSIVE mode, which never waits for readers or the
// writer and never makes them wait: the writer goes on appending while the
// checkpointer copies. But under a steady stream of writes such a
// checkpoint never catches up with the end of the log, and only a fully
// copied log starts again from its beginning; so the writer still
// checkpoints, at writerCheckpointPages, between two of its transactions:
// by then nearly everything is copied already, and its checkpoint, the last
// few frames, lets the log restart. The log stays near that size.

// checkpointEvery is how often the checkpointer copies the log.
const checkpointEvery = 250 * time.Millisecond

// writerCheckpointPages is the log length (pages of 4 KiB: 64 MiB) at
// which the writer checkpoints what the checkpointer has not.
const writerCheckpointPages = 16000

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
	return c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &done)
}

// close stops the checkpointer and copies what is left into the database.
func (c *checkpointer) close() error {
	close(c.stop)
	c.wg.Wait()
	var busy, logPages, done int
	err := c.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done)
	return errors.Join(err, c.db.Close())
}
