package store

import "strconv"

// Limit is the LIMIT clause of a query that reads at most n rows. It is
// written into the SQL text, not bound as a parameter: SQLite plans a
// statement by its LIMIT, so with a bound LIMIT it plans the statement
// again each time it runs, whatever the statement cache keeps; a page of
// 50 cases spent 40% of its time in that planning. n is an int, so the
// text is safe; the few page sizes in use give a few cached statements.
func Limit(n int) string { return " LIMIT " + strconv.Itoa(n) }
