-- +goose Up
-- The resolved cases of a customer in a category, by resolution time: when
-- a case is created, the days on which the customer's earlier cases of its
-- category were resolved within the repeat window are marked changed
-- (metrics.MarkRepeatOf), and this index makes that a seek. Partial: a
-- case is not in it until it is resolved, so creating one does not write it.
CREATE INDEX cases_repeat_of ON cases(customer_id, category, resolved_at) WHERE resolved_at IS NOT NULL;

-- +goose Down
DROP INDEX cases_repeat_of;
