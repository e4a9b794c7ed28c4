package store

import (
	"context"
	"fmt"

	"github.com/pressly/goose/v3"
)

// MigrateTo brings the schema up to version v only, so that a test can
// put rows in an old schema and see what a later migration makes of them.
func (db *DB) MigrateTo(ctx context.Context, v int64) error {
	sub, err := migrationsFor(db.Dialect)
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db.Write, sub)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	_, err = p.UpTo(ctx, v)
	return err
}
