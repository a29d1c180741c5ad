package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The web console in Debian's headless Chromium against the built binary:
// the root signs in, creates a bucket, uploads a file, shares it for 7
// days signed by the console session (the dialog warns that it dies with
// the session), opens the link in a fresh browser context, signs out, and
// the link then answers ExpiredToken. Every page is photographed at
// 1280×800 and 390×844.

// screenshotsEnv, set to 1, keeps the console's screenshots in
// e2e/testdata/screenshots (to look at, or for the README); otherwise
// they go to the test's temporary folder.
const screenshotsEnv = "SIGNET_SCREENSHOTS"

// consoleShots takes the screenshots of one run.
type consoleShots struct {
	dir string
	n   int
}

func newConsoleShots(t *testing.T) *consoleShots {
	dir := t.TempDir()
	if os.Getenv(screenshotsEnv) == "1" {
		dir = filepath.Join("testdata", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &consoleShots{dir: dir}
}

// take photographs the tab's page, whole, at the desktop and the phone
// size, and leaves the tab at the desktop size.
func (s *consoleShots) take(t *testing.T, tab context.Context, name string) {
	t.Helper()
	s.n++
	unlabelled, err := chromedp.Run(tab, chromedp.Evaluate[[]string](unlabelledJS))
	if err != nil {
		t.Fatal(err)
	}
	if len(unlabelled) > 0 {
		t.Errorf("page %s has controls without a label: %v", name, unlabelled)
	}
	for _, size := range []struct {
		w, h int64
		tag  string
	}{{390, 844, "phone"}, {1280, 800, "desktop"}} {
		if err := chromedp.Do(tab, chromedp.EmulateViewport(size.w, size.h)); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		file := filepath.Join(s.dir, fmt.Sprintf("console-%02d-%s-%dx%d.png", s.n, name, size.w, size.h))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// unlabelledJS lists the page's controls that have no accessible name:
// an input, select or textarea without a <label> or aria-label, a button
// or link without text.
const unlabelledJS = `[...document.querySelectorAll('input:not([type=hidden]),select,textarea,button,a[href]')]
  .filter(el => ['INPUT','SELECT','TEXTAREA'].includes(el.tagName)
    ? el.labels.length === 0 && !el.getAttribute('aria-label')
    : el.textContent.trim() === '' && !el.getAttribute('aria-label'))
  .map(el => el.outerHTML.slice(0, 80))`

func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// openFresh opens link in a new browser context (no cookies, no cache)
// and returns the status and the document's text.
func openFresh(t *testing.T, tab context.Context, link string) (int64, string) {
	t.Helper()
	fresh, cancel := chromedp.NewContext(tab, chromedp.WithNewBrowserContext())
	defer cancel()
	res, err := chromedp.RunResponse(fresh, chromedp.Navigate(link))
	if err != nil {
		t.Fatalf("opening the link in a fresh context: %v", err)
	}
	body, err := chromedp.Run(fresh, chromedp.Evaluate[string](`document.documentElement.textContent`))
	if err != nil {
		t.Fatal(err)
	}
	return res.Status, body
}

func TestConsoleShareDiesWithSession(t *testing.T) {
	chromium := chromiumPath(t)
	p := devServer(t)
	tab := startChromium(t, chromium)
	shots := newConsoleShots(t)
	base := p.endpoint + "/_signet/console/"
	file := filepath.Join(t.TempDir(), "hello.txt")
	if err := os.WriteFile(file, []byte("hello from the console\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	must := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("opening the sign-in page", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("access_key_id")))
	shots.take(t, tab, "sign-in")
	// By keyboard alone: Enter in the secret's field submits the form.
	must("signing in", chromedp.SendKeys(chromedp.ID("access_key_id"), rootAK), chromedp.SendKeys(chromedp.ID("secret_access_key"), rootSK+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("create-bucket")))
	shots.take(t, tab, "buckets-empty")
	must("creating a bucket", chromedp.SendKeys(chromedp.ID("new-bucket"), "shared"), chromedp.Click(chromedp.ID("create-bucket")),
		chromedp.WaitVisible(chromedp.ID("upload-file")))
	must("uploading a file", chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{file}), chromedp.Click(chromedp.ID("upload-button")),
		chromedp.WaitVisible(chromedp.Search(`//a[normalize-space(text())="hello.txt"]`)))
	shots.take(t, tab, "objects")
	must("listing the buckets", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.Search(`//a[normalize-space(text())="shared"]`)))
	shots.take(t, tab, "buckets")
	must("opening the bucket", chromedp.Click(chromedp.Search(`//a[normalize-space(text())="shared"]`)),
		chromedp.WaitVisible(chromedp.Search(`//a[normalize-space(text())="hello.txt"]`)))
	must("opening the object", chromedp.Click(chromedp.Search(`//a[normalize-space(text())="hello.txt"]`)), chromedp.WaitVisible(chromedp.ID("share")))
	if h := text(t, tab, "table"); !strings.Contains(h, "Content-Type") || !strings.Contains(h, "text/plain") {
		t.Errorf("object page's headers:\n%s", h)
	}
	shots.take(t, tab, "object")
	must("opening the share dialog", chromedp.Click(chromedp.ID("share")), chromedp.WaitVisible(chromedp.ID("warning")))
	warning := text(t, tab, "#warning")
	if !strings.Contains(warning, "This link dies when you sign out, or at ") || !strings.Contains(warning, "when this session ends") ||
		!strings.Contains(warning, "before the 7d you asked for") {
		t.Fatalf("share dialog's warning: %q", warning)
	}
	sel, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('duration').selectedOptions[0].textContent`))
	if err != nil || sel != "7d" {
		t.Errorf("default duration %q (%v), want 7d", sel, err)
	}
	shots.take(t, tab, "share")
	must("making the link", chromedp.Click(chromedp.ID("make-link")), chromedp.WaitVisible(chromedp.ID("link")))
	link, err := chromedp.Run(tab, chromedp.Value(chromedp.ID("link")))
	if err != nil {
		t.Fatal(err)
	}
	rememberSignature(link)
	if !strings.Contains(link, "X-Amz-Expires=604800") || !strings.Contains(link, "X-Amz-Security-Token=") {
		t.Fatalf("the link is not a 7-day link of the session: %s", link)
	}
	shots.take(t, tab, "share-link")
	if status, body := openFresh(t, tab, link); status != 200 || !strings.Contains(body, "hello from the console") {
		t.Fatalf("the link in a fresh context: %d %q", status, body)
	}
	must("inspecting the link", chromedp.Navigate(base+"inspect"), chromedp.WaitVisible(chromedp.ID("url")),
		chromedp.SetValue(chromedp.ID("url"), link), chromedp.Click(chromedp.ID("inspect")), chromedp.WaitVisible(chromedp.ID("report")))
	if rep := text(t, tab, "#report"); !strings.Contains(rep, "limited by the credentials") || !strings.Contains(rep, "verdict         valid") {
		t.Errorf("inspector's report:\n%s", rep)
	}
	shots.take(t, tab, "inspect")
	must("signing out", chromedp.Click(chromedp.ID("sign-out")), chromedp.WaitVisible(chromedp.ID("access_key_id")))
	status, body := openFresh(t, tab, link)
	if status != 400 || !strings.Contains(body, "ExpiredToken") {
		t.Fatalf("the session-signed link after sign-out: %d %q, want 400 ExpiredToken", status, body)
	}
	// The console itself now asks to sign in again.
	must("reopening the console", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("access_key_id")))
}
