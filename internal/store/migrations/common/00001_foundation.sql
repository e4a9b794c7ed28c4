-- +goose Up
-- Times are BIGINT milliseconds since the epoch (UTC); durations are milliseconds.
CREATE TABLE segments (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE departments (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    external           BOOLEAN NOT NULL DEFAULT FALSE,
    accept_within_ms   BIGINT,
    complete_within_ms BIGINT,
    created_at         BIGINT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    department_id TEXT REFERENCES departments(id),
    supervisor_id TEXT REFERENCES users(id),
    password_hash TEXT NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    segment_id  TEXT NOT NULL REFERENCES segments(id),
    owner_id    TEXT REFERENCES users(id),
    external_id TEXT UNIQUE,
    revenue     DOUBLE PRECISION,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX customers_owner ON customers(owner_id);
CREATE INDEX customers_segment ON customers(segment_id);

CREATE TABLE customer_contacts (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX customer_contacts_customer ON customer_contacts(customer_id, position);
CREATE INDEX customer_contacts_email ON customer_contacts(email);

-- Every change of a customer's owner: the account transfer from sales to
-- customer service is one of them.
CREATE TABLE customer_owner_changes (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    from_owner  TEXT REFERENCES users(id),
    to_owner    TEXT REFERENCES users(id),
    changed_by  TEXT REFERENCES users(id),
    reason      TEXT NOT NULL DEFAULT '',
    changed_at  BIGINT NOT NULL
);
CREATE INDEX customer_owner_changes_customer ON customer_owner_changes(customer_id, changed_at);

CREATE TABLE cases (
    id                TEXT PRIMARY KEY,
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    subject           TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    channel           TEXT NOT NULL,
    category          TEXT NOT NULL DEFAULT '',
    priority          TEXT NOT NULL,
    owner_id          TEXT REFERENCES users(id),
    status            TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    first_response_at BIGINT,
    resolved_at       BIGINT,
    closed_at         BIGINT,
    reopen_count      INTEGER NOT NULL DEFAULT 0,
    contact_count     INTEGER NOT NULL DEFAULT 0,
    -- last_seq numbers the case's events; bumping it locks the case row, so
    -- that two writers never give two events the same number.
    last_seq          INTEGER NOT NULL DEFAULT 0,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX cases_owner_status ON cases(owner_id, status, id);
-- An agent's open work, the most read list of all.
CREATE INDEX cases_owner_active ON cases(owner_id, id) WHERE status IN ('new', 'open', 'pending_customer', 'pending_internal');
CREATE INDEX cases_customer ON cases(customer_id, id);
CREATE INDEX cases_status ON cases(status, id);
CREATE INDEX cases_category ON cases(category, id);

-- The append-only history of a case: current state is derived from it and
-- both are written in one transaction.
CREATE TABLE case_events (
    id       TEXT PRIMARY KEY,
    case_id  TEXT NOT NULL REFERENCES cases(id),
    seq      INTEGER NOT NULL,
    type     TEXT NOT NULL,
    actor_id TEXT,
    at       BIGINT NOT NULL,
    data     TEXT NOT NULL DEFAULT '{}',
    UNIQUE (case_id, seq)
);

CREATE TABLE case_contacts (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases(id),
    channel    TEXT NOT NULL,
    direction  TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT,
    agent_id   TEXT REFERENCES users(id),
    note       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX case_contacts_case ON case_contacts(case_id, started_at);

CREATE TABLE case_messages (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases(id),
    author_id  TEXT REFERENCES users(id),
    from_customer BOOLEAN NOT NULL DEFAULT FALSE,
    visibility TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX case_messages_case ON case_messages(case_id, created_at);

CREATE TABLE handoffs (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases(id),
    department_id TEXT NOT NULL REFERENCES departments(id),
    request       TEXT NOT NULL,
    status        TEXT NOT NULL,
    sent_by       TEXT REFERENCES users(id),
    sent_at       BIGINT NOT NULL,
    accept_due_at BIGINT,
    due_at        BIGINT NOT NULL,
    accepted_at   BIGINT,
    accepted_by   TEXT REFERENCES users(id),
    answer        TEXT NOT NULL DEFAULT '',
    answered_at   BIGINT,
    completed_at  BIGINT,
    returned_at   BIGINT,
    return_reason TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX handoffs_case ON handoffs(case_id);
CREATE INDEX handoffs_department ON handoffs(department_id, status, id);

CREATE TABLE callbacks (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases(id),
    owner_id     TEXT REFERENCES users(id),
    promised_by  TEXT REFERENCES users(id),
    phone        TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    window_start BIGINT NOT NULL,
    window_end   BIGINT NOT NULL,
    status       TEXT NOT NULL,
    made_at      BIGINT,
    made_by      TEXT REFERENCES users(id),
    outcome      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX callbacks_case ON callbacks(case_id);
CREATE INDEX callbacks_pending ON callbacks(status, window_start);

-- +goose Down
DROP TABLE callbacks;
DROP TABLE handoffs;
DROP TABLE case_messages;
DROP TABLE case_contacts;
DROP TABLE case_events;
DROP TABLE cases;
DROP TABLE customer_owner_changes;
DROP TABLE customer_contacts;
DROP TABLE customers;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE departments;
DROP TABLE segments;
