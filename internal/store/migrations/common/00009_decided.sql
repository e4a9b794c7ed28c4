-- +goose Up
-- When a case's first-response and resolution clocks were decided: when
-- met, if in time, else at their due time. The first_response and
-- resolution metrics place a case in a period by this instant; stored and
-- indexed, a period's cases are a range read rather than a scan.
ALTER TABLE cases ADD COLUMN first_response_decided_at BIGINT;
ALTER TABLE cases ADD COLUMN resolution_decided_at BIGINT;
UPDATE cases SET
    first_response_decided_at = CASE WHEN first_response_due_at IS NULL THEN NULL
        WHEN first_response_at IS NOT NULL AND first_response_at <= first_response_due_at THEN first_response_at
        ELSE first_response_due_at END,
    resolution_decided_at = CASE WHEN resolution_due_at IS NULL THEN NULL
        WHEN resolved_at IS NOT NULL AND resolved_at <= resolution_due_at THEN resolved_at
        ELSE resolution_due_at END;
CREATE INDEX cases_first_response_decided ON cases(first_response_decided_at) WHERE first_response_decided_at IS NOT NULL;
CREATE INDEX cases_resolution_decided ON cases(resolution_decided_at) WHERE resolution_decided_at IS NOT NULL;

-- +goose Down
DROP INDEX cases_resolution_decided;
DROP INDEX cases_first_response_decided;
