package web

import (
	"net/http"
	"slices"

	"anchor"
	"anchor/internal/metrics"
	"anchor/internal/users"
)

// metricCut is one dimension's cuts of a metric over the week.
type metricCut struct {
	By     string
	Points []metrics.Point
}

type metricData struct {
	Week       weekChoice
	Def        metrics.Definition
	Row        metrics.ScorecardRow
	Settings   metrics.Settings
	Total      *metrics.Point
	Cuts       []metricCut
	HasItems   bool
	CanManage  bool
	ManualOnly bool
}

// lookupMetric finds a catalogue metric or a manual one.
func (s *Server) lookupMetric(r *http.Request, key string) (metrics.Definition, error) {
	if def, ok := metrics.Lookup(key); ok {
		return def, nil
	}
	ms, err := s.Metrics.ManualMetrics(r.Context())
	if err != nil {
		return metrics.Definition{}, err
	}
	for _, m := range ms {
		if m.Key == key {
			return metrics.Definition{Key: m.Key, Name: m.Name, Unit: m.Unit, Direction: m.Direction, Definition: m.Description, Manual: true, Source: "entered by hand"}, nil
		}
	}
	return metrics.Definition{}, anchor.Errorf(anchor.ENotFound, "there is no metric %q", key)
}

// showMetric drills from the scorecard into one metric's week: its value
// cut by each of its dimensions, each cut leading to the cases or contacts
// behind it.
func (s *Server) showMetric(w http.ResponseWriter, r *http.Request, u users.User) error {
	ctx := r.Context()
	def, err := s.lookupMetric(r, r.PathValue("key"))
	if err != nil {
		return err
	}
	wk, err := s.pickWeek(ctx, r)
	if err != nil {
		return err
	}
	d := metricData{Week: wk, Def: def, HasItems: itemSource(def.Key) != "", CanManage: canManage(u), ManualOnly: def.Manual}
	if d.Settings, err = s.Metrics.Settings(ctx, def.Key); err != nil {
		return err
	}
	q := metrics.Query{From: wk.Period.Start, To: wk.Period.End, Interval: "week", Location: wk.Loc}
	total, err := s.Metrics.Compute(ctx, def.Key, q)
	if err != nil {
		return err
	}
	if len(total.Points) > 0 {
		d.Total = &total.Points[0]
	}
	for _, by := range def.Dimensions {
		q.By = by
		res, err := s.Metrics.Compute(ctx, def.Key, q)
		if err != nil {
			return err
		}
		pts := slices.Clone(res.Points)
		// Largest first: the cuts that weigh most on the figure.
		slices.SortStableFunc(pts, func(a, b metrics.Point) int {
			switch {
			case a.Denominator > b.Denominator:
				return -1
			case a.Denominator < b.Denominator:
				return 1
			}
			return 0
		})
		d.Cuts = append(d.Cuts, metricCut{By: by, Points: pts})
	}
	s.render(w, r, http.StatusOK, "scorecard_metric", &view{Title: def.Name + " " + wk.Week, Nav: "scorecard", User: u, Data: d})
	return nil
}
