// Package queuelog reads Asterisk queue_log files and builds from them the
// contact records and agent spans that Anchor's queue metrics (abandon_rate,
// service_level, asa, aht, availability, occupancy) are computed from.
//
// It is the pure core of "anchor import queue-log": no database, no clock.
// Reader turns lines into Events (file form or database CSV export),
// collecting malformed lines as LineErrors without stopping; Event.Key is
// the idempotency key an importer stores to make re-imports harmless;
// Event.Decode names each kind's data fields; Builder is the state machine
// that turns events, in order, into ContactRecords (one per queue visit)
// and AgentSessions (logged in, paused, available).
//
// # Layouts
//
// The data layouts follow apps/app_queue.c (ast_queue_log calls) and, for
// QUEUESTART and CONFIGRELOAD, main/logger.c. Each line is
//
//	epoch|callid|queue|agent|event|data...
//
// and the Kind constants give each event's data. Where releases differ:
//
//   - ENTERQUEUE: url|callerid|position; 1.2 and 1.4 write url|callerid.
//   - CONNECT: holdtime|bridgedchanneluniqueid|ringtime since 1.6; 1.2 and
//     early 1.4 write holdtime only.
//   - TRANSFER (up to 11): extension|context|holdtime|calltime|origposition;
//     1.4 omits origposition. Asterisk 12 replaced it with BLINDTRANSFER
//     (same layout) and ATTENDEDTRANSFER (BRIDGE|bridge, APP|app or
//     LINK|chan1|chan2, then holdtime|calltime|origposition).
//   - EXITWITHKEY: key|position|origposition|waittime; older: key|position.
//   - PAUSE/UNPAUSE: the reason since 1.8, empty before.
//   - AGENTLOGIN/AGENTLOGOFF: channel and channel|logintime, from chan_agent
//     before 12 and app_agent_pool after; chan_agent also wrote
//     AGENTCALLBACKLOGIN (exten@context) and AGENTCALLBACKLOGOFF
//     (exten@context|logintime|reason).
//   - RINGCANCELED and WITHDRAW exist only in newer releases.
//
// Every decoder reads what a line has and leaves the rest unset, so a
// shorter, older line decodes without error.
//
// # What a record means
//
// One ContactRecord per visit of a call to a queue: an overflow (ENTERQUEUE
// in A, EXITWITHTIMEOUT, ENTERQUEUE in B) is two records of one call. Wait
// and talk come from the holdtime, waittime and calltime Asterisk logs,
// falling back to timestamps. After-contact work is a wrap-up pause that
// the agent starts right after the call (Config.WrapUpPauseReasons, within
// Config.WrapUpPauseWithin), measured to its UNPAUSE, or else the queue's
// configured wrap-up (Config.WrapUp).
//
// A QUEUESTART means Asterisk restarted: whatever was open is closed at
// that moment, marked Truncated, since its own end will never be logged.
package queuelog
