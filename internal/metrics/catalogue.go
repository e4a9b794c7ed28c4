// Package metrics computes Anchor's metrics from the raw events: every key
// in DESIGN.md's metric table, over half-open periods [from, to) in the
// organisation's time zone, cut by segment, channel, queue, agent,
// department or category where the dimension applies. Every value comes
// with its numerator and denominator so that anyone can check it, and a
// metric without inputs is null with the reason, never 0.
//
// The package reads the capability tables (cases, handoffs, callbacks,
// rollups, surveys, QA) but never writes them: definitions live here, in
// one place, next to the tests that compute them by hand.
package metrics

// Direction says which way a metric improves.
type Direction string

// Directions.
const (
	HigherIsBetter Direction = "higher"
	LowerIsBetter  Direction = "lower"
)

// Definition describes one metric of the catalogue.
type Definition struct {
	Key        string    `json:"key"`
	Name       string    `json:"name"`
	Unit       string    `json:"unit"`
	Direction  Direction `json:"direction"`
	Definition string    `json:"definition"`
	Dimensions []string  `json:"dimensions"`
	// Source is what the metric is computed from.
	Source string `json:"source"`
	// Manual metrics are entered by hand per period.
	Manual bool `json:"manual,omitempty"`
}

// Dimensions a metric can be cut by.
const (
	BySegment    = "segment"
	ByChannel    = "channel"
	ByQueue      = "queue"
	ByAgent      = "agent"
	ByDepartment = "department"
	ByCategory   = "category"
)

var caseDims = []string{BySegment, ByChannel, ByAgent, ByCategory}
var contactDims = []string{ByQueue, ByAgent, BySegment, ByChannel}

// Catalogue is every computed metric, in DESIGN.md's order; the keys are
// the API's.
var Catalogue = []Definition{
	{Key: "aht", Name: "Average handle time", Unit: "seconds", Direction: LowerIsBetter, Dimensions: contactDims, Source: "contact-center rollups",
		Definition: "(talk + hold + after-contact work) / handled contacts. After-contact work is the queue's configured wrap-up time (default 0) or a measured wrap-up pause."},
	{Key: "abandon_rate", Name: "Abandon rate", Unit: "ratio", Direction: LowerIsBetter, Dimensions: contactDims, Source: "contact-center rollups",
		Definition: "abandoned contacts / offered contacts; abandons after a wait ≤ the short-abandon threshold (default 5 s) are left out of both. Timeouts, exits by key, exits on an empty queue and withdrawals are other exits: counted in offered, not abandoned."},
	{Key: "service_level", Name: "Service level", Unit: "ratio", Direction: HigherIsBetter, Dimensions: contactDims, Source: "contact-center rollups",
		Definition: "contacts answered after a wait ≤ T (default 20 s, inclusive) / (offered contacts − short abandons)."},
	{Key: "asa", Name: "Average speed of answer", Unit: "seconds", Direction: LowerIsBetter, Dimensions: contactDims, Source: "contact-center rollups",
		Definition: "total queue wait of answered contacts / answered contacts."},
	{Key: "availability", Name: "Availability", Unit: "ratio", Direction: HigherIsBetter, Dimensions: []string{ByAgent}, Source: "agent sessions",
		Definition: "(logged-in time − paused time) / logged-in time: the share of time an agent could take a contact."},
	{Key: "occupancy", Name: "Occupancy", Unit: "ratio", Direction: HigherIsBetter, Dimensions: []string{ByAgent}, Source: "agent sessions and contacts",
		Definition: "agent handling time (talk + hold + after-contact work) / (logged-in time − paused time)."},
	{Key: "fcr", Name: "First-contact resolution", Unit: "ratio", Direction: HigherIsBetter, Dimensions: caseDims, Source: "cases",
		Definition: "resolved cases resolved on their first contact, with no reopen and no new case from the same customer in the same category within 7 days / resolved cases (resolved in the period)."},
	{Key: "callback_punctuality", Name: "Callback punctuality", Unit: "ratio", Direction: HigherIsBetter, Dimensions: caseDims, Source: "callbacks",
		Definition: "callbacks made inside their promised window / callbacks whose window ended in the period (a callback never made counts as late; cancelled ones are left out)."},
	{Key: "backlog_age", Name: "Backlog age", Unit: "days", Direction: LowerIsBetter, Dimensions: caseDims, Source: "cases",
		Definition: "for cases open at the end of the period: mean age in days (value), median and 90th percentile, and how many are past their resolution target."},
	{Key: "accuracy", Name: "Accuracy", Unit: "ratio", Direction: HigherIsBetter, Dimensions: caseDims, Source: "QA evaluations",
		Definition: "QA evaluations with no accuracy defect (wrong information given, wrong data entered) / QA evaluations."},
	{Key: "treatment", Name: "Treatment", Unit: "score", Direction: HigherIsBetter, Dimensions: caseDims, Source: "QA evaluations",
		Definition: "mean treatment score of QA evaluations (0–100)."},
	{Key: "first_response", Name: "First response within target", Unit: "ratio", Direction: HigherIsBetter, Dimensions: caseDims, Source: "cases",
		Definition: "share of cases whose first response met the segment's target (business hours), among cases whose first-response clock was decided in the period (answered, or due without an answer)."},
	{Key: "resolution", Name: "Resolution within target", Unit: "ratio", Direction: HigherIsBetter, Dimensions: caseDims, Source: "cases",
		Definition: "share of cases resolved within the segment's target (business hours, pauses excluded), among cases resolved in the period or due in it without resolution."},
	{Key: "handoff_on_time", Name: "Handoffs on time", Unit: "ratio", Direction: HigherIsBetter, Dimensions: []string{ByDepartment, BySegment, ByAgent, ByCategory}, Source: "handoffs",
		Definition: "handoffs to departments completed within that department's service level / handoffs due in the period (returned and cancelled ones are left out)."},
	{Key: "csat", Name: "Customer satisfaction", Unit: "ratio", Direction: HigherIsBetter, Dimensions: []string{BySegment, ByChannel, ByAgent, ByCategory}, Source: "survey answers",
		Definition: "share of CSAT answers 4 or 5 on a 1–5 scale (the mean is given too)."},
	{Key: "nps", Name: "Net promoter score", Unit: "points", Direction: HigherIsBetter, Dimensions: []string{BySegment, ByAgent}, Source: "survey answers",
		Definition: "% promoters (9–10) − % detractors (0–6) of NPS answers."},
	{Key: "praise_complaint_ratio", Name: "Praise to complaint ratio", Unit: "ratio", Direction: HigherIsBetter, Dimensions: []string{BySegment, ByDepartment, ByAgent}, Source: "feedback items",
		Definition: "praise items / complaint items captured in the period."},
	{Key: "ideas_implemented", Name: "Ideas implemented", Unit: "count", Direction: HigherIsBetter, Dimensions: []string{BySegment, ByDepartment}, Source: "feedback items",
		Definition: "customer-value ideas put into practice in the period."},
}

// Lookup returns the definition of a computed metric.
func Lookup(key string) (Definition, bool) {
	for _, d := range Catalogue {
		if d.Key == key {
			return d, true
		}
	}
	return Definition{}, false
}
