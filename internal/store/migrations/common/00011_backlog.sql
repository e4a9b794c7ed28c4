-- +goose Up
-- The backlog is a snapshot of the open cases: their ages, due times and
-- cuts. Open cases are spread over every page of the cases table (an old
-- case still open sits among a year of closed ones), so reading them row
-- by row touched most of the table; this index holds all the backlog
-- reads of them, in creation order, for an index-only scan.
CREATE INDEX cases_open_backlog ON cases(created_at, resolution_due_at, resolved_at, closed_at, owner_id, channel, category, customer_id)
    WHERE status IN ('new', 'open', 'pending_customer', 'pending_internal');

-- +goose Down
DROP INDEX cases_open_backlog;
