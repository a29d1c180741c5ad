package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/internal/redact"
)

// `signet presign` end to end: the built binary finds credentials in a
// temporary AWS config exactly as the AWS CLI would (an IAM user's static
// keys, role_arn + source_profile assumed at signet's STS, and a
// credential_process printing a GetSessionToken session), its URLs work
// with curl, its warning names the session's end, and a dev-clock server
// moved past that end refuses them with AWS's error while the user's URL
// still works.

// presignJSON is `signet presign --json`.
type presignJSON struct {
	URL                 string  `json:"url"`
	SignatureVersion    string  `json:"signature_version"`
	SignedAt            string  `json:"signed_at"`
	ExpiresInSeconds    int64   `json:"expires_in_seconds"`
	ExpiresAt           string  `json:"expires_at"`
	EffectiveExpiresAt  *string `json:"effective_expires_at"`
	LimitedBy           string  `json:"limited_by"`
	CredentialSource    string  `json:"credential_source"`
	Profile             *string `json:"profile"`
	AccessKeyID         string  `json:"access_key_id"`
	CredentialKind      string  `json:"credential_kind"`
	CredentialsExpireAt *string `json:"credentials_expire_at"`
	Warning             *string `json:"warning"`
}

// presignedLink is one URL under test and what signet said of it.
type presignedLink struct {
	name   string // the profile that signed it
	url    string
	out    presignJSON
	stderr string
}

// presignWorld is an identityWorld with the three profiles written.
type presignWorld struct {
	*identityWorld
	gst stsCreds // the GetSessionToken session credential_process prints
}

const presignObject = "s3://life/yawning-cat.jpg"

func newPresignWorld(t *testing.T) *presignWorld {
	t.Helper()
	w := &presignWorld{identityWorld: newIdentityWorld(t)}
	home := w.root.home
	config := filepath.Join(home, ".aws", "config")

	// role_arn + source_profile: the SDK assumes the role when presign
	// asks for credentials, at signet (the URL's endpoint), for 12 hours.
	appendFile(t, config, fmt.Sprintf("\n[profile reader-role]\nrole_arn = %s\nsource_profile = alice\n"+
		"duration_seconds = 43200\nrole_session_name = presign-e2e\nregion = us-east-1\n", w.roleARN))

	// credential_process: a script printing alice's GetSessionToken
	// session (12 hours by default) in the process credentials format.
	w.alice.atJSON(t, w.p, &w.gst, "sts", "get-session-token")
	rememberSecret(w.gst.Credentials.SecretAccessKey)
	rememberSecret(w.gst.Credentials.SessionToken)
	doc, err := json.Marshal(map[string]any{
		"Version": 1, "AccessKeyId": w.gst.Credentials.AccessKeyId, "SecretAccessKey": w.gst.Credentials.SecretAccessKey,
		"SessionToken": w.gst.Credentials.SessionToken, "Expiration": w.gst.Credentials.Expiration,
	})
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(home, "get-session-token-credentials")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat <<'EOF'\n"+string(doc)+"\nEOF\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	appendFile(t, config, fmt.Sprintf("\n[profile gst]\ncredential_process = %s\nregion = us-east-1\n", script))
	return w
}

// presign runs the built `signet presign --json` as c, with extra flags.
func (w *presignWorld) presign(t *testing.T, c *clientEnv, name string, extra ...string) presignedLink {
	t.Helper()
	args := append([]string{"presign", presignObject, "--endpoint-url", w.p.endpoint, "--json"}, extra...)
	r := c.run(t, "", binPath, args...)
	if r.err != nil {
		t.Fatalf("signet presign as %s failed:\n%s", name, r)
	}
	link := presignedLink{name: name, stderr: r.stderr}
	if err := json.Unmarshal([]byte(r.stdout), &link.out); err != nil {
		t.Fatalf("signet presign --json as %s: %v\n%s", name, err, r)
	}
	link.url = link.out.URL
	rememberSignature(link.url)
	if u, err := url.Parse(link.url); err == nil && u.Query().Get("X-Amz-Security-Token") != "" {
		rememberSecret(u.Query().Get("X-Amz-Security-Token"))
	}
	return link
}

// check asserts the state of link now, named as `signet inspect` names
// it: "valid" (curl gets the object), "session_expired" (400 ExpiredToken)
// or "url_expired" (403 AccessDenied, Request has expired). `signet inspect`
// checks of the same link and reason belong here, after the curl.
func (w *presignWorld) check(t *testing.T, link presignedLink, reason string) {
	t.Helper()
	what := link.name + "'s URL, expected " + reason
	switch reason {
	case "valid":
		w.wantBytes(t, link.url, what)
	case "session_expired":
		e := w.wantError(t, link.url, 400, "ExpiredToken", "The provided token has expired.")
		if u, _ := url.Parse(link.url); e.Token0 != redact.Token(u.Query().Get("X-Amz-Security-Token")) {
			t.Errorf("%s: Token-0 = %q, want the fingerprint of the URL's session token", what, e.Token0)
		}
	case "url_expired":
		w.wantError(t, link.url, 403, "AccessDenied", "Request has expired")
	default:
		t.Fatalf("check: unknown reason %q", reason)
	}
	w.inspect(t, link, reason)
}

// inspectJSON is the part of `signet inspect --json` the e2e checks read.
type inspectJSON struct {
	Verdict            string  `json:"verdict"`
	Reason             string  `json:"reason"`
	Source             string  `json:"source"`
	AccessKeyID        string  `json:"access_key_id"`
	LimitedBy          *string `json:"limited_by"`
	EffectiveExpiresAt *string `json:"effective_expires_at"`
	Principal          *struct {
		Type     string `json:"type"`
		ARN      string `json:"arn"`
		RoleName string `json:"role_name"`
		UserName string `json:"user_name"`
	} `json:"principal"`
}

// inspect asks the server, through the built `signet inspect` with the
// root's admin credentials, why link is in the state curl just saw, and
// holds it to the same reason, exit code and signer.
func (w *presignWorld) inspect(t *testing.T, link presignedLink, reason string) {
	t.Helper()
	r := w.root.run(t, "", binPath, "inspect", link.url, "--endpoint-url", w.p.endpoint, "--json")
	want := 3
	if reason == "valid" {
		want = 0
	}
	var got inspectJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || exitCode(r.err) != want {
		t.Fatalf("signet inspect of %s's URL: exit %d (want %d), %v\n%s", link.name, exitCode(r.err), want, err, r)
	}
	if got.Source != "server" || got.Reason != reason || got.AccessKeyID != link.out.AccessKeyID {
		t.Errorf("signet inspect of %s's URL: source %q reason %q key %q, want the server's %q for %s\n%s",
			link.name, got.Source, got.Reason, got.AccessKeyID, reason, link.out.AccessKeyID, r.stdout)
	}
	if got.Principal == nil {
		t.Fatalf("signet inspect of %s's URL names no principal\n%s", link.name, r.stdout)
	}
	// The server's effective expiry and its limit are the ones presign
	// predicted when it signed.
	if got.LimitedBy == nil || *got.LimitedBy != link.out.LimitedBy ||
		got.EffectiveExpiresAt == nil || link.out.EffectiveExpiresAt == nil ||
		!parseStamp(t, "inspect effective_expires_at", got.EffectiveExpiresAt).Equal(parseStamp(t, "presign effective_expires_at", link.out.EffectiveExpiresAt)) {
		t.Errorf("signet inspect of %s's URL: limited by %v until %v; presign said %s until %v",
			link.name, stringOr(got.LimitedBy), stringOr(got.EffectiveExpiresAt), link.out.LimitedBy, stringOr(link.out.EffectiveExpiresAt))
	}
	switch link.name {
	case "reader-role":
		if got.Principal.Type != "assumed-role" || got.Principal.RoleName == "" {
			t.Errorf("the role URL's signer: %+v", *got.Principal)
		}
	case "alice":
		if got.Principal.Type != "user" || got.Principal.UserName != "alice" {
			t.Errorf("alice's URL's signer: %+v", *got.Principal)
		}
	}
}

func parseStamp(t *testing.T, what string, s *string) time.Time {
	t.Helper()
	if s == nil {
		t.Fatalf("%s is null", what)
	}
	v, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		t.Fatalf("%s %q: %v", what, *s, err)
	}
	return v
}

func TestPresignProfilesEndToEnd(t *testing.T) {
	t.Parallel()
	w := newPresignWorld(t)
	week := "7d"

	// The IAM user's key (profile alice, chosen by AWS_PROFILE): the URL
	// lives its whole week and nothing is said.
	user := w.presign(t, w.alice, "alice", "--expires-in", week)
	if o := user.out; o.AccessKeyID != w.aliceKey || o.CredentialKind != "long-term" || o.LimitedBy != "url" || o.Warning != nil ||
		o.ExpiresInSeconds != 604800 || o.EffectiveExpiresAt == nil || *o.EffectiveExpiresAt != o.ExpiresAt ||
		o.CredentialSource != `shared credentials file ~/.aws/credentials, profile "alice"` || o.Profile == nil || *o.Profile != "alice" {
		t.Errorf("alice: %+v", o)
	}
	if user.stderr != "" {
		t.Errorf("alice's URL came with a warning:\n%s", user.stderr)
	}
	w.check(t, user, "valid")

	// The role, assumed at signet's STS by the SDK on presign's behalf with
	// alice's key: a 12-hour session ends the week-long URL after 12 hours.
	role := w.presign(t, w.root, "reader-role", "--profile", "reader-role", "--expires-in", week)
	o := role.out
	if !strings.HasPrefix(o.AccessKeyID, "ASIA") || o.CredentialKind != "temporary" || o.LimitedBy != "credentials" ||
		o.CredentialSource != `profile "reader-role" (role `+w.roleARN+` assumed with source_profile "alice")` {
		t.Errorf("reader-role: %+v", o)
	}
	signed := parseStamp(t, "signed_at", &o.SignedAt)
	roleEnd := parseStamp(t, "credentials_expire_at", o.CredentialsExpireAt)
	if d := roleEnd.Sub(signed); d < 12*time.Hour-time.Minute || d > 12*time.Hour+time.Minute {
		t.Errorf("the role session ends %v after signing, want 12h (duration_seconds = 43200)", d)
	}
	if eff := parseStamp(t, "effective_expires_at", o.EffectiveExpiresAt); !eff.Equal(roleEnd) {
		t.Errorf("effective_expires_at %v, want the session's end %v", eff, roleEnd)
	}
	for _, text := range []string{stringOr(o.Warning), role.stderr} {
		if !strings.Contains(text, "This URL stops working at "+roleEnd.UTC().Format(time.RFC3339)) || !strings.Contains(text, o.AccessKeyID) ||
			!strings.Contains(text, `profile "reader-role"`) || !strings.Contains(text, "long-term access key") {
			t.Errorf("the role URL's warning does not say when and why it ends:\n%s", text)
		}
	}
	// The session was issued by signet (so its STS got the call), and
	// signet's record of its end is the one presign reported.
	var rec struct {
		Expires time.Time `json:"expires"`
		Kind    string    `json:"kind"`
	}
	show := w.root.admin(t, w.p, "session", "show", o.AccessKeyID, "--json")
	if err := json.Unmarshal([]byte(show.stdout), &rec); err != nil || rec.Kind != "assumed-role" || !rec.Expires.Truncate(time.Second).Equal(roleEnd) {
		t.Errorf("signet's record of the session (%v): %+v, want an assumed-role session ending at %v\n%s", err, rec, roleEnd, show)
	}
	w.check(t, role, "valid")

	// --strict refuses the same URL: exit 3, nothing on stdout.
	strict := w.root.run(t, "", binPath, "presign", presignObject, "--endpoint-url", w.p.endpoint, "--profile", "reader-role", "--expires-in", week, "--strict")
	if code := exitCode(strict.err); code != 3 || strict.stdout != "" || !strings.Contains(strict.stderr, "refused by --strict") {
		t.Errorf("--strict with a session shorter than the URL: exit %d\n%s", code, strict)
	}

	// credential_process printing the GetSessionToken session.
	sess := w.presign(t, w.root, "gst", "--profile", "gst", "--expires-in", week)
	gstEnd, err := time.Parse(time.RFC3339, w.gst.Credentials.Expiration)
	if err != nil {
		t.Fatalf("get-session-token Expiration %q: %v", w.gst.Credentials.Expiration, err)
	}
	if o := sess.out; o.AccessKeyID != w.gst.Credentials.AccessKeyId || o.LimitedBy != "credentials" ||
		o.CredentialSource != `credential_process of profile "gst"` || !parseStamp(t, "credentials_expire_at", o.CredentialsExpireAt).Equal(gstEnd.Truncate(time.Second)) {
		t.Errorf("gst: %+v (session ends %v)", o, gstEnd)
	}
	if !strings.Contains(sess.stderr, "This URL stops working at "+gstEnd.UTC().Format(time.RFC3339)) {
		t.Errorf("the session URL's warning:\n%s", sess.stderr)
	}
	w.check(t, sess, "valid")

	// Past the sessions' end (12 h and a second, on the server's clock):
	// their URLs answer ExpiredToken; the user's URL still works.
	w.advance(t, "12h0m1s")
	w.check(t, role, "session_expired")
	w.check(t, sess, "session_expired")
	w.check(t, user, "valid")

	// Past the week: the user's URL has run out too.
	w.advance(t, "6d12h0m0s")
	w.check(t, user, "url_expired")
}

func stringOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// exitCode is a command's exit status from its error (0 for nil, -1 if
// it did not exit).
func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}
