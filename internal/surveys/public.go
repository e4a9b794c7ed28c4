package surveys

import (
	"embed"
	"errors"
	"html/template"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"anchor"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages is parsed when the package loads: a broken template fails every
// test and the start of the binary, never a customer's request.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"deref": func(p *int) int { return *p },
}).ParseFS(templateFS, "templates/*.html"))

// view is what a page renders.
type view struct {
	View     string // form, thanks, problem
	Title    string
	Message  string
	Error    string
	Invited  Invited
	Answer   Answer
	Response Response
	Scale    []int
}

// Checked reports whether score n was the one picked, to keep it when the
// form comes back with an error.
func (v view) Checked(n int) bool { return v.Answer.Score != nil && *v.Answer.Score == n }

var titles = map[string]string{
	KindCSAT:       "How did we do?",
	KindNPS:        "Would you recommend us?",
	KindAssessment: "Your monthly assessment",
}

// Limits of the public page, per minute: per link (a customer retrying a
// form is a handful; a script guessing is many) and per address (a whole
// office behind one NAT answering at once stays well under).
const (
	PerTokenPerMinute   = 20
	PerAddressPerMinute = 120
)

// Public serves the survey pages at /s/{token}: plain HTML, no
// JavaScript, no account, one form that posts back to the same address.
type Public struct {
	Surveys *Service
	limiter *limiter
}

// NewPublic returns the public pages of s.
func NewPublic(s *Service) *Public {
	return &Public{Surveys: s, limiter: newLimiter(time.Minute)}
}

// Handler returns the handler to mount at /s/. Cross-origin form posts are
// refused (http.CrossOriginProtection), so another site cannot submit an
// answer through a customer's browser.
func (p *Public) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /s/{token}", p.show)
	mux.HandleFunc("POST /s/{token}", p.submit)
	mux.HandleFunc("/s/", func(w http.ResponseWriter, r *http.Request) {
		p.render(w, http.StatusNotFound, view{View: "problem", Title: "Page not found", Message: "This survey link is not valid. Please use the link from your e-mail as it is."})
	})
	return http.NewCrossOriginProtection().Handler(mux)
}

func (p *Public) allow(w http.ResponseWriter, r *http.Request) bool {
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	token := r.PathValue("token")
	if len(token) > 128 {
		token = token[:128]
	}
	if p.limiter.allow("a:"+addr, PerAddressPerMinute) && p.limiter.allow("t:"+token, PerTokenPerMinute) {
		return true
	}
	w.Header().Set("Retry-After", "60")
	p.render(w, http.StatusTooManyRequests, view{View: "problem", Title: "Please wait a moment",
		Message: "We received too many requests from you in a short time. Please try again in a minute."})
	return false
}

func (p *Public) show(w http.ResponseWriter, r *http.Request) {
	if !p.allow(w, r) {
		return
	}
	in, err := p.Surveys.Open(r.Context(), r.PathValue("token"))
	if err != nil {
		p.linkProblem(w, err)
		return
	}
	p.render(w, http.StatusOK, formView(in, Answer{}, ""))
}

func formView(in Invited, a Answer, msg string) view {
	v := view{View: "form", Title: titles[in.Kind], Invited: in, Answer: a, Error: msg}
	switch in.Kind {
	case KindCSAT:
		v.Scale = []int{1, 2, 3, 4, 5}
	case KindNPS:
		v.Scale = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	}
	return v
}

// maxForm bounds a posted form: two comments of 10,000 characters of up to
// four bytes each, and room for the rest.
const maxForm = 2*4*MaxComment + 4096

func (p *Public) submit(w http.ResponseWriter, r *http.Request) {
	if !p.allow(w, r) {
		return
	}
	in, err := p.Surveys.Open(r.Context(), r.PathValue("token"))
	if err != nil {
		p.linkProblem(w, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		p.render(w, http.StatusRequestEntityTooLarge, formView(in, Answer{}, "Your answer is too long to send. Please shorten your comment to at most 10,000 characters."))
		return
	}
	a := Answer{Comment: r.PostForm.Get("comment"), NextMonth: r.PostForm.Get("next_month")}
	if s := r.PostForm.Get("score"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			n = -1
		}
		a.Score = &n
	}
	res, err := p.Surveys.Submit(r.Context(), r.PathValue("token"), a)
	var e *anchor.Error
	switch {
	case err == nil:
		p.render(w, http.StatusOK, view{View: "thanks", Title: "Thank you", Response: res})
	case errors.Is(err, ErrLinkInvalid), errors.Is(err, ErrLinkUsed), errors.Is(err, ErrLinkExpired):
		p.linkProblem(w, err)
	case errors.As(err, &e) && e.Code == anchor.EInvalid:
		if a.Score != nil && *a.Score < 0 {
			a.Score = nil
		}
		p.render(w, http.StatusUnprocessableEntity, formView(in, a, formMessage(e)))
	default:
		p.Surveys.Logger.Error("survey answer", "error", err)
		p.render(w, http.StatusInternalServerError, view{View: "problem", Title: "Something went wrong",
			Message: "Your answer could not be saved because of a problem on our side. Please try again in a few minutes."})
	}
}

// formMessage turns a validation error into a sentence for the customer.
func formMessage(e *anchor.Error) string {
	switch e.Field {
	case "score":
		return "Please pick a score."
	case "comment", "next_month":
		if strings.HasPrefix(e.Message, "is required") {
			return "Please answer both questions."
		}
		return "Your answer is too long: please keep each one to at most 10,000 characters."
	}
	return "Please check your answer."
}

func (p *Public) linkProblem(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrLinkInvalid):
		p.render(w, http.StatusNotFound, view{View: "problem", Title: "This link is not valid",
			Message: "We could not recognise this survey link. Please open it exactly as it appears in your e-mail."})
	case errors.Is(err, ErrLinkUsed):
		p.render(w, http.StatusConflict, view{View: "problem", Title: "Already answered",
			Message: "This survey has already been answered. Thank you — each link can be used once."})
	case errors.Is(err, ErrLinkExpired):
		p.render(w, http.StatusGone, view{View: "problem", Title: "This link has expired",
			Message: "This survey is closed: its link has expired. Thank you for your interest."})
	default:
		p.Surveys.Logger.Error("survey link", "error", err)
		p.render(w, http.StatusInternalServerError, view{View: "problem", Title: "Something went wrong",
			Message: "This page could not be shown because of a problem on our side. Please try again in a few minutes."})
	}
}

func (p *Public) render(w http.ResponseWriter, status int, v view) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The token is in the URL: no referrer may carry it elsewhere, no
	// frame may show the form, and nothing but our own form may run.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	pages.ExecuteTemplate(w, "page", v) //nolint:errcheck // the client went away
}

// limiter counts requests per key in fixed windows. It is per instance:
// several instances each allow the limit, which still stops a script; the
// map is dropped every window, so its size is bounded by one window's
// distinct keys.
type limiter struct {
	mu     sync.Mutex
	window time.Duration
	start  time.Time
	counts map[string]int
}

func newLimiter(window time.Duration) *limiter {
	return &limiter{window: window, start: time.Now(), counts: map[string]int{}}
}

func (l *limiter) allow(key string, limit int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := time.Now(); now.Sub(l.start) >= l.window {
		l.start, l.counts = now, map[string]int{}
	}
	l.counts[key]++
	return l.counts[key] <= limit
}
