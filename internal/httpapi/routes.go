package httpapi

import (
	"net/http"
	"strings"

	"anchor"
	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/departments"
	"anchor/internal/store"
	"anchor/internal/users"
)

// table declares every /api/v1 route. The OpenAPI document is generated
// from it, so a route cannot exist without being described. Each capability
// declares its routes in a file of its own.
func (s *Server) table() []route {
	var rs []route
	for _, part := range [][]route{
		s.coreRoutes(),
		s.serviceLevelRoutes(),
		s.contactCenterRoutes(),
		s.voiceRoutes(),
		s.staffingRoutes(),
		s.qaRoutes(),
		s.metricsRoutes(),
	} {
		rs = append(rs, part...)
	}
	return rs
}

// coreRoutes are the foundation's: reference data, customers, cases,
// handoffs, callbacks.
func (s *Server) coreRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/openapi.json", summary: "This API's OpenAPI 3.1 document", roles: anyone, do: s.openAPI},
		{method: "GET", path: "/api/v1/me", summary: "The signed-in user", roles: anyone, out: users.User{}, do: s.me},

		{method: "POST", path: "/api/v1/segments", summary: "Create a customer segment", roles: managers, status: 201, in: customers.NewSegment{}, out: customers.Segment{}, do: s.createSegment},
		{method: "GET", path: "/api/v1/segments", summary: "List segments", roles: anyone, out: items[customers.Segment]{}, do: s.listSegments},
		{method: "GET", path: "/api/v1/segments/{id}", summary: "Get a segment", roles: anyone, out: customers.Segment{}, do: s.getSegment},

		{method: "POST", path: "/api/v1/departments", summary: "Create a department or outside party", roles: managers, status: 201, in: departments.NewDepartment{}, out: departments.Department{}, do: s.createDepartment},
		{method: "GET", path: "/api/v1/departments", summary: "List departments", roles: anyone, out: items[departments.Department]{}, do: s.listDepartments},
		{method: "GET", path: "/api/v1/departments/{id}", summary: "Get a department", roles: anyone, out: departments.Department{}, do: s.getDepartment},

		{method: "POST", path: "/api/v1/users", summary: "Create a user", roles: admins, status: 201, in: users.NewUser{}, out: users.User{}, do: s.createUser},
		{method: "GET", path: "/api/v1/users", summary: "List users", roles: staff, out: items[users.User]{},
			query: []param{{"role", "only this role"}, {"department", "only members of this department"}}, do: s.listUsers},
		{method: "GET", path: "/api/v1/users/{id}", summary: "Get a user", roles: staff, out: users.User{}, do: s.getUser},
		{method: "PATCH", path: "/api/v1/users/{id}", summary: "Change a user's name, role, department, supervisor, or deactivate them", roles: admins,
			in: users.Update{}, out: users.User{}, do: s.updateUser},
		{method: "POST", path: "/api/v1/tokens", summary: "Create an API token (for yourself; an admin may name another user)", roles: anyone, status: 201, in: newToken{}, out: createdToken{}, do: s.createToken},
		{method: "DELETE", path: "/api/v1/tokens/{id}", summary: "Revoke one of your API tokens", roles: anyone, out: struct{}{}, do: s.revokeToken},

		{method: "POST", path: "/api/v1/customers", summary: "Create a customer", roles: staff, status: 201, in: customers.NewCustomer{}, out: customers.Customer{}, do: s.createCustomer},
		{method: "GET", path: "/api/v1/customers", summary: "List customers, newest first", roles: staff, out: list[customers.Customer]{},
			query: append([]param{{"segment", "segment id"}, {"owner", "owner user id"}, {"q", "part of the name or external id"}}, pageParams...), do: s.listCustomers},
		{method: "GET", path: "/api/v1/customers/{id}", summary: "Get a customer", roles: staff, out: customers.Customer{}, do: s.getCustomer},
		{method: "PATCH", path: "/api/v1/customers/{id}", summary: "Change a customer (owner changes are recorded)", roles: staff, in: customers.Update{}, out: customers.Customer{}, do: s.updateCustomer},
		{method: "GET", path: "/api/v1/customers/{id}/owner-history", summary: "Every change of the customer's owner", roles: staff, out: items[customers.OwnerChange]{}, do: s.ownerHistory},

		{method: "POST", path: "/api/v1/cases", summary: "Open a case, optionally with its first contact", roles: staff, status: 201, in: cases.NewCase{}, out: cases.Case{}, do: s.createCase},
		{method: "GET", path: "/api/v1/cases", summary: "List cases, newest first", roles: staff, out: list[cases.Case]{},
			query: append([]param{{"status", "comma-separated statuses, or 'active' for new, open and pending"}, {"owner", "owner user id ('me' for yourself)"},
				{"customer", "customer id"}, {"segment", "segment id"}, {"category", "category"}}, pageParams...), do: s.listCases},
		{method: "GET", path: "/api/v1/cases/{id}", summary: "Get a case", roles: staff, out: cases.Case{}, do: s.getCase},
		{method: "PATCH", path: "/api/v1/cases/{id}", summary: "Change a case: status, owner, priority, details", roles: staff, in: cases.Update{}, out: cases.Case{}, do: s.updateCase},
		{method: "GET", path: "/api/v1/cases/{id}/events", summary: "The case's whole history, in order", roles: staff, out: items[cases.Event]{}, do: s.caseEvents},
		{method: "POST", path: "/api/v1/cases/{id}/contacts", summary: "Log a contact with the customer", roles: staff, status: 201, in: cases.NewContact{}, out: cases.Contact{}, do: s.logContact},
		{method: "GET", path: "/api/v1/cases/{id}/contacts", summary: "The case's contacts", roles: staff, out: items[cases.Contact]{}, do: s.listContacts},
		{method: "POST", path: "/api/v1/cases/{id}/messages", summary: "Add a reply, a note, or a customer's message", roles: staff, status: 201, in: cases.NewMessage{}, out: cases.Message{}, do: s.addMessage},
		{method: "GET", path: "/api/v1/cases/{id}/messages", summary: "The case's messages and notes", roles: staff, out: items[cases.Message]{}, do: s.listMessages},
		{method: "POST", path: "/api/v1/cases/{id}/handoffs", summary: "Hand part of the work to a department", roles: staff, status: 201, in: cases.NewHandoff{}, out: cases.Handoff{}, do: s.sendHandoff},
		{method: "POST", path: "/api/v1/cases/{id}/callbacks", summary: "Promise the customer a callback inside a window", roles: staff, status: 201, in: cases.NewCallback{}, out: cases.Callback{}, do: s.promiseCallback},

		{method: "GET", path: "/api/v1/handoffs", summary: "List handoffs (a department member sees only its department's)", roles: anyone, out: list[cases.Handoff]{},
			query: append([]param{{"department", "department id"}, {"case", "case id"}, {"status", "sent, accepted, completed, returned or cancelled"}, {"open", "true for sent or accepted only"}}, pageParams...), do: s.listHandoffs},
		{method: "GET", path: "/api/v1/handoffs/{id}", summary: "Get a handoff", roles: anyone, out: cases.Handoff{}, do: s.getHandoff},
		{method: "PATCH", path: "/api/v1/handoffs/{id}", summary: "Accept, answer, complete, send back or cancel a handoff", roles: anyone, in: cases.HandoffUpdate{}, out: cases.Handoff{}, do: s.updateHandoff},

		{method: "GET", path: "/api/v1/callbacks", summary: "List callbacks; due_before lists the promised ones whose window opens before then", roles: staff, out: list[cases.Callback]{},
			query: append([]param{{"due_before", "RFC 3339 time"}, {"owner", "owner user id ('me' for yourself)"}, {"case", "case id"}, {"status", "promised, made or cancelled"}}, pageParams...), do: s.listCallbacks},
		{method: "GET", path: "/api/v1/callbacks/{id}", summary: "Get a callback", roles: staff, out: cases.Callback{}, do: s.getCallback},
		{method: "PATCH", path: "/api/v1/callbacks/{id}", summary: "Mark a callback made (when, outcome) or cancelled", roles: staff, in: cases.CallbackUpdate{}, out: cases.Callback{}, do: s.updateCallback},
	}
}

func page(r *http.Request) (store.Page, error) {
	n, err := queryInt(r, "limit", store.DefaultPageSize, 1, store.MaxPageSize)
	if err != nil {
		return store.Page{}, err
	}
	return store.Page{Cursor: r.URL.Query().Get("cursor"), Limit: n}, nil
}

// me resolves the "me" shorthand of owner filters.
func me(v string, u users.User) string {
	if v == "me" {
		return u.ID
	}
	return v
}

func (s *Server) me(r *http.Request, u users.User) (any, error) { return u, nil }

// Segments.

func (s *Server) createSegment(r *http.Request, u users.User) (any, error) {
	var n customers.NewSegment
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return s.Customers.CreateSegment(r.Context(), n)
}

func (s *Server) listSegments(r *http.Request, u users.User) (any, error) {
	v, err := s.Customers.Segments(r.Context())
	return items[customers.Segment]{v}, err
}

func (s *Server) getSegment(r *http.Request, u users.User) (any, error) {
	return s.Customers.Segment(r.Context(), r.PathValue("id"))
}

// Departments.

func (s *Server) createDepartment(r *http.Request, u users.User) (any, error) {
	var n departments.NewDepartment
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return s.Departments.Create(r.Context(), n)
}

func (s *Server) listDepartments(r *http.Request, u users.User) (any, error) {
	v, err := s.Departments.List(r.Context())
	return items[departments.Department]{v}, err
}

func (s *Server) getDepartment(r *http.Request, u users.User) (any, error) {
	return s.Departments.Get(r.Context(), r.PathValue("id"))
}

// Users.

func (s *Server) createUser(r *http.Request, u users.User) (any, error) {
	var n users.NewUser
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return s.Users.Create(r.Context(), n)
}

func (s *Server) listUsers(r *http.Request, u users.User) (any, error) {
	q := r.URL.Query()
	if role := q.Get("role"); role != "" && !users.ValidRole(role) {
		return nil, anchor.Invalid("role", "must be one of %s", strings.Join(users.Roles, ", "))
	}
	v, err := s.Users.List(r.Context(), users.Filter{Role: q.Get("role"), DepartmentID: q.Get("department")})
	return items[users.User]{v}, err
}

func (s *Server) getUser(r *http.Request, u users.User) (any, error) {
	x, err := s.Users.Get(r.Context(), r.PathValue("id"))
	return versioned[users.User]{x, x.Version}, err
}

func (s *Server) updateUser(r *http.Request, u users.User) (any, error) {
	var up users.Update
	if err := decode(r, &up); err != nil {
		return nil, err
	}
	var err error
	if up.Version, err = version(r, up.Version); err != nil {
		return nil, err
	}
	x, err := s.Users.Update(r.Context(), u.Actor(), r.PathValue("id"), up)
	return versioned[users.User]{x, x.Version}, err
}

// Customers.

func (s *Server) createCustomer(r *http.Request, u users.User) (any, error) {
	var n customers.NewCustomer
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return s.Customers.Create(r.Context(), u.Actor(), n)
}

func (s *Server) listCustomers(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	v, next, err := s.Customers.List(r.Context(), customers.Filter{SegmentID: q.Get("segment"), OwnerID: me(q.Get("owner"), u), Query: q.Get("q"), Page: p})
	return list[customers.Customer]{v, next}, err
}

func (s *Server) getCustomer(r *http.Request, u users.User) (any, error) {
	c, err := s.Customers.Get(r.Context(), r.PathValue("id"))
	return versioned[customers.Customer]{c, c.Version}, err
}

func (s *Server) updateCustomer(r *http.Request, u users.User) (any, error) {
	var up customers.Update
	if err := decode(r, &up); err != nil {
		return nil, err
	}
	var err error
	if up.Version, err = version(r, up.Version); err != nil {
		return nil, err
	}
	c, err := s.Customers.Update(r.Context(), u.Actor(), r.PathValue("id"), up)
	return versioned[customers.Customer]{c, c.Version}, err
}

func (s *Server) ownerHistory(r *http.Request, u users.User) (any, error) {
	v, err := s.Customers.OwnerHistory(r.Context(), r.PathValue("id"))
	return items[customers.OwnerChange]{v}, err
}

// Cases.

func (s *Server) createCase(r *http.Request, u users.User) (any, error) {
	var n cases.NewCase
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return s.Cases.Create(r.Context(), u.Actor(), n)
}

func (s *Server) listCases(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := cases.Filter{OwnerID: me(q.Get("owner"), u), CustomerID: q.Get("customer"), SegmentID: q.Get("segment"), Category: q.Get("category"), Page: p}
	for _, st := range strings.Split(q.Get("status"), ",") {
		switch st = strings.TrimSpace(st); st {
		case "":
		case "active":
			f.Active = true
		default:
			f.Status = append(f.Status, st)
		}
	}
	v, next, err := s.Cases.List(r.Context(), f)
	return list[cases.Case]{v, next}, err
}

func (s *Server) getCase(r *http.Request, u users.User) (any, error) {
	c, err := s.Cases.Get(r.Context(), r.PathValue("id"))
	return versioned[cases.Case]{c, c.Version}, err
}

func (s *Server) updateCase(r *http.Request, u users.User) (any, error) {
	var up cases.Update
	if err := decode(r, &up); err != nil {
		return nil, err
	}
	var err error
	if up.Version, err = version(r, up.Version); err != nil {
		return nil, err
	}
	c, err := s.Cases.Update(r.Context(), u.Actor(), r.PathValue("id"), up)
	return versioned[cases.Case]{c, c.Version}, err
}

func (s *Server) caseEvents(r *http.Request, u users.User) (any, error) {
	v, err := s.Cases.Events(r.Context(), r.PathValue("id"))
	return items[cases.Event]{v}, err
}

// caseExists gives a 404 for sub-resources of a case that does not exist,
// rather than an empty list.
func (s *Server) caseExists(r *http.Request) error {
	_, err := s.Cases.Get(r.Context(), r.PathValue("id"))
	return err
}

func (s *Server) logContact(r *http.Request, u users.User) (any, error) {
	var n cases.NewContact
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return s.Cases.LogContact(r.Context(), u.Actor(), r.PathValue("id"), n)
}

func (s *Server) listContacts(r *http.Request, u users.User) (any, error) {
	if err := s.caseExists(r); err != nil {
		return nil, err
	}
	v, err := s.Cases.Contacts(r.Context(), r.PathValue("id"))
	return items[cases.Contact]{v}, err
}

func (s *Server) addMessage(r *http.Request, u users.User) (any, error) {
	var n cases.NewMessage
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return s.Cases.AddMessage(r.Context(), u.Actor(), r.PathValue("id"), n)
}

func (s *Server) listMessages(r *http.Request, u users.User) (any, error) {
	if err := s.caseExists(r); err != nil {
		return nil, err
	}
	v, err := s.Cases.Messages(r.Context(), r.PathValue("id"))
	return items[cases.Message]{v}, err
}

func (s *Server) sendHandoff(r *http.Request, u users.User) (any, error) {
	var n cases.NewHandoff
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return s.Cases.SendHandoff(r.Context(), u.Actor(), r.PathValue("id"), n)
}

func (s *Server) promiseCallback(r *http.Request, u users.User) (any, error) {
	var n cases.NewCallback
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	return s.Cases.PromiseCallback(r.Context(), u.Actor(), r.PathValue("id"), n)
}

// Handoffs.

func (s *Server) listHandoffs(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	open, err := queryBool(r, "open")
	if err != nil {
		return nil, err
	}
	f := cases.HandoffFilter{DepartmentID: q.Get("department"), CaseID: q.Get("case"), Status: q.Get("status"), Open: open, Page: p}
	if u.Role == users.RoleDepartment {
		if f.DepartmentID != "" && f.DepartmentID != u.DepartmentID {
			return nil, anchor.Forbidden("a department member sees only its own department's handoffs")
		}
		f.DepartmentID = u.DepartmentID
	}
	v, next, err := s.Cases.Handoffs(r.Context(), f)
	return list[cases.Handoff]{v, next}, err
}

func (s *Server) getHandoff(r *http.Request, u users.User) (any, error) {
	h, err := s.Cases.Handoff(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if u.Role == users.RoleDepartment && h.DepartmentID != u.DepartmentID {
		return nil, anchor.NotFound("handoff", h.ID)
	}
	return versioned[cases.Handoff]{h, h.Version}, nil
}

func (s *Server) updateHandoff(r *http.Request, u users.User) (any, error) {
	var up cases.HandoffUpdate
	if err := decode(r, &up); err != nil {
		return nil, err
	}
	var err error
	if up.Version, err = version(r, up.Version); err != nil {
		return nil, err
	}
	h, err := s.Cases.UpdateHandoff(r.Context(), u.Actor(), r.PathValue("id"), up)
	return versioned[cases.Handoff]{h, h.Version}, err
}

// Callbacks.

func (s *Server) listCallbacks(r *http.Request, u users.User) (any, error) {
	p, err := page(r)
	if err != nil {
		return nil, err
	}
	due, err := queryTime(r, "due_before")
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	v, next, err := s.Cases.Callbacks(r.Context(), cases.CallbackFilter{DueBefore: due, OwnerID: me(q.Get("owner"), u), CaseID: q.Get("case"), Status: q.Get("status"), Page: p})
	return list[cases.Callback]{v, next}, err
}

func (s *Server) getCallback(r *http.Request, u users.User) (any, error) {
	c, err := s.Cases.Callback(r.Context(), r.PathValue("id"))
	return versioned[cases.Callback]{c, c.Version}, err
}

func (s *Server) updateCallback(r *http.Request, u users.User) (any, error) {
	var up cases.CallbackUpdate
	if err := decode(r, &up); err != nil {
		return nil, err
	}
	var err error
	if up.Version, err = version(r, up.Version); err != nil {
		return nil, err
	}
	c, err := s.Cases.UpdateCallback(r.Context(), u.Actor(), r.PathValue("id"), up)
	return versioned[cases.Callback]{c, c.Version}, err
}
