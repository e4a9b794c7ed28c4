// Package loadtest measures Anchor the way its users load it: a real API
// server on loopback, many concurrent clients, and a database already
// holding a realistic volume of cases. It backs `anchor bench` and the Go
// benchmarks; figures go to docs/BENCHMARKS.md, never into timed tests.
package loadtest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"anchor"
	"anchor/internal/customers"
	"anchor/internal/store"
	"anchor/internal/users"
)

// World is what Seed made: an admin token, agents and their tokens, and
// customers owned by the agents.
type World struct {
	AdminToken  string
	Agents      []string
	AgentTokens []string
	Customers   []string
}

// Spec sizes a seeded database.
type Spec struct {
	Cases     int
	Agents    int
	Customers int
	// ActiveShare is the share of cases still being worked (default 0.2).
	ActiveShare float64
}

// Seed fills an empty database: users and customers through the services,
// and then cases written straight in batches of multi-row INSERTs, because
// a million cases through the API would take longer than the measurement.
// Seeded cases have no events: the benchmarks read and add cases, they do
// not replay history.
func Seed(ctx context.Context, db *store.DB, spec Spec) (World, error) {
	if spec.Agents <= 0 {
		spec.Agents = 100
	}
	if spec.Customers <= 0 {
		spec.Customers = 1000
	}
	if spec.ActiveShare == 0 {
		spec.ActiveShare = 0.2
	}
	us := &users.Service{DB: db, KDF: users.TestKDF}
	cs := &customers.Service{DB: db}
	var w World
	admin, err := us.Create(ctx, users.NewUser{Email: "bench-admin@example.com", Name: "Bench Admin", Role: users.RoleAdmin})
	if err != nil {
		return w, fmt.Errorf("seed: %w", err)
	}
	if _, w.AdminToken, err = us.CreateToken(ctx, admin.ID, "bench", 0); err != nil {
		return w, fmt.Errorf("seed: %w", err)
	}
	for i := 0; i < spec.Agents; i++ {
		u, err := us.Create(ctx, users.NewUser{Email: fmt.Sprintf("bench-agent%d@example.com", i), Name: fmt.Sprintf("Agent %d", i), Role: users.RoleAgent})
		if err != nil {
			return w, fmt.Errorf("seed: %w", err)
		}
		_, tok, err := us.CreateToken(ctx, u.ID, "bench", 0)
		if err != nil {
			return w, fmt.Errorf("seed: %w", err)
		}
		w.Agents, w.AgentTokens = append(w.Agents, u.ID), append(w.AgentTokens, tok)
	}
	seg, err := cs.CreateSegment(ctx, customers.NewSegment{Name: "bench"})
	if err != nil {
		return w, fmt.Errorf("seed: %w", err)
	}
	act := anchor.Actor{UserID: admin.ID, Role: users.RoleAdmin}
	for i := 0; i < spec.Customers; i++ {
		c, err := cs.Create(ctx, act, customers.NewCustomer{Name: fmt.Sprintf("Customer %d", i), SegmentID: seg.ID, OwnerID: w.Agents[i%len(w.Agents)]})
		if err != nil {
			return w, fmt.Errorf("seed: %w", err)
		}
		w.Customers = append(w.Customers, c.ID)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []string{"resolved", "closed"}
	categories := []string{"billing", "delivery", "access", "returns", "contract"}
	active := []string{"new", "open", "pending_customer", "pending_internal"}
	start := db.Now().Add(-365 * 24 * time.Hour)
	now := store.Millis(db.Now())
	const batch = 300
	for done := 0; done < spec.Cases; {
		n := min(batch, spec.Cases-done)
		var sb strings.Builder
		// The service level as the matrix would have given it (4h first
		// response, 24h resolution, 24/7), so that recomputing a clock gives
		// the stored due times, as on a live system.
		sb.WriteString(`INSERT INTO cases (id, customer_id, subject, description, channel, category, priority, owner_id, status, created_at, updated_at, version,
			first_response_at, first_response_due_at, resolution_due_at, resolved_at, closed_at,
			sla_segment_id, sla_first_response_ms, sla_resolution_ms, sla_at_risk_share, first_response_decided_at, resolution_decided_at) VALUES `)
		args := make([]any, 0, n*14)
		for i := 0; i < n; i++ {
			// Spread evenly over the year, in milliseconds: in nanoseconds,
			// (done+i) times a year overflows int64 from the 293rd case on,
			// which put every case within hours of the year's first instant.
			at := start.Add(time.Duration(int64(done+i)*(365*24*3600_000)/int64(spec.Cases)) * time.Millisecond)
			ci := rng.IntN(len(w.Customers))
			st := statuses[rng.IntN(2)]
			if rng.Float64() < spec.ActiveShare {
				st = active[rng.IntN(4)]
			}
			// Clocks as a live system leaves them: a first response within
			// hours, resolution within days for the resolved ones.
			// None of them lies after now: a case whose resolution would is
			// still being worked, one whose closing would is still resolved,
			// and one whose first response would has none yet.
			created := store.Millis(at)
			fr := sql.NullInt64{Int64: created + rng.Int64N(8*3600_000), Valid: true}
			var resolved, closed sql.NullInt64
			if st == "resolved" || st == "closed" {
				resolved = sql.NullInt64{Int64: created + 3600_000 + rng.Int64N(72*3600_000), Valid: true}
				if st == "closed" {
					closed = sql.NullInt64{Int64: resolved.Int64 + 72*3600_000, Valid: true}
				}
			}
			switch {
			case resolved.Valid && resolved.Int64 > now:
				st, resolved, closed = active[int(created)%len(active)], sql.NullInt64{}, sql.NullInt64{}
			case closed.Valid && closed.Int64 > now:
				st, closed = "resolved", sql.NullInt64{}
			}
			if fr.Int64 > now {
				fr = sql.NullInt64{}
			}
			frDecided := created + 4*3600_000
			if fr.Valid {
				frDecided = min(fr.Int64, frDecided)
			}
			if i > 0 {
				sb.WriteString(", ")
			}
			k := len(args)
			fmt.Fprintf(&sb, "($%d, $%d, 'Seeded case', '', 'email', $%d, 'normal', $%d, $%d, $%d, $%d, 1, $%d, $%d, $%d, $%d, $%d, $%d, 14400000, 86400000, 0.75, $%d, $%d)",
				k+1, k+2, k+3, k+4, k+5, k+6, k+6, k+7, k+8, k+9, k+10, k+11, k+12, k+13, k+14)
			args = append(args, store.NewID(at), w.Customers[ci], categories[rng.IntN(len(categories))], w.Agents[ci%len(w.Agents)], st, created,
				fr, created+4*3600_000, created+24*3600_000, resolved, closed, seg.ID,
				frDecided, resolutionDecided(resolved, created+24*3600_000))
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, sb.String(), args...)
			return err
		}); err != nil {
			return w, fmt.Errorf("seed cases: %w", err)
		}
		done += n
	}
	if err := db.Analyze(ctx); err != nil {
		return w, fmt.Errorf("seed: %w", err)
	}
	return w, nil
}

// Result summarises a load run.
type Result struct {
	Requests int
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
	Max      time.Duration
	// FirstError is the first failure seen, to say why Errors is not 0.
	FirstError error
}

// PerSecond is the throughput.
func (r Result) PerSecond() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

func (r Result) String() string {
	return fmt.Sprintf("%d requests in %.2fs: %.0f/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms, %d errors",
		r.Requests, r.Elapsed.Seconds(), r.PerSecond(), ms(r.P50), ms(r.P99), ms(r.Max), r.Errors)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Run calls do from clients goroutines until total requests are done,
// timing each call.
func Run(ctx context.Context, clients, total int, do func(ctx context.Context, client, i int) error) Result {
	lat := make([]time.Duration, total)
	var next atomic.Int64
	var errs atomic.Int64
	var first sync.Once
	var firstErr error
	var wg sync.WaitGroup
	begin := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if err := do(ctx, c, i); err != nil {
					errs.Add(1)
					first.Do(func() { firstErr = err })
				}
				lat[i] = time.Since(t0)
			}
		}(c)
	}
	wg.Wait()
	r := Result{Requests: total, Errors: int(errs.Load()), Elapsed: time.Since(begin), FirstError: firstErr}
	slices.Sort(lat)
	r.P50, r.P99, r.Max = lat[total/2], lat[total*99/100], lat[total-1]
	return r
}

// ScheduleChecks gives the seeded open cases a next SLA check time: due
// of them now (they changed state) and the rest spread over the next 30
// days, as a live system's clocks are. It is the set-up of the escalation
// scan measurement.
func ScheduleChecks(ctx context.Context, db *store.DB, due int) error {
	now := store.Millis(db.Now())
	if _, err := db.Write.ExecContext(ctx, `UPDATE cases SET sla_check_at = $1 + (created_at % 2592000000) + 60000
		WHERE status IN ('new', 'open', 'pending_customer', 'pending_internal')`, now); err != nil {
		return fmt.Errorf("schedule checks: %w", err)
	}
	if _, err := db.Write.ExecContext(ctx, `UPDATE cases SET sla_check_at = $1 - 60000 WHERE id IN (
		SELECT id FROM cases WHERE status IN ('new', 'open', 'pending_customer', 'pending_internal') ORDER BY id`+store.Limit(due)+`)`, now); err != nil {
		return fmt.Errorf("schedule checks: %w", err)
	}
	return db.Analyze(ctx)
}

// resolutionDecided is when a seeded case's resolution clock was decided:
// at the resolution if in time, else at the due time.
func resolutionDecided(resolved sql.NullInt64, due int64) int64 {
	if resolved.Valid && resolved.Int64 <= due {
		return resolved.Int64
	}
	return due
}

// Existing finds the world an earlier Seed made in db, with new tokens for
// its admin and agents (Seed stored only their hashes), so that a database
// seeded once can be measured again.
func Existing(ctx context.Context, db *store.DB) (World, error) {
	us := &users.Service{DB: db, KDF: users.TestKDF}
	var w World
	rows, err := db.Read.QueryContext(ctx, `SELECT id, role FROM users WHERE email LIKE 'bench-%@example.com' ORDER BY created_at, id`)
	if err != nil {
		return w, fmt.Errorf("bench world: %w", err)
	}
	var admin string
	for rows.Next() {
		var id, role string
		if err := rows.Scan(&id, &role); err != nil {
			rows.Close()
			return w, fmt.Errorf("bench world: %w", err)
		}
		if role == users.RoleAdmin {
			admin = id
		} else {
			w.Agents = append(w.Agents, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return w, fmt.Errorf("bench world: %w", err)
	}
	if admin == "" || len(w.Agents) == 0 {
		return w, fmt.Errorf("bench world: the database holds no seeded bench users")
	}
	if _, w.AdminToken, err = us.CreateToken(ctx, admin, "bench", 0); err != nil {
		return w, fmt.Errorf("bench world: %w", err)
	}
	for _, id := range w.Agents {
		_, tok, err := us.CreateToken(ctx, id, "bench", 0)
		if err != nil {
			return w, fmt.Errorf("bench world: %w", err)
		}
		w.AgentTokens = append(w.AgentTokens, tok)
	}
	rows, err = db.Read.QueryContext(ctx, `SELECT id FROM customers ORDER BY created_at, id`)
	if err != nil {
		return w, fmt.Errorf("bench world: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return w, fmt.Errorf("bench world: %w", err)
		}
		w.Customers = append(w.Customers, id)
	}
	return w, rows.Err()
}
