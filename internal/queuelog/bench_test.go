package queuelog_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"anchor/internal/queuelog"
)

// genLog writes n lines of a plausible day in a contact centre: calls that
// are answered after a missed ring, abandoned, or overflow to a second
// queue, and agents pausing for wrap-up and lunch.
func genLog(n int) []byte {
	var buf bytes.Buffer
	buf.Grow(n * 70)
	agents := []string{"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi"}
	lines := 0
	emit := func(ts int64, callid, queue, agent, kind, data string) {
		fmt.Fprintf(&buf, "%d|%s|%s|%s|%s|%s\n", ts, callid, queue, agent, kind, data)
		lines++
	}
	for _, a := range agents {
		emit(t0, "MANAGER", "sales", a, "ADDMEMBER", "")
		emit(t0, "MANAGER", "support", a, "ADDMEMBER", "")
	}
	ts := int64(t0)
	for i := 0; lines < n; i++ {
		ts += 3
		id := fmt.Sprintf("%d.%d", ts, i)
		a := agents[i%len(agents)]
		b := agents[(i+3)%len(agents)]
		switch i % 10 {
		case 0, 1, 2, 3, 4, 5:
			emit(ts, id, "sales", "NONE", "ENTERQUEUE", "|555"+id[len(id)-4:]+"|1")
			emit(ts+15, id, "sales", b, "RINGNOANSWER", "15000")
			emit(ts+20, id, "sales", a, "CONNECT", "20|"+id+"1|5")
			emit(ts+140, id, "sales", a, "COMPLETECALLER", "20|120|1")
			if i%3 == 0 {
				emit(ts+141, "NONE", "sales", a, "PAUSE", "Wrapup")
				emit(ts+170, "NONE", "sales", a, "UNPAUSE", "Wrapup")
			}
		case 6, 7:
			emit(ts, id, "sales", "NONE", "ENTERQUEUE", "|555|2")
			emit(ts+9, id, "sales", "NONE", "ABANDON", "2|2|9")
		case 8:
			emit(ts, id, "sales", "NONE", "ENTERQUEUE", "|555|3")
			emit(ts+60, id, "sales", "NONE", "EXITWITHTIMEOUT", "3|3|60")
			emit(ts+61, id, "support", "NONE", "ENTERQUEUE", "|555|1")
			emit(ts+64, id, "support", a, "CONNECT", "3|"+id+"1|2")
			emit(ts+364, id, "support", a, "BLINDTRANSFER", "2000|from-internal|3|300|1")
		case 9:
			emit(ts, "NONE", "NONE", a, "PAUSEALL", "")
			emit(ts, "NONE", "sales", a, "PAUSE", "lunch")
			emit(ts, "NONE", "support", a, "PAUSE", "lunch")
			emit(ts+1800, "NONE", "NONE", a, "UNPAUSEALL", "")
			emit(ts+1800, "NONE", "sales", a, "UNPAUSE", "lunch")
			emit(ts+1800, "NONE", "support", a, "UNPAUSE", "lunch")
		}
	}
	return buf.Bytes()
}

// BenchmarkParseBuild reads and builds a generated million-line log per
// iteration and reports the throughput in lines per second.
func BenchmarkParseBuild(b *testing.B) {
	data := genLog(1_000_000)
	lines := bytes.Count(data, []byte{'\n'})
	cfg := queuelog.Config{WrapUp: map[string]time.Duration{"sales": 10 * time.Second}, WrapUpPauseReasons: []string{"Wrapup"}}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var records int
	for b.Loop() {
		r := queuelog.NewReader(bytes.NewReader(data))
		bl := queuelog.NewBuilder(cfg)
		records = 0
		var last time.Time
		for {
			e, ok := r.Next()
			if !ok {
				break
			}
			last = e.Time
			bl.Add(e)
			c, _ := bl.Take()
			records += len(c)
		}
		bl.Flush(last)
		c, _ := bl.Take()
		records += len(c)
		if r.Malformed() != 0 {
			b.Fatalf("%d malformed lines", r.Malformed())
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(records), "records")
}

// BenchmarkKey measures the idempotency keys of a line: Key (hex of
// SHA-256), and the 64-bit ones an importer stores, KeyHash (SHA-256) and
// KeyHashWith (SipHash-2-4 under a database's secret).
func BenchmarkKey(b *testing.B) {
	e, err := queuelog.ParseLine("1700000000|1700000000.1|sales|Bob|COMPLETECALLER|20|120|1")
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range []struct {
		name string
		key  func()
	}{
		{"Key", func() { _ = e.Key() }},
		{"KeyHash", func() { _ = e.KeyHash() }},
		{"KeyHashWith", func() { _ = e.KeyHashWith(queuelog.HashKey{1, 2}) }},
	} {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				k.key()
			}
		})
	}
}

// BenchmarkParse reads a generated million-line log per iteration with a
// Reader, computing each event's idempotency key as an importer does, and
// reports lines per second: the parsing half of an import.
func BenchmarkParse(b *testing.B) {
	data := genLog(1_000_000)
	lines := bytes.Count(data, []byte{'\n'})
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := queuelog.NewReader(bytes.NewReader(data))
		for {
			e, ok := r.Next()
			if !ok {
				break
			}
			_ = e.Key()
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
