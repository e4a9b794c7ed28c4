package httpapi

import (
	"net/http"
	"time"

	"anchor"
	"anchor/internal/contactcenter"
	"anchor/internal/staffing"
	"anchor/internal/users"
)

// staffingRoutes declares the routes for staffing plans.
func (s *Server) staffingRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/staffing/plan", summary: "Agents needed per interval for a forecast (Erlang C, or Erlang A with patience), with optional shifts and what-if scenarios",
			roles: supervisors, in: planRequest{}, out: planResponse{}, do: s.postPlan},
		{method: "GET", path: "/api/v1/staffing/plan", summary: "A plan for a queue's day forecast from the same weekday of the last weeks (interval rollups)", roles: supervisors,
			query: []param{{"queue", "queue id"}, {"date", "the day to plan, YYYY-MM-DD"}, {"weeks", "weeks of history to average (default 4)"},
				{"target", "service level, e.g. 80/20s"}, {"shrinkage", "e.g. 0.30"}, {"max_occupancy", "e.g. 0.85"}, {"patience", "mean patience for Erlang A, e.g. 300s"}, {"tz", "IANA time zone"}},
			out: planResponse{}, do: s.getPlan},
	}
}

type planRequest struct {
	Forecast   staffing.Forecast        `json:"forecast"`
	Policy     staffing.Policy          `json:"policy"`
	Shifts     []staffing.ShiftTemplate `json:"shifts,omitempty"`
	HourlyCost float64                  `json:"hourly_cost,omitempty"`
	// Variants are what-ifs such as "busy:calls=+20%,aht=-10%".
	Variants []string `json:"variants,omitempty"`
}

type planResponse struct {
	Plan      staffing.Plan              `json:"plan"`
	Schedule  *staffing.Schedule         `json:"schedule,omitempty"`
	Scenarios []staffing.ScenarioResult  `json:"scenarios,omitempty"`
	History   []contactcenter.HistoryDay `json:"history,omitempty"`
}

func (s *Server) postPlan(r *http.Request, u users.User) (any, error) {
	var req planRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	return plan(req, nil)
}

// plan computes a plan and, when asked, its shifts and scenarios; a
// staffing input error is the caller's (400).
func plan(req planRequest, history []contactcenter.HistoryDay) (planResponse, error) {
	invalid := func(field string, err error) error { return anchor.Invalid(field, "%v", err) }
	if err := req.Policy.Validate(); err != nil {
		return planResponse{}, invalid("policy", err)
	}
	p, err := staffing.NewPlan(req.Forecast, req.Policy)
	if err != nil {
		return planResponse{}, invalid("forecast", err)
	}
	out := planResponse{Plan: p, History: history}
	if len(req.Shifts) > 0 {
		sch, err := staffing.ScheduleShifts(p, req.Shifts, req.HourlyCost, staffing.CoverOptions{})
		if err != nil {
			return planResponse{}, invalid("shifts", err)
		}
		out.Schedule = &sch
	}
	if len(req.Variants) > 0 {
		var vs []staffing.Variant
		for _, v := range req.Variants {
			pv, err := staffing.ParseVariant(v)
			if err != nil {
				return planResponse{}, invalid("variants", err)
			}
			vs = append(vs, pv)
		}
		sc, err := staffing.CompareScenarios(req.Forecast, req.Policy, req.HourlyCost, vs)
		if err != nil {
			return planResponse{}, invalid("variants", err)
		}
		out.Scenarios = sc
	}
	return out, nil
}

// getPlan forecasts a queue's day as the mean of the same weekday over
// the last weeks, interval by interval (time of day), and plans it.
func (s *Server) getPlan(r *http.Request, u users.User) (any, error) {
	q := r.URL.Query()
	loc, err := s.location(r)
	if err != nil {
		return nil, err
	}
	if q.Get("queue") == "" {
		return nil, anchor.Invalid("queue", "is required")
	}
	date, err := time.ParseInLocation("2006-01-02", q.Get("date"), loc)
	if err != nil {
		return nil, anchor.Invalid("date", "must be a day such as 2026-11-30")
	}
	weeks, err := queryInt(r, "weeks", 4, 1, 52)
	if err != nil {
		return nil, err
	}
	policy := staffing.Policy{}
	if policy.Target, err = staffing.ParseTarget(valueOr(q.Get("target"), "80/20s")); err != nil {
		return nil, anchor.Invalid("target", "%v", err)
	}
	if policy.Shrinkage, err = queryFloat(r, "shrinkage", 0); err != nil {
		return nil, err
	}
	if policy.MaxOccupancy, err = queryFloat(r, "max_occupancy", 0); err != nil {
		return nil, err
	}
	var patience time.Duration
	if p := q.Get("patience"); p != "" {
		if patience, err = time.ParseDuration(p); err != nil || patience <= 0 {
			return nil, anchor.Invalid("patience", "must be a duration such as 300s")
		}
	}
	days, err := (&contactcenter.Service{DB: s.DB}).History(r.Context(), q.Get("queue"), date.Weekday(), weeks, date, loc)
	if err != nil {
		return nil, err
	}
	f := staffing.Forecast{Length: contactcenter.Interval, Patience: patience}
	if len(days) > 0 {
		for i, iv := range days[0].Intervals {
			var calls float64
			var handled, handleMS int64
			for _, d := range days {
				if i < len(d.Intervals) {
					calls += float64(d.Intervals[i].Offered)
					handled += d.Intervals[i].Handled
					handleMS += d.Intervals[i].HandleMS
				}
			}
			if calls == 0 || handled == 0 {
				continue // nothing offered at this time of day: nobody needed
			}
			offset := iv.Start.In(loc).Sub(time.Date(iv.Start.In(loc).Year(), iv.Start.In(loc).Month(), iv.Start.In(loc).Day(), 0, 0, 0, 0, loc))
			f.Intervals = append(f.Intervals, staffing.Interval{Start: date.Add(offset), Calls: calls / float64(len(days)),
				AHT: time.Duration(handleMS/handled) * time.Millisecond})
		}
	}
	if len(f.Intervals) == 0 {
		return nil, anchor.Invalid("queue", "no contacts in the last %d weeks on that weekday: nothing to forecast from", weeks)
	}
	return plan(planRequest{Forecast: f, Policy: policy}, days)
}

func valueOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
