package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// chromium finds Debian's Chromium (or another Chrome). Outside CI a
// missing browser skips the browser tests; under CI it fails them, since
// .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is required on CI: apt-get install chromium")
	}
	t.Skip("no chromium: apt-get install chromium to run the browser tests")
	return ""
}

// browser starts a headless Chromium with a fresh profile and returns a
// tab's context. The flags keep it quiet: no network of its own, no
// updates, no sync, no QUIC.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// submit clicks a button that sends a form and waits for the next page.
func submit(t *testing.T, ctx context.Context, sel string) { follow(t, ctx, chromedp.CSS(sel)) }

// follow clicks what sel finds (a link or a button) and waits for the
// next page.
func follow[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(sel))); err != nil {
		t.Fatalf("click %v: %v", sel, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func wantText(t *testing.T, ctx context.Context, sel string, parts ...string) {
	t.Helper()
	got := text(t, ctx, sel)
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("%s: text lacks %q; it is:\n%s", sel, p, got)
		}
	}
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// screenshot saves a PNG of the page to $ANCHOR_SCREENSHOTS, when set, for
// a person to look at; tests never compare pixels.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("ANCHOR_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Error(err)
	}
}

func signInBrowser(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	step(t, ctx, "open sign-in", chromedp.Navigate(base+"/signin"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password))
	submit(t, ctx, `form[action="/signin"] button[type=submit]`)
}

func signOutBrowser(t *testing.T, ctx context.Context) {
	t.Helper()
	submit(t, ctx, `form[action="/signout"] button`)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/signin") {
		t.Fatalf("after sign-out: at %s, want the sign-in page", loc)
	}
}

// TestBrowserHandoffRoundTrip is the whole loop in a real browser against
// a real server and database: an agent signs in, creates a customer and a
// case, hands it to Finance; the Finance member signs in, finds it in the
// inbox and completes it with an answer; the agent sees it on the case's
// timeline.
func TestBrowserHandoffRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := withClock(db)
		f := newFixture(t, db)
		ctx := browser(t)
		base := f.ts.URL

		// Keyboard: the sign-in page opens on the email field, and Tab goes
		// email, password, the button, in reading order.
		step(t, ctx, "open sign-in", chromedp.Navigate(base+"/signin"))
		// Autofocus applies once the page has settled; wait for it (or
		// for the timeout, when the check below then reports it).
		chromedp.Run(ctx, chromedp.Poll[bool](`document.activeElement && document.activeElement.id === "email"`, //nolint:errcheck // reported below
			chromedp.WithPollingTimeout(2*time.Second)))
		focused := func() string {
			v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.tagName + "#" + document.activeElement.id`))
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		for i, want := range []string{"INPUT#email", "INPUT#password", "BUTTON#"} {
			if i > 0 {
				step(t, ctx, "tab", chromedp.KeyEvent("\t"))
			}
			if got := focused(); got != want {
				t.Errorf("focus step %d: %s, want %s", i, got, want)
			}
		}

		signInBrowser(t, ctx, base, f.agent.Email)
		wantText(t, ctx, "main h1", "My work")
		wantText(t, ctx, "main", "Charged twice", "Callbacks due today")
		screenshot(t, ctx, "workspace")

		// A new customer.
		step(t, ctx, "customer form", chromedp.Navigate(base+"/customers/new"),
			chromedp.SendKeys(chromedp.ID("c-name"), "Globex Corporation"),
			chromedp.SetValue(chromedp.ID("c-segment"), f.segment.ID),
			chromedp.SendKeys(chromedp.ID("c-cname"), "Hank Scorpio"),
			chromedp.SendKeys(chromedp.ID("c-cphone"), "+1 555 0199"))
		submit(t, ctx, `form[action="/customers"] button[type=submit]`)
		wantText(t, ctx, "main h1", "Globex Corporation")
		wantText(t, ctx, ".flash", "Customer created.")

		// A case for it.
		submit(t, ctx, `main a.button[href^="/cases/new"]`)
		step(t, ctx, "case form",
			chromedp.SendKeys(chromedp.ID("n-subject"), "Parcel never arrived"),
			chromedp.SendKeys(chromedp.ID("n-desc"), "Order 4711, shipped 2 weeks ago."),
			chromedp.SetValue(chromedp.ID("n-priority"), "high"))
		submit(t, ctx, `form[action="/cases"] button[type=submit]`)
		caseURL := location(t, ctx)
		if !strings.Contains(caseURL, "/cases/") {
			t.Fatalf("after opening the case: at %s", caseURL)
		}
		wantText(t, ctx, "main h1", "Parcel never arrived")

		// Hand it off to Finance.
		step(t, ctx, "handoff form", chromedp.Click(chromedp.CSS("#act-handoff > summary")),
			chromedp.SetValue(chromedp.ID("h-dept"), f.finance.ID),
			chromedp.SendKeys(chromedp.ID("h-request"), "Refund the shipping fee"))
		submit(t, ctx, "#act-handoff button[type=submit]")
		wantText(t, ctx, ".flash", "Handoff sent.")
		wantText(t, ctx, "#handoffs", "Finance", "Refund the shipping fee", "Sent")
		screenshot(t, ctx, "case")
		signOutBrowser(t, ctx)

		// Finance completes it.
		signInBrowser(t, ctx, base, f.member.Email)
		if loc := location(t, ctx); !strings.HasSuffix(loc, "/inbox") {
			t.Fatalf("a department member lands on %s, want the inbox", loc)
		}
		wantText(t, ctx, "main", "Parcel never arrived", "Globex Corporation", "Refund the shipping fee")
		step(t, ctx, "phone width", chromedp.EmulateViewport(390, 844))
		screenshot(t, ctx, "inbox-phone")
		step(t, ctx, "laptop width", chromedp.EmulateViewport(1280, 900))
		follow(t, ctx, chromedp.Search(`//main//a[contains(., "Parcel never arrived")]`))
		wantText(t, ctx, "main h1", "Handoff to Finance")
		screenshot(t, ctx, "handoff")
		step(t, ctx, "answer", chromedp.SendKeys(chromedp.ID("a-complete"), "Refunded 4.95 to the card on file."))
		submit(t, ctx, "#f-complete button[type=submit]")
		wantText(t, ctx, ".flash", "Handoff completed.")
		wantText(t, ctx, "main", "Completed", "Refunded 4.95 to the card on file.")
		signOutBrowser(t, ctx)

		// The agent sees it on the case.
		signInBrowser(t, ctx, base, f.agent.Email)
		step(t, ctx, "case page", chromedp.Navigate(caseURL))
		wantText(t, ctx, "#timeline", "Fiona Finance", "completed the handoff for Finance", "answered for Finance", "Refunded 4.95", "Ana Agent", "handed work to Finance")
		wantText(t, ctx, "#handoffs", "Completed")
		screenshot(t, ctx, "case-after")

		// The agent resolves it: first-contact resolution will move.
		step(t, ctx, "resolve", chromedp.Click(chromedp.CSS("#act-status > summary")),
			chromedp.SetValue(chromedp.ID("s-status"), "resolved"))
		submit(t, ctx, "#act-status button[type=submit]")
		wantText(t, ctx, ".flash", "Case updated.")

		// Nine hours on, the fixture's case has breached its resolution
		// (8 h): the workspace says so in words, first in the list.
		clock.Advance(9 * time.Hour)
		step(t, ctx, "workspace", chromedp.Navigate(base+"/"))
		wantText(t, ctx, "#cases tbody tr:first-child", "Breached", "was due")
		wantText(t, ctx, "#callbacks", "Breached")
		screenshot(t, ctx, "workspace-breached")
		signOutBrowser(t, ctx)

		// A director opens the matrix as one document and saves it back
		// unchanged: it round-trips.
		signInBrowser(t, ctx, base, f.director.Email)
		step(t, ctx, "matrix edit", chromedp.Navigate(base+"/admin/service-matrix/edit"))
		screenshot(t, ctx, "matrix-edit")
		submit(t, ctx, `form[action="/admin/service-matrix"] button[type=submit]`)
		wantText(t, ctx, ".flash", "Service matrix saved (version 2)")
		wantText(t, ctx, "main", "Enterprise", "1h30m", "every 7 days", "Finance")
		screenshot(t, ctx, "matrix")

		// The director opens the scorecard: first-contact resolution has a
		// value for this week, and behind it is the case just resolved.
		step(t, ctx, "scorecard", chromedp.Navigate(base+"/scorecard"))
		wantText(t, ctx, "main h1", "Weekly scorecard", "2026-W10")
		wantText(t, ctx, "#m-fcr", "First-contact resolution", "100.0%")
		screenshot(t, ctx, "scorecard")
		follow(t, ctx, chromedp.CSS("#m-fcr td.value a"))
		wantText(t, ctx, "main", "Behind First-contact resolution", "Parcel never arrived", "Globex Corporation")

		// The wallboard follows its event stream: the script redraws it
		// from the first snapshot.
		step(t, ctx, "wallboard", chromedp.Navigate(base+"/wallboard"))
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.getElementById("wallboard").dataset.updated`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
			t.Errorf("the wallboard was not redrawn from its stream: %v", err)
		}
		wantText(t, ctx, "#wb-total", "All queues")
		screenshot(t, ctx, "wallboard")
	})
}
