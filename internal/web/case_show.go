package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/feedback"
	"anchor/internal/store"
	"anchor/internal/users"
)

type timelineEntry struct {
	At    time.Time
	Actor string
	Text  string
	Type  string
}

type caseData struct {
	Case      cases.Case
	Customer  customers.Customer
	Timeline  []timelineEntry
	Messages  []cases.Message
	Contacts  []cases.Contact
	Handoffs  []cases.Handoff
	Callbacks []cases.Callback
	Feedback  []feedback.Item
	Dir       *directory
	// FeedbackTypes are the kinds of feedback item the capture form offers.
	FeedbackTypes []string
	// CanEvaluate is set for those who run QA.
	CanEvaluate bool

	Channels   []string
	Priorities []string
	Outcomes   []string
	// Defaults of the callback form: the next full hour, for an hour, on
	// the customer's first phone number.
	WindowStart, WindowEnd time.Time
	Phone                  string
}

func (s *Server) showCase(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderCase(w, r, u, r.PathValue("id"), nil)
}

// renderCase shows the case page; with form set, that form is shown again
// with what was typed and why it was refused (the status is then 422, or
// 409 for a stale version).
func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, u users.User, id string, form *formState) error {
	ctx := r.Context()
	c, err := s.Cases.Get(ctx, id)
	if err != nil {
		return err
	}
	dir, err := s.directory(ctx)
	if err != nil {
		return err
	}
	d := caseData{Case: c, Customer: dir.Customer(c.CustomerID), Dir: dir,
		Channels: cases.Channels, Priorities: cases.Priorities, Outcomes: cases.CallbackOutcomes}
	events, err := s.Cases.Events(ctx, id)
	if err != nil {
		return err
	}
	// Newest first: what happened last is what the reader needs first.
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		d.Timeline = append(d.Timeline, timelineEntry{At: e.At, Actor: dir.UserName(e.ActorID), Text: describe(e, dir, s.Location), Type: e.Type})
	}
	if d.Messages, err = s.Cases.Messages(ctx, id); err != nil {
		return err
	}
	if d.Contacts, err = s.Cases.Contacts(ctx, id); err != nil {
		return err
	}
	if d.Handoffs, _, err = s.Cases.Handoffs(ctx, cases.HandoffFilter{CaseID: id}); err != nil {
		return err
	}
	if d.Callbacks, _, err = s.Cases.Callbacks(ctx, cases.CallbackFilter{CaseID: id}); err != nil {
		return err
	}
	if d.Feedback, _, err = s.Feedback.List(ctx, u.Actor(), feedback.Filter{CaseID: id, Page: store.Page{Limit: 50}}); err != nil {
		return err
	}
	d.FeedbackTypes, d.CanEvaluate = feedback.Types, slices.Contains(supervisors, u.Role)
	now := s.DB.Now().In(s.Location)
	d.WindowStart = now.Truncate(time.Hour).Add(time.Hour)
	d.WindowEnd = d.WindowStart.Add(time.Hour)
	for _, ct := range d.Customer.Contacts {
		if ct.Phone != "" {
			d.Phone = ct.Phone
			break
		}
	}
	s.render(w, r, pageStatus(form), "case", &view{Title: c.Subject, Nav: "cases", User: u, Form: form, Data: d})
	return nil
}

// describe says what an event did, in words, for the timeline.
func describe(e cases.Event, dir *directory, loc *time.Location) string {
	var data map[string]any
	json.Unmarshal(e.Data, &data) //nolint:errcheck // an unreadable payload shows as the bare event type
	str := func(k string) string {
		v, _ := data[k].(string)
		return v
	}
	at := func(k string) string {
		t, err := time.Parse(time.RFC3339Nano, str(k))
		if err != nil {
			return ""
		}
		return t.In(loc).Format("Mon 2 Jan 15:04")
	}
	switch e.Type {
	case cases.EventCreated:
		return fmt.Sprintf("opened the case (%s, %s priority)", str("channel"), str("priority"))
	case cases.EventStatusChanged:
		return fmt.Sprintf("changed the status from %s to %s", label(str("from")), label(str("to")))
	case cases.EventReopened:
		return "reopened the case"
	case cases.EventOwnerChanged:
		if to := str("to"); to != "" {
			return "gave the case to " + dir.UserName(to)
		}
		return "left the case without an owner"
	case cases.EventPriorityChanged:
		return fmt.Sprintf("changed the priority from %s to %s", label(str("from")), label(str("to")))
	case cases.EventDetailsChanged:
		return "edited the details"
	case cases.EventContactLogged:
		return fmt.Sprintf("logged an %s %s contact", str("direction"), str("channel"))
	case cases.EventMessageAdded:
		switch {
		case data["from_customer"] == true:
			return "recorded a message from the customer"
		case str("visibility") == "public":
			return "replied to the customer"
		}
		return "added a note"
	case cases.EventHandoffSent:
		return fmt.Sprintf("handed work to %s, due %s", dir.DeptName(str("department_id")), at("due_at"))
	case cases.EventHandoffAccepted:
		return fmt.Sprintf("accepted the handoff for %s", dir.DeptName(str("department_id")))
	case cases.EventHandoffAnswered:
		return fmt.Sprintf("answered for %s: “%s”", dir.DeptName(str("department_id")), str("answer"))
	case cases.EventHandoffDone:
		return fmt.Sprintf("completed the handoff for %s", dir.DeptName(str("department_id")))
	case cases.EventHandoffReturned:
		return fmt.Sprintf("sent the handoff for %s back: “%s”", dir.DeptName(str("department_id")), str("reason"))
	case cases.EventHandoffCanceled:
		return fmt.Sprintf("cancelled the handoff to %s", dir.DeptName(str("department_id")))
	case cases.EventCallbackPromise:
		return fmt.Sprintf("promised a callback between %s and %s", at("window_start"), at("window_end"))
	case cases.EventCallbackMade:
		s := fmt.Sprintf("made the callback (%s)", label(str("outcome")))
		if data["late"] == true {
			s += ", late"
		}
		return s
	case cases.EventCallbackCancel:
		return "cancelled a callback"
	case cases.EventSLAAtRisk, cases.EventSLABreached:
		what := "service level"
		switch str("subject") {
		case "case":
			what = "case's " + strings.ToLower(label(str("clock"))) + " clock"
		case "handoff":
			what = "handoff's " + strings.ToLower(label(str("clock"))) + " clock"
		case "callback":
			what = "callback window"
		}
		state := "is at risk"
		if e.Type == cases.EventSLABreached {
			state = "was breached"
		}
		return fmt.Sprintf("Service level: the %s %s (due %s)", what, state, at("due_at"))
	}
	return label(e.Type)
}
