package users_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"anchor"
	"anchor/internal/departments"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestKDF(t *testing.T) {
	for _, k := range []users.KDF{users.TestKDF, users.DefaultKDF} {
		h, err := k.Hash("correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$") {
			t.Fatalf("hash %q is not a PHC argon2id string", h)
		}
		h2, _ := k.Hash("correct horse battery")
		if h == h2 {
			t.Fatal("two hashes of one password are equal: no salt")
		}
		// Verify reads the cost from the hash, whatever KDF verifies it.
		for _, tc := range []struct {
			pw   string
			want bool
		}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
			ok, err := users.TestKDF.Verify(h, tc.pw)
			if err != nil || ok != tc.want {
				t.Errorf("Verify(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
			}
		}
	}
	if _, err := users.TestKDF.Verify("$2a$12$bcrypt", "x"); err == nil {
		t.Fatal("a non-argon2id hash verified without error")
	}
}

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := &storetest.Clock{T: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
		db.Now = clock.Now
		s := &users.Service{DB: db, KDF: users.TestKDF}
		u, err := s.Create(ctx, users.NewUser{Email: " Ana@Example.COM ", Name: "Ana", Role: users.RoleAgent, Password: "a long password"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ana@example.com" || !u.Active || u.Version != 1 {
			t.Fatalf("created %+v", u)
		}
		t.Run("Authenticate", func(t *testing.T) {
			got, err := s.Authenticate(ctx, "ANA@example.com", "a long password")
			if err != nil || got.ID != u.ID {
				t.Fatalf("Authenticate = %+v, %v", got, err)
			}
			for _, tc := range [][2]string{{"ana@example.com", "wrong password"}, {"nobody@example.com", "a long password"}} {
				if _, err := s.Authenticate(ctx, tc[0], tc[1]); anchor.ErrorCode(err) != anchor.EUnauthorized {
					t.Errorf("Authenticate(%s, %s) = %v, want unauthorized", tc[0], tc[1], err)
				}
			}
		})
		t.Run("Invalid", func(t *testing.T) {
			dept, err := (&departments.Service{DB: db}).Create(ctx, departments.NewDepartment{Name: "finance"})
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				n     users.NewUser
				code  string
				field string
			}{
				{users.NewUser{Email: "ana@example.com", Name: "Ana", Role: "agent"}, anchor.EConflict, "email"},
				{users.NewUser{Email: "x@example.com", Name: "X", Role: "department"}, anchor.EInvalid, "department_id"},
				{users.NewUser{Email: "x@example.com", Name: "X", Role: "agent", DepartmentID: dept.ID}, anchor.EInvalid, "department_id"},
				{users.NewUser{Email: "x@example.com", Name: "X", Role: "department", DepartmentID: "nope"}, anchor.EInvalid, "department_id"},
				{users.NewUser{Email: "x@example.com", Name: "X", Role: "agent", SupervisorID: "nope"}, anchor.EInvalid, "supervisor_id"},
				{users.NewUser{Email: "x@example.com", Name: "X", Role: "agent", Password: "short"}, anchor.EInvalid, "password"},
			} {
				_, err := s.Create(ctx, tc.n)
				if e, ok := err.(*anchor.Error); !ok || e.Code != tc.code || e.Field != tc.field {
					t.Errorf("Create(%+v) = %v, want %s on %s", tc.n, err, tc.code, tc.field)
				}
			}
			m, err := s.Create(ctx, users.NewUser{Email: "fin@example.com", Name: "Fin", Role: "department", DepartmentID: dept.ID})
			if err != nil || m.DepartmentID != dept.ID {
				t.Fatalf("department member: %+v, %v", m, err)
			}
			list, err := s.List(ctx, users.Filter{DepartmentID: dept.ID})
			if err != nil || len(list) != 1 || list[0].ID != m.ID {
				t.Fatalf("members of finance = %+v, %v", list, err)
			}
		})
		t.Run("Tokens", func(t *testing.T) {
			tok, secret, err := s.CreateToken(ctx, u.ID, "laptop", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(secret, users.TokenPrefix) || len(secret) < 40 {
				t.Fatalf("secret %q", secret)
			}
			var stored string
			if err := db.Read.QueryRow(`SELECT hash FROM api_tokens WHERE id = $1`, tok.ID).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(stored, secret) || strings.Contains(secret, stored) {
				t.Fatal("the token is stored in clear")
			}
			if got, err := s.UserByToken(ctx, secret); err != nil || got.ID != u.ID {
				t.Fatalf("UserByToken = %+v, %v", got, err)
			}
			clock.Advance(time.Hour + time.Millisecond)
			if _, err := s.UserByToken(ctx, secret); anchor.ErrorCode(err) != anchor.EUnauthorized {
				t.Fatalf("expired token: %v", err)
			}
			_, forever, err := s.CreateToken(ctx, u.ID, "ci", 0)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(10 * 365 * 24 * time.Hour)
			if _, err := s.UserByToken(ctx, forever); err != nil {
				t.Fatalf("token without expiry: %v", err)
			}

			// The listing: newest first, the expired one still there, a
			// revoked one marked, another user's only in everyone's list.
			other, err := s.Create(ctx, users.NewUser{Email: "tokens-other@example.com", Name: "Other", Role: users.RoleAgent})
			if err != nil {
				t.Fatal(err)
			}
			theirs, _, err := s.CreateToken(ctx, other.ID, "theirs", 0)
			if err != nil {
				t.Fatal(err)
			}
			ci, err := s.ListTokens(ctx, u.ID)
			if err != nil || len(ci) != 2 || ci[0].Name != "ci" || ci[1].ID != tok.ID {
				t.Fatalf("ListTokens(own) = %+v, %v", ci, err)
			}
			if err := s.RevokeToken(ctx, u.ID, ci[0].ID); err != nil {
				t.Fatal(err)
			}
			now := db.Now()
			got, err := s.GetToken(ctx, ci[0].ID)
			if err != nil || got.RevokedAt == nil || got.Live(now) || got.UserID != u.ID {
				t.Fatalf("revoked token = %+v, %v", got, err)
			}
			if exp, _ := s.GetToken(ctx, tok.ID); exp.Live(now) || exp.RevokedAt != nil {
				t.Fatalf("expired token = %+v", exp)
			}
			if live, _ := s.GetToken(ctx, theirs.ID); !live.Live(now) {
				t.Fatalf("live token = %+v", live)
			}
			all, err := s.ListTokens(ctx, "")
			if err != nil || len(all) != 3 || all[0].ID != theirs.ID {
				t.Fatalf("ListTokens(all) = %+v, %v", all, err)
			}
			if _, err := s.GetToken(ctx, "nope"); anchor.ErrorCode(err) != anchor.ENotFound {
				t.Fatalf("GetToken(unknown): %v", err)
			}
		})
	})
}
