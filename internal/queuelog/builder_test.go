package queuelog_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"anchor/internal/queuelog"
)

type result struct {
	contacts []queuelog.ContactRecord
	sessions []queuelog.AgentSession
	stats    queuelog.Stats
}

// build feeds events to a Builder and flushes at flushAt (the last event's
// time when zero).
func build(t *testing.T, evs []queuelog.Event, cfg queuelog.Config, flushAt time.Time) result {
	t.Helper()
	b := queuelog.NewBuilder(cfg)
	var res result
	for _, e := range evs {
		b.Add(e)
		c, s := b.Take()
		res.contacts = append(res.contacts, c...)
		res.sessions = append(res.sessions, s...)
	}
	if flushAt.IsZero() && len(evs) > 0 {
		for _, e := range evs {
			if e.Time.After(flushAt) {
				flushAt = e.Time
			}
		}
	}
	b.Flush(flushAt)
	c, s := b.Take()
	res.contacts = append(res.contacts, c...)
	res.sessions = append(res.sessions, s...)
	res.stats = b.Stats()
	return res
}

func buildFile(t *testing.T, name string, cfg queuelog.Config, flushAt time.Time) result {
	t.Helper()
	evs, r := readAll(t, name, nil)
	if len(r.Errors()) > 0 {
		t.Fatalf("%s: %v", name, r.Errors())
	}
	return build(t, evs, cfg, flushAt)
}

func (r result) find(t *testing.T, callID string, visit int) queuelog.ContactRecord {
	t.Helper()
	var found []queuelog.ContactRecord
	for _, c := range r.contacts {
		if c.CallID == callID && c.Visit == visit {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d records for call %s visit %d, want 1; all: %+v", len(found), callID, visit, r.contacts)
	}
	return found[0]
}

func (r result) spans(agent string, kind queuelog.SessionKind) []queuelog.AgentSession {
	var out []queuelog.AgentSession
	for _, s := range r.sessions {
		if s.Agent == agent && s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

// want is the hand-computed part of a ContactRecord a test checks.
type want struct {
	call       string
	visit      int
	queue      string
	outcome    queuelog.Outcome
	offered    int64 // seconds after t0 (or the fixture's base)
	wait, talk time.Duration
	agent      string
	rings      int
	unanswered []string
	target     string
	ended      int64
	acw        time.Duration
}

func check(t *testing.T, res result, base int64, ws []want) {
	t.Helper()
	for _, w := range ws {
		t.Run(fmt.Sprintf("%s/%d", w.call, w.visit), func(t *testing.T) {
			c := res.find(t, w.call, w.visit)
			if c.Queue != w.queue || c.Outcome != w.outcome {
				t.Errorf("queue, outcome = %s, %s; want %s, %s", c.Queue, c.Outcome, w.queue, w.outcome)
			}
			if !c.OfferedAt.Equal(at(base + w.offered)) {
				t.Errorf("offered at %v, want %v", c.OfferedAt, at(base+w.offered))
			}
			if c.Wait != w.wait || c.Talk != w.talk {
				t.Errorf("wait, talk = %v, %v; want %v, %v", c.Wait, c.Talk, w.wait, w.talk)
			}
			if c.Agent != w.agent || c.RingAttempts != w.rings || !slices.Equal(c.Unanswered, w.unanswered) {
				t.Errorf("agent %q rings %d unanswered %v; want %q %d %v", c.Agent, c.RingAttempts, c.Unanswered, w.agent, w.rings, w.unanswered)
			}
			if c.TransferTarget != w.target {
				t.Errorf("transfer target %q, want %q", c.TransferTarget, w.target)
			}
			if w.ended != 0 && !c.EndedAt.Equal(at(base+w.ended)) {
				t.Errorf("ended at %v, want %v", c.EndedAt, at(base+w.ended))
			}
			if c.ACW != w.acw {
				t.Errorf("ACW = %v, want %v", c.ACW, w.acw)
			}
			if c.Outcome.Handled() && c.AnsweredAt.Sub(c.OfferedAt) != c.Wait && !c.Partial {
				t.Errorf("answered %v after offer, but wait %v", c.AnsweredAt.Sub(c.OfferedAt), c.Wait)
			}
		})
	}
}

const s = time.Second

func TestBuilderCalls(t *testing.T) {
	res := buildFile(t, "calls.log", queuelog.Config{}, time.Time{})
	if len(res.contacts) != 10 {
		t.Errorf("%d records, want 10", len(res.contacts))
	}
	check(t, res, t0, []want{
		{call: "1700000000.1", visit: 1, queue: "sales", outcome: queuelog.OutcomeAnswered, offered: 0,
			wait: 20 * s, talk: 120 * s, agent: "Bob", rings: 2, unanswered: []string{"Alice"}, ended: 140},
		// Overflow: timeout in sales, then answered in support: two visits.
		{call: "1700000000.2", visit: 1, queue: "sales", outcome: queuelog.OutcomeTimeout, offered: 5, wait: 60 * s, ended: 65},
		{call: "1700000000.2", visit: 2, queue: "support", outcome: queuelog.OutcomeAnswered, offered: 66,
			wait: 4 * s, talk: 300 * s, agent: "Carol", rings: 1, ended: 370},
		{call: "1700000000.3", visit: 1, queue: "sales", outcome: queuelog.OutcomeAbandoned, offered: 10, wait: 3 * s, ended: 13},
		{call: "1700000000.4", visit: 1, queue: "sales", outcome: queuelog.OutcomeExitKey, offered: 12, wait: 30 * s, ended: 42},
		{call: "1700000000.5", visit: 1, queue: "support", outcome: queuelog.OutcomeExitEmpty, offered: 20, wait: 8 * s, ended: 28},
		{call: "1700000000.6", visit: 1, queue: "support", outcome: queuelog.OutcomeWithdrawn, offered: 30, wait: 20 * s, ended: 50},
		{call: "1700000000.7", visit: 1, queue: "sales", outcome: queuelog.OutcomeRejected, offered: 60, ended: 60},
		{call: "1700000000.8", visit: 1, queue: "sales", outcome: queuelog.OutcomeRejected, offered: 61, ended: 61},
		{call: "1700000000.9", visit: 1, queue: "sales", outcome: queuelog.OutcomeRejected, offered: 62, ended: 62},
	})
	a := res.find(t, "1700000000.1", 1)
	if a.DID != "18005551000" || a.CallerID != "5551001" || a.EndedBy != "caller" || a.OrigPosition != 1 || a.Partial || a.Truncated {
		t.Errorf("call 1: %+v", a)
	}
	if a.FirstLine != 2 || a.LastLine != 21 {
		t.Errorf("call 1 lines %d..%d, want 2..21", a.FirstLine, a.LastLine)
	}
	b2 := res.find(t, "1700000000.2", 2)
	if b2.EndedBy != "agent" || b2.CallerID != "5551002" {
		t.Errorf("overflow visit 2: %+v", b2)
	}
	b1 := res.find(t, "1700000000.2", 1)
	if b1.Position != 2 || b1.OrigPosition != 2 {
		t.Errorf("timeout positions %d/%d, want 2/2", b1.Position, b1.OrigPosition)
	}
	d := res.find(t, "1700000000.4", 1)
	if d.ExitKey != "5" || d.Position != 1 || d.OrigPosition != 4 {
		t.Errorf("exit key record: %+v", d)
	}
	if r := res.find(t, "1700000000.7", 1); r.Reason != "FULL" {
		t.Errorf("rejected reason %q, want FULL", r.Reason)
	}
	if res.stats.Ignored != 1 {
		t.Errorf("ignored %d, want 1 (the custom INFO line)", res.stats.Ignored)
	}
}

func TestBuilderTransfers(t *testing.T) {
	res := buildFile(t, "transfers.log", queuelog.Config{}, time.Time{})
	const T = queuelog.OutcomeTransferred
	check(t, res, t0, []want{
		{call: "1700000100.1", visit: 1, queue: "sales", outcome: T, offered: 100, wait: 10 * s, talk: 90 * s,
			agent: "Alice", rings: 1, target: "2000@from-internal", ended: 200},
		{call: "1700000300.1", visit: 1, queue: "sales", outcome: T, offered: 300, wait: 2 * s, talk: 98 * s,
			agent: "Bob", rings: 1, target: "d3c1f0e2-bridge", ended: 400},
		{call: "1700000500.1", visit: 1, queue: "sales", outcome: T, offered: 500, wait: 3 * s, talk: 50 * s,
			agent: "Carol", rings: 1, target: "Voicemail", ended: 553},
		{call: "1700000600.1", visit: 1, queue: "support", outcome: T, offered: 600, wait: 5 * s, talk: 60 * s,
			agent: "Dave", rings: 1, target: "SIP/200-00000a1|SIP/300-00000a2", ended: 665},
		{call: "1700000700.1", visit: 1, queue: "support", outcome: T, offered: 700, wait: 7 * s, talk: 33 * s,
			agent: "Erin", rings: 1, target: "3000@default", ended: 740},
	})
	kinds := map[string]string{}
	for _, c := range res.contacts {
		kinds[c.CallID] = c.TransferKind
	}
	wantKinds := map[string]string{"1700000100.1": "blind", "1700000300.1": "bridge", "1700000500.1": "app",
		"1700000600.1": "link", "1700000700.1": "legacy"}
	for k, v := range wantKinds {
		if kinds[k] != v {
			t.Errorf("%s: transfer kind %q, want %q", k, kinds[k], v)
		}
	}
}

func TestBuilderRings(t *testing.T) {
	res := buildFile(t, "rings.log", queuelog.Config{}, time.Time{})
	check(t, res, t0, []want{
		{call: "1700001000.1", visit: 1, queue: "sales", outcome: queuelog.OutcomeAbandoned, offered: 1000,
			wait: 4 * s, rings: 1, unanswered: []string{"Alice"}, ended: 1004},
		// AGENTDUMP and RINGNOANSWER are two unanswered rings; CONNECT the third.
		{call: "1700001100.1", visit: 1, queue: "sales", outcome: queuelog.OutcomeAnswered, offered: 1100,
			wait: 16 * s, talk: 60 * s, agent: "Carol", rings: 3, unanswered: []string{"Bob", "Alice"}, ended: 1176},
		// SYSCOMPAT drops the call; Asterisk's ABANDON after it is the same end.
		{call: "1700001200.1", visit: 1, queue: "sales", outcome: queuelog.OutcomeDropped, offered: 1200,
			wait: 3 * s, agent: "Alice", ended: 1203},
	})
	if len(res.contacts) != 3 || res.stats.Duplicates != 1 {
		t.Errorf("%d records, %d duplicates; want 3, 1", len(res.contacts), res.stats.Duplicates)
	}
}

func TestBuilderAgents(t *testing.T) {
	res := buildFile(t, "agents.log", queuelog.Config{}, at(t0+4000))
	type span struct {
		queue      string
		reason     string
		start, end int64
	}
	got := func(agent string, kind queuelog.SessionKind) []span {
		var out []span
		for _, s := range res.spans(agent, kind) {
			out = append(out, span{s.Queue, s.Reason, s.Start.Unix() - t0, s.End.Unix() - t0})
		}
		slices.SortFunc(out, func(a, b span) int {
			if a.start != b.start {
				return int(a.start - b.start)
			}
			if a.queue < b.queue {
				return -1
			}
			return 1
		})
		return out
	}
	tests := []struct {
		agent string
		kind  queuelog.SessionKind
		want  []span
	}{
		{"Alice", queuelog.SessionLoggedIn, []span{{"sales", "", 0, 900}, {"support", "", 0, 1000}}},
		{"Alice", queuelog.SessionPaused, []span{
			{"sales", "lunch", 60, 120}, {"", "", 200, 500}, {"sales", "break", 200, 500}, {"support", "break", 200, 500}}},
		// Available while logged in and not paused everywhere: the lunch
		// pause in sales leaves support open; PAUSEALL closes it.
		{"Alice", queuelog.SessionAvailable, []span{{"", "", 0, 200}, {"", "", 500, 1000}}},
		{"Agent/1001", queuelog.SessionLoggedIn, []span{{"", "", 10, 3610}}},
		{"Agent/1001", queuelog.SessionAvailable, []span{{"", "", 10, 3610}}},
		// AGENTLOGOFF without its AGENTLOGIN: the span is rebuilt from logintime.
		{"Agent/1003", queuelog.SessionLoggedIn, []span{{"", "", 0, 100}}},
	}
	for _, tt := range tests {
		t.Run(tt.agent+"/"+string(tt.kind), func(t *testing.T) {
			if g := got(tt.agent, tt.kind); !slices.Equal(g, tt.want) {
				t.Errorf("got  %v\nwant %v", g, tt.want)
			}
		})
	}
	if p := res.spans("Agent/1003", queuelog.SessionLoggedIn); len(p) != 1 || !p[0].Partial {
		t.Errorf("rebuilt login span not marked partial: %+v", p)
	}
	paused := queuelog.Coverage(res.spans("Alice", queuelog.SessionPaused), time.Time{}, time.Time{})
	logged := queuelog.Coverage(res.spans("Alice", queuelog.SessionLoggedIn), time.Time{}, time.Time{})
	if paused != 360*s || logged != 1000*s {
		t.Errorf("Alice paused %v logged in %v, want 6m0s and 16m40s", paused, logged)
	}
	if got := queuelog.Coverage(res.spans("Alice", queuelog.SessionPaused), at(t0+100), at(t0+300)); got != 120*s {
		t.Errorf("clipped coverage %v, want 2m0s (20s lunch + 100s break)", got)
	}
	if res.stats.UnmatchedUnpause != 1 || res.stats.Ignored != 2 {
		t.Errorf("stats %+v, want 1 unmatched unpause and 2 ignored (PENALTY, RINGINUSE)", res.stats)
	}
}

func TestBuilderWrapUp(t *testing.T) {
	cfg := queuelog.Config{
		WrapUp:             map[string]time.Duration{"sales": 15 * s},
		WrapUpPauseReasons: []string{"Wrapup"},
	}
	res := buildFile(t, "acw.log", cfg, time.Time{})
	tests := []struct {
		call     string
		acw      time.Duration
		measured bool
	}{
		{"1700000000.1", 30 * s, true},  // PAUSE Wrapup 2s after, UNPAUSE 30s later
		{"1700000100.1", 15 * s, false}, // no pause: the queue's wrap-up time
		{"1700000200.1", 15 * s, false}, // a lunch pause is not wrap-up
		{"1700000330.1", 0, false},      // wrap-up pause 30s later: too late; support has none configured
		{"1700000495.1", 21 * s, true},  // pause logged a second before the completion still counts
		{"1700000600.1", 28 * s, true},
		{"1700000680.1", 0, false}, // abandoned: no after-contact work
	}
	for _, tt := range tests {
		c := res.find(t, tt.call, 1)
		if c.ACW != tt.acw || c.ACWMeasured != tt.measured {
			t.Errorf("%s: ACW %v measured %v, want %v %v", tt.call, c.ACW, c.ACWMeasured, tt.acw, tt.measured)
		}
	}
}

func TestBuilderRestart(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		res := buildFile(t, "restart.log", queuelog.Config{}, at(t0+100))
		check(t, res, t0, []want{
			{call: "1700000000.1", visit: 1, queue: "sales", outcome: queuelog.OutcomeUnknown, offered: 0, wait: 50 * s, ended: 50},
			{call: "1700000001.1", visit: 1, queue: "sales", outcome: queuelog.OutcomeAnswered, offered: 1,
				wait: 4 * s, talk: 45 * s, agent: "Alice", rings: 1, ended: 50},
			{call: "1700000060.1", visit: 1, queue: "sales", outcome: queuelog.OutcomeAbandoned, offered: 60, wait: 2 * s, ended: 62},
		})
		for _, id := range []string{"1700000000.1", "1700000001.1"} {
			if !res.find(t, id, 1).Truncated {
				t.Errorf("%s: not marked truncated", id)
			}
		}
		li := res.spans("Alice", queuelog.SessionLoggedIn)
		if len(li) != 1 || li[0].End.Unix() != t0+50 || !li[0].Truncated {
			t.Errorf("login spans %+v, want one closed at the QUEUESTART", li)
		}
		if res.stats.Restarts != 2 || res.stats.Ignored != 1 {
			t.Errorf("stats %+v", res.stats)
		}
	})
	t.Run("PersistentMembers", func(t *testing.T) {
		res := buildFile(t, "restart.log", queuelog.Config{PersistentMembers: true}, at(t0+100))
		li := res.spans("Alice", queuelog.SessionLoggedIn)
		if got := queuelog.Coverage(li, time.Time{}, time.Time{}); got != 100*s || len(li) != 3 {
			t.Errorf("logged in %v in %d spans, want 1m40s in 3 (split at each QUEUESTART)", got, len(li))
		}
	})
}

func TestBuilderDisorder(t *testing.T) {
	res := buildFile(t, "disorder.log", queuelog.Config{}, time.Time{})
	check(t, res, t0, []want{
		// CONNECT sorted before its ENTERQUEUE in the same second: merged.
		{call: "1700000010.1", visit: 1, queue: "sales", outcome: queuelog.OutcomeAnswered, offered: 10,
			wait: 0, talk: 60 * s, agent: "Alice", rings: 1, ended: 70},
		// ABANDON stamped a second before ENTERQUEUE: no negative wait.
		{call: "1700000020.1", visit: 1, queue: "sales", outcome: queuelog.OutcomeAbandoned, offered: 20, wait: 0, ended: 20},
		{call: "1700000030.1", visit: 1, queue: "sales", outcome: queuelog.OutcomeAbandoned, offered: 30, wait: 0, ended: 30},
		// The log began mid-call: offered and answered rebuilt from hold and call time.
		{call: "1699999950.1", visit: 1, queue: "sales", outcome: queuelog.OutcomeAnswered, offered: -50,
			wait: 30 * s, talk: 120 * s, agent: "Bob", rings: 1, ended: 100},
	})
	for _, id := range []string{"1700000010.1", "1700000030.1"} {
		if c := res.find(t, id, 1); c.Partial || c.CallerID == "" {
			t.Errorf("%s: merged record still partial or lacks caller id: %+v", id, c)
		}
	}
	if c := res.find(t, "1699999950.1", 1); !c.Partial || !c.AnsweredAt.Equal(at(t0-20)) {
		t.Errorf("mid-call record: %+v", c)
	}
	want := queuelog.Stats{Events: 9, Orphans: 1, Merged: 2, Duplicates: 1}
	if res.stats != want {
		t.Errorf("stats %+v, want %+v", res.stats, want)
	}
}

func TestBuilderOldLayouts(t *testing.T) {
	const t1 = 1200000000
	res := buildFile(t, "old14.log", queuelog.Config{}, at(t1+5000))
	check(t, res, t1, []want{
		{call: "1200000000.11", visit: 1, queue: "support", outcome: queuelog.OutcomeAnswered, offered: 0,
			wait: 12 * s, talk: 200 * s, agent: "SIP/100-08a1c2d0", rings: 1, ended: 212},
		{call: "1200000300.12", visit: 1, queue: "support", outcome: queuelog.OutcomeTransferred, offered: 300,
			wait: 5 * s, talk: 30 * s, agent: "Agent/100", rings: 1, target: "100@default", ended: 335},
		{call: "1200000400.14", visit: 1, queue: "support", outcome: queuelog.OutcomeExitKey, offered: 400,
			wait: 10 * s, ended: 410},
	})
	if c := res.find(t, "1200000000.11", 1); c.CallerID != "5557001" {
		t.Errorf("caller id %q from the two-field ENTERQUEUE", c.CallerID)
	}
	li := res.spans("Agent/100", queuelog.SessionLoggedIn)
	if len(li) != 1 || li[0].Duration() != time.Hour {
		t.Errorf("callback login spans %+v, want one hour", li)
	}
	p := res.spans("SIP/100", queuelog.SessionPaused)
	if len(p) != 1 || p[0].Duration() != time.Minute || p[0].Queue != "support" {
		t.Errorf("pre-1.8 pause spans %+v", p)
	}
}

func TestBuilderFractionalTime(t *testing.T) {
	res := buildFile(t, "frac.log", queuelog.Config{}, time.Time{})
	c := res.find(t, "1700000000.1", 1)
	if !c.OfferedAt.Equal(time.Unix(t0, 250e6)) || c.Wait != 12*s || c.Talk != 60*s {
		t.Errorf("record %+v", c)
	}
}

// TestEveryKind makes sure the fixtures exercise every event kind the
// requirement lists.
func TestEveryKind(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range []string{"calls.log", "transfers.log", "rings.log", "agents.log", "acw.log",
		"restart.log", "disorder.log", "old14.log"} {
		evs, _ := readAll(t, name, nil)
		for _, e := range evs {
			seen[e.Kind] = true
		}
	}
	for _, k := range []string{
		queuelog.KindEnterQueue, queuelog.KindConnect, queuelog.KindCompleteAgent, queuelog.KindCompleteCaller,
		queuelog.KindAbandon, queuelog.KindExitWithTimeout, queuelog.KindExitWithKey, queuelog.KindExitEmpty,
		queuelog.KindWithdraw, queuelog.KindRingNoAnswer, queuelog.KindRingCanceled, queuelog.KindBlindTransfer,
		queuelog.KindAttendedTransfer, queuelog.KindTransfer, queuelog.KindAgentDump, queuelog.KindSysCompat,
		queuelog.KindAddMember, queuelog.KindRemoveMember, queuelog.KindPause, queuelog.KindUnpause,
		queuelog.KindPauseAll, queuelog.KindUnpauseAll, queuelog.KindAgentLogin, queuelog.KindAgentLogoff,
		queuelog.KindAgentCallbackLogin, queuelog.KindAgentCallbackLogoff, queuelog.KindQueueStart,
		queuelog.KindConfigReload, queuelog.KindFull, queuelog.KindJoinEmpty, queuelog.KindClosed, queuelog.KindDID,
		queuelog.KindPenalty, queuelog.KindRingInUse,
	} {
		if !seen[k] {
			t.Errorf("no fixture line for %s", k)
		}
	}
}
