package qa_test

import (
	"testing"

	"anchor"
	"anchor/internal/qa"
)

// form is the criteria used by the arithmetic tests: two accuracy checks
// (one passing at 50, one only at full marks), two treatment criteria
// weighted 3:1, and a process check. Weights total 8.
var form = []qa.Criterion{
	{Key: "info", Label: "Correct information given", Category: qa.CategoryAccuracy, Weight: 2, PassScore: 50},
	{Key: "data", Label: "Correct data entered", Category: qa.CategoryAccuracy, Weight: 1, PassScore: 100},
	{Key: "courtesy", Label: "Courtesy", Category: qa.CategoryTreatment, Weight: 3, PassScore: 50},
	{Key: "clarity", Label: "Clarity", Category: qa.CategoryTreatment, Weight: 1, PassScore: 50},
	{Key: "greeting", Label: "Greeting", Category: qa.CategoryProcess, Weight: 1, PassScore: 50},
}

func scores(kv ...any) []qa.ScoreInput {
	var out []qa.ScoreInput
	for i := 0; i+1 < len(kv); i += 2 {
		v := kv[i+1].(int)
		out = append(out, qa.ScoreInput{Key: kv[i].(string), Score: &v})
	}
	return out
}

func TestCompute(t *testing.T) {
	for _, tc := range []struct {
		name      string
		criteria  []qa.Criterion
		in        []qa.ScoreInput
		defect    bool
		defects   []string
		checked   bool
		treatment float64 // -1: none
		total     float64
	}{
		// treatment (3×80 + 1×40) / 4 = 280/4 = 70
		// total (2×100 + 1×100 + 3×80 + 1×40 + 1×100) / 8 = 680/8 = 85
		{"clean", form, scores("info", 100, "data", 100, "courtesy", 80, "clarity", 40, "greeting", 100), false, nil, true, 70, 85},
		// info 0 < 50 and data 90 < 100 both fail: two defects, one evaluation with a defect.
		// treatment (300 + 100) / 4 = 100; total (0 + 90 + 300 + 100 + 0) / 8 = 490/8 = 61.25
		{"two defects", form, scores("greeting", 0, "info", 0, "data", 90, "courtesy", 100, "clarity", 100), true, []string{"info", "data"}, true, 100, 61.25},
		// info 50 is exactly the pass mark: passed. treatment (210 + 75) / 4 = 71.25;
		// total (100 + 100 + 210 + 75 + 0) / 8 = 485/8 = 60.625, shown as 60.63
		{"pass mark passes", form, scores("info", 50, "data", 100, "courtesy", 70, "clarity", 75, "greeting", 0), false, nil, true, 71.25, 60.63},
		// Only data fails (99 < 100): the defect names it alone.
		// total (200 + 99 + 300 + 100 + 100) / 8 = 799/8 = 99.875, shown as 99.88
		{"one defect", form, scores("info", 100, "data", 99, "courtesy", 100, "clarity", 100, "greeting", 100), true, []string{"data"}, true, 100, 99.88},
		// Equal weights 100, 0, 0: 33.333… rounds to 33.33.
		{"rounding", []qa.Criterion{
			{Key: "a", Label: "A", Category: qa.CategoryTreatment, Weight: 1, PassScore: 50},
			{Key: "b", Label: "B", Category: qa.CategoryTreatment, Weight: 1, PassScore: 50},
			{Key: "c", Label: "C", Category: qa.CategoryTreatment, Weight: 1, PassScore: 50},
		}, scores("a", 100, "b", 0, "c", 0), false, nil, false, 33.33, 33.33},
		// No treatment criteria: no treatment score; no accuracy criteria: not checked.
		{"process only", []qa.Criterion{{Key: "p", Label: "P", Category: qa.CategoryProcess, Weight: 0.5, PassScore: 50}},
			scores("p", 10), false, nil, false, -1, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, r, err := qa.Compute(tc.criteria, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != len(tc.criteria) {
				t.Fatalf("%d scores, want %d", len(out), len(tc.criteria))
			}
			for i, c := range tc.criteria {
				if out[i].Key != c.Key || out[i].Label != c.Label || out[i].Weight != c.Weight {
					t.Fatalf("score %d = %+v, want criterion %+v in form order", i, out[i], c)
				}
				if out[i].Failed != (out[i].Score < c.PassScore) {
					t.Fatalf("score %s failed = %v with score %d, pass %d", c.Key, out[i].Failed, out[i].Score, c.PassScore)
				}
			}
			if r.AccuracyDefect != tc.defect || r.AccuracyChecked != tc.checked {
				t.Errorf("defect %v checked %v, want %v %v", r.AccuracyDefect, r.AccuracyChecked, tc.defect, tc.checked)
			}
			if len(r.Defects) != len(tc.defects) {
				t.Errorf("defects %v, want %v", r.Defects, tc.defects)
			}
			for i := range tc.defects {
				if r.Defects[i] != tc.defects[i] {
					t.Errorf("defects %v, want %v", r.Defects, tc.defects)
				}
			}
			switch {
			case tc.treatment < 0 && r.TreatmentScore != nil:
				t.Errorf("treatment %v, want none", *r.TreatmentScore)
			case tc.treatment >= 0 && (r.TreatmentScore == nil || *r.TreatmentScore != tc.treatment):
				t.Errorf("treatment %v, want %v", r.TreatmentScore, tc.treatment)
			}
			if r.TotalScore != tc.total {
				t.Errorf("total %v, want %v", r.TotalScore, tc.total)
			}
		})
	}
}

func TestComputeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []qa.ScoreInput
		field string
	}{
		{"missing criterion", scores("info", 100, "data", 100, "courtesy", 80, "clarity", 40), "scores"},
		{"unknown key", append(scores("info", 100), scores("typo", 1)...), "scores[1].key"},
		{"twice", scores("info", 100, "info", 90), "scores[1].key"},
		{"over 100", scores("info", 100, "data", 101), "scores[1].score"},
		{"negative", scores("info", -1), "scores[0].score"},
		{"no score", []qa.ScoreInput{{Key: "info"}}, "scores[0].score"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := qa.Compute(form, tc.in)
			e, ok := err.(*anchor.Error)
			if !ok || e.Code != anchor.EInvalid || e.Field != tc.field {
				t.Fatalf("got %v, want invalid %s", err, tc.field)
			}
		})
	}
}
