package console_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"signet/internal/adminclient"
	"signet/internal/console"
)

const adminPath = console.Prefix + "admin/"

// iamAs is an IAM client of the test's own (not the console's), signing
// with the given key.
func (w *world) iamAs(id, secret string) *adminclient.IAM {
	u, _ := url.Parse(w.ts.URL)
	return adminclient.NewIAM(adminclient.IAMConfig{Endpoint: u,
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), Now: w.clk.Now})
}

func (w *world) rootIAM() *adminclient.IAM {
	root := w.srv.Root()
	return w.iamAs(root.AccessKeyID, root.Secret.Reveal())
}

// form is a console form with the session's CSRF token.
func (w *world) form(csrf string, kv ...string) url.Values {
	v := url.Values{"csrf": {csrf}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// mustRedirect checks a POST's answer went on to the page want.
func mustRedirect(t *testing.T, what string, a answer, want string) {
	t.Helper()
	if a.status != http.StatusSeeOther || a.header.Get("Location") != want {
		t.Fatalf("%s: %d %s (want 303 to %s)\n%s", what, a.status, a.header.Get("Location"), want, a.body)
	}
}

func iamCode(err error) string {
	var e *adminclient.APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

var secretField = regexp.MustCompile(`id="new-key-secret" readonly rows="2" spellcheck="false" autocomplete="off">([^<]+)</textarea>`)

// TestAdminUserKeysAndPassword: the root creates a user, gives it an
// access key whose secret the answer shows once (a second visit does not,
// and the secret is the key's), deactivates, activates and deletes it,
// sets the user's console password (the user then signs in with it) and
// deletes the user with its login profile.
func TestAdminUserKeysAndPassword(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.signIn()
	csrf := w.csrf()
	userPage := adminPath + "user?name=alice"

	if a := w.post(adminPath+"users/create", url.Values{"user_name": {"mallory"}}); a.status != http.StatusForbidden {
		t.Fatalf("create user without the CSRF token: %d", a.status)
	}
	if _, err := w.rootIAM().GetUser(ctx, "mallory"); iamCode(err) != "NoSuchEntity" {
		t.Fatalf("a form without the CSRF token made mallory: %v", err)
	}
	mustRedirect(t, "create user", w.post(adminPath+"users/create", w.form(csrf, "user_name", "alice")), userPage)
	if a := w.get(adminPath + "users"); a.status != http.StatusOK || !strings.Contains(a.body, `href="`+userPage+`"`) {
		t.Fatalf("users page: %d\n%s", a.status, a.body)
	}
	if a := w.post(adminPath+"users/create", w.form(csrf, "user_name", "alice")); a.status != http.StatusConflict ||
		!strings.Contains(a.body, `id="new-user-error"`) || !strings.Contains(a.body, "EntityAlreadyExists") {
		t.Fatalf("a second alice: %d\n%s", a.status, a.body)
	}

	a := w.post(adminPath+"keys/create", w.form(csrf, "user_name", "alice"))
	m := secretField.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil || !strings.Contains(a.body, "only time the secret access key is shown") {
		t.Fatalf("create key: %d\n%s", a.status, a.body)
	}
	sec := html.UnescapeString(m[1])
	keys, err := w.rootIAM().ListAccessKeys(ctx, "alice")
	if err != nil || len(keys) != 1 {
		t.Fatalf("alice's keys: %v %v", keys, err)
	}
	keyID := keys[0].AccessKeyID
	if !strings.Contains(a.body, keyID) {
		t.Fatalf("the new key's page does not name %s", keyID)
	}
	// The secret is the key's: a call signed with it is judged (alice may
	// not call IAM) rather than refused for its signature.
	if _, err := w.iamAs(keyID, sec).GetUser(ctx, "alice"); iamCode(err) != "AccessDenied" {
		t.Fatalf("a call signed with the shown secret: %v", err)
	}
	if a := w.get(userPage); a.status != http.StatusOK || !strings.Contains(a.body, keyID) || strings.Contains(a.body, sec) {
		t.Fatalf("the user's page shows the secret again, or not the key (%d)", a.status)
	}

	for _, status := range []string{"Inactive", "Active"} {
		mustRedirect(t, "key "+status, w.post(adminPath+"keys/status", w.form(csrf, "user_name", "alice", "access_key_id", keyID, "status", status)), userPage)
		keys, err := w.rootIAM().ListAccessKeys(ctx, "alice")
		if err != nil || keys[0].Status != status {
			t.Fatalf("after setting %s: %v %v", status, keys, err)
		}
	}
	mustRedirect(t, "delete key", w.post(adminPath+"keys/delete", w.form(csrf, "user_name", "alice", "access_key_id", keyID)), userPage)
	if keys, err := w.rootIAM().ListAccessKeys(ctx, "alice"); err != nil || len(keys) != 0 {
		t.Fatalf("after deleting the key: %v %v", keys, err)
	}

	mustRedirect(t, "set password", w.post(adminPath+"users/password", w.form(csrf, "user_name", "alice", "password", "Correct-horse-1")), userPage+"&password=created")
	if a := w.get(userPage + "&password=created"); !strings.Contains(a.body, "The console password was created.") {
		t.Fatalf("the user's page after setting the password:\n%s", a.body)
	}
	mustRedirect(t, "replace password", w.post(adminPath+"users/password", w.form(csrf, "user_name", "alice", "password", "Battery-staple-2")), userPage+"&password=updated")
	root := w.client
	w.client = newBrowser(t)
	mustRedirect(t, "alice signs in", w.post(console.Prefix+"sign-in", url.Values{"kind": {"user"}, "user_name": {"alice"}, "password": {"Battery-staple-2"}}), console.Prefix)
	w.client = root
	mustRedirect(t, "must reset", w.post(adminPath+"users/password", w.form(csrf, "user_name", "alice", "password", "Battery-staple-3", "reset", "on")), userPage+"&password=updated")
	w.client = newBrowser(t)
	// A password that must be reset does not sign in: the user is asked
	// for a new one first.
	if a := w.post(console.Prefix+"sign-in", url.Values{"kind": {"user"}, "user_name": {"alice"}, "password": {"Battery-staple-3"}}); a.status != http.StatusOK ||
		a.header.Get("Set-Cookie") != "" || !strings.Contains(a.body, `action="/_signet/console/sign-in/change-password"`) {
		t.Fatalf("a password that must be reset: %d, cookie %q", a.status, a.header.Get("Set-Cookie"))
	}
	w.client = root

	// A key form without a user would act on the caller's own (root) keys.
	if a := w.post(adminPath+"keys/create", w.form(csrf)); a.status != http.StatusBadRequest {
		t.Fatalf("a key for nobody: %d\n%s", a.status, a.body)
	}
	mustRedirect(t, "delete user", w.post(adminPath+"users/delete", w.form(csrf, "user_name", "alice")), adminPath+"users")
	if _, err := w.rootIAM().GetUser(ctx, "alice"); iamCode(err) != "NoSuchEntity" {
		t.Fatalf("alice after delete: %v", err)
	}
}

// TestAdminRefusedWithoutRights: a user without IAM or admin rights sees
// IAM's (and the admin API's) own AccessDenied on the page, with its
// status, and nothing is changed.
func TestAdminRefusedWithoutRights(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.rootIAM().CreateUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.rootIAM().SetPassword(ctx, "bob", "Correct-horse-1", false); err != nil {
		t.Fatal(err)
	}
	mustRedirect(t, "bob signs in", w.post(console.Prefix+"sign-in", url.Values{"kind": {"user"}, "user_name": {"bob"}, "password": {"Correct-horse-1"}}), console.Prefix)
	csrf := w.csrf()
	for _, c := range []struct {
		what string
		a    answer
		want string
	}{
		{"users page", w.get(adminPath + "users"), "is not authorized to perform: iam:ListUsers"},
		{"create user", w.post(adminPath+"users/create", w.form(csrf, "user_name", "mallory")), "is not authorized to perform: iam:CreateUser"},
		{"roles page", w.get(adminPath + "roles"), "is not authorized to perform: iam:ListRoles"},
		{"policies page", w.get(adminPath + "policies"), "is not authorized to perform: iam:ListPolicies"},
		{"sessions page", w.get(adminPath + "sessions"), "signet:ListSessions"},
	} {
		body := html.UnescapeString(c.a.body)
		if c.a.status != http.StatusForbidden || !strings.Contains(body, "AccessDenied") || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d\n%s", c.what, c.a.status, body)
		}
	}
	if _, err := w.rootIAM().GetUser(ctx, "mallory"); iamCode(err) != "NoSuchEntity" {
		t.Fatalf("a refused create made mallory: %v", err)
	}
}

const trustRoot = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`

// TestAdminRolesPoliciesAndRevoke: IAM's refusal of a trust policy or a
// managed policy is shown next to its field with what was typed; a role
// and a policy are created, attached and detached; "revoke older
// sessions" puts AWSRevokeOlderSessions with the cutoff of the server's
// lifetime clock; the role is deleted.
func TestAdminRolesPoliciesAndRevoke(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.signIn()
	csrf := w.csrf()

	a := w.post(adminPath+"roles/create", w.form(csrf, "role_name", "reader", "trust_policy", `{"Version":"2012-10-17"`, "max_hours", "12"))
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, `id="trust-policy-error"`) ||
		!strings.Contains(a.body, "MalformedPolicyDocument") || !strings.Contains(a.body, `value="reader"`) {
		t.Fatalf("a malformed trust policy: %d\n%s", a.status, a.body)
	}
	trust := strings.Replace(trustRoot, "%s", w.srv.Root().AccountID, 1)
	rolePage := adminPath + "role?name=reader"
	mustRedirect(t, "create role", w.post(adminPath+"roles/create", w.form(csrf, "role_name", "reader", "trust_policy", trust, "max_hours", "12")), rolePage)
	role, err := w.rootIAM().GetRole(ctx, "reader")
	if err != nil || role.MaxSessionDurationSeconds != 12*3600 {
		t.Fatalf("the role: %+v %v", role, err)
	}
	if a := w.get(adminPath + "roles"); !strings.Contains(a.body, `href="`+rolePage+`"`) || !strings.Contains(a.body, "12h") {
		t.Fatalf("roles page:\n%s", a.body)
	}

	a = w.post(adminPath+"policies/create", w.form(csrf, "policy_name", "read-photos", "document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`))
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, `id="policy-document-error"`) || !strings.Contains(a.body, "MalformedPolicyDocument") {
		t.Fatalf("a malformed policy: %d\n%s", a.status, a.body)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}`
	mustRedirect(t, "create policy", w.post(adminPath+"policies/create", w.form(csrf, "policy_name", "read-photos", "document", doc)), adminPath+"policies")
	arn := "arn:aws:iam::" + w.srv.Root().AccountID + ":policy/read-photos"
	if a := w.get(adminPath + "policies"); !strings.Contains(a.body, arn) {
		t.Fatalf("policies page lacks %s:\n%s", arn, a.body)
	}
	mustRedirect(t, "attach", w.post(adminPath+"policies/attach", w.form(csrf, "kind", "role", "name", "reader", "policy_arn", arn)), rolePage)
	det, err := w.rootIAM().RoleDetails(ctx, "reader")
	if err != nil || len(det.AttachedPolicies) != 1 || det.AttachedPolicies[0].PolicyARN != arn {
		t.Fatalf("after attaching: %+v %v", det, err)
	}
	if a := w.get(rolePage); !strings.Contains(a.body, `aria-label="Detach read-photos"`) {
		t.Fatalf("role page lacks the attachment:\n%s", a.body)
	}
	mustRedirect(t, "detach", w.post(adminPath+"policies/detach", w.form(csrf, "kind", "role", "name", "reader", "policy_arn", arn)), rolePage)
	if det, err := w.rootIAM().RoleDetails(ctx, "reader"); err != nil || len(det.AttachedPolicies) != 0 {
		t.Fatalf("after detaching: %+v %v", det, err)
	}

	want := adminclient.RevokeCutoff(w.clk.Now())
	mustRedirect(t, "revoke", w.post(adminPath+"roles/revoke", w.form(csrf, "role_name", "reader")), rolePage)
	det, err = w.rootIAM().RoleDetails(ctx, "reader")
	if err != nil || len(det.InlinePolicies) != 1 || det.InlinePolicies[0].PolicyName != adminclient.RevokePolicyName {
		t.Fatalf("after revoking: %+v %v", det, err)
	}
	if got, ok := adminclient.RevokedBefore(det.InlinePolicies[0].Document); !ok || !got.Equal(want) {
		t.Fatalf("revoked before %v (%v), want %v, the server's clock", got, ok, want)
	}
	if a := w.get(rolePage); !strings.Contains(a.body, `id="revoked-before"`) {
		t.Fatalf("role page does not say it is revoked:\n%s", a.body)
	}

	mustRedirect(t, "delete role", w.post(adminPath+"roles/delete", w.form(csrf, "role_name", "reader")), adminPath+"roles")
	if _, err := w.rootIAM().GetRole(ctx, "reader"); iamCode(err) != "NoSuchEntity" {
		t.Fatalf("the role after delete: %v", err)
	}
}

// TestAdminSessionsTerminate: the sessions page lists the live sessions
// (this console's marked); terminating another browser's signs that
// browser out and leaves this one signed in.
func TestAdminSessionsTerminate(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	mine, _, _ := strings.Cut(w.sessionCookie().Value, ".")
	csrf := w.csrf()
	me := w.client
	w.client = newBrowser(t)
	w.signIn()
	other, _, _ := strings.Cut(w.sessionCookie().Value, ".")
	them := w.client
	w.client = me

	a := w.get(adminPath + "sessions")
	if a.status != http.StatusOK || !strings.Contains(a.body, "session signet-console") || !strings.Contains(a.body, "<strong>root</strong> (this console)<br><code>"+mine+"</code>") || !strings.Contains(a.body, other) {
		t.Fatalf("sessions page: %d\n%s", a.status, a.body)
	}
	mustRedirect(t, "terminate", w.post(adminPath+"sessions/terminate", w.form(csrf, "access_key_id", other)), adminPath+"sessions")
	if a := w.get(adminPath + "sessions"); a.status != http.StatusOK || strings.Contains(a.body, other) {
		t.Fatalf("sessions page after terminate: %d\n%s", a.status, a.body)
	}
	w.client = them
	if a := w.get(console.Prefix); a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), console.Prefix+"sign-in") {
		t.Fatalf("the terminated browser: %d %s", a.status, a.header.Get("Location"))
	}
}
