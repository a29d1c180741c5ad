package e2e

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/internal/redact"
)

// The lifetime rule end to end, with the AWS CLI, curl and `signet admin`
// against `signet server --dev-clock`: time is moved by the admin call,
// never slept through.

// devServer starts a private dev-clock server.
func devServer(t *testing.T) *signetProc {
	t.Helper()
	p, err := startSignet(filepath.Join(t.TempDir(), "data"), []string{"--dev-clock"}, nil)
	if err != nil {
		t.Fatalf("starting signet --dev-clock: %v", err)
	}
	procMu.Lock()
	extraProc = append(extraProc, p)
	procMu.Unlock()
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("stopping signet: %v", err)
		}
	})
	return p
}

// rememberSecret adds a credential secret or token to the strings no log
// may contain.
func rememberSecret(s string) {
	sigMu.Lock()
	defer sigMu.Unlock()
	signatures = append(signatures, s, strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(s, "+", "%2B"), "/", "%2F"), "=", "%3D"))
}

// at runs the AWS CLI against p.
func (c *clientEnv) at(t *testing.T, p *signetProc, args ...string) result {
	t.Helper()
	return c.ok(t, "", "aws", append([]string{"--endpoint-url", p.endpoint}, args...)...)
}

// atFails runs the AWS CLI against p and expects it to fail with code.
func (c *clientEnv) atFails(t *testing.T, p *signetProc, code string, args ...string) result {
	t.Helper()
	r := c.run(t, "", "aws", append([]string{"--endpoint-url", p.endpoint}, args...)...)
	if r.err == nil || !strings.Contains(r.stderr, "("+code+")") {
		t.Fatalf("want the call to fail with %s:\n%s", code, r)
	}
	return r
}

func (c *clientEnv) atJSON(t *testing.T, p *signetProc, v any, args ...string) {
	t.Helper()
	r := c.at(t, p, append(args, "--output", "json")...)
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("decoding JSON output: %v\n%s", err, r)
	}
}

// presignAt runs `aws s3 presign` against p (SigV4 via the profile's s3v4
// setting).
func (c *clientEnv) presignAt(t *testing.T, p *signetProc, args ...string) string {
	t.Helper()
	r := c.at(t, p, append([]string{"s3", "presign"}, args...)...)
	u := strings.TrimSpace(r.stdout)
	if !strings.Contains(u, "X-Amz-Signature=") {
		t.Fatalf("aws s3 presign did not print a SigV4 URL: %q\n%s", u, r)
	}
	rememberSignature(u)
	return u
}

// admin runs `signet admin …` against p with the root credentials.
func (c *clientEnv) admin(t *testing.T, p *signetProc, args ...string) result {
	t.Helper()
	n := 2
	if len(args) < n {
		n = len(args)
	}
	full := append([]string{"admin"}, args[:n]...)
	full = append(full, "--endpoint-url", p.endpoint)
	full = append(full, args[n:]...)
	return c.ok(t, "", binPath, full...)
}

// addProfile writes a SigV4 profile with the given credentials.
func (c *clientEnv) addProfile(t *testing.T, name, ak, sk, token string) {
	t.Helper()
	aws := filepath.Join(c.home, ".aws")
	appendFile(t, filepath.Join(aws, "config"), fmt.Sprintf("\n[profile %s]\nregion = us-east-1\ns3 =\n  signature_version = s3v4\n", name))
	creds := fmt.Sprintf("\n[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", name, ak, sk)
	if token != "" {
		creds += "aws_session_token = " + token + "\n"
	}
	appendFile(t, filepath.Join(aws, "credentials"), creds)
	rememberSecret(sk)
	if token != "" {
		rememberSecret(token)
	}
}

// withProfile returns a copy of c whose environment selects profile name
// (the environment's root keys would otherwise win over --profile).
func (c *clientEnv) withProfile(name string) *clientEnv {
	var env []string
	for _, kv := range c.env {
		if strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") || strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=") {
			continue
		}
		env = append(env, kv)
	}
	return &clientEnv{home: c.home, env: append(env, "AWS_PROFILE="+name)}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

type stsCreds struct {
	Credentials struct {
		AccessKeyId, SecretAccessKey, SessionToken, Expiration string
	}
	AssumedRoleUser struct{ Arn, AssumedRoleId string }
}

// identityWorld is a bucket with an object, a user alice with a key that
// may read the bucket and assume roles, and a role "reader" that trusts
// alice, may read the bucket and allows 12-hour sessions.
type identityWorld struct {
	p        *signetProc
	root     *clientEnv
	alice    *clientEnv
	aliceARN string
	aliceKey string
	// aliceSecret is the secret of aliceKey, for URLs the tests sign
	// themselves at a chosen time.
	aliceSecret string
	roleARN     string
	body        []byte
	// nodes, when set, are the several nodes p balances over: a clock
	// moved on one is waited for on every one, and a URL's state may take
	// up to settle to reach the node that answers (the change feed's
	// bound, see multinode_test.go).
	nodes  []*signetProc
	settle time.Duration
}

func newIdentityWorld(t *testing.T) *identityWorld {
	t.Helper()
	requireTool(t, "aws", "--version")
	requireTool(t, "curl", "--version")
	return newIdentityWorldOn(t, devServer(t))
}

// newIdentityWorldOn builds the world on p, a --dev-clock server (or a
// balancer in front of several).
func newIdentityWorldOn(t *testing.T, p *signetProc) *identityWorld {
	t.Helper()
	w := &identityWorld{p: p, root: newClientEnv(t)}
	c := w.root
	src := filepath.Join(t.TempDir(), "yawning-cat.jpg")
	w.body = writeRandom(t, src, 200_000)
	c.at(t, p, "s3", "mb", "s3://life")
	c.at(t, p, "s3", "cp", src, "s3://life/yawning-cat.jpg")

	var user struct {
		User struct{ Arn, UserName string }
	}
	c.atJSON(t, p, &user, "iam", "create-user", "--user-name", "alice")
	w.aliceARN = user.User.Arn
	if !strings.HasPrefix(w.aliceARN, "arn:aws:iam::") || !strings.HasSuffix(w.aliceARN, ":user/alice") {
		t.Fatalf("create-user ARN %q", w.aliceARN)
	}
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey, Status string }
	}
	c.atJSON(t, p, &key, "iam", "create-access-key", "--user-name", "alice")
	if !strings.HasPrefix(key.AccessKey.AccessKeyId, "AKIA") || len(key.AccessKey.AccessKeyId) != 20 || key.AccessKey.Status != "Active" {
		t.Fatalf("create-access-key: %+v", key.AccessKey.AccessKeyId)
	}
	w.aliceKey, w.aliceSecret = key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey
	c.addProfile(t, "alice", key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey, "")
	w.alice = c.withProfile("alice")
	read := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::life","arn:aws:s3:::life/*"]}]}`
	c.at(t, p, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "read-life", "--policy-document", read)
	c.at(t, p, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "assume",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + w.aliceARN + `"},"Action":"sts:AssumeRole"}]}`
	var role struct {
		Role struct {
			Arn                string
			MaxSessionDuration int
		}
	}
	c.atJSON(t, p, &role, "iam", "create-role", "--role-name", "reader", "--assume-role-policy-document", trust, "--max-session-duration", "43200")
	if role.Role.MaxSessionDuration != 43200 {
		t.Fatalf("create-role MaxSessionDuration %d", role.Role.MaxSessionDuration)
	}
	w.roleARN = role.Role.Arn
	c.at(t, p, "iam", "put-role-policy", "--role-name", "reader", "--policy-name", "read-life", "--policy-document", read)
	return w
}

// assume has alice assume the role and returns a client using the session.
func (w *identityWorld) assume(t *testing.T, session string, extra ...string) (stsCreds, *clientEnv) {
	t.Helper()
	var out stsCreds
	w.alice.atJSON(t, w.p, &out, append([]string{"sts", "assume-role", "--role-arn", w.roleARN, "--role-session-name", session}, extra...)...)
	k := out.Credentials.AccessKeyId
	if !strings.HasPrefix(k, "ASIA") || len(k) != 20 || out.Credentials.SessionToken == "" {
		t.Fatalf("assume-role credentials: key %q, token present %v", k, out.Credentials.SessionToken != "")
	}
	if want := strings.Replace(strings.Replace(w.roleARN, ":iam:", ":sts:", 1), ":role/", ":assumed-role/", 1) + "/" + session; out.AssumedRoleUser.Arn != want {
		t.Errorf("AssumedRoleUser.Arn %q, want %q", out.AssumedRoleUser.Arn, want)
	}
	w.root.addProfile(t, session, k, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
	return out, w.root.withProfile(session)
}

func (w *identityWorld) advance(t *testing.T, d string) {
	t.Helper()
	if len(w.nodes) > 0 {
		w.advanceAll(t, d)
		return
	}
	r := w.root.admin(t, w.p, "clock", "advance", d)
	if !strings.Contains(r.stdout+r.stderr, "now") {
		t.Logf("signet admin clock advance %s printed:\n%s", d, r)
	}
}

// serverNow reads the server's lifetime clock.
func (w *identityWorld) serverNow(t *testing.T) time.Time {
	t.Helper()
	r := w.root.admin(t, w.p, "clock", "show", "--json")
	var v struct {
		Now time.Time `json:"now"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("clock show --json: %v\n%s", err, r)
	}
	return v.Now
}

func (w *identityWorld) wantBytes(t *testing.T, u, what string) {
	t.Helper()
	deadline := time.Now().Add(w.settle)
	for {
		r := w.root.curl(t, u)
		if r.status == 200 && string(r.body) == string(w.body) {
			return
		}
		if !time.Now().Before(deadline) {
			t.Fatalf("%s: status %d, %d bytes; want 200 with the object's %d bytes\n%s", what, r.status, len(r.body), len(w.body), r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type tokenError struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
	Token0  string `xml:"Token-0"`
	KeyID   string `xml:"AWSAccessKeyId"`
}

func (w *identityWorld) wantError(t *testing.T, u string, status int, code, message string) tokenError {
	t.Helper()
	deadline := time.Now().Add(w.settle)
	for {
		r := w.root.curl(t, u)
		var e tokenError
		err := xml.Unmarshal(r.body, &e)
		if err == nil && r.status == status && e.Code == code && (message == "" || e.Message == message) {
			return e
		}
		if !time.Now().Before(deadline) {
			t.Fatalf("want %d %s %q, got:\n%s", status, code, message, r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLifetimeRoleSessionAndUserKey(t *testing.T) {
	t.Parallel()
	lifetimeRoleSessionAndUserKey(t, newIdentityWorld(t))
}

// lifetimeRoleSessionAndUserKey: a role session's week-long URL dies with
// the session, a user key's lives the week, and not a second more.
func lifetimeRoleSessionAndUserKey(t *testing.T, w *identityWorld) {
	sess, ci := w.assume(t, "ci", "--duration-seconds", "43200")
	exp, err := time.Parse(time.RFC3339, sess.Credentials.Expiration)
	if err != nil {
		t.Fatalf("Expiration %q: %v", sess.Credentials.Expiration, err)
	}
	if d := time.Until(exp); d < 12*time.Hour-time.Minute || d > 12*time.Hour+time.Minute {
		t.Errorf("a 43200 s session expires in %v", d)
	}
	roleURL := ci.presignAt(t, w.p, "s3://life/yawning-cat.jpg", "--expires-in", "604800")
	userURL := w.alice.presignAt(t, w.p, "s3://life/yawning-cat.jpg", "--expires-in", "604800")
	w.wantBytes(t, roleURL, "URL signed by the role session")
	w.wantBytes(t, userURL, "URL signed by alice's key")

	list := w.root.admin(t, w.p, "session", "list")
	if !strings.Contains(list.stdout, sess.Credentials.AccessKeyId) {
		t.Errorf("signet admin session list does not show %s:\n%s", sess.Credentials.AccessKeyId, list)
	}

	// Just before 12 h the role's URL works; at 12 h plus 1 s it is dead.
	// (The exact second is pinned by unit tests with a fake clock; here
	// real seconds pass between calls.)
	w.advance(t, "11h59m")
	w.wantBytes(t, roleURL, "role URL a minute before the session ends")
	w.advance(t, "1m1s")
	e := w.wantError(t, roleURL, 400, "ExpiredToken", "The provided token has expired.")
	if e.Token0 != redact.Token(sess.Credentials.SessionToken) {
		t.Errorf("Token-0 = %q, want the session token's fingerprint", e.Token0)
	}
	w.wantBytes(t, userURL, "alice's URL after the role session ended")

	// The user's key signs for the full seven days.
	w.advance(t, "6d10h59m59s") // 6 d 23 h after signing
	w.wantBytes(t, userURL, "alice's URL at 6 days 23 hours")
	w.advance(t, "1h0m1s") // 7 days and 1 s (and then some)
	w.wantError(t, userURL, 403, "AccessDenied", "Request has expired")

	// A session issued now (in the moved time) lives 12 h from now.
	_, ci2 := w.assume(t, "ci2", "--duration-seconds", "43200")
	u := ci2.presignAt(t, w.p, "s3://life/yawning-cat.jpg", "--expires-in", "3600")
	// Its URL was dated by the client's real clock, a week before the
	// server's: it is already past its hour.
	w.wantError(t, u, 403, "AccessDenied", "Request has expired")
}

func TestLifetimeEndedEarly(t *testing.T) {
	t.Parallel()
	lifetimeEndedEarly(t, newIdentityWorld(t))
}

// lifetimeEndedEarly: a terminated session, older sessions revoked, a key
// deactivated and a user deleted each end their URLs early.
func lifetimeEndedEarly(t *testing.T, w *identityWorld) {
	// Terminating a session ends its URLs with ExpiredToken.
	doomed, dc := w.assume(t, "doomed")
	u := dc.presignAt(t, w.p, "s3://life/yawning-cat.jpg", "--expires-in", "3600")
	w.wantBytes(t, u, "URL of a live session")
	show := w.root.admin(t, w.p, "session", "show", doomed.Credentials.AccessKeyId, "--json")
	if !strings.Contains(show.stdout, `"active"`) {
		t.Errorf("session show before terminate:\n%s", show)
	}
	w.root.admin(t, w.p, "session", "terminate", doomed.Credentials.AccessKeyId)
	w.wantError(t, u, 400, "ExpiredToken", "The provided token has expired.")

	// Revoking older sessions (AWS's AWSRevokeOlderSessions policy) ends
	// them with AccessDenied; sessions issued afterwards are unaffected.
	_, old := w.assume(t, "old")
	oldURL := old.presignAt(t, w.p, "s3://life/yawning-cat.jpg", "--expires-in", "3600")
	w.wantBytes(t, oldURL, "URL of the old session")
	w.advance(t, "2s")
	cut := w.serverNow(t).UTC().Format(time.RFC3339)
	revoke := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + cut + `"}}}]}`
	w.root.at(t, w.p, "iam", "put-role-policy", "--role-name", "reader", "--policy-name", "AWSRevokeOlderSessions", "--policy-document", revoke)
	w.wantError(t, oldURL, 403, "AccessDenied", "")
	w.advance(t, "2s")
	_, fresh := w.assume(t, "fresh")
	w.wantBytes(t, fresh.presignAt(t, w.p, "s3://life/yawning-cat.jpg", "--expires-in", "3600"), "URL of a session issued after the revocation")

	// Deactivating alice's key ends her URLs with InvalidAccessKeyId;
	// reactivating brings them back; deleting ends them for good.
	userURL := w.alice.presignAt(t, w.p, "s3://life/yawning-cat.jpg", "--expires-in", "3600")
	w.wantBytes(t, userURL, "alice's URL")
	w.root.at(t, w.p, "iam", "update-access-key", "--user-name", "alice", "--access-key-id", w.aliceKey, "--status", "Inactive")
	e := w.wantError(t, userURL, 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	if e.KeyID != w.aliceKey {
		t.Errorf("AWSAccessKeyId %q, want %q", e.KeyID, w.aliceKey)
	}
	w.root.at(t, w.p, "iam", "update-access-key", "--user-name", "alice", "--access-key-id", w.aliceKey, "--status", "Active")
	w.wantBytes(t, userURL, "alice's URL after reactivation")

	// At most two keys; deleting the user needs its keys and policies gone
	// first, and then every URL its keys signed is dead.
	w.root.at(t, w.p, "iam", "create-access-key", "--user-name", "alice")
	w.root.atFails(t, w.p, "LimitExceeded", "iam", "create-access-key", "--user-name", "alice")
	w.root.atFails(t, w.p, "DeleteConflict", "iam", "delete-user", "--user-name", "alice")
	var keys struct {
		AccessKeyMetadata []struct{ AccessKeyId string }
	}
	w.root.atJSON(t, w.p, &keys, "iam", "list-access-keys", "--user-name", "alice")
	if len(keys.AccessKeyMetadata) != 2 {
		t.Fatalf("list-access-keys: %+v", keys)
	}
	for _, k := range keys.AccessKeyMetadata {
		w.root.at(t, w.p, "iam", "delete-access-key", "--user-name", "alice", "--access-key-id", k.AccessKeyId)
	}
	for _, name := range []string{"read-life", "assume"} {
		w.root.at(t, w.p, "iam", "delete-user-policy", "--user-name", "alice", "--policy-name", name)
	}
	w.root.at(t, w.p, "iam", "delete-user", "--user-name", "alice")
	w.wantError(t, userURL, 403, "InvalidAccessKeyId", "")
	w.root.atFails(t, w.p, "NoSuchEntity", "iam", "get-user", "--user-name", "alice")
}

func TestBucketPolicySignatureAge(t *testing.T) {
	t.Parallel()
	w := newIdentityWorld(t)
	w.root.at(t, w.p, "s3api", "put-bucket-policy", "--bucket", "life", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Sid":"TenMinuteURLs","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::life/*","Condition":{"NumericGreaterThan":{"s3:signatureAge":"600000"}}}]}`)
	var got struct{ Policy string }
	w.root.atJSON(t, w.p, &got, "s3api", "get-bucket-policy", "--bucket", "life")
	if !strings.Contains(got.Policy, "TenMinuteURLs") {
		t.Errorf("get-bucket-policy: %q", got.Policy)
	}
	u := w.alice.presignAt(t, w.p, "s3://life/yawning-cat.jpg", "--expires-in", "3600")
	w.wantBytes(t, u, "a fresh URL under the ten-minute policy")
	w.advance(t, "9m")
	w.wantBytes(t, u, "the URL at 9 min")
	w.advance(t, "1m1s")
	w.wantError(t, u, 403, "AccessDenied", "Access Denied")
	// Header-signed calls are as old as their signature, not the dev clock.
	w.alice.at(t, w.p, "s3api", "head-object", "--bucket", "life", "--key", "yawning-cat.jpg")
	w.root.at(t, w.p, "s3api", "delete-bucket-policy", "--bucket", "life")
	w.wantBytes(t, u, "the old URL once the policy is gone")
	w.root.atFails(t, w.p, "NoSuchBucketPolicy", "s3api", "get-bucket-policy", "--bucket", "life")
}

func TestBoto3Identities(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	requireTool(t, "curl", "--version")
	p := devServer(t)
	c := newClientEnv(t)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_identity.py"))
	if err != nil {
		t.Fatal(err)
	}
	r := c.run(t, "", "python3", script, p.endpoint, "botolife")
	var out map[string]any
	if err := json.Unmarshal([]byte(lastLine(r.stdout)), &out); err != nil {
		t.Fatalf("script output is not JSON: %v\n%s", err, r)
	}
	for _, k := range []string{"bob_secret", "role_secret", "role_token", "fed_secret", "fed_token", "bare_secret", "bare_token"} {
		if s, _ := out[k].(string); s != "" {
			rememberSecret(s)
		}
	}
	for _, k := range []string{"role_url", "fed_url"} {
		if s, _ := out[k].(string); s != "" {
			rememberSignature(s)
		}
	}
	if out["error"] != nil {
		t.Fatalf("boto3 flow failed: %v\n%v", out["error"], out["traceback"])
	}
	str := func(k string) string { s, _ := out[k].(string); return s }
	errCode := func(k string) (string, string, float64) {
		m, _ := out[k].(map[string]any)
		code, _ := m["code"].(string)
		msg, _ := m["message"].(string)
		st, _ := m["status"].(float64)
		return code, msg, st
	}
	if !strings.HasSuffix(str("user_arn"), ":user/bob") || str("bob_identity") != str("user_arn") {
		t.Errorf("user ARN %q, bob's caller identity %q", str("user_arn"), str("bob_identity"))
	}
	if v, _ := out["inline_doc_roundtrip"].(bool); !v {
		t.Errorf("get_user_policy did not return the document put")
	}
	if v, _ := out["role_max"].(float64); v != 43200 {
		t.Errorf("get_role MaxSessionDuration %v", out["role_max"])
	}
	if code, _, st := errCode("bad_max"); code != "ValidationError" || st != 400 {
		t.Errorf("create_role MaxSessionDuration 43201: %v", out["bad_max"])
	}
	if v, _ := out["short_max"].(float64); v != 3600 {
		t.Errorf("create_role without MaxSessionDuration: %v, want the default 3600", out["short_max"])
	}
	if code, msg, st := errCode("over_role_max"); code != "ValidationError" || st != 400 || msg != "The requested DurationSeconds exceeds the MaxSessionDuration set for this role." {
		t.Errorf("assume_role 7200 s of a 3600 s role: %v", out["over_role_max"])
	}
	if code, msg, st := errCode("too_long"); code != "ValidationError" || st != 400 || !strings.Contains(msg, "less than or equal to 43200") {
		t.Errorf("assume_role 43201 s: %v", out["too_long"])
	}
	if code, _, st := errCode("too_short"); code != "ValidationError" || st != 400 {
		t.Errorf("assume_role 899 s: %v", out["too_short"])
	}
	if !strings.HasPrefix(str("session_token_key"), "ASIA") {
		t.Errorf("get_session_token key %q", str("session_token_key"))
	}
	if exp, err := time.Parse(time.RFC3339, str("session_token_expiration")); err != nil || time.Until(exp) < 12*time.Hour-time.Minute || time.Until(exp) > 12*time.Hour+time.Minute {
		t.Errorf("get_session_token default Expiration %q: want 12 h from now", str("session_token_expiration"))
	}
	if !strings.HasSuffix(str("assumed_arn"), ":assumed-role/boto-reader/boto") || str("role_identity") != str("assumed_arn") {
		t.Errorf("assumed role ARN %q, caller identity %q", str("assumed_arn"), str("role_identity"))
	}
	if !strings.HasSuffix(str("fed_arn"), ":federated-user/fed") {
		t.Errorf("federated user ARN %q", str("fed_arn"))
	}
	if out["role_get"] != 200.0 || out["fed_get"] != 200.0 {
		t.Errorf("presigned GETs: role %v, federated %v; want 200", out["role_get"], out["fed_get"])
	}
	if code, _, st := errCode("bare_get"); code != "AccessDenied" || st != 403 {
		t.Errorf("a federation token without a session policy: %v, want 403 AccessDenied", out["bare_get"])
	}
	if code, _, st := errCode("third_key"); code != "LimitExceeded" || st != 409 {
		t.Errorf("third access key: %v", out["third_key"])
	}
	if code, _, st := errCode("missing_user"); code != "NoSuchEntity" || st != 404 {
		t.Errorf("get_user of a missing user: %v", out["missing_user"])
	}
	if out["anon_get"] != 403.0 {
		t.Errorf("anonymous GET of a private object: %v", out["anon_get"])
	}

	// 12 h and 1 s later both 12-hour sessions are over, and their
	// week-long URLs with them.
	w := &identityWorld{p: p, root: c}
	w.advance(t, "12h0m1s")
	for _, k := range []string{"role_url", "fed_url"} {
		r := c.curl(t, str(k))
		var e tokenError
		if err := xml.Unmarshal(r.body, &e); err != nil || r.status != 400 || e.Code != "ExpiredToken" {
			t.Errorf("%s after 12 h 1 s: want 400 ExpiredToken\n%s", k, r)
		}
	}
}

// Every IAM and STS command the README promises, as a new user types them.
func TestAWSCLIIAMAndSTSCommands(t *testing.T) {
	t.Parallel()
	w := newIdentityWorld(t)
	c, p := w.root, w.p
	var users struct{ Users []struct{ UserName string } }
	c.atJSON(t, p, &users, "iam", "list-users")
	if len(users.Users) != 1 || users.Users[0].UserName != "alice" {
		t.Errorf("list-users: %+v", users)
	}
	var got struct {
		User struct{ UserName, UserId string }
	}
	c.atJSON(t, p, &got, "iam", "get-user", "--user-name", "alice")
	if got.User.UserName != "alice" || !strings.HasPrefix(got.User.UserId, "AIDA") {
		t.Errorf("get-user: %+v", got)
	}
	var names struct{ PolicyNames []string }
	c.atJSON(t, p, &names, "iam", "list-user-policies", "--user-name", "alice")
	if strings.Join(names.PolicyNames, ",") != "assume,read-life" {
		t.Errorf("list-user-policies: %v", names.PolicyNames)
	}
	var up struct{ PolicyDocument map[string]any }
	c.atJSON(t, p, &up, "iam", "get-user-policy", "--user-name", "alice", "--policy-name", "read-life")
	if up.PolicyDocument["Version"] != "2012-10-17" {
		t.Errorf("get-user-policy document: %v", up.PolicyDocument)
	}

	c.at(t, p, "iam", "update-role", "--role-name", "reader", "--max-session-duration", "7200", "--description", "reads life")
	var role struct {
		Role struct {
			MaxSessionDuration int
			Description        string
		}
	}
	c.atJSON(t, p, &role, "iam", "get-role", "--role-name", "reader")
	if role.Role.MaxSessionDuration != 7200 || role.Role.Description != "reads life" {
		t.Errorf("get-role after update-role: %+v", role.Role)
	}
	var roles struct{ Roles []struct{ RoleName string } }
	c.atJSON(t, p, &roles, "iam", "list-roles")
	if len(roles.Roles) != 1 || roles.Roles[0].RoleName != "reader" {
		t.Errorf("list-roles: %+v", roles)
	}
	var rp struct{ PolicyNames []string }
	c.atJSON(t, p, &rp, "iam", "list-role-policies", "--role-name", "reader")
	if strings.Join(rp.PolicyNames, ",") != "read-life" {
		t.Errorf("list-role-policies: %v", rp.PolicyNames)
	}
	c.at(t, p, "iam", "get-role-policy", "--role-name", "reader", "--policy-name", "read-life")

	// Managed policies: create, attach to a user and a role, list, detach.
	var pol struct{ Policy struct{ Arn string } }
	c.atJSON(t, p, &pol, "iam", "create-policy", "--policy-name", "writer",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::life/*"}]}`)
	c.at(t, p, "iam", "attach-user-policy", "--user-name", "alice", "--policy-arn", pol.Policy.Arn)
	c.at(t, p, "iam", "attach-role-policy", "--role-name", "reader", "--policy-arn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	var att struct{ AttachedPolicies []struct{ PolicyArn string } }
	c.atJSON(t, p, &att, "iam", "list-attached-user-policies", "--user-name", "alice")
	if len(att.AttachedPolicies) != 1 || att.AttachedPolicies[0].PolicyArn != pol.Policy.Arn {
		t.Errorf("list-attached-user-policies: %+v", att)
	}
	// The attached policy lets alice upload; without it she cannot.
	src := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(src, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.alice.at(t, p, "s3", "cp", src, "s3://life/note.txt")
	c.atFails(t, p, "DeleteConflict", "iam", "delete-policy", "--policy-arn", pol.Policy.Arn)
	c.at(t, p, "iam", "detach-user-policy", "--user-name", "alice", "--policy-arn", pol.Policy.Arn)
	r := w.alice.run(t, "", "aws", "--endpoint-url", p.endpoint, "s3", "cp", src, "s3://life/note2.txt")
	if r.err == nil || !strings.Contains(r.stderr, "AccessDenied") {
		t.Errorf("upload after detaching the policy: want AccessDenied\n%s", r)
	}
	c.at(t, p, "iam", "delete-policy", "--policy-arn", pol.Policy.Arn)
	c.atJSON(t, p, &att, "iam", "list-attached-role-policies", "--role-name", "reader")
	if len(att.AttachedPolicies) != 1 || !strings.HasSuffix(att.AttachedPolicies[0].PolicyArn, "AmazonS3ReadOnlyAccess") {
		t.Errorf("list-attached-role-policies: %+v", att)
	}

	// STS from the CLI.
	var id struct{ Arn, Account, UserId string }
	w.alice.atJSON(t, p, &id, "sts", "get-caller-identity")
	if id.Arn != w.aliceARN {
		t.Errorf("get-caller-identity as alice: %+v", id)
	}
	var st stsCreds
	w.alice.atJSON(t, p, &st, "sts", "get-session-token", "--duration-seconds", "900")
	rememberSecret(st.Credentials.SecretAccessKey)
	rememberSecret(st.Credentials.SessionToken)
	if !strings.HasPrefix(st.Credentials.AccessKeyId, "ASIA") {
		t.Errorf("get-session-token: %+v", st.Credentials.AccessKeyId)
	}
	w.alice.atFails(t, p, "AccessDenied", "sts", "get-federation-token", "--name", "visitor")
	c.at(t, p, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "federate",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"}]}`)
	var fed struct {
		Credentials   struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		FederatedUser struct{ Arn string }
	}
	w.alice.atJSON(t, p, &fed, "sts", "get-federation-token", "--name", "visitor",
		"--policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	rememberSecret(fed.Credentials.SecretAccessKey)
	rememberSecret(fed.Credentials.SessionToken)
	if !strings.HasSuffix(fed.FederatedUser.Arn, ":federated-user/visitor") {
		t.Errorf("get-federation-token: %+v", fed.FederatedUser)
	}
	w.alice.atFails(t, p, "ValidationError", "sts", "assume-role", "--role-arn", w.roleARN, "--role-session-name", "toolong", "--duration-seconds", "7201")

	// Tear down in AWS's order.
	c.at(t, p, "iam", "detach-role-policy", "--role-name", "reader", "--policy-arn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	c.atFails(t, p, "DeleteConflict", "iam", "delete-role", "--role-name", "reader")
	c.at(t, p, "iam", "delete-role-policy", "--role-name", "reader", "--policy-name", "read-life")
	c.at(t, p, "iam", "delete-role", "--role-name", "reader")
	c.atFails(t, p, "NoSuchEntity", "iam", "get-role", "--role-name", "reader")
}
