package web

import (
	"net/http"
	"strconv"
	"time"

	"anchor"
	"anchor/internal/feedback"
	"anchor/internal/surveys"
	"anchor/internal/users"
)

// voiceCuts are the groupings the Voice page offers for NPS and CSAT.
var voiceCuts = []string{"segment", "owner", "category", "agent", "channel", "month"}

type voiceData struct {
	Days      int
	By        string
	Cuts      []string
	From, To  time.Time
	NPS, CSAT surveys.ScoreReport
	Summary   feedback.Summary
	Phrases   feedback.PhraseReport
	Dir       *directory
	Segments  map[string]string
}

// GroupName names a score group's key for its cut.
func (d voiceData) GroupName(key string) string {
	switch d.By {
	case "segment":
		if n, ok := d.Segments[key]; ok {
			return n
		}
	case "owner", "agent":
		if key != "" {
			return d.Dir.UserName(key)
		}
	}
	if key == "" {
		return "(none)"
	}
	return key
}

// showVoice is the customer's voice for directors: NPS and CSAT by a cut
// with the verbatims behind each figure, the praise-to-complaint ratio and
// which functions the feedback concerns, and the key phrases of what
// detractors say.
func (s *Server) showVoice(w http.ResponseWriter, r *http.Request, u users.User) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := voiceData{Days: 90, By: "segment", Cuts: voiceCuts}
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 730 {
			return anchor.Invalid("days", "must be a number of days from 1 to 730")
		}
		d.Days = n
	}
	if v := q.Get("by"); v != "" {
		if !containsString(voiceCuts, v) {
			return anchor.Invalid("by", "must be one of %v", voiceCuts)
		}
		d.By = v
	}
	d.To = s.DB.Now()
	d.From = d.To.AddDate(0, 0, -d.Days)
	var err error
	if d.NPS, err = s.Surveys.Scores(ctx, surveys.ScoreFilter{Kind: surveys.KindNPS, By: d.By, From: d.From, To: d.To, Verbatims: 3}); err != nil {
		return err
	}
	if d.CSAT, err = s.Surveys.Scores(ctx, surveys.ScoreFilter{Kind: surveys.KindCSAT, By: d.By, From: d.From, To: d.To, Verbatims: 3}); err != nil {
		return err
	}
	if d.Summary, err = s.Feedback.Summarise(ctx, d.From, d.To); err != nil {
		return err
	}
	if d.Phrases, err = s.Feedback.Phrases(ctx, feedback.TextFilter{From: d.From, To: d.To, Scope: "detractors", Source: "all"}, 15); err != nil {
		return err
	}
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	segs, err := s.Customers.Segments(ctx)
	if err != nil {
		return err
	}
	d.Segments = map[string]string{}
	for _, sg := range segs {
		d.Segments[sg.ID] = sg.Name
	}
	s.render(w, r, http.StatusOK, "voice", &view{Title: "Customer's voice", Nav: "voice", User: u, Data: d})
	return nil
}
