package departments_test

import (
	"context"
	"testing"
	"time"

	"anchor"
	"anchor/internal/departments"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestDepartments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &departments.Service{DB: db}
		fin, err := s.Create(ctx, departments.NewDepartment{Name: " Finance ", AcceptWithinSeconds: 3600, CompleteWithinSeconds: 86400})
		if err != nil {
			t.Fatal(err)
		}
		carrier, err := s.Create(ctx, departments.NewDepartment{Name: "ParcelCo", External: true})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, fin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Finance" || got.AcceptWithin() != time.Hour || got.CompleteWithin() != 24*time.Hour || got.External {
			t.Fatalf("got %+v", got)
		}
		list, err := s.List(ctx)
		if err != nil || len(list) != 2 || list[1].ID != carrier.ID || !list[1].External || list[1].CompleteWithin() != 0 {
			t.Fatalf("list = %+v, %v", list, err)
		}
		for _, tc := range []struct {
			n     departments.NewDepartment
			code  string
			field string
		}{
			{departments.NewDepartment{Name: ""}, anchor.EInvalid, "name"},
			{departments.NewDepartment{Name: "Finance"}, anchor.EConflict, "name"},
			{departments.NewDepartment{Name: "IT", AcceptWithinSeconds: -1}, anchor.EInvalid, "accept_within_seconds"},
			{departments.NewDepartment{Name: "IT", AcceptWithinSeconds: 7200, CompleteWithinSeconds: 3600}, anchor.EInvalid, "accept_within_seconds"},
		} {
			_, err := s.Create(ctx, tc.n)
			if e, ok := err.(*anchor.Error); !ok || e.Code != tc.code || e.Field != tc.field {
				t.Errorf("Create(%+v) = %v, want %s on %s", tc.n, err, tc.code, tc.field)
			}
		}
		if _, err := s.Get(ctx, "nope"); anchor.ErrorCode(err) != anchor.ENotFound {
			t.Fatalf("Get(nope) = %v", err)
		}
	})
}
