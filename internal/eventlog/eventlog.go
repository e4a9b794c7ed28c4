// Package eventlog reads the append-only histories Anchor keeps of a case
// and of a feedback item. Each history is a table of events numbered per
// subject, each with its type, who did it, when, and a JSON document of the
// details; the histories differ only in the table and in the column that
// names the subject.
//
// Writing stays with the package that owns the subject: how the next number
// is taken safely depends on which row that package holds locked.
package eventlog

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"anchor/internal/store"
)

// Log is one history: its table, and the column holding the id of the
// subject each event is about. Both are spelled into SQL, so they are
// constants of the code, never input.
type Log struct {
	Table   string // "case_events"
	Subject string // "case_id"
}

// Event is one stored event. The packages that own a history give it to
// their callers under their own type, which names the subject ("case_id",
// "item_id").
type Event struct {
	ID        string
	SubjectID string
	Seq       int
	Type      string
	ActorID   string
	At        time.Time
	Data      json.RawMessage
}

// Read returns the events of one subject in order. It does not check that
// the subject exists: a subject without events has an empty history. Its
// errors are the database's; the caller says whose history it was reading.
func (l Log) Read(ctx context.Context, q store.Queryer, subjectID string) ([]Event, error) {
	out := []Event{}
	err := store.EachRow(ctx, q, `SELECT id, `+l.Subject+`, seq, type, COALESCE(actor_id, ''), at, data FROM `+l.Table+` WHERE `+l.Subject+` = $1 ORDER BY seq`,
		[]any{subjectID}, func(rows *sql.Rows) error {
			var e Event
			var at int64
			var data string
			if err := rows.Scan(&e.ID, &e.SubjectID, &e.Seq, &e.Type, &e.ActorID, &at, &data); err != nil {
				return err
			}
			e.At, e.Data = store.Time(at), json.RawMessage(data)
			out = append(out, e)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}
