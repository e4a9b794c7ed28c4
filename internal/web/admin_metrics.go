package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"anchor"
	"anchor/internal/metrics"
	"anchor/internal/users"
)

// metricLine is one metric on the settings list.
type metricLine struct {
	Def      metrics.Definition
	Settings metrics.Settings
}

type metricsAdminData struct {
	Metrics []metricLine
	Week    weekChoice
	Dir     *directory
}

// allMetrics is the catalogue followed by the manual metrics.
func (s *Server) allMetrics(r *http.Request) ([]metrics.Definition, error) {
	defs := append([]metrics.Definition{}, metrics.Catalogue...)
	ms, err := s.Metrics.ManualMetrics(r.Context())
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		defs = append(defs, metrics.Definition{Key: m.Key, Name: m.Name, Unit: m.Unit, Direction: m.Direction, Definition: m.Description, Manual: true, Source: "entered by hand"})
	}
	return defs, nil
}

func (s *Server) showMetricsAdmin(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderMetricsAdmin(w, r, u, nil)
}

func (s *Server) renderMetricsAdmin(w http.ResponseWriter, r *http.Request, u users.User, form *formState) error {
	ctx := r.Context()
	defs, err := s.allMetrics(r)
	if err != nil {
		return err
	}
	d := metricsAdminData{}
	for _, def := range defs {
		st, err := s.Metrics.Settings(ctx, def.Key)
		if err != nil {
			return err
		}
		d.Metrics = append(d.Metrics, metricLine{def, st})
	}
	if d.Week, err = s.pickWeek(ctx, r); err != nil {
		return err
	}
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "admin_metrics", &view{Title: "Metric targets", Nav: "admin", User: u, Form: form, Data: d})
	return nil
}

// createManualMetric defines a metric entered by hand (a market survey's
// figure), held to targets and owners like the computed ones.
func (s *Server) createManualMetric(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	m, err := s.Metrics.CreateManual(r.Context(), metrics.ManualMetric{Key: strings.TrimSpace(f.Get("key")), Name: f.Get("name"), Unit: f.Get("unit"),
		Direction: metrics.Direction(f.Get("direction")), Description: f.Get("description")})
	if err != nil {
		if fs := refused("manual", r, err); fs != nil {
			return s.renderMetricsAdmin(w, r, u, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/metrics", "Metric "+m.Name+" created.")
}

// putManualValue enters a manual metric's value for a week.
func (s *Server) putManualValue(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	key := r.PathValue("key")
	loc, err := s.Metrics.OrgLocation(r.Context())
	if err != nil {
		return err
	}
	var p metrics.Period
	var v float64
	p, err = metrics.ParseWeek(strings.TrimSpace(r.PostForm.Get("week")), loc)
	if err == nil {
		v, err = strconv.ParseFloat(strings.TrimSpace(r.PostForm.Get("value")), 64)
		if err != nil {
			err = anchor.Invalid("value", "must be a number")
		}
	}
	if err == nil {
		err = s.Metrics.PutManualValue(r.Context(), u.Actor(), key, metrics.ManualValue{PeriodStart: p.Start, PeriodEnd: p.End, Value: v})
	}
	if err != nil {
		if fs := refused("value-"+key, r, err); fs != nil {
			return s.renderMetricsAdmin(w, r, u, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/metrics", "Value saved.")
}

type metricSettingsData struct {
	Def      metrics.Definition
	Settings metrics.Settings
	// Percent is set for ratios: the form takes 80 for 80%.
	Percent     bool
	Stages      string
	Benchmarks  string
	Dir         *directory
	Frequencies []string
}

func (s *Server) showMetricSettings(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderMetricSettings(w, r, u, nil)
}

func (s *Server) renderMetricSettings(w http.ResponseWriter, r *http.Request, u users.User, form *formState) error {
	ctx := r.Context()
	def, err := s.lookupMetric(r, r.PathValue("key"))
	if err != nil {
		return err
	}
	st, err := s.Metrics.Settings(ctx, def.Key)
	if err != nil {
		return err
	}
	d := metricSettingsData{Def: def, Settings: st, Percent: def.Unit == "ratio", Frequencies: metrics.Frequencies}
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	scale := func(v float64) string {
		if d.Percent {
			v = math.Round(v*100*1e6) / 1e6
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	var lines []string
	for _, sg := range st.Stages {
		l := sg.StartsOn + " " + scale(sg.Target)
		if sg.Warning != nil {
			l += " " + scale(*sg.Warning)
		}
		lines = append(lines, l)
	}
	d.Stages = strings.Join(lines, "\n")
	lines = nil
	for _, b := range st.Bench {
		lines = append(lines, strings.Join([]string{scale(b.Value), b.Source, b.AsOf, b.Note}, " | "))
	}
	d.Benchmarks = strings.Join(lines, "\n")
	s.render(w, r, pageStatus(form), "admin_metric", &view{Title: def.Name + ": target and owner", Nav: "admin", User: u, Form: form, Data: d})
	return nil
}

// putMetricSettings replaces a metric's target, warning, owner, review
// frequency, dated stages and benchmarks in one go, based on the version
// the form was shown at.
func (s *Server) putMetricSettings(w http.ResponseWriter, r *http.Request, u users.User) error {
	def, err := s.lookupMetric(r, r.PathValue("key"))
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	scale := 1.0
	if def.Unit == "ratio" {
		scale = 100
	}
	number := func(field, v string) (*float64, error) {
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "%"))
		if v == "" {
			return nil, nil
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, anchor.Invalid(field, "must be a number, like 80")
		}
		x /= scale
		return &x, nil
	}
	up := metrics.SettingsUpdate{OwnerID: f.Get("owner_id"), Frequency: f.Get("frequency")}
	// Version 0 is a metric never set: the form carries it as is.
	up.Version, err = strconv.Atoi(f.Get("version"))
	if err != nil {
		err = anchor.Invalid("version", "the form is missing the version it was based on: reload the page")
	}
	if err == nil {
		up.Target, err = number("target", f.Get("target"))
	}
	if err == nil {
		up.Warning, err = number("warning", f.Get("warning"))
	}
	for i, line := range nonEmptyLines(f.Get("stages")) {
		if err != nil {
			break
		}
		parts := strings.Fields(line)
		if len(parts) < 2 || len(parts) > 3 {
			err = anchor.Invalid("stages", "line %d: write a date, a target and optionally a warning, like 2026-07-01 85 80", i+1)
			break
		}
		var t, wv *float64
		if t, err = number("stages", parts[1]); err != nil {
			break
		}
		sg := metrics.Stage{StartsOn: parts[0], Target: *t}
		if len(parts) == 3 {
			if wv, err = number("stages", parts[2]); err != nil {
				break
			}
			sg.Warning = wv
		}
		up.Stages = append(up.Stages, sg)
	}
	for i, line := range nonEmptyLines(f.Get("benchmarks")) {
		if err != nil {
			break
		}
		parts := strings.Split(line, "|")
		for j := range parts {
			parts[j] = strings.TrimSpace(parts[j])
		}
		if len(parts) < 3 {
			err = anchor.Invalid("benchmarks", "line %d: write value | source | as of date | note, like 82 | Industry survey | 2026-06-30", i+1)
			break
		}
		var v *float64
		if v, err = number("benchmarks", parts[0]); err != nil || v == nil {
			if err == nil {
				err = anchor.Invalid("benchmarks", "line %d: the value is missing", i+1)
			}
			break
		}
		b := metrics.Benchmark{Value: *v, Source: parts[1], AsOf: parts[2]}
		if len(parts) > 3 {
			b.Note = strings.Join(parts[3:], " | ")
		}
		up.Bench = append(up.Bench, b)
	}
	if err == nil {
		_, err = s.Metrics.PutSettings(r.Context(), def.Key, up)
	}
	if err != nil {
		if fs := refused("settings", r, err); fs != nil {
			return s.renderMetricSettings(w, r, u, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/metrics/"+def.Key, def.Name+": settings saved.")
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
