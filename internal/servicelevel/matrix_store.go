package servicelevel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"anchor"
	"anchor/internal/calendar"
	"anchor/internal/store"
)

// Export returns the stored matrix as one document: every segment and every
// department appear, with {} where nothing is owed, so that an exported
// document imports back unchanged.
func (s *Service) Export(ctx context.Context) (Matrix, error) {
	q := s.DB.Read
	m := Matrix{AtRiskShare: DefaultAtRiskShare, Calendars: []CalendarEntry{}, Segments: map[string]SegmentLevels{}, Departments: map[string]DepartmentLevel{}}
	err := q.QueryRowContext(ctx, `SELECT at_risk_share, version FROM service_matrix WHERE id = 1`).Scan(&m.AtRiskShare, &m.Version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Matrix{}, fmt.Errorf("export matrix: %w", err)
	}
	cals, err := s.Calendars(ctx)
	if err != nil {
		return Matrix{}, err
	}
	calName := map[string]string{"": AlwaysOpen}
	for _, c := range cals {
		m.Calendars = append(m.Calendars, CalendarEntry{Calendar: c.Calendar})
		calName[c.ID] = c.Name
	}
	rows, err := q.QueryContext(ctx, `SELECT s.name, t.priority, COALESCE(t.first_response_ms, 0), COALESCE(t.next_update_ms, 0), COALESCE(t.resolution_ms, 0),
		COALESCE(t.callback_window_ms, 0), COALESCE(t.calendar_id, '') FROM segments s LEFT JOIN service_targets t ON t.segment_id = s.id ORDER BY s.name, t.priority`)
	if err != nil {
		return Matrix{}, fmt.Errorf("export matrix: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seg string
		var pr sql.NullString
		var fr, nu, res, cb int64
		var cal string
		if err := rows.Scan(&seg, &pr, &fr, &nu, &res, &cb, &cal); err != nil {
			return Matrix{}, fmt.Errorf("export matrix: %w", err)
		}
		lv := m.Segments[seg]
		if lv.Priorities == nil {
			lv.Priorities = map[string]Targets{}
		}
		if pr.Valid {
			d := func(ms int64) Duration { return Duration(time.Duration(ms) * time.Millisecond) }
			lv.Priorities[pr.String] = Targets{FirstResponse: d(fr), NextUpdate: d(nu), Resolution: d(res), CallbackWindow: d(cb), Calendar: calName[cal]}
		}
		m.Segments[seg] = lv
	}
	if err := rows.Err(); err != nil {
		return Matrix{}, fmt.Errorf("export matrix: %w", err)
	}
	prow, err := q.QueryContext(ctx, `SELECT s.name, p.every_days, p.required_fields FROM relationship_policies p JOIN segments s ON s.id = p.segment_id`)
	if err != nil {
		return Matrix{}, fmt.Errorf("export matrix: %w", err)
	}
	defer prow.Close()
	for prow.Next() {
		var seg, fields string
		var rp RelationshipPolicy
		if err := prow.Scan(&seg, &rp.EveryDays, &fields); err != nil {
			return Matrix{}, fmt.Errorf("export matrix: %w", err)
		}
		if err := json.Unmarshal([]byte(fields), &rp.RequiredFields); err != nil {
			return Matrix{}, fmt.Errorf("export matrix: required fields of %s: %w", seg, err)
		}
		lv := m.Segments[seg]
		lv.RelationshipContacts = &rp
		m.Segments[seg] = lv
	}
	if err := prow.Err(); err != nil {
		return Matrix{}, fmt.Errorf("export matrix: %w", err)
	}
	drows, err := q.QueryContext(ctx, `SELECT name, COALESCE(accept_within_ms, 0), COALESCE(complete_within_ms, 0), COALESCE(calendar_id, '') FROM departments ORDER BY name`)
	if err != nil {
		return Matrix{}, fmt.Errorf("export matrix: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var name, cal string
		var acc, comp int64
		if err := drows.Scan(&name, &acc, &comp, &cal); err != nil {
			return Matrix{}, fmt.Errorf("export matrix: %w", err)
		}
		m.Departments[name] = DepartmentLevel{AcceptWithin: Duration(time.Duration(acc) * time.Millisecond),
			CompleteWithin: Duration(time.Duration(comp) * time.Millisecond), Calendar: calName[cal]}
	}
	return m, drows.Err()
}

// Import replaces the whole matrix with m, or refuses it whole: every
// problem is reported with its path, and the stored matrix stays as it was.
// When m.Version is set it must be the stored version (optimistic
// concurrency). Open cases keep the targets they were given; new cases,
// and cases whose priority or segment changes, get the new ones.
func (s *Service) Import(ctx context.Context, actor anchor.Actor, m Matrix) (Matrix, error) {
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		segIDs, err := idsByName(ctx, tx, `SELECT name, id FROM segments`)
		if err != nil {
			return err
		}
		deptIDs, err := idsByName(ctx, tx, `SELECT name, id FROM departments`)
		if err != nil {
			return err
		}
		if err := m.Validate(keys(segIDs), keys(deptIDs)); err != nil {
			return err
		}
		var version int
		err = tx.QueryRowContext(ctx, `SELECT version FROM service_matrix WHERE id = 1`).Scan(&version)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("import matrix: %w", err)
		}
		if m.Version != 0 && m.Version != version {
			return anchor.StaleVersion("service matrix", version)
		}
		now := s.DB.Now()
		calIDs, err := idsByName(ctx, tx, `SELECT name, id FROM calendars`)
		if err != nil {
			return err
		}
		keep := map[string]bool{}
		for _, c := range m.Calendars {
			id, err := putCalendar(ctx, tx, c.Calendar, calIDs[c.Name], now)
			if err != nil {
				return err
			}
			calIDs[c.Name] = id
			keep[c.Name] = true
		}
		calRef := func(name string) sql.NullString {
			if name == AlwaysOpen {
				return sql.NullString{}
			}
			return store.NullString(calIDs[name])
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM service_targets`); err != nil {
			return fmt.Errorf("import matrix: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM relationship_policies`); err != nil {
			return fmt.Errorf("import matrix: %w", err)
		}
		for seg, lv := range m.Segments {
			for pr, t := range lv.Priorities {
				if _, err := tx.ExecContext(ctx, `INSERT INTO service_targets (segment_id, priority, first_response_ms, next_update_ms, resolution_ms, callback_window_ms, calendar_id)
					VALUES ($1, $2, $3, $4, $5, $6, $7)`, segIDs[seg], pr, msOrNull(t.FirstResponse), msOrNull(t.NextUpdate), msOrNull(t.Resolution),
					msOrNull(t.CallbackWindow), calRef(t.Calendar)); err != nil {
					return fmt.Errorf("import matrix: targets of %s/%s: %w", seg, pr, err)
				}
			}
			if rc := lv.RelationshipContacts; rc != nil {
				fields, _ := json.Marshal(nonNil(rc.RequiredFields))
				if _, err := tx.ExecContext(ctx, `INSERT INTO relationship_policies (segment_id, every_days, required_fields) VALUES ($1, $2, $3)`,
					segIDs[seg], rc.EveryDays, string(fields)); err != nil {
					return fmt.Errorf("import matrix: relationship contacts of %s: %w", seg, err)
				}
			}
		}
		for name, lv := range m.Departments {
			if _, err := tx.ExecContext(ctx, `UPDATE departments SET accept_within_ms = $1, complete_within_ms = $2, calendar_id = $3, version = version + 1 WHERE id = $4`,
				msOrNull(lv.AcceptWithin), msOrNull(lv.CompleteWithin), calRef(lv.Calendar), deptIDs[name]); err != nil {
				return fmt.Errorf("import matrix: department %s: %w", name, err)
			}
		}
		for name, id := range calIDs {
			if !keep[name] {
				if err := deleteCalendar(ctx, tx, id, name); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO service_matrix (id, at_risk_share, updated_at, updated_by, version) VALUES (1, $1, $2, $3, 1)
			ON CONFLICT (id) DO UPDATE SET at_risk_share = excluded.at_risk_share, updated_at = excluded.updated_at, updated_by = excluded.updated_by,
			version = service_matrix.version + 1`, m.AtRiskShare, store.Millis(now), store.NullString(actor.UserID)); err != nil {
			return fmt.Errorf("import matrix: %w", err)
		}
		return nil
	})
	if err != nil {
		return Matrix{}, err
	}
	return s.Export(ctx)
}

func msOrNull(d Duration) sql.NullInt64 {
	return sql.NullInt64{Int64: time.Duration(d).Milliseconds(), Valid: d > 0}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func idsByName(ctx context.Context, q store.Queryer, query string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("read names: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, id string
		if err := rows.Scan(&name, &id); err != nil {
			return nil, fmt.Errorf("read names: %w", err)
		}
		out[name] = id
	}
	return out, rows.Err()
}

func keys(m map[string]string) []string { return sortedKeys(m) }

// StoredCalendar is a calendar with its id and version.
type StoredCalendar struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	calendar.Calendar
}

// MarshalJSON flattens the calendar's own JSON with id and version.
func (c StoredCalendar) MarshalJSON() ([]byte, error) {
	doc, err := json.Marshal(c.Calendar)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf(`{"id":%q,"version":%d,`, c.ID, c.Version)
	return append([]byte(head), doc[1:]...), nil
}

// Calendars returns every stored calendar by name.
func (s *Service) Calendars(ctx context.Context) ([]StoredCalendar, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, version, doc FROM calendars ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list calendars: %w", err)
	}
	defer rows.Close()
	out := []StoredCalendar{}
	for rows.Next() {
		var c StoredCalendar
		var doc string
		if err := rows.Scan(&c.ID, &c.Version, &doc); err != nil {
			return nil, fmt.Errorf("list calendars: %w", err)
		}
		if c.Calendar, err = s.calendarFor(c.ID, c.Version, doc); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CalendarByName returns one stored calendar.
func (s *Service) CalendarByName(ctx context.Context, name string) (StoredCalendar, error) {
	var c StoredCalendar
	var doc string
	err := s.DB.Read.QueryRowContext(ctx, `SELECT id, version, doc FROM calendars WHERE name = $1`, name).Scan(&c.ID, &c.Version, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return c, anchor.NotFound("calendar", name)
	}
	if err != nil {
		return c, fmt.Errorf("get calendar %s: %w", name, err)
	}
	c.Calendar, err = s.calendarFor(c.ID, c.Version, doc)
	return c, err
}

// calendarError turns a calendar's validation error into an EInvalid one
// that lists every problem with its path.
func calendarError(err error) error {
	var ve *calendar.ValidationError
	if errors.As(err, &ve) {
		var p Problems
		for _, f := range ve.Fields {
			p.add(f.Field, "%s", f.Message)
		}
		return p.Err("calendar")
	}
	return anchor.Invalid("", "calendar: %v", err)
}

// ParseCalendar reads a calendar's JSON document, naming every problem.
func ParseCalendar(data []byte) (calendar.Calendar, error) {
	var c calendar.Calendar
	if err := json.Unmarshal(data, &c); err != nil {
		return c, calendarError(err)
	}
	return c, nil
}

// PutCalendar creates a calendar or replaces the one of the same name.
func (s *Service) PutCalendar(ctx context.Context, c calendar.Calendar) (StoredCalendar, error) {
	if err := c.Validate(); err != nil {
		return StoredCalendar{}, calendarError(err)
	}
	if c.Name == AlwaysOpen {
		return StoredCalendar{}, anchor.Invalid("name", "%q is the built-in 24/7 calendar", AlwaysOpen)
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		ids, err := idsByName(ctx, tx, `SELECT name, id FROM calendars`)
		if err != nil {
			return err
		}
		_, err = putCalendar(ctx, tx, c, ids[c.Name], s.DB.Now())
		return err
	})
	if err != nil {
		return StoredCalendar{}, err
	}
	return s.CalendarByName(ctx, c.Name)
}

func putCalendar(ctx context.Context, tx *sql.Tx, c calendar.Calendar, id string, now time.Time) (string, error) {
	doc, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("store calendar %s: %w", c.Name, err)
	}
	if id == "" {
		id = store.NewID(now)
		_, err = tx.ExecContext(ctx, `INSERT INTO calendars (id, name, doc, updated_at, version) VALUES ($1, $2, $3, $4, 1)`, id, c.Name, string(doc), store.Millis(now))
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE calendars SET doc = $1, updated_at = $2, version = version + 1 WHERE id = $3`, string(doc), store.Millis(now), id)
	}
	if err != nil {
		return "", fmt.Errorf("store calendar %s: %w", c.Name, err)
	}
	return id, nil
}

// DeleteCalendar removes a calendar no target or department uses.
func (s *Service) DeleteCalendar(ctx context.Context, name string) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		ids, err := idsByName(ctx, tx, `SELECT name, id FROM calendars`)
		if err != nil {
			return err
		}
		id, ok := ids[name]
		if !ok {
			return anchor.NotFound("calendar", name)
		}
		return deleteCalendar(ctx, tx, id, name)
	})
}

func deleteCalendar(ctx context.Context, tx *sql.Tx, id, name string) error {
	var uses int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM service_targets WHERE calendar_id = $1) + (SELECT COUNT(*) FROM departments WHERE calendar_id = $1)`, id).Scan(&uses); err != nil {
		return fmt.Errorf("delete calendar %s: %w", name, err)
	}
	if uses > 0 {
		return anchor.Conflict("calendar %q is used by %d target(s) or department(s)", name, uses)
	}
	// Open cases and handoffs that were counted in it fall back to 24/7
	// (CalendarByID): deleting a calendar must not strand their clocks.
	if _, err := tx.ExecContext(ctx, `DELETE FROM calendars WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete calendar %s: %w", name, err)
	}
	return nil
}

// ParseMatrix reads a matrix document in JSON or YAML (YAML is converted
// to JSON first), refusing unknown fields so that a misspelt key is an
// error rather than a silently missing target.
func ParseMatrix(data []byte) (Matrix, error) {
	trimmed := strings.TrimSpace(string(data))
	if !strings.HasPrefix(trimmed, "{") {
		j, err := yamlToJSON(data)
		if err != nil {
			return Matrix{}, anchor.Invalid("", "not JSON nor YAML: %v", err)
		}
		data = j
	}
	var m Matrix
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Matrix{}, anchor.Invalid("", "service matrix document: %v", err)
	}
	return m, nil
}
