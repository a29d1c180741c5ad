package e2e

// Secrets at debug level: the built server, run at --log-level debug with
// generated root credentials, goes through a mixed flow (IAM user and
// key, AssumeRole, GetSessionToken, presigned GET and PUT, header-signed
// calls, and failures: SignatureDoesNotMatch, InvalidToken, ExpiredToken
// on S3 and STS). Its stderr, its stdout and every response body are then
// searched for every secret key and session token used, in the forms a
// leak would take (raw, URL- and URI-encoded, base64, hex): none may
// appear, except in the response that hands a secret out. Where AWS
// echoes a request's own token back to its sender (ExpiredToken's
// Token-0, SignatureDoesNotMatch's CanonicalRequest), signet sends the
// token's fingerprint instead, and the test checks that it does. Files
// holding secrets are 0600, the data directory 0700.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/redact"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// leakSecret is one secret the flow used. handedOutBy names the one
// response allowed to carry it (the call that created it), "" for none.
type leakSecret struct {
	what        string
	value       string
	handedOutBy string
}

// leakExchange is one request and its response, as the client saw them.
type leakExchange struct {
	label  string
	status int
	body   []byte
	// token is the session token the request carried, if any: AWS echoes
	// it back in some error bodies (ExpiredToken's Token-0, and the
	// CanonicalRequest of SignatureDoesNotMatch); signet, its fingerprint.
	token string
}

// leakFlow drives one signet process and records everything it answered.
type leakFlow struct {
	t        *testing.T
	endpoint string
	client   *http.Client

	mu        sync.Mutex
	exchanges []leakExchange
	secrets   []leakSecret
}

func (f *leakFlow) remember(what, value, handedOutBy string) {
	if value == "" {
		f.t.Fatalf("secret %q is empty: the flow did not get it", what)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets = append(f.secrets, leakSecret{what: what, value: value, handedOutBy: handedOutBy})
}

// send performs req and records the response under label.
func (f *leakFlow) send(label string, req *http.Request, token string) leakExchange {
	f.t.Helper()
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatalf("%s: %v", label, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("%s: reading the body: %v", label, err)
	}
	ex := leakExchange{label: label, status: resp.StatusCode, body: body, token: token}
	f.mu.Lock()
	f.exchanges = append(f.exchanges, ex)
	f.mu.Unlock()
	return ex
}

func (f *leakFlow) want(ex leakExchange, status int, code string) leakExchange {
	f.t.Helper()
	got := ""
	var e struct {
		XMLName xml.Name
		Code    string
		Error   struct{ Code string }
	}
	if xml.Unmarshal(ex.body, &e) == nil {
		got = e.Code + e.Error.Code
	}
	if ex.status != status || got != code {
		f.t.Fatalf("%s: got %d %q, want %d %q\n%s", ex.label, ex.status, got, status, code, ex.body)
	}
	return ex
}

// s3 signs an S3 request in the Authorization header.
func (f *leakFlow) s3(label, method, path string, c sigv4.Credentials, body []byte) leakExchange {
	f.t.Helper()
	req, err := http.NewRequest(method, f.endpoint+path, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if err := sigv4.SignHeader(req, c, "us-east-1", "s3", time.Now(), hex.EncodeToString(sum[:]), sigv4.S3); err != nil {
		f.t.Fatal(err)
	}
	return f.send(label, req, c.SessionToken)
}

// presigned fetches (or uploads to) a URL presigned with c.
func (f *leakFlow) presigned(label, method, path string, c sigv4.Credentials, body []byte) leakExchange {
	f.t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: method, URL: f.endpoint + path, Credentials: c, Region: "us-east-1", Service: "s3", Time: time.Now(),
		Expires: time.Hour, Mode: sigv4.S3,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	rememberSignature(u)
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	return f.send(label, req, c.SessionToken)
}

// query calls IAM or STS (or, with service "signet", the admin API).
func (f *leakFlow) query(label, service string, c sigv4.Credentials, params ...string) leakExchange {
	f.t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	if v.Get("Version") == "" {
		v.Set("Version", map[string]string{"iam": "2010-05-08", "sts": "2011-06-15"}[service])
	}
	body := []byte(v.Encode())
	req, err := http.NewRequest(http.MethodPost, f.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	if err := sigv4.SignHeader(req, c, "us-east-1", service, time.Now(), hex.EncodeToString(sum[:]), sigv4.Generic); err != nil {
		f.t.Fatal(err)
	}
	return f.send(label, req, c.SessionToken)
}

// advance moves the server's dev clock forward through the admin API.
func (f *leakFlow) advance(root sigv4.Credentials, d time.Duration) {
	f.t.Helper()
	body, _ := json.Marshal(map[string]string{"duration": d.String()})
	req, err := http.NewRequest(http.MethodPost, f.endpoint+"/_signet/admin/v1/clock/advance", bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := sigv4.SignHeader(req, root, "us-east-1", "signet", time.Now(), hex.EncodeToString(sum[:]), sigv4.Generic); err != nil {
		f.t.Fatal(err)
	}
	if ex := f.send("advance the dev clock by "+d.String(), req, ""); ex.status != 200 {
		f.t.Fatalf("advancing the dev clock: %d\n%s", ex.status, ex.body)
	}
}

type leakCreds struct {
	AccessKeyId, SecretAccessKey, SessionToken string
}

func (c leakCreds) sig() sigv4.Credentials {
	return sigv4.Credentials{AccessKeyID: c.AccessKeyId, SecretAccessKey: secret.New(c.SecretAccessKey), SessionToken: c.SessionToken}
}

// leakForms returns the ways a secret could show up in a log or a body.
func leakForms(s string) map[string]string {
	spaced := make([]string, len(s))
	for i := 0; i < len(s); i++ {
		spaced[i] = fmt.Sprintf("%02x", s[i])
	}
	jsonForm, _ := json.Marshal(s)
	var xmlForm bytes.Buffer
	_ = xml.EscapeText(&xmlForm, []byte(s))
	return map[string]string{
		"raw":                  s,
		"query-escaped":        url.QueryEscape(s),
		"path-escaped":         url.PathEscape(s),
		"URI-encoded":          sigv4.URIEncode(s, true),
		"JSON string":          strings.Trim(string(jsonForm), `"`),
		"XML text":             xmlForm.String(),
		"base64":               base64.StdEncoding.EncodeToString([]byte(s)),
		"base64 (URL, raw)":    base64.RawURLEncoding.EncodeToString([]byte(s)),
		"hex":                  hex.EncodeToString([]byte(s)),
		"space-separated hex":  strings.Join(spaced, " "),
		"first 24 characters":  s[:min(24, len(s))],
		"last 24 characters":   s[max(0, len(s)-24):],
		"middle 24 characters": s[len(s)/2-min(12, len(s)/2) : len(s)/2+min(12, len(s)/2)],
	}
}

// echoElements are the error elements in which AWS returns the request's
// own session token to its sender (reference §1.5; design 0003).
var echoElements = regexp.MustCompile(`(?s)<(Token-0|CanonicalRequest|CanonicalRequestBytes)>.*?</(Token-0|CanonicalRequest|CanonicalRequestBytes)>`)

// startLeakServer runs the built signet at debug level with generated root
// credentials and the dev clock, and returns it with those credentials,
// read from the one-time banner.
func startLeakServer(t *testing.T, dataDir string) (*signetProc, sigv4.Credentials) {
	t.Helper()
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binPath, "server", "--addr", addr, "--data-dir", dataDir, "--log-level", "debug", "--dev-clock")
	cmd.Env = append(cleanEnv(), "HOME="+t.TempDir())
	p := &signetProc{cmd: cmd, host: addr, endpoint: "http://" + addr, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{}),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", binPath, err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { _ = p.stop() })
	keyRE := regexp.MustCompile(`(?m)^export AWS_ACCESS_KEY_ID=(\S+)$`)
	secretRE := regexp.MustCompile(`(?m)^export AWS_SECRET_ACCESS_KEY=(\S+)$`)
	for deadline := time.Now().Add(30 * time.Second); ; {
		select {
		case <-p.done:
			t.Fatalf("signet exited before it answered: %v\nstderr:\n%s", p.waitErr, p.stderr)
		default:
		}
		if resp, err := p.client.Get(p.endpoint + "/healthz"); err == nil {
			resp.Body.Close()
			out := p.stdout.String()
			k, s := keyRE.FindStringSubmatch(out), secretRE.FindStringSubmatch(out)
			if resp.StatusCode == 200 && k != nil && s != nil {
				return p, sigv4.Credentials{AccessKeyID: k[1], SecretAccessKey: secret.New(s[1])}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("signet at %s: no /healthz and banner within 30s\nstdout:\n%s\nstderr:\n%s", p.endpoint, p.stdout, p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSecretsNeverLeakAtDebugLevel(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	p, root := startLeakServer(t, dataDir)
	f := &leakFlow{t: t, endpoint: p.endpoint, client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}}
	f.remember("the root secret key", root.SecretAccessKey.Reveal(), "")

	// Objects, header-signed by root.
	f.want(f.s3("create bucket", http.MethodPut, "/leaks", root, nil), 200, "")
	f.want(f.s3("put object", http.MethodPut, "/leaks/obj", root, []byte("payload")), 200, "")

	// An IAM user with a key and a role it may assume.
	f.want(f.query("CreateUser", "iam", root, "Action", "CreateUser", "UserName", "leaky"), 200, "")
	keyEx := f.want(f.query("CreateAccessKey", "iam", root, "Action", "CreateAccessKey", "UserName", "leaky"), 200, "")
	var key struct {
		Result struct{ AccessKey leakCreds } `xml:"CreateAccessKeyResult"`
	}
	if err := xml.Unmarshal(keyEx.body, &key); err != nil {
		t.Fatal(err)
	}
	user := key.Result.AccessKey.sig()
	f.remember("the user's secret key", user.SecretAccessKey.Reveal(), keyEx.label)
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sts:*"],"Resource":"*"}]}`
	f.want(f.query("PutUserPolicy", "iam", root, "Action", "PutUserPolicy", "UserName", "leaky", "PolicyName", "all", "PolicyDocument", allow), 200, "")
	var who struct {
		Result struct{ User struct{ Arn string } } `xml:"GetUserResult"`
	}
	if err := xml.Unmarshal(f.want(f.query("GetUser", "iam", root, "Action", "GetUser", "UserName", "leaky"), 200, "").body, &who); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + who.Result.User.Arn + `"},"Action":"sts:AssumeRole"}]}`
	var role struct {
		Result struct{ Role struct{ Arn string } } `xml:"CreateRoleResult"`
	}
	if err := xml.Unmarshal(f.want(f.query("CreateRole", "iam", root, "Action", "CreateRole", "RoleName", "leaky-role", "AssumeRolePolicyDocument", trust), 200, "").body, &role); err != nil {
		t.Fatal(err)
	}
	f.want(f.query("PutRolePolicy", "iam", root, "Action", "PutRolePolicy", "RoleName", "leaky-role", "PolicyName", "all", "PolicyDocument", allow), 200, "")

	// Temporary credentials: AssumeRole and GetSessionToken.
	sessionOf := func(ex leakExchange) sigv4.Credentials {
		var out struct {
			Assumed struct{ Credentials leakCreds } `xml:"AssumeRoleResult"`
			Session struct{ Credentials leakCreds } `xml:"GetSessionTokenResult"`
		}
		if err := xml.Unmarshal(ex.body, &out); err != nil {
			t.Fatalf("%s: %v\n%s", ex.label, err, ex.body)
		}
		if c := out.Assumed.Credentials; c.AccessKeyId != "" {
			return c.sig()
		}
		return out.Session.Credentials.sig()
	}
	assumeEx := f.want(f.query("AssumeRole", "sts", user, "Action", "AssumeRole", "RoleArn", role.Result.Role.Arn, "RoleSessionName", "leak", "DurationSeconds", "900"), 200, "")
	sess := sessionOf(assumeEx)
	f.remember("the role session's secret key", sess.SecretAccessKey.Reveal(), assumeEx.label)
	f.remember("the role session's token", sess.SessionToken, assumeEx.label)
	gstEx := f.want(f.query("GetSessionToken", "sts", user, "Action", "GetSessionToken", "DurationSeconds", "900"), 200, "")
	gst := sessionOf(gstEx)
	f.remember("the GetSessionToken secret key", gst.SecretAccessKey.Reveal(), gstEx.label)
	f.remember("the GetSessionToken token", gst.SessionToken, gstEx.label)
	f.want(f.query("GetCallerIdentity as the session", "sts", sess, "Action", "GetCallerIdentity"), 200, "")

	// Successful S3 calls with every credential, presigned and header-signed.
	for name, c := range map[string]sigv4.Credentials{"root": root, "user": user, "role session": sess, "GetSessionToken": gst} {
		f.want(f.presigned("presigned GET as "+name, http.MethodGet, "/leaks/obj", c, nil), 200, "")
		f.want(f.presigned("presigned PUT as "+name, http.MethodPut, "/leaks/by-"+strings.ReplaceAll(name, " ", "-"), c, []byte("uploaded")), 200, "")
		f.want(f.s3("header-signed GET as "+name, http.MethodGet, "/leaks/obj", c, nil), 200, "")
	}

	// Failures.
	forged := user
	forged.SecretAccessKey = secret.New(strings.ToUpper(user.SecretAccessKey.Reveal()[:20]) + user.SecretAccessKey.Reveal()[20:] + "x")
	f.remember("a forged secret key", forged.SecretAccessKey.Reveal(), "")
	f.want(f.presigned("presigned GET with a forged secret", http.MethodGet, "/leaks/obj", forged, nil), 403, "SignatureDoesNotMatch")
	f.want(f.s3("header-signed PUT with a forged secret", http.MethodPut, "/leaks/obj", forged, []byte("nope")), 403, "SignatureDoesNotMatch")
	f.want(f.query("IAM with a forged secret", "iam", forged, "Action", "ListUsers"), 403, "SignatureDoesNotMatch")
	forgedSess := sess
	forgedSess.SecretAccessKey = secret.New(sess.SecretAccessKey.Reveal() + "x")
	f.want(f.presigned("session URL with a forged secret", http.MethodGet, "/leaks/obj", forgedSess, nil), 403, "SignatureDoesNotMatch")
	f.want(f.s3("session header call with a forged secret", http.MethodGet, "/leaks/obj", forgedSess, nil), 403, "SignatureDoesNotMatch")
	altered := sess
	altered.SessionToken = "A" + sess.SessionToken[1:]
	if altered.SessionToken == sess.SessionToken {
		altered.SessionToken = "B" + sess.SessionToken[1:]
	}
	f.want(f.presigned("session URL with an altered token", http.MethodGet, "/leaks/obj", altered, nil), 400, "InvalidToken")
	f.want(f.query("STS with an altered token", "sts", altered, "Action", "GetCallerIdentity"), 403, "InvalidClientTokenId")

	// An IAM call the user may not make: logged at debug level, with the
	// caller's identity.
	f.want(f.query("IAM CreateUser as the user", "iam", user, "Action", "CreateUser", "UserName", "intruder"), 403, "AccessDenied")

	// The sessions end (900 s); their credentials now fail with ExpiredToken.
	f.advance(root, 901*time.Second)
	f.want(f.presigned("expired session URL", http.MethodGet, "/leaks/obj", sess, nil), 400, "ExpiredToken")
	f.want(f.s3("expired session header call", http.MethodGet, "/leaks/obj", sess, nil), 400, "ExpiredToken")
	f.want(f.presigned("expired GetSessionToken URL", http.MethodGet, "/leaks/obj", gst, nil), 400, "ExpiredToken")
	f.want(f.query("STS with an expired session", "sts", sess, "Action", "GetCallerIdentity"), 403, "ExpiredToken")

	// Stop the server so every log line is written, then search.
	if err := p.stop(); err != nil {
		t.Fatalf("stopping signet: %v", err)
	}
	stderr, stdout := p.stderr.String(), p.stdout.String()
	if !strings.Contains(stderr, `"level":"DEBUG"`) {
		t.Errorf("no DEBUG line in the server's log: the flow did not run at debug level\n%s", stderr)
	}
	if !strings.Contains(stderr, `"msg":"request"`) {
		t.Fatalf("the server's stderr holds no access log lines: this test is not reading its logs\n%s", stderr)
	}
	leaks, echoes := 0, 0
	for _, s := range f.secrets {
		// The search must be able to find what it looks for: each secret
		// is in the one response that handed it out.
		for _, ex := range f.exchanges {
			if ex.label == s.handedOutBy && !bytes.Contains(ex.body, []byte(s.value)) {
				t.Errorf("%s is not in the response to %q that handed it out: the search is looking in the wrong place", s.what, ex.label)
			}
		}
		for form, v := range leakForms(s.value) {
			if strings.Contains(stderr, v) {
				leaks++
				t.Errorf("the server's log holds %s (%s)", s.what, form)
			}
			switch n := strings.Count(stdout, v); {
			case s.value != root.SecretAccessKey.Reveal():
				if n > 0 {
					leaks++
					t.Errorf("the server's stdout holds %s (%s)", s.what, form)
				}
			case form == "raw" && n != 1:
				// The first-start banner's job is to show it, once.
				t.Errorf("stdout holds the generated root secret %d times, want exactly once (the first-start banner)", n)
			}
			for _, ex := range f.exchanges {
				if ex.label == s.handedOutBy {
					continue
				}
				if bytes.Contains(ex.body, []byte(v)) {
					leaks++
					t.Errorf("the response to %q (%d) holds %s (%s)\n%s", ex.label, ex.status, s.what, form, ex.body)
				}
			}
		}
	}
	t.Logf("%d bytes of debug logs, %d bytes of stdout and %d response bodies searched for %d secrets in %d forms each: %d leaks",
		len(stderr), len(stdout), len(f.exchanges), len(f.secrets), len(leakForms("x")), leaks)
	// The elements where AWS echoes a token are there, with the token's
	// fingerprint: masked, not dropped.
	for _, ex := range f.exchanges {
		if ex.token == "" {
			continue
		}
		if m := echoElements.Find(ex.body); m != nil {
			echoes++
			if !bytes.Contains(m, []byte(redact.Token(ex.token))) {
				t.Errorf("the response to %q echoes %s without the token's fingerprint %s", ex.label, m, redact.Token(ex.token))
			}
		}
	}
	if echoes < 4 {
		t.Errorf("%d responses had an element where AWS echoes the request's token (ExpiredToken, SignatureDoesNotMatch of session requests); the flow sends at least 4", echoes)
	}

	// Secrets at rest: private files in a private directory.
	for path, want := range map[string]os.FileMode{
		dataDir: 0o700,
		filepath.Join(dataDir, "root-credentials.json"): 0o600,
		filepath.Join(dataDir, "sealing.key"):           0o600,
		filepath.Join(dataDir, "meta.db"):               0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %o, want %o", path, fi.Mode().Perm(), want)
		}
	}
	rootFile, err := os.ReadFile(filepath.Join(dataDir, "root-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(rootFile, []byte(root.AccessKeyID)) {
		t.Errorf("root-credentials.json does not name the root key %s: is this the right file?", root.AccessKeyID)
	}
	db, err := os.ReadFile(filepath.Join(dataDir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range f.secrets {
		if bytes.Contains(db, []byte(s.value)) {
			t.Errorf("meta.db holds %s in the clear", s.what)
		}
	}
}
