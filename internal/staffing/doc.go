// Package staffing plans how many agents a queue needs: Erlang C (callers
// wait for ever) and Erlang A (callers abandon after an exponential
// patience), the occupancy cap and shrinkage, interval plans from a
// forecast, the least-cost choice of shifts that covers a plan, and what-if
// scenarios side by side.
//
// Everything here is pure computation: functions take values and return
// values, with no clock, database or global state, so the HTTP layer and the
// CLI share one implementation and tests can pin every number.
//
// Units are a classic source of wrong staffing numbers (an AHT in minutes
// read as seconds, "80/20" read as an ASA of 20 s). The API therefore takes
// time.Duration for every duration, fractions in [0, 1] for every share, and
// rejects values that only make sense in another unit.
package staffing
