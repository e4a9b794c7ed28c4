-- +goose Up
-- The voice of the customer: survey programs, their invitations and answers,
-- and the feedback items agents capture on every contact. Times are BIGINT
-- milliseconds since the epoch (UTC). Answers and items carry a snapshot of
-- the cuts the metrics read (segment, account owner, agent, channel,
-- category, department) as they were when the customer spoke, so that a
-- later change of owner or segment does not rewrite last quarter's NPS.

-- The HMAC key that signs survey links: generated once by the first
-- instance that needs it and shared by all, so a link mailed by one
-- `anchor serve` is accepted by any other.
CREATE TABLE survey_keys (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A survey program: which survey a segment's customers get, and how often.
-- kind: csat (after a resolved case), nps (relationship, every
-- interval_days per contact), assessment (two open questions each month,
-- answered into a task for the account owner).
CREATE TABLE survey_programs (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    segment_id            TEXT NOT NULL REFERENCES segments(id),
    interval_days         INTEGER NOT NULL,
    delay_minutes         INTEGER NOT NULL DEFAULT 0,
    expires_days          INTEGER NOT NULL DEFAULT 14,
    -- A strongly negative comment (sentiment compound <= follow_up_below)
    -- from an account whose revenue is above follow_up_min_revenue opens a
    -- follow-up case for its owner; NULL turns follow-ups off.
    follow_up_min_revenue DOUBLE PRECISION,
    follow_up_below       DOUBLE PRECISION NOT NULL DEFAULT -0.5,
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    -- CSAT planning has looked at cases resolved up to here.
    planned_until         BIGINT NOT NULL DEFAULT 0,
    created_by            TEXT REFERENCES users(id),
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1
);
-- One active program of a kind per segment: two would survey twice.
CREATE UNIQUE INDEX survey_programs_active ON survey_programs(segment_id, kind) WHERE active;

-- One invitation to answer one survey, from planning to answer. status:
-- pending (due to be sent), sending (claimed by a sender), sent, answered,
-- skipped (decided not to send: reason says why), failed.
CREATE TABLE survey_invitations (
    id              TEXT PRIMARY KEY,
    program_id      TEXT NOT NULL REFERENCES survey_programs(id),
    kind            TEXT NOT NULL,
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    segment_id      TEXT NOT NULL,
    case_id         TEXT REFERENCES cases(id),
    contact_email   TEXT NOT NULL DEFAULT '',
    contact_name    TEXT NOT NULL DEFAULT '',
    period          TEXT NOT NULL DEFAULT '',
    -- csat:<case>, assessment:<customer>:<yyyy-mm>, nps:<customer>:<email>:<ms>:
    -- a second planner that races the first hits this and inserts nothing.
    dedupe_key      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    due_at          BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    claimed_by      TEXT,
    lease_until     BIGINT,
    -- Set just before the message is handed to SMTP: a sender that dies
    -- after this point may have sent it, so it is not retried.
    send_started_at BIGINT,
    sent_at         BIGINT,
    delivery        TEXT NOT NULL DEFAULT '',
    expires_at      BIGINT NOT NULL,
    answered_at     BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX survey_invitations_due ON survey_invitations(status, due_at);
CREATE INDEX survey_invitations_customer ON survey_invitations(customer_id, kind, due_at);
CREATE INDEX survey_invitations_case ON survey_invitations(case_id);
CREATE INDEX survey_invitations_program ON survey_invitations(program_id, id);

-- A customer's answer. score: csat 1-5, nps 0-10, NULL for an assessment.
-- comment: the CSAT comment, the NPS "why?", or the assessment's "how did
-- we serve you this month?"; next_month: the assessment's "what should we
-- do for you next month?". invitation_id is UNIQUE: a link answers once.
-- source: survey (the public page) or api (an integrator's raw answer).
CREATE TABLE survey_responses (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    score             INTEGER,
    comment           TEXT NOT NULL DEFAULT '',
    next_month        TEXT NOT NULL DEFAULT '',
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    segment_id        TEXT NOT NULL,
    owner_id          TEXT,
    case_id           TEXT REFERENCES cases(id),
    agent_id          TEXT,
    channel           TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL DEFAULT '',
    invitation_id     TEXT UNIQUE REFERENCES survey_invitations(id),
    program_id        TEXT REFERENCES survey_programs(id),
    source            TEXT NOT NULL,
    sentiment         DOUBLE PRECISION,
    follow_up_case_id TEXT REFERENCES cases(id),
    recorded_by       TEXT REFERENCES users(id),
    answered_at       BIGINT NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX survey_responses_kind ON survey_responses(kind, answered_at);
CREATE INDEX survey_responses_segment ON survey_responses(segment_id, kind, answered_at);
CREATE INDEX survey_responses_owner ON survey_responses(owner_id, kind, answered_at);
CREATE INDEX survey_responses_agent ON survey_responses(agent_id, kind, answered_at);
CREATE INDEX survey_responses_customer ON survey_responses(customer_id, answered_at);
CREATE INDEX survey_responses_case ON survey_responses(case_id);

-- What a customer said on a contact that matters beyond the case, routed
-- to the function it concerns (a department, or only a product area).
-- type: issue, opportunity, threat, praise, complaint, idea. status: new,
-- acknowledged, answered, closed. external copies the department's flag
-- at capture: items about an outside party count against that party.
CREATE TABLE feedback_items (
    id              TEXT PRIMARY KEY,
    type            TEXT NOT NULL,
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    segment_id      TEXT NOT NULL,
    owner_id        TEXT,
    case_id         TEXT REFERENCES cases(id),
    channel         TEXT NOT NULL DEFAULT '',
    category        TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL,
    department_id   TEXT REFERENCES departments(id),
    product_area    TEXT NOT NULL DEFAULT '',
    external        BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL,
    answer          TEXT NOT NULL DEFAULT '',
    resolution      TEXT NOT NULL DEFAULT '',
    implemented_at  BIGINT,
    sentiment       DOUBLE PRECISION,
    captured_by     TEXT REFERENCES users(id),
    captured_at     BIGINT NOT NULL,
    acknowledged_at BIGINT,
    answered_at     BIGINT,
    closed_at       BIGINT,
    updated_at      BIGINT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX feedback_items_inbox ON feedback_items(department_id, status, id);
CREATE INDEX feedback_items_type ON feedback_items(type, captured_at);
CREATE INDEX feedback_items_segment ON feedback_items(segment_id, type, captured_at);
CREATE INDEX feedback_items_captured_by ON feedback_items(captured_by, id);
CREATE INDEX feedback_items_owner ON feedback_items(owner_id, id);
CREATE INDEX feedback_items_customer ON feedback_items(customer_id, id);
CREATE INDEX feedback_items_case ON feedback_items(case_id);
CREATE INDEX feedback_items_implemented ON feedback_items(implemented_at) WHERE implemented_at IS NOT NULL;

-- The append-only history of a feedback item; seq orders the events of one
-- change, which share their time.
CREATE TABLE feedback_events (
    id       TEXT PRIMARY KEY,
    item_id  TEXT NOT NULL REFERENCES feedback_items(id),
    seq      INTEGER NOT NULL,
    type     TEXT NOT NULL,
    actor_id TEXT,
    at       BIGINT NOT NULL,
    data     TEXT NOT NULL DEFAULT '{}',
    UNIQUE (item_id, seq)
);

-- CSAT planning reads cases by the time they were resolved.
CREATE INDEX voice_cases_resolved ON cases(resolved_at) WHERE resolved_at IS NOT NULL;

-- +goose Down
DROP INDEX voice_cases_resolved;
DROP TABLE feedback_events;
DROP TABLE feedback_items;
DROP TABLE survey_responses;
DROP TABLE survey_invitations;
DROP TABLE survey_programs;
DROP TABLE survey_keys;
