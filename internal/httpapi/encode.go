package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"anchor"
	"anchor/internal/reqlog"
)

// errorBody is the one shape of every error the API returns.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code     string           `json:"code"`
	Message  string           `json:"message"`
	Field    string           `json:"field,omitempty"`
	Problems []anchor.Problem `json:"problems,omitempty"`
}

var statusOf = map[string]int{
	anchor.EInvalid:      http.StatusBadRequest,
	anchor.ENotFound:     http.StatusNotFound,
	anchor.EConflict:     http.StatusConflict,
	anchor.EForbidden:    http.StatusForbidden,
	anchor.EUnauthorized: http.StatusUnauthorized,
	anchor.EPrecondition: http.StatusPreconditionRequired,
	anchor.EInternal:     http.StatusInternalServerError,
	codeTooLarge:         http.StatusRequestEntityTooLarge,
}

const codeTooLarge = "too_large"

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v) //nolint:errcheck // the client went away
}

// writeError maps err to its status. An internal error is logged with the
// request id and shown to the caller only as that id: its text may hold
// SQL or paths.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	var e *anchor.Error
	if !errors.As(err, &e) {
		id := reqlog.ID(r.Context())
		logger.Error("internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "error", err)
		e = &anchor.Error{Code: anchor.EInternal, Message: "internal error; request id " + id}
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, errorBody{errorDetail{Code: e.Code, Message: e.Message, Field: e.Field, Problems: e.Problems}})
}

// decode reads a JSON body into v, strictly: unknown fields, wrong types,
// trailing data and bodies over MaxBodyBytes are refused with an error that
// names the field.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return anchor.Invalid("Content-Type", "must be application/json")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return anchor.Invalid("", "the body holds more than one JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var timeErr *time.ParseError
	switch {
	case errors.As(err, &tooLarge):
		return &anchor.Error{Code: codeTooLarge, Message: fmt.Sprintf("the body is larger than %d bytes", tooLarge.Limit)}
	case errors.Is(err, io.EOF):
		return anchor.Invalid("", "the body is empty: a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return anchor.Invalid("", "the body is truncated JSON")
	case errors.As(err, &syntaxErr):
		return anchor.Invalid("", "malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return anchor.Invalid("", "the body must be a JSON object")
		}
		return anchor.Invalid(field, "must be %s, not %s", jsonKind(typeErr.Type.String()), typeErr.Value)
	case errors.As(err, &timeErr):
		return anchor.Invalid("", "a time is not RFC 3339 (2026-11-26T09:00:00Z): %q", timeErr.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return anchor.Invalid(strings.Trim(name, `"`), "unknown field")
	}
	return anchor.Invalid("", "invalid JSON: %v", err)
}

func jsonKind(goType string) string {
	switch strings.TrimLeft(goType, "*") {
	case "string", "time.Time":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int64", "float64", "int32":
		return "a number"
	}
	if strings.HasPrefix(strings.TrimLeft(goType, "*"), "[]") {
		return "an array"
	}
	return "an object"
}

// version returns the version an update is based on: the body's, or else
// the If-Match header's ("3" or W/"3").
func version(r *http.Request, body int) (int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return body, nil
	}
	n, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(h, "W/"), `"`))
	if err != nil || n <= 0 {
		return 0, anchor.Invalid("If-Match", "must be a version number such as \"3\"")
	}
	if body != 0 && body != n {
		return 0, anchor.Invalid("version", "the body says %d and If-Match says %d", body, n)
	}
	return n, nil
}

func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, anchor.Invalid(name, "must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

func queryTime(r *http.Request, name string) (*time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, anchor.Invalid(name, "must be an RFC 3339 time such as 2026-11-26T17:00:00Z")
	}
	t = t.UTC()
	return &t, nil
}

func queryFloat(r *http.Request, name string, def float64) (float64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, anchor.Invalid(name, "must be a number such as 0.3")
	}
	return f, nil
}

func queryBool(r *http.Request, name string) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, anchor.Invalid(name, "must be true or false")
	}
	return b, nil
}

// list is the shape of every paged list.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// items is the shape of every unpaged list.
type items[T any] struct {
	Items []T `json:"items"`
}

// rawResponse is a body that is not JSON (a CSV or HTML report).
type rawResponse struct {
	contentType string
	body        []byte
}

// versioned adds an ETag to a single resource's response.
type versioned[T any] struct {
	v       T
	version int
}

func (v versioned[T]) MarshalJSON() ([]byte, error) { return json.Marshal(v.v) }
func (v versioned[T]) etag() string                 { return fmt.Sprintf("%q", strconv.Itoa(v.version)) }
