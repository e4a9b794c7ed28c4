package customers_test

import (
	"context"
	"testing"
	"time"

	"anchor"
	"anchor/internal/customers"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := &storetest.Clock{T: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
		db.Now = clock.Now
		us := &users.Service{DB: db, KDF: users.TestKDF}
		sales, err := us.Create(ctx, users.NewUser{Email: "sales@example.com", Name: "Sales", Role: users.RoleSupervisor})
		if err != nil {
			t.Fatal(err)
		}
		agent, err := us.Create(ctx, users.NewUser{Email: "ana@example.com", Name: "Ana", Role: users.RoleAgent})
		if err != nil {
			t.Fatal(err)
		}
		s := &customers.Service{DB: db}
		seg, err := s.CreateSegment(ctx, customers.NewSegment{Name: "enterprise"})
		if err != nil {
			t.Fatal(err)
		}
		rev := 120000.5
		c, err := s.Create(ctx, sales.Actor(), customers.NewCustomer{Name: "Acme", SegmentID: seg.ID, OwnerID: sales.ID, ExternalID: "CRM-1", Revenue: &rev,
			Contacts: []customers.Contact{{Name: "Jo", Email: "JO@acme.example"}, {Phone: "+44 20 7946 0000"}}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Acme" || *got.Revenue != rev || len(got.Contacts) != 2 || got.Contacts[0].Email != "jo@acme.example" || got.Contacts[1].Phone != "+44 20 7946 0000" {
			t.Fatalf("got %+v", got)
		}

		t.Run("TransferToCustomerService", func(t *testing.T) {
			clock.Advance(time.Hour)
			up, err := s.Update(ctx, sales.Actor(), c.ID, customers.Update{OwnerID: &agent.ID, OwnerChangeReason: "account transfer from sales", Version: 1})
			if err != nil {
				t.Fatal(err)
			}
			if up.OwnerID != agent.ID || up.Version != 2 || len(up.Contacts) != 2 {
				t.Fatalf("after transfer %+v", up)
			}
			h, err := s.OwnerHistory(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(h) != 2 || h[0].To != sales.ID || h[1].From != sales.ID || h[1].To != agent.ID || h[1].ChangedBy != sales.ID ||
				h[1].Reason != "account transfer from sales" || !h[1].ChangedAt.Equal(clock.T) {
				t.Fatalf("owner history %+v", h)
			}
			_, err = s.Update(ctx, sales.Actor(), c.ID, customers.Update{Name: ptr("Acme Corp"), Version: 1})
			if e, ok := err.(*anchor.Error); !ok || e.Code != anchor.EConflict || e.Field != "version" {
				t.Fatalf("stale update: %v", err)
			}
		})
		t.Run("Invalid", func(t *testing.T) {
			for _, tc := range []struct {
				n     customers.NewCustomer
				code  string
				field string
			}{
				{customers.NewCustomer{SegmentID: seg.ID}, anchor.EInvalid, "name"},
				{customers.NewCustomer{Name: "X"}, anchor.EInvalid, "segment_id"},
				{customers.NewCustomer{Name: "X", SegmentID: "nope"}, anchor.EInvalid, "segment_id"},
				{customers.NewCustomer{Name: "X", SegmentID: seg.ID, OwnerID: "nope"}, anchor.EInvalid, "owner_id"},
				{customers.NewCustomer{Name: "X", SegmentID: seg.ID, ExternalID: "CRM-1"}, anchor.EConflict, "external_id"},
				{customers.NewCustomer{Name: "X", SegmentID: seg.ID, Contacts: []customers.Contact{{Email: "not mail"}}}, anchor.EInvalid, "contacts[0].email"},
				{customers.NewCustomer{Name: "X", SegmentID: seg.ID, Contacts: []customers.Contact{{Phone: "call me"}}}, anchor.EInvalid, "contacts[0].phone"},
				{customers.NewCustomer{Name: "X", SegmentID: seg.ID, Revenue: ptr(-1.0)}, anchor.EInvalid, "revenue"},
			} {
				_, err := s.Create(ctx, sales.Actor(), tc.n)
				if e, ok := err.(*anchor.Error); !ok || e.Code != tc.code || e.Field != tc.field {
					t.Errorf("Create(%+v) = %v, want %s on %s", tc.n, err, tc.code, tc.field)
				}
			}
		})
		t.Run("ListAndSearch", func(t *testing.T) {
			for _, name := range []string{"Globex", "Initech 100%", "Umbrella_Co"} {
				clock.Advance(time.Millisecond)
				if _, err := s.Create(ctx, sales.Actor(), customers.NewCustomer{Name: name, SegmentID: seg.ID}); err != nil {
					t.Fatal(err)
				}
			}
			for q, want := range map[string]int{"": 4, "glob": 1, "100%": 1, "%": 1, "_": 1, "crm-1": 1, "nothing": 0} {
				list, _, err := s.List(ctx, customers.Filter{Query: q})
				if err != nil || len(list) != want {
					t.Errorf("List(q=%q) = %d customers, %v; want %d", q, len(list), err, want)
				}
			}
			p1, next, err := s.List(ctx, customers.Filter{Page: store.Page{Limit: 3}})
			if err != nil || len(p1) != 3 || next == "" || p1[0].Name != "Umbrella_Co" {
				t.Fatalf("page 1 = %d, next %q, %v", len(p1), next, err)
			}
			p2, next2, err := s.List(ctx, customers.Filter{Page: store.Page{Limit: 3, Cursor: next}})
			if err != nil || len(p2) != 1 || next2 != "" || p2[0].Name != "Acme Corp" && p2[0].Name != "Acme" {
				t.Fatalf("page 2 = %+v, next %q, %v", p2, next2, err)
			}
			mine, _, err := s.List(ctx, customers.Filter{OwnerID: agent.ID})
			if err != nil || len(mine) != 1 || mine[0].ID != c.ID {
				t.Fatalf("agent's accounts = %+v, %v", mine, err)
			}
		})
	})
}

func ptr[T any](v T) *T { return &v }
