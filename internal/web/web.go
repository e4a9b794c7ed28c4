// Package web is Anchor's server-rendered user interface: html/template
// pages over the same capability packages the API uses, with the templates
// and the one CSS file embedded in the binary (no CDN: it works offline).
//
// Pages work without JavaScript: every action is a plain form that posts
// and redirects (post/redirect/get). Sign-in keeps a session cookie whose
// data lives in the shared database (scs with a store of our own), so any
// instance behind a load balancer serves any request. Cross-site form posts
// are refused by net/http.CrossOriginProtection, which reads the browser's
// Sec-Fetch-Site and Origin headers: there are no tokens to thread through
// forms.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/alexedwards/scs/v2"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/contactcenter"
	"anchor/internal/customers"
	"anchor/internal/departments"
	"anchor/internal/feedback"
	"anchor/internal/metrics"
	"anchor/internal/notify"
	"anchor/internal/qa"
	"anchor/internal/reqlog"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/surveys"
	"anchor/internal/users"
)

//go:embed templates/*.html static/*
var content embed.FS

// Server serves the web UI.
type Server struct {
	DB          *store.DB
	Logger      *slog.Logger
	Users       *users.Service
	Customers   *customers.Service
	Departments *departments.Service
	Cases       *cases.Service
	// Levels is the service matrix and the calendars; Notify the
	// notifications and webhooks. Cases uses both, as in the API, so that
	// a change made here computes and escalates clocks exactly as there.
	Levels *servicelevel.Service
	Notify *notify.Service
	// Sessions keeps sign-ins in the database (table web_sessions).
	Sessions *scs.SessionManager
	// Location is the time zone times are shown and typed in: "today" for
	// callbacks is a day in this zone. Storage stays UTC.
	Location *time.Location
	// Lockout is the sign-in backoff policy.
	Lockout Lockout
	// The capabilities the later screens show: the contact center (the
	// wallboard, queues and aliases), metrics (the scorecard), QA, and
	// the customer's voice (surveys and feedback items).
	Contact  *contactcenter.Service
	Metrics  *metrics.Service
	QA       *qa.Service
	Surveys  *surveys.Service
	Feedback *feedback.Service
	// WallboardEvery is how often the wallboard's snapshot is rebuilt
	// while someone watches it.
	WallboardEvery time.Duration

	wallboard *wallboardHub

	pages  map[string]*template.Template
	static http.Handler
}

// New returns the web UI over db. It parses every template now, so that a
// broken template stops the start rather than a page view; it panics then,
// since the templates are compiled into the binary and only a bug breaks them.
func New(db *store.DB, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	levels := &servicelevel.Service{DB: db}
	notifier := &notify.Service{DB: db}
	cs := &cases.Service{DB: db, Levels: levels, Notifier: notifier}
	s := &Server{
		DB:     db,
		Logger: logger,
		Users:  users.NewService(db),
		// A customer moved to another segment gets its open cases' targets
		// looked up again, in the same transaction.
		Customers:   &customers.Service{DB: db, OnSegmentChange: cs.CustomerSegmentChanged},
		Departments: &departments.Service{DB: db},
		Cases:       cs,
		Levels:      levels,
		Notify:      notifier,
		Location:    time.Local,
		Lockout:     DefaultLockout,

		Contact:        &contactcenter.Service{DB: db},
		Metrics:        &metrics.Service{DB: db},
		QA:             &qa.Service{DB: db},
		Surveys:        surveys.New(db, logger),
		Feedback:       feedback.New(db),
		WallboardEvery: 3 * time.Second,
	}
	s.wallboard = newWallboardHub(s)
	s.Sessions = newSessionManager(db, logger)
	pages, err := parseTemplates(s.funcs())
	if err != nil {
		panic(fmt.Sprintf("web: %v", err))
	}
	s.pages = pages
	static, err := fs.Sub(content, "static")
	if err != nil {
		panic(fmt.Sprintf("web: %v", err))
	}
	s.static = http.StripPrefix("/static/", http.FileServerFS(static))
	return s
}

// Roles allowed on pages. nil means any signed-in user.
var (
	anyone      []string
	staff       = []string{users.RoleAdmin, users.RoleDirector, users.RoleSupervisor, users.RoleAgent}
	inboxRoles  = []string{users.RoleAdmin, users.RoleDirector, users.RoleSupervisor, users.RoleDepartment}
	supervisors = []string{users.RoleAdmin, users.RoleDirector, users.RoleSupervisor}
	managers    = []string{users.RoleAdmin, users.RoleDirector}
	admins      = []string{users.RoleAdmin}
)

// handlerFunc is a page or action: it writes the response or returns an
// error that fail turns into an error page.
type handlerFunc func(w http.ResponseWriter, r *http.Request, u users.User) error

// Handler returns the UI's handler; everything outside /api/ and /healthz.
// Every route is declared here, with the roles that may reach it.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", s.cached(s.static))
	mux.Handle("GET /signin", s.public(s.showSignIn))
	mux.Handle("POST /signin", s.public(s.signIn))
	mux.Handle("POST /signout", s.public(s.signOut))

	route := func(pattern string, roles []string, h handlerFunc) { mux.Handle(pattern, s.private(roles, h)) }
	route("GET /{$}", anyone, s.showWorkspace)

	route("GET /customers", staff, s.showCustomers)
	route("GET /customers/new", staff, s.showNewCustomer)
	route("POST /customers", staff, s.createCustomer)
	route("GET /customers/{id}", staff, s.showCustomer)
	route("POST /customers/{id}/owner", staff, s.changeOwner)
	route("POST /customers/{id}/relationship-contacts", staff, s.logRelationshipContact)

	route("GET /cases", staff, s.showCases)
	route("GET /cases/new", staff, s.showNewCase)
	route("POST /cases", staff, s.createCase)
	route("GET /cases/{id}", staff, s.showCase)
	route("POST /cases/{id}/messages", staff, s.addMessage)
	route("POST /cases/{id}/contacts", staff, s.logContact)
	route("POST /cases/{id}/status", staff, s.updateCase)
	route("POST /cases/{id}/handoffs", staff, s.sendHandoff)
	route("POST /cases/{id}/callbacks", staff, s.promiseCallback)
	route("POST /callbacks/{id}", staff, s.updateCallback)
	route("POST /cases/{id}/feedback", staff, s.captureFeedback)

	route("GET /inbox", inboxRoles, s.showInbox)
	route("GET /handoffs/{id}", anyone, s.showHandoff)
	route("POST /handoffs/{id}", anyone, s.updateHandoff)
	route("POST /feedback/{id}", inboxRoles, s.updateFeedback)

	route("GET /wallboard", supervisors, s.showWallboard)
	route("GET /wallboard/stream", supervisors, s.streamWallboard)
	route("GET /voice", supervisors, s.showVoice)
	route("GET /scorecard", supervisors, s.showScorecard)
	route("GET /scorecard/{key}", supervisors, s.showMetric)
	route("GET /scorecard/{key}/items", supervisors, s.showMetricItems)

	route("GET /qa", staff, s.showQA)
	route("POST /qa/samples", supervisors, s.drawSample)
	route("GET /qa/forms", supervisors, s.showQAForms)
	route("POST /qa/forms", supervisors, s.createQAForm)
	route("GET /qa/forms/{id}", supervisors, s.showQAForm)
	route("POST /qa/forms/{id}", supervisors, s.updateQAForm)
	route("GET /qa/evaluate", supervisors, s.showEvaluate)
	route("POST /qa/evaluations", supervisors, s.createEvaluation)
	route("GET /qa/evaluations/{id}", staff, s.showEvaluation)
	route("POST /qa/evaluations/{id}", staff, s.answerEvaluation)

	route("GET /admin", managers, s.showAdmin)
	route("GET /admin/users", admins, s.showUsers)
	route("POST /admin/users", admins, s.createUser)
	route("POST /admin/users/{id}/password", admins, s.setPassword)
	route("POST /admin/users/{id}", admins, s.updateUser)
	route("GET /admin/segments", managers, s.showSegments)
	route("POST /admin/segments", managers, s.createSegment)
	route("GET /admin/departments", managers, s.showDepartments)
	route("POST /admin/departments", managers, s.createDepartment)
	route("GET /admin/calendars", managers, s.showCalendars)
	route("POST /admin/calendars", managers, s.putCalendar)
	route("POST /admin/calendars/{name}/delete", managers, s.deleteCalendar)
	route("GET /admin/service-matrix", managers, s.showMatrix)
	route("GET /admin/service-matrix/edit", managers, s.showMatrixEdit)
	route("POST /admin/service-matrix", managers, s.importMatrix)
	route("GET /admin/metrics", managers, s.showMetricsAdmin)
	route("POST /admin/metrics", managers, s.createManualMetric)
	route("GET /admin/metrics/{key}", managers, s.showMetricSettings)
	route("POST /admin/metrics/{key}", managers, s.putMetricSettings)
	route("POST /admin/metrics/{key}/values", managers, s.putManualValue)
	route("GET /admin/surveys", managers, s.showSurveyPrograms)
	route("POST /admin/surveys", managers, s.createSurveyProgram)
	route("GET /admin/surveys/{id}", managers, s.showSurveyProgram)
	route("POST /admin/surveys/{id}", managers, s.updateSurveyProgram)
	route("GET /admin/queues", supervisors, s.showQueues)
	route("POST /admin/queues", supervisors, s.saveQueue)
	route("GET /admin/agent-aliases", supervisors, s.showAliases)
	route("POST /admin/agent-aliases", supervisors, s.mapAlias)
	route("GET /admin/webhooks", admins, s.showWebhooks)
	route("POST /admin/webhooks", admins, s.createWebhook)
	route("POST /admin/webhooks/{id}/stop", admins, s.stopWebhook)

	route("GET /notifications", anyone, s.showNotifications)
	route("POST /notifications/read", anyone, s.readAllNotifications)
	route("POST /notifications/{id}/read", anyone, s.readNotification)

	route("GET /tokens", anyone, s.showTokens)
	route("POST /tokens", anyone, s.createToken)
	route("POST /tokens/{id}/revoke", anyone, s.revokeToken)

	mux.Handle("/", s.public(func(w http.ResponseWriter, r *http.Request, u users.User) error {
		return anchor.Errorf(anchor.ENotFound, "there is no page at %s", r.URL.Path)
	}))

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, users.User{}, http.StatusForbidden, "This form was sent from another site, so it was refused. Go back to Anchor and send it again from there.")
	}))
	return s.headers(s.recovered(reqlog.Middleware(s.Logger, reqlog.Options{Message: "web request", Quiet: []string{"/static/"}})(csrf.Handler(mux))))
}

// public serves a page that needs no sign-in; the user, if any, is known
// (to show the right navigation on an error page).
func (s *Server) public(h handlerFunc) http.Handler {
	return s.Sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := s.currentUser(r)
		if err := h(w, r, u); err != nil {
			s.fail(w, r, u, err)
		}
	}))
}

// private serves a page only to a signed-in user with one of roles. A
// visitor who is not signed in is sent to the sign-in page and brought back
// afterwards; a user whose role may not see the page gets a 403.
func (s *Server) private(roles []string, h handlerFunc) http.Handler {
	return s.Sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.currentUser(r)
		if !ok {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = r.Referer()
				if !localPath(next) {
					next = "/"
				}
			}
			http.Redirect(w, r, "/signin?next="+urlQueryEscape(next), http.StatusSeeOther)
			return
		}
		if roles != nil && !slices.Contains(roles, u.Role) {
			s.renderError(w, r, u, http.StatusForbidden, "Your role ("+u.Role+") does not give access to this page.")
			return
		}
		if ri := reqlog.From(r.Context()); ri != nil {
			ri.UserID = u.ID
		}
		if err := h(w, r, u); err != nil {
			s.fail(w, r, u, err)
		}
	}))
}

// currentUser returns the signed-in user, read afresh on every request so
// that a deactivated user or a changed role takes effect at once.
func (s *Server) currentUser(r *http.Request) (users.User, bool) {
	id := s.Sessions.GetString(r.Context(), sessionUserKey)
	if id == "" {
		return users.User{}, false
	}
	u, err := s.Users.Get(r.Context(), id)
	if err != nil || !u.Active {
		return users.User{}, false
	}
	return u, true
}

// fail shows err as an error page with the status its code maps to. An
// error that is not an *anchor.Error is a bug or an outage: it is logged
// with the request id, and only the id is shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, u users.User, err error) {
	code := anchor.ErrorCode(err)
	status := statusOf(code)
	msg := ""
	if code == anchor.EInternal {
		id := reqlog.ID(r.Context())
		s.Logger.Error("web: internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "error", err)
		msg = "Something went wrong on our side. If it happens again, give this reference to your administrator: " + id
	} else {
		var e *anchor.Error
		errors.As(err, &e) // ErrorCode found one
		msg = capitalise(e.Message)
	}
	s.renderError(w, r, u, status, msg)
}

func statusOf(code string) int {
	switch code {
	case anchor.ENotFound:
		return http.StatusNotFound
	case anchor.EInvalid:
		return http.StatusUnprocessableEntity
	case anchor.EConflict:
		return http.StatusConflict
	case anchor.EPrecondition:
		return http.StatusPreconditionRequired
	case anchor.EForbidden:
		return http.StatusForbidden
	case anchor.EUnauthorized:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, u users.User, status int, msg string) {
	title := http.StatusText(status)
	if status == http.StatusNotFound {
		title = "Not found"
	}
	s.render(w, r, status, "error", &view{Title: title, User: u, Data: struct {
		Status  int
		Message string
	}{status, msg}})
}

// headers sets the security headers of every response. The Content
// Security Policy allows only our own scripts and styles (none inline), so
// an escaping bug cannot run a script; frame-ancestors stops clickjacking.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// cached lets browsers keep the embedded assets for a day; they change
// only with the binary.
func (s *Server) cached(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		next.ServeHTTP(w, r)
	})
}

// recovered turns a panic into an error page, so that a bug in one page
// never takes the server down.
func (s *Server) recovered(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("web: panic", "error", fmt.Sprint(v), "path", r.URL.Path, "stack", string(debug.Stack()))
				s.fail(w, r, users.User{}, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// render executes a page into a buffer first, so that a template error is a
// clean 500 and not half a page, and reports the server time it took in a
// Server-Timing header (visible in the browser's developer tools).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := s.pages[name]
	if !ok {
		panic("web: no template " + name)
	}
	s.complete(r, v)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.Logger.Error("web: render", "template", name, "error", err)
		http.Error(w, "internal error: the page could not be rendered", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if ri := reqlog.From(r.Context()); ri != nil {
		h.Set("Server-Timing", "app;dur="+strconv.FormatFloat(float64(time.Since(ri.Start).Microseconds())/1000, 'f', 1, 64))
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

// seeOther ends a successful form post: the browser loads the page again
// with a GET, so a reload never sends the form twice. The flash message is
// shown once on that page.
func (s *Server) seeOther(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		s.Sessions.Put(r.Context(), sessionFlashKey, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
