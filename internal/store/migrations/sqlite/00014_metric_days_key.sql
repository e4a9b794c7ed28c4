-- +goose Up
-- The daily case-metric rollups keyed by their primary key itself (WITHOUT
-- ROWID): a year of one metric by agent is ~36k rows read as 357 ranges of
-- the key, and through a separate key index each was a second lookup. The
-- table is a cache of the live queries: it is emptied and its days are
-- rolled up again by the background job.
DROP TABLE metric_days;
CREATE TABLE metric_days (
    metric TEXT NOT NULL,
    dim    TEXT NOT NULL,
    day    TEXT NOT NULL,
    cut    TEXT NOT NULL,
    num    DOUBLE PRECISION NOT NULL,
    den    DOUBLE PRECISION NOT NULL,
    extra  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (metric, dim, day, cut)
) WITHOUT ROWID;
DELETE FROM metric_days_done;

-- +goose Down
DROP TABLE metric_days;
CREATE TABLE metric_days (
    metric TEXT NOT NULL,
    dim    TEXT NOT NULL,
    day    TEXT NOT NULL,
    cut    TEXT NOT NULL,
    num    DOUBLE PRECISION NOT NULL,
    den    DOUBLE PRECISION NOT NULL,
    extra  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (metric, dim, day, cut)
);
DELETE FROM metric_days_done;
