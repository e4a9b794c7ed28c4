// Package anchor holds what every capability of Anchor shares: the error
// codes a service method may return, and the actor on whose behalf it runs.
// Capability packages (cases, customers, users, ...) live under internal/;
// the HTTP layer maps the codes here to statuses in one place.
package anchor

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the API.
const (
	EInvalid      = "invalid"               // the request is malformed or breaks a rule (422/400)
	ENotFound     = "not_found"             // the thing does not exist, or the caller may not know it does (404)
	EConflict     = "conflict"              // a stale version, a duplicate, or an illegal transition (409)
	EPrecondition = "precondition_required" // an update without the version it is based on (428)
	EForbidden    = "forbidden"             // the caller's role may not do this (403)
	EUnauthorized = "unauthorized"          // no valid credentials (401)
	EInternal     = "internal"              // a bug or an outage; the message is not shown to the caller (500)
)

// Error is an error a user can act on: a code, a message written for the
// person reading the API response, and the request field it is about.
type Error struct {
	Code    string
	Message string
	Field   string
	// Problems lists every problem when a whole document is refused (a
	// service matrix, an import), so that the user fixes them all at once.
	Problems []Problem
}

// Problem is one thing wrong at one place of a document: Path is where
// ("segments.enterprise.priorities.high.resolution"), Message why.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error about one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns an ENotFound error naming what was looked for.
func NotFound(what, id string) *Error {
	return &Error{Code: ENotFound, Message: fmt.Sprintf("%s %q not found", what, id)}
}

// Conflict returns an EConflict error.
func Conflict(format string, args ...any) *Error {
	return &Error{Code: EConflict, Message: fmt.Sprintf(format, args...)}
}

// StaleVersion is the conflict of an update that was based on an old version.
func StaleVersion(what string, have int) *Error {
	return &Error{Code: EConflict, Field: "version", Message: fmt.Sprintf("%s was changed by someone else (current version %d): reload and try again", what, have)}
}

// VersionRequired is the refusal of an update that does not say which
// version it is based on: without it a change could silently overwrite one
// the caller has not seen.
func VersionRequired() *Error {
	return &Error{Code: EPrecondition, Field: "version", Message: "is required: send the version the change is based on (or an If-Match header)"}
}

// Forbidden returns an EForbidden error.
func Forbidden(format string, args ...any) *Error {
	return &Error{Code: EForbidden, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err's *Error, or EInternal for any other
// error (a database outage, a bug).
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Actor is who is doing something: it is recorded on every event and
// checked by every service method that restricts by role.
type Actor struct {
	UserID       string
	Role         string
	DepartmentID string // set for the department role
}
