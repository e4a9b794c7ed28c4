package web

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"anchor"
	"anchor/internal/metrics"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/users"
)

// view is what every page template receives: the page's own data in Data,
// and what the layout needs around it.
type view struct {
	Title string
	// Nav is the key of the navigation entry to mark as current.
	Nav   string
	User  users.User
	Flash string
	// Form is the form that was sent and refused, to show it again with
	// what the user typed and why it was refused.
	Form *formState
	Data any

	Menu []menuItem
	Now  time.Time
	// Unread counts the user's unread notifications, for the bell;
	// UnreadMore is set when there are more than it counts.
	Unread     int
	UnreadMore bool
}

// unreadShown bounds the bell's count: past it the bell says "99+", and
// the page costs one bounded query.
const unreadShown = 99

type menuItem struct {
	Key, Label, Href string
}

// complete fills what the layout needs: the menu for the user's role and
// the flash message left by the previous request.
func (s *Server) complete(r *http.Request, v *view) {
	v.Now = s.DB.Now()
	if v.User.ID == "" {
		return
	}
	if v.Flash == "" {
		v.Flash = s.Sessions.PopString(r.Context(), sessionFlashKey)
	}
	if s.Notify != nil {
		// The bell is a convenience: a failure to count leaves it empty
		// rather than failing the page.
		unread, next, err := s.Notify.List(r.Context(), v.User.ID, true, store.Page{Limit: unreadShown})
		if err != nil {
			s.Logger.Warn("web: count unread notifications", "error", err)
		}
		v.Unread, v.UnreadMore = len(unread), next != ""
	}
	role := v.User.Role
	add := func(roles []string, key, label, href string) {
		if roles == nil || slices.Contains(roles, role) {
			v.Menu = append(v.Menu, menuItem{key, label, href})
		}
	}
	add(staff, "workspace", "My work", "/")
	add(staff, "cases", "Cases", "/cases")
	add(staff, "customers", "Customers", "/customers")
	add(inboxRoles, "inbox", "Department inbox", "/inbox")
	add(supervisors, "wallboard", "Wallboard", "/wallboard")
	add(supervisors, "scorecard", "Scorecard", "/scorecard")
	add(staff, "qa", "Quality", "/qa")
	add(supervisors, "voice", "Voice", "/voice")
	add(managers, "admin", "Administration", "/admin")
	add(anyone, "tokens", "API tokens", "/tokens")
}

// formState is a submitted form that was refused: which form, what was in
// it, and the error. Pages show it again filled in, so nothing typed is lost.
type formState struct {
	Name   string
	Values url.Values
	Err    string
	Field  string
	Code   string
	// Stale is set when the form was based on an old version of what it
	// changes: the page then shows the current state next to the message.
	Stale bool
	// Problems lists every problem of a document refused whole (a
	// calendar, the service matrix), each with its path.
	Problems []anchor.Problem
}

// refused builds the formState of a form refused with err; it returns nil
// when err is not something the user can act on (an internal error), which
// the caller then passes on.
func refused(name string, r *http.Request, err error) *formState {
	var e *anchor.Error
	if !errors.As(err, &e) || e.Code == anchor.EInternal {
		return nil
	}
	f := &formState{Name: name, Values: r.PostForm, Err: capitalise(e.Message), Field: e.Field, Code: e.Code}
	if e.Code == anchor.EConflict && e.Field == "version" {
		f.Stale = true
		f.Err = "Someone else changed this while you were looking at it, so your change was not saved. The page now shows the current state; what you entered is kept below — check it and send it again."
	}
	switch {
	case len(e.Problems) > 0:
		f.Problems = e.Problems
		f.Err = fmt.Sprintf("Nothing was saved: %d problem(s) to fix, listed below.", len(e.Problems))
	case e.Field != "" && e.Field != "version" && !f.Stale:
		f.Err = fieldLabel(e.Field) + ": " + e.Message
	}
	return f
}

// pageStatus is the HTTP status of a page: 200 when it is shown afresh,
// and the refusal's status when it is shown again with a refused form (f).
func pageStatus(f *formState) int {
	switch {
	case f == nil:
		return http.StatusOK
	case f.Code == anchor.EInvalid:
		return http.StatusUnprocessableEntity
	}
	return statusOf(f.Code)
}

// IsStale reports whether the refused form was based on an old version.
func (f *formState) IsStale() bool { return f != nil && f.Stale }

// Is reports whether name is the refused form.
func (f *formState) Is(name string) bool { return f != nil && f.Name == name }

// Error returns the refusal message for form name, or "".
func (f *formState) Error(name string) string {
	if f.Is(name) {
		return f.Err
	}
	return ""
}

// Val returns what the user typed in field of form name when that form
// was refused, and def otherwise.
func (f *formState) Val(name, field, def string) string {
	if f.Is(name) && f.Values != nil {
		if _, ok := f.Values[field]; ok {
			return f.Values.Get(field)
		}
	}
	return def
}

// Bad reports whether field of form name is the one the error is about,
// for aria-invalid.
func (f *formState) Bad(name, field string) bool {
	return f.Is(name) && (f.Field == field || len(f.ProblemsAt(name, field)) > 0)
}

// ProblemsAt returns the messages of the problems of form name whose path
// the page shows at field (see problemField).
func (f *formState) ProblemsAt(name, field string) []string {
	if !f.Is(name) {
		return nil
	}
	var out []string
	for _, p := range f.Problems {
		if problemField(p.Path) == field {
			out = append(out, p.Message)
		}
	}
	return out
}

// problemField is the form field a document path belongs to:
// "hours.mon[1]" is shown at hours_mon, "holidays[0]" at holidays.
func problemField(path string) string {
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return strings.ReplaceAll(path, ".", "_")
}

func fieldLabel(field string) string {
	// A field of a relationship contact is named by the segment's policy:
	// the label is that name ("fields.next_steps" is "Next steps").
	if name, ok := strings.CutPrefix(field, "fields."); ok {
		field = name
	}
	field = strings.TrimSuffix(field, "_id")
	return capitalise(strings.ReplaceAll(field, "_", " "))
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// localPath reports whether p is a path on this site, so that ?next= can
// never send a user to another site after sign-in.
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\")
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// labels are the words shown for stored codes.
var labels = map[string]string{
	"new": "New", "open": "Open", "pending_customer": "Waiting on customer", "pending_internal": "Waiting on us",
	"resolved": "Resolved", "closed": "Closed",
	"sent": "Sent", "accepted": "Accepted", "completed": "Completed", "returned": "Sent back", "cancelled": "Cancelled",
	"promised": "Promised", "made": "Made",
	"reached": "Reached", "no_answer": "No answer", "voicemail": "Voicemail", "wrong_number": "Wrong number",
	"inbound": "Inbound", "outbound": "Outbound",
	"internal": "Note", "public": "Reply",
	"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent",
	"ok": "On track", "at_risk": "At risk", "breached": "Breached", "met": "Met", "paused": "Paused",
	"sla_at_risk": "Service level at risk", "sla_breached": "Service level breached",
	"first_response": "First response", "next_update": "Next update", "resolution": "Resolution",
	"accept": "Accept", "complete": "Complete", "window": "Callback window",
	"admin": "Administrator", "director": "Director", "supervisor": "Supervisor", "agent": "Agent", "department": "Department member",
}

func label(code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return capitalise(strings.ReplaceAll(code, "_", " "))
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"label": label,
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			t = t.In(s.Location)
			if t.Year() != s.DB.Now().In(s.Location).Year() {
				return t.Format("2 Jan 2006 15:04")
			}
			return t.Format("Mon 2 Jan 15:04")
		},
		"clock": func(t time.Time) string { return t.In(s.Location).Format("15:04") },
		"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"rel":   func(t time.Time) string { return relative(t, s.DB.Now()) },
		"deref": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
		"dtlocal": func(t time.Time) string { return t.In(s.Location).Format("2006-01-02T15:04") },
		"duration": func(seconds int64) string {
			if seconds == 0 {
				return "—"
			}
			return humanDuration(time.Duration(seconds) * time.Second)
		},
		"lower":         strings.ToLower,
		"caseclocks":    caseClocks,
		"handoffclocks": handoffClocks,
		"stateicon":     stateIcon,
		"cbclock": func(c *servicelevel.Clock) clockView {
			if c == nil {
				return clockView{Name: "Window"}
			}
			return clockView{Name: "Window", Clock: *c}
		},
		"dur": func(d servicelevel.Duration) string {
			if d <= 0 {
				return "—"
			}
			return servicelevel.FormatDuration(time.Duration(d))
		},
		"join":         strings.Join,
		"problemfield": problemField,
		"pathesc":      url.PathEscape,
		"list":         func(c ...clockView) []clockView { return c },
		// dict passes several values to a shared template.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"pct":   pct,
		"list2": func(v ...string) []string { return v },
		"scaled": func(v *float64, percent bool) string {
			if v != nil && percent {
				x := math.Round(*v*100*1e6) / 1e6
				return num(&x)
			}
			return num(v)
		},
		"msecs":       func(ms int64) int64 { return ms / 1000 },
		"count":       count,
		"clocksecs":   clockSecs,
		"num":         num,
		"metricvalue": metrics.FormatValue,
		"sparkline":   metrics.Sparkline,
		"date":        func(t time.Time) string { return dateOnly(t.In(s.Location)) },
		"first": func(s string) string {
			if s == "" {
				return ""
			}
			return strings.ToUpper(s[:1])
		},
	}
}

// relative says how far t is from now in words: "in 3 h", "2 d ago".
func relative(t, now time.Time) string {
	d := t.Sub(now)
	if d >= 0 {
		if d < time.Minute {
			return "now"
		}
		return "in " + humanDuration(d)
	}
	if -d < time.Minute {
		return "just now"
	}
	return humanDuration(-d) + " ago"
}

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(math.Round(d.Minutes())))
	case d < 48*time.Hour:
		if h := d.Hours(); h < 10 {
			// Half hours matter in the first hours of a due time.
			return fmt.Sprintf("%g h", math.Round(h*2)/2)
		}
		return fmt.Sprintf("%d h", int(math.Round(d.Hours())))
	default:
		return fmt.Sprintf("%d d", int(math.Round(d.Hours()/24)))
	}
}

// parseTemplates parses the layout with each page: one template set per
// page, so pages can each define "content" without clashing.
func parseTemplates(funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(content, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(content, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		if path.Base(n) == "layout.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(content, n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return pages, nil
}
