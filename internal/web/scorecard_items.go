package web

import (
	"context"
	"net/http"
	"time"

	"anchor"
	"anchor/internal/contactcenter"
	"anchor/internal/feedback"
	"anchor/internal/metrics"
	"anchor/internal/qa"
	"anchor/internal/store"
	"anchor/internal/surveys"
	"anchor/internal/users"
)

// itemsShown bounds the list behind a number: enough to check a figure,
// not a report export.
const itemsShown = 200

// itemSource says what a metric's number is made of, for the list behind
// it; "" when it is agent time or entered by hand.
func itemSource(key string) string {
	switch key {
	case "fcr", "resolution", "first_response", "backlog_age", "callback_punctuality", "handoff_on_time":
		return "cases"
	case "service_level", "asa", "abandon_rate", "aht":
		return "contacts"
	case "accuracy", "treatment":
		return "qa"
	case "csat", "nps":
		return "surveys"
	case "praise_complaint_ratio", "ideas_implemented":
		return "feedback"
	}
	return ""
}

// itemCase is one case behind a case metric.
type itemCase struct {
	ID, Subject, CustomerID, OwnerID, Status, Channel, Category string
	CreatedAt                                                   time.Time
	ResolvedAt, DueAt                                           *time.Time
	Contacts, Reopens                                           int
}

type itemsData struct {
	Week        weekChoice
	Def         metrics.Definition
	By, Cut     string
	CutName     string
	Source      string
	Cases       []itemCase
	Contacts    []contactcenter.ContactRecord
	Evaluations []qa.Evaluation
	Responses   []surveys.Response
	Feedback    []feedback.Item
	More        bool
	Dir         *directory
	Queues      map[string]string
}

// showMetricItems lists the cases, contacts, evaluations, answers or
// feedback items a metric's week (or one cut of it) is computed from.
func (s *Server) showMetricItems(w http.ResponseWriter, r *http.Request, u users.User) error {
	ctx := r.Context()
	def, err := s.lookupMetric(r, r.PathValue("key"))
	if err != nil {
		return err
	}
	wk, err := s.pickWeek(ctx, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := itemsData{Week: wk, Def: def, By: q.Get("by"), Cut: q.Get("cut"), Source: itemSource(def.Key)}
	if d.By != "" && !containsString(def.Dimensions, d.By) {
		return anchor.Invalid("by", "%s can be cut by %v", def.Key, def.Dimensions)
	}
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	from, to := wk.Period.Start, wk.Period.End
	page := store.Page{Limit: itemsShown}
	switch d.Source {
	case "cases":
		d.Cases, d.More, err = s.metricCases(ctx, def.Key, from, to, d.By, d.Cut)
	case "contacts":
		f := contactcenter.RecordFilter{From: from, To: to, Page: page}
		switch d.By {
		case metrics.ByQueue:
			f.QueueID = d.Cut
		case metrics.ByAgent:
			f.AgentID = d.Cut
		}
		var all []contactcenter.ContactRecord
		var next string
		all, next, err = s.Contact.ContactRecords(ctx, f)
		d.More = next != ""
		for _, c := range all {
			if (d.By == metrics.BySegment && c.SegmentID != d.Cut) || (d.By == metrics.ByChannel && c.Channel != d.Cut) {
				continue
			}
			d.Contacts = append(d.Contacts, c)
		}
		d.Queues = map[string]string{}
		if qs, qerr := s.Contact.Queues(ctx); qerr == nil {
			for _, x := range qs {
				d.Queues[x.ID] = x.Name
			}
		}
	case "qa":
		f := qa.EvaluationFilter{From: &from, To: &to, Page: page}
		if d.By == metrics.ByAgent {
			f.AgentID = d.Cut
		}
		var next string
		d.Evaluations, next, err = s.QA.Evaluations(ctx, u.Actor(), f)
		d.More = next != ""
	case "surveys":
		f := surveys.ResponseFilter{Kind: def.Key, From: &from, To: &to, Page: page}
		switch d.By {
		case metrics.BySegment:
			f.SegmentID = d.Cut
		case metrics.ByAgent:
			f.AgentID = d.Cut
		}
		var next string
		d.Responses, next, err = s.Surveys.Responses(ctx, f)
		d.More = next != ""
	case "feedback":
		f := feedback.Filter{From: &from, To: &to, Page: page}
		switch d.By {
		case metrics.BySegment:
			f.SegmentID = d.Cut
		case metrics.ByDepartment:
			f.DepartmentID = d.Cut
		case metrics.ByAgent:
			f.CapturedBy = d.Cut
		}
		var next string
		d.Feedback, next, err = s.Feedback.List(ctx, u.Actor(), f)
		d.More = next != ""
	default:
		return anchor.Invalid("key", "%s is computed from agent time or entered by hand: there is no list behind it", def.Key)
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "scorecard_items", &view{Title: def.Name + " " + wk.Week + ": behind the number", Nav: "scorecard", User: u, Data: d})
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// metricCases lists the cases a case metric counts in [from, to), by the
// metric's own rule (metrics.CasesBehind), optionally one cut's.
func (s *Server) metricCases(ctx context.Context, key string, from, to time.Time, by, cut string) ([]itemCase, bool, error) {
	found, more, err := s.Metrics.CasesBehind(ctx, key, metrics.Period{Start: from, End: to}, by, cut, itemsShown)
	if err != nil {
		return nil, false, err
	}
	out := make([]itemCase, len(found))
	for i, c := range found {
		out[i] = itemCase{ID: c.ID, Subject: c.Subject, CustomerID: c.CustomerID, OwnerID: c.OwnerID, Status: c.Status, Channel: c.Channel,
			Category: c.Category, CreatedAt: c.CreatedAt, ResolvedAt: c.ResolvedAt, DueAt: c.DueAt, Contacts: c.Contacts, Reopens: c.Reopens}
	}
	return out, more, nil
}
