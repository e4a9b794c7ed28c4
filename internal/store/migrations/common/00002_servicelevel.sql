-- +goose Up
-- Business calendars, stored as their JSON document (see package calendar).
CREATE TABLE calendars (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    doc        TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

-- The matrix's own settings; one row.
CREATE TABLE service_matrix (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    at_risk_share DOUBLE PRECISION NOT NULL DEFAULT 0.75,
    updated_at    BIGINT NOT NULL,
    updated_by    TEXT,
    version       INTEGER NOT NULL DEFAULT 1
);

-- Targets per segment × priority, in business time of the calendar
-- (NULL calendar: 24/7). NULL target: none owed.
CREATE TABLE service_targets (
    segment_id         TEXT NOT NULL REFERENCES segments(id),
    priority           TEXT NOT NULL,
    first_response_ms  BIGINT,
    next_update_ms     BIGINT,
    resolution_ms      BIGINT,
    callback_window_ms BIGINT,
    calendar_id        TEXT REFERENCES calendars(id),
    PRIMARY KEY (segment_id, priority)
);

-- Proactive relationship contacts owed per segment.
CREATE TABLE relationship_policies (
    segment_id      TEXT PRIMARY KEY REFERENCES segments(id),
    every_days      INTEGER NOT NULL,
    required_fields TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE relationship_contacts (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    owner_id     TEXT REFERENCES users(id),
    logged_by    TEXT REFERENCES users(id),
    channel      TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    fields       TEXT NOT NULL DEFAULT '{}',
    contacted_at BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX relationship_contacts_customer ON relationship_contacts(customer_id, contacted_at);

ALTER TABLE departments ADD COLUMN calendar_id TEXT REFERENCES calendars(id);

-- A case's clocks: the targets it was given (from the matrix, at creation
-- or on a change of priority or segment), the facts they run on, the due
-- and at-risk instants they give, and sla_check_at, the next instant a
-- clock changes state by itself, which the escalation job scans by index.
ALTER TABLE cases ADD COLUMN last_response_at BIGINT;
ALTER TABLE cases ADD COLUMN sla_segment_id TEXT;
ALTER TABLE cases ADD COLUMN sla_first_response_ms BIGINT;
ALTER TABLE cases ADD COLUMN sla_next_update_ms BIGINT;
ALTER TABLE cases ADD COLUMN sla_resolution_ms BIGINT;
ALTER TABLE cases ADD COLUMN sla_calendar_id TEXT;
ALTER TABLE cases ADD COLUMN sla_at_risk_share DOUBLE PRECISION;
ALTER TABLE cases ADD COLUMN paused_since BIGINT;
ALTER TABLE cases ADD COLUMN paused_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN first_response_due_at BIGINT;
ALTER TABLE cases ADD COLUMN next_update_due_at BIGINT;
ALTER TABLE cases ADD COLUMN resolution_due_at BIGINT;
ALTER TABLE cases ADD COLUMN sla_clocks TEXT NOT NULL DEFAULT '{}';
ALTER TABLE cases ADD COLUMN sla_escalated TEXT NOT NULL DEFAULT '{}';
ALTER TABLE cases ADD COLUMN sla_check_at BIGINT;
CREATE INDEX cases_sla_check ON cases(sla_check_at) WHERE sla_check_at IS NOT NULL;

ALTER TABLE handoffs ADD COLUMN sla_calendar_id TEXT;
ALTER TABLE handoffs ADD COLUMN sla_at_risk_share DOUBLE PRECISION;
ALTER TABLE handoffs ADD COLUMN due_given BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE handoffs ADD COLUMN sla_clocks TEXT NOT NULL DEFAULT '{}';
ALTER TABLE handoffs ADD COLUMN sla_escalated TEXT NOT NULL DEFAULT '{}';
ALTER TABLE handoffs ADD COLUMN sla_check_at BIGINT;
CREATE INDEX handoffs_sla_check ON handoffs(sla_check_at) WHERE sla_check_at IS NOT NULL;

ALTER TABLE callbacks ADD COLUMN sla_at_risk_share DOUBLE PRECISION;
ALTER TABLE callbacks ADD COLUMN sla_escalated TEXT NOT NULL DEFAULT '{}';
ALTER TABLE callbacks ADD COLUMN sla_check_at BIGINT;
CREATE INDEX callbacks_sla_check ON callbacks(sla_check_at) WHERE sla_check_at IS NOT NULL;

-- Notifications to people, and webhooks with their outbox of deliveries.
CREATE TABLE notifications (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    kind         TEXT NOT NULL,
    case_id      TEXT,
    subject_type TEXT NOT NULL DEFAULT '',
    subject_id   TEXT NOT NULL DEFAULT '',
    message      TEXT NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}',
    created_at   BIGINT NOT NULL,
    read_at      BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id),
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    delivered_at    BIGINT,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL;

-- +goose Down
-- The columns added to departments, cases, handoffs and callbacks stay: SQLite
-- cannot drop them portably, and they are harmless without their tables.
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE notifications;
DROP INDEX callbacks_sla_check;
DROP INDEX handoffs_sla_check;
DROP INDEX cases_sla_check;
DROP TABLE relationship_contacts;
DROP TABLE relationship_policies;
DROP TABLE service_targets;
DROP TABLE service_matrix;
