package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"anchor/internal/loadtest"
	"anchor/internal/store"
)

// runBench seeds a fresh database and measures the API under concurrent
// load on loopback: case creation (with its first contact) and an agent's
// open-cases page. The figures belong in docs/BENCHMARKS.md.
func runBench(ctx context.Context, e *env, args []string) error {
	fs, dsn := flags(e, "bench")
	cases := fs.Int("cases", 100_000, "cases to seed before measuring")
	clients := fs.Int("clients", 16, "concurrent clients")
	creates := fs.Int("creates", 20_000, "case creations to time")
	lists := fs.Int("lists", 5_000, "open-case page reads to time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !store.IsPostgres(*dsn) {
		if *dsn == "anchor.db" { // the default: never seed the real database
			dir, err := os.MkdirTemp("", "anchor-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			*dsn = filepath.Join(dir, "bench.db")
		} else if _, err := os.Stat(*dsn); err == nil {
			return fmt.Errorf("bench: %s exists; give a new file or an empty PostgreSQL database", *dsn)
		}
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errors.New("bench: the database is not empty")
	}
	fmt.Fprintf(e.stdout, "engine %s, GOMAXPROCS %d, %s\n", db.Dialect, runtime.GOMAXPROCS(0), runtime.Version())
	t0 := time.Now()
	w, err := loadtest.Seed(ctx, db, loadtest.Spec{Cases: *cases})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "seeded %d cases, %d customers, %d agents in %.1fs\n", *cases, len(w.Customers), len(w.Agents), time.Since(t0).Seconds())
	srv, err := loadtest.Start(db)
	if err != nil {
		return err
	}
	defer srv.Close()

	r := loadtest.Run(ctx, *clients, *creates, func(ctx context.Context, c, i int) error {
		return srv.Do(ctx, w.AgentTokens[c%len(w.AgentTokens)], "POST", "/api/v1/cases", loadtest.CreateCaseBody(w.Customers[i%len(w.Customers)]), 201)
	})
	fmt.Fprintf(e.stdout, "create case + first contact, %d clients: %s\n", *clients, r)
	if r.FirstError != nil {
		fmt.Fprintf(e.stdout, "  first error: %v\n", r.FirstError)
	}
	r = loadtest.Run(ctx, *clients, *lists, func(ctx context.Context, c, i int) error {
		return srv.Do(ctx, w.AgentTokens[i%len(w.AgentTokens)], "GET", "/api/v1/cases?owner=me&status=active&limit=50", nil, 200)
	})
	fmt.Fprintf(e.stdout, "agent's open cases, 50 a page, %d clients: %s\n", *clients, r)
	if r.FirstError != nil {
		fmt.Fprintf(e.stdout, "  first error: %v\n", r.FirstError)
	}
	return nil
}
