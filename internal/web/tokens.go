package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"anchor"
	"anchor/internal/users"
)

type tokensData struct {
	Tokens []users.Token
	// Secret is the token just created, shown this once.
	Secret string
	Admin  bool
	Dir    *directory
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderTokens(w, r, u, "", nil)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, u users.User, secret string, form *formState) error {
	d := tokensData{Secret: secret, Admin: u.Role == users.RoleAdmin}
	owner := u.ID
	if d.Admin {
		owner = ""
	}
	var err error
	if d.Tokens, err = s.Users.ListTokens(r.Context(), owner); err != nil {
		return err
	}
	if d.Dir, err = s.directory(r.Context()); err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "tokens", &view{Title: "API tokens", Nav: "tokens", User: u, Form: form, Data: d})
	return nil
}

// createToken issues an API token and shows its secret once, on this
// response only: it is never put in the session or a redirect.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	owner := u.ID
	if other := r.PostForm.Get("user_id"); other != "" && other != u.ID {
		if u.Role != users.RoleAdmin {
			return anchor.Forbidden("only an admin issues tokens to other users")
		}
		owner = other
	}
	var ttl time.Duration
	var err error
	if days := strings.TrimSpace(r.PostForm.Get("ttl_days")); days != "" {
		n, perr := strconv.Atoi(days)
		if perr != nil || n < 0 {
			err = anchor.Invalid("ttl_days", "must be a whole number of days (0 for no expiry)")
		}
		ttl = time.Duration(n) * 24 * time.Hour
	}
	var secret string
	if err == nil {
		_, secret, err = s.Users.CreateToken(r.Context(), owner, strings.TrimSpace(r.PostForm.Get("name")), ttl)
	}
	if err != nil {
		if fs := refused("token", r, err); fs != nil {
			return s.renderTokens(w, r, u, "", fs)
		}
		return err
	}
	return s.renderTokens(w, r, u, secret, nil)
}

// revokeToken revokes one of the user's tokens; an admin may revoke
// anyone's.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	owner := u.ID
	if u.Role == users.RoleAdmin {
		t, err := s.Users.GetToken(r.Context(), id)
		if err != nil {
			return err
		}
		owner = t.UserID
	}
	if err := s.Users.RevokeToken(r.Context(), owner, id); err != nil {
		return err
	}
	return s.seeOther(w, r, "/tokens", "Token revoked.")
}
