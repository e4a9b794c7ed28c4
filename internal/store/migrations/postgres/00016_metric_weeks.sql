-- +goose Up
-- Weekly sums of the additive case metrics, summed from their days by the
-- rollup job (metrics.rollupWeeks): a year by week and by agent reads 53
-- rows a cut instead of 365. Keyed like metric_days.
CREATE TABLE metric_weeks (
    metric TEXT NOT NULL,
    dim    TEXT NOT NULL,
    week   TEXT NOT NULL,
    cut    TEXT NOT NULL,
    num    DOUBLE PRECISION NOT NULL,
    den    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (metric, dim, week, cut)
);

-- A summed week, under its Monday's name (day), with the zone and the sum
-- of its days' change marks it was summed at.
CREATE TABLE metric_weeks_done (
    day      TEXT PRIMARY KEY,
    timezone TEXT NOT NULL,
    marks    BIGINT NOT NULL
);

-- +goose Down
DROP TABLE metric_weeks_done;
DROP TABLE metric_weeks;
