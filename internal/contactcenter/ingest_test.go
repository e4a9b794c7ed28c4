package contactcenter_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"anchor/internal/contactcenter"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// derived are the tables an import derives; dump reads them whole
// ("cc_events": the raw events and their keys, see storedEvents).
var derived = []string{"cc_queues", "cc_agent_aliases", "cc_events", "cc_contact_records", "cc_agent_sessions", "cc_rollups"}

// storedEvents lists the raw events as one line each (id and body), then
// their keys (time and hash), sorted: what is stored, whichever batches
// it was stored in.
func storedEvents(t *testing.T, db *store.DB) []string {
	t.Helper()
	var lines []string
	rows, err := db.Read.Query(`SELECT id, events, codec, bodies FROM cc_event_blocks`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, n, codec int64
		var bodies []byte
		if err := rows.Scan(&id, &n, &codec, &bodies); err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(string(bodies), "\n")
		if codec != 0 || int64(len(parts)) != n {
			t.Fatalf("block %d: codec %d, %d bodies for %d events", id, codec, len(parts), n)
		}
		for i, b := range parts {
			lines = append(lines, fmt.Sprintf("event %d %s", id+int64(i), b))
		}
	}
	rows.Close()
	rows, err = db.Read.Query(`SELECT hour, keys FROM cc_event_keys`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var hour int64
		var keys []byte
		if err := rows.Scan(&hour, &keys); err != nil {
			t.Fatal(err)
		}
		for i := 0; i+16 <= len(keys); i += 16 {
			at, hkey := int64(binary.BigEndian.Uint64(keys[i:])), int64(binary.BigEndian.Uint64(keys[i+8:]))
			if at/3600000 != hour {
				t.Fatalf("key at %d filed under hour %d", at, hour)
			}
			lines = append(lines, fmt.Sprintf("key %d %d", at, hkey))
		}
	}
	rows.Close()
	sortStrings(lines)
	return lines
}

// dump returns every row of the tables, each row as text, sorted, so two
// databases can be compared table by table.
func dump(t *testing.T, db *store.DB, tables ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range tables {
		if table == "cc_events" {
			out[table] = storedEvents(t, db)
			continue
		}
		rows, err := db.Read.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var sb strings.Builder
			for i, v := range vals {
				if cols[i] == "version" && table == "cc_streams" {
					continue // counts commits, which batch size changes
				}
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&sb, "%s=%v|", cols[i], v)
			}
			lines = append(lines, sb.String())
		}
		rows.Close()
		sortStrings(lines)
		out[table] = lines
	}
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func sameTables(t *testing.T, what string, got, want map[string][]string) {
	t.Helper()
	for table, w := range want {
		g := got[table]
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: table %s differs: %d rows, want %d", what, table, len(g), len(w))
			for i := 0; i < len(g) || i < len(w); i++ {
				var a, b string
				if i < len(g) {
					a = g[i]
				}
				if i < len(w) {
					b = w[i]
				}
				if a != b {
					t.Errorf("first difference:\n got %s\nwant %s", a, b)
					break
				}
			}
		}
	}
}

// fixedClock makes two databases set up one after the other agree on the
// times the setup writes.
func fixedClock(db *store.DB) {
	c := &storetest.Clock{T: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	db.Now = c.Now
}

// TestIdempotent imports day.log twice, then its database CSV export:
// nothing changes after the first import.
func TestIdempotent(t *testing.T) {
	for _, scheme := range []string{"siphash", "sha256"} {
		t.Run(scheme, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				w := newWorld(t, db)
				if scheme == "sha256" { // a database that stored queue_log events before SipHash keys
					if _, err := db.Write.Exec(`UPDATE cc_event_key_scheme SET scheme = 1, secret = ''`); err != nil {
						t.Fatal(err)
					}
				}
				w.importDay(t)
				before := dump(t, db, append(derived, "cc_import_files", "cc_streams", "cc_import_errors")...)
				rep := w.importDay(t)
				if rep.Events != 0 || rep.Lines != 0 || rep.Records != 0 {
					t.Fatalf("second import: %+v", rep)
				}
				sameTables(t, "after a second import", dump(t, db, append(derived, "cc_import_files", "cc_streams", "cc_import_errors")...), before)

				// The same events in the other form, read anew: every one is
				// found by its key.
				csvPath := filepath.Join(t.TempDir(), "export.csv")
				writeCSVExport(t, "testdata/day.log", csvPath)
				rep, err := w.svc.ImportQueueLog(context.Background(), []string{csvPath}, contactcenter.ImportOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Events != 0 || rep.Duplicates != 35 || rep.Malformed != 0 {
					t.Fatalf("CSV export of the same events: events %d duplicates %d malformed %d", rep.Events, rep.Duplicates, rep.Malformed)
				}
				sameTables(t, "after importing the CSV export", dump(t, db, derived...), withoutFiles(before))
			})
		})
	}
}

func withoutFiles(m map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, t := range derived {
		out[t] = m[t]
	}
	return out
}

// writeCSVExport writes a queue_log file as the realtime table's CSV
// export (time as a date, data1..data5), leaving out malformed lines.
func writeCSVExport(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("time,callid,queuename,agent,event,data1,data2,data3,data4,data5\n")
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 5 {
			continue
		}
		var sec int64
		fmt.Sscan(f[0], &sec)
		data := append(f[5:], "", "", "", "", "")[:5]
		fmt.Fprintf(&sb, "%s,%s,%s,%s,%s,%s\n", time.Unix(sec, 0).UTC().Format("2006-01-02 15:04:05"), f[1], f[2], f[3], f[4], strings.Join(data, ","))
	}
	if err := os.WriteFile(to, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBatchesAndFiles: cutting the import into batches of any size, or the
// log into two files imported one after the other (the stream state
// carries open calls and spans across), gives the same rows as one pass.
func TestBatchesAndFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		open := storetest.OpenSQLite
		if strings.HasSuffix(t.Name(), "postgres") {
			open = storetest.OpenPostgres
		}
		setup := func() (world, *store.DB) {
			db := open(t)
			fixedClock(db)
			return newWorld(t, db), db
		}
		w, db := setup()
		w.importDay(t)
		want := dump(t, db, derived...)
		wantStreams := dump(t, db, "cc_streams", "cc_import_files", "cc_import_errors")
		ids := func(m map[string][]string, w world) map[string][]string {
			// The users and the queue created by the setup have random ids.
			out := map[string][]string{}
			for k, rows := range m {
				for _, r := range rows {
					r = strings.ReplaceAll(r, w.alice, "ALICE")
					r = strings.ReplaceAll(r, w.bob, "BOB")
					r = strings.ReplaceAll(r, w.sales.ID, "SALES")
					r = strings.ReplaceAll(r, w.gold, "GOLD")
					r = strings.ReplaceAll(r, w.acme, "ACME")
					out[k] = append(out[k], r)
				}
				sortStrings(out[k])
			}
			return out
		}
		aliasIDs := func(m map[string][]string) map[string][]string {
			delete(m, "cc_agent_aliases") // SetAlias draws ids
			delete(m, "cc_queues")
			return m
		}
		want = aliasIDs(ids(want, w))
		for _, n := range []int{1, 4, 11} {
			w2, db2 := setup()
			if _, err := w2.svc.ImportQueueLog(context.Background(), []string{"testdata/day.log"}, contactcenter.ImportOptions{BatchLines: n}); err != nil {
				t.Fatal(err)
			}
			sameTables(t, fmt.Sprintf("batches of %d", n), aliasIDs(ids(dump(t, db2, derived...), w2)), want)
			sameTables(t, fmt.Sprintf("batches of %d", n), dump(t, db2, "cc_streams", "cc_import_files", "cc_import_errors"), wantStreams)
		}

		raw, _ := os.ReadFile("testdata/day.log")
		lines := strings.SplitAfter(string(raw), "\n")
		dir := t.TempDir()
		a, b := filepath.Join(dir, "queue_log.1"), filepath.Join(dir, "queue_log")
		os.WriteFile(a, []byte(strings.Join(lines[:17], "")), 0o644)
		os.WriteFile(b, []byte(strings.Join(lines[17:], "")), 0o644)
		w3, db3 := setup()
		for _, p := range []string{a, b} {
			rep, err := w3.svc.ImportQueueLog(context.Background(), []string{p}, contactcenter.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if p == a && rep.OpenCalls == 0 {
				t.Errorf("the first half should end with calls open: %+v", rep)
			}
		}
		sameTables(t, "two files", aliasIDs(ids(dump(t, db3, derived...), w3)), want)
	})
}

// TestRebuild: a rebuild of everything, and of one interval, writes back
// exactly what ingestion wrote; a changed threshold reaches the past only
// through a rebuild.
func TestRebuild(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		w.importDay(t)
		// Close the day with --final as well, so the flush marker is replayed.
		if _, err := w.svc.ImportQueueLog(ctx, []string{"testdata/day.log"}, contactcenter.ImportOptions{Final: true}); err != nil {
			t.Fatal(err)
		}
		want := dump(t, db, "cc_contact_records", "cc_agent_sessions", "cc_rollups")
		rep, err := w.svc.Rebuild(ctx, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Events != 35 || rep.Records != 10 || rep.Sessions != 12 {
			t.Errorf("rebuild report %+v", rep)
		}
		sameTables(t, "full rebuild", dump(t, db, "cc_contact_records", "cc_agent_sessions", "cc_rollups"), want)
		if _, err := w.svc.Rebuild(ctx, at(900), at(1000)); err != nil {
			t.Fatal(err)
		}
		sameTables(t, "rebuild of the second interval", dump(t, db, "cc_contact_records", "cc_agent_sessions", "cc_rollups"), want)

		// A 30 s service level makes c7 (25 s) count; the rollups change
		// only when rebuilt.
		thirty := 30
		if _, err := w.svc.UpdateQueue(ctx, w.sales.ID, contactcenter.QueueUpdate{ServiceLevelSeconds: &thirty, Version: w.sales.Version}); err != nil {
			t.Fatal(err)
		}
		got, _ := w.svc.Totals(ctx, contactcenter.RollupFilter{QueueID: w.sales.ID})
		if got.AnsweredWithinThreshold != 3 {
			t.Fatalf("before rebuild: %d within threshold", got.AnsweredWithinThreshold)
		}
		if _, err := w.svc.Rebuild(ctx, at(0), at(1800)); err != nil {
			t.Fatal(err)
		}
		got, _ = w.svc.Totals(ctx, contactcenter.RollupFilter{QueueID: w.sales.ID})
		if got.AnsweredWithinThreshold != 4 {
			t.Fatalf("after rebuild: %d within threshold, want 4", got.AnsweredWithinThreshold)
		}

		// Mapping Carol and rebuilding moves support's contact to her.
		carol, err := w.svc.SetAlias(ctx, contactcenter.AliasInput{Alias: "Carol", UserID: w.alice})
		if err != nil || carol.UserID != w.alice {
			t.Fatalf("map Carol: %+v %v", carol, err)
		}
		if _, err := w.svc.Rebuild(ctx, time.Time{}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		alice, _ := w.svc.Totals(ctx, contactcenter.RollupFilter{AgentID: w.alice})
		if alice.Handled != 4 {
			t.Errorf("Alice (now also Carol) handled %d, want 4", alice.Handled)
		}
		// The records and sessions are rewritten too, not only the rollups.
		var recs, spans int
		if err := db.Read.QueryRow(`SELECT COUNT(*) FROM cc_contact_records WHERE agent = 'Carol' AND agent_id = $1`, w.alice).Scan(&recs); err != nil || recs == 0 {
			t.Errorf("%d of Carol's records are Alice's after the rebuild, %v", recs, err)
		}
		if err := db.Read.QueryRow(`SELECT COUNT(*) FROM cc_agent_sessions WHERE agent = 'Carol' AND agent_id = $1`, w.alice).Scan(&spans); err != nil || spans == 0 {
			t.Errorf("%d of Carol's sessions are Alice's after the rebuild, %v", spans, err)
		}
	})
}

// TestHistory reads back the same weekday of past weeks for staffing.
func TestHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		w.importDay(t)
		// day.log is Tuesday 2023-11-14 22:15-22:35 UTC.
		days, err := w.svc.History(ctx, w.sales.ID, time.Tuesday, 2, time.Date(2023, 11, 21, 12, 0, 0, 0, time.UTC), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 2 || days[0].Date != "2023-11-14" || days[1].Date != "2023-11-07" || len(days[0].Intervals) != 96 {
			t.Fatalf("history days %+v", days)
		}
		iv := days[0].Intervals[89] // 22:15
		if !iv.Start.Equal(at(0)) || iv.Offered != 7 || iv.Handled != 3 || iv.HandleMS != 290*s || iv.AHT() != 96666*time.Millisecond {
			// c1 c2 c3 c4 c5 c6 c7 offered; c1 (70 s), c4 (150 s), c7 (70 s) handled.
			t.Errorf("22:15 interval %+v aht %v", iv, iv.AHT())
		}
		if n := days[1].Intervals[89].Offered; n != 0 {
			t.Errorf("a week earlier: %d offered", n)
		}
		if _, err := w.svc.History(ctx, w.sales.ID, time.Tuesday, 0, time.Now(), nil); err == nil {
			t.Error("0 weeks accepted")
		}
	})
}

// TestFollow tails a live file: lines are imported as they are appended,
// a half-written line waits for its end, and a rotation (the file renamed
// and a new one created) is followed.
func TestFollow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		raw, _ := os.ReadFile("testdata/day.log")
		lines := strings.SplitAfter(string(raw), "\n")
		path := filepath.Join(t.TempDir(), "queue_log")
		os.WriteFile(path, []byte(strings.Join(lines[:17], "")), 0o644)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		type result struct {
			rep contactcenter.ImportReport
			err error
		}
		done := make(chan result, 1)
		go func() {
			rep, err := w.svc.ImportQueueLog(ctx, []string{path}, contactcenter.ImportOptions{Follow: true, Poll: 10 * time.Millisecond})
			done <- result{rep, err}
		}()
		events := func() int {
			var n int
			if err := db.Read.QueryRow(`SELECT COALESCE(SUM(events), 0) FROM cc_event_blocks`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		waitFor := func(n int) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for events() != n {
				if time.Now().After(deadline) {
					t.Fatalf("%d events stored, want %d", events(), n)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		appendTo := func(p, s string) {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(s)
			f.Close()
		}
		waitFor(17)
		last := lines[35]
		appendTo(path, strings.Join(lines[17:35], "")+last[:10]) // line 36 half written
		waitFor(34)                                              // lines 18..35 less the junk line
		time.Sleep(50 * time.Millisecond)
		if n := events(); n != 34 {
			t.Fatalf("a half-written line was imported: %d events", n)
		}
		appendTo(path, last[10:])
		waitFor(35)
		os.Rename(path, path+".1")
		appendTo(path, "1700090000|MANAGER|sales|Alice|ADDMEMBER|\n1700090010|d1|sales|NONE|ENTERQUEUE||5551001|1\n1700090013|d1|sales|NONE|ABANDON|1|1|3\n1700090100|MANAGER|sales|Alice|REMOVEMEMBER|\n")
		waitFor(39) // (the abandon is released by the line after it)
		cancel()
		res := <-done
		if res.err != nil {
			t.Fatal(res.err)
		}
		if len(res.rep.Files) != 2 || res.rep.Events != 39 || res.rep.Malformed != 1 {
			t.Fatalf("follow report %+v", res.rep)
		}
		recs, _, err := w.svc.ContactRecords(context.Background(), contactcenter.RecordFilter{CallID: "d1"})
		if err != nil || len(recs) != 1 || recs[0].Outcome != "abandoned" {
			t.Fatalf("the rotated file's call: %+v %v", recs, err)
		}
	})
}

// TestEvents imports Anchor-schema events from CSV (a bad row is reported
// by its line) and from concurrent pushes to one source.
func TestEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		csv := "type,id,channel,queue,offered_at,answered_at,outcome,agent,talk_seconds,wrap_seconds,caller\n" +
			"contact,e1,email,Sales,2026-11-23T09:00:00Z,2026-11-23T10:00:00Z,answered,Alice,600,120,555 1001\n" +
			"contact,e2,email,Sales,2026-11-23T09:00:00Z,,answered,,,,\n" +
			"contact,e3,email,Sales,2026-11-23T09:05:00Z,,abandoned,,,,\n"
		er, err := contactcenter.NewEventReader(strings.NewReader(csv), "csv")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := w.svc.ImportEvents(ctx, er, contactcenter.EventImportOptions{Stream: "mail"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Received != 3 || rep.Imported != 2 || len(rep.Errors) != 1 || rep.Errors[0].Line != 3 || rep.Errors[0].Field != "agent" {
			t.Fatalf("CSV report %+v", rep)
		}
		// e1: waited an hour (answered_at − offered_at), 600 s talk, 120 s
		// wrap, from Acme (gold); e3 abandoned with no wait given: 0 s.
		tot, _ := w.svc.Totals(ctx, contactcenter.RollupFilter{Channel: "email"})
		want := contactcenter.Counts{Offered: 2, Answered: 1, Abandoned: 1, ShortAbandoned: 1, Handled: 1, WaitAnsweredMS: 3600 * s, TalkMS: 600 * s, WrapMS: 120 * s}
		if tot != want {
			t.Fatalf("email totals\n got %+v\nwant %+v", tot, want)
		}
		gold, _ := w.svc.Totals(ctx, contactcenter.RollupFilter{SegmentID: w.gold, QueueID: w.sales.ID})
		if gold.Handled != 1 {
			t.Errorf("e1 not in the gold segment: %+v", gold)
		}

		// Two pushes to one source at once: both land, in full.
		errc := make(chan error, 2)
		for p := range 2 {
			go func() {
				var lines []string
				for i := range 50 {
					lines = append(lines, fmt.Sprintf(`{"type":"contact","id":"p%d-%d","channel":"chat","queue":"Sales","offered_at":"2026-11-24T09:%02d:00Z","outcome":"abandoned"}`, p, i, i))
				}
				er, _ := contactcenter.NewEventReader(strings.NewReader(strings.Join(lines, "\n")), "")
				rep, err := w.svc.ImportEvents(ctx, er, contactcenter.EventImportOptions{Stream: "push", BatchSize: 7})
				if err == nil && rep.Imported != 50 {
					err = fmt.Errorf("imported %d of 50", rep.Imported)
				}
				errc <- err
			}()
		}
		for range 2 {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		chat, _ := w.svc.Totals(ctx, contactcenter.RollupFilter{Channel: "chat"})
		if chat.Offered != 100 {
			t.Fatalf("%d chat contacts, want 100", chat.Offered)
		}
	})
}

// TestEventsRebuild: Anchor-schema events without an id are told apart by
// their key, which is not stored with them but recomputed from the stored
// body; a rebuild must give back exactly what their import wrote, and a
// second import of the same lines must find every one stored.
func TestEventsRebuild(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		var lines []string
		for i := range 30 {
			lines = append(lines, fmt.Sprintf(`{"type":"contact","channel":"chat","queue":"Sales","offered_at":"2026-11-24T%02d:%02d:00Z","outcome":"abandoned","wait_seconds":%d}`, 8+i/10, i, i))
		}
		lines = append(lines, `{"type":"agent_state","agent":"Alice","state":"available","start":"2026-11-24T08:00:00Z","end":"2026-11-24T11:00:00Z"}`)
		body := strings.Join(lines, "\n")
		imp := func() contactcenter.EventReport {
			t.Helper()
			er, err := contactcenter.NewEventReader(strings.NewReader(body), "")
			if err != nil {
				t.Fatal(err)
			}
			rep, err := w.svc.ImportEvents(ctx, er, contactcenter.EventImportOptions{Stream: "chat", BatchSize: 8})
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		if rep := imp(); rep.Imported != 31 || len(rep.Errors) != 0 {
			t.Fatalf("first import: %+v", rep)
		}
		want := dump(t, db, derived...)
		if n := len(want["cc_contact_records"]); n != 30 {
			t.Fatalf("%d records, want 30", n)
		}
		if rep := imp(); rep.Imported != 0 || rep.Duplicates != 31 {
			t.Fatalf("second import: %+v", rep)
		}
		if _, err := w.svc.Rebuild(ctx, time.Time{}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		sameTables(t, "after a rebuild", dump(t, db, derived...), want)
	})
}

// TestExportOfLongLog: the database export of a log of several days,
// imported after the log itself in many batches, is found stored event
// by event, hour after hour (more hours than the key cache keeps), and
// changes nothing.
func TestExportOfLongLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		logPath := filepath.Join(t.TempDir(), "queue_log")
		f, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		st, err := contactcenter.GenerateQueueLog(f, contactcenter.DemoSpec{Days: 3, Queues: 2, Agents: 6, Seed: 7, Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		rep, err := w.svc.ImportQueueLog(ctx, []string{logPath}, contactcenter.ImportOptions{BatchLines: 700})
		if err != nil || rep.Events != st.Lines {
			t.Fatalf("pipe form: %d of %d events: %v", rep.Events, st.Lines, err)
		}
		before := dump(t, db, derived...)
		csvPath := filepath.Join(t.TempDir(), "export.csv")
		writeCSVExport(t, logPath, csvPath)
		rep, err = w.svc.ImportQueueLog(ctx, []string{csvPath}, contactcenter.ImportOptions{BatchLines: 700})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Events != 0 || rep.Duplicates != st.Lines || rep.Malformed != 0 {
			t.Fatalf("export: %d events, %d duplicates of %d lines, %d malformed", rep.Events, rep.Duplicates, st.Lines, rep.Malformed)
		}
		sameTables(t, "after importing the export", dump(t, db, derived...), before)
	})
}
