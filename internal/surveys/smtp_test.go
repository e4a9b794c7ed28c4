package surveys_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"anchor/internal/customers"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/surveys"
)

// mailbox is a real SMTP server on loopback that keeps what it is sent.
type mailbox struct {
	addr string
	mu   sync.Mutex
	msgs []received
	// reject, when set, refuses every recipient (a full mailbox, a
	// server in trouble).
	reject bool
	// delay slows every message down, so that concurrent senders overlap.
	delay time.Duration
}

type received struct {
	from, to string
	msg      *mail.Message
	body     string
}

func newMailbox(t *testing.T, user, pass string) *mailbox {
	t.Helper()
	m := &mailbox{}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{box: m, user: user, pass: pass}, nil
	}))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = ln.Addr().String()
	go s.Serve(ln) //nolint:errcheck
	t.Cleanup(func() { s.Close() })
	return m
}

func (m *mailbox) all() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.msgs...)
}

type session struct {
	box        *mailbox
	user, pass string
	authed     bool
	from, to   string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != s.user || pass != s.pass {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.box.mu.Lock()
	defer s.box.mu.Unlock()
	if s.box.reject {
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}
	}
	s.to = to
	return nil
}
func (s *session) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return err
	}
	time.Sleep(s.box.delay)
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, received{from: s.from, to: s.to, msg: msg, body: string(body)})
	s.box.mu.Unlock()
	return nil
}
func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

var linkRE = regexp.MustCompile(`http://survey\.test/s/([0-9a-z]{26}\.[A-Za-z0-9_-]{43})`)

func TestSMTPDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		box := newMailbox(t, "anchor", "s3cret")
		smtpURL := fmt.Sprintf("smtp://anchor:s3cret@%s?auth=plain&from=%s", box.addr, url.QueryEscape("surveys@acme-service.example"))
		m, err := surveys.NewMailer(smtpURL, "http://survey.test", slog.New(slog.DiscardHandler))
		must(t, err)
		sender := &surveys.Sender{Surveys: f.svc, Mailer: m, PublicURL: "http://survey.test/"}
		f.program(surveys.NewProgram{Kind: "csat"})
		c := f.resolvedCase(f.customer.ID, "Charged twice\r\nBcc: victim@example.com")
		f.clock.Advance(2 * time.Minute)
		r, err := sender.RunOnce(ctx)
		must(t, err)
		if r.Planned != 1 || r.Sent != 1 {
			t.Fatalf("pass = %+v, want 1 planned, 1 sent; invitations %+v", r, f.invitations(surveys.InvitationFilter{}))
		}
		got := box.all()
		if len(got) != 1 {
			t.Fatalf("%d messages arrived, want 1", len(got))
		}
		msg := got[0]
		if msg.from != "surveys@acme-service.example" || msg.to != "jo@acme.example" {
			t.Fatalf("envelope %s -> %s", msg.from, msg.to)
		}
		if subj := msg.msg.Header.Get("Subject"); subj != "How did we do? Charged twice Bcc: victim@example.com" {
			t.Fatalf("subject = %q (a customer's line break must not become a header)", subj)
		}
		if msg.msg.Header.Get("Bcc") != "" {
			t.Fatal("a Bcc header was injected")
		}
		inv := f.invitations(surveys.InvitationFilter{CaseID: c.ID})[0]
		if id := msg.msg.Header.Get("Message-Id"); id != "<"+inv.ID+".survey@anchor>" {
			t.Fatalf("Message-ID = %q", id)
		}
		body := strings.ReplaceAll(msg.body, "=\r\n", "") // quoted-printable soft breaks
		link := linkRE.FindStringSubmatch(body)
		if link == nil {
			t.Fatalf("no survey link in the body:\n%s", msg.body)
		}
		if in, err := f.svc.Open(ctx, link[1]); err != nil || in.InvitationID != inv.ID {
			t.Fatalf("the mailed link opens %+v, %v", in, err)
		}
		if inv.Status != "sent" || inv.Delivery != "smtp" || inv.SurveyPath != "" || inv.Attempts != 1 {
			t.Fatalf("invitation after sending = %+v (a mailed link is never shown by the API)", inv)
		}
		if want := inv.SentAt.Add(14 * 24 * time.Hour); !inv.ExpiresAt.Equal(want) {
			t.Fatalf("expires %s, want 14 days after sending (%s)", inv.ExpiresAt, want)
		}
		// A second pass sends nothing.
		if r, err := sender.RunOnce(ctx); err != nil || r.Sent != 0 || len(box.all()) != 1 {
			t.Fatalf("second pass = %+v, %v; %d messages", r, err, len(box.all()))
		}
	})
}

func TestSMTPRefusalIsRetriedThenFailed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		box := newMailbox(t, "", "")
		box.reject = true
		m, err := surveys.NewMailer("smtp://"+box.addr, "http://survey.test", slog.New(slog.DiscardHandler))
		must(t, err)
		sender := &surveys.Sender{Surveys: f.svc, Mailer: m, PublicURL: "http://survey.test", MaxAttempts: 3}
		f.program(surveys.NewProgram{Kind: "nps"})
		for attempt, wait := range []time.Duration{0, time.Minute, 4 * time.Minute} {
			f.clock.Advance(wait)
			r, err := sender.RunOnce(ctx)
			must(t, err)
			inv := f.invitations(surveys.InvitationFilter{})[0]
			want := "pending"
			if attempt == 2 {
				want = "failed"
			}
			if r.Sent != 0 || inv.Status != want || inv.Attempts != attempt+1 || !strings.Contains(inv.Reason, "mailbox full") {
				t.Fatalf("attempt %d: pass %+v, invitation %+v; want %s", attempt+1, r, inv, want)
			}
			// Not due again before its back-off.
			if r, _ := sender.RunOnce(ctx); r.Sent+r.Failed != 0 {
				t.Fatalf("retried before the back-off: %+v", r)
			}
		}
	})
}

// TestTwoSendersNeverSendTwice runs two senders at once, each with a
// database connection pool of its own (two `anchor serve` on one
// PostgreSQL), against one SMTP server, and checks that every invitation
// arrived exactly once. On SQLite the two share the file.
func TestTwoSendersNeverSendTwice(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			var db1, db2 *store.DB
			if engine == "postgres" {
				db1, db2 = twoPostgres(t)
			} else {
				db1 = storetest.OpenSQLite(t)
				db2 = db1
			}
			f := newFixture(t, db1)
			db2.Now = f.clock.Now
			const customersN, contactsEach = 60, 2 // 120 NPS invitations
			for i := range customersN {
				var cs []customers.Contact
				for j := range contactsEach {
					cs = append(cs, customers.Contact{Email: fmt.Sprintf("c%d.%d@example.com", i, j)})
				}
				f.newCustomer(fmt.Sprintf("Customer %03d", i), 1, cs...)
			}
			f.program(surveys.NewProgram{Kind: "nps"})
			f.plan()
			want := f.count(`SELECT COUNT(*) FROM survey_invitations WHERE status = 'pending'`)
			if want != customersN*contactsEach+1 { // + Acme's contact
				t.Fatalf("pending = %d", want)
			}
			box := newMailbox(t, "", "")
			box.delay = 2 * time.Millisecond
			var wg sync.WaitGroup
			results := make([]surveys.PassResult, 2)
			for k, db := range []*store.DB{db1, db2} {
				m, err := surveys.NewMailer("smtp://"+box.addr, "http://survey.test", slog.New(slog.DiscardHandler))
				must(t, err)
				s := &surveys.Sender{Surveys: surveys.New(db, nil), Mailer: m, PublicURL: "http://survey.test", Batch: 7, ID: fmt.Sprintf("sender-%d", k)}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						sent, _, claimed, err := s.SendDue(ctx)
						if err != nil {
							t.Errorf("sender %d: %v", k, err)
							return
						}
						results[k].Sent += sent
						if claimed == 0 {
							return
						}
					}
				}()
			}
			wg.Wait()
			seen := map[string]int{}
			for _, m := range box.all() {
				seen[m.msg.Header.Get("Message-Id")]++
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s arrived %d times", id, n)
				}
			}
			if len(seen) != want || results[0].Sent+results[1].Sent != want {
				t.Fatalf("%d distinct messages arrived, senders report %d + %d; want %d", len(seen), results[0].Sent, results[1].Sent, want)
			}
			if results[0].Sent == 0 || results[1].Sent == 0 {
				t.Fatalf("one sender took everything (%d / %d): the race was not exercised", results[0].Sent, results[1].Sent)
			}
			t.Logf("%d invitations: sender 0 sent %d, sender 1 sent %d", want, results[0].Sent, results[1].Sent)
			if n := f.count(`SELECT COUNT(*) FROM survey_invitations WHERE status = 'sent'`); n != want {
				t.Fatalf("sent = %d, want %d", n, want)
			}
		})
	}
}

// twoPostgres opens two independent pools on one fresh schema.
func twoPostgres(t *testing.T) (*store.DB, *store.DB) {
	t.Helper()
	first := storetest.OpenPostgres(t)
	var schema string
	if err := first.Read.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	second, err := store.Open(context.Background(), storetest.WithSearchPath(storetest.PostgresDSN(t), schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Close() })
	return first, second
}
