package servicelevel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"anchor"
	"anchor/internal/calendar"
	"anchor/internal/store"
)

// DefaultAtRiskShare is the at-risk share of a matrix that never set one.
const DefaultAtRiskShare = 0.75

// Service stores the service matrix and calendars and answers which
// service level applies. It caches parsed calendars by id and version, so
// a busy server does not decode a calendar per case while an edit is still
// seen at once (the version is read with every lookup).
type Service struct {
	DB *store.DB

	mu        sync.Mutex
	calendars map[string]cachedCalendar
}

type cachedCalendar struct {
	version int
	cal     calendar.Calendar
}

// calendarFor returns the calendar of id at version, decoding doc only when
// the cache does not hold that version. An empty id is the 24/7 calendar.
func (s *Service) calendarFor(id string, version int, doc string) (calendar.Calendar, error) {
	if id == "" {
		return calendar.AlwaysOpen(), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.calendars[id]; ok && c.version == version {
		return c.cal, nil
	}
	var cal calendar.Calendar
	if err := json.Unmarshal([]byte(doc), &cal); err != nil {
		return calendar.Calendar{}, fmt.Errorf("stored calendar %s: %w", id, err)
	}
	if s.calendars == nil {
		s.calendars = map[string]cachedCalendar{}
	}
	s.calendars[id] = cachedCalendar{version, cal}
	return cal, nil
}

// CalendarByID returns a stored calendar ("" is 24/7).
func (s *Service) CalendarByID(ctx context.Context, q store.Queryer, id string) (calendar.Calendar, error) {
	if id == "" {
		return calendar.AlwaysOpen(), nil
	}
	var version int
	var doc string
	err := q.QueryRowContext(ctx, `SELECT version, doc FROM calendars WHERE id = $1`, id).Scan(&version, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		// A deleted calendar: count every instant rather than fail the case.
		return calendar.AlwaysOpen(), nil
	}
	if err != nil {
		return calendar.Calendar{}, fmt.Errorf("calendar %s: %w", id, err)
	}
	return s.calendarFor(id, version, doc)
}

func atRiskShare(ctx context.Context, q store.Queryer) (float64, error) {
	var share float64
	err := q.QueryRowContext(ctx, `SELECT at_risk_share FROM service_matrix WHERE id = 1`).Scan(&share)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultAtRiskShare, nil
	}
	if err != nil {
		return 0, fmt.Errorf("at-risk share: %w", err)
	}
	return share, nil
}

// AtRiskShare returns the matrix's at-risk share.
func (s *Service) AtRiskShare(ctx context.Context, q store.Queryer) (float64, error) {
	return atRiskShare(ctx, q)
}

// CaseTargets returns the targets owed to a case of segment and priority,
// and false when the matrix owes it nothing.
func (s *Service) CaseTargets(ctx context.Context, q store.Queryer, segmentID, priority string) (CaseTargets, string, bool, error) {
	var fr, nu, res, cb sql.NullInt64
	var calID string
	var calVersion int
	var doc string
	var share float64
	err := q.QueryRowContext(ctx, `SELECT t.first_response_ms, t.next_update_ms, t.resolution_ms, t.callback_window_ms,
		COALESCE(c.id, ''), COALESCE(c.version, 0), COALESCE(c.doc, ''), COALESCE(m.at_risk_share, 0.75)
		FROM service_targets t LEFT JOIN calendars c ON c.id = t.calendar_id LEFT JOIN service_matrix m ON m.id = 1
		WHERE t.segment_id = $1 AND t.priority = $2`, segmentID, priority).Scan(&fr, &nu, &res, &cb, &calID, &calVersion, &doc, &share)
	if errors.Is(err, sql.ErrNoRows) {
		return CaseTargets{}, "", false, nil
	}
	if err != nil {
		return CaseTargets{}, "", false, fmt.Errorf("case targets: %w", err)
	}
	cal, err := s.calendarFor(calID, calVersion, doc)
	if err != nil {
		return CaseTargets{}, "", false, err
	}
	ms := func(v sql.NullInt64) time.Duration { return time.Duration(v.Int64) * time.Millisecond }
	return CaseTargets{Policy: Policy{Calendar: cal, AtRiskShare: share}, FirstResponse: ms(fr), NextUpdate: ms(nu),
		Resolution: ms(res), CallbackWindow: ms(cb)}, calID, true, nil
}

// DepartmentTargets returns a department's handoff service level (zero
// targets when it has none) with the calendar id it is counted in.
func (s *Service) DepartmentTargets(ctx context.Context, q store.Queryer, departmentID string) (DepartmentTargets, string, error) {
	var acc, comp sql.NullInt64
	var calID, doc string
	var calVersion int
	err := q.QueryRowContext(ctx, `SELECT d.accept_within_ms, d.complete_within_ms, COALESCE(c.id, ''), COALESCE(c.version, 0), COALESCE(c.doc, '')
		FROM departments d LEFT JOIN calendars c ON c.id = d.calendar_id WHERE d.id = $1`, departmentID).Scan(&acc, &comp, &calID, &calVersion, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return DepartmentTargets{}, "", anchor.Invalid("department_id", "no such department: %q", departmentID)
	}
	if err != nil {
		return DepartmentTargets{}, "", fmt.Errorf("department targets: %w", err)
	}
	cal, err := s.calendarFor(calID, calVersion, doc)
	if err != nil {
		return DepartmentTargets{}, "", err
	}
	share, err := atRiskShare(ctx, q)
	if err != nil {
		return DepartmentTargets{}, "", err
	}
	return DepartmentTargets{Policy: Policy{Calendar: cal, AtRiskShare: share},
		AcceptWithin: time.Duration(acc.Int64) * time.Millisecond, CompleteWithin: time.Duration(comp.Int64) * time.Millisecond}, calID, nil
}
