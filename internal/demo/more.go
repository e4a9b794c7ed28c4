package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"anchor"
	"anchor/internal/contactcenter"
	"anchor/internal/customers"
	"anchor/internal/departments"
	"anchor/internal/feedback"
	"anchor/internal/metrics"
	"anchor/internal/qa"
	"anchor/internal/store"
	"anchor/internal/surveys"
	"anchor/internal/users"
)

// world is what the later parts of the demo build on.
type world struct {
	db     *store.DB
	rng    *rand.Rand
	end    time.Time
	span   time.Duration
	admin  users.User
	sups   []users.User
	agents []users.User
	depts  []departments.Department
	custs  []customers.Customer
}

// at sets the clock for what follows.
func (w *world) at(t time.Time) { w.db.Now = func() time.Time { return t } }

// resolvedCases returns resolved cases with their customer and owner.
func (w *world) resolvedCases(ctx context.Context) ([][3]string, error) {
	rows, err := w.db.Read.QueryContext(ctx, `SELECT id, customer_id, COALESCE(owner_id, '') FROM cases WHERE resolved_at IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer rows.Close()
	var out [][3]string
	for rows.Next() {
		var r [3]string
		if err := rows.Scan(&r[0], &r[1], &r[2]); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// voice answers CSAT for a third of the resolved cases, NPS for a share of
// the customers, and captures feedback items of every type.
func (w *world) voice(ctx context.Context) error {
	// The answers are recorded at the end of the span, each with its own
	// earlier answered_at: recorded at the clock the cases left behind
	// (their last event), some would be answered in the future.
	w.at(w.end)
	sv := surveys.New(w.db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	fb := feedback.New(w.db)
	resolved, err := w.resolvedCases(ctx)
	if err != nil {
		return err
	}
	comments := []string{"Quick and friendly, thank you", "Took far too long to get an answer", "The agent was very helpful",
		"Still waiting for my refund", "Great service as always", "Nobody called me back", ""}
	for i, r := range resolved {
		if i%3 != 0 {
			continue
		}
		score := 3 + w.rng.IntN(3)
		if w.rng.IntN(5) == 0 {
			score = 1 + w.rng.IntN(2)
		}
		at := w.end.Add(-time.Duration(w.rng.Int64N(int64(w.span))))
		if _, err := sv.Record(ctx, w.admin.Actor(), surveys.NewResponse{Kind: "csat", CustomerID: r[1], CaseID: r[0], Score: &score,
			Comment: comments[w.rng.IntN(len(comments))], AnsweredAt: &at}); err != nil {
			return fmt.Errorf("demo csat: %w", err)
		}
	}
	for i, c := range w.custs {
		if i%5 != 0 {
			continue
		}
		score := w.rng.IntN(11)
		if score < 6 && w.rng.IntN(2) == 0 {
			score += 4
		}
		at := w.end.Add(-time.Duration(w.rng.Int64N(int64(w.span))))
		if _, err := sv.Record(ctx, w.admin.Actor(), surveys.NewResponse{Kind: "nps", CustomerID: c.ID, Score: &score,
			Comment: comments[w.rng.IntN(len(comments))], AnsweredAt: &at}); err != nil {
			return fmt.Errorf("demo nps: %w", err)
		}
	}
	texts := map[string][]string{
		"praise":      {"Customer thanked Ana for the quick fix", "Happy with the new invoice layout"},
		"complaint":   {"Parcel arrived two days late again", "Charged twice for the same order", "Portal keeps logging out"},
		"idea":        {"Offer invoices as PDF by email", "Let customers pick a delivery slot"},
		"issue":       {"Address change not reflected in billing"},
		"opportunity": {"Customer wants to add three more sites"},
		"threat":      {"Customer is comparing offers from a competitor"},
	}
	types := []string{"praise", "praise", "complaint", "complaint", "complaint", "idea", "idea", "issue", "opportunity", "threat"}
	n := max(len(w.custs)/5, 20) // enough that every week has complaints and praise
	for i := 0; i < n; i++ {
		typ := types[w.rng.IntN(len(types))]
		w.at(w.end.Add(-time.Duration(w.rng.Int64N(int64(w.span)))))
		dept := w.depts[w.rng.IntN(len(w.depts))]
		it, err := fb.Create(ctx, w.agents[w.rng.IntN(len(w.agents))].Actor(), feedback.NewItem{Type: typ, CustomerID: w.custs[w.rng.IntN(len(w.custs))].ID,
			Text: texts[typ][w.rng.IntN(len(texts[typ]))], DepartmentID: dept.ID})
		if err != nil {
			return fmt.Errorf("demo feedback: %w", err)
		}
		if typ == "idea" && w.rng.IntN(3) == 0 {
			done := w.db.Now().Add(time.Duration(1+w.rng.IntN(48)) * time.Hour)
			if done.After(w.end) {
				continue
			}
			w.at(done)
			if _, err := fb.Update(ctx, anchor.Actor{UserID: w.admin.ID, Role: users.RoleAdmin}, it.ID, feedback.Update{ImplementedAt: &done, Version: it.Version}); err != nil {
				return fmt.Errorf("demo feedback: %w", err)
			}
		}
	}
	return nil
}

// qa evaluates a sample of resolved cases against one form.
func (w *world) qa(ctx context.Context) error {
	qs := &qa.Service{DB: w.db}
	sup := w.sups[0].Actor()
	w.at(w.end.Add(-w.span))
	form, err := qs.CreateForm(ctx, sup, qa.NewForm{Name: "Customer contact", Criteria: []qa.Criterion{
		{Key: "information", Label: "Correct information given", Category: "accuracy", Weight: 2},
		{Key: "data", Label: "Correct data entered", Category: "accuracy", Weight: 1},
		{Key: "courtesy", Label: "Courtesy", Category: "treatment", Weight: 1},
		{Key: "empathy", Label: "Empathy", Category: "treatment", Weight: 1},
		{Key: "clarity", Label: "Clarity", Category: "treatment", Weight: 1},
		{Key: "process", Label: "Followed the process", Category: "process", Weight: 1},
	}})
	if err != nil {
		return fmt.Errorf("demo qa: %w", err)
	}
	resolved, err := w.resolvedCases(ctx)
	if err != nil {
		return err
	}
	for i, r := range resolved {
		if i%12 != 0 || r[2] == "" {
			continue
		}
		w.at(w.end.Add(-time.Duration(w.rng.Int64N(int64(w.span)))))
		score := func(lo int) *int { v := lo + w.rng.IntN(101-lo); return &v }
		if _, err := qs.Evaluate(ctx, sup, qa.NewEvaluation{FormID: form.ID, CaseID: r[0], AgentID: r[2], Scores: []qa.ScoreInput{
			{Key: "information", Score: score(35)}, {Key: "data", Score: score(45)}, {Key: "courtesy", Score: score(50)},
			{Key: "empathy", Score: score(40)}, {Key: "clarity", Score: score(50)}, {Key: "process", Score: score(30)}}}); err != nil {
			return fmt.Errorf("demo qa: %w", err)
		}
	}
	return nil
}

// targets sets targets, owners and benchmarks, so that the scorecard has
// statuses to show.
func (w *world) targets(ctx context.Context) error {
	ms := &metrics.Service{DB: w.db}
	f := func(v float64) *float64 { return &v }
	var director string
	if err := w.db.Read.QueryRowContext(ctx, `SELECT id FROM users WHERE email = 'director@anchor.demo'`).Scan(&director); err != nil {
		return fmt.Errorf("demo director: %w", err)
	}
	for key, s := range map[string]metrics.SettingsUpdate{
		"service_level":        {Target: f(0.8), Warning: f(0.7), Bench: []metrics.Benchmark{{Value: 0.8, Source: "industry 80/20 convention", AsOf: "2026-01-01"}}},
		"abandon_rate":         {Target: f(0.05), Warning: f(0.08), Stages: []metrics.Stage{{StartsOn: "2027-04-01", Target: 0.04}}},
		"aht":                  {Target: f(300), Warning: f(360)},
		"asa":                  {Target: f(20), Warning: f(30)},
		"fcr":                  {Target: f(0.75), Warning: f(0.65), Bench: []metrics.Benchmark{{Value: 0.7, Source: "competitor study", AsOf: "2026-06-30"}}},
		"first_response":       {Target: f(0.9), Warning: f(0.8)},
		"resolution":           {Target: f(0.85), Warning: f(0.75)},
		"callback_punctuality": {Target: f(0.95), Warning: f(0.9)},
		"handoff_on_time":      {Target: f(0.9), Warning: f(0.8)},
		"csat":                 {Target: f(0.8), Warning: f(0.7)},
		"nps":                  {Target: f(30), Warning: f(10), Bench: []metrics.Benchmark{{Value: 25, Source: "sector NPS survey", AsOf: "2026-03-31"}}},
		"accuracy":             {Target: f(0.95), Warning: f(0.9)},
		"treatment":            {Target: f(80), Warning: f(70)},
		"backlog_age":          {Target: f(3), Warning: f(5)},
	} {
		s.OwnerID = director
		if _, err := ms.PutSettings(ctx, key, s); err != nil {
			return fmt.Errorf("demo targets %s: %w", key, err)
		}
	}
	return nil
}

// contactCenter imports a generated queue_log of the last days, its agents
// mapped to the demo's.
func (w *world) contactCenter(ctx context.Context) (int64, error) {
	dir, err := os.MkdirTemp("", "anchor-demo-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "queue_log")
	var buf bytes.Buffer
	days := int(w.span / (24 * time.Hour))
	start := w.end.AddDate(0, 0, -days).Truncate(24 * time.Hour)
	stats, err := contactcenter.GenerateQueueLog(&buf, contactcenter.DemoSpec{Start: start, Days: days, Queues: 2, Agents: len(w.agents), Seed: 2026, CallsPerAgent: 60})
	if err != nil {
		return 0, fmt.Errorf("demo contact center: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return 0, err
	}
	cc := &contactcenter.Service{DB: w.db}
	for i, a := range w.agents {
		if _, err := cc.SetAlias(ctx, contactcenter.AliasInput{Alias: fmt.Sprintf("agent%03d", i+1), UserID: a.ID}); err != nil {
			return 0, fmt.Errorf("demo alias: %w", err)
		}
	}
	w.at(w.end)
	if _, err := cc.ImportQueueLog(ctx, []string{path}, contactcenter.ImportOptions{Final: true}); err != nil {
		return 0, fmt.Errorf("demo contact center: %w", err)
	}
	return stats.Calls, nil
}
