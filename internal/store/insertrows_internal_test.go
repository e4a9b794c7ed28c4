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
