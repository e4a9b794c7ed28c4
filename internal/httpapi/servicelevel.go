package httpapi

import (
	"io"
	"net/http"

	"anchor/internal/notify"
	"anchor/internal/servicelevel"
	"anchor/internal/users"
)

// serviceLevelRoutes declares the routes for the service matrix, calendars,
// proactive relationship contacts, notifications and webhooks.
func (s *Server) serviceLevelRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/service-matrix", summary: "The whole service matrix as one document", roles: staff, out: servicelevel.Matrix{}, do: s.getMatrix},
		{method: "PUT", path: "/api/v1/service-matrix", summary: "Replace the whole service matrix (refused whole, every problem named, when any is wrong); JSON or YAML", roles: managers,
			in: servicelevel.Matrix{}, out: servicelevel.Matrix{}, do: s.putMatrix},
		{method: "GET", path: "/api/v1/calendars", summary: "List business calendars", roles: staff, out: items[servicelevel.StoredCalendar]{}, do: s.listCalendars},
		{method: "POST", path: "/api/v1/calendars", summary: "Create a business calendar, or replace the one of the same name", roles: managers, status: 201,
			in: calendarDoc{}, out: servicelevel.StoredCalendar{}, do: s.putCalendar},
		{method: "GET", path: "/api/v1/calendars/{name}", summary: "Get a business calendar", roles: staff, out: servicelevel.StoredCalendar{}, do: s.getCalendar},
		{method: "DELETE", path: "/api/v1/calendars/{name}", summary: "Delete a calendar that no target or department uses", roles: managers, out: struct{}{}, do: s.deleteCalendar},
		{method: "GET", path: "/api/v1/relationship-contacts/due", summary: "Accounts whose proactive relationship contact is due or overdue", roles: staff,
			query: []param{{"owner", "account owner user id ('me' for yourself)"}, {"within_days", "also list those due within this many days (default 7)"}},
			out:   items[servicelevel.DueContact]{}, do: s.dueRelationshipContacts},
		{method: "POST", path: "/api/v1/customers/{id}/relationship-contacts", summary: "Log a proactive relationship contact (the segment's required fields are checked)", roles: staff, status: 201,
			in: servicelevel.NewRelationshipContact{}, out: servicelevel.RelationshipContact{}, do: s.logRelationshipContact},
		{method: "GET", path: "/api/v1/notifications", summary: "Your notifications, newest first", roles: anyone,
			query: append([]param{{"unread", "true for unread only"}}, pageParams...), out: list[notify.Notification]{}, do: s.listNotifications},
		{method: "POST", path: "/api/v1/notifications/{id}/read", summary: "Mark one of your notifications read", roles: anyone, out: struct{}{}, do: s.readNotification},
		{method: "GET", path: "/api/v1/webhooks", summary: "List webhooks", roles: admins, out: items[notify.Webhook]{}, do: s.listWebhooks},
		{method: "POST", path: "/api/v1/webhooks", summary: "Register a webhook: every escalation is POSTed to it, signed with HMAC-SHA256 (X-Anchor-Signature)", roles: admins, status: 201,
			in: notify.NewWebhook{}, out: notify.CreatedWebhook{}, do: s.createWebhook},
		{method: "DELETE", path: "/api/v1/webhooks/{id}", summary: "Stop a webhook", roles: admins, out: struct{}{}, do: s.deleteWebhook},
	}
}

// calendarDoc documents the calendar JSON shape for the OpenAPI document.
type calendarDoc struct {
	Name              string                `json:"name"`
	TimeZone          string                `json:"timezone"`
	Hours             map[string][][]string `json:"hours"`
	Holidays          []string              `json:"holidays"`
	RecurringHolidays []string              `json:"recurring_holidays"`
}

func (s *Server) getMatrix(r *http.Request, u users.User) (any, error) {
	return s.Levels.Export(r.Context())
}

func (s *Server) putMatrix(r *http.Request, u users.User) (any, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, decodeError(err)
	}
	m, err := servicelevel.ParseMatrix(body)
	if err != nil {
		return nil, err
	}
	if m.Version, err = version(r, m.Version); err != nil {
		return nil, err
	}
	return s.Levels.Import(r.Context(), u.Actor(), m)
}

func (s *Server) listCalendars(r *http.Request, u users.User) (any, error) {
	v, err := s.Levels.Calendars(r.Context())
	return items[servicelevel.StoredCalendar]{v}, err
}

func (s *Server) putCalendar(r *http.Request, u users.User) (any, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, decodeError(err)
	}
	c, err := servicelevel.ParseCalendar(body)
	if err != nil {
		return nil, err
	}
	return s.Levels.PutCalendar(r.Context(), c)
}

func (s *Server) getCalendar(r *http.Request, u users.User) (any, error) {
	return s.Levels.CalendarByName(r.Context(), r.PathValue("name"))
}

func (s *Server) deleteCalendar(r *http.Request, u users.User) (any, error) {
	return struct{}{}, s.Levels.DeleteCalendar(r.Context(), r.PathValue("name"))
}

func (s *Server) dueRelationshipContacts(r *http.Request, u users.User) (any, error) {
	within, err := queryInt(r, "within_days", 7, 0, 3660)
	if err != nil {
		return nil, err
	}
	v, err := s.Levels.DueRelationshipContacts(r.Context(), me(r.URL.Query().Get("owner"), u), within)
	return items[servicelevel.DueContact]{v}, err
}

func (s *Server) logRelationshipContact(r *http.Request, u users.User) (any, error) {
	var n servicelevel.NewRelationshipContact
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return s.Levels.LogRelationshipContact(r.Context(), u.Actor(), r.PathValue("id"), n)
}

func (s *Server) listNotifications(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	unread, err := queryBool(r, "unread")
	if err != nil {
		return nil, err
	}
	v, next, err := s.Notify.List(r.Context(), u.ID, unread, p)
	return list[notify.Notification]{v, next}, err
}

func (s *Server) readNotification(r *http.Request, u users.User) (any, error) {
	return struct{}{}, s.Notify.MarkRead(r.Context(), u.ID, r.PathValue("id"))
}

func (s *Server) listWebhooks(r *http.Request, u users.User) (any, error) {
	v, err := s.Notify.Webhooks(r.Context())
	return items[notify.Webhook]{v}, err
}

func (s *Server) createWebhook(r *http.Request, u users.User) (any, error) {
	var n notify.NewWebhook
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return s.Notify.CreateWebhook(r.Context(), n)
}

func (s *Server) deleteWebhook(r *http.Request, u users.User) (any, error) {
	return struct{}{}, s.Notify.DeleteWebhook(r.Context(), r.PathValue("id"))
}
