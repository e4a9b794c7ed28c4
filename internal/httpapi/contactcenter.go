package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"anchor"
	"anchor/internal/contactcenter"
	"anchor/internal/users"
)

// ccWriters may change contact-center configuration and push events:
// integrations use an admin token.
var ccWriters = []string{users.RoleAdmin, users.RoleSupervisor}

// contactCenterRoutes declares the routes for contact-center events, queues, agent aliases and rollups.
func (s *Server) contactCenterRoutes() []route {
	cc := &contactcenter.Service{DB: s.DB}
	h := ccHandlers{cc}
	timeRange := []param{{"from", "RFC 3339 time (inclusive)"}, {"to", "RFC 3339 time (exclusive)"}}
	return []route{
		{method: "POST", path: "/api/v1/contact-events", summary: "Import contact-center events in Anchor's schema (a JSON array or JSON lines); bad lines are reported with their number, the rest imported",
			roles: ccWriters, in: []contactcenter.Event{}, out: contactcenter.EventReport{},
			query: []param{{"source", "the platform the events come from (default api): an event id is unique per source"}}, do: h.importEvents},

		{method: "GET", path: "/api/v1/queues", summary: "List contact-center queues", roles: staff, out: items[contactcenter.Queue]{}, do: h.listQueues},
		{method: "POST", path: "/api/v1/queues", summary: "Create a queue (thresholds default to 20 s service level, 5 s short abandon, no wrap-up)",
			roles: ccWriters, status: 201, in: contactcenter.NewQueue{}, out: contactcenter.Queue{}, do: h.createQueue},
		{method: "GET", path: "/api/v1/queues/{id}", summary: "Get a queue", roles: staff, out: contactcenter.Queue{}, do: h.getQueue},
		{method: "PATCH", path: "/api/v1/queues/{id}", summary: "Change a queue's names or thresholds (rebuild rollups to apply them to the past)",
			roles: ccWriters, in: contactcenter.QueueUpdate{}, out: contactcenter.Queue{}, do: h.updateQueue},
		{method: "GET", path: "/api/v1/queues/{id}/history", summary: "Offered contacts and handle time per 15-minute interval on the same weekday of past weeks (for staffing)",
			roles: staff, out: items[contactcenter.HistoryDay]{},
			query: []param{{"weekday", "monday..sunday (default: before's weekday)"}, {"weeks", "how many past weeks, 1-520 (default 4)"},
				{"before", "RFC 3339 time (default now)"}, {"tz", "IANA zone of the calendar days (default UTC)"}}, do: h.history},

		{method: "GET", path: "/api/v1/agent-aliases", summary: "List agent aliases (names in the events) and the users they map to", roles: staff, out: items[contactcenter.Alias]{},
			query: []param{{"unmapped", "true for aliases without a user"}, {"user", "only this user's aliases"}}, do: h.listAliases},
		{method: "POST", path: "/api/v1/agent-aliases", summary: "Map an agent alias to a user (created if new; user_id empty unmaps)",
			roles: ccWriters, in: contactcenter.AliasInput{}, out: contactcenter.Alias{}, do: h.setAlias},

		{method: "GET", path: "/api/v1/contact-records", summary: "Contact records (one per queue visit), newest offer first", roles: staff, out: list[contactcenter.ContactRecord]{},
			query: append(append([]param{{"queue", "queue id"}, {"agent", "agent user id"}, {"outcome", "outcome"}, {"call", "call id"}}, timeRange...), pageParams...), do: h.records},
		{method: "GET", path: "/api/v1/agent-sessions", summary: "Agent sessions (logged in, paused, available, unavailable), newest first", roles: staff, out: list[contactcenter.AgentSession]{},
			query: append(append([]param{{"agent", "agent user id"}, {"alias", "agent name as logged"}, {"kind", "logged_in, paused, available or unavailable"}}, timeRange...), pageParams...), do: h.sessions},
		{method: "GET", path: "/api/v1/rollups", summary: "Summed 15-minute rollups over a period, grouped by the dimensions in by", roles: staff, out: items[contactcenter.Rollup]{},
			query: append([]param{{"queue", "queue id"}, {"agent", "agent user id"}, {"segment", "segment id"}, {"channel", "channel"},
				{"by", "comma-separated: interval, queue, agent, segment, channel (default: one total)"}}, timeRange...), do: h.rollups},
	}
}

type ccHandlers struct{ cc *contactcenter.Service }

func (h ccHandlers) importEvents(r *http.Request, u users.User) (any, error) {
	format := ""
	switch ct := r.Header.Get("Content-Type"); {
	case ct == "", strings.HasPrefix(ct, "application/json"):
	case strings.HasPrefix(ct, "application/x-ndjson"), strings.HasPrefix(ct, "application/jsonl"):
		format = "jsonl"
	default:
		return nil, anchor.Invalid("Content-Type", "must be application/json or application/x-ndjson")
	}
	// Read the whole body first: an oversized one is refused before
	// anything is imported.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, decodeError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, anchor.Invalid("", "the body is empty: send a JSON array or JSON lines of events")
	}
	er, err := contactcenter.NewEventReader(bytes.NewReader(body), format)
	if err != nil {
		return nil, err
	}
	rep, err := h.cc.ImportEvents(r.Context(), er, contactcenter.EventImportOptions{Stream: r.URL.Query().Get("source")})
	if err != nil {
		return nil, err
	}
	if rep.Imported == 0 && rep.Duplicates == 0 && len(rep.Errors) > 0 {
		e := rep.Errors[0]
		return nil, anchor.Invalid(e.Field, "line %d: %s", e.Line, e.Message)
	}
	return rep, nil
}

func (h ccHandlers) listQueues(r *http.Request, u users.User) (any, error) {
	v, err := h.cc.Queues(r.Context())
	return items[contactcenter.Queue]{v}, err
}

func (h ccHandlers) createQueue(r *http.Request, u users.User) (any, error) {
	var n contactcenter.NewQueue
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return h.cc.CreateQueue(r.Context(), n)
}

func (h ccHandlers) getQueue(r *http.Request, u users.User) (any, error) {
	q, err := h.cc.Queue(r.Context(), r.PathValue("id"))
	return versioned[contactcenter.Queue]{q, q.Version}, err
}

func (h ccHandlers) updateQueue(r *http.Request, u users.User) (any, error) {
	var up contactcenter.QueueUpdate
	if err := decode(r, &up); err != nil {
		return nil, err
	}
	var err error
	if up.Version, err = version(r, up.Version); err != nil {
		return nil, err
	}
	q, err := h.cc.UpdateQueue(r.Context(), r.PathValue("id"), up)
	return versioned[contactcenter.Queue]{q, q.Version}, err
}

var weekdays = map[string]time.Weekday{"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday}

func (h ccHandlers) history(r *http.Request, u users.User) (any, error) {
	if _, err := h.cc.Queue(r.Context(), r.PathValue("id")); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	loc := time.UTC
	if tz := q.Get("tz"); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil, anchor.Invalid("tz", "is not an IANA time zone")
		}
		loc = l
	}
	before := h.cc.DB.Now()
	if t, err := queryTime(r, "before"); err != nil {
		return nil, err
	} else if t != nil {
		before = *t
	}
	weeks, err := queryInt(r, "weeks", 4, 1, 520)
	if err != nil {
		return nil, err
	}
	wd := before.In(loc).Weekday()
	if s := q.Get("weekday"); s != "" {
		d, ok := weekdays[strings.ToLower(s)]
		if !ok {
			return nil, anchor.Invalid("weekday", "must be monday, tuesday, ... or sunday")
		}
		wd = d
	}
	v, err := h.cc.History(r.Context(), r.PathValue("id"), wd, weeks, before, loc)
	return items[contactcenter.HistoryDay]{v}, err
}

func (h ccHandlers) listAliases(r *http.Request, u users.User) (any, error) {
	unmapped, err := queryBool(r, "unmapped")
	if err != nil {
		return nil, err
	}
	v, err := h.cc.Aliases(r.Context(), contactcenter.AliasFilter{Unmapped: unmapped, UserID: r.URL.Query().Get("user")})
	return items[contactcenter.Alias]{v}, err
}

func (h ccHandlers) setAlias(r *http.Request, u users.User) (any, error) {
	var in contactcenter.AliasInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return h.cc.SetAlias(r.Context(), in)
}

// timeRange reads from and to; to must be after from.
func timeRange(r *http.Request) (from, to time.Time, err error) {
	f, err := queryTime(r, "from")
	if err != nil {
		return
	}
	t, err := queryTime(r, "to")
	if err != nil {
		return
	}
	if f != nil {
		from = *f
	}
	if t != nil {
		to = *t
	}
	if f != nil && t != nil && !to.After(from) {
		err = anchor.Invalid("to", "must be after from")
	}
	return
}

func (h ccHandlers) records(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	from, to, err := timeRange(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	v, next, err := h.cc.ContactRecords(r.Context(), contactcenter.RecordFilter{From: from, To: to, QueueID: q.Get("queue"),
		AgentID: q.Get("agent"), Outcome: q.Get("outcome"), CallID: q.Get("call"), Page: p})
	return list[contactcenter.ContactRecord]{v, next}, err
}

func (h ccHandlers) sessions(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	from, to, err := timeRange(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	v, next, err := h.cc.AgentSessions(r.Context(), contactcenter.SessionFilter{From: from, To: to, AgentID: q.Get("agent"),
		Agent: q.Get("alias"), Kind: q.Get("kind"), Page: p})
	return list[contactcenter.AgentSession]{v, next}, err
}

func (h ccHandlers) rollups(r *http.Request, u users.User) (any, error) {
	from, to, err := timeRange(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := contactcenter.RollupFilter{From: from, To: to, QueueID: q.Get("queue"), AgentID: q.Get("agent"), SegmentID: q.Get("segment"), Channel: q.Get("channel")}
	if by := q.Get("by"); by != "" {
		for _, d := range strings.Split(by, ",") {
			f.By = append(f.By, strings.TrimSpace(d))
		}
	}
	if len(f.By) > len(contactcenter.Dimensions) {
		return nil, anchor.Invalid("by", "names at most %s dimensions", strconv.Itoa(len(contactcenter.Dimensions)))
	}
	v, err := h.cc.Rollups(r.Context(), f)
	return items[contactcenter.Rollup]{v}, err
}
