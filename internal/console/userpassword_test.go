package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"signet/internal/adminclient"
	"signet/internal/console"
)

// An IAM user signs in with the password its login profile holds (set
// over IAM, as `signet admin user password` sets it): the console session
// is the user's; a wrong password is refused like a wrong secret, and a
// password that must be reset first does not sign in.
func TestUserSignsInWithItsLoginProfile(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	root := w.srv.Root()
	u, _ := url.Parse(w.ts.URL)
	ic := adminclient.NewIAM(adminclient.IAMConfig{Endpoint: u,
		Credentials: credentials.NewStaticCredentialsProvider(root.AccessKeyID, root.Secret.Reveal(), ""), Now: w.clk.Now})
	for _, name := range []string{"alice", "bob"} {
		if _, err := ic.CreateUser(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ic.SetPassword(ctx, "alice", "Correct-horse-1", false); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.SetPassword(ctx, "bob", "Battery-staple-2", true); err != nil {
		t.Fatal(err)
	}
	signIn := func(user, pw string) answer {
		w.client = newBrowser(t)
		return w.post(console.Prefix+"sign-in", url.Values{"kind": {"user"}, "user_name": {user}, "password": {pw}})
	}
	if a := signIn("alice", "wrong"); a.status != http.StatusUnauthorized || !strings.Contains(a.body, "The user name or the password is wrong.") {
		t.Fatalf("a wrong password: %d\n%s", a.status, a.body)
	}
	if a := signIn("nobody", "Correct-horse-1"); a.status != http.StatusUnauthorized {
		t.Fatalf("an unknown user: %d", a.status)
	}
	if a := signIn("bob", "Battery-staple-2"); a.status != http.StatusOK || !strings.Contains(a.body, "requires you to set a new password") || a.header.Get("Set-Cookie") != "" {
		t.Fatalf("a password that must be reset: %d\n%s", a.status, a.body)
	}
	if a := signIn("alice", "Correct-horse-1"); a.status != http.StatusSeeOther {
		t.Fatalf("alice's sign-in: %d\n%s", a.status, a.body)
	}
	sessions, err := w.admin().ListSessions(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range sessions {
		found = found || s.UserName == "alice"
	}
	if !found {
		t.Fatalf("no session of alice's among %+v", sessions)
	}
}
