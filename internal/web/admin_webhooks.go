package web

import (
	"net/http"
	"strings"

	"anchor/internal/notify"
	"anchor/internal/users"
)

type webhooksData struct {
	Webhooks []notify.Webhook
	// Created is the webhook just added, with its secret shown this once.
	Created *notify.CreatedWebhook
}

func (s *Server) showWebhooks(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderWebhooks(w, r, u, nil, nil)
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, u users.User, created *notify.CreatedWebhook, form *formState) error {
	hooks, err := s.Notify.Webhooks(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "admin_webhooks", &view{Title: "Webhooks", Nav: "admin", User: u, Form: form, Data: webhooksData{Webhooks: hooks, Created: created}})
	return nil
}

// createWebhook registers a URL that receives every escalation, signed.
// The secret (typed, or generated) is shown on this response only, like an
// API token's: it is never put in the session or a redirect.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	created, err := s.Notify.CreateWebhook(r.Context(), notify.NewWebhook{URL: strings.TrimSpace(r.PostForm.Get("url")), Secret: r.PostForm.Get("secret")})
	if err != nil {
		if fs := refused("webhook", r, err); fs != nil {
			// A refused secret is not echoed back into the page.
			fs.Values.Del("secret")
			return s.renderWebhooks(w, r, u, nil, fs)
		}
		return err
	}
	return s.renderWebhooks(w, r, u, &created, nil)
}

// stopWebhook stops deliveries to a webhook; it stays listed, stopped, for
// its history.
func (s *Server) stopWebhook(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := s.Notify.DeleteWebhook(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return s.seeOther(w, r, "/admin/webhooks", "Webhook stopped: nothing more is sent to it.")
}
