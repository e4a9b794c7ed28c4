package httpapi

import (
	"bytes"
	"net/http"
	"time"

	"anchor"
	"anchor/internal/metrics"
	"anchor/internal/users"
)

// metricsRoutes declares the routes for the metric catalogue, metric
// values, settings, and the weekly scorecard.
func (s *Server) metricsRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/metrics", summary: "The metric catalogue: computed and manual metrics", roles: staff, out: metricCatalogue{}, do: s.listMetrics},
		{method: "POST", path: "/api/v1/metrics", summary: "Define a manual metric, entered by hand per period", roles: managers, status: 201,
			in: metrics.ManualMetric{}, out: metrics.ManualMetric{}, do: s.createManualMetric},
		{method: "GET", path: "/api/v1/metrics/{key}", summary: "A metric's values with numerator and denominator, per cut and per interval", roles: staff,
			query: []param{{"from", "RFC 3339 start (inclusive)"}, {"to", "RFC 3339 end (exclusive)"}, {"by", "segment, channel, queue, agent, department or category"},
				{"interval", "day, week or month"}, {"tz", "IANA time zone of the periods (default: the organisation's)"}},
			out: metrics.Result{}, do: s.getMetric},
		{method: "GET", path: "/api/v1/metrics/{key}/settings", summary: "A metric's target, warning, stages, owner, frequency and benchmarks", roles: staff,
			out: metrics.Settings{}, do: s.getMetricSettings},
		{method: "PUT", path: "/api/v1/metrics/{key}/settings", summary: "Replace a metric's settings", roles: managers, in: metrics.SettingsUpdate{}, out: metrics.Settings{}, do: s.putMetricSettings},
		{method: "PUT", path: "/api/v1/metrics/{key}/values", summary: "Enter a manual metric's value for a period", roles: supervisors, in: metrics.ManualValue{}, out: metrics.ManualValue{}, do: s.putManualValue},
		{method: "GET", path: "/api/v1/scorecard", summary: "The weekly scorecard: every metric against its target, trend, owner and benchmark, worst first", roles: staff,
			query: []param{{"week", "ISO week such as 2026-W47 (default: last week)"}, {"tz", "IANA time zone (default: the organisation's)"}, {"format", "json (default), csv or html"}},
			out:   metrics.Scorecard{}, do: s.getScorecard},
		{method: "GET", path: "/api/v1/org", summary: "Organisation settings", roles: staff, out: orgSettings{}, do: s.getOrg},
		{method: "PUT", path: "/api/v1/org", summary: "Change organisation settings (the time zone periods are cut in)", roles: admins, in: orgSettings{}, out: orgSettings{}, do: s.putOrg},
	}
}

type metricCatalogue struct {
	Items []metrics.Definition `json:"items"`
}

type orgSettings struct {
	TimeZone string `json:"timezone"`
	// FCRRepeatDays is the first-contact-resolution repeat window (default 7).
	FCRRepeatDays int `json:"fcr_repeat_days,omitempty"`
}

func (s *Server) metricsService() *metrics.Service { return &metrics.Service{DB: s.DB} }

func (s *Server) listMetrics(r *http.Request, u users.User) (any, error) {
	out := metricCatalogue{Items: append([]metrics.Definition{}, metrics.Catalogue...)}
	manual, err := s.metricsService().ManualMetrics(r.Context())
	if err != nil {
		return nil, err
	}
	for _, m := range manual {
		out.Items = append(out.Items, metrics.Definition{Key: m.Key, Name: m.Name, Unit: m.Unit, Direction: m.Direction, Definition: m.Description,
			Dimensions: []string{}, Source: "entered by hand", Manual: true})
	}
	return out, nil
}

func (s *Server) createManualMetric(r *http.Request, u users.User) (any, error) {
	var m metrics.ManualMetric
	if err := decode(r, &m); err != nil {
		return nil, err
	}
	return s.metricsService().CreateManual(r.Context(), m)
}

// location reads the tz parameter, defaulting to the organisation's zone.
func (s *Server) location(r *http.Request) (*time.Location, error) {
	if tz := r.URL.Query().Get("tz"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return nil, anchor.Invalid("tz", "must be an IANA time zone such as Europe/London")
		}
		return loc, nil
	}
	return s.metricsService().OrgLocation(r.Context())
}

func (s *Server) getMetric(r *http.Request, u users.User) (any, error) {
	loc, err := s.location(r)
	if err != nil {
		return nil, err
	}
	from, err := queryTime(r, "from")
	if err != nil {
		return nil, err
	}
	to, err := queryTime(r, "to")
	if err != nil {
		return nil, err
	}
	if from == nil || to == nil {
		field := "from"
		if from != nil {
			field = "to"
		}
		return nil, anchor.Invalid(field, "is required (RFC 3339)")
	}
	q := r.URL.Query()
	return s.metricsService().Compute(r.Context(), r.PathValue("key"), metrics.Query{From: *from, To: *to, By: q.Get("by"), Interval: q.Get("interval"), Location: loc})
}

func (s *Server) getMetricSettings(r *http.Request, u users.User) (any, error) {
	return s.metricsService().Settings(r.Context(), r.PathValue("key"))
}

func (s *Server) putMetricSettings(r *http.Request, u users.User) (any, error) {
	var up metrics.SettingsUpdate
	if err := decode(r, &up); err != nil {
		return nil, err
	}
	if r.Header.Get("If-Match") != "" {
		var err error
		if up.Version, err = version(r, up.Version); err != nil {
			return nil, err
		}
	}
	return s.metricsService().PutSettings(r.Context(), r.PathValue("key"), up)
}

func (s *Server) putManualValue(r *http.Request, u users.User) (any, error) {
	var v metrics.ManualValue
	if err := decode(r, &v); err != nil {
		return nil, err
	}
	return v, s.metricsService().PutManualValue(r.Context(), u.Actor(), r.PathValue("key"), v)
}

func (s *Server) getScorecard(r *http.Request, u users.User) (any, error) {
	loc, err := s.location(r)
	if err != nil {
		return nil, err
	}
	week := r.URL.Query().Get("week")
	if week == "" {
		week = metrics.WeekOf(s.DB.Now().In(loc).AddDate(0, 0, -7), loc)
	}
	sc, err := s.metricsService().BuildScorecard(r.Context(), week, loc)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return sc, nil
	case "csv":
		err = sc.WriteCSV(&buf)
		return rawResponse{"text/csv; charset=utf-8", buf.Bytes()}, err
	case "html":
		err = sc.WriteHTML(&buf)
		return rawResponse{"text/html; charset=utf-8", buf.Bytes()}, err
	default:
		return nil, anchor.Invalid("format", "must be json, csv or html")
	}
}

func (s *Server) getOrg(r *http.Request, u users.User) (any, error) {
	loc, err := s.metricsService().OrgLocation(r.Context())
	if err != nil {
		return nil, err
	}
	window, err := s.metricsService().FCRWindow(r.Context())
	if err != nil {
		return nil, err
	}
	return orgSettings{TimeZone: loc.String(), FCRRepeatDays: int(window / (24 * time.Hour))}, nil
}

func (s *Server) putOrg(r *http.Request, u users.User) (any, error) {
	var o orgSettings
	if err := decode(r, &o); err != nil {
		return nil, err
	}
	if o.TimeZone != "" {
		if err := s.metricsService().SetOrgLocation(r.Context(), o.TimeZone); err != nil {
			return nil, err
		}
	}
	if o.FCRRepeatDays != 0 {
		if err := s.metricsService().SetFCRWindow(r.Context(), o.FCRRepeatDays); err != nil {
			return nil, err
		}
	}
	return s.getOrg(r, u)
}
