// Package demo fills an empty database with a small, believable company:
// segments, departments (one of them an outside carrier), a team of agents
// with supervisors, customers, and a month of cases with contacts, handoffs
// and callbacks. It goes through the same services as the API, so demo
// data obeys every rule real data does.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"anchor/internal/cases"
	"anchor/internal/customers"
	"anchor/internal/departments"
	"anchor/internal/servicelevel"
	"anchor/internal/store"
	"anchor/internal/users"
)

// Matrix is the demo company's service matrix: an office calendar for
// business customers and the back office, 24/7 for urgent enterprise work.
const Matrix = `
at_risk_share: 0.75
calendars:
  - name: office
    timezone: Europe/London
    hours:
      mon: [["08:00", "18:00"]]
      tue: [["08:00", "18:00"]]
      wed: [["08:00", "18:00"]]
      thu: [["08:00", "18:00"]]
      fri: [["08:00", "18:00"]]
    recurring_holidays: ["01-01", "12-25", "12-26"]
segments:
  enterprise:
    relationship_contacts: {every_days: 30, required_fields: [topics, satisfaction, next_steps]}
    priorities:
      urgent: {first_response: 30m, next_update: 2h, resolution: 4h, callback_window: 1h, calendar: 24x7}
      high: {first_response: 1h, next_update: 4h, resolution: 10h, callback_window: 1h, calendar: office}
      normal: {first_response: 2h, next_update: 8h, resolution: 20h, callback_window: 2h, calendar: office}
      low: {first_response: 4h, next_update: 10h, resolution: 40h, callback_window: 2h, calendar: office}
  business:
    relationship_contacts: {every_days: 90, required_fields: [topics]}
    priorities:
      urgent: {first_response: 1h, resolution: 8h, callback_window: 2h, calendar: office}
      high: {first_response: 2h, resolution: 20h, callback_window: 2h, calendar: office}
      normal: {first_response: 4h, resolution: 30h, callback_window: 4h, calendar: office}
      low: {first_response: 8h, resolution: 50h, callback_window: 4h, calendar: office}
  retail:
    priorities:
      urgent: {first_response: 2h, resolution: 20h, callback_window: 2h, calendar: office}
      normal: {first_response: 8h, resolution: 50h, callback_window: 4h, calendar: office}
      low: {first_response: 20h, resolution: 100h, callback_window: 4h, calendar: office}
      high: {first_response: 4h, resolution: 30h, callback_window: 2h, calendar: office}
departments:
  Finance: {accept_within: 4h, complete_within: 20h, calendar: office}
  Logistics: {accept_within: 2h, complete_within: 8h, calendar: office}
  Legal: {accept_within: 10h, complete_within: 50h, calendar: office}
  IT: {accept_within: 1h, complete_within: 10h, calendar: office}
  ParcelCo (carrier): {accept_within: 1h, complete_within: 48h, calendar: 24x7}
`

// ErrNotEmpty is returned when the database already has users: demo data is
// never mixed into a real one.
var ErrNotEmpty = errors.New("database is not empty")

// Result says what was loaded and how to sign in.
type Result struct {
	Customers     int
	Cases         int
	Calls         int64
	AdminEmail    string
	AdminPassword string
	AdminToken    string
}

// Options size the demo company.
type Options struct {
	Customers int
	Cases     int
	// Days of history the cases and the contact center span.
	Days int
	// ContactCenter adds queue_log history of two queues and twelve agents.
	ContactCenter bool
}

// Full is the demo `anchor serve --demo` loads: a few thousand customers
// and cases over 90 days, with contact-center history, survey answers,
// feedback, QA evaluations and metric targets, so that every screen lives.
var Full = Options{Customers: 2000, Cases: 3000, Days: 90, ContactCenter: true}

// Small is a quick demo for tests.
var Small = Options{Customers: 60, Cases: 240, Days: 30}

// Load fills an empty database. History is written with the clock set back
// over the last Days days, so that cases have believable ages; the clock is
// restored before Load returns.
func Load(ctx context.Context, db *store.DB, opt Options) (Result, error) {
	var n int
	if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return Result{}, fmt.Errorf("demo: %w", err)
	}
	if n > 0 {
		return Result{}, ErrNotEmpty
	}
	realNow := db.Now
	defer func() { db.Now = realNow }()
	end := realNow()
	span := time.Duration(opt.Days) * 24 * time.Hour
	t := end.Add(-span)
	db.Now = func() time.Time { return t }
	rng := rand.New(rand.NewPCG(20261126, 1))

	us := users.NewService(db)
	cs := &customers.Service{DB: db}
	ds := &departments.Service{DB: db}
	ks := &cases.Service{DB: db, Levels: &servicelevel.Service{DB: db}}
	res := Result{AdminEmail: "admin@anchor.demo", AdminPassword: users.GeneratePassword()}

	admin, err := us.Create(ctx, users.NewUser{Email: res.AdminEmail, Name: "Ada Admin", Role: users.RoleAdmin, Password: res.AdminPassword})
	if err != nil {
		return Result{}, fmt.Errorf("demo admin: %w", err)
	}
	if _, res.AdminToken, err = us.CreateToken(ctx, admin.ID, "demo", 0); err != nil {
		return Result{}, fmt.Errorf("demo token: %w", err)
	}
	if _, err := us.Create(ctx, users.NewUser{Email: "director@anchor.demo", Name: "Diane Director", Role: users.RoleDirector}); err != nil {
		return Result{}, fmt.Errorf("demo director: %w", err)
	}
	var sups []users.User
	for _, name := range []string{"Sam Supervisor", "Sofia Supervisor"} {
		u, err := us.Create(ctx, users.NewUser{Email: fmt.Sprintf("sup%d@anchor.demo", len(sups)+1), Name: name, Role: users.RoleSupervisor})
		if err != nil {
			return Result{}, fmt.Errorf("demo supervisor: %w", err)
		}
		sups = append(sups, u)
	}
	var agents []users.User
	for i, name := range []string{"Ana Alves", "Ben Brooks", "Chen Li", "Dara Okafor", "Eli Novak", "Fatima Zahra",
		"Gus Green", "Hana Sato", "Ivan Petrov", "Jade Moreau", "Kofi Mensah", "Lena Vogel"} {
		u, err := us.Create(ctx, users.NewUser{Email: fmt.Sprintf("agent%d@anchor.demo", i+1), Name: name, Role: users.RoleAgent, SupervisorID: sups[i%2].ID})
		if err != nil {
			return Result{}, fmt.Errorf("demo agent: %w", err)
		}
		agents = append(agents, u)
	}
	var depts []departments.Department
	for _, d := range []departments.NewDepartment{
		{Name: "Finance", AcceptWithinSeconds: 4 * 3600, CompleteWithinSeconds: 24 * 3600},
		{Name: "Logistics", AcceptWithinSeconds: 2 * 3600, CompleteWithinSeconds: 8 * 3600},
		{Name: "Legal", AcceptWithinSeconds: 24 * 3600, CompleteWithinSeconds: 5 * 24 * 3600},
		{Name: "IT", AcceptWithinSeconds: 3600, CompleteWithinSeconds: 12 * 3600},
		{Name: "ParcelCo (carrier)", External: true, AcceptWithinSeconds: 3600, CompleteWithinSeconds: 48 * 3600},
	} {
		dep, err := ds.Create(ctx, d)
		if err != nil {
			return Result{}, fmt.Errorf("demo department: %w", err)
		}
		depts = append(depts, dep)
	}
	for i, dep := range depts[:2] {
		if _, err := us.Create(ctx, users.NewUser{Email: fmt.Sprintf("dept%d@anchor.demo", i+1), Name: dep.Name + " desk", Role: users.RoleDepartment, DepartmentID: dep.ID}); err != nil {
			return Result{}, fmt.Errorf("demo department member: %w", err)
		}
	}
	var segs []customers.Segment
	for _, s := range []customers.NewSegment{
		{Name: "enterprise", Description: "key accounts with a named relationship manager"},
		{Name: "business", Description: "small and medium businesses"},
		{Name: "retail", Description: "consumers"},
	} {
		seg, err := cs.CreateSegment(ctx, s)
		if err != nil {
			return Result{}, fmt.Errorf("demo segment: %w", err)
		}
		segs = append(segs, seg)
	}
	levels := &servicelevel.Service{DB: db}
	m, err := servicelevel.ParseMatrix([]byte(Matrix))
	if err != nil {
		return Result{}, fmt.Errorf("demo matrix: %w", err)
	}
	if _, err := levels.Import(ctx, admin.Actor(), m); err != nil {
		return Result{}, fmt.Errorf("demo matrix: %w", err)
	}
	names := []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne",
		"Soylent", "Gringotts", "Oceanic", "Vandelay", "Pied Piper", "Monarch", "Aperture", "Duff", "Nakatomi", "Oscorp"}
	var custs []customers.Customer
	for i := 0; i < opt.Customers; i++ {
		// A sixth enterprise, a third business, the rest retail.
		seg := segs[2]
		switch {
		case i%6 == 0:
			seg = segs[0]
		case i%3 == 0:
			seg = segs[1]
		}
		name := fmt.Sprintf("%s %s", names[i%len(names)], []string{"Ltd", "GmbH", "S.A.", "Inc"}[i/len(names)%4])
		if seg.Name == "retail" {
			name = fmt.Sprintf("%s household %d", names[i%len(names)], i)
		}
		rev := float64(5000 + rng.IntN(200000))
		c, err := cs.Create(ctx, admin.Actor(), customers.NewCustomer{Name: name, SegmentID: seg.ID, OwnerID: agents[i%len(agents)].ID,
			ExternalID: fmt.Sprintf("CRM-%05d", 1000+i), Revenue: &rev,
			Contacts: []customers.Contact{{Name: "Main contact", Email: fmt.Sprintf("contact%d@customer%d.example", i, i), Phone: fmt.Sprintf("+44 20 7946 %04d", i)}}})
		if err != nil {
			return Result{}, fmt.Errorf("demo customer: %w", err)
		}
		custs = append(custs, c)
	}
	res.Customers = len(custs)

	subjects := []struct{ subject, category string }{
		{"Invoice shows the wrong amount", "billing"}, {"Parcel not delivered", "delivery"}, {"Refund not received", "billing"},
		{"Cannot log in to the portal", "access"}, {"Product arrived damaged", "delivery"}, {"Change of billing address", "account"},
		{"Question about the contract terms", "contract"}, {"Order missing an item", "delivery"}, {"Charged twice", "billing"},
	}
	channels := []string{"phone", "phone", "email", "email", "web", "chat", "visit", "social"}
	priorities := []string{"low", "normal", "normal", "normal", "high", "urgent"}
	step := span / time.Duration(opt.Cases+1)
	for i := 0; i < opt.Cases; i++ {
		t = end.Add(-span + time.Duration(i)*step + time.Duration(rng.IntN(3600))*time.Second)
		cust := custs[rng.IntN(len(custs))]
		sub := subjects[rng.IntN(len(subjects))]
		ch := channels[rng.IntN(len(channels))]
		c, err := ks.Create(ctx, agents[rng.IntN(len(agents))].Actor(), cases.NewCase{CustomerID: cust.ID, Subject: sub.subject, Channel: ch,
			Category: sub.category, Priority: priorities[rng.IntN(len(priorities))], FirstContact: &cases.NewContact{}})
		if err != nil {
			return Result{}, fmt.Errorf("demo case: %w", err)
		}
		res.Cases++
		owner := users.User{ID: c.OwnerID, Role: users.RoleAgent}
		age := end.Sub(t)
		advance := func(d time.Duration) bool {
			if t.Add(d).After(end.Add(-time.Minute)) {
				return false
			}
			t = t.Add(d)
			return true
		}
		if !advance(time.Duration(10+rng.IntN(50)) * time.Minute) {
			continue
		}
		open := cases.StatusOpen
		if c, err = ks.Update(ctx, owner.Actor(), c.ID, cases.Update{Status: &open, Version: c.Version}); err != nil {
			return Result{}, fmt.Errorf("demo case: %w", err)
		}
		if _, err := ks.AddMessage(ctx, owner.Actor(), c.ID, cases.NewMessage{Body: "Thank you, we are looking into it.", Visibility: "public"}); err != nil {
			return Result{}, fmt.Errorf("demo message: %w", err)
		}
		if rng.IntN(3) == 0 {
			dep := depts[rng.IntN(len(depts))]
			h, err := ks.SendHandoff(ctx, owner.Actor(), c.ID, cases.NewHandoff{DepartmentID: dep.ID, Request: "Please check and confirm: " + sub.subject})
			if err != nil {
				return Result{}, fmt.Errorf("demo handoff: %w", err)
			}
			if advance(time.Duration(1+rng.IntN(6)) * time.Hour) {
				accepted := cases.HandoffAccepted
				sup := sups[0].Actor()
				if h, err = ks.UpdateHandoff(ctx, sup, h.ID, cases.HandoffUpdate{Status: &accepted, Version: h.Version}); err != nil {
					return Result{}, fmt.Errorf("demo handoff: %w", err)
				}
				if advance(time.Duration(2+rng.IntN(40)) * time.Hour) {
					done, answer := cases.HandoffCompleted, "Done: confirmed and corrected."
					if _, err = ks.UpdateHandoff(ctx, sup, h.ID, cases.HandoffUpdate{Status: &done, Answer: &answer, Version: h.Version}); err != nil {
						return Result{}, fmt.Errorf("demo handoff: %w", err)
					}
				}
			}
		}
		if rng.IntN(4) == 0 {
			start := t.Add(time.Duration(1+rng.IntN(20)) * time.Hour).Truncate(time.Hour)
			cb, err := ks.PromiseCallback(ctx, owner.Actor(), c.ID, cases.NewCallback{WindowStart: start, WindowEnd: start.Add(2 * time.Hour), Phone: cust.Contacts[0].Phone})
			if err != nil {
				return Result{}, fmt.Errorf("demo callback: %w", err)
			}
			if advance(start.Sub(t) + time.Duration(rng.IntN(180))*time.Minute) {
				if _, err := ks.UpdateCallback(ctx, owner.Actor(), cb.ID, cases.CallbackUpdate{Status: cases.CallbackMade, Outcome: "reached", Version: cb.Version}); err != nil {
					return Result{}, fmt.Errorf("demo callback: %w", err)
				}
			}
		}
		if age < 3*24*time.Hour || rng.IntN(20) == 0 {
			continue // still being worked
		}
		if !advance(time.Duration(1+rng.IntN(48)) * time.Hour) {
			continue
		}
		c, err = ks.Get(ctx, c.ID)
		if err != nil {
			return Result{}, err
		}
		resolved := cases.StatusResolved
		if c, err = ks.Update(ctx, owner.Actor(), c.ID, cases.Update{Status: &resolved, Version: c.Version}); err != nil {
			return Result{}, fmt.Errorf("demo case: %w", err)
		}
		if rng.IntN(2) == 0 && advance(72*time.Hour) {
			closed := cases.StatusClosed
			if _, err = ks.Update(ctx, owner.Actor(), c.ID, cases.Update{Status: &closed, Version: c.Version}); err != nil {
				return Result{}, fmt.Errorf("demo case: %w", err)
			}
		}
	}
	w := world{db: db, rng: rng, end: end, span: span, admin: admin, sups: sups, agents: agents, depts: depts, custs: custs}
	if err := w.voice(ctx); err != nil {
		return Result{}, err
	}
	if err := w.qa(ctx); err != nil {
		return Result{}, err
	}
	if err := w.targets(ctx); err != nil {
		return Result{}, err
	}
	if opt.ContactCenter {
		if res.Calls, err = w.contactCenter(ctx); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}
