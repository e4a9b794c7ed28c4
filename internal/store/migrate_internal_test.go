package store

import (
	"io/fs"
	"strconv"
	"strings"
	"testing"
)

// Each engine sees every migration once: the common ones and its own, with
// no version missing or doubled.
func TestMigrationsFor(t *testing.T) {
	for _, d := range []Dialect{SQLite, Postgres} {
		sub, err := migrationsFor(d)
		if err != nil {
			t.Fatal(err)
		}
		files, err := fs.Glob(sub, "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("%s sees no migration", d)
		}
		for i, f := range files {
			v, err := strconv.Atoi(strings.SplitN(f, "_", 2)[0])
			if err != nil || v != i+1 {
				t.Fatalf("%s: migration %d is %s: versions must run 1, 2, 3… without gaps or doubles", d, i+1, f)
			}
		}
		own, err := fs.ReadFile(sub, "00003_contactcenter.sql")
		if err != nil {
			t.Fatal(err)
		}
		mine, _ := fs.ReadFile(migrations, "migrations/"+string(d)+"/00003_contactcenter.sql")
		if string(own) != string(mine) {
			t.Fatalf("%s: 00003 is not the engine's own", d)
		}
	}
}
