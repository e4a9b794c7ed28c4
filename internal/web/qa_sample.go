package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"anchor"
	"anchor/internal/metrics"
	"anchor/internal/qa"
	"anchor/internal/users"
)

func weekOf(t time.Time, loc *time.Location) string { return metrics.WeekOf(t, loc) }

// drawSample draws the week's random sample of agents' contacts for
// evaluation; the assignments appear on the QA page of each agent's
// supervisor.
func (s *Server) drawSample(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	f := r.PostForm
	req := qa.SampleRequest{Week: strings.TrimSpace(f.Get("week")), FormID: f.Get("form_id")}
	loc, err := s.Metrics.OrgLocation(ctx)
	if err != nil {
		return err
	}
	req.TimeZone = loc.String()
	req.PerAgent, err = strconv.Atoi(strings.TrimSpace(f.Get("per_agent")))
	if err != nil {
		err = anchor.Invalid("per_agent", "must be a whole number, like 3")
	}
	var sample qa.Sample
	if err == nil {
		sample, err = s.QA.Draw(ctx, u.Actor(), req)
	}
	if err != nil {
		if fs := refused("sample", r, err); fs != nil {
			return s.renderQA(w, r, u, fs)
		}
		return err
	}
	msg := "Sample drawn for " + sample.Week + ": " + strconv.Itoa(len(sample.Assignments)) + " contact(s) to evaluate."
	if n := len(sample.Short); n > 0 {
		msg += " " + strconv.Itoa(n) + " agent(s) had fewer contacts left to sample than asked."
	}
	return s.seeOther(w, r, "/qa", msg)
}
