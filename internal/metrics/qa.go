package metrics

import (
	"context"

	"anchor/internal/qa"
)

// computeQA reads the QA evaluations of the period (by when they were
// evaluated): accuracy is the defect-free share of the evaluations whose
// form checks accuracy; treatment the mean treatment score of those whose
// form scores treatment.
func computeQA(treatment bool) computeFunc {
	return func(ctx context.Context, s *Service, p Period, by string) ([]counts, error) {
		stats, err := (&qa.Service{DB: s.DB}).Stats(ctx, p.Start, p.End, by)
		if err != nil {
			return nil, err
		}
		var out []counts
		for _, st := range stats {
			c := counts{cut: st.Key, num: float64(st.DefectFree), den: float64(st.AccuracyEvaluations)}
			if treatment {
				c.num, c.den = st.TreatmentSum, float64(st.TreatmentEvaluations)
			}
			out = append(out, c)
		}
		return out, nil
	}
}
