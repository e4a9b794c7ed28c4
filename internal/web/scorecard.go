package web

import (
	"net/http"

	"anchor/internal/users"
)

// scorecardMetrics are the metric keys of DESIGN.md, in scorecard order.
var scorecardMetrics = []struct{ Key, Name string }{
	{"service_level", "Service level"}, {"asa", "Average speed of answer"}, {"abandon_rate", "Abandon rate"},
	{"aht", "Average handle time"}, {"fcr", "First-contact resolution"}, {"first_response", "First response on time"},
	{"resolution", "Resolution on time"}, {"callback_punctuality", "Callback punctuality"},
	{"handoff_on_time", "Handoffs on time"}, {"backlog_age", "Backlog age"}, {"csat", "CSAT"}, {"nps", "NPS"},
	{"accuracy", "Accuracy"}, {"treatment", "Treatment"}, {"availability", "Availability"}, {"occupancy", "Occupancy"},
	{"praise_complaint_ratio", "Praise to complaint ratio"}, {"ideas_implemented", "Ideas implemented"},
}

// showScorecard is the director's weekly scorecard. The metrics are
// computed by the metrics capability, which is not here yet: each metric
// is listed with "no data yet", never with a made-up value.
func (s *Server) showScorecard(w http.ResponseWriter, r *http.Request, u users.User) error {
	s.render(w, r, http.StatusOK, "scorecard", &view{Title: "Scorecard", Nav: "scorecard", User: u, Data: scorecardMetrics})
	return nil
}
