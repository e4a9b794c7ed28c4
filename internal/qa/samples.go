package qa

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Assignment statuses: pending until the contact is evaluated.
const (
	AssignmentPending = "pending"
	AssignmentDone    = "done"
)

// MaxPerAgent bounds a sample's contacts per agent: QA samples are a
// handful a week, and a typo should not assign thousands.
const MaxPerAgent = 50

// maxSeed keeps seeds exact in JSON, which JavaScript reads as doubles.
const maxSeed = 1<<53 - 1

// SampleRequest asks for a random sample of contacts: PerAgent contacts of
// each agent, started in ISO week Week ("2026-W47") in TimeZone (default
// UTC). Seed makes the draw reproducible; without one a seed is chosen and
// returned. AgentIDs limits the sample to those agents. FormID, optional,
// is the form the supervisors are to use.
type SampleRequest struct {
	Week     string   `json:"week"`
	PerAgent int      `json:"per_agent"`
	Seed     *int64   `json:"seed,omitempty"`
	TimeZone string   `json:"time_zone,omitempty"`
	AgentIDs []string `json:"agent_ids,omitempty"`
	FormID   string   `json:"form_id,omitempty"`
}

// Sample is one draw and the assignments it made.
type Sample struct {
	ID          string       `json:"id"`
	Week        string       `json:"week"`
	TimeZone    string       `json:"time_zone"`
	From        time.Time    `json:"from"`
	To          time.Time    `json:"to"`
	PerAgent    int          `json:"per_agent"`
	Seed        int64        `json:"seed"`
	FormID      string       `json:"form_id,omitempty"`
	RequestedBy string       `json:"requested_by"`
	CreatedAt   time.Time    `json:"created_at"`
	Assignments []Assignment `json:"assignments"`
	// Short lists the agents who got fewer than PerAgent contacts because
	// fewer were left to evaluate that week: of the agents asked for, or
	// else of those with any contact that week.
	Short []Shortfall `json:"short"`
}

// Shortfall is an agent for whom a sample found too few contacts.
type Shortfall struct {
	AgentID string `json:"agent_id"`
	Picked  int    `json:"picked"`
}

// Assignment is a sampled contact a supervisor is to evaluate: the agent's
// supervisor, or whoever drew the sample when the agent has none.
type Assignment struct {
	ID           string     `json:"id"`
	SampleID     string     `json:"sample_id"`
	Week         string     `json:"week"`
	ContactID    string     `json:"contact_id"`
	CaseID       string     `json:"case_id"`
	AgentID      string     `json:"agent_id"`
	SupervisorID string     `json:"supervisor_id"`
	FormID       string     `json:"form_id,omitempty"`
	Status       string     `json:"status"`
	EvaluationID string     `json:"evaluation_id,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	DoneAt       *time.Time `json:"done_at,omitempty"`
}

var weekPattern = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)

// ISOWeek returns the half-open range [from, to) of ISO 8601 week week
// ("2026-W47": Monday to Monday) in loc. Days are added on the calendar,
// not as 24 hours, so a week spanning a DST change is 167 or 169 hours.
func ISOWeek(week string, loc *time.Location) (from, to time.Time, err error) {
	m := weekPattern.FindStringSubmatch(week)
	if m == nil {
		return time.Time{}, time.Time{}, anchor.Invalid("week", "must be an ISO week such as 2026-W47")
	}
	year, _ := strconv.Atoi(m[1])
	w, _ := strconv.Atoi(m[2])
	// 4 January is always in week 1.
	jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, loc)
	back := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	from = time.Date(year, time.January, 4-back+(w-1)*7, 0, 0, 0, 0, loc)
	to = time.Date(year, time.January, 4-back+w*7, 0, 0, 0, 0, loc)
	if y, got := from.ISOWeek(); w < 1 || y != year || got != w {
		return time.Time{}, time.Time{}, anchor.Invalid("week", "%d has no week %d", year, w)
	}
	return from, to, nil
}

// Pick chooses n of candidates by seed. Each candidate is ranked by a hash
// of the seed and its id and the n lowest are taken, so the choice depends
// only on the seed and the set (not on its order), and a contact added to
// the set leaves the others' ranks alone.
func Pick(seed int64, candidates []string, n int) []string {
	type ranked struct {
		rank uint64
		id   string
	}
	rs := make([]ranked, len(candidates))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seed))
	for i, id := range candidates {
		h := sha256.New()
		h.Write(b[:])
		h.Write([]byte(id))
		rs[i] = ranked{binary.BigEndian.Uint64(h.Sum(nil)), id}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		if a.rank != b.rank {
			if a.rank < b.rank {
				return -1
			}
			return 1
		}
		return strings.Compare(a.id, b.id)
	})
	out := make([]string, 0, min(n, len(rs)))
	for i := 0; i < n && i < len(rs); i++ {
		out = append(out, rs[i].id)
	}
	return out
}

func (r *SampleRequest) validate() (*time.Location, error) {
	if r.PerAgent < 1 || r.PerAgent > MaxPerAgent {
		return nil, anchor.Invalid("per_agent", "must be from 1 to %d", MaxPerAgent)
	}
	if r.Seed != nil && (*r.Seed < 0 || *r.Seed > maxSeed) {
		return nil, anchor.Invalid("seed", "must be from 0 to %d", int64(maxSeed))
	}
	if r.TimeZone == "" {
		r.TimeZone = "UTC"
	}
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil || r.TimeZone == "Local" {
		return nil, anchor.Invalid("time_zone", "must be an IANA time zone such as Europe/Madrid")
	}
	if len(r.AgentIDs) > 1000 {
		return nil, anchor.Invalid("agent_ids", "at most 1000 agents")
	}
	return loc, nil
}

// Draw samples contacts for evaluation and stores them as pending
// assignments. Only agents' contacts that are neither evaluated nor already
// assigned are eligible, so drawing twice for a week never assigns a
// contact twice. The same seed on the same eligible contacts picks the same
// ones. It returns EInvalid naming the field for bad input, and EConflict
// if a concurrent draw took some of the same contacts.
func (s *Service) Draw(ctx context.Context, actor anchor.Actor, r SampleRequest) (Sample, error) {
	if err := mustEvaluate(actor); err != nil {
		return Sample{}, err
	}
	loc, err := r.validate()
	if err != nil {
		return Sample{}, err
	}
	from, to, err := ISOWeek(r.Week, loc)
	if err != nil {
		return Sample{}, err
	}
	seed := rand.Int64N(maxSeed + 1)
	if r.Seed != nil {
		seed = *r.Seed
	}
	now := s.DB.Now().Truncate(time.Millisecond)
	out := Sample{ID: store.NewID(now), Week: r.Week, TimeZone: r.TimeZone, From: from.UTC(), To: to.UTC(), PerAgent: r.PerAgent,
		Seed: seed, FormID: r.FormID, RequestedBy: actor.UserID, CreatedAt: now, Assignments: []Assignment{}, Short: []Shortfall{}}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if r.FormID != "" {
			f, err := getForm(ctx, tx, r.FormID, 0)
			if anchor.ErrorCode(err) == anchor.ENotFound {
				return anchor.Invalid("form_id", "no such form: %q", r.FormID)
			}
			if err != nil {
				return err
			}
			if !f.Active {
				return anchor.Invalid("form_id", "form %q is archived", f.Name)
			}
		}
		for i, id := range r.AgentIDs {
			if err := checkAgent(ctx, tx, id); err != nil {
				var e *anchor.Error
				if errors.As(err, &e) {
					return anchor.Invalid(fmt.Sprintf("agent_ids[%d]", i), "%s", e.Message)
				}
				return err
			}
		}
		pool, err := eligible(ctx, tx, from, to, r.AgentIDs)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO qa_samples (id, week, time_zone, period_start, period_end, per_agent, seed, form_id, requested_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, out.ID, out.Week, out.TimeZone, store.Millis(from), store.Millis(to),
			out.PerAgent, seed, store.NullString(r.FormID), store.NullString(actor.UserID), store.Millis(now)); err != nil {
			return fmt.Errorf("insert sample: %w", err)
		}
		agents := r.AgentIDs
		if len(agents) == 0 {
			for a := range pool {
				agents = append(agents, a)
			}
		}
		slices.Sort(agents)
		agents = slices.Compact(agents)
		for _, agent := range agents {
			p := pool[agent]
			ids := make([]string, 0, len(p.contacts))
			for id := range p.contacts {
				ids = append(ids, id)
			}
			picked := Pick(seed, ids, r.PerAgent)
			if len(picked) < r.PerAgent {
				out.Short = append(out.Short, Shortfall{AgentID: agent, Picked: len(picked)})
			}
			supervisor := p.supervisor
			if supervisor == "" {
				supervisor = actor.UserID
			}
			for _, contact := range picked {
				a := Assignment{ID: store.NewID(now), SampleID: out.ID, Week: out.Week, ContactID: contact, CaseID: p.contacts[contact],
					AgentID: agent, SupervisorID: supervisor, FormID: r.FormID, Status: AssignmentPending, CreatedAt: now}
				if _, err := tx.ExecContext(ctx, `INSERT INTO qa_assignments (id, sample_id, contact_id, case_id, agent_id, supervisor_id, status, created_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, a.SampleID, a.ContactID, a.CaseID, a.AgentID, a.SupervisorID, a.Status, store.Millis(now)); err != nil {
					if isUniqueViolation(err) {
						return anchor.Conflict("another sample took some of these contacts at the same time: draw again")
					}
					return fmt.Errorf("insert assignment: %w", err)
				}
				out.Assignments = append(out.Assignments, a)
			}
		}
		return nil
	})
	if err != nil {
		return Sample{}, err
	}
	return out, nil
}

// agentPool is an agent's eligible contacts (contact id → case id) and
// their supervisor.
type agentPool struct {
	supervisor string
	contacts   map[string]string
}

// eligible returns the agents with contacts started in [from, to), each
// with those of its contacts that are neither evaluated nor assigned (so
// that an agent with none left still shows as short); agents limits it to
// those agents.
func eligible(ctx context.Context, tx *sql.Tx, from, to time.Time, agents []string) (map[string]*agentPool, error) {
	args := []any{store.Millis(from), store.Millis(to)}
	q := `SELECT ct.id, ct.case_id, ct.agent_id, COALESCE(u.supervisor_id, ''),
		CASE WHEN EXISTS (SELECT 1 FROM qa_evaluations e WHERE e.contact_id = ct.id)
			OR EXISTS (SELECT 1 FROM qa_assignments a WHERE a.contact_id = ct.id) THEN 1 ELSE 0 END
		FROM case_contacts ct JOIN users u ON u.id = ct.agent_id
		WHERE ct.started_at >= $1 AND ct.started_at < $2 AND u.role = 'agent' AND u.active`
	if len(agents) > 0 {
		ph := make([]string, len(agents))
		for i, a := range agents {
			args = append(args, a)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		q += ` AND ct.agent_id IN (` + strings.Join(ph, ", ") + `)`
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("eligible contacts: %w", err)
	}
	defer rows.Close()
	out := map[string]*agentPool{}
	for _, a := range agents {
		out[a] = &agentPool{contacts: map[string]string{}}
	}
	for rows.Next() {
		var id, caseID, agent, supervisor string
		var taken int
		if err := rows.Scan(&id, &caseID, &agent, &supervisor, &taken); err != nil {
			return nil, fmt.Errorf("eligible contacts: %w", err)
		}
		p := out[agent]
		if p == nil {
			p = &agentPool{contacts: map[string]string{}}
			out[agent] = p
		}
		p.supervisor = supervisor
		if taken == 0 {
			p.contacts[id] = caseID
		}
	}
	return out, rows.Err()
}

// AssignmentFilter narrows Assignments.
type AssignmentFilter struct {
	SupervisorID string
	AgentID      string
	SampleID     string
	Status       string
	store.Page
}

// Assignments returns one page of assignments, newest first. It is for
// those who evaluate; agents are not told which of their contacts are
// sampled.
func (s *Service) Assignments(ctx context.Context, actor anchor.Actor, f AssignmentFilter) ([]Assignment, string, error) {
	if err := mustEvaluate(actor); err != nil {
		return nil, "", err
	}
	if f.Status != "" && f.Status != AssignmentPending && f.Status != AssignmentDone {
		return nil, "", anchor.Invalid("status", "must be pending or done")
	}
	limit := f.Size()
	args := []any{f.CursorOrMax()}
	where := []string{"a.id < $1"}
	for _, c := range []struct{ col, v string }{{"a.supervisor_id", f.SupervisorID}, {"a.agent_id", f.AgentID}, {"a.sample_id", f.SampleID}, {"a.status", f.Status}} {
		if c.v != "" {
			args = append(args, c.v)
			where = append(where, fmt.Sprintf("%s = $%d", c.col, len(args)))
		}
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT a.id, a.sample_id, s.week, a.contact_id, a.case_id, a.agent_id, a.supervisor_id,
		COALESCE(s.form_id, ''), a.status, COALESCE(a.evaluation_id, ''), a.created_at, a.done_at
		FROM qa_assignments a JOIN qa_samples s ON s.id = a.sample_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY a.id DESC`+store.Limit(limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list assignments: %w", err)
	}
	out, next, err := store.CollectPage(rows, limit, func(row store.Scanner) (Assignment, error) {
		var a Assignment
		var created int64
		var done sql.NullInt64
		err := row.Scan(&a.ID, &a.SampleID, &a.Week, &a.ContactID, &a.CaseID, &a.AgentID, &a.SupervisorID, &a.FormID, &a.Status,
			&a.EvaluationID, &created, &done)
		a.CreatedAt, a.DoneAt = store.Time(created), store.NullTime(done)
		return a, err
	}, func(a Assignment) string { return a.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list assignments: %w", err)
	}
	return out, next, nil
}
