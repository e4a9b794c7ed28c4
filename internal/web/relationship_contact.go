package web

import (
	"context"
	"net/http"
	"strings"

	"anchor/internal/servicelevel"
	"anchor/internal/users"
)

// relationshipChannels are the channels a proactive contact can take, as
// servicelevel accepts them (it does not export its list; it refuses any
// other with the field named, so a drift shows as a clear error).
var relationshipChannels = []string{"phone", "email", "visit", "video", "chat", "social"}

// relationshipPolicies returns each segment's proactive-contact policy by
// segment name, from the service matrix.
func (s *Server) relationshipPolicies(ctx context.Context) (map[string]*servicelevel.RelationshipPolicy, error) {
	m, err := s.Levels.Export(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]*servicelevel.RelationshipPolicy{}
	for name, lv := range m.Segments {
		if lv.RelationshipContacts != nil {
			out[name] = lv.RelationshipContacts
		}
	}
	return out, nil
}

// dueContacts lists the accounts of owner whose proactive contact is
// overdue or due within the workspace's horizon, with the fields logging
// one must record.
func (s *Server) dueContacts(r *http.Request, owner string) ([]dueContact, error) {
	ctx := r.Context()
	due, err := s.Levels.DueRelationshipContacts(ctx, owner, contactHorizonDays)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	policies, err := s.relationshipPolicies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]dueContact, len(due))
	for i, d := range due {
		out[i] = dueContact{DueContact: d}
		if p := policies[d.Segment]; p != nil {
			out[i].Required = p.RequiredFields
		}
	}
	return out, nil
}

// relationshipView is a customer's proactive-contact standing, for the
// customer 360.
type relationshipView struct {
	// Policy is the segment's; nil when the segment is owed none.
	Policy *servicelevel.RelationshipPolicy
	// Due holds the last contact and when the next is due.
	Due *servicelevel.DueContact
}

// customerRelationship reads one customer's standing. DueRelationshipContacts
// answers per owner, so the owner's accounts are read and this one kept:
// an owner has tens or hundreds of accounts, not thousands.
func (s *Server) customerRelationship(ctx context.Context, customerID, ownerID, segment string) (relationshipView, error) {
	var v relationshipView
	policies, err := s.relationshipPolicies(ctx)
	if err != nil {
		return v, err
	}
	if v.Policy = policies[segment]; v.Policy == nil {
		return v, nil
	}
	// Every account is due within its policy's period (at most 3660 days).
	due, err := s.Levels.DueRelationshipContacts(ctx, ownerID, 3661)
	if err != nil {
		return v, err
	}
	for i := range due {
		if due[i].CustomerID == customerID {
			v.Due = &due[i]
			break
		}
	}
	return v, nil
}

// logRelationshipContact records a proactive contact with a customer. The
// segment's policy names the fields it must record; a missing one is
// refused with its name, and the form comes back filled in on the page it
// was sent from (the workspace or the customer 360).
func (s *Server) logRelationshipContact(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	n := servicelevel.NewRelationshipContact{Channel: r.PostForm.Get("channel"), Summary: strings.TrimSpace(r.PostForm.Get("summary")), Fields: map[string]string{}}
	for k, v := range r.PostForm {
		if name, ok := strings.CutPrefix(k, "fields."); ok && name != "" && len(v) > 0 {
			n.Fields[name] = strings.TrimSpace(v[0])
		}
	}
	var err error
	n.ContactedAt, err = s.localTime(r, "contacted_at")
	if err == nil {
		_, err = s.Levels.LogRelationshipContact(r.Context(), u.Actor(), id, n)
	}
	fromCustomer := r.PostForm.Get("from") == "customer"
	if err != nil {
		if fs := refused("relationship-"+id, r, err); fs != nil {
			if fromCustomer {
				return s.renderCustomer(w, r, u, id, fs)
			}
			return s.renderWorkspace(w, r, u, fs)
		}
		return err
	}
	back := "/#proactive"
	if fromCustomer {
		back = "/customers/" + id + "#relationship"
	}
	return s.seeOther(w, r, back, "Proactive contact logged.")
}
