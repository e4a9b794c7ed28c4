package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"anchor/internal/metrics"
	"anchor/internal/users"
)

// weekChoice is the week a scorecard page shows, with its neighbours for
// the picker.
type weekChoice struct {
	Week, Prev, Next string
	// Current is the week now is in; Next is empty past it.
	Current string
	Period  metrics.Period
	Loc     *time.Location
}

// pickWeek reads ?week= (an ISO week such as 2026-W10; empty for this
// week) in the organisation's time zone.
func (s *Server) pickWeek(ctx context.Context, r *http.Request) (weekChoice, error) {
	loc, err := s.Metrics.OrgLocation(ctx)
	if err != nil {
		return weekChoice{}, err
	}
	w := weekChoice{Loc: loc, Current: metrics.WeekOf(s.DB.Now(), loc)}
	w.Week = strings.TrimSpace(r.URL.Query().Get("week"))
	if w.Week == "" {
		w.Week = w.Current
	}
	if w.Period, err = metrics.ParseWeek(w.Week, loc); err != nil {
		return w, err
	}
	w.Prev = metrics.WeekOf(w.Period.Start.AddDate(0, 0, -3), loc)
	if w.Week != w.Current {
		w.Next = metrics.WeekOf(w.Period.End.AddDate(0, 0, 3), loc)
	}
	return w, nil
}

type scorecardData struct {
	Week       weekChoice
	Card       metrics.Scorecard
	CanManage  bool
	TrendWeeks int
}

// showScorecard is the director's weekly scorecard: every metric's value
// against the target of the stage in force, its status in a word and a
// colour, owner, benchmark gap and an eight-week trend (a sparkline beside
// the numbers). Each metric leads to its cuts and the work behind it.
func (s *Server) showScorecard(w http.ResponseWriter, r *http.Request, u users.User) error {
	ctx := r.Context()
	wk, err := s.pickWeek(ctx, r)
	if err != nil {
		return err
	}
	card, err := s.Metrics.BuildScorecard(ctx, wk.Week, wk.Loc)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "scorecard", &view{Title: "Scorecard " + wk.Week, Nav: "scorecard", User: u,
		Data: scorecardData{Week: wk, Card: card, CanManage: canManage(u), TrendWeeks: metrics.TrendWeeks}})
	return nil
}

func canManage(u users.User) bool { return u.Role == users.RoleAdmin || u.Role == users.RoleDirector }
