// Package users holds the people who use Anchor (agents, supervisors, the
// director, administrators and back-office department members), their
// passwords and their API tokens.
package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"anchor"
	"anchor/internal/store"
)

// Roles. A department member sees only the handoffs sent to its department.
const (
	RoleAdmin      = "admin"
	RoleDirector   = "director"
	RoleSupervisor = "supervisor"
	RoleAgent      = "agent"
	RoleDepartment = "department"
)

// Roles lists every role, most powerful first.
var Roles = []string{RoleAdmin, RoleDirector, RoleSupervisor, RoleAgent, RoleDepartment}

// ValidRole reports whether r is one of Roles.
func ValidRole(r string) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// User is a person who signs in to Anchor or calls its API.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	DepartmentID string    `json:"department_id,omitempty"`
	SupervisorID string    `json:"supervisor_id,omitempty"`
	Active       bool      `json:"active"`
	CreatedAt    time.Time `json:"created_at"`
	Version      int       `json:"version"`
}

// Actor returns the user as the actor of what they do.
func (u User) Actor() anchor.Actor {
	return anchor.Actor{UserID: u.ID, Role: u.Role, DepartmentID: u.DepartmentID}
}

// NewUser is what creating a user takes.
type NewUser struct {
	Email        string `json:"email"`
	Name         string `json:"name"`
	Role         string `json:"role"`
	DepartmentID string `json:"department_id,omitempty"`
	SupervisorID string `json:"supervisor_id,omitempty"`
	// Password is optional: API-only users and users who sign in by SSO
	// have none.
	Password string `json:"password,omitempty"`
}

// Validate checks the fields that need no database.
func (n *NewUser) Validate() error {
	n.Email = strings.ToLower(strings.TrimSpace(n.Email))
	n.Name = strings.TrimSpace(n.Name)
	if n.Email == "" {
		return anchor.Invalid("email", "is required")
	}
	if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email {
		return anchor.Invalid("email", "is not an email address")
	}
	if n.Name == "" {
		return anchor.Invalid("name", "is required")
	}
	if !ValidRole(n.Role) {
		return anchor.Invalid("role", "must be one of %s", strings.Join(Roles, ", "))
	}
	if n.Role == RoleDepartment && n.DepartmentID == "" {
		return anchor.Invalid("department_id", "is required for the department role")
	}
	if n.Role != RoleDepartment && n.DepartmentID != "" {
		return anchor.Invalid("department_id", "is only for the department role")
	}
	if n.Password != "" && len(n.Password) < 10 {
		return anchor.Invalid("password", "must be at least 10 characters")
	}
	return nil
}

// Service stores users and tokens.
type Service struct {
	DB  *store.DB
	KDF KDF
}

// NewService returns a Service with the production password parameters.
func NewService(db *store.DB) *Service { return &Service{DB: db, KDF: DefaultKDF} }

const userColumns = `id, email, name, role, COALESCE(department_id, ''), COALESCE(supervisor_id, ''), active, created_at, version`

func scanUser(row store.Scanner) (User, error) {
	var u User
	var created int64
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.DepartmentID, &u.SupervisorID, &u.Active, &created, &u.Version)
	u.CreatedAt = store.Time(created)
	return u, err
}

// Create adds a user. A duplicate email is a conflict; an unknown department
// or supervisor is invalid.
func (s *Service) Create(ctx context.Context, n NewUser) (User, error) {
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	hash := ""
	if n.Password != "" {
		var err error
		if hash, err = s.KDF.Hash(n.Password); err != nil {
			return User{}, err
		}
	}
	now := s.DB.Now()
	u := User{ID: store.NewID(now), Email: n.Email, Name: n.Name, Role: n.Role, DepartmentID: n.DepartmentID,
		SupervisorID: n.SupervisorID, Active: true, CreatedAt: now.Truncate(time.Millisecond), Version: 1}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, "departments", "department_id", n.DepartmentID); err != nil {
			return err
		}
		if err := mustExist(ctx, tx, "users", "supervisor_id", n.SupervisorID); err != nil {
			return err
		}
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = $1`, n.Email).Scan(&dup); err != nil {
			return fmt.Errorf("check email: %w", err)
		}
		if dup > 0 {
			return &anchor.Error{Code: anchor.EConflict, Field: "email", Message: "a user with this email already exists"}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, role, department_id, supervisor_id, password_hash, active, created_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, 1)`,
			u.ID, u.Email, u.Name, u.Role, store.NullString(u.DepartmentID), store.NullString(u.SupervisorID), hash, store.Millis(now))
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return nil
	})
	return u, err
}

// mustExist returns an EInvalid error about field when id is set and no row
// of table has it. Table names are constants of this package, never input.
func mustExist(ctx context.Context, q store.Queryer, table, field, id string) error {
	if id == "" {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("check %s: %w", field, err)
	}
	if n == 0 {
		return anchor.Invalid(field, "no such %s: %q", strings.TrimSuffix(field, "_id"), id)
	}
	return nil
}

// Get returns a user by id.
func (s *Service) Get(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.DB.Read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, anchor.NotFound("user", id)
	}
	if err != nil {
		return User{}, fmt.Errorf("get user %s: %w", id, err)
	}
	return u, nil
}

// GetByEmail returns a user by email (case-insensitive).
func (s *Service) GetByEmail(ctx context.Context, email string) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := scanUser(s.DB.Read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, anchor.NotFound("user", email)
	}
	if err != nil {
		return User{}, fmt.Errorf("get user %s: %w", email, err)
	}
	return u, nil
}

// Filter narrows List.
type Filter struct {
	Role         string
	DepartmentID string
}

// List returns users ordered by name.
func (s *Service) List(ctx context.Context, f Filter) ([]User, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE ($1 = '' OR role = $1) AND ($2 = '' OR department_id = $2) ORDER BY name, id`, f.Role, f.DepartmentID)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Authenticate checks an email and password. Every failure is the same
// EUnauthorized error, so that a caller cannot learn which emails exist;
// an unknown email still costs one hash, for the same reason.
func (s *Service) Authenticate(ctx context.Context, email, password string) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var hash string
	var active bool
	var id string
	err := s.DB.Read.QueryRowContext(ctx, `SELECT id, password_hash, active FROM users WHERE email = $1`, email).Scan(&id, &hash, &active)
	fail := anchor.Errorf(anchor.EUnauthorized, "wrong email or password")
	if errors.Is(err, sql.ErrNoRows) || hash == "" {
		s.KDF.Hash(password) //nolint:errcheck // equalise timing
		return User{}, fail
	}
	if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	ok, err := s.KDF.Verify(hash, password)
	if err != nil {
		return User{}, err
	}
	if !ok || !active {
		return User{}, fail
	}
	return s.Get(ctx, id)
}

// SetPassword replaces a user's password.
func (s *Service) SetPassword(ctx context.Context, id, password string) error {
	if len(password) < 10 {
		return anchor.Invalid("password", "must be at least 10 characters")
	}
	hash, err := s.KDF.Hash(password)
	if err != nil {
		return err
	}
	res, err := s.DB.Write.ExecContext(ctx, `UPDATE users SET password_hash = $1, version = version + 1 WHERE id = $2`, hash, id)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return anchor.NotFound("user", id)
	}
	return nil
}

// Update changes a user: a new name, role (with its department for the
// department role), supervisor, or deactivation. Nil fields stay. Version
// is the version the change is based on.
type Update struct {
	Name         *string `json:"name,omitempty"`
	Role         *string `json:"role,omitempty"`
	DepartmentID *string `json:"department_id,omitempty"`
	SupervisorID *string `json:"supervisor_id,omitempty"`
	Active       *bool   `json:"active,omitempty"`
	Version      int     `json:"version"`
}

// Update applies u to a user. A deactivated user can no longer sign in or
// use a token (checked on every request), and their open work stays where
// it is, for a supervisor to move. The last active admin can be neither
// demoted nor deactivated: nobody could administer Anchor after that.
func (s *Service) Update(ctx context.Context, actor anchor.Actor, id string, u Update) (User, error) {
	if u.Version <= 0 {
		return User{}, anchor.VersionRequired()
	}
	var out User
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return anchor.NotFound("user", id)
		}
		if err != nil {
			return fmt.Errorf("update user %s: %w", id, err)
		}
		if cur.Version != u.Version {
			return anchor.StaleVersion("user", cur.Version)
		}
		next := cur
		if u.Name != nil {
			if next.Name = strings.TrimSpace(*u.Name); next.Name == "" {
				return anchor.Invalid("name", "must not be empty")
			}
		}
		if u.Role != nil {
			if !ValidRole(*u.Role) {
				return anchor.Invalid("role", "must be one of %s", strings.Join(Roles, ", "))
			}
			next.Role = *u.Role
		}
		if u.DepartmentID != nil {
			next.DepartmentID = *u.DepartmentID
		}
		if next.Role != RoleDepartment {
			next.DepartmentID = ""
		} else if next.DepartmentID == "" {
			return anchor.Invalid("department_id", "is required for the department role")
		}
		if u.SupervisorID != nil {
			if *u.SupervisorID == id {
				return anchor.Invalid("supervisor_id", "a user cannot supervise themselves")
			}
			next.SupervisorID = *u.SupervisorID
		}
		if u.Active != nil {
			if !*u.Active && id == actor.UserID {
				return anchor.Invalid("active", "you cannot deactivate yourself")
			}
			next.Active = *u.Active
		}
		if err := mustExist(ctx, tx, "departments", "department_id", next.DepartmentID); err != nil {
			return err
		}
		if err := mustExist(ctx, tx, "users", "supervisor_id", next.SupervisorID); err != nil {
			return err
		}
		if cur.Role == RoleAdmin && cur.Active && (next.Role != RoleAdmin || !next.Active) {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND active AND id <> $1`, id).Scan(&admins); err != nil {
				return fmt.Errorf("update user %s: %w", id, err)
			}
			if admins == 0 {
				return anchor.Conflict("%s is the last active admin: make another admin first", cur.Email)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, role = $2, department_id = $3, supervisor_id = $4, active = $5, version = version + 1
			WHERE id = $6`, next.Name, next.Role, store.NullString(next.DepartmentID), store.NullString(next.SupervisorID), next.Active, id); err != nil {
			return fmt.Errorf("update user %s: %w", id, err)
		}
		next.Version++
		out = next
		return nil
	})
	return out, err
}
