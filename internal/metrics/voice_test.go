package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"anchor"
	"anchor/internal/feedback"
	"anchor/internal/metrics"
	"anchor/internal/qa"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/surveys"
)

// TestVoiceAndQAMetrics adds, in week 1 of the case fixture, survey
// answers, feedback items and QA evaluations, and checks their metrics:
//
//	CSAT   C1 5, C2 3 (enterprise), C3 4 (retail)   → 2/3 satisfied, mean 4
//	NPS    10, 9, 8 from E; 5 from R                 → (2 promoters − 1 detractor)/4 = 25 points
//	items  3 praise, 2 complaints; one idea implemented, one not
//	QA     e1 (A on C1): accuracy 100/100, treatment (90·2 + 60)/3 = 80
//	       e2 (A on C2): information 40 fails → defect, treatment (50·2 + 80)/3 ≈ 60
//	       e3 (B on C3): no defect, treatment 100
//	       accuracy 2/3, treatment (80 + 60 + 100)/3 = 80; A: 1/2 and 70, B: 1/1 and 100
func TestVoiceAndQAMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := buildCases(t, db)
		now := db.Now
		db.Now = func() time.Time { return day(5, 12, 0) }
		caseID := func(cat string) (id, customer string) {
			t.Helper()
			if err := db.Read.QueryRow(`SELECT id, customer_id FROM cases WHERE category = $1 ORDER BY id LIMIT 1`, cat).Scan(&id, &customer); err != nil {
				t.Fatal(err)
			}
			return id, customer
		}
		c1, e := caseID("billing")
		c2, _ := caseID("invoice")
		c3, r := caseID("delivery")
		sv := surveys.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		answer := func(kind, cust, cs string, score int) {
			t.Helper()
			at := day(4, 12, 0)
			if _, err := sv.Record(ctx, w.agentA.Actor(), surveys.NewResponse{Kind: kind, CustomerID: cust, CaseID: cs, Score: &score, AnsweredAt: &at}); err != nil {
				t.Fatal(err)
			}
		}
		answer("csat", e, c1, 5)
		answer("csat", e, c2, 3)
		answer("csat", r, c3, 4)
		for _, s := range []int{10, 9, 8} {
			answer("nps", e, "", s)
		}
		answer("nps", r, "", 5)

		fb := feedback.New(db)
		item := func(typ, cust string) feedback.Item {
			t.Helper()
			it, err := fb.Create(ctx, w.agentA.Actor(), feedback.NewItem{Type: typ, CustomerID: cust, Text: typ + " about the service", ProductArea: "billing"})
			if err != nil {
				t.Fatal(err)
			}
			return it
		}
		for _, typ := range []string{"praise", "praise", "praise", "complaint", "complaint"} {
			item(typ, e)
		}
		idea := item("idea", r)
		item("idea", r)
		done := day(5, 11, 0)
		admin := anchor.Actor{UserID: w.agentA.ID, Role: "admin"}
		if _, err := fb.Update(ctx, admin, idea.ID, feedback.Update{ImplementedAt: &done, Version: idea.Version}); err != nil {
			t.Fatal(err)
		}

		qs := &qa.Service{DB: db}
		sup := anchor.Actor{UserID: w.agentB.ID, Role: "supervisor"}
		form, err := qs.CreateForm(ctx, sup, qa.NewForm{Name: "calls", Criteria: []qa.Criterion{
			{Key: "information", Label: "Correct information given", Category: "accuracy", Weight: 1},
			{Key: "data", Label: "Correct data entered", Category: "accuracy", Weight: 1},
			{Key: "courtesy", Label: "Courtesy", Category: "treatment", Weight: 2},
			{Key: "empathy", Label: "Empathy", Category: "treatment", Weight: 1},
		}})
		if err != nil {
			t.Fatal(err)
		}
		evaluate := func(cs, agent string, info, data, courtesy, empathy int) {
			t.Helper()
			sc := func(v int) *int { return &v }
			if _, err := qs.Evaluate(ctx, sup, qa.NewEvaluation{FormID: form.ID, CaseID: cs, AgentID: agent, Scores: []qa.ScoreInput{
				{Key: "information", Score: sc(info)}, {Key: "data", Score: sc(data)}, {Key: "courtesy", Score: sc(courtesy)}, {Key: "empathy", Score: sc(empathy)}}}); err != nil {
				t.Fatal(err)
			}
		}
		evaluate(c1, w.agentA.ID, 100, 100, 90, 60)
		evaluate(c2, w.agentA.ID, 40, 100, 50, 80)
		evaluate(c3, w.agentB.ID, 100, 70, 100, 100)
		db.Now = now

		get := func(key, by string) metrics.Result {
			t.Helper()
			q := week1
			q.By = by
			r, err := w.svc.Compute(ctx, key, q)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			return r
		}
		csat := point(t, get("csat", ""), "")
		wantRatio(t, csat, 2, 3)
		if csat.Extra["mean"] != 4 {
			t.Fatalf("csat mean = %v", csat.Extra)
		}
		bySeg := get("csat", "segment")
		wantRatio(t, point(t, bySeg, w.enterprise.ID), 1, 2)
		wantRatio(t, point(t, bySeg, w.retail.ID), 1, 1)
		nps := point(t, get("nps", ""), "")
		if nps.Numerator != 1 || nps.Denominator != 4 || *nps.Value != 25 {
			t.Fatalf("nps = %+v", nps)
		}
		wantRatio(t, point(t, get("praise_complaint_ratio", ""), ""), 3, 2)
		ideas := point(t, get("ideas_implemented", ""), "")
		if *ideas.Value != 1 {
			t.Fatalf("ideas implemented = %+v", ideas)
		}
		if w2 := point(t, mustCompute(t, w.svc, "ideas_implemented", week2), ""); w2.Value == nil || *w2.Value != 0 {
			t.Fatalf("ideas implemented in week 2 = %+v: a count of none is 0, not null", w2)
		}
		wantRatio(t, point(t, get("accuracy", ""), ""), 2, 3)
		tr := point(t, get("treatment", ""), "")
		if tr.Denominator != 3 || math.Abs(*tr.Value-80) > 0.01 {
			t.Fatalf("treatment = %+v", tr)
		}
		byAgent := get("treatment", "agent")
		if a := point(t, byAgent, w.agentA.ID); math.Abs(*a.Value-70) > 0.01 {
			t.Fatalf("treatment of A = %+v", a)
		}
		wantRatio(t, point(t, get("accuracy", "agent"), w.agentB.ID), 1, 1)
	})
}

func mustCompute(t *testing.T, s *metrics.Service, key string, q metrics.Query) metrics.Result {
	t.Helper()
	r, err := s.Compute(context.Background(), key, q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
