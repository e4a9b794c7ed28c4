package qa

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Service stores QA forms, evaluations and samples.
type Service struct {
	DB *store.DB
}

// Roles, as package users names them. QA is run by supervisors and those
// above them; agents only see and answer their own evaluations.
const (
	roleAdmin      = "admin"
	roleDirector   = "director"
	roleSupervisor = "supervisor"
	roleAgent      = "agent"
)

// evaluates reports whether actor may write forms, evaluations, samples
// and dispute resolutions.
func evaluates(a anchor.Actor) bool {
	return a.Role == roleAdmin || a.Role == roleDirector || a.Role == roleSupervisor
}

func mustEvaluate(a anchor.Actor) error {
	if !evaluates(a) {
		return anchor.Forbidden("only supervisors, directors and admins run QA")
	}
	return nil
}

// mayRead reports whether actor may read QA at all: department members see
// nothing of it.
func mayRead(a anchor.Actor) error {
	if evaluates(a) || a.Role == roleAgent {
		return nil
	}
	return anchor.Forbidden("the %s role has no access to QA", a.Role)
}

// Form is one version of an evaluation form.
type Form struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Version is the version shown; CurrentVersion the newest. Editing a
	// form makes a new version and evaluations keep theirs, so that a
	// score is always read against the criteria it was given on.
	Version        int         `json:"version"`
	CurrentVersion int         `json:"current_version"`
	Active         bool        `json:"active"`
	Criteria       []Criterion `json:"criteria"`
	CreatedAt      time.Time   `json:"created_at"`
	// VersionCreatedAt and VersionCreatedBy say who wrote this version.
	VersionCreatedAt time.Time `json:"version_created_at"`
	VersionCreatedBy string    `json:"version_created_by,omitempty"`
}

// NewForm is what creating a form takes.
type NewForm struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Criteria    []Criterion `json:"criteria"`
}

func (n *NewForm) validate() error {
	n.Name = strings.TrimSpace(n.Name)
	n.Description = strings.TrimSpace(n.Description)
	if n.Name == "" {
		return anchor.Invalid("name", "is required")
	}
	if len(n.Name) > 200 {
		return anchor.Invalid("name", "must be at most 200 characters")
	}
	if len(n.Description) > 4000 {
		return anchor.Invalid("description", "must be at most 4000 characters")
	}
	return validateCriteria(n.Criteria)
}

// FormUpdate edits a form, making a new version. Version is the current
// version the edit is based on; omitted fields are kept.
type FormUpdate struct {
	Version     int         `json:"version"`
	Name        *string     `json:"name,omitempty"`
	Description *string     `json:"description,omitempty"`
	Criteria    []Criterion `json:"criteria,omitempty"`
}

// CreateForm stores a form as its version 1. A duplicate name is a
// conflict; bad criteria are invalid, naming the criterion's field.
func (s *Service) CreateForm(ctx context.Context, actor anchor.Actor, n NewForm) (Form, error) {
	if err := mustEvaluate(actor); err != nil {
		return Form{}, err
	}
	if err := n.validate(); err != nil {
		return Form{}, err
	}
	now := s.DB.Now().Truncate(time.Millisecond)
	f := Form{ID: store.NewID(now), Name: n.Name, Description: n.Description, Version: 1, CurrentVersion: 1, Active: true,
		Criteria: n.Criteria, CreatedAt: now, VersionCreatedAt: now, VersionCreatedBy: actor.UserID}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := uniqueName(ctx, tx, f.Name, ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO qa_forms (id, name, version, active, created_by, created_at, updated_at)
			VALUES ($1, $2, 1, TRUE, $3, $4, $4)`, f.ID, f.Name, store.NullString(actor.UserID), store.Millis(now)); err != nil {
			return fmt.Errorf("insert form: %w", err)
		}
		return insertFormVersion(ctx, tx, f)
	})
	return f, err
}

func uniqueName(ctx context.Context, tx *sql.Tx, name, except string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM qa_forms WHERE name = $1 AND id <> $2`, name, except).Scan(&n); err != nil {
		return fmt.Errorf("check form name: %w", err)
	}
	if n > 0 {
		return &anchor.Error{Code: anchor.EConflict, Field: "name", Message: "a form with this name already exists"}
	}
	return nil
}

func insertFormVersion(ctx context.Context, tx *sql.Tx, f Form) error {
	criteria, err := json.Marshal(f.Criteria)
	if err != nil {
		return fmt.Errorf("encode criteria: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO qa_form_versions (form_id, version, name, description, criteria, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, f.ID, f.Version, f.Name, f.Description, string(criteria),
		store.NullString(f.VersionCreatedBy), store.Millis(f.VersionCreatedAt)); err != nil {
		return fmt.Errorf("insert form %s version %d: %w", f.ID, f.Version, err)
	}
	return nil
}

const formColumns = `f.id, v.name, v.description, v.version, f.version, f.active, v.criteria, f.created_at, v.created_at, COALESCE(v.created_by, '')`

func scanForm(row store.Scanner) (Form, error) {
	var f Form
	var criteria string
	var created, vcreated int64
	if err := row.Scan(&f.ID, &f.Name, &f.Description, &f.Version, &f.CurrentVersion, &f.Active, &criteria, &created, &vcreated, &f.VersionCreatedBy); err != nil {
		return Form{}, err
	}
	if err := json.Unmarshal([]byte(criteria), &f.Criteria); err != nil {
		return Form{}, fmt.Errorf("decode criteria of form %s version %d: %w", f.ID, f.Version, err)
	}
	f.CreatedAt, f.VersionCreatedAt = store.Time(created), store.Time(vcreated)
	return f, nil
}

// Form returns a form at version (0 for the current one). Agents may read
// forms, to see what they were scored against.
func (s *Service) Form(ctx context.Context, actor anchor.Actor, id string, version int) (Form, error) {
	if err := mayRead(actor); err != nil {
		return Form{}, err
	}
	return getForm(ctx, s.DB.Read, id, version)
}

func getForm(ctx context.Context, q store.Queryer, id string, version int) (Form, error) {
	f, err := scanForm(q.QueryRowContext(ctx, `SELECT `+formColumns+` FROM qa_forms f
		JOIN qa_form_versions v ON v.form_id = f.id AND v.version = CASE WHEN $2 = 0 THEN f.version ELSE $2 END
		WHERE f.id = $1`, id, version))
	if errors.Is(err, sql.ErrNoRows) {
		if version != 0 {
			return Form{}, anchor.NotFound("form version", fmt.Sprintf("%s@%d", id, version))
		}
		return Form{}, anchor.NotFound("form", id)
	}
	if err != nil {
		return Form{}, fmt.Errorf("get form %s: %w", id, err)
	}
	return f, nil
}

// Forms returns the current version of every form, by name; archived ones
// only when asked.
func (s *Service) Forms(ctx context.Context, actor anchor.Actor, archived bool) ([]Form, error) {
	if err := mayRead(actor); err != nil {
		return nil, err
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+formColumns+` FROM qa_forms f
		JOIN qa_form_versions v ON v.form_id = f.id AND v.version = f.version
		WHERE f.active OR $1 ORDER BY v.name, f.id`, archived)
	if err != nil {
		return nil, fmt.Errorf("list forms: %w", err)
	}
	return collect(rows, scanForm, "list forms")
}

// FormVersions returns every version of a form, oldest first.
func (s *Service) FormVersions(ctx context.Context, actor anchor.Actor, id string) ([]Form, error) {
	if err := mayRead(actor); err != nil {
		return nil, err
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+formColumns+` FROM qa_forms f
		JOIN qa_form_versions v ON v.form_id = f.id WHERE f.id = $1 ORDER BY v.version`, id)
	if err != nil {
		return nil, fmt.Errorf("form %s versions: %w", id, err)
	}
	out, err := collect(rows, scanForm, "form versions")
	if err == nil && len(out) == 0 {
		return nil, anchor.NotFound("form", id)
	}
	return out, err
}

// UpdateForm makes a new version of a form from the current one and the
// fields given. A stale version is a conflict, a missing one a
// precondition error; an archived form cannot be edited.
func (s *Service) UpdateForm(ctx context.Context, actor anchor.Actor, id string, u FormUpdate) (Form, error) {
	if err := mustEvaluate(actor); err != nil {
		return Form{}, err
	}
	if u.Version == 0 {
		return Form{}, &anchor.Error{Code: anchor.EPrecondition, Field: "version", Message: "send the version the edit is based on"}
	}
	now := s.DB.Now().Truncate(time.Millisecond)
	var out Form
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := getForm(ctx, tx, id, 0)
		if err != nil {
			return err
		}
		if !cur.Active {
			return anchor.Conflict("form %q is archived", cur.Name)
		}
		if cur.Version != u.Version {
			return anchor.StaleVersion("form", cur.Version)
		}
		if u.Name == nil && u.Description == nil && u.Criteria == nil {
			return anchor.Invalid("", "nothing to change: send name, description or criteria")
		}
		n := NewForm{Name: cur.Name, Description: cur.Description, Criteria: cur.Criteria}
		if u.Name != nil {
			n.Name = *u.Name
		}
		if u.Description != nil {
			n.Description = *u.Description
		}
		if u.Criteria != nil {
			n.Criteria = u.Criteria
		}
		if err := n.validate(); err != nil {
			return err
		}
		if err := uniqueName(ctx, tx, n.Name, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE qa_forms SET name = $1, version = version + 1, updated_at = $2
			WHERE id = $3 AND version = $4`, n.Name, store.Millis(now), id, cur.Version)
		if err != nil {
			return fmt.Errorf("update form %s: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return anchor.StaleVersion("form", cur.Version+1)
		}
		out = Form{ID: id, Name: n.Name, Description: n.Description, Version: cur.Version + 1, CurrentVersion: cur.Version + 1,
			Active: true, Criteria: n.Criteria, CreatedAt: cur.CreatedAt, VersionCreatedAt: now, VersionCreatedBy: actor.UserID}
		return insertFormVersion(ctx, tx, out)
	})
	return out, err
}

// ArchiveForm stops a form taking new evaluations. It is not deleted: its
// evaluations keep pointing at it.
func (s *Service) ArchiveForm(ctx context.Context, actor anchor.Actor, id string) (Form, error) {
	if err := mustEvaluate(actor); err != nil {
		return Form{}, err
	}
	now := s.DB.Now()
	var out Form
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE qa_forms SET active = FALSE, updated_at = $1 WHERE id = $2`, store.Millis(now), id)
		if err != nil {
			return fmt.Errorf("archive form %s: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return anchor.NotFound("form", id)
		}
		out, err = getForm(ctx, tx, id, 0)
		return err
	})
	return out, err
}

// collect reads every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(store.Scanner) (T, error), what string) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
