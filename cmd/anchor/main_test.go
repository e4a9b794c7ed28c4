package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"anchor/internal/servicelevel"
	"anchor/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// syncBuffer is a bytes.Buffer safe for a server goroutine to write while
// the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func testEnv(stdin string, vars map[string]string) (*env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return &env{stdin: strings.NewReader(stdin), stdout: out, stderr: errb, getenv: func(k string) string { return vars[k] }}, out, errb
}

// TestCommands runs the first-admin path of a fresh install on each engine:
// user add, token create, serve, and a request with the token.
func TestCommands(t *testing.T) {
	dsns := map[string]string{"sqlite": filepath.Join(t.TempDir(), "anchor.db")}
	if pg := storetest.PostgresDSN(t); pg != "" {
		db := storetest.OpenPostgres(t) // a fresh schema for this test
		var schema string
		if err := db.Read.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		dsns["postgres"] = storetest.WithSearchPath(pg, schema)
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			vars := map[string]string{"ANCHOR_DB": dsn}

			e, out, _ := testEnv("", vars)
			if err := run(ctx, e, []string{"user", "add", "--email", "boss@example.com", "--name", "Boss", "--role", "admin"}); err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`password \(shown once\): \S{20}`).MatchString(out.String()) {
				t.Fatalf("no generated password printed: %q", out.String())
			}
			e, _, _ = testEnv("a very long password\n", vars)
			if err := run(ctx, e, []string{"user", "add", "--email", "ana@example.com", "--name", "Ana", "--role", "agent", "--password-stdin"}); err != nil {
				t.Fatal(err)
			}
			e, _, _ = testEnv("", vars)
			if err := run(ctx, e, []string{"user", "add", "--email", "x@example.com", "--name", "X", "--role", "emperor"}); err == nil || !strings.Contains(err.Error(), "role") {
				t.Fatalf("bad role: %v", err)
			}
			e, out, _ = testEnv("", vars)
			if err := run(ctx, e, []string{"token", "create", "--email", "boss@example.com"}); err != nil {
				t.Fatal(err)
			}
			token := strings.TrimSpace(out.String())
			if !strings.HasPrefix(token, "anc_") {
				t.Fatalf("token = %q", token)
			}

			sctx, cancel := context.WithCancel(ctx)
			e, out, _ = testEnv("", vars)
			done := make(chan error, 1)
			go func() { done <- run(sctx, e, []string{"serve", "--addr", "127.0.0.1:0"}) }()
			var url string
			for i := 0; i < 200 && url == ""; i++ {
				time.Sleep(25 * time.Millisecond)
				if m := regexp.MustCompile(`http://\S+`).FindString(out.String()); m != "" {
					url = m
				}
			}
			if url == "" {
				cancel()
				t.Fatalf("serve did not start: %v", <-done)
			}
			req, _ := http.NewRequest("GET", url+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var me map[string]any
			json.Unmarshal(body, &me)
			if res.StatusCode != 200 || me["email"] != "boss@example.com" {
				t.Fatalf("GET /me = %d %s", res.StatusCode, body)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("serve returned %v after shutdown", err)
			}
		})
	}
}

func TestDemo(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "demo.db")
	e, out, _ := testEnv("", map[string]string{"ANCHOR_ADDR": "127.0.0.1:9999"})
	if err := run(context.Background(), e, []string{"demo", "--small", "--db", dsn}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "60 customers, 240 cases, 0 calls") || !strings.Contains(out.String(), "anc_") ||
		!strings.Contains(out.String(), "'http://127.0.0.1:9999/api/v1/cases?status=active'") {
		t.Fatalf("demo output: %s", out.String())
	}
	e, out, _ = testEnv("", nil)
	if err := run(context.Background(), e, []string{"demo", "--small", "--db", dsn}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "not loaded") {
		t.Fatalf("second demo load: %s", out.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	e, _, errb := testEnv("", nil)
	if err := run(context.Background(), e, []string{"frobnicate"}); err == nil {
		t.Fatal("unknown command accepted")
	}
	if !strings.Contains(errb.String(), "serve") {
		t.Fatalf("usage not printed: %s", errb.String())
	}
}

func TestServiceMatrixCommand(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "anchor.db")
	ctx := context.Background()
	e, _, _ := testEnv("", nil)
	if err := run(ctx, e, []string{"demo", "--small", "--db", dsn}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "matrix.yaml")
	e, stdout, _ := testEnv("", nil)
	if err := run(ctx, e, []string{"servicematrix", "export", "--db", dsn, out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "written to") {
		t.Fatalf("export said %q", stdout.String())
	}
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"enterprise:", "retail:", "Finance:", "at_risk_share: 0.75"} {
		if !strings.Contains(string(doc), want) {
			t.Fatalf("exported matrix lacks %q:\n%s", want, doc)
		}
	}
	// Change a target, import, and see it exported back; then a bad one.
	m, err := servicelevel.ParseMatrix(doc)
	if err != nil {
		t.Fatal(err)
	}
	ent := m.Segments["enterprise"]
	ent.Priorities["urgent"] = servicelevel.Targets{FirstResponse: servicelevel.Duration(20 * time.Minute), Resolution: servicelevel.Duration(3 * time.Hour)}
	edited, _ := servicelevel.MatrixYAML(m)
	os.WriteFile(out, edited, 0o644)
	e, stdout, _ = testEnv("", nil)
	if err := run(ctx, e, []string{"servicematrix", "import", "--db", dsn, out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "version 2") {
		t.Fatalf("import said %q", stdout.String())
	}
	e, stdout, _ = testEnv("", nil)
	if err := run(ctx, e, []string{"servicematrix", "export", "--db", dsn, "-"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), `"first_response": "20m"`) {
		t.Fatalf("the imported target is not exported back:\n%s", stdout.String())
	}
	ent.Priorities["urgent"] = servicelevel.Targets{FirstResponse: servicelevel.Duration(-20 * time.Minute)}
	bad, _ := servicelevel.MatrixYAML(m)
	os.WriteFile(out, bad, 0o644)
	e, _, stderr := testEnv("", nil)
	if err := run(ctx, e, []string{"servicematrix", "import", "--db", dsn, out}); err == nil {
		t.Fatal("a negative target was imported")
	}
	if !strings.Contains(stderr.String(), "segments.enterprise.priorities.urgent.first_response: must not be negative") {
		t.Fatalf("problems not listed: %s", stderr.String())
	}
}

func TestReportScorecard(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "anchor.db")
	ctx := context.Background()
	e, _, _ := testEnv("", nil)
	if err := run(ctx, e, []string{"demo", "--small", "--db", dsn}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "scorecard.html")
	e, _, _ = testEnv("", nil)
	if err := run(ctx, e, []string{"report", "scorecard", "--db", dsn, "--out", out}); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The demo has a month of cases: first-contact resolution has a value.
	if !strings.Contains(string(html), "First-contact resolution") || !strings.Contains(string(html), "<svg") {
		t.Fatalf("scorecard HTML:\n%.2000s", html)
	}
	e, stdout, _ := testEnv("", nil)
	if err := run(ctx, e, []string{"report", "scorecard", "--db", dsn, "--format", "csv", "--week", "2026-W01"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "key,name,unit,value") {
		t.Fatalf("CSV: %.300s", stdout.String())
	}
	e, _, _ = testEnv("", nil)
	if err := run(ctx, e, []string{"report", "scorecard", "--db", dsn, "--format", "pdf"}); err == nil {
		t.Fatal("an unknown format was accepted")
	}
}
