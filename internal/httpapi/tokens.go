package httpapi

import (
	"net/http"
	"time"

	"anchor"
	"anchor/internal/users"
)

type newToken struct {
	Name string `json:"name"`
	// TTLSeconds is how long the token lives; 0 for no expiry.
	TTLSeconds int64 `json:"ttl_seconds,omitempty"`
	// UserID issues the token to another user: admins only.
	UserID string `json:"user_id,omitempty"`
}

type createdToken struct {
	users.Token
	// Secret is shown this once; only its hash is kept.
	Secret string `json:"secret"`
}

func (s *Server) createToken(r *http.Request, u users.User) (any, error) {
	var n newToken
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	owner := u.ID
	if n.UserID != "" && n.UserID != u.ID {
		if u.Role != users.RoleAdmin {
			return nil, anchor.Forbidden("only an admin issues tokens to other users")
		}
		owner = n.UserID
	}
	if n.TTLSeconds < 0 {
		return nil, anchor.Invalid("ttl_seconds", "must not be negative")
	}
	t, secret, err := s.Users.CreateToken(r.Context(), owner, n.Name, time.Duration(n.TTLSeconds)*time.Second)
	if anchor.ErrorCode(err) == anchor.ENotFound {
		return nil, anchor.Invalid("user_id", "no such user: %q", n.UserID)
	}
	return createdToken{t, secret}, err
}

func (s *Server) revokeToken(r *http.Request, u users.User) (any, error) {
	return struct{}{}, s.Users.RevokeToken(r.Context(), u.ID, r.PathValue("id"))
}
