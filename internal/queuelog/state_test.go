package queuelog_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"anchor/internal/queuelog"
)

// TestResume cuts a generated log at many points, saves the Reader and
// Builder there, restores them and reads on: every cut must give exactly
// the records, spans and keys of one uninterrupted run.
func TestResume(t *testing.T) {
	data := genLog(3000)
	cfg := queuelog.Config{WrapUp: map[string]time.Duration{"sales": 10 * time.Second}, WrapUpPauseReasons: []string{"Wrapup"}}
	type out struct {
		keys     []string
		contacts []queuelog.ContactRecord
		sessions []queuelog.AgentSession
	}
	run := func(cut int) out {
		var o out
		r := queuelog.NewReader(bytes.NewReader(data))
		b := queuelog.NewBuilder(cfg)
		n := 0
		for {
			if n == cut {
				st := r.State()
				state, err := b.MarshalState()
				if err != nil {
					t.Fatal(err)
				}
				if r, err = queuelog.ResumeReader(bytes.NewReader(data[st.Offset:]), st); err != nil {
					t.Fatal(err)
				}
				if b, err = queuelog.RestoreBuilder(cfg, state); err != nil {
					t.Fatal(err)
				}
			}
			e, ok := r.Next()
			if !ok {
				break
			}
			n++
			o.keys = append(o.keys, e.Key())
			b.Add(e)
			c, s := b.Take()
			o.contacts = append(o.contacts, c...)
			o.sessions = append(o.sessions, s...)
		}
		b.Flush(b.Now())
		c, s := b.Take()
		o.contacts = append(o.contacts, c...)
		o.sessions = append(o.sessions, s...)
		return o
	}
	clean := run(-1)
	if len(clean.contacts) < 300 {
		t.Fatalf("only %d contacts", len(clean.contacts))
	}
	for _, cut := range []int{0, 1, 17, 500, 1234, 2999} {
		got := run(cut)
		if !reflect.DeepEqual(got.keys, clean.keys) {
			t.Errorf("cut at %d: keys differ", cut)
		}
		if !reflect.DeepEqual(norm(got.contacts), norm(clean.contacts)) {
			t.Errorf("cut at %d: contacts differ", cut)
		}
		if !reflect.DeepEqual(normS(got.sessions), normS(clean.sessions)) {
			t.Errorf("cut at %d: sessions differ", cut)
		}
	}
}

// norm drops monotonic clock readings and locations so that a restored
// time compares equal to the original instant.
func norm(cs []queuelog.ContactRecord) []queuelog.ContactRecord {
	out := append([]queuelog.ContactRecord(nil), cs...)
	for i := range out {
		for _, p := range []*time.Time{&out[i].OfferedAt, &out[i].AnsweredAt, &out[i].EndedAt} {
			if !p.IsZero() {
				*p = time.Unix(0, p.UnixNano()).UTC()
			}
		}
	}
	return out
}

func normS(ss []queuelog.AgentSession) []queuelog.AgentSession {
	out := append([]queuelog.AgentSession(nil), ss...)
	for i := range out {
		out[i].Start = time.Unix(0, out[i].Start.UnixNano()).UTC()
		out[i].End = time.Unix(0, out[i].End.UnixNano()).UTC()
	}
	return out
}
