package web

import (
	"net"
	"net/http"
	"strings"
	"time"

	"anchor"
	"anchor/internal/users"
)

type signInData struct {
	Email string
	Next  string
	Error string
}

func (s *Server) showSignIn(w http.ResponseWriter, r *http.Request, u users.User) error {
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = "/"
	}
	if u.ID != "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "signin", &view{Title: "Sign in", Data: signInData{Next: next}})
	return nil
}

// signIn checks the password unless the email or the address is locked
// out; a locked-out attempt is refused without looking at the password, so
// guessing gains nothing while it lasts. A success renews the session token
// (no session fixation) and returns the user where they were going.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, _ users.User) error {
	if err := r.ParseForm(); err != nil {
		return anchor.Invalid("", "the form could not be read")
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	password := r.PostForm.Get("password")
	next := r.PostForm.Get("next")
	if !localPath(next) {
		next = "/"
	}
	ip := clientIP(r)
	again := func(status int, msg string) error {
		s.render(w, r, status, "signin", &view{Title: "Sign in", Data: signInData{Email: email, Next: next, Error: msg}})
		return nil
	}
	if email == "" || password == "" {
		return again(http.StatusUnprocessableEntity, "Enter your email and your password.")
	}
	ctx := r.Context()
	until, err := s.lockedUntil(ctx, email, ip)
	if err != nil {
		return err
	}
	if wait := until.Sub(s.DB.Now()); wait > 0 {
		if err := s.recordAttempt(ctx, email, ip, attemptLocked); err != nil {
			return err
		}
		w.Header().Set("Retry-After", retryAfter(wait))
		return again(http.StatusTooManyRequests, "Too many failed sign-ins. For your account's safety, wait "+waitWords(wait)+" before trying again.")
	}
	u, err := s.Users.Authenticate(ctx, email, password)
	if anchor.ErrorCode(err) == anchor.EUnauthorized {
		if err := s.recordAttempt(ctx, email, ip, attemptFail); err != nil {
			return err
		}
		msg := "Wrong email or password."
		if until, err := s.lockedUntil(ctx, email, ip); err == nil {
			if wait := until.Sub(s.DB.Now()); wait > 0 {
				msg += " Too many failed sign-ins: wait " + waitWords(wait) + " before trying again."
			}
		}
		return again(http.StatusUnauthorized, msg)
	}
	if err != nil {
		return err
	}
	if err := s.recordAttempt(ctx, email, ip, attemptOK); err != nil {
		return err
	}
	if err := s.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.Sessions.Put(ctx, sessionUserKey, u.ID)
	if st, ok := s.Sessions.Store.(*sessionStore); ok {
		if err := st.deleteExpired(ctx); err != nil {
			s.Logger.Warn("web: clean sessions", "error", err)
		}
	}
	if next == "/" && u.Role == users.RoleDepartment {
		next = "/inbox"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// signOut ends the session everywhere: its row is deleted, not only the
// cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, _ users.User) error {
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func waitWords(d time.Duration) string {
	if d < time.Minute {
		s := int(d.Seconds() + 0.999)
		if s == 1 {
			return "1 second"
		}
		return itoa(s) + " seconds"
	}
	m := int(d.Minutes() + 0.999)
	if m == 1 {
		return "1 minute"
	}
	return itoa(m) + " minutes"
}

func retryAfter(d time.Duration) string { return itoa(int(d.Seconds() + 0.999)) }
