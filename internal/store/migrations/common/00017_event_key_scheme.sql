-- +goose Up
-- How a database's queue_log events are keyed for duplicates (the hash in
-- cc_event_keys): scheme 1 is the first 64 bits of SHA-256, scheme 2
-- SipHash-2-4 under secret, 128 bits in hex, chosen at random. One row,
-- written by the first import that needs it: a database that stored
-- queue_log events before this table existed keeps scheme 1, whose keys
-- it holds; any other takes scheme 2, a fraction of the cost of SHA-256
-- per line and, keyed, as safe against lines made to collide.
CREATE TABLE cc_event_key_scheme (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    scheme  INTEGER NOT NULL,
    secret  TEXT NOT NULL DEFAULT ''
);

-- +goose Down
-- Going down forgets the secret: the keys stored under it can no longer be
-- matched, so a later import would store again events already stored.
-- Go down only with a database restored from before this migration.
DROP TABLE cc_event_key_scheme;
