package cli

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdminUserPassword: 'signet admin user password' creates a login
// profile, then replaces its password; the account's rules are the
// server's to judge; a user with a password is deleted only with --force.
// The password never appears in the transcript.
func TestAdminUserPassword(t *testing.T) {
	e := startSignet(t)
	e.must("user", "create", "alice")
	e.stdin = "Sh0rt!\n"
	e.fails(1, "PasswordPolicyViolation", "user", "password", "alice")
	e.fails(1, "no standard input", "user", "password", "alice")
	e.stdin = "\n"
	e.fails(1, "no password given", "user", "password", "alice")
	e.stdin = "Corr3ct horse!\r\n"
	e.must("user", "password", "alice")
	e.stdin = "An0ther!horse\n"
	e.must("user", "password", "alice", "--reset-required", "--json")
	e.stdin = "Corr3ct horse!\n"
	e.fails(1, "NoSuchEntity", "user", "password", "nobody")

	s, b := e.signed(e.root(), "iam", http.MethodPost, "/", url.Values{"Action": {"GetLoginProfile"}, "Version": {"2010-05-08"}, "UserName": {"alice"}}, nil)
	if s != 200 || !strings.Contains(string(b), "<PasswordResetRequired>true</PasswordResetRequired>") {
		t.Fatalf("GetLoginProfile after --reset-required: %d %s", s, b)
	}
	e.note("iam:GetLoginProfile says alice must reset her password")
	e.fails(1, "must delete login profile first", "user", "delete", "alice")
	e.must("user", "delete", "alice", "--force")
	for _, pw := range []string{"Sh0rt!", "Corr3ct horse!", "An0ther!horse"} {
		if strings.Contains(e.out.String(), pw) {
			t.Errorf("the transcript holds the password %q", pw)
		}
	}
	e.golden("user_password")
}
