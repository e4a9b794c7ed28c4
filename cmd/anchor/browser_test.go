package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"anchor/internal/metrics"
	"anchor/internal/store/storetest"
)

// TestEndToEnd runs the real `anchor serve` on loopback, on each engine,
// and drives it in headless Chromium as its users would: an agent creates
// a customer and a case and hands it to Finance, the Finance member
// completes it, the agent resolves the case, and the director sees
// first-contact resolution move on the scorecard.
func TestEndToEnd(t *testing.T) {
	chrome := ""
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chrome = p
			break
		}
	}
	if chrome == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is required on CI")
		}
		t.Skip("no chromium")
	}
	dsns := map[string]string{"sqlite": filepath.Join(t.TempDir(), "anchor.db")}
	if pg := storetest.PostgresDSN(t); pg != "" {
		db := storetest.OpenPostgres(t)
		var schema string
		if err := db.Read.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		dsns["postgres"] = storetest.WithSearchPath(pg, schema)
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) { endToEnd(t, chrome, dsn) })
	}
}

func endToEnd(t *testing.T, chrome, dsn string) {
	ctx := context.Background()
	const password = "a long enough password"
	vars := map[string]string{"ANCHOR_DB": dsn}
	e, _, _ := testEnv(password+"\n", vars)
	if err := run(ctx, e, []string{"user", "add", "--email", "admin@example.com", "--name", "Ada Admin", "--role", "admin", "--password-stdin"}); err != nil {
		t.Fatal(err)
	}
	e, out, _ := testEnv("", vars)
	if err := run(ctx, e, []string{"token", "create", "--email", "admin@example.com"}); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	e, out, _ = testEnv("", vars)
	done := make(chan error, 1)
	go func() { done <- run(sctx, e, []string{"serve", "--addr", "127.0.0.1:0", "--jobs-interval", "1h"}) }()
	var base string
	for i := 0; i < 400 && base == ""; i++ {
		time.Sleep(25 * time.Millisecond)
		base = regexp.MustCompile(`http://\S+`).FindString(out.String())
	}
	if base == "" {
		t.Fatalf("serve did not start: %s", out.String())
	}
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	api := func(method, path string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
		var m map[string]any
		json.Unmarshal(raw, &m)
		return m
	}
	segment := api("POST", "/api/v1/segments", map[string]any{"name": "enterprise"})["id"].(string)
	finance := api("POST", "/api/v1/departments", map[string]any{"name": "Finance", "complete_within_seconds": 86400})["id"].(string)
	api("POST", "/api/v1/users", map[string]any{"email": "ana@example.com", "name": "Ana Agent", "role": "agent", "password": password})
	api("POST", "/api/v1/users", map[string]any{"email": "fin@example.com", "name": "Fiona Finance", "role": "department", "department_id": finance, "password": password})
	api("POST", "/api/v1/users", map[string]any{"email": "dir@example.com", "name": "Dina Director", "role": "director", "password": password})

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()
	bctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	submit := func(sel string) {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
			t.Fatalf("submit %s: %v", sel, err)
		}
	}
	want := func(sel string, parts ...string) {
		t.Helper()
		got, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		for _, p := range parts {
			if !strings.Contains(got, p) {
				t.Fatalf("%s lacks %q:\n%s", sel, p, got)
			}
		}
	}
	signIn := func(email string) {
		t.Helper()
		do("sign in", chromedp.Navigate(base+"/signin"), chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password))
		submit(`form[action="/signin"] button[type=submit]`)
	}
	signOut := func() { t.Helper(); submit(`form[action="/signout"] button`) }

	signIn("ana@example.com")
	do("customer form", chromedp.Navigate(base+"/customers/new"), chromedp.SendKeys(chromedp.ID("c-name"), "Globex Corporation"),
		chromedp.SetValue(chromedp.ID("c-segment"), segment), chromedp.SendKeys(chromedp.ID("c-cname"), "Hank Scorpio"),
		chromedp.SendKeys(chromedp.ID("c-cphone"), "+1 555 0199"))
	submit(`form[action="/customers"] button[type=submit]`)
	want("main h1", "Globex Corporation")
	submit(`main a.button[href^="/cases/new"]`)
	do("case form", chromedp.SendKeys(chromedp.ID("n-subject"), "Parcel never arrived"))
	submit(`form[action="/cases"] button[type=submit]`)
	caseURL, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil || !strings.Contains(caseURL, "/cases/") {
		t.Fatalf("after opening the case: %s %v", caseURL, err)
	}
	do("handoff", chromedp.Click(chromedp.CSS("#act-handoff > summary")), chromedp.SetValue(chromedp.ID("h-dept"), finance),
		chromedp.SendKeys(chromedp.ID("h-request"), "Refund the shipping fee"))
	submit("#act-handoff button[type=submit]")
	want("#handoffs", "Finance", "Refund the shipping fee")
	signOut()

	signIn("fin@example.com")
	want("main", "Parcel never arrived", "Refund the shipping fee")
	if _, err := chromedp.Run(bctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(chromedp.Search(`//main//a[contains(., "Parcel never arrived")]`)))); err != nil {
		t.Fatal(err)
	}
	do("answer", chromedp.SendKeys(chromedp.ID("a-complete"), "Refunded 4.95 to the card on file."))
	submit("#f-complete button[type=submit]")
	want("main", "Completed")
	signOut()

	signIn("ana@example.com")
	do("case", chromedp.Navigate(caseURL))
	want("#timeline", "completed the handoff for Finance")
	do("resolve", chromedp.Click(chromedp.CSS("#act-status > summary")), chromedp.SetValue(chromedp.ID("s-status"), "resolved"))
	submit("#act-status button[type=submit]")
	want(".flash", "Case updated.")
	signOut()

	// The case was created without a contact, and resolved: the week's
	// first-contact resolution is 1/1.
	signIn("dir@example.com")
	week := metrics.WeekOf(time.Now(), time.UTC)
	do("scorecard", chromedp.Navigate(base+"/scorecard?week="+week))
	want("#m-fcr", "First-contact resolution", "100.0%")
}
