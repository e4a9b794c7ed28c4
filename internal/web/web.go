// Package web is Anchor's server-rendered user interface.
package web

import (
	"log/slog"
	"net/http"

	"anchor/internal/store"
)

// Server serves the web UI.
type Server struct {
	DB     *store.DB
	Logger *slog.Logger
}

// New returns the web UI over db.
func New(db *store.DB, logger *slog.Logger) *Server { return &Server{DB: db, Logger: logger} }

// Handler returns the UI's handler; everything outside /api/ and /healthz.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("Anchor: the web UI is not built yet; the API is under /api/v1.\n")) //nolint:errcheck
	})
}
