package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"

	"anchor/internal/users"
)

// openAPI serves the OpenAPI 3.1 document generated from the route table:
// paths, parameters, request and response schemas (from the Go types and
// their json tags), roles, and the error shape.
func (s *Server) openAPI(r *http.Request, u users.User) (any, error) {
	return s.OpenAPI(), nil
}

// OpenAPI returns the API's OpenAPI document.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	errRef := g.schema(reflect.TypeOf(errorBody{}))
	paths := map[string]any{}
	for _, rt := range s.routes {
		p, _ := paths[rt.path].(map[string]any)
		if p == nil {
			p = map[string]any{}
			paths[rt.path] = p
		}
		var params []any
		for _, name := range pathParams(rt.path) {
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.query {
			params = append(params, map[string]any{"name": q.name, "in": "query", "description": q.doc, "schema": map[string]any{"type": "string"}})
		}
		status := rt.status
		if status == 0 {
			status = 200
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if rt.out != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.out))}}
		}
		errResp := map[string]any{"description": "an error", "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
		roles := "any signed-in user"
		if rt.roles != nil {
			roles = strings.Join(rt.roles, ", ")
		}
		op := map[string]any{
			"summary":     rt.summary,
			"description": "Roles: " + roles + ".",
			"operationId": operationID(rt),
			"responses":   map[string]any{itoa(status): ok, "default": errResp},
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.in != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.in))}}}
		}
		p[strings.ToLower(rt.method)] = op
	}
	paths["/healthz"] = map[string]any{"get": map[string]any{"summary": "Liveness and database reachability; no authentication", "operationId": "healthz",
		"security": []any{}, "responses": map[string]any{"200": map[string]any{"description": "OK"}, "503": map[string]any{"description": "database unreachable"}}}}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Anchor API", "version": "1",
			"description": "Customer-service operations: customers, cases, handoffs, callbacks. Times are RFC 3339 in UTC; ids are strings. Updates need the version they are based on (body field or If-Match); a stale one gets 409."},
		"paths":      paths,
		"security":   []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{"schemas": g.defs, "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
	}
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func pathParams(path string) []string {
	var out []string
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

func operationID(rt route) string {
	parts := []string{strings.ToLower(rt.method)}
	for _, seg := range strings.Split(strings.TrimPrefix(rt.path, "/api/v1/"), "/") {
		seg = strings.Trim(seg, "{}")
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "-", "_"), ".", "_")
		parts = append(parts, seg)
	}
	return strings.Join(parts, "_")
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// schemaGen turns Go types into JSON Schema, naming struct types in
// components/schemas.
type schemaGen struct{ defs map[string]any }

var timeType = reflect.TypeOf(time.Time{})
var rawType = reflect.TypeOf(json.RawMessage{})

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if t == rawType {
		return map[string]any{"type": "object"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		name := schemaName(t)
		if _, done := g.defs[name]; !done {
			g.defs[name] = map[string]any{} // placeholder against recursion
			props := map[string]any{}
			g.fields(t, props)
			g.defs[name] = map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, props)
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
	}
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// schemaName names a struct type for components/schemas: Case, or for an
// instantiated generic list[cases.Case], CaseList.
func schemaName(t reflect.Type) string {
	name := t.Name()
	if i := strings.Index(name, "["); i >= 0 {
		arg := name[i+1 : len(name)-1]
		arg = arg[strings.LastIndex(arg, ".")+1:]
		kind := name[:i]
		return nonWord.ReplaceAllString(arg, "") + strings.ToUpper(kind[:1]) + kind[1:]
	}
	if name == "" {
		return "Empty"
	}
	return strings.ToUpper(name[:1]) + name[1:]
}
