package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/secret"
	"signet/internal/server"
	"signet/internal/sigv4"
)

// The IAM commands run against signet itself, in process: a real server
// on a fake clock (frozen at iamT0, moved only by 'signet admin clock
// advance'), with the dev clock on. Each test is a transcript of
// commands, their exit codes, the calls that reached the server and
// their output, compared with testdata/admin_<name>.golden after the
// random parts (account ID, generated IDs, secrets, request IDs) are
// replaced by stable names.

var iamT0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

const iamRegion = "us-east-1"

type signetEnv struct {
	t     *testing.T
	srv   *server.Server
	ts    *httptest.Server
	fake  *clock.Fake
	calls *callLog
	out   strings.Builder // the transcript
	// lastCalls are the calls the last command made.
	lastCalls []string
	// secrets holds every secret key printed, to prove where each shows.
	secrets []string
	// dir holds the test's files; the transcript shows it as TMPDIR.
	dir string
	// stdin, when not "", is the next command's standard input.
	stdin string
}

// callLog records the IAM actions and admin API calls that reach the
// server, so a transcript shows what each command sent (and that a usage
// error sent nothing).
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.Method + " " + r.URL.Path
		if strings.Contains(r.Header.Get("Authorization"), "/iam/aws4_request") ||
			strings.Contains(r.Header.Get("Authorization"), "/sts/aws4_request") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			form, _ := url.ParseQuery(string(body))
			svc := "iam"
			if strings.Contains(r.Header.Get("Authorization"), "/sts/") {
				svc = "sts"
			}
			name = svc + ":" + form.Get("Action")
		}
		l.mu.Lock()
		l.calls = append(l.calls, name)
		l.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (l *callLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.calls
	l.calls = nil
	return c
}

// startSignet starts signet in process with the root credentials the
// AWS environment (isolateAWS) already holds, and points
// AWS_ENDPOINT_URL at it.
func startSignet(t *testing.T) *signetEnv {
	t.Helper()
	isolateAWS(t)
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.Region = iamRegion
	cfg.RootAccessKeyID, cfg.RootSecret = adminAKID, adminSecret
	cfg.DevClock = true
	cfg.TLSCert, cfg.TLSKey = "", ""
	fake := clock.NewFake(iamT0)
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), fake)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	e := &signetEnv{t: t, srv: srv, fake: fake, calls: &callLog{}, dir: t.TempDir()}
	e.ts = httptest.NewServer(e.calls.wrap(srv.Handler()))
	t.Cleanup(func() {
		e.ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("srv.Close: %v", err)
		}
	})
	t.Setenv("AWS_ENDPOINT_URL", e.ts.URL)
	return e
}

// admin runs `signet admin args…`, signing at the fake clock's time, and
// adds it to the transcript.
func (e *signetEnv) admin(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	env := Env{Ctx: context.Background(), Args: append([]string{"admin"}, args...), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Now: e.fake.Now}
	if e.stdin != "" {
		env.Stdin, e.stdin = strings.NewReader(e.stdin), ""
	}
	code = Main(env)
	fmt.Fprintf(&e.out, "$ signet admin %s\nexit %d\n-- calls --\n", strings.Join(args, " "), code)
	e.lastCalls = e.calls.take()
	for _, c := range e.lastCalls {
		e.out.WriteString(c + "\n")
	}
	e.out.WriteString("-- stdout --\n" + out.String() + "-- stderr --\n" + errb.String())
	return code, out.String(), errb.String()
}

// must runs a command that has to succeed.
func (e *signetEnv) must(args ...string) string {
	e.t.Helper()
	code, out, errs := e.admin(args...)
	if code != 0 {
		e.t.Fatalf("signet admin %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// fails runs a command that has to fail with code, mentioning want.
func (e *signetEnv) fails(code int, want string, args ...string) {
	e.t.Helper()
	got, out, errs := e.admin(args...)
	if got != code || !strings.Contains(errs, want) || out != "" {
		e.t.Fatalf("signet admin %s: exit %d, want %d and %q on stderr\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, want, out, errs)
	}
}

// note adds a line about a check made outside the CLI to the transcript.
func (e *signetEnv) note(format string, a ...any) {
	fmt.Fprintf(&e.out, "# "+format+"\n", a...)
}

// createKey runs `key create USER --json` and returns the credentials.
func (e *signetEnv) createKey(user string) sigv4.Credentials {
	e.t.Helper()
	var k struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
	}
	if err := json.Unmarshal([]byte(e.must("key", "create", user, "--json")), &k); err != nil {
		e.t.Fatal(err)
	}
	e.secrets = append(e.secrets, k.SecretAccessKey)
	return sigv4.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: secret.New(k.SecretAccessKey)}
}

func (e *signetEnv) root() sigv4.Credentials {
	return sigv4.Credentials{AccessKeyID: adminAKID, SecretAccessKey: secret.New(adminSecret)}
}

// signed sends a request signed in the header at the server's real
// (fake) time, which its skew check uses; the outcome is not part of the
// transcript, so its calls are dropped.
func (e *signetEnv) signed(c sigv4.Credentials, service, method, path string, form url.Values, body []byte) (int, []byte) {
	e.t.Helper()
	if form != nil {
		body = []byte(form.Encode())
	}
	req, err := http.NewRequest(method, e.ts.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	mode := sigv4.Generic
	if service == "s3" {
		mode = sigv4.S3
	}
	if err := sigv4.SignHeader(req, c, iamRegion, service, e.fake.Now(), sigv4.HexSHA256(body), mode); err != nil {
		e.t.Fatal(err)
	}
	return e.send(req)
}

func (e *signetEnv) send(req *http.Request) (int, []byte) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	e.calls.take()
	return resp.StatusCode, b
}

// session obtains temporary credentials from STS (AssumeRole or
// GetSessionToken) signed with c.
func (e *signetEnv) session(c sigv4.Credentials, params ...string) sigv4.Credentials {
	e.t.Helper()
	form := url.Values{"Version": {"2011-06-15"}}
	for i := 0; i+1 < len(params); i += 2 {
		form.Set(params[i], params[i+1])
	}
	status, body := e.signed(c, "sts", http.MethodPost, "/", form, nil)
	var res struct {
		Assume struct {
			Creds struct{ AccessKeyId, SecretAccessKey, SessionToken string } `xml:"Credentials"`
		} `xml:"AssumeRoleResult"`
		Token struct {
			Creds struct{ AccessKeyId, SecretAccessKey, SessionToken string } `xml:"Credentials"`
		} `xml:"GetSessionTokenResult"`
	}
	if status != 200 || xml.Unmarshal(body, &res) != nil {
		e.t.Fatalf("STS %s: %d\n%s", form.Get("Action"), status, body)
	}
	c2 := res.Assume.Creds
	if c2.AccessKeyId == "" {
		c2 = res.Token.Creds
	}
	return sigv4.Credentials{AccessKeyID: c2.AccessKeyId, SecretAccessKey: secret.New(c2.SecretAccessKey), SessionToken: c2.SessionToken}
}

// getObject fetches life/cat through a URL presigned with c at the
// server's lifetime time, and returns the status and the S3 error code.
func (e *signetEnv) getObject(c sigv4.Credentials) (int, string) {
	e.t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: http.MethodGet, URL: e.ts.URL + "/life/cat", Credentials: c, Region: iamRegion, Service: "s3",
		Time: e.srv.Clock.Now(), Expires: time.Hour, Mode: sigv4.S3,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	status, body := e.send(req)
	var s3err struct{ Code string }
	_ = xml.Unmarshal(body, &s3err)
	return status, s3err.Code
}

// bucketWithCat creates bucket life holding object cat, as root.
func (e *signetEnv) bucketWithCat() {
	e.t.Helper()
	if s, b := e.signed(e.root(), "s3", http.MethodPut, "/life", nil, nil); s != 200 {
		e.t.Fatalf("create bucket: %d %s", s, b)
	}
	if s, b := e.signed(e.root(), "s3", http.MethodPut, "/life/cat", nil, []byte("meow")); s != 200 {
		e.t.Fatalf("put object: %d %s", s, b)
	}
}

var (
	generatedID = regexp.MustCompile(`\b(AKIA|AIDA|AROA|ASIA)[A-Z0-9]{16}\b`)
	requestID   = regexp.MustCompile(`request ID [0-9A-Za-z-]+`)
)

// golden compares the transcript with testdata/admin_<name>.golden after
// replacing what differs between runs by stable names of the same length
// (so tables stay aligned): IDs by order of appearance.
func (e *signetEnv) golden(name string) {
	e.t.Helper()
	got := e.out.String()
	got = strings.ReplaceAll(got, e.ts.URL, "http://ENDPOINT")
	got = strings.ReplaceAll(got, e.dir, "TMPDIR")
	got = strings.ReplaceAll(got, e.srv.Root().AccountID, "123456789012")
	for i, s := range e.secrets {
		got = strings.ReplaceAll(got, s, fmt.Sprintf("SECRET-%d-%s", i+1, strings.Repeat("x", len(s)-len("SECRET-1-"))))
	}
	seen := map[string]string{}
	count := map[string]int{}
	got = generatedID.ReplaceAllStringFunc(got, func(id string) string {
		if strings.Contains(id, "EXAMPLE") || madeUpKeyID(id) {
			return id // the tests' own IDs: the root's, made-up unknown ones
		}
		if r, ok := seen[id]; ok {
			return r
		}
		p := id[:4]
		count[p]++
		seen[id] = fmt.Sprintf("%sEXAMPLE%09d", p, count[p])
		return seen[id]
	})
	got = requestID.ReplaceAllString(got, "request ID REQUESTID")
	compareGolden(e.t, filepath.Join("testdata", "admin_"+name+".golden"), got)
}

// madeUpKeyID reports whether id is one of the tests' own made-up key IDs
// (AKIANOSUCHKEY…, AKIANOBODY…), which goldens keep as they are. A prefix
// as short as "AKIANO" also matched about one generated key in 1,300, and
// that golden then differed (the flake of TestInspectServerGolden).
func madeUpKeyID(id string) bool {
	return strings.HasPrefix(id, "AKIANOSUCHKEY") || strings.HasPrefix(id, "AKIANOBODY")
}

// TestAdminUsersAndKeys: the life of a user and its keys. The secret is
// printed by key create only, once, and never by anything else.
func TestAdminUsersAndKeys(t *testing.T) {
	e := startSignet(t)
	e.must("user", "list")
	e.must("user", "create", "alice")
	e.must("user", "create", "bob", "--json")
	e.must("user", "list")
	e.must("user", "list", "--json")

	_, keyOut, keyErr := e.admin("key", "create", "alice")
	m := regexp.MustCompile(`(?m)^export AWS_ACCESS_KEY_ID=(AKIA\w{16})\nexport AWS_SECRET_ACCESS_KEY=(\S{40})\n\z`).FindStringSubmatch(keyOut)
	if m == nil {
		t.Fatalf("key create stdout is not two export lines:\n%s", keyOut)
	}
	if !strings.Contains(keyErr, "shown only this once") || strings.Contains(keyErr, m[2]) {
		t.Fatalf("key create stderr should warn and not repeat the secret:\n%s", keyErr)
	}
	e.secrets = append(e.secrets, m[2])
	alice := sigv4.Credentials{AccessKeyID: m[1], SecretAccessKey: secret.New(m[2])}
	// Keys are listed by creation time, then by their random IDs: a
	// second apart, their order is fixed.
	e.srv.Clock.Advance(time.Second)
	second := e.createKey("alice")

	// The keys work: alice may call GetCallerIdentity with either.
	for _, c := range []sigv4.Credentials{alice, second} {
		if s, b := e.signed(c, "sts", http.MethodPost, "/", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, nil); s != 200 || !bytes.Contains(b, []byte(":user/alice")) {
			t.Fatalf("GetCallerIdentity with a new key: %d %s", s, b)
		}
	}
	e.note("both keys of alice answer sts:GetCallerIdentity as arn:aws:iam::123456789012:user/alice")

	e.must("key", "list", "alice")
	e.must("key", "list", "alice", "--json")
	e.must("key", "deactivate", "alice", second.AccessKeyID)
	if s, _ := e.signed(second, "sts", http.MethodPost, "/", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, nil); s != 403 {
		t.Fatalf("an Inactive key still works: %d", s)
	}
	e.note("the Inactive key is refused (403)")
	e.must("key", "list", "alice")
	e.must("key", "activate", "alice", second.AccessKeyID, "--json")
	e.must("user", "attach", "alice", "read-only")
	e.must("user", "attach", "alice", "arn:aws:iam::aws:policy/IAMReadOnlyAccess", "--json")
	e.must("user", "show", "alice")
	e.must("user", "show", "alice", "--json")
	e.must("key", "delete", "alice", second.AccessKeyID)
	e.must("key", "list", "bob")
	e.must("user", "delete", "bob", "--json")
	e.must("user", "delete", "alice", "--force")
	e.must("user", "list")

	// Each secret appears in the transcript exactly once: where it was
	// created.
	all := e.out.String()
	for i, s := range e.secrets {
		if n := strings.Count(all, s); n != 1 {
			t.Errorf("secret %d appears %d times in the transcript; want once, at its creation", i+1, n)
		}
	}
	e.golden("iam_users_and_keys")
}

// TestAdminRoles: create with --trust (user names, ARNs, accounts) or a
// --trust-policy file, show, attach, list and delete.
func TestAdminRoles(t *testing.T) {
	e := startSignet(t)
	e.must("user", "create", "alice")
	e.must("role", "list")
	e.must("role", "create", "reader", "--trust", "alice", "--max-session-duration", "12h", "--policy", "read-only")
	e.must("role", "create", "ops", "--trust", "arn:aws:iam::"+e.srv.Root().AccountID+":user/alice", "--trust", e.srv.Root().AccountID,
		"--policy", "full-access", "--policy", "arn:aws:iam::aws:policy/IAMReadOnlyAccess", "--json")

	trust := filepath.Join(e.dir, "trust.json")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + e.srv.Root().AccountID +
		`:user/alice"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"tea"}}}]}`
	if err := os.WriteFile(trust, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, _ := e.admin("role", "create", "auditor", "--trust-policy", trust)
	if code != 0 {
		t.Fatalf("role create --trust-policy: exit %d", code)
	}
	e.must("role", "attach", "auditor", "admin")
	e.must("role", "attach", "auditor", "arn:aws:iam::aws:policy/IAMReadOnlyAccess", "--json")
	e.must("role", "list")
	e.must("role", "list", "--json")
	e.must("role", "show", "reader")
	e.must("role", "show", "auditor", "--json")

	// The role works: alice assumes it for its full 12 hours.
	e.bucketWithCat()
	alice := e.createKey("alice")
	sess := e.session(alice, "Action", "AssumeRole", "RoleArn", "arn:aws:iam::"+e.srv.Root().AccountID+":role/reader",
		"RoleSessionName", "ci", "DurationSeconds", "43200")
	if s, code := e.getObject(sess); s != 200 {
		t.Fatalf("role session GET: %d %s", s, code)
	}
	e.note("alice assumed reader for 43200 s and read life/cat (200)")

	e.must("role", "delete", "ops", "--force")
	e.must("role", "delete", "auditor", "--force", "--json")
	e.must("role", "list")
	e.golden("iam_roles")
}

// TestAdminRevokeRole: revoking a role's sessions denies those issued
// before the server's now (the dev clock's, not this machine's), and
// leaves those issued after working.
func TestAdminRevokeRole(t *testing.T) {
	e := startSignet(t)
	e.bucketWithCat()
	e.must("user", "create", "alice")
	alice := e.createKey("alice")
	e.must("role", "create", "reader", "--trust", "alice", "--policy", "read-only")
	roleARN := "arn:aws:iam::" + e.srv.Root().AccountID + ":role/reader"

	// The server's clock runs a day ahead of the CLI's: a cutoff taken
	// from the CLI's clock would spare the session below.
	e.must("clock", "advance", "24h")
	before := e.session(alice, "Action", "AssumeRole", "RoleArn", roleARN, "RoleSessionName", "before")
	if s, code := e.getObject(before); s != 200 {
		t.Fatalf("GET before the revoke: %d %s", s, code)
	}
	e.note("session 'before' (issued at the server's 2026-11-28T10:00:00Z) reads life/cat: 200")

	e.must("revoke", "role", "reader")
	if s, code := e.getObject(before); s != 403 || code != "AccessDenied" {
		t.Fatalf("GET with a session issued before the revoke: %d %s, want 403 AccessDenied", s, code)
	}
	e.note("session 'before' now: 403 AccessDenied")

	e.must("clock", "advance", "1s")
	after := e.session(alice, "Action", "AssumeRole", "RoleArn", roleARN, "RoleSessionName", "after")
	if s, code := e.getObject(after); s != 200 {
		t.Fatalf("GET with a session issued after the revoke: %d %s", s, code)
	}
	if s, code := e.getObject(before); s != 403 || code != "AccessDenied" {
		t.Fatalf("the older session came back: %d %s", s, code)
	}
	e.note("session 'after' (issued 1s after the revoke) reads life/cat: 200; 'before' still 403 AccessDenied")

	// Revoking again moves the cutoff past 'after' too.
	e.must("revoke", "role", "reader", "--json")
	if s, code := e.getObject(after); s != 403 || code != "AccessDenied" {
		t.Fatalf("second revoke spared the session 'after': %d %s", s, code)
	}
	e.note("after the second revoke, session 'after': 403 AccessDenied")
	e.must("role", "show", "reader")
	e.golden("iam_revoke_role")
}

// TestAdminRevokeUser: revoking a user ends its GetSessionToken sessions
// issued before now; its long-term key keeps working.
func TestAdminRevokeUser(t *testing.T) {
	e := startSignet(t)
	e.bucketWithCat()
	e.must("user", "create", "alice")
	e.must("user", "attach", "alice", "read-only")
	alice := e.createKey("alice")
	before := e.session(alice, "Action", "GetSessionToken")
	if s, code := e.getObject(before); s != 200 {
		t.Fatalf("GET before the revoke: %d %s", s, code)
	}
	e.note("GetSessionToken session 'before' reads life/cat: 200")

	e.must("revoke", "user", "alice")
	if s, code := e.getObject(before); s != 403 || code != "AccessDenied" {
		t.Fatalf("GET with a session issued before the revoke: %d %s, want 403 AccessDenied", s, code)
	}
	if s, code := e.getObject(alice); s != 200 {
		t.Fatalf("alice's long-term key stopped working: %d %s", s, code)
	}
	e.note("session 'before': 403 AccessDenied; alice's long-term key still reads life/cat: 200")

	e.must("clock", "advance", "1s")
	after := e.session(alice, "Action", "GetSessionToken")
	if s, code := e.getObject(after); s != 200 {
		t.Fatalf("GET with a session issued after the revoke: %d %s", s, code)
	}
	e.note("session 'after' (issued 1s later) reads life/cat: 200")
	e.must("user", "show", "alice")
	e.golden("iam_revoke_user")
}

// TestAdminIAMErrors: what each IAM error says and what it suggests, and
// usage errors that exit 2 before any call.
func TestAdminIAMErrors(t *testing.T) {
	e := startSignet(t)
	e.must("user", "create", "alice")
	alice := e.createKey("alice")
	e.must("role", "create", "reader", "--trust", "alice", "--policy", "read-only")

	e.fails(1, "NoSuchEntity", "user", "show", "nobody")
	e.fails(1, "EntityAlreadyExists", "user", "create", "alice")
	e.fails(1, "DeleteConflict", "user", "delete", "alice")
	e.createKey("alice")
	e.fails(1, "LimitExceeded", "key", "create", "alice")
	e.fails(1, "NoSuchEntity", "key", "delete", "alice", "AKIANOSUCHKEY0000000")
	e.fails(1, "NoSuchEntity", "key", "list", "nobody")
	e.fails(1, "NoSuchEntity", "role", "show", "nobody")
	e.fails(1, "EntityAlreadyExists", "role", "create", "reader", "--trust", "alice")
	e.fails(1, "NoSuchEntity", "role", "create", "writer", "--trust", "nobody")
	e.fails(1, "NoSuchEntity", "role", "create", "writer", "--trust", "alice", "--policy", "arn:aws:iam::aws:policy/NoSuchPolicy")
	e.fails(1, "NoSuchEntity", "role", "show", "writer") // nothing was left behind
	e.fails(1, "DeleteConflict", "role", "delete", "reader")
	e.fails(1, "NoSuchEntity", "role", "attach", "reader", "arn:aws:iam::"+e.srv.Root().AccountID+":policy/missing")
	e.fails(1, "NoSuchEntity", "revoke", "role", "nobody")
	e.fails(1, "NoSuchEntity", "revoke", "user", "nobody")

	// alice has no IAM permissions; an unknown key is refused.
	t.Setenv("AWS_ACCESS_KEY_ID", alice.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", alice.SecretAccessKey.Reveal())
	e.fails(1, "AccessDenied", "user", "list")
	e.fails(1, "AccessDenied", "revoke", "role", "reader")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIANOBODY0000000000")
	e.fails(1, "InvalidClientTokenId", "role", "list")
	t.Setenv("AWS_ACCESS_KEY_ID", adminAKID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", adminSecret)

	// Usage errors: exit 2, nothing sent.
	trust := filepath.Join(e.dir, "trust.json")
	if err := os.WriteFile(trust, []byte("Principal: alice"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"user", "create"},
		{"user", "create", "al ice"},
		{"user", "create", strings.Repeat("a", 65)},
		{"user", "delete", "alice", "--force=maybe"},
		{"key", "delete", "alice", "not-a-key"},
		{"key", "list", "alice", "bob"},
		{"role", "create", "writer"},
		{"role", "create", "writer", "--trust", "alice", "--trust-policy", trust},
		{"role", "create", "writer", "--trust-policy", trust},
		{"role", "create", "writer", "--trust-policy", filepath.Join(e.dir, "missing.json")},
		{"role", "create", "writer", "--trust", "arn:aws:s3:::bucket"},
		{"role", "create", "writer", "--trust", "alice", "--max-session-duration", "13h"},
		{"role", "create", "writer", "--trust", "alice", "--max-session-duration", "30m"},
		{"role", "create", "writer", "--trust", "alice", "--max-session-duration", "soon"},
		{"role", "create", "writer", "--trust", "alice", "--policy", "everything"},
		{"role", "create", "writer", "--trust", "alice", "--trust-policy"},
		{"role", "attach", "reader", "AmazonS3ReadOnlyAccess"},
		{"revoke", "role"},
		{"revoke", "group", "admins"},
	} {
		code, out, errs := e.admin(args...)
		if code != 2 || out != "" || errs == "" || len(e.lastCalls) != 0 {
			t.Errorf("%v: exit %d, stdout %q, calls %q; want exit 2, a message and no call", args, code, out, e.lastCalls)
		}
	}
	e.golden("iam_errors")
}

// TestAdminIAMUnreachableAndNoCredentials: transport and credential
// failures of IAM commands say what to do, as the admin API's do.
func TestAdminIAMUnreachableAndNoCredentials(t *testing.T) {
	isolateAWS(t)
	ts := httptest.NewServer(http.NotFoundHandler())
	endpoint := ts.URL
	ts.Close()
	code, _, errs := runAdminArgs("user", "list", "--endpoint-url", endpoint)
	if code != 1 || !strings.Contains(errs, "could not reach "+endpoint) {
		t.Fatalf("unreachable: %d %q", code, errs)
	}

	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	code, _, errs = runAdminArgs("user", "list", "--endpoint-url", endpoint)
	if code != 1 || !strings.Contains(errs, "retrieving credentials") || !strings.Contains(errs, "AWS_ACCESS_KEY_ID") {
		t.Fatalf("no credentials: %d %q", code, errs)
	}

	// Something that is not signet answers HTML.
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>502</html>")
	}))
	defer html.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", adminAKID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", adminSecret)
	code, _, errs = runAdminArgs("role", "list", "--endpoint-url", html.URL)
	if code != 1 || !strings.Contains(errs, "HTTP 502") || !strings.Contains(errs, "did not answer as IAM") {
		t.Fatalf("HTML answer: %d %q", code, errs)
	}
}

// TestRevokeCutoffIsTheServersClock checks the number the golden files
// show: the cutoff is the first millisecond after the server's now.
func TestRevokeCutoffIsTheServersClock(t *testing.T) {
	e := startSignet(t)
	e.must("user", "create", "alice")
	e.must("clock", "advance", "36h0m0.0004s")
	out := e.must("revoke", "user", "alice", "--json")
	var r struct {
		IssuedBefore time.Time `json:"issued_before"`
		ServerNow    time.Time `json:"server_now"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	want := iamT0.Add(36*time.Hour + time.Millisecond)
	if !r.IssuedBefore.Equal(want) || !r.ServerNow.Equal(iamT0.Add(36*time.Hour+400*time.Microsecond)) {
		t.Fatalf("issued_before %s, server_now %s; want %s", r.IssuedBefore, r.ServerNow, want)
	}
	if !strings.Contains(out, `"aws:TokenIssueTime": "`+want.Format("2006-01-02T15:04:05.000Z")+`"`) {
		t.Fatalf("policy lacks the cutoff:\n%s", out)
	}
}
