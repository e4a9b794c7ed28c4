// Package contactcenter takes in what really happened on the phone and on
// every other channel, and keeps what the queue metrics are computed from:
// queues and their thresholds, the alias table that says which Anchor user
// an agent name is, the raw events, one contact record per queue visit,
// agent sessions, and 15-minute interval rollups.
//
// # Sources and streams
//
// Events arrive from Asterisk queue_log files (ImportQueueLog, `anchor
// import queue-log`) and in Anchor's own schema (ImportEvents, `POST
// /api/v1/contact-events`, `anchor import events`; see Event). Each source
// is a stream: a name (the Asterisk server, the integration) whose events
// are fed, in the order they were read, to one queuelog.Builder.
//
// # Idempotent and crash-safe
//
// Every event is stored once, under its idempotency key (its time and a
// 64-bit hash of its fields and occurrence: SipHash-2-4 under a secret the
// database draws when it first stores queue_log events, or SHA-256 in a
// database that stored them before; see cc_event_key_scheme and
// queuelog.Event.KeyHashWith); an event already stored is skipped before
// it reaches the Builder, so
// importing a file twice, or the database export of a file already
// imported, changes nothing. Raw events are stored a batch at a time: one
// cc_event_blocks row holds the bodies of a run of a stream's events, and
// cc_event_keys rows hold their keys by hour of event time. An event newer
// than every stored one needs no look-up; an older one is looked for among
// the keys of its hour (keyCache). A file read to its end is a no-op before
// any look-up: its checkpoint says so.
//
// Imports run in batches. One transaction holds a batch's raw events, the
// contact records and agent sessions the Builder completed, their rollup
// increments, and the checkpoint: the file's byte offset and Reader state
// (line count, format, the recent-duplicate table) and the stream's Builder
// state (calls still in a queue or talking, records waiting for a possible
// wrap-up pause, agents' open spans, recent call ids). The Builder's state
// across batches is therefore not re-derived but saved: after kill -9 the
// next run restores the last committed state and reads on from that
// committed offset, and from there it sees exactly what a clean run saw,
// so it emits exactly the same rows. Ids of everything derived are computed
// from the data (timedID), never drawn at random, so the two databases are
// equal row for row. A file is recognised by its first line, not its path,
// so a renamed file resumes and a rotated one starts afresh.
//
// The reading, the Builder and the rollup sums run in the caller's
// goroutine while a writer goroutine commits the previous batch (SQLite has
// one writer). Bulk rows are multi-row INSERTs on SQLite and COPY on
// PostgreSQL (through a temporary table, to keep ON CONFLICT DO NOTHING).
//
// What is still open when an import ends stays open in the stream state,
// and the next import of the same stream (the next rotated file, or --follow)
// completes it; `--final` (ImportOptions.Final) instead closes everything at
// the last event, marked truncated, for a log that will not go on.
//
// # Rollups
//
// Each contact record adds to the row of the interval it was offered in,
// its queue, the agent who handled it, its customer's segment and its
// channel; each agent-level available or unavailable span adds its time,
// cut at interval edges, to rows with queue ”. Rows are incremented in the
// same transaction as the records, and Rebuild recomputes them from a
// replay of the stored events: both are the same sum of the same per-record
// contributions, so they are equal. The metric formulas of DESIGN.md are
// ratios of these sums (see Totals).
package contactcenter
