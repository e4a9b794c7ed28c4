// Package httpapi is Anchor's REST JSON API under /api/v1. It is thin: a
// handler decodes the request, calls a capability package and encodes the
// answer. Routes are declared once, in a table that both registers them and
// describes them in the OpenAPI document, so the two cannot drift apart.
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/departments"
	"anchor/internal/notify"
	"anchor/internal/reqlog"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/users"
)

// MaxBodyBytes bounds every request body: 1 MiB.
const MaxBodyBytes = 1 << 20

// Server serves the API.
type Server struct {
	DB          *store.DB
	Users       *users.Service
	Customers   *customers.Service
	Departments *departments.Service
	Cases       *cases.Service
	Levels      *servicelevel.Service
	Notify      *notify.Service
	Logger      *slog.Logger
	// Version is reported by /healthz.
	Version string

	routes []route
}

// New returns a Server over db with every capability wired.
func New(db *store.DB, logger *slog.Logger) *Server {
	levels := &servicelevel.Service{DB: db}
	notifier := &notify.Service{DB: db}
	cs := &cases.Service{DB: db, Levels: levels, Notifier: notifier}
	s := &Server{
		DB:          db,
		Users:       users.NewService(db),
		Customers:   &customers.Service{DB: db, OnSegmentChange: cs.CustomerSegmentChanged},
		Departments: &departments.Service{DB: db},
		Cases:       cs,
		Levels:      levels,
		Notify:      notifier,
		Logger:      logger,
		Version:     "dev",
	}
	s.routes = s.table()
	return s
}

// Roles used in the route table.
var (
	anyone      = []string(nil) // any signed-in user
	staff       = []string{users.RoleAdmin, users.RoleDirector, users.RoleSupervisor, users.RoleAgent}
	managers    = []string{users.RoleAdmin, users.RoleDirector}
	supervisors = []string{users.RoleAdmin, users.RoleDirector, users.RoleSupervisor}
	admins      = []string{users.RoleAdmin}
)

// handler does the work of one route: it returns the value to encode or an
// error to map to a status.
type handler func(r *http.Request, u users.User) (any, error)

// route is one endpoint: how it is reached, who may call it, what it takes
// and returns (for the OpenAPI document), and what it does.
type route struct {
	method, path string
	summary      string
	roles        []string
	status       int // on success; 200 when 0
	in, out      any // zero values of the request and response bodies, nil when none
	query        []param
	do           handler
}

// param is a query parameter a route accepts; any other is refused, so that
// a misspelt filter is an error rather than a silently unfiltered list.
type param struct {
	name, doc string
}

var pageParams = []param{{"cursor", "the next_cursor of the previous page"}, {"limit", "page size, 1-500 (default 50)"}}

// Handler returns the HTTP handler: /healthz without authentication, and
// every /api/v1 route behind a bearer token and its role check.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	for _, rt := range s.routes {
		mux.Handle(rt.method+" "+rt.path, s.authenticated(rt))
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.Logger, anchor.Errorf(anchor.ENotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return reqlog.Middleware(s.Logger, reqlog.Options{Message: "request", TrustCallerID: true})(s.recovered(mux))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Read.PingContext(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "database unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.Version, "database": string(s.DB.Dialect)})
}

// authenticated wraps a route with the bearer-token check, the role check,
// the query-parameter check and the body limit.
func (s *Server) authenticated(rt route) http.Handler {
	allowed := map[string]bool{}
	for _, p := range rt.query {
		allowed[p.name] = true
	}
	status := rt.status
	if status == 0 {
		status = http.StatusOK
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="anchor"`)
			writeError(w, r, s.Logger, anchor.Errorf(anchor.EUnauthorized, "send an API token: Authorization: Bearer <token>"))
			return
		}
		u, err := s.Users.UserByToken(r.Context(), strings.TrimSpace(token))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="anchor", error="invalid_token"`)
			writeError(w, r, s.Logger, err)
			return
		}
		if rt.roles != nil && !slices.Contains(rt.roles, u.Role) {
			writeError(w, r, s.Logger, anchor.Forbidden("the %s role may not %s %s", u.Role, rt.method, rt.path))
			return
		}
		for name := range r.URL.Query() {
			if !allowed[name] {
				writeError(w, r, s.Logger, anchor.Invalid(name, "unknown query parameter"))
				return
			}
		}
		if ri := reqlog.From(r.Context()); ri != nil {
			ri.UserID = u.ID
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		v, err := rt.do(r, u)
		if err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
		if e, ok := v.(interface{ etag() string }); ok {
			w.Header().Set("ETag", e.etag())
		}
		if raw, ok := v.(rawResponse); ok {
			w.Header().Set("Content-Type", raw.contentType)
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			w.Write(raw.body) //nolint:errcheck // the client went away
			return
		}
		writeJSON(w, status, v)
	})
}

// recovered turns a panic into a 500 with the error body, so that a bug in
// one handler never takes the server down or leaves a client hanging.
func (s *Server) recovered(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("panic", "error", fmt.Sprint(v), "path", r.URL.Path, "stack", string(debug.Stack()))
				writeError(w, r, s.Logger, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
