// Package reqlog gives every HTTP request an id and logs one line for it,
// the same way for the API and the web UI, so that an id a user reads off
// an error page or an API error body finds its line in the log.
package reqlog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Info is what the log line of a request says beyond the request itself.
// Handlers fill in UserID once they know who is asking.
type Info struct {
	ID     string
	UserID string
	Start  time.Time
}

type ctxKey struct{}

// From returns the request's Info, or nil outside Middleware.
func From(ctx context.Context) *Info {
	ri, _ := ctx.Value(ctxKey{}).(*Info)
	return ri
}

// ID returns the request's id, or "" outside Middleware.
func ID(ctx context.Context) string {
	if ri := From(ctx); ri != nil {
		return ri.ID
	}
	return ""
}

// Options shape the log line.
type Options struct {
	// Message is the log message ("request", "web request").
	Message string
	// TrustCallerID takes the caller's X-Request-Id when it is a sane one
	// (printable, at most 64 bytes), so that a client's id follows its
	// call; otherwise every request gets a random id.
	TrustCallerID bool
	// Quiet lists path prefixes logged at debug level (static assets), so
	// that a page view is one info line, not five.
	Quiet []string
}

// Middleware sets X-Request-Id and logs each request with its status, size,
// duration and user, at error level for a 5xx.
func Middleware(logger *slog.Logger, o Options) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ri := &Info{Start: time.Now()}
			if id := r.Header.Get("X-Request-Id"); o.TrustCallerID && len(id) > 0 && len(id) <= 64 &&
				!strings.ContainsFunc(id, func(c rune) bool { return c < '!' || c > '~' }) {
				ri.ID = id
			} else {
				var b [8]byte
				rand.Read(b[:]) //nolint:errcheck // crypto/rand does not fail on Linux
				ri.ID = hex.EncodeToString(b[:])
			}
			w.Header().Set("X-Request-Id", ri.ID)
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri)))
			level := slog.LevelInfo
			switch {
			case sw.status >= 500:
				level = slog.LevelError
			case quiet(r.URL.Path, o.Quiet):
				level = slog.LevelDebug
			}
			logger.LogAttrs(r.Context(), level, o.Message, slog.String("id", ri.ID), slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
				slog.Duration("took", time.Since(ri.Start)), slog.String("user", ri.UserID))
		})
	}
}

func quiet(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// statusWriter remembers the status and size of a response for its log line.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flushing the
// wallboard's event stream).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
