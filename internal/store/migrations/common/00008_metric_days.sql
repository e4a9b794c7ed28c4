-- +goose Up
-- Daily rollups of the case metrics, one row per local day of the
-- organisation's time zone, metric, dimension and cut: a year by week and
-- by agent reads a few thousand rows instead of every case. They are a
-- cache of what the live queries give, never a source: a day is served
-- from here only while nothing it depends on has changed since it was
-- computed.
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

-- A computed day, with the zone it was cut in and the change marks of its
-- hours when it was computed.
CREATE TABLE metric_days_done (
    day         TEXT PRIMARY KEY,
    timezone    TEXT NOT NULL,
    marks       BIGINT NOT NULL,
    computed_at BIGINT NOT NULL
);

-- Every change to a case, handoff or callback counts up the marks of the
-- UTC hours of the instants it moved (a resolution, a due time, a window's
-- end), before and after the change: a day whose hours' marks differ from
-- those it was computed with is recomputed, and meanwhile computed live.
CREATE TABLE metric_hour_marks (
    hour  BIGINT PRIMARY KEY,
    marks BIGINT NOT NULL
);

-- +goose Down
DROP TABLE metric_hour_marks;
DROP TABLE metric_days_done;
DROP TABLE metric_days;
