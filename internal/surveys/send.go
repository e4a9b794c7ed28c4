package surveys

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"

	"anchor/internal/store"
)

// Message is one invitation e-mail.
type Message struct {
	To, ToName string
	Subject    string
	Text       string
	// MessageID is derived from the invitation, so that a receiving
	// system can tell a resend from a new invitation.
	MessageID string
}

// Mailer delivers invitation e-mails. It returns an error only when the
// message was certainly not accepted, so that the sender may retry it.
type Mailer interface {
	Send(ctx context.Context, m Message) error
	// Delivery names the way messages go out (smtp, log), recorded on the
	// invitation.
	Delivery() string
}

// LogMailer writes invitations to the log instead of mailing them: the
// mode of an installation with no SMTP server, where the API lists the
// links for someone to pass on.
type LogMailer struct{ Logger *slog.Logger }

// Send logs m.
func (l LogMailer) Send(ctx context.Context, m Message) error {
	l.Logger.InfoContext(ctx, "survey invitation (no SMTP server configured: not mailed)", "to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}

// Delivery is "log".
func (LogMailer) Delivery() string { return DeliveryLog }

// SMTPMailer sends through an outbound SMTP server.
type SMTPMailer struct {
	host string
	opts []mail.Option
	from string
}

// NewMailer returns the mailer for an SMTP URL, or a LogMailer when it is
// empty. smtp://user:pass@host:587 uses STARTTLS when the server offers it
// (and refuses to send a password in clear to anything but loopback);
// smtps://host:465 uses TLS from the start. ?from=surveys@example.com sets
// the sender, by default surveys@ the public URL's host. The password goes
// by the best mechanism the server offers that is safe on the connection
// (no PLAIN or LOGIN without TLS); ?auth=plain or ?auth=login asks for one,
// which go-mail still refuses in clear except to loopback (a local relay).
func NewMailer(smtpURL, publicURL string, logger *slog.Logger) (Mailer, error) {
	if smtpURL == "" {
		return LogMailer{Logger: logger}, nil
	}
	u, err := url.Parse(smtpURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("--smtp must look like smtp://user:pass@host:587 or smtps://host:465")
	}
	m := &SMTPMailer{host: u.Hostname()}
	port := 587
	if u.Scheme == "smtps" {
		port = 465
		m.opts = append(m.opts, mail.WithSSL())
	} else {
		m.opts = append(m.opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("--smtp: bad port %q", p)
		}
	}
	m.opts = append(m.opts, mail.WithPort(port), mail.WithTimeout(30*time.Second))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		auth := mail.SMTPAuthAutoDiscover
		switch a := u.Query().Get("auth"); a {
		case "":
		case "plain":
			auth = mail.SMTPAuthPlain
		case "login":
			auth = mail.SMTPAuthLogin
		default:
			return nil, fmt.Errorf("--smtp: auth=%q: use plain or login, or leave it out to pick the best the server offers", a)
		}
		m.opts = append(m.opts, mail.WithSMTPAuth(auth), mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	m.from = u.Query().Get("from")
	if m.from == "" {
		host := "localhost"
		if pu, err := url.Parse(publicURL); err == nil && pu.Hostname() != "" {
			host = pu.Hostname()
		}
		m.from = "surveys@" + host
	}
	return m, nil
}

// Send mails m.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	msg := mail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("sender address %q: %w", s.from, err)
	}
	if err := msg.AddToFormat(m.ToName, m.To); err != nil {
		return fmt.Errorf("recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDate()
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	c, err := mail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp %s: %w", s.host, err)
	}
	return nil
}

// Delivery is "smtp".
func (*SMTPMailer) Delivery() string { return DeliverySMTP }

// Sender plans and sends invitations in the background. Every instance of
// `anchor serve` runs one; they share the work through the database: a
// sender claims due invitations (FOR UPDATE SKIP LOCKED on PostgreSQL; on
// SQLite the single writer serialises claims) under a lease, so two never
// send the same one.
type Sender struct {
	Surveys   *Service
	Mailer    Mailer
	PublicURL string // links are PublicURL + "/s/" + token
	Logger    *slog.Logger
	// ID names this sender in claimed_by; random when empty.
	ID string
	// Batch is how many invitations one claim takes (default 50).
	Batch int
	// Lease is how long a claim is held before another sender may take
	// the unsent part back (default 5 minutes).
	Lease time.Duration
	// Interval is the pause between passes (default 15 s).
	Interval time.Duration
	// MaxAttempts before an invitation is given up as failed (default 5).
	MaxAttempts int

	once sync.Once
}

func (s *Sender) defaults() {
	s.once.Do(func() {
		if s.ID == "" {
			var b [6]byte
			rand.Read(b[:]) //nolint:errcheck
			s.ID = "sender-" + hex.EncodeToString(b[:])
		}
		if s.Batch <= 0 {
			s.Batch = 50
		}
		if s.Lease <= 0 {
			s.Lease = 5 * time.Minute
		}
		if s.Interval <= 0 {
			s.Interval = 15 * time.Second
		}
		if s.MaxAttempts <= 0 {
			s.MaxAttempts = 5
		}
		if s.Logger == nil {
			s.Logger = s.Surveys.Logger
		}
		s.PublicURL = strings.TrimRight(s.PublicURL, "/")
	})
}

// NewSender returns the sender of an `anchor serve`: over SMTP when smtpURL
// is set, else to the log.
func NewSender(db *store.DB, logger *slog.Logger, smtpURL, publicURL string) (*Sender, error) {
	m, err := NewMailer(smtpURL, publicURL, logger)
	if err != nil {
		return nil, err
	}
	return &Sender{Surveys: New(db, logger), Mailer: m, PublicURL: publicURL, Logger: logger}, nil
}

// Start runs the sender until ctx is done; the returned function waits
// for it to finish the message in hand and stop.
func (s *Sender) Start(ctx context.Context) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	return func() { <-done }
}

// Run plans and sends every Interval until ctx is done.
func (s *Sender) Run(ctx context.Context) {
	s.defaults()
	for {
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Error("survey sender", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.Interval):
		}
	}
}

// PassResult counts what one pass did.
type PassResult struct {
	Planned int `json:"planned"`
	Skipped int `json:"skipped"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
}

// RunOnce plans until nothing is left to plan and sends until nothing is
// due.
func (s *Sender) RunOnce(ctx context.Context) (PassResult, error) {
	s.defaults()
	var res PassResult
	for {
		p, err := s.Surveys.Plan(ctx)
		res.Planned += p.Planned
		res.Skipped += p.Skipped
		if err != nil {
			return res, err
		}
		if !p.More {
			break
		}
	}
	for ctx.Err() == nil {
		sent, failed, claimed, err := s.SendDue(ctx)
		res.Sent += sent
		res.Failed += failed
		if err != nil {
			return res, err
		}
		if claimed < s.Batch {
			break
		}
	}
	return res, nil
}

// interruptedReason marks an invitation whose sender died between handing
// it to SMTP and recording the result: it may have arrived, and a second
// copy is worse than a missing one.
const interruptedReason = "the sender stopped while handing this message to the mail server; not resent so that nobody gets it twice"

// recover returns expired claims: what was never handed to SMTP goes back
// to pending; what may have been sent is marked failed.
func (s *Sender) recover(ctx context.Context) error {
	now := store.Millis(s.Surveys.DB.Now())
	return s.Surveys.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE survey_invitations SET status = 'pending', claimed_by = NULL, lease_until = NULL
			WHERE status = 'sending' AND lease_until < $1 AND send_started_at IS NULL`, now); err != nil {
			return fmt.Errorf("recover survey claims: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE survey_invitations SET status = 'failed', reason = $2
			WHERE status = 'sending' AND lease_until < $1 AND send_started_at IS NOT NULL`, now, interruptedReason); err != nil {
			return fmt.Errorf("recover survey claims: %w", err)
		}
		return nil
	})
}

// claim takes up to Batch due invitations for this sender.
func (s *Sender) claim(ctx context.Context) ([]string, error) {
	db := s.Surveys.DB
	now := db.Now()
	lock := ""
	if db.Dialect == store.Postgres {
		// Another sender's claimed rows are skipped, not waited for: two
		// senders take disjoint batches at full speed.
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var ids []string
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE survey_invitations SET status = 'sending', claimed_by = $1, lease_until = $2, attempts = attempts + 1
			WHERE status = 'pending' AND id IN (SELECT id FROM survey_invitations WHERE status = 'pending' AND due_at <= $3
				ORDER BY due_at, id`+store.Limit(s.Batch)+lock+`) RETURNING id`,
			s.ID, store.Millis(now.Add(s.Lease)), store.Millis(now))
		if err != nil {
			return fmt.Errorf("claim survey invitations: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("claim survey invitations: %w", err)
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}

// outgoing is what a message is made of.
type outgoing struct {
	id, kind, email, name, period, customer, subject string
	expiresDays, attempts                            int
}

// SendDue claims one batch of due invitations and sends it. It reports how
// many were sent, how many failed for good, and how many were claimed.
func (s *Sender) SendDue(ctx context.Context) (sent, failed, claimed int, err error) {
	s.defaults()
	if err := s.recover(ctx); err != nil {
		return 0, 0, 0, err
	}
	ids, err := s.claim(ctx)
	if err != nil || len(ids) == 0 {
		return 0, 0, 0, err
	}
	db := s.Surveys.DB
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = "$"+strconv.Itoa(i+1), id
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT i.id, i.kind, i.contact_email, i.contact_name, i.period, cu.name, COALESCE(c.subject, ''), p.expires_days, i.attempts
		FROM survey_invitations i JOIN customers cu ON cu.id = i.customer_id JOIN survey_programs p ON p.id = i.program_id
		LEFT JOIN cases c ON c.id = i.case_id WHERE i.id IN (`+strings.Join(ph, ", ")+`) ORDER BY i.due_at, i.id`, args...)
	if err != nil {
		return 0, 0, len(ids), fmt.Errorf("read claimed invitations: %w", err)
	}
	var out []outgoing
	for rows.Next() {
		var o outgoing
		if err := rows.Scan(&o.id, &o.kind, &o.email, &o.name, &o.period, &o.customer, &o.subject, &o.expiresDays, &o.attempts); err != nil {
			rows.Close()
			return 0, 0, len(ids), fmt.Errorf("read claimed invitations: %w", err)
		}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, len(ids), fmt.Errorf("read claimed invitations: %w", err)
	}
	for k, o := range out {
		if ctx.Err() != nil {
			// Shutting down: hand the rest back at once rather than let
			// them wait for the lease.
			return sent, failed, len(ids), s.release(out[k:])
		}
		ok, err := s.sendOne(ctx, o)
		switch {
		case err != nil:
			return sent, failed, len(ids), err
		case ok:
			sent++
		case o.attempts >= s.MaxAttempts:
			failed++
		}
	}
	return sent, failed, len(ids), nil
}

func (s *Sender) release(rest []outgoing) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Surveys.DB.Tx(ctx, func(tx *sql.Tx) error {
		for _, o := range rest {
			if _, err := tx.ExecContext(ctx, `UPDATE survey_invitations SET status = 'pending', claimed_by = NULL, lease_until = NULL, attempts = attempts - 1
				WHERE id = $1 AND claimed_by = $2 AND status = 'sending' AND send_started_at IS NULL`, o.id, s.ID); err != nil {
				return fmt.Errorf("release survey invitation: %w", err)
			}
		}
		return nil
	})
}

// sendOne marks the invitation as being handed over, sends it, and records
// the outcome. It reports whether the message went out; a delivery failure
// is recorded on the invitation (retried later, or failed for good) and is
// not an error of the pass.
func (s *Sender) sendOne(ctx context.Context, o outgoing) (bool, error) {
	db := s.Surveys.DB
	// From here the message is in flight: finish it and record the result
	// even while the server shuts down.
	ctx = context.WithoutCancel(ctx)
	start := store.Millis(db.Now())
	res, err := db.Write.ExecContext(ctx, `UPDATE survey_invitations SET send_started_at = $3
		WHERE id = $1 AND claimed_by = $2 AND status = 'sending' AND send_started_at IS NULL`, o.id, s.ID, start)
	if err != nil {
		return false, fmt.Errorf("mark survey invitation %s: %w", o.id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // the lease was lost: another sender has it
	}
	token, err := s.Surveys.Token(ctx, o.id)
	if err != nil {
		return false, err
	}
	expires := db.Now().Add(time.Duration(o.expiresDays) * 24 * time.Hour)
	msg := compose(o, s.PublicURL+"/s/"+token, expires)
	sendCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	sendErr := s.Mailer.Send(sendCtx, msg)
	cancel()
	now := db.Now()
	if sendErr == nil {
		_, err = db.Write.ExecContext(ctx, `UPDATE survey_invitations SET status = 'sent', sent_at = $2, expires_at = $3, delivery = $4, reason = '',
			claimed_by = NULL, lease_until = NULL WHERE id = $1`, o.id, store.Millis(now), store.Millis(expires), s.Mailer.Delivery())
		if err != nil {
			return true, fmt.Errorf("record survey invitation %s sent: %w", o.id, err)
		}
		return true, nil
	}
	s.Logger.Warn("survey invitation not delivered", "invitation", o.id, "attempt", o.attempts, "error", sendErr)
	reason := truncate("delivery failed: "+sendErr.Error(), 500)
	if o.attempts >= s.MaxAttempts {
		_, err = db.Write.ExecContext(ctx, `UPDATE survey_invitations SET status = 'failed', reason = $2, claimed_by = NULL, lease_until = NULL WHERE id = $1`, o.id, reason)
	} else {
		// The server refused or was unreachable: nothing went out, so a
		// retry cannot duplicate. Back off 1, 4, 9, 16 minutes.
		backoff := time.Duration(o.attempts*o.attempts) * time.Minute
		_, err = db.Write.ExecContext(ctx, `UPDATE survey_invitations SET status = 'pending', reason = $2, due_at = $3, send_started_at = NULL,
			claimed_by = NULL, lease_until = NULL WHERE id = $1`, o.id, reason, store.Millis(now.Add(backoff)))
	}
	if err != nil {
		return false, fmt.Errorf("record survey invitation %s failure: %w", o.id, err)
	}
	return false, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// oneLine keeps customer-entered text (a case subject) to one line in a
// mail header.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// compose writes the invitation e-mail: plain text, short, the link alone
// on its line so that every phone makes it tappable.
func compose(o outgoing, link string, expires time.Time) Message {
	greeting := "Hello,"
	if o.name != "" {
		greeting = "Hello " + oneLine(o.name) + ","
	}
	var subject, body string
	switch o.kind {
	case KindCSAT:
		subject = "How did we do? " + truncate(oneLine(o.subject), 120)
		body = fmt.Sprintf("we have resolved your request %q.\nHow satisfied are you with how we handled it? One question, one tap:", truncate(oneLine(o.subject), 200))
	case KindNPS:
		subject = "Would you recommend us?"
		body = "how likely are you to recommend us to a friend or colleague? One question, and a box to tell us why:"
	case KindAssessment:
		subject = "Your monthly assessment, " + o.period
		body = "two questions about " + o.period + ": how did we serve you this month, and what should we do for you next month?\nYour account manager reads every answer:"
	}
	text := greeting + "\n\n" + body + "\n\n" + link + "\n\n" +
		"This link is for you only, works once, and expires on " + expires.Format("2 January 2006") + ".\n"
	return Message{To: o.email, ToName: oneLine(o.name), Subject: subject, Text: text, MessageID: o.id + ".survey@anchor"}
}
