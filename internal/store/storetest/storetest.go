// Package storetest gives tests a real database on each engine: a fresh
// SQLite file, and a fresh schema on a real PostgreSQL server. The server is
// the one named by ANCHOR_TEST_POSTGRES, or else a throw-away cluster this
// package starts itself when initdb and pg_ctl can be found. Under CI a
// missing PostgreSQL is a failure, never a silent skip.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"anchor/internal/store"
)

// EnvPostgres names the variable holding an admin DSN for a PostgreSQL
// server that tests may create schemas on.
const EnvPostgres = "ANCHOR_TEST_POSTGRES"

// Main runs a package's tests with a PostgreSQL server available: it starts
// a throw-away cluster when EnvPostgres is unset, and removes it afterwards.
// Use it from TestMain.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv(EnvPostgres) == "" {
		stop, dsn, err := StartPostgres()
		switch {
		case err != nil && os.Getenv("CI") != "":
			fmt.Fprintf(os.Stderr, "storetest: PostgreSQL is required on CI: %v\n", err)
			return 1
		case err != nil:
			fmt.Fprintf(os.Stderr, "storetest: no PostgreSQL, its tests will be skipped: %v\n", err)
		default:
			defer stop()
			os.Setenv(EnvPostgres, dsn)
		}
	}
	return m.Run()
}

// StartPostgres starts a throw-away PostgreSQL cluster on a free loopback
// port and returns a function that stops and removes it. As root, initdb
// and postgres refuse to run, so the cluster runs as the postgres user.
func StartPostgres() (stop func(), dsn string, err error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, "", err
	}
	base, err := os.MkdirTemp("", "anchor-pg-")
	if err != nil {
		return nil, "", err
	}
	cleanup := func() { os.RemoveAll(base) }
	if err := os.Chmod(base, 0o755); err != nil {
		cleanup()
		return nil, "", err
	}
	data := filepath.Join(base, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		cleanup()
		return nil, "", err
	}
	var prefix []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			cleanup()
			return nil, "", fmt.Errorf("running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(base, uid, gid); err != nil {
			cleanup()
			return nil, "", err
		}
		if err := os.Chown(data, uid, gid); err != nil {
			cleanup()
			return nil, "", err
		}
		prefix = []string{"runuser", "-u", "postgres", "--"}
	}
	command := func(name string, args ...string) *exec.Cmd {
		all := append(append([]string{}, prefix...), filepath.Join(bin, name))
		all = append(all, args...)
		return exec.Command(all[0], all[1:]...)
	}
	if out, err := command("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		cleanup()
		return nil, "", fmt.Errorf("initdb: %v: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		cleanup()
		return nil, "", err
	}
	opts := fmt.Sprintf("-p %d -h 127.0.0.1 -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, base)
	if out, err := command("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(base, "log"), "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(base, "log"))
		cleanup()
		return nil, "", fmt.Errorf("pg_ctl start: %v: %s %s", err, out, log)
	}
	stop = func() {
		command("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop").Run() //nolint:errcheck
		cleanup()
	}
	return stop, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), nil
}

// postgresBin finds the directory holding initdb and pg_ctl: the PATH
// first, then Debian's versioned directories.
func postgresBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				return filepath.Dir(real), nil
			}
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", fmt.Errorf("initdb and pg_ctl not found on PATH nor in /usr/lib/postgresql/*/bin")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Engine is one database engine a test runs against.
type Engine struct {
	Name string
	// Open returns a fresh, migrated, empty database that is closed and
	// removed when the test ends.
	Open func(t testing.TB) *store.DB
}

// Engines returns SQLite and PostgreSQL. PostgreSQL is skipped (in the
// sub-test) only outside CI when no server could be had.
func Engines() []Engine {
	return []Engine{
		{Name: "sqlite", Open: OpenSQLite},
		{Name: "postgres", Open: OpenPostgres},
	}
}

// Each runs fn once per engine, as sub-tests named after the engines.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) {
			fn(t, e.Open(t))
		})
	}
}

// OpenSQLite returns a fresh migrated SQLite database in a temp directory.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "anchor.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// OpenPostgres returns a fresh migrated database on PostgreSQL: a schema of
// its own on the test server, dropped when the test ends.
func OpenPostgres(t testing.TB) *store.DB {
	t.Helper()
	admin := PostgresDSN(t)
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open postgres admin: %v", err)
	}
	defer adb.Close()
	if _, err := adb.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		adb, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer adb.Close()
		adb.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") //nolint:errcheck
	})
	db, err := store.Open(ctx, WithSearchPath(admin, schema))
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db
}

// PostgresDSN returns the test server's admin DSN, skipping the test when
// there is none (outside CI only: under CI, Main has already failed).
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL is required on CI: set " + EnvPostgres + " or install initdb/pg_ctl")
		}
		t.Skip("no PostgreSQL server: set " + EnvPostgres + " or install initdb/pg_ctl")
	}
	return dsn
}

// WithSearchPath returns dsn with its search_path set to schema, so that a
// test's tables live in a schema of their own.
func WithSearchPath(dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Clock is a settable clock for store.DB.Now.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.T = c.T.Add(d) }
