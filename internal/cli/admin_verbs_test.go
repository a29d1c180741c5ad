package cli

import (
	"bytes"
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
	"strings"
	"testing"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/secret"
	"signet/internal/server"
	"signet/internal/sigv4"
)

// The verbs that change a user's or role's policies and a role's longest
// session, against signet in process: each change is seen in 'show' and
// in what the server then allows.

// writeFile writes a file of the test's and returns its path.
func (e *signetEnv) writeFile(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// stsStatus calls STS with c and returns the HTTP status and the error
// code, "" on success.
func (e *signetEnv) stsStatus(c sigv4.Credentials, params ...string) (int, string) {
	e.t.Helper()
	form := url.Values{"Version": {"2011-06-15"}}
	for i := 0; i+1 < len(params); i += 2 {
		form.Set(params[i], params[i+1])
	}
	status, body := e.signed(c, "sts", http.MethodPost, "/", form, nil)
	var res struct {
		Error struct{ Code string }
	}
	_ = xml.Unmarshal(body, &res)
	return status, res.Error.Code
}

// TestAdminDetach: attach, then detach, and the permission goes with it,
// for a user's key and a role's live session alike.
func TestAdminDetach(t *testing.T) {
	e := startSignet(t)
	e.bucketWithCat()
	e.must("user", "create", "alice")
	alice := e.createKey("alice")
	e.must("user", "attach", "alice", "read-only")
	e.must("user", "attach", "alice", "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
	if s, code := e.getObject(alice); s != 200 {
		t.Fatalf("GET with read-only attached: %d %s", s, code)
	}
	e.note("alice reads life/cat: 200")

	e.must("user", "detach", "alice", "read-only")
	if out := e.must("user", "show", "alice"); strings.Contains(out, "AmazonS3ReadOnlyAccess") || !strings.Contains(out, "IAMReadOnlyAccess") {
		t.Fatalf("user show after detach:\n%s", out)
	}
	if s, code := e.getObject(alice); s != 403 || code != "AccessDenied" {
		t.Fatalf("GET after detach: %d %s, want 403 AccessDenied", s, code)
	}
	e.note("alice after the detach: 403 AccessDenied")
	e.fails(1, "NoSuchEntity", "user", "detach", "alice", "read-only")
	e.must("user", "detach", "alice", "arn:aws:iam::aws:policy/IAMReadOnlyAccess", "--json")
	e.must("user", "show", "alice")

	roleARN := "arn:aws:iam::" + e.srv.Root().AccountID + ":role/reader"
	e.must("role", "create", "reader", "--trust", "alice", "--policy", "read-only")
	sess := e.session(alice, "Action", "AssumeRole", "RoleArn", roleARN, "RoleSessionName", "ci")
	if s, code := e.getObject(sess); s != 200 {
		t.Fatalf("role session GET: %d %s", s, code)
	}
	e.note("alice's session of reader reads life/cat: 200")
	e.must("role", "detach", "reader", "read-only", "--json")
	if s, code := e.getObject(sess); s != 403 || code != "AccessDenied" {
		t.Fatalf("role session GET after detach: %d %s, want 403 AccessDenied", s, code)
	}
	e.note("the same session after the detach: 403 AccessDenied")
	e.must("role", "show", "reader")
	e.fails(1, "NoSuchEntity", "role", "detach", "reader", "full-access")
	e.fails(1, "NoSuchEntity", "role", "detach", "nobody", "read-only")
	e.golden("iam_detach")
}

// TestAdminInlinePolicies: put an inline policy from a file, see it work
// and listed, delete it and see the permission go; deleting
// AWSRevokeOlderSessions lifts a revocation.
func TestAdminInlinePolicies(t *testing.T) {
	e := startSignet(t)
	e.bucketWithCat()
	e.must("user", "create", "alice")
	alice := e.createKey("alice")
	if s, code := e.getObject(alice); s != 403 {
		t.Fatalf("GET with no policy: %d %s", s, code)
	}
	e.note("alice, with no policy, is denied life/cat (403)")

	reads := e.writeFile("reads.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::life/*"}]}`)
	e.must("user", "put-policy", "alice", "reads", "--policy-document", reads)
	if s, code := e.getObject(alice); s != 200 {
		t.Fatalf("GET with the inline policy: %d %s", s, code)
	}
	e.note("alice with inline policy reads: 200")
	var shown struct {
		InlinePolicies []struct {
			PolicyName string          `json:"policy_name"`
			Document   json.RawMessage `json:"document"`
		} `json:"inline_policies"`
	}
	if err := json.Unmarshal([]byte(e.must("user", "show", "alice", "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	if len(shown.InlinePolicies) != 1 || shown.InlinePolicies[0].PolicyName != "reads" || !strings.Contains(string(shown.InlinePolicies[0].Document), `"arn:aws:s3:::life/*"`) {
		t.Fatalf("user show --json lists %+v", shown.InlinePolicies)
	}
	// Putting again under the same name replaces it: a Deny now.
	denies := e.writeFile("denies.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`)
	e.must("user", "put-policy", "alice", "reads", "--policy-document", "file://"+denies, "--json")
	if s, code := e.getObject(alice); s != 403 {
		t.Fatalf("GET after replacing the policy with a deny: %d %s", s, code)
	}
	e.note("the policy replaced by a Deny: 403")
	e.must("user", "delete-policy", "alice", "reads")
	e.must("user", "show", "alice")
	e.fails(1, "NoSuchEntity", "user", "delete-policy", "alice", "reads")
	e.fails(1, "MalformedPolicyDocument", "user", "put-policy", "alice", "bad", "--policy-document", e.writeFile("bad.json", `{"Statement":"everything"}`))

	// A role: its inline policy reaches live sessions, and deleting the
	// revocation policy gives older sessions back their access.
	roleARN := "arn:aws:iam::" + e.srv.Root().AccountID + ":role/reader"
	e.must("role", "create", "reader", "--trust", "alice")
	e.must("role", "put-policy", "reader", "reads", "--policy-document", reads)
	sess := e.session(alice, "Action", "AssumeRole", "RoleArn", roleARN, "RoleSessionName", "ci")
	if s, code := e.getObject(sess); s != 200 {
		t.Fatalf("role session GET with the inline policy: %d %s", s, code)
	}
	e.must("revoke", "role", "reader")
	if s, code := e.getObject(sess); s != 403 {
		t.Fatalf("role session GET after revoke: %d %s", s, code)
	}
	e.note("reader's session: 200 with the inline policy, 403 after revoke")
	e.must("role", "show", "reader")
	e.must("role", "delete-policy", "reader", "AWSRevokeOlderSessions", "--json")
	if s, code := e.getObject(sess); s != 200 {
		t.Fatalf("role session GET after deleting the revocation: %d %s", s, code)
	}
	e.note("after delete-policy AWSRevokeOlderSessions the session reads again: 200")
	e.must("role", "delete-policy", "reader", "reads")
	if s, code := e.getObject(sess); s != 403 {
		t.Fatalf("role session GET after deleting its policy: %d %s", s, code)
	}
	e.note("after delete-policy reads: 403")
	e.must("role", "show", "reader")
	e.golden("iam_inline_policies")
}

// TestAdminRoleUpdate: the role's longest session bounds AssumeRole's
// DurationSeconds, before and after 'role update'.
func TestAdminRoleUpdate(t *testing.T) {
	e := startSignet(t)
	e.must("user", "create", "alice")
	alice := e.createKey("alice")
	e.must("role", "create", "reader", "--trust", "alice")
	roleARN := "arn:aws:iam::" + e.srv.Root().AccountID + ":role/reader"
	assume := func(seconds string) (int, string) {
		return e.stsStatus(alice, "Action", "AssumeRole", "RoleArn", roleARN, "RoleSessionName", "ci", "DurationSeconds", seconds)
	}
	if s, code := assume("43200"); s != 400 || code != "ValidationError" {
		t.Fatalf("AssumeRole for 12h with a 1h role: %d %s, want 400 ValidationError", s, code)
	}
	e.note("AssumeRole DurationSeconds=43200: 400 ValidationError (the role's max is 3600)")

	e.must("role", "update", "reader", "--max-session-duration", "12h")
	if s, code := assume("43200"); s != 200 {
		t.Fatalf("AssumeRole for 12h after update: %d %s", s, code)
	}
	if s, code := assume("43201"); s != 400 || code != "ValidationError" {
		t.Fatalf("AssumeRole past 12h: %d %s", s, code)
	}
	e.note("after update to 12h: 43200 gives a session (200); 43201 is 400 ValidationError")
	if out := e.must("role", "show", "reader"); !strings.Contains(out, "max session: 12h (43200 s)") {
		t.Fatalf("role show after update:\n%s", out)
	}

	e.must("role", "update", "reader", "--max-session-duration", "5400", "--json")
	if s, code := assume("5401"); s != 400 || code != "ValidationError" {
		t.Fatalf("AssumeRole past 1h30m: %d %s", s, code)
	}
	if s, code := assume("5400"); s != 200 {
		t.Fatalf("AssumeRole for 1h30m: %d %s", s, code)
	}
	e.note("after update to 5400 s: 5400 gives a session, 5401 is 400 ValidationError")
	e.fails(1, "NoSuchEntity", "role", "update", "nobody", "--max-session-duration", "2h")
	e.golden("iam_role_update")
}

// TestAdminVerbsUsageErrors: the new verbs find usage errors before any
// call and exit 2.
func TestAdminVerbsUsageErrors(t *testing.T) {
	e := startSignet(t)
	notJSON := e.writeFile("policy.txt", "Allow: everything")
	for _, args := range [][]string{
		{"user", "detach", "alice"},
		{"user", "detach", "alice", "AmazonS3ReadOnlyAccess"},
		{"role", "detach", "al ice", "read-only"},
		{"user", "put-policy", "alice", "reads"},
		{"user", "put-policy", "alice", "re ads", "--policy-document", notJSON},
		{"user", "put-policy", "alice", strings.Repeat("p", 129), "--policy-document", notJSON},
		{"role", "put-policy", "reader", "reads", "--policy-document", notJSON},
		{"role", "put-policy", "reader", "reads", "--policy-document", "file://" + filepath.Join(e.dir, "missing.json")},
		{"role", "put-policy", "reader", "reads", "--policy-document"},
		{"user", "delete-policy", "alice"},
		{"role", "delete-policy", "reader", "no/slash"},
		{"role", "update", "reader"},
		{"role", "update", "reader", "--max-session-duration", "13h"},
		{"role", "update", "reader", "--max-session-duration", "30m"},
		{"role", "update", "reader", "--max-session-duration", "soon"},
		{"role", "update", "reader", "--max-session-duration", "1h", "--max-session-duration", "2h"},
		{"root", "export", "now"},
		{"root", "export", "--endpoint-url", e.ts.URL},
		{"root", "export", "--profile", "default"},
	} {
		code, out, errs := e.admin(args...)
		if code != 2 || out != "" || errs == "" || len(e.lastCalls) != 0 {
			t.Errorf("%v: exit %d, stdout %q, calls %q; want exit 2, a message and no call", args, code, out, e.lastCalls)
		}
	}
	e.golden("verbs_usage_errors")
}

// rootServer starts signet on a fresh data directory. With no root key
// given (keyID "") it generates one and saves it, as a first start does.
func rootServer(t *testing.T, keyID, secret string) (dataDir string, ts *httptest.Server) {
	t.Helper()
	isolateAWS(t)
	t.Setenv(config.EnvDataDir, "")
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.Region = iamRegion
	cfg.RootAccessKeyID, cfg.RootSecret = keyID, secret
	cfg.TLSCert, cfg.TLSKey = "", ""
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), clock.Real{})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ts = httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("srv.Close: %v", err)
		}
	})
	return cfg.DataDir, ts
}

// TestAdminRootExport: root export prints what root-credentials.json
// holds, and those credentials are the server's root.
func TestAdminRootExport(t *testing.T) {
	dataDir, ts := rootServer(t, "", "")
	b, err := os.ReadFile(filepath.Join(dataDir, "root-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Its string fields; "unshown", a bool, marks keys no banner has
	// printed yet (this server never listened).
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	file := map[string]string{}
	for k, v := range raw {
		if s, ok := v.(string); ok {
			file[k] = s
		}
	}
	if !strings.HasPrefix(file["access_key_id"], "AKIA") || len(file["secret_access_key"]) != 40 || len(file["account_id"]) != 12 {
		t.Fatalf("root-credentials.json: %v", file)
	}

	code, out, errs := runAdminArgs("root", "export", "--data-dir", dataDir)
	want := "export AWS_ACCESS_KEY_ID=" + file["access_key_id"] + "\nexport AWS_SECRET_ACCESS_KEY=" + file["secret_access_key"] + "\n"
	if code != 0 || out != want {
		t.Fatalf("root export: exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, want, errs)
	}
	if strings.Contains(errs, file["secret_access_key"]) || !strings.Contains(errs, file["account_id"]) || !strings.Contains(errs, filepath.Join(dataDir, "root-credentials.json")) {
		t.Fatalf("root export stderr should name the account and file, not the secret:\n%s", errs)
	}

	// What it printed is the server's root.
	root := sigv4.Credentials{AccessKeyID: file["access_key_id"], SecretAccessKey: secret.New(file["secret_access_key"])}
	form := url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := sigv4.SignHeader(req, root, iamRegion, "sts", clock.Real{}.Now(), sigv4.HexSHA256([]byte(form.Encode())), sigv4.Generic); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("arn:aws:iam::"+file["account_id"]+":root")) {
		t.Fatalf("GetCallerIdentity with the exported keys: %d %s", resp.StatusCode, body)
	}

	// --json prints the file's fields, and SIGNET_DATA_DIR is the default
	// data directory, as for the server.
	t.Setenv(config.EnvDataDir, dataDir)
	code, out, _ = runAdminArgs("root", "export", "--json")
	var got map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got) != len(file) {
		t.Fatalf("root export --json: exit %d\n%s", code, out)
	}
	for k, v := range file {
		if got[k] != v {
			t.Errorf("--json %s = %q, the file holds %q", k, got[k], v)
		}
	}
}

// TestAdminRootExportRefuses: a missing file, one others may read, and
// one without a key are refused with what to do, and nothing on stdout.
func TestAdminRootExportRefuses(t *testing.T) {
	dataDir, _ := rootServer(t, "", "")
	path := filepath.Join(dataDir, "root-credentials.json")
	refused := func(want, hint string, args ...string) {
		t.Helper()
		code, out, errs := runAdminArgs(append([]string{"root", "export"}, args...)...)
		if code != 1 || out != "" || !strings.Contains(errs, want) || !strings.Contains(errs, hint) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and %q, %q", args, code, out, errs, want, hint)
		}
	}
	refused("no such file", "--data-dir", "--data-dir", filepath.Join(dataDir, "elsewhere"))

	for _, mode := range []os.FileMode{0o640, 0o604, 0o620} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		refused(fmt.Sprintf("has mode %04o, not 0600", mode), "chmod 600", "--data-dir", dataDir)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runAdminArgs("root", "export", "--data-dir", dataDir); code != 0 {
		t.Fatalf("after chmod 600: exit %d %s", code, errs)
	}

	// A server given its root key in the environment saves only the
	// account ID.
	envDir, _ := rootServer(t, adminAKID, adminSecret)
	refused("holds no access key", config.EnvRootKeyID, "--data-dir", envDir)
}
