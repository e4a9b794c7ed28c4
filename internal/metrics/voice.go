package metrics

import (
	"context"
)

// voiceDim is the SQL of a dimension over survey_responses r or
// feedback_items f (alias x).
func voiceDim(by, agentCol string) string {
	switch by {
	case BySegment:
		return "x.segment_id"
	case ByChannel:
		return "x.channel"
	case ByCategory:
		return "x.category"
	case ByAgent:
		return "COALESCE(" + agentCol + ", '')"
	case ByDepartment:
		return "COALESCE(x.department_id, '')"
	}
	return "''"
}

// computeSurvey counts survey answers given in the period. CSAT: answers
// of 4 or 5 (numerator) among answers, with the mean score in Extra. NPS:
// promoters (9–10) minus detractors (0–6) among answers; the value is that
// difference in points.
func computeSurvey(kind string) batchFunc {
	good := "CASE WHEN x.score >= 4 THEN 1 ELSE 0 END"
	if kind == "nps" {
		good = "CASE WHEN x.score >= 9 THEN 1 WHEN x.score <= 6 THEN -1 ELSE 0 END"
	}
	counted := bucketed(func(s *Service, by string) bucketQuery {
		return bucketQuery{At: "x.answered_at", Args: []any{kind}, SQL: `SELECT {{bucket}}, ` + voiceDim(by, "COALESCE(x.agent_id, x.owner_id)") + ` AS cut,
			SUM(` + good + `), COUNT(*) FROM survey_responses x WHERE x.kind = $1 AND x.score IS NOT NULL AND {{range}} GROUP BY 1, 2`}
	})
	if kind != "csat" {
		return counted
	}
	// CSAT also gives the mean score: the same rows, summing the scores.
	sums := bucketed(func(s *Service, by string) bucketQuery {
		return bucketQuery{At: "x.answered_at", SQL: `SELECT {{bucket}}, ` + voiceDim(by, "COALESCE(x.agent_id, x.owner_id)") + ` AS cut,
			SUM(x.score), COUNT(*) FROM survey_responses x WHERE x.kind = 'csat' AND x.score IS NOT NULL AND {{range}} GROUP BY 1, 2`}
	})
	return func(ctx context.Context, s *Service, periods []Period, by string) (map[int][]counts, error) {
		out, err := counted(ctx, s, periods, by)
		if err != nil {
			return nil, err
		}
		means, err := sums(ctx, s, periods, by)
		if err != nil {
			return nil, err
		}
		for b, cs := range out {
			for i := range cs {
				for _, m := range means[b] {
					if m.cut == cs[i].cut && m.den > 0 {
						cs[i].extra = map[string]float64{"mean": m.num / m.den}
					}
				}
			}
		}
		return out, nil
	}
}

// computeFeedback counts feedback items: praise against complaints
// captured in the period, or ideas implemented in it.
func computeFeedback(key string) batchFunc {
	return bucketed(func(s *Service, by string) bucketQuery {
		dim := voiceDim(by, "x.captured_by")
		if key == "ideas_implemented" {
			return bucketQuery{At: "x.implemented_at", SQL: `SELECT {{bucket}}, ` + dim + ` AS cut, COUNT(*), 0 FROM feedback_items x
				WHERE x.type = 'idea' AND {{range}} GROUP BY 1, 2`}
		}
		return bucketQuery{At: "x.captured_at", SQL: `SELECT {{bucket}}, ` + dim + ` AS cut, SUM(CASE WHEN x.type = 'praise' THEN 1 ELSE 0 END),
			SUM(CASE WHEN x.type = 'complaint' THEN 1 ELSE 0 END)
			FROM feedback_items x WHERE x.type IN ('praise', 'complaint') AND {{range}} GROUP BY 1, 2`}
	})
}

// npsValue is % promoters − % detractors, in points (-100..100): num holds
// promoters − detractors.
func npsValue(c counts) (*float64, string) {
	if c.den == 0 {
		return nil, "no NPS answer in the period"
	}
	v := 100 * c.num / c.den
	return &v, ""
}

// countValue is a plain count: zero is a real value.
func countValue(c counts) (*float64, string) {
	v := c.num
	return &v, ""
}
