package web

import (
	"net/http"
	"strings"

	"anchor/internal/contactcenter"
	"anchor/internal/users"
)

type queuesAdminData struct {
	Queues []contactcenter.Queue
	Edit   *contactcenter.Queue
}

func (s *Server) showQueues(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderQueues(w, r, u, r.URL.Query().Get("edit"), nil)
}

func (s *Server) renderQueues(w http.ResponseWriter, r *http.Request, u users.User, editID string, form *formState) error {
	ctx := r.Context()
	qs, err := s.Contact.Queues(ctx)
	if err != nil {
		return err
	}
	d := queuesAdminData{Queues: qs}
	if editID != "" {
		q, err := s.Contact.Queue(ctx, editID)
		if err != nil {
			return err
		}
		d.Edit = &q
	}
	s.render(w, r, pageStatus(form), "admin_queues", &view{Title: "Queues", Nav: "admin", User: u, Form: form, Data: d})
	return nil
}

// saveQueue creates a queue or changes one's names, thresholds and
// wrap-up. A change applies to contacts imported from now on (or to the
// past after `anchor rollup rebuild`): the page says so.
func (s *Server) saveQueue(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	id := f.Get("id")
	sl, err := intField(r, "service_level_seconds")
	var short, wrap *int
	if err == nil {
		short, err = intField(r, "short_abandon_seconds")
	}
	if err == nil {
		wrap, err = intField(r, "wrapup_seconds")
	}
	name, ast, reasons := strings.TrimSpace(f.Get("name")), strings.TrimSpace(f.Get("asterisk_name")), splitList(f.Get("wrapup_reasons"))
	var q contactcenter.Queue
	if err == nil {
		if id == "" {
			q, err = s.Contact.CreateQueue(r.Context(), contactcenter.NewQueue{Name: name, AsteriskName: ast, ServiceLevelSeconds: sl,
				ShortAbandonSeconds: short, WrapUpSeconds: wrap, WrapUpReasons: reasons})
		} else {
			var version int
			if version, err = formVersion(r); err == nil {
				q, err = s.Contact.UpdateQueue(r.Context(), id, contactcenter.QueueUpdate{Name: &name, AsteriskName: &ast, ServiceLevelSeconds: sl,
					ShortAbandonSeconds: short, WrapUpSeconds: wrap, WrapUpReasons: reasons, Version: version})
			}
		}
	}
	if err != nil {
		if fs := refused("queue", r, err); fs != nil {
			return s.renderQueues(w, r, u, id, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/queues", "Queue "+q.Name+" saved. New thresholds apply to contacts imported from now on; run `anchor rollup rebuild` to apply them to the past.")
}

type aliasesData struct {
	Aliases  []contactcenter.Alias
	Unmapped bool
	Dir      *directory
}

func (s *Server) showAliases(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderAliases(w, r, u, nil)
}

func (s *Server) renderAliases(w http.ResponseWriter, r *http.Request, u users.User, form *formState) error {
	ctx := r.Context()
	d := aliasesData{Unmapped: r.URL.Query().Get("show") != "all"}
	var err error
	if d.Aliases, err = s.Contact.Aliases(ctx, contactcenter.AliasFilter{Unmapped: d.Unmapped}); err != nil {
		return err
	}
	if d.Dir, err = s.directory(ctx); err != nil {
		return err
	}
	s.render(w, r, pageStatus(form), "admin_aliases", &view{Title: "Agent aliases", Nav: "admin", User: u, Form: form, Data: d})
	return nil
}

// mapAlias says which user an agent name from the phone system is.
func (s *Server) mapAlias(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	alias := strings.TrimSpace(r.PostForm.Get("alias"))
	a, err := s.Contact.SetAlias(r.Context(), contactcenter.AliasInput{Alias: alias, UserID: r.PostForm.Get("user_id")})
	if err != nil {
		if fs := refused("alias-"+alias, r, err); fs != nil {
			return s.renderAliases(w, r, u, fs)
		}
		return err
	}
	msg := a.Alias + " is unmapped."
	if a.UserID != "" {
		msg = a.Alias + " is now mapped. Contacts imported from now on count for that user; run `anchor rollup rebuild` for the past."
	}
	return s.seeOther(w, r, "/admin/agent-aliases", msg)
}
