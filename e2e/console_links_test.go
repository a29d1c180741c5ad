package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestConsoleLinksForAUser is the script for an IAM user in
// Chromium: created over IAM with a password it must reset, the user
// signs in (a wrong password refused), sets a new password, uploads a
// file, shares it for 7 days signed by the console session (the dialog
// says it dies with the session) and signed by its own long-term key (7
// days), opens both in a fresh browser context (200) and signs out: the
// session-signed link answers 400 ExpiredToken, the key-signed one still
// 200. Signed in again, "My links" lists both; a revoke without the CSRF
// token is refused, and revoking the key link makes it answer 403 "This
// presigned URL has been revoked.". Each page this adds is photographed
// at 1280×800 and 390×844.
func TestConsoleLinksForAUser(t *testing.T) {
	chromium := chromiumPath(t)
	requireTool(t, "aws", "--version")
	p := devServer(t)
	c := newClientEnv(t)
	for _, pw := range []string{"Start!pass1", "Wrong!pass1", "N3xt!password"} {
		rememberSecret(pw)
	}
	c.at(t, p, "iam", "create-user", "--user-name", "dora")
	c.at(t, p, "iam", "create-login-profile", "--user-name", "dora", "--password", "Start!pass1", "--password-reset-required")
	// As on AWS, a user asked to reset its password needs leave to change
	// it: the account's password policy gives every user that.
	c.at(t, p, "iam", "update-account-password-policy", "--allow-users-to-change-password")
	c.at(t, p, "iam", "put-user-policy", "--user-name", "dora", "--policy-name", "s3",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	c.atJSON(t, p, &key, "iam", "create-access-key", "--user-name", "dora")
	rememberSecret(key.AccessKey.SecretAccessKey)
	doraKey := key.AccessKey.AccessKeyId

	tab := startChromium(t, chromium)
	shots := newConsoleShots(t)
	base := p.endpoint + "/_signet/console/"
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("dora's notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	must := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	signIn := func(pw string, then chromedp.Action[chromedp.Void]) {
		t.Helper()
		must("signing in as dora", chromedp.Navigate(base+"sign-in"), chromedp.WaitVisible(chromedp.ID("user_name")),
			chromedp.SendKeys(chromedp.ID("user_name"), "dora"), chromedp.SendKeys(chromedp.ID("password"), pw+kb.Enter), then)
	}

	must("opening the sign-in page", chromedp.EmulateViewport(1280, 800))
	signIn("Wrong!pass1", chromedp.WaitVisible(chromedp.ID("sign-in-error")))
	if e := text(t, tab, "#sign-in-error"); !strings.Contains(e, "The user name or the password is wrong.") {
		t.Fatalf("a wrong password: %q", e)
	}
	signIn("Start!pass1", chromedp.WaitVisible(chromedp.ID("new_password")))
	if r := text(t, tab, "#change-reason"); !strings.Contains(r, "requires you to set a new password") {
		t.Errorf("the change page's reason: %q", r)
	}
	shots.take(t, tab, "change-password")
	must("setting the new password", chromedp.SendKeys(chromedp.ID("old_password"), "Start!pass1"),
		chromedp.SendKeys(chromedp.ID("new_password"), "N3xt!password"), chromedp.SendKeys(chromedp.ID("confirm_password"), "N3xt!password"+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("create-bucket")))

	must("creating a bucket", chromedp.SendKeys(chromedp.ID("new-bucket"), "doras"), chromedp.Click(chromedp.ID("create-bucket")),
		chromedp.WaitVisible(chromedp.ID("upload-file")))
	must("uploading a file", chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{file}), chromedp.Click(chromedp.ID("upload-button")),
		chromedp.WaitVisible(chromedp.Search(`//a[normalize-space(text())="notes.txt"]`)))
	must("opening the object", chromedp.Click(chromedp.Search(`//a[normalize-space(text())="notes.txt"]`)), chromedp.WaitVisible(chromedp.ID("share")))
	must("opening the share dialog", chromedp.Click(chromedp.ID("share")), chromedp.WaitVisible(chromedp.ID("warning")))
	if w := text(t, tab, "#warning"); !strings.Contains(w, "This link dies when you sign out") || !strings.Contains(w, "before the 7d you asked for") {
		t.Fatalf("the session share's warning: %q", w)
	}
	must("making the session link", chromedp.Click(chromedp.ID("make-link")), chromedp.WaitVisible(chromedp.ID("link")))
	sessLink, err := chromedp.Run(tab, chromedp.Value(chromedp.ID("link")))
	if err != nil {
		t.Fatal(err)
	}
	rememberSignature(sessLink)

	must("choosing dora's key", chromedp.SetValue(chromedp.ID("signer"), doraKey), chromedp.Click(chromedp.ID("preview")),
		chromedp.WaitVisible(chromedp.ID("make-link")))
	if n, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('#warning').length`)); err != nil || n != 0 {
		t.Errorf("the key share warns (%d, %v)", n, err)
	}
	if l := text(t, tab, "#limit"); !strings.Contains(l, "the link's own window") {
		t.Errorf("the key share's limit: %q", l)
	}
	must("making the key link", chromedp.Click(chromedp.ID("make-link")), chromedp.WaitVisible(chromedp.ID("link")))
	keyLink, err := chromedp.Run(tab, chromedp.Value(chromedp.ID("link")))
	if err != nil {
		t.Fatal(err)
	}
	rememberSignature(keyLink)
	if !strings.Contains(keyLink, doraKey) || !strings.Contains(keyLink, "X-Amz-Expires=604800") || strings.Contains(keyLink, "X-Amz-Security-Token") {
		t.Fatalf("the key link is not a 7-day link of dora's key: %s", keyLink)
	}
	for _, l := range []string{sessLink, keyLink} {
		if status, body := openFresh(t, tab, l); status != 200 || !strings.Contains(body, "dora's notes") {
			t.Fatalf("a link in a fresh context: %d %q", status, body)
		}
	}

	must("signing out", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("sign-out")), chromedp.Click(chromedp.ID("sign-out")),
		chromedp.WaitVisible(chromedp.ID("user_name")))
	if status, body := openFresh(t, tab, sessLink); status != 400 || !strings.Contains(body, "ExpiredToken") {
		t.Fatalf("the session link after sign-out: %d %q, want 400 ExpiredToken", status, body)
	}
	if status, _ := openFresh(t, tab, keyLink); status != 200 {
		t.Fatalf("the key link after sign-out: %d, want 200", status)
	}

	signIn("N3xt!password", chromedp.WaitVisible(chromedp.ID("create-bucket")))
	must("opening My links", chromedp.Click(chromedp.Search(`//nav//a[normalize-space(text())="My links"]`)), chromedp.WaitVisible(chromedp.CSS("table.links")))
	list := text(t, tab, "table.links")
	if !strings.Contains(list, "long-term key "+doraKey) || !strings.Contains(list, "console session ASIA") ||
		strings.Count(list, "doras/notes.txt") != 2 || !strings.Contains(list, "session that signed it has ended") {
		t.Fatalf("My links:\n%s", list)
	}
	shots.take(t, tab, "my-links")
	must("opening the key link's page", chromedp.Click(chromedp.Search(`//tr[contains(., "long-term key")]//a`)), chromedp.WaitVisible(chromedp.ID("revoke")))
	if l := text(t, tab, "#limit"); !strings.Contains(l, "the link's own window") {
		t.Errorf("the key link's page limit: %q", l)
	}
	shots.take(t, tab, "link")
	linkPage, err := chromedp.Run(tab, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	// A revoke whose form lost its CSRF token is refused.
	must("revoking without the CSRF token", chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action$="links/revoke"] input[name=csrf]').remove()`),
		chromedp.Click(chromedp.ID("revoke")), chromedp.WaitVisible(chromedp.Search(`//*[contains(text(), "security token is missing")]`)))
	if status, _ := openFresh(t, tab, keyLink); status != 200 {
		t.Fatalf("the key link after a refused revoke: %d", status)
	}
	must("revoking the key link", chromedp.Navigate(linkPage), chromedp.WaitVisible(chromedp.ID("revoke")), chromedp.Click(chromedp.ID("revoke")),
		chromedp.WaitVisible(chromedp.CSS("#state.dead")))
	if s := text(t, tab, "#state"); !strings.Contains(s, "revoked") {
		t.Errorf("the revoked link's state: %q", s)
	}
	shots.take(t, tab, "link-revoked")
	if status, body := openFresh(t, tab, keyLink); status != 403 || !strings.Contains(body, "This presigned URL has been revoked.") {
		t.Fatalf("the revoked key link: %d %q", status, body)
	}
}
