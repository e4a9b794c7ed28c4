package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"anchor/internal/httpapi"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// api is a real Anchor API on a loopback port with an admin signed in.
type api struct {
	t     *testing.T
	url   string
	db    *store.DB
	clock *storetest.Clock
	admin string // token
}

func newAPI(t *testing.T, db *store.DB) *api {
	t.Helper()
	clock := &storetest.Clock{T: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	db.Now = clock.Now
	s := httpapi.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Users.KDF = users.TestKDF
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	u, err := s.Users.Create(context.Background(), users.NewUser{Email: "admin@example.com", Name: "Admin", Role: users.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := s.Users.CreateToken(context.Background(), u.ID, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	return &api{t: t, url: srv.URL, db: db, clock: clock, admin: tok}
}

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (r resp) str(key string) string { s, _ := r.body[key].(string); return s }
func (r resp) num(key string) int    { f, _ := r.body[key].(float64); return int(f) }

func (r resp) errField() (code, field, msg string) {
	e, _ := r.body["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	msg, _ = e["message"].(string)
	return
}

func (r resp) items() []map[string]any {
	var out []map[string]any
	for _, it := range r.body["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// call sends a request; body is JSON-encoded unless it is a string, which
// is sent as is.
func (a *api) call(token, method, path string, body any, header ...string) resp {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			a.t.Fatalf("%s %s: body is not a JSON object: %v: %s", method, path, err, raw)
		}
	}
	return r
}

func (a *api) must(r resp, status int) resp {
	a.t.Helper()
	if r.status != status {
		a.t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

func (a *api) wantError(r resp, status int, code, field string) {
	a.t.Helper()
	c, f, msg := r.errField()
	if r.status != status || c != code || f != field || msg == "" {
		a.t.Fatalf("got %d %s field %q (%s), want %d %s field %q", r.status, c, f, msg, status, code, field)
	}
}

func (a *api) count(table string) int {
	a.t.Helper()
	var n int
	if err := a.db.Read.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// world creates, over the API, a segment, a finance department, an agent,
// a finance member, tokens for both and a customer owned by the agent.
type world struct {
	segment, finance, agent, agentTok, member, memberTok, customer string
}

func (a *api) world() world {
	a.t.Helper()
	var w world
	w.segment = a.must(a.call(a.admin, "POST", "/api/v1/segments", map[string]any{"name": "enterprise"}), 201).str("id")
	w.finance = a.must(a.call(a.admin, "POST", "/api/v1/departments", map[string]any{"name": "finance", "accept_within_seconds": 3600, "complete_within_seconds": 86400}), 201).str("id")
	w.agent = a.must(a.call(a.admin, "POST", "/api/v1/users", map[string]any{"email": "Ana@Example.com", "name": "Ana", "role": "agent"}), 201).str("id")
	w.agentTok = a.must(a.call(a.admin, "POST", "/api/v1/tokens", map[string]any{"name": "ana", "user_id": w.agent}), 201).str("secret")
	w.member = a.must(a.call(a.admin, "POST", "/api/v1/users", map[string]any{"email": "fin@example.com", "name": "Fin", "role": "department", "department_id": w.finance}), 201).str("id")
	w.memberTok = a.must(a.call(a.admin, "POST", "/api/v1/tokens", map[string]any{"name": "fin", "user_id": w.member}), 201).str("secret")
	w.customer = a.must(a.call(w.agentTok, "POST", "/api/v1/customers", map[string]any{"name": "Acme", "segment_id": w.segment, "owner_id": w.agent,
		"contacts": []any{map[string]any{"name": "Jo", "email": "jo@acme.example", "phone": "+44 20 7946 0000"}}}), 201).str("id")
	return w
}

func TestCaseFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		w := a.world()
		me := a.must(a.call(w.agentTok, "GET", "/api/v1/me", nil), 200)
		if me.str("email") != "ana@example.com" || me.str("role") != "agent" {
			t.Fatalf("me = %s", me.raw)
		}
		c := a.must(a.call(w.agentTok, "POST", "/api/v1/cases", map[string]any{"customer_id": w.customer, "subject": "Charged twice",
			"channel": "phone", "category": "billing", "first_contact": map[string]any{}}), 201)
		id := c.str("id")
		if c.str("owner_id") != w.agent || c.str("status") != "new" || c.num("contact_count") != 1 || c.num("version") != 1 {
			t.Fatalf("created case = %s", c.raw)
		}
		got := a.must(a.call(w.agentTok, "GET", "/api/v1/cases/"+id, nil), 200)
		if got.header.Get("ETag") != `"1"` {
			t.Fatalf("ETag = %q, want \"1\"", got.header.Get("ETag"))
		}

		// Status by body version, then by If-Match; a stale one is refused.
		a.must(a.call(w.agentTok, "PATCH", "/api/v1/cases/"+id, map[string]any{"status": "open", "version": 1}), 200)
		a.must(a.call(w.agentTok, "PATCH", "/api/v1/cases/"+id, map[string]any{"priority": "high"}, "If-Match", `"2"`), 200)
		a.wantError(a.call(w.agentTok, "PATCH", "/api/v1/cases/"+id, map[string]any{"priority": "low", "version": 2}), 409, "conflict", "version")
		a.wantError(a.call(w.agentTok, "PATCH", "/api/v1/cases/"+id, map[string]any{"priority": "low"}), 428, "precondition_required", "version")
		r := a.call(w.agentTok, "PATCH", "/api/v1/cases/"+id, map[string]any{"status": "closed", "version": 3})
		a.wantError(r, 409, "conflict", "status")
		if _, _, msg := r.errField(); !strings.Contains(msg, "allowed: pending_customer, pending_internal, resolved") {
			t.Fatalf("illegal transition message %q does not name the allowed statuses", msg)
		}
		if p := a.must(a.call(w.agentTok, "GET", "/api/v1/cases/"+id, nil), 200); p.str("priority") != "high" || p.num("version") != 3 {
			t.Fatalf("after refused updates: %s", p.raw)
		}

		a.must(a.call(w.agentTok, "POST", "/api/v1/cases/"+id+"/messages", map[string]any{"body": "We will refund you", "visibility": "public"}), 201)
		a.must(a.call(w.agentTok, "POST", "/api/v1/cases/"+id+"/contacts", map[string]any{"channel": "email", "direction": "outbound"}), 201)
		if n := len(a.must(a.call(w.agentTok, "GET", "/api/v1/cases/"+id+"/contacts", nil), 200).items()); n != 2 {
			t.Fatalf("%d contacts, want 2", n)
		}

		// Handoff to finance: the member sees it, accepts and completes it.
		h := a.must(a.call(w.agentTok, "POST", "/api/v1/cases/"+id+"/handoffs", map[string]any{"department_id": w.finance, "request": "Refund the second charge"}), 201)
		if h.str("due_at") != "2026-11-24T09:00:00Z" || h.str("accept_due_at") != "2026-11-23T10:00:00Z" {
			t.Fatalf("handoff due times = %s / %s", h.str("accept_due_at"), h.str("due_at"))
		}
		queue := a.must(a.call(w.memberTok, "GET", "/api/v1/handoffs?open=true", nil), 200).items()
		if len(queue) != 1 || queue[0]["id"] != h.str("id") {
			t.Fatalf("finance queue = %v", queue)
		}
		a.wantError(a.call(w.memberTok, "GET", "/api/v1/cases/"+id, nil), 403, "forbidden", "")
		a.wantError(a.call(w.agentTok, "PATCH", "/api/v1/handoffs/"+h.str("id"), map[string]any{"status": "accepted", "version": 1}), 403, "forbidden", "")
		a.clock.Advance(30 * time.Minute)
		h = a.must(a.call(w.memberTok, "PATCH", "/api/v1/handoffs/"+h.str("id"), map[string]any{"status": "accepted", "version": 1}), 200)
		h = a.must(a.call(w.memberTok, "PATCH", "/api/v1/handoffs/"+h.str("id"), map[string]any{"status": "completed", "answer": "Refunded 40 EUR", "version": 2}), 200)
		if h.str("status") != "completed" || h.body["late"] != false || h.str("answer") != "Refunded 40 EUR" {
			t.Fatalf("completed handoff = %s", h.raw)
		}

		// A callback promised and made late.
		cb := a.must(a.call(w.agentTok, "POST", "/api/v1/cases/"+id+"/callbacks", map[string]any{
			"window_start": "2026-11-23T10:00:00Z", "window_end": "2026-11-23T11:00:00Z", "phone": "+44 20 7946 0000"}), 201)
		due := a.must(a.call(w.agentTok, "GET", "/api/v1/callbacks?due_before=2026-11-23T23:59:59Z&owner=me", nil), 200).items()
		if len(due) != 1 || due[0]["id"] != cb.str("id") {
			t.Fatalf("callbacks due today = %v", due)
		}
		a.clock.Advance(3 * time.Hour)
		cb = a.must(a.call(w.agentTok, "PATCH", "/api/v1/callbacks/"+cb.str("id"), map[string]any{"status": "made", "outcome": "reached", "version": 1}), 200)
		if cb.body["late"] != true {
			t.Fatalf("callback made after its window is not late: %s", cb.raw)
		}

		events := a.must(a.call(w.agentTok, "GET", "/api/v1/cases/"+id+"/events", nil), 200).items()
		var types []string
		for _, e := range events {
			types = append(types, e["type"].(string))
		}
		want := "case_created contact_logged status_changed priority_changed message_added contact_logged handoff_sent handoff_accepted handoff_answered handoff_completed callback_promised callback_made"
		if strings.Join(types, " ") != want {
			t.Fatalf("events:\n got %s\nwant %s", strings.Join(types, " "), want)
		}
		if events[7]["actor_id"] != w.member {
			t.Fatalf("handoff_accepted actor = %v, want %s", events[7]["actor_id"], w.member)
		}

		// Owner change recorded.
		sup := a.must(a.call(a.admin, "POST", "/api/v1/users", map[string]any{"email": "sam@example.com", "name": "Sam", "role": "supervisor"}), 201).str("id")
		a.must(a.call(a.admin, "PATCH", "/api/v1/customers/"+w.customer, map[string]any{"owner_id": sup, "owner_change_reason": "account transfer", "version": 1}), 200)
		hist := a.must(a.call(a.admin, "GET", "/api/v1/customers/"+w.customer+"/owner-history", nil), 200).items()
		if len(hist) != 2 || hist[1]["from"] != w.agent || hist[1]["to"] != sup || hist[1]["reason"] != "account transfer" {
			t.Fatalf("owner history = %v", hist)
		}
		list := a.must(a.call(w.agentTok, "GET", "/api/v1/cases?status=active&customer="+w.customer, nil), 200).items()
		if len(list) != 1 || list[0]["id"] != id {
			t.Fatalf("active cases of the customer = %v", list)
		}
	})
}

func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		w := a.world()
		before := a.count("cases")
		for _, tc := range []struct {
			name   string
			body   any
			status int
			code   string
			field  string
		}{
			{"UnknownField", map[string]any{"customer_id": w.customer, "subject": "x", "channel": "phone", "colour": "red"}, 400, "invalid", "colour"},
			{"WrongType", map[string]any{"customer_id": w.customer, "subject": 5, "channel": "phone"}, 400, "invalid", "subject"},
			{"WrongNestedType", map[string]any{"customer_id": w.customer, "subject": "x", "channel": "phone", "first_contact": map[string]any{"direction": 1}}, 400, "invalid", "first_contact.direction"},
			{"MissingRequired", map[string]any{"customer_id": w.customer, "channel": "phone"}, 400, "invalid", "subject"},
			{"UnknownCustomer", map[string]any{"customer_id": "nope", "subject": "x", "channel": "phone"}, 400, "invalid", "customer_id"},
			{"BadEnum", map[string]any{"customer_id": w.customer, "subject": "x", "channel": "pigeon"}, 400, "invalid", "channel"},
			{"Malformed", `{"subject": "x",`, 400, "invalid", ""},
			{"NotAnObject", `[1,2]`, 400, "invalid", ""},
			{"Empty", ``, 400, "invalid", ""},
			{"TwoValues", `{} {}`, 400, "invalid", ""},
			{"Oversize", `{"customer_id": "` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`, 413, "too_large", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a.t = t
				a.wantError(a.call(w.agentTok, "POST", "/api/v1/cases", tc.body), tc.status, tc.code, tc.field)
			})
		}
		a.t = t
		if after := a.count("cases"); after != before {
			t.Fatalf("cases %d → %d after refused requests", before, after)
		}
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/cases/nope", nil), 404, "not_found", "")
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/cases/nope/messages", map[string]any{"body": "x"}), 404, "not_found", "")
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/cases?limit=0", nil), 400, "invalid", "limit")
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/callbacks?due_before=tomorrow", nil), 400, "invalid", "due_before")
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/cases/x/callbacks", map[string]any{"window_start": "today"}), 400, "invalid", "")
		a.wantError(a.call(a.admin, "POST", "/api/v1/segments", map[string]any{"name": "enterprise"}), 409, "conflict", "name")
		a.wantError(a.call(a.admin, "POST", "/api/v1/users", map[string]any{"email": "ana@example.com", "name": "Ana 2", "role": "agent"}), 409, "conflict", "email")
		a.wantError(a.call(a.admin, "POST", "/api/v1/users", map[string]any{"email": "not-an-email", "name": "X", "role": "agent"}), 400, "invalid", "email")
		a.wantError(a.call(a.admin, "POST", "/api/v1/users", map[string]any{"email": "x@example.com", "name": "X", "role": "king"}), 400, "invalid", "role")
		a.wantError(a.call(a.admin, "PATCH", "/api/v1/customers/"+w.customer, map[string]any{"contacts": []any{map[string]any{"name": "nobody"}}, "version": 1}), 400, "invalid", "contacts[0]")
		a.wantError(a.call(a.admin, "GET", "/api/v1/nothing-here", nil), 404, "not_found", "")
	})
}

func TestRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		w := a.world()
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/users", map[string]any{"email": "x@example.com", "name": "X", "role": "admin"}), 403, "forbidden", "")
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/departments", map[string]any{"name": "legal"}), 403, "forbidden", "")
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/segments", map[string]any{"name": "retail"}), 403, "forbidden", "")
		a.wantError(a.call(w.agentTok, "POST", "/api/v1/tokens", map[string]any{"name": "x", "user_id": w.member}), 403, "forbidden", "")
		a.wantError(a.call(w.memberTok, "GET", "/api/v1/customers", nil), 403, "forbidden", "")
		a.wantError(a.call(w.memberTok, "POST", "/api/v1/cases", map[string]any{"customer_id": w.customer, "subject": "x", "channel": "web"}), 403, "forbidden", "")

		legal := a.must(a.call(a.admin, "POST", "/api/v1/departments", map[string]any{"name": "legal", "external": false}), 201).str("id")
		c := a.must(a.call(w.agentTok, "POST", "/api/v1/cases", map[string]any{"customer_id": w.customer, "subject": "Contract", "channel": "email"}), 201).str("id")
		h := a.must(a.call(w.agentTok, "POST", "/api/v1/cases/"+c+"/handoffs", map[string]any{"department_id": legal, "request": "Review", "due_at": "2026-11-30T09:00:00Z"}), 201).str("id")
		a.wantError(a.call(w.memberTok, "GET", "/api/v1/handoffs?department="+legal, nil), 403, "forbidden", "")
		a.wantError(a.call(w.memberTok, "GET", "/api/v1/handoffs/"+h, nil), 404, "not_found", "")
		a.wantError(a.call(w.memberTok, "PATCH", "/api/v1/handoffs/"+h, map[string]any{"status": "accepted", "version": 1}), 404, "not_found", "")
		if n := len(a.must(a.call(w.memberTok, "GET", "/api/v1/handoffs", nil), 200).items()); n != 0 {
			t.Fatalf("finance member sees %d handoffs sent to legal", n)
		}

		// Tokens: a revoked or unknown token is refused.
		tok := a.must(a.call(w.agentTok, "POST", "/api/v1/tokens", map[string]any{"name": "laptop"}), 201)
		a.must(a.call(tok.str("secret"), "GET", "/api/v1/me", nil), 200)
		a.must(a.call(w.agentTok, "DELETE", "/api/v1/tokens/"+tok.str("id"), nil), 200)
		a.wantError(a.call(tok.str("secret"), "GET", "/api/v1/me", nil), 401, "unauthorized", "")
		a.wantError(a.call("anc_made-up", "GET", "/api/v1/me", nil), 401, "unauthorized", "")
		short := a.must(a.call(w.agentTok, "POST", "/api/v1/tokens", map[string]any{"name": "short", "ttl_seconds": 60}), 201).str("secret")
		a.must(a.call(short, "GET", "/api/v1/me", nil), 200)
		a.clock.Advance(2 * time.Minute)
		a.wantError(a.call(short, "GET", "/api/v1/me", nil), 401, "unauthorized", "")
	})
}

// TestOpenAPIMatchesRoutes checks the OpenAPI document against the server:
// every operation it lists answers (401 without a token, not 404 or 405),
// every $ref resolves, and /healthz alone needs no token.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	a := newAPI(t, storetest.OpenSQLite(t))
	doc := a.must(a.call(a.admin, "GET", "/api/v1/openapi.json", nil), 200)
	if doc.str("openapi") != "3.1.0" {
		t.Fatalf("openapi = %q", doc.str("openapi"))
	}
	paths := doc.body["paths"].(map[string]any)
	ops := 0
	for path, item := range paths {
		for method := range item.(map[string]any) {
			ops++
			concrete := strings.NewReplacer("{id}", "x").Replace(path)
			r := a.call("", strings.ToUpper(method), concrete, nil)
			want := http.StatusUnauthorized
			if path == "/healthz" {
				want = http.StatusOK
			}
			if r.status != want {
				t.Errorf("%s %s without a token: %d, want %d", strings.ToUpper(method), path, r.status, want)
			}
		}
	}
	if ops < 30 {
		t.Fatalf("only %d operations documented", ops)
	}
	schemas := doc.body["components"].(map[string]any)["schemas"].(map[string]any)
	refs := 0
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				refs++
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if _, ok := schemas[name]; !ok {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc.body)
	case_ := schemas["Case"].(map[string]any)["properties"].(map[string]any)
	for _, f := range []string{"id", "customer_id", "status", "version", "allowed_transitions"} {
		if _, ok := case_[f]; !ok {
			t.Errorf("Case schema lacks %s", f)
		}
	}
	if refs == 0 {
		t.Fatal("no $ref in the document")
	}
	// And the reverse: an undocumented path is not served.
	if r := a.call(a.admin, "GET", "/api/v1/undocumented", nil); r.status != 404 {
		t.Fatalf("undocumented path: %d", r.status)
	}
	_ = fmt.Sprint
}

func TestUserAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		w := a.world()
		me := a.must(a.call(a.admin, "GET", "/api/v1/me", nil), 200)
		// Promote Ana to supervisor, then deactivate her: her token stops working.
		u := a.must(a.call(a.admin, "PATCH", "/api/v1/users/"+w.agent, map[string]any{"role": "supervisor", "version": 1}), 200)
		if u.str("role") != "supervisor" || u.num("version") != 2 {
			t.Fatalf("promoted = %s", u.raw)
		}
		a.wantError(a.call(w.agentTok, "PATCH", "/api/v1/users/"+w.agent, map[string]any{"role": "admin", "version": 2}), 403, "forbidden", "")
		a.wantError(a.call(a.admin, "PATCH", "/api/v1/users/"+w.agent, map[string]any{"role": "department", "version": 2}), 400, "invalid", "department_id")
		a.wantError(a.call(a.admin, "PATCH", "/api/v1/users/"+w.agent, map[string]any{"role": "agent", "version": 1}), 409, "conflict", "version")
		a.must(a.call(a.admin, "PATCH", "/api/v1/users/"+w.agent, map[string]any{"active": false, "version": 2}), 200)
		a.wantError(a.call(w.agentTok, "GET", "/api/v1/me", nil), 401, "unauthorized", "")
		// The last active admin can be neither demoted nor deactivated.
		a.wantError(a.call(a.admin, "PATCH", "/api/v1/users/"+me.str("id"), map[string]any{"role": "agent", "version": 1}), 409, "conflict", "")
		a.wantError(a.call(a.admin, "PATCH", "/api/v1/users/"+me.str("id"), map[string]any{"active": false, "version": 1}), 400, "invalid", "active")
	})
}
