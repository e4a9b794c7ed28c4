package surveys_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"anchor/internal/customers"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
	"anchor/internal/surveys"
)

type page struct {
	status int
	body   string
	header http.Header
}

func fetch(t *testing.T, method, u string, form url.Values, header ...string) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, string(b), res.Header}
}

func TestPublicPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		srv := httptest.NewServer(surveys.NewPublic(f.svc).Handler())
		t.Cleanup(srv.Close)
		f.program(surveys.NewProgram{Kind: "csat", ExpiresDays: 1})
		c := f.resolvedCase(f.customer.ID, `Refund <b>"now"</b>`)
		f.clock.Advance(2 * time.Minute)
		f.send()
		tok, err := f.svc.Token(ctx, f.invitations(surveys.InvitationFilter{CaseID: c.ID})[0].ID)
		must(t, err)
		link := srv.URL + "/s/" + tok

		p := fetch(t, "GET", link, nil)
		if p.status != 200 || !strings.Contains(p.body, `name="score" value="5"`) || !strings.Contains(p.body, `<meta name="viewport"`) ||
			strings.Contains(p.body, "<script") || !strings.Contains(p.body, "Refund &lt;b&gt;&#34;now&#34;&lt;/b&gt;") {
			t.Fatalf("form page %d:\n%s", p.status, p.body)
		}
		for h, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
			if p.header.Get(h) != want {
				t.Fatalf("%s = %q, want %q", h, p.header.Get(h), want)
			}
		}

		for _, tc := range []struct {
			name   string
			form   url.Values
			status int
			want   string
		}{
			{"no score", url.Values{"comment": {"hi"}}, 422, "Please pick a score."},
			{"score out of range", url.Values{"score": {"7"}}, 422, "Please pick a score."},
			{"score not a number", url.Values{"score": {"five"}}, 422, "Please pick a score."},
			{"comment too long", url.Values{"score": {"3"}, "comment": {strings.Repeat("x", surveys.MaxComment+1)}}, 422, "at most 10,000 characters"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := fetch(t, "POST", link, tc.form)
				if p.status != tc.status || !strings.Contains(p.body, tc.want) || !strings.Contains(p.body, "<form") {
					t.Fatalf("got %d, want %d with %q:\n%.600s", p.status, tc.status, tc.want, p.body)
				}
			})
		}

		// A cross-site post is refused before it reaches the form.
		if p := fetch(t, "POST", link, url.Values{"score": {"1"}}, "Sec-Fetch-Site", "cross-site"); p.status != http.StatusForbidden {
			t.Fatalf("cross-site post: %d, want 403", p.status)
		}

		hostile := `<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"`
		p = fetch(t, "POST", link, url.Values{"score": {"2"}, "comment": {hostile}})
		if p.status != 200 || !strings.Contains(p.body, "Thank you") {
			t.Fatalf("answer: %d\n%s", p.status, p.body)
		}
		if strings.Contains(p.body, "<script>") || strings.Contains(p.body, "<img") ||
			!strings.Contains(p.body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quotes&#34;") {
			t.Fatalf("hostile comment not escaped:\n%s", p.body)
		}
		r, _, err := f.svc.Responses(ctx, surveys.ResponseFilter{})
		must(t, err)
		if len(r) != 1 || r[0].Comment != hostile || *r[0].Score != 2 {
			t.Fatalf("stored answer = %+v (the comment is stored as typed)", r)
		}

		for _, tc := range []struct {
			name, method, link string
			form               url.Values
			status             int
			want               string
		}{
			{"reused (GET)", "GET", link, nil, 409, "Already answered"},
			{"reused (POST)", "POST", link, url.Values{"score": {"5"}}, 409, "Already answered"},
			{"forged", "GET", link[:len(link)-3] + "AAA", nil, 404, "This link is not valid"},
			{"no token", "GET", srv.URL + "/s/", nil, 404, "not valid"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := fetch(t, tc.method, tc.link, tc.form)
				if p.status != tc.status || !strings.Contains(p.body, tc.want) || strings.Contains(p.body, "Acme") || strings.Contains(p.body, "Jo") {
					t.Fatalf("got %d, want %d with %q and nothing about the customer:\n%s", p.status, tc.status, tc.want, p.body)
				}
			})
		}
		if n := f.count(`SELECT COUNT(*) FROM survey_responses`); n != 1 {
			t.Fatalf("answers = %d, want 1", n)
		}

		// Expired.
		f.clock.Advance(2 * time.Minute)
		c2 := f.resolvedCase(f.newCustomer("Beta", 1, customersContact("bo@beta.example")).ID, "Lost parcel")
		f.clock.Advance(2 * time.Minute)
		f.send()
		tok2, err := f.svc.Token(ctx, f.invitations(surveys.InvitationFilter{CaseID: c2.ID})[0].ID)
		must(t, err)
		f.clock.Advance(25 * time.Hour)
		if p := fetch(t, "POST", srv.URL+"/s/"+tok2, url.Values{"score": {"5"}}); p.status != http.StatusGone || !strings.Contains(p.body, "expired") {
			t.Fatalf("expired: %d\n%s", p.status, p.body)
		}
		if n := f.count(`SELECT COUNT(*) FROM survey_responses`); n != 1 {
			t.Fatalf("answers = %d, want still 1", n)
		}

		// Rate limit per link: a script hammering one token is stopped.
		var last int
		for range surveys.PerTokenPerMinute + 1 {
			last = fetch(t, "GET", srv.URL+"/s/"+tok2, nil).status
		}
		if last != http.StatusTooManyRequests {
			t.Fatalf("request %d on one link: %d, want 429", surveys.PerTokenPerMinute+1, last)
		}
	})
}

func customersContact(email string) customers.Contact { return customers.Contact{Email: email} }
