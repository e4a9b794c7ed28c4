-- +goose Up
-- SQLite: the tables are WITHOUT ROWID, so that a year of a dimension's
-- days is one range of the primary key's b-tree rather than a lookup of
-- each row (PostgreSQL's 00012 is otherwise the same).
-- Change marks of the contact-center interval rollups: every transaction
-- that adds to or clears cc_rollups counts up the marks of the UTC hours
-- (hour = the hour's first instant, ms) whose intervals it touched. The
-- metrics' daily rollups of the contact-center sums remember the marks a
-- day was computed with and serve it only while they are unchanged.
CREATE TABLE cc_rollup_marks (
    hour  BIGINT PRIMARY KEY,
    marks BIGINT NOT NULL
) WITHOUT ROWID;

-- Daily sums of cc_rollups, one row per local day of the organisation's
-- time zone, dimension ('' = all, queue, agent, segment, channel) and cut:
-- the six contact-center metrics are ratios of these sums, so one row
-- serves all six. A cache of cc_rollups, never a source.
CREATE TABLE metric_cc_days (
    dim                       TEXT NOT NULL,
    day                       TEXT NOT NULL,
    cut                       TEXT NOT NULL,
    offered                   BIGINT NOT NULL,
    answered                  BIGINT NOT NULL,
    answered_within_threshold BIGINT NOT NULL,
    abandoned                 BIGINT NOT NULL,
    short_abandoned           BIGINT NOT NULL,
    other_exits               BIGINT NOT NULL,
    transferred               BIGINT NOT NULL,
    rejected                  BIGINT NOT NULL,
    handled                   BIGINT NOT NULL,
    wait_answered_ms          BIGINT NOT NULL,
    wait_abandoned_ms         BIGINT NOT NULL,
    talk_ms                   BIGINT NOT NULL,
    hold_ms                   BIGINT NOT NULL,
    wrap_ms                   BIGINT NOT NULL,
    logged_in_ms              BIGINT NOT NULL,
    available_ms              BIGINT NOT NULL,
    paused_ms                 BIGINT NOT NULL,
    PRIMARY KEY (dim, day, cut)
) WITHOUT ROWID;

-- A rolled-up contact-center day, with the zone it was cut in and the sum
-- of its hours' cc_rollup_marks when it was computed.
CREATE TABLE metric_cc_days_done (
    day         TEXT PRIMARY KEY,
    timezone    TEXT NOT NULL,
    marks       BIGINT NOT NULL,
    computed_at BIGINT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE metric_cc_days_done;
DROP TABLE metric_cc_days;
DROP TABLE cc_rollup_marks;
