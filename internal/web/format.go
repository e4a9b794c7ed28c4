package web

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"anchor/internal/metrics"
)

// The words and icons of the later screens' states: metric statuses, agent
// states, QA and feedback statuses. Like the service-level states, each has
// a word and a shape besides its colour.
func init() {
	for k, v := range map[string]string{
		metrics.StatusWarning: "Warning", metrics.StatusMissed: "Missed", metrics.StatusNoData: "No data", metrics.StatusNoGoal: "No target",
		"available": "Available", "on_contact": "On a contact", "wrap_up": "Wrap-up",
		"submitted": "Submitted", "acknowledged": "Acknowledged", "disputed": "Disputed", "upheld": "Upheld", "rejected": "Rejected",
		"issue": "Issue", "opportunity": "Opportunity", "threat": "Threat", "praise": "Praise", "complaint": "Complaint", "idea": "Idea",
		"answered": "Answered", "csat": "CSAT", "nps": "NPS", "assessment": "Monthly assessment", "pending": "Pending", "done": "Done",
		"fcr": "First-contact resolution",
	} {
		if _, ok := labels[k]; !ok {
			labels[k] = v
		}
	}
	for k, v := range map[string]string{
		metrics.StatusWarning: "!", metrics.StatusMissed: "✕", metrics.StatusNoData: "–", metrics.StatusNoGoal: "○",
		"available": "●", "on_contact": "☎", "wrap_up": "✎",
	} {
		stateIcons[k] = v
	}
}

// pct writes a fraction as a whole percentage, "—" for none.
func pct(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v*100, 'f', 0, 64) + "%"
}

// clockSecs writes seconds as m:ss, or h:mm:ss past an hour: a wall
// screen's way of showing waits and time in state.
func clockSecs(s int64) string {
	if s < 0 {
		s = 0
	}
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// num writes an optional number for a form field: "" for none.
func num(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// count writes a sum for people: whole numbers as such, others to one
// decimal.
func count(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

func dateOnly(t time.Time) string { return t.Format(time.DateOnly) }
