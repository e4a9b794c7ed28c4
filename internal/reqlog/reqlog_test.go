package reqlog

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMiddleware(t *testing.T) {
	tests := []struct {
		name       string
		opt        Options
		path       string
		callerID   string
		wantLevel  string // "" when nothing is logged at info
		wantStatus int
		wantOwnID  bool // the response carries the caller's id
	}{
		{"api request keeps a sane caller id", Options{Message: "request", TrustCallerID: true}, "/api/v1/cases", "abc-123", "INFO", 200, true},
		{"a caller id with spaces is replaced", Options{Message: "request", TrustCallerID: true}, "/api/v1/cases", "a b", "INFO", 200, false},
		{"an untrusting middleware ignores it", Options{Message: "web request"}, "/cases", "abc-123", "INFO", 200, false},
		{"a 5xx is an error line", Options{Message: "request"}, "/fail", "", "ERROR", 500, false},
		{"assets are quiet", Options{Message: "web request", Quiet: []string{"/static/"}}, "/static/app.css", "", "", 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			var seenID string
			h := Middleware(logger, tt.opt)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				From(r.Context()).UserID = "u1"
				seenID = ID(r.Context())
				if r.URL.Path == "/fail" {
					http.Error(w, "boom", http.StatusInternalServerError)
					return
				}
				w.Write([]byte("hello")) //nolint:errcheck
			}))
			srv := httptest.NewServer(h)
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
			if tt.callerID != "" {
				req.Header.Set("X-Request-Id", tt.callerID)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("X-Request-Id")
			if got == "" || got != seenID {
				t.Fatalf("response id %q, handler saw %q", got, seenID)
			}
			if (got == tt.callerID) != tt.wantOwnID {
				t.Fatalf("response id %q, caller sent %q", got, tt.callerID)
			}
			if tt.wantLevel == "" {
				if logs.Len() != 0 {
					t.Fatalf("logged %s", logs.String())
				}
				return
			}
			var line map[string]any
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("log %q: %v", logs.String(), err)
			}
			want := map[string]any{"level": tt.wantLevel, "msg": tt.opt.Message, "id": got, "path": tt.path, "status": float64(tt.wantStatus), "user": "u1", "method": "GET"}
			for k, v := range want {
				if line[k] != v {
					t.Errorf("log %s = %v, want %v (%s)", k, line[k], v, strings.TrimSpace(logs.String()))
				}
			}
			if tt.wantStatus == 200 && line["bytes"] != float64(5) {
				t.Errorf("log bytes = %v, want 5", line["bytes"])
			}
		})
	}
}
