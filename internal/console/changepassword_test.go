package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"signet/internal/adminclient"
	"signet/internal/console"
	"signet/internal/sigv4"
)

// iamQuery sends an IAM Query API call as the root, signed at the fake
// clock's time as the CLI signs it.
func (w *world) iamQuery(form url.Values) answer {
	w.t.Helper()
	form.Set("Version", "2010-05-08")
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, w.ts.URL+"/", strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	root := w.srv.Root()
	creds := sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.Secret}
	if err := sigv4.SignHeader(req, creds, "us-east-1", "iam", w.clk.Now(), hex.EncodeToString(sum[:]), sigv4.Generic); err != nil {
		w.t.Fatal(err)
	}
	return w.send(http.DefaultClient, req)
}

// changeForm posts the sign-in page's password change.
func (w *world) changeForm(user, old, new, confirm string) answer {
	w.t.Helper()
	return w.post(console.Prefix+"sign-in/change-password", url.Values{"user_name": {user}, "old_password": {old},
		"new_password": {new}, "confirm_password": {confirm}, "next": {console.Prefix + "links"}})
}

// TestPasswordResetRequiredAtSignIn: a user whose password must be reset
// is asked for a new one at sign-in, as on AWS's console: the old one is
// verified again, the confirmation must match, the account's password
// policy applies (its violation shown in IAM's words), and the new
// password signs in at once and from then on; the old one no longer does.
func TestPasswordResetRequiredAtSignIn(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	root := w.srv.Root()
	u, _ := url.Parse(w.ts.URL)
	ic := adminclient.NewIAM(adminclient.IAMConfig{Endpoint: u,
		Credentials: credentials.NewStaticCredentialsProvider(root.AccessKeyID, root.Secret.Reveal(), ""), Now: w.clk.Now})
	if _, err := ic.CreateUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.SetPassword(ctx, "bob", "Battery-staple-2", true); err != nil {
		t.Fatal(err)
	}
	if a := w.iamQuery(url.Values{"Action": {"UpdateAccountPasswordPolicy"}, "MinimumPasswordLength": {"12"}, "RequireNumbers": {"true"},
		"AllowUsersToChangePassword": {"true"}}); a.status != http.StatusOK {
		t.Fatalf("UpdateAccountPasswordPolicy: %d %s", a.status, a.body)
	}
	w.client = newBrowser(t)
	a := w.post(console.Prefix+"sign-in", url.Values{"kind": {"user"}, "user_name": {"bob"}, "password": {"Battery-staple-2"}})
	if a.status != http.StatusOK || !strings.Contains(a.body, `action="/_signet/console/sign-in/change-password"`) {
		t.Fatalf("sign-in with a password to reset: %d\n%s", a.status, a.body)
	}
	for _, c := range []struct {
		old, new, confirm string
		status            int
		want              string
	}{
		{"Battery-staple-2", "Fresh-password-33", "Fresh-password-34", http.StatusBadRequest, "The new password and its confirmation differ."},
		{"wrong", "Fresh-password-33", "Fresh-password-33", http.StatusUnauthorized, "The user name or the old password is wrong."},
		{"Battery-staple-2", "Short-1", "Short-1", http.StatusBadRequest, "Password should have a minimum length of 12"},
		{"Battery-staple-2", "No-numbers-at-all", "No-numbers-at-all", http.StatusBadRequest, "Password should have at least one number"},
	} {
		a := w.changeForm("bob", c.old, c.new, c.confirm)
		if a.status != c.status || !strings.Contains(a.body, c.want) || a.header.Get("Set-Cookie") != "" {
			t.Errorf("change %q -> %q/%q: %d, want %d %q\n%s", c.old, c.new, c.confirm, a.status, c.status, c.want, a.body)
		}
	}
	if a := w.postFrom("https://evil.example", console.Prefix+"sign-in/change-password", url.Values{"user_name": {"bob"}}); a.status != http.StatusForbidden {
		t.Errorf("a change from another origin: %d", a.status)
	}
	// Five tries spent the account's sign-in budget; it refills with time.
	if a := w.changeForm("bob", "Battery-staple-2", "Fresh-password-33", "Fresh-password-33"); a.status != http.StatusTooManyRequests {
		t.Fatalf("a sixth try at once: %d", a.status)
	}
	w.clk.Advance(time.Minute)
	a = w.changeForm("bob", "Battery-staple-2", "Fresh-password-33", "Fresh-password-33")
	if a.status != http.StatusSeeOther || a.header.Get("Location") != console.Prefix+"links" {
		t.Fatalf("the change: %d %s\n%s", a.status, a.header.Get("Location"), a.body)
	}
	if a := w.get(console.Prefix + "links"); a.status != http.StatusOK || !strings.Contains(a.body, "Signed in as <strong>bob</strong>") {
		t.Fatalf("after the change: %d\n%s", a.status, a.body)
	}
	w.client = newBrowser(t)
	if a := w.post(console.Prefix+"sign-in", url.Values{"kind": {"user"}, "user_name": {"bob"}, "password": {"Battery-staple-2"}}); a.status != http.StatusUnauthorized {
		t.Errorf("the old password after the change: %d", a.status)
	}
}

// TestExpiredPasswordAtSignIn: a password older than the policy's
// MaxPasswordAge asks for a new one; under HardExpiry it is refused,
// since only an administrator may then set one.
func TestExpiredPasswordAtSignIn(t *testing.T) {
	w := newWorld(t)
	w.newUser("carol", "Correct-horse-1")
	if a := w.iamQuery(url.Values{"Action": {"UpdateAccountPasswordPolicy"}, "MaxPasswordAge": {"1"}}); a.status != http.StatusOK {
		t.Fatalf("UpdateAccountPasswordPolicy: %d %s", a.status, a.body)
	}
	w.clk.Advance(24 * time.Hour)
	w.client = newBrowser(t)
	a := w.post(console.Prefix+"sign-in", url.Values{"kind": {"user"}, "user_name": {"carol"}, "password": {"Correct-horse-1"}})
	if a.status != http.StatusOK || !strings.Contains(a.body, "Your password has expired") {
		t.Fatalf("an expired password: %d\n%s", a.status, a.body)
	}
	if a := w.iamQuery(url.Values{"Action": {"UpdateAccountPasswordPolicy"}, "MaxPasswordAge": {"1"}, "HardExpiry": {"true"}}); a.status != http.StatusOK {
		t.Fatalf("UpdateAccountPasswordPolicy: %d %s", a.status, a.body)
	}
	a = w.post(console.Prefix+"sign-in", url.Values{"kind": {"user"}, "user_name": {"carol"}, "password": {"Correct-horse-1"}})
	if a.status != http.StatusForbidden || !strings.Contains(a.body, "only an administrator") {
		t.Fatalf("a hard-expired password: %d\n%s", a.status, a.body)
	}
	if a := w.changeForm("carol", "Correct-horse-1", "Fresh-password-33", "Fresh-password-33"); a.status != http.StatusForbidden {
		t.Fatalf("changing a hard-expired password: %d\n%s", a.status, a.body)
	}
}

// TestPasswordChangeAtSignInNeedsPermission: as on AWS, a user asked to
// set a new password may do so only when the account's password policy
// lets users change their passwords or a policy allows it
// iam:ChangePassword on itself; otherwise the change is refused, and the
// password stays.
func TestPasswordChangeAtSignInNeedsPermission(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	root := w.srv.Root()
	u, _ := url.Parse(w.ts.URL)
	ic := adminclient.NewIAM(adminclient.IAMConfig{Endpoint: u,
		Credentials: credentials.NewStaticCredentialsProvider(root.AccessKeyID, root.Secret.Reveal(), ""), Now: w.clk.Now})
	if _, err := ic.CreateUser(ctx, "erin"); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.SetPassword(ctx, "erin", "Battery-staple-2", true); err != nil {
		t.Fatal(err)
	}
	w.client = newBrowser(t)
	if a := w.changeForm("erin", "Battery-staple-2", "Fresh-password-33", "Fresh-password-33"); a.status != http.StatusForbidden ||
		!strings.Contains(a.body, "You may not change your own password") || a.header.Get("Set-Cookie") != "" {
		t.Fatalf("a change without the permission: %d\n%s", a.status, a.body)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"arn:aws:iam::*:user/erin"}]}`
	if a := w.iamQuery(url.Values{"Action": {"PutUserPolicy"}, "UserName": {"erin"}, "PolicyName": {"change-own-password"}, "PolicyDocument": {doc}}); a.status != http.StatusOK {
		t.Fatalf("PutUserPolicy: %d %s", a.status, a.body)
	}
	if a := w.changeForm("erin", "Battery-staple-2", "Fresh-password-33", "Fresh-password-33"); a.status != http.StatusSeeOther {
		t.Fatalf("a change allowed by erin's policy: %d\n%s", a.status, a.body)
	}
}
