-- +goose Up
-- What each metric is held to: a target (which may step up by stage), a
-- warning threshold, an owner and a review frequency; and outside
-- benchmarks to compare with.
CREATE TABLE metric_settings (
    key        TEXT PRIMARY KEY,
    target     DOUBLE PRECISION,
    warning    DOUBLE PRECISION,
    owner_id   TEXT REFERENCES users(id),
    frequency  TEXT NOT NULL DEFAULT 'weekly',
    updated_at BIGINT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE metric_stages (
    id        TEXT PRIMARY KEY,
    key       TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    target    DOUBLE PRECISION NOT NULL,
    warning   DOUBLE PRECISION,
    UNIQUE (key, starts_on)
);

CREATE TABLE metric_benchmarks (
    id     TEXT PRIMARY KEY,
    key    TEXT NOT NULL,
    value  DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    as_of  TEXT NOT NULL,
    note   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX metric_benchmarks_key ON metric_benchmarks(key, as_of);

-- Metrics entered by hand per period, such as a market survey's waiting
-- time perception.
CREATE TABLE manual_metrics (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL DEFAULT '',
    direction   TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

CREATE TABLE manual_metric_values (
    key          TEXT NOT NULL REFERENCES manual_metrics(key),
    period_start BIGINT NOT NULL,
    period_end   BIGINT NOT NULL,
    value        DOUBLE PRECISION NOT NULL,
    entered_by   TEXT REFERENCES users(id),
    entered_at   BIGINT NOT NULL,
    PRIMARY KEY (key, period_start)
);

-- Organisation-wide settings, such as the time zone periods are cut in.
CREATE TABLE org_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The reads of the case metrics (cases(resolved_at) is indexed by 00004).
CREATE INDEX cases_created_at ON cases(created_at);
CREATE INDEX cases_customer_category ON cases(customer_id, category, created_at);
CREATE INDEX callbacks_window_end ON callbacks(window_end);
CREATE INDEX handoffs_due ON handoffs(due_at);

-- +goose Down
DROP INDEX handoffs_due;
DROP INDEX callbacks_window_end;
DROP INDEX cases_customer_category;
DROP INDEX cases_created_at;
DROP TABLE org_settings;
DROP TABLE manual_metric_values;
DROP TABLE manual_metrics;
DROP TABLE metric_benchmarks;
DROP TABLE metric_stages;
DROP TABLE metric_settings;
