package store

import (
	"database/sql/driver"
	"errors"
	"testing"
)

// otherConn is a driver connection without modernc.org/sqlite's fields.
type otherConn struct {
	driver.Conn
	db uintptr
}

// TestRawOfOtherDriver checks that a connection without the handle InsertRows
// needs is refused with errNoHandle, not misread: what an upgrade of the
// driver that renamed its fields would give.
func TestRawOfOtherDriver(t *testing.T) {
	for _, c := range []driver.Conn{&otherConn{db: 1}, otherConn{}, nil} {
		if _, err := rawOf(c); !errors.Is(err, errNoHandle) {
			t.Errorf("rawOf(%T): got %v, want errNoHandle", c, err)
		}
	}
}

// TestValueAny checks the values the PostgreSQL paths (COPY, bound
// INSERTs) get from Values: the types pgx encodes for each column type.
func TestValueAny(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		want any
	}{
		{Int(-7), int64(-7)},
		{Bool(true), true},
		{Bool(false), false},
		{Float(2.5), 2.5},
		{Text(""), ""},
		{Text("x"), "x"},
		{Blob([]byte{0, 1}), []byte{0, 1}},
		{Blob(nil), nil},
		{Null(), nil},
	} {
		got := tc.v.Any()
		if b, ok := tc.want.([]byte); ok {
			if gb, ok := got.([]byte); !ok || string(gb) != string(b) {
				t.Errorf("%+v: got %#v, want %#v", tc.v, got, tc.want)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%+v: got %#v (%T), want %#v (%T)", tc.v, got, got, tc.want, tc.want)
		}
	}
}
