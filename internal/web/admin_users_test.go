package web_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

func TestUserRoleAndDeactivation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.signedIn(t, f.admin.Email)
		ag, err := f.web.Users.Get(context.Background(), f.agent.ID)
		if err != nil {
			t.Fatal(err)
		}
		v := strconv.Itoa(ag.Version)
		r := c.post("/admin/users/"+ag.ID, url.Values{"version": {v}, "role": {"supervisor"}, "active": {"true"}})
		wantStatus(t, "promote", r, 303)
		got, _ := f.web.Users.Get(context.Background(), ag.ID)
		if got.Role != "supervisor" || !got.Active {
			t.Fatalf("after promotion: %+v", got)
		}
		// The same (now stale) form again is refused, and says so.
		r = c.post("/admin/users/"+ag.ID, url.Values{"version": {v}, "role": {"agent"}, "active": {"true"}})
		wantStatus(t, "stale", r, 409)
		// A department role without a department is refused with the field.
		r = c.post("/admin/users/"+ag.ID, url.Values{"version": {strconv.Itoa(got.Version)}, "role": {"department"}, "active": {"true"}})
		wantStatus(t, "department without department", r, 422)
		// Deactivated, the agent can no longer sign in.
		r = c.post("/admin/users/"+ag.ID, url.Values{"version": {strconv.Itoa(got.Version)}, "role": {"supervisor"}})
		wantStatus(t, "deactivate", r, 303)
		a := f.client(t)
		r = a.post("/signin", url.Values{"email": {ag.Email}, "password": {password}})
		if r.status == 303 {
			t.Fatal("a deactivated user signed in")
		}
	})
}
