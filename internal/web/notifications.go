package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"anchor/internal/notify"
	"anchor/internal/store"
	"anchor/internal/users"
)

// notificationItem is a notification as the page lists it: what happened
// in words, and where to go to act on it.
type notificationItem struct {
	notify.Notification
	// Clock, State and DueAt are read from the escalation's data; Subject
	// is the case's subject. Empty when the notification is of another
	// kind, which then shows its own message.
	Clock, State, Subject string
	DueAt                 time.Time
	Href                  string
}

type notificationsData struct {
	Items  []notificationItem
	All    bool
	Next   string
	Unread bool
}

const notificationsPage = 50

// showNotifications lists the user's notifications, unread ones only
// unless ?show=all, newest first.
func (s *Server) showNotifications(w http.ResponseWriter, r *http.Request, u users.User) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := notificationsData{All: q.Get("show") == "all"}
	list, next, err := s.Notify.List(ctx, u.ID, !d.All, store.Page{Limit: notificationsPage, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	d.Next = next
	subjects := map[string]string{}
	caseLinks := slices.Contains(staff, u.Role)
	for _, n := range list {
		it := notificationItem{Notification: n}
		var data struct {
			Clock string     `json:"clock"`
			State string     `json:"state"`
			DueAt *time.Time `json:"due_at"`
		}
		if json.Unmarshal(n.Data, &data) == nil && data.Clock != "" && data.DueAt != nil {
			it.Clock, it.State, it.DueAt = data.Clock, data.State, *data.DueAt
		}
		if n.CaseID != "" {
			subject, ok := subjects[n.CaseID]
			if !ok {
				if c, err := s.Cases.Get(ctx, n.CaseID); err == nil {
					subject = c.Subject
				}
				subjects[n.CaseID] = subject
			}
			it.Subject = subject
		}
		switch {
		case n.SubjectType == "handoff" && n.SubjectID != "":
			it.Href = "/handoffs/" + n.SubjectID
		case n.CaseID != "" && caseLinks:
			it.Href = "/cases/" + n.CaseID
			if n.SubjectType == "callback" {
				it.Href += "#callbacks"
			}
		}
		if n.ReadAt == nil {
			d.Unread = true
		}
		d.Items = append(d.Items, it)
	}
	s.render(w, r, http.StatusOK, "notifications", &view{Title: "Notifications", Nav: "notifications", User: u, Data: d})
	return nil
}

// readNotification marks one of the user's notifications read and goes
// back to the list (or to back, a local path, to open what it is about).
func (s *Server) readNotification(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := s.Notify.MarkRead(r.Context(), u.ID, r.PathValue("id")); err != nil {
		return err
	}
	if back := r.PostForm.Get("back"); localPath(back) {
		return s.seeOther(w, r, back, "")
	}
	return s.seeOther(w, r, "/notifications", "Notification marked read.")
}

// readAllNotifications marks every unread notification of the user read,
// a page of the unread list at a time (notify has no bulk update).
func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request, u users.User) error {
	ctx := r.Context()
	marked := 0
	for range 100 { // at most 50,000: a bound, not a limit anyone reaches
		list, _, err := s.Notify.List(ctx, u.ID, true, store.Page{Limit: store.MaxPageSize})
		if err != nil {
			return err
		}
		for _, n := range list {
			if err := s.Notify.MarkRead(ctx, u.ID, n.ID); err != nil {
				return err
			}
			marked++
		}
		if len(list) < store.MaxPageSize {
			break
		}
	}
	msg := "No unread notifications."
	if marked > 0 {
		msg = "All notifications marked read."
	}
	return s.seeOther(w, r, "/notifications", msg)
}
