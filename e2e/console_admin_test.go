package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The console's administrators' pages in Chromium against the built
// binary: the root signs in, creates a user and an access key (whose
// secret the answer shows once, and the user's page never again), sets
// the user's console password, and the user signs in with it in a fresh
// browser context. Every administrators' page is photographed at
// 1280×800 and 390×844.
func TestConsoleAdminCreatesUserKeyAndPassword(t *testing.T) {
	chromium := chromiumPath(t)
	p := devServer(t)
	tab := startChromium(t, chromium)
	shots := newConsoleShots(t)
	base := p.endpoint + "/_signet/console/"
	must := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("signing in as the root", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("access_key_id")),
		chromedp.SendKeys(chromedp.ID("access_key_id"), rootAK), chromedp.SendKeys(chromedp.ID("secret_access_key"), rootSK+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("create-bucket")))
	must("opening the administration", chromedp.Click(chromedp.Search(`//nav//a[normalize-space(text())="Administration"]`)), chromedp.WaitVisible(chromedp.ID("create-user")))
	shots.take(t, tab, "admin-users-empty")
	// By keyboard: Enter in the name's field submits the form.
	must("creating a user", chromedp.SendKeys(chromedp.ID("new-user"), "alice"+kb.Enter), chromedp.WaitVisible(chromedp.ID("create-key")))
	aliceARN := text(t, tab, "dl code")
	if !strings.HasSuffix(aliceARN, ":user/alice") {
		t.Fatalf("alice's ARN: %q", aliceARN)
	}
	shots.take(t, tab, "admin-user")
	must("creating an access key", chromedp.Click(chromedp.ID("create-key")), chromedp.WaitVisible(chromedp.ID("new-key-secret")))
	keyID, err := chromedp.Run(tab, chromedp.Value(chromedp.ID("new-key-id")))
	if err != nil {
		t.Fatal(err)
	}
	sec, err := chromedp.Run(tab, chromedp.Value(chromedp.ID("new-key-secret")))
	if err != nil || len(sec) < 30 || !strings.HasPrefix(keyID, "AKIA") {
		t.Fatalf("the new key %q and its secret (%d characters, %v)", keyID, len(sec), err)
	}
	if w := text(t, tab, "#secret-warning"); !strings.Contains(w, "only time the secret access key is shown") {
		t.Errorf("the secret's warning: %q", w)
	}
	shots.take(t, tab, "admin-key")
	must("back to the user", chromedp.Click(chromedp.ID("key-done")), chromedp.WaitVisible(chromedp.ID("set-password")))
	page, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, keyID) || strings.Contains(page, sec) {
		t.Fatalf("the user's page lists %s: %v; shows its secret again: %v", keyID, strings.Contains(page, keyID), strings.Contains(page, sec))
	}
	must("setting alice's password", chromedp.SendKeys(chromedp.ID("password"), "Correct-horse-1"), chromedp.Click(chromedp.ID("set-password")),
		chromedp.WaitVisible(chromedp.ID("password-set")))
	shots.take(t, tab, "admin-user-keys")
	must("listing the users", chromedp.Click(chromedp.Search(`//nav[@aria-label="Administration"]//a[normalize-space(text())="Users"]`)),
		chromedp.WaitVisible(chromedp.Search(`//a[normalize-space(text())="alice"]`)))
	shots.take(t, tab, "admin-users")
	must("opening the roles", chromedp.Navigate(base+"admin/roles"), chromedp.WaitVisible(chromedp.ID("create-role")),
		chromedp.SetValue(chromedp.ID("role-name"), "reader"), chromedp.SetValue(chromedp.ID("trust-policy"), `{"Version":"2012-10-17"`),
		chromedp.Click(chromedp.ID("create-role")), chromedp.WaitVisible(chromedp.ID("trust-policy-error")))
	if e := text(t, tab, "#trust-policy-error"); !strings.Contains(e, "MalformedPolicyDocument") {
		t.Errorf("the trust policy's error: %q", e)
	}
	shots.take(t, tab, "admin-roles-error")
	must("creating a role", chromedp.SetValue(chromedp.ID("trust-policy"),
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+aliceARN+`"},"Action":"sts:AssumeRole"}]}`),
		chromedp.Click(chromedp.ID("create-role")), chromedp.WaitVisible(chromedp.ID("revoke-role")))
	must("revoking its older sessions", chromedp.Click(chromedp.ID("revoke-role")), chromedp.WaitVisible(chromedp.ID("revoked-before")))
	shots.take(t, tab, "admin-role")
	must("opening the roles list", chromedp.Navigate(base+"admin/roles"), chromedp.WaitVisible(chromedp.Search(`//a[normalize-space(text())="reader"]`)))
	shots.take(t, tab, "admin-roles")
	must("opening the policies", chromedp.Navigate(base+"admin/policies"), chromedp.WaitVisible(chromedp.ID("create-policy")))
	shots.take(t, tab, "admin-policies")
	must("opening the sessions", chromedp.Navigate(base+"admin/sessions"), chromedp.WaitVisible(chromedp.Search(`//td[contains(., "(this console)")]`)))
	if who := text(t, tab, "table.stack td"); !strings.Contains(who, "root (this console)") || !strings.Contains(who, "session signet-console") {
		t.Errorf("this console's session: %q", who)
	}
	shots.take(t, tab, "admin-sessions")

	// Alice, in a browser context of her own, signs in with the password.
	fresh, cancel := chromedp.NewContext(tab, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(fresh, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("user_name")),
		chromedp.SendKeys(chromedp.ID("user_name"), "alice"), chromedp.SendKeys(chromedp.ID("password"), "Correct-horse-1"+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("sign-out"))); err != nil {
		t.Fatalf("alice signing in: %v", err)
	}
	if who := text(t, fresh, ".who strong"); who != "alice" {
		t.Fatalf("signed in as %q, want alice", who)
	}
	// Alice has no IAM rights: the users page shows IAM's refusal.
	if err := chromedp.Do(fresh, chromedp.Navigate(base+"admin/users"), chromedp.WaitVisible(chromedp.CSS(".message"))); err != nil {
		t.Fatal(err)
	}
	if msg := text(t, fresh, "main"); !strings.Contains(msg, "AccessDenied") || !strings.Contains(msg, "is not authorized to perform: iam:ListUsers") {
		t.Errorf("alice's users page: %q", msg)
	}
	shots.take(t, fresh, "admin-refused")
}
