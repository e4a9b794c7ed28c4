package store

import (
	"context"
	"database/sql"
)

// EachRow runs a query and calls fn on each of its rows, then closes them:
// the loop, the close and the check of the rows' own error written once.
// It returns the first error of the query, of fn, or of the rows.
func EachRow(ctx context.Context, q Queryer, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
