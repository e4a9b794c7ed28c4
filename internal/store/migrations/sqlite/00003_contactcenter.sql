-- +goose Up
-- Contact-center events (Asterisk queue_log and Anchor's own event schema),
-- what is derived from them (contact records, agent sessions, 15-minute
-- rollups) and the import checkpoints that make ingestion crash-safe.
-- Times are BIGINT milliseconds since the epoch (UTC); durations are ms.

CREATE TABLE cc_queues (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE,
    -- The queue's name in queue_log (queues.conf); NULL for a queue fed only
    -- by other platforms.
    asterisk_name         TEXT UNIQUE,
    service_level_seconds INTEGER NOT NULL DEFAULT 20,
    short_abandon_seconds INTEGER NOT NULL DEFAULT 5,
    wrapup_seconds        INTEGER NOT NULL DEFAULT 0,
    -- Pause reasons that mean after-contact work, comma-separated.
    wrapup_reasons        TEXT NOT NULL DEFAULT '',
    -- Created by an import that met an unknown queue name.
    auto_created          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            BIGINT NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1
);

-- Agent names as the platforms log them (member name, interface such as
-- PJSIP/1001, Agent/1001, a chat login) and the Anchor user they are.
CREATE TABLE cc_agent_aliases (
    id           TEXT PRIMARY KEY,
    alias        TEXT NOT NULL UNIQUE,
    user_id      TEXT REFERENCES users(id),
    auto_created BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX cc_agent_aliases_user ON cc_agent_aliases(user_id);

-- One stream per event source (an Asterisk server, an integration): its
-- events are fed to one state machine in order. state is that machine's
-- open calls and spans, saved with every batch.
CREATE TABLE cc_streams (
    id       BIGINT PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    kind     TEXT NOT NULL,
    next_seq BIGINT NOT NULL DEFAULT 1,
    state    TEXT NOT NULL DEFAULT '',
    version  INTEGER NOT NULL DEFAULT 1
);

-- The raw events, append-only. id is stream id * 2^40 + sequence in the
-- stream: the order the stream's state machine saw them, which a rebuild
-- replays. (at, hkey) is the idempotency key: an event already stored is
-- never stored or counted again.
-- On SQLite INTEGER PRIMARY KEY makes id the rowid, so an import appends
-- to the table's b-tree: the cheapest insert SQLite has.
CREATE TABLE cc_events (
    id   INTEGER PRIMARY KEY,
    at   BIGINT NOT NULL,
    hkey BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE UNIQUE INDEX cc_events_key ON cc_events(at, hkey);

-- How far each input file of a stream has been imported. head identifies
-- the file by its first line, so a renamed or rotated file is recognised.
CREATE TABLE cc_import_files (
    stream_id    BIGINT NOT NULL,
    head         TEXT NOT NULL,
    path         TEXT NOT NULL,
    offset_bytes BIGINT NOT NULL,
    lines        BIGINT NOT NULL,
    events       BIGINT NOT NULL DEFAULT 0,
    duplicates   BIGINT NOT NULL DEFAULT 0,
    malformed    BIGINT NOT NULL DEFAULT 0,
    reader_state TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (stream_id, head)
);

CREATE TABLE cc_import_errors (
    stream_id BIGINT NOT NULL,
    head      TEXT NOT NULL,
    line      BIGINT NOT NULL,
    message   TEXT NOT NULL,
    PRIMARY KEY (stream_id, head, line)
);

-- One queue visit of one contact. The id begins with offered_at, so ids
-- sort by offer time and a time range is an id range. (WITHOUT ROWID on
-- SQLite: the id is the table's own key, one b-tree fewer per insert.)
CREATE TABLE cc_contact_records (
    id              TEXT PRIMARY KEY,
    stream_id       BIGINT NOT NULL,
    call_id         TEXT NOT NULL,
    visit           INTEGER NOT NULL,
    queue           TEXT NOT NULL,
    queue_id        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    caller          TEXT NOT NULL DEFAULT '',
    did             TEXT NOT NULL DEFAULT '',
    customer_id     TEXT NOT NULL DEFAULT '',
    segment_id      TEXT NOT NULL DEFAULT '',
    offered_at      BIGINT NOT NULL,
    answered_at     BIGINT,
    ended_at        BIGINT NOT NULL,
    wait_ms         BIGINT NOT NULL,
    talk_ms         BIGINT NOT NULL,
    hold_ms         BIGINT NOT NULL,
    acw_ms          BIGINT NOT NULL,
    acw_measured    BOOLEAN NOT NULL,
    outcome         TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    agent           TEXT NOT NULL DEFAULT '',
    agent_id        TEXT NOT NULL DEFAULT '',
    ring_attempts   INTEGER NOT NULL,
    unanswered      TEXT NOT NULL DEFAULT '',
    transfer_kind   TEXT NOT NULL DEFAULT '',
    transfer_target TEXT NOT NULL DEFAULT '',
    ended_by        TEXT NOT NULL DEFAULT '',
    exit_key        TEXT NOT NULL DEFAULT '',
    partial         BOOLEAN NOT NULL,
    truncated       BOOLEAN NOT NULL,
    first_event     BIGINT NOT NULL,
    last_event      BIGINT NOT NULL
) WITHOUT ROWID;
-- No secondary indexes: records are read by time range (an id range) and
-- filtered, and metrics read the rollups; each index would cost every
-- import a b-tree insert per record.

-- Agent spans: per queue logged_in and paused (with reason) as logged, and
-- per agent available / unavailable, which never overlap and which the
-- rollups' agent time is summed from. The id begins with start_at.
CREATE TABLE cc_agent_sessions (
    id        TEXT PRIMARY KEY,
    stream_id BIGINT NOT NULL,
    agent     TEXT NOT NULL,
    agent_id  TEXT NOT NULL DEFAULT '',
    queue     TEXT NOT NULL DEFAULT '',
    queue_id  TEXT NOT NULL DEFAULT '',
    kind      TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    start_at  BIGINT NOT NULL,
    end_at    BIGINT NOT NULL,
    partial   BOOLEAN NOT NULL,
    truncated BOOLEAN NOT NULL
) WITHOUT ROWID;
CREATE INDEX cc_agent_sessions_agent ON cc_agent_sessions(agent_id, id);

-- Sums per 15-minute interval x queue x agent x segment x channel ('' where
-- unknown or not applicable). Contact counts and handle times sit in the
-- interval the contact was offered; agent time is cut at interval edges and
-- sits in rows with queue_id = ''. Metrics over a period are SUMs of these.
CREATE TABLE cc_rollups (
    interval_start            BIGINT NOT NULL,
    queue_id                  TEXT NOT NULL DEFAULT '',
    agent_id                  TEXT NOT NULL DEFAULT '',
    segment_id                TEXT NOT NULL DEFAULT '',
    channel                   TEXT NOT NULL DEFAULT '',
    offered                   BIGINT NOT NULL DEFAULT 0,
    answered                  BIGINT NOT NULL DEFAULT 0,
    answered_within_threshold BIGINT NOT NULL DEFAULT 0,
    abandoned                 BIGINT NOT NULL DEFAULT 0,
    short_abandoned           BIGINT NOT NULL DEFAULT 0,
    other_exits               BIGINT NOT NULL DEFAULT 0,
    transferred               BIGINT NOT NULL DEFAULT 0,
    rejected                  BIGINT NOT NULL DEFAULT 0,
    handled                   BIGINT NOT NULL DEFAULT 0,
    wait_answered_ms          BIGINT NOT NULL DEFAULT 0,
    wait_abandoned_ms         BIGINT NOT NULL DEFAULT 0,
    talk_ms                   BIGINT NOT NULL DEFAULT 0,
    hold_ms                   BIGINT NOT NULL DEFAULT 0,
    wrap_ms                   BIGINT NOT NULL DEFAULT 0,
    logged_in_ms              BIGINT NOT NULL DEFAULT 0,
    available_ms              BIGINT NOT NULL DEFAULT 0,
    paused_ms                 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (interval_start, queue_id, agent_id, segment_id, channel)
) WITHOUT ROWID;
CREATE INDEX cc_rollups_queue ON cc_rollups(queue_id, interval_start);
CREATE INDEX cc_rollups_agent ON cc_rollups(agent_id, interval_start);

-- +goose Down
DROP TABLE cc_rollups;
DROP TABLE cc_agent_sessions;
DROP TABLE cc_contact_records;
DROP TABLE cc_import_errors;
DROP TABLE cc_import_files;
DROP TABLE cc_events;
DROP TABLE cc_streams;
DROP TABLE cc_agent_aliases;
DROP TABLE cc_queues;
