-- +goose Up
-- Raw contact-center events are stored a batch at a time instead of a row
-- each: one row of cc_event_blocks holds the bodies of a run of a stream's
-- events (consecutive sequence numbers), and cc_event_keys holds their
-- idempotency keys grouped by hour of event time, which is how a
-- duplicate is looked for. A row per event with a unique index on
-- (at, hkey) cost an import a random b-tree insert per line; a block is a
-- few page writes per thousands of lines.

-- id is the first event's id (stream id * 2^40 + sequence); the block holds
-- events id .. id + events - 1. bodies is the events' stored forms, one a
-- line ('\n' never occurs in one), in sequence order; codec 0 is that text
-- as is.
CREATE TABLE cc_event_blocks (
    id     INTEGER PRIMARY KEY,
    events INTEGER NOT NULL,
    codec  INTEGER NOT NULL DEFAULT 0,
    bodies BLOB NOT NULL
);

-- The keys of a block's events that fall in one hour (hour = at / 3600000):
-- 16 bytes an event, its time in ms then its 64-bit hash, both big-endian.
-- max_at is the newest of them: an event newer than every stored one needs
-- no look-up.
CREATE TABLE cc_event_keys (
    hour     BIGINT NOT NULL,
    block_id BIGINT NOT NULL,
    max_at   BIGINT NOT NULL,
    keys     BLOB NOT NULL,
    PRIMARY KEY (hour, block_id)
);

-- Every stored event becomes a block of one.
INSERT INTO cc_event_blocks (id, events, codec, bodies)
    SELECT id, 1, 0, CAST(body AS BLOB) FROM cc_events;
INSERT INTO cc_event_keys (hour, block_id, max_at, keys)
    SELECT at / 3600000, id, at, unhex(printf('%016x%016x', at, hkey)) FROM cc_events;
DROP TABLE cc_events;

-- +goose Down
-- The per-event table comes back empty: a block's keys cannot be split back
-- into rows in SQL here, so going down loses the stored raw events (records,
-- sessions and rollups stay).
DROP TABLE cc_event_keys;
DROP TABLE cc_event_blocks;
CREATE TABLE cc_events (
    id   INTEGER PRIMARY KEY,
    at   BIGINT NOT NULL,
    hkey BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE UNIQUE INDEX cc_events_key ON cc_events(at, hkey);
