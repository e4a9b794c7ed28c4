package contactcenter_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anchor/internal/contactcenter"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// BenchmarkImportSQLite imports a generated week of a 50-agent center
// (about 190k lines) into a fresh SQLite database per iteration: raw
// events, contact records, agent sessions and rollups, as `anchor import
// queue-log` does. It reports lines/s.
func BenchmarkImportSQLite(b *testing.B) { benchmarkImport(b, storetest.OpenSQLite) }

// BenchmarkImportPostgres is BenchmarkImportSQLite on PostgreSQL (records
// and sessions go with COPY).
func BenchmarkImportPostgres(b *testing.B) { benchmarkImport(b, storetest.OpenPostgres) }

func benchmarkImport(b *testing.B, open func(testing.TB) *store.DB) {
	path := filepath.Join(b.TempDir(), "queue_log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	st, err := contactcenter.GenerateQueueLog(f, contactcenter.DemoSpec{Days: 7, Queues: 3, Agents: 50, Seed: 1})
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		svc := &contactcenter.Service{DB: open(b)}
		b.StartTimer()
		rep, err := svc.ImportQueueLog(context.Background(), []string{path}, contactcenter.ImportOptions{})
		if err != nil || rep.Events != st.Lines {
			b.Fatalf("%d of %d events: %v", rep.Events, st.Lines, err)
		}
	}
	b.ReportMetric(float64(st.Lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkGenerate measures the synthetic log generator.
func BenchmarkGenerate(b *testing.B) {
	var buf bytes.Buffer
	var lines int64
	for b.Loop() {
		buf.Reset()
		st, err := contactcenter.GenerateQueueLog(&buf, contactcenter.DemoSpec{Days: 7, Queues: 3, Agents: 50, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		lines = st.Lines
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// FuzzEventReader feeds arbitrary bytes to the Anchor-schema reader in
// every format: it must never panic, and every event it accepts must be
// valid.
func FuzzEventReader(f *testing.F) {
	f.Add([]byte(`{"type":"contact","id":"1","channel":"chat","queue":"q","offered_at":"2026-11-23T09:00:00Z","outcome":"abandoned"}`))
	f.Add([]byte(`[{"type":"agent_state","agent":"a","state":"available","start":"2026-11-23T09:00:00Z","end":"2026-11-23T10:00:00Z"}]`))
	f.Add([]byte("type,channel,queue,offered_at,outcome,wait_seconds\ncontact,phone,q,2026-11-23T09:00:00Z,abandoned,3.5\n"))
	f.Add([]byte("{\"type\":\n[1,2"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []string{"", "jsonl", "json", "csv"} {
			er, err := contactcenter.NewEventReader(bytes.NewReader(data), format)
			if err != nil {
				continue
			}
			for n := 0; n < 10000; n++ {
				ev, _, perr, ok := er.Next()
				if !ok {
					break
				}
				if perr == nil {
					if err := ev.Validate(); err != nil {
						t.Fatalf("accepted an invalid event: %v", err)
					}
				}
			}
		}
	})
}

// TestGenerateShape checks the generator gives what the metrics need:
// reproducible bytes, answered and abandoned calls, overflows, pauses.
func TestGenerateShape(t *testing.T) {
	var a, b bytes.Buffer
	spec := contactcenter.DemoSpec{Days: 2, Queues: 2, Agents: 8, Seed: 42, Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}
	st, err := contactcenter.GenerateQueueLog(&a, spec)
	if err != nil {
		t.Fatal(err)
	}
	contactcenter.GenerateQueueLog(&b, spec)
	if a.String() != b.String() {
		t.Fatal("same seed, different log")
	}
	log := a.String()
	for _, kind := range []string{"|ENTERQUEUE|", "|CONNECT|", "|COMPLETECALLER|", "|COMPLETEAGENT|", "|ABANDON|", "|EXITWITHTIMEOUT|",
		"|RINGNOANSWER|", "|PAUSEALL|", "|PAUSE|Wrapup", "|ADDMEMBER|", "|REMOVEMEMBER|", "|BLINDTRANSFER|"} {
		if !strings.Contains(log, kind) {
			t.Errorf("no %s line", kind)
		}
	}
	if int64(strings.Count(log, "\n")) != st.Lines || st.Calls == 0 || st.Abandoned == 0 {
		t.Errorf("stats %+v", st)
	}
}
