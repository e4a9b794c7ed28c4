package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"anchor/internal/contactcenter"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/web"
)

// wallLog is a queue_log that ends mid-morning on Monday 2 March 2026:
// Ana (mapped to the fixture's agent) talking, Bo paused for a break, a
// call waiting in Sales since 09:58:00 and one answered and one abandoned
// earlier today.
const wallLog = `1772438400|MANAGER|sales|ana|ADDMEMBER|
1772438400|MANAGER|sales|bo|ADDMEMBER|
1772438410|a1|sales|NONE|ENTERQUEUE||5551001|1
1772438415|a1|sales|ana|CONNECT|5|a1-b|5
1772438500|a1|sales|ana|COMPLETECALLER|5|85|1
1772438600|a2|sales|NONE|ENTERQUEUE||5551002|1
1772438660|a2|sales|NONE|ABANDON|1|1|60
1772445000|NONE|sales|bo|PAUSE|Break
1772445400|a3|sales|NONE|ENTERQUEUE||5551003|1
1772445410|a3|sales|ana|CONNECT|10|a3-b|5
1772445480|a4|sales|NONE|ENTERQUEUE||5551004|1
`

// importWallLog loads wallLog and sets the clock to 10:00:00, two minutes
// after the last call joined the queue.
func importWallLog(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "queue_log")
	if err := os.WriteFile(path, []byte(wallLog), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.web.Contact.SetAlias(ctx, contactcenter.AliasInput{Alias: "ana", UserID: f.agent.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.web.Contact.ImportQueueLog(ctx, []string{path}, contactcenter.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1772445600, 0).UTC()
	f.db.Now = func() time.Time { return now }
}

// TestWallboard: the page shows the snapshot (no JavaScript needed), the
// stream sends the same snapshot as JSON, and only supervisors and up see
// either.
func TestWallboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		importWallLog(t, f)
		c := f.client(t)
		c.signIn(f.supervisor.Email)
		r := c.get("/wallboard")
		wantStatus(t, "wallboard", r, 200)
		// Sales: one waiting for 2:00, 1 of 2 answered within 20 s (the
		// abandon waited 60 s): 50% service level, 50% abandoned. Ana is
		// on a contact since 09:56:50, Bo paused (Break) since 09:50:00.
		wantBody(t, "wallboard", r, `<meta http-equiv="refresh" content="30">`, `data-stream="/wallboard/stream"`,
			`<th scope="row">sales</th><td class="num big">1</td>`, "2:00", "50% <span", "Ana Agent", "On a contact", "3:10",
			"bo", "Paused", "(Break)", "10:00", "Open work with departments")

		// The stream: its first frame is the same snapshot.
		req, _ := http.NewRequest("GET", f.ts.URL+"/wallboard/stream", nil)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := c.c.Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
			t.Fatalf("stream: status %d, content type %q", resp.StatusCode, ct)
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var data string
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				data = d
				break
			}
		}
		var snap struct {
			Queues []struct {
				Name        string
				Waiting     int
				Longest     int64
				SL, AB      *float64
				Avail, Busy int
				Paused      int
				SLStatus    string `json:"sl_status"`
			}
			Agents []struct {
				N, S, R string
				T       int64
			}
		}
		if err := json.Unmarshal([]byte(data), &snap); err != nil {
			t.Fatalf("stream frame %q: %v", data, err)
		}
		if len(snap.Queues) != 1 || snap.Queues[0].Waiting != 1 || snap.Queues[0].Longest != 120 || snap.Queues[0].SL == nil || *snap.Queues[0].SL != 0.5 ||
			snap.Queues[0].Busy != 1 || snap.Queues[0].Paused != 1 {
			t.Errorf("stream snapshot queues: %+v", snap.Queues)
		}
		if len(snap.Agents) != 2 || snap.Agents[0].N != "bo" || snap.Agents[0].R != "Break" || snap.Agents[0].T != 600 || snap.Agents[1].N != "Ana Agent" {
			t.Errorf("stream snapshot agents: %+v", snap.Agents)
		}
		cancel()

		for _, email := range []string{f.agent.Email, f.member.Email} {
			o := f.client(t)
			o.signIn(email)
			wantStatus(t, email+" wallboard", o.get("/wallboard"), http.StatusForbidden)
			wantStatus(t, email+" wallboard stream", o.get("/wallboard/stream"), http.StatusForbidden)
		}
	})
}

// BenchmarkWallboardSnapshot builds the wallboard's snapshot over a
// generated 500-agent contact center at 14:00 of a weekday: the morning's
// rollups and every agent and call open at that moment. One snapshot is
// built per tick for all open boards.
func BenchmarkWallboardSnapshot(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var db *store.DB
			if engine == "sqlite" {
				db = storetest.OpenSQLite(b)
			} else {
				db = storetest.OpenPostgres(b)
			}
			ctx := context.Background()
			var buf bytes.Buffer
			day := time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC)
			if _, err := contactcenter.GenerateQueueLog(&buf, contactcenter.DemoSpec{Start: day, Days: 1, Queues: 8, Agents: 500, Seed: 7}); err != nil {
				b.Fatal(err)
			}
			cut := day.Add(14 * time.Hour).Unix()
			var kept bytes.Buffer
			lines := 0
			for _, line := range bytes.SplitAfter(buf.Bytes(), []byte("\n")) {
				i := bytes.IndexByte(line, '|')
				if i < 0 {
					continue
				}
				if ts, err := strconv.ParseInt(string(line[:i]), 10, 64); err == nil && ts < cut {
					kept.Write(line)
					lines++
				}
			}
			path := filepath.Join(b.TempDir(), "queue_log")
			if err := os.WriteFile(path, kept.Bytes(), 0o644); err != nil {
				b.Fatal(err)
			}
			w := web.New(db, nil)
			w.Location = time.UTC
			if _, err := w.Contact.ImportQueueLog(ctx, []string{path}, contactcenter.ImportOptions{}); err != nil {
				b.Fatal(err)
			}
			now := time.Unix(cut, 0).UTC()
			db.Now = func() time.Time { return now }
			snap, err := w.WallboardJSON(ctx)
			if err != nil {
				b.Fatal(err)
			}
			var s struct {
				Agents []json.RawMessage
				Total  struct{ Waiting, Avail, Busy, Paused int }
			}
			if err := json.Unmarshal(snap, &s); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d lines to 14:00; %d agents logged in (%d available, %d on contact, %d paused), %d waiting; snapshot %d bytes",
				engine, lines, len(s.Agents), s.Total.Avail, s.Total.Busy, s.Total.Paused, s.Total.Waiting, len(snap))
			b.ResetTimer()
			for b.Loop() {
				if _, err := w.WallboardJSON(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
