package cli

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"signet/internal/authn"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/reason"
	"signet/internal/redact"
	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// The inspect goldens that show a server's explanation are made against a
// real signet in process: the message in each is what the explainer
// really says, from the same table the offline verdicts read.

// inspectWorld is a signet with bucket photos holding cat.jpg, user alice
// with a key and a policy allowing everything, and role reader that alice
// may assume for up to 12 hours.
type inspectWorld struct {
	*signetEnv
	alice   sigv4.Credentials
	roleARN string
	tokens  []string
}

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func newInspectWorld(t *testing.T) *inspectWorld {
	t.Helper()
	e := startSignet(t)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	w := &inspectWorld{signetEnv: e}
	if s, b := e.signed(e.root(), "s3", http.MethodPut, "/photos", nil, nil); s != 200 {
		t.Fatalf("create bucket: %d %s", s, b)
	}
	if s, b := e.signed(e.root(), "s3", http.MethodPut, "/photos/cat.jpg", nil, []byte("meow")); s != 200 {
		t.Fatalf("put object: %d %s", s, b)
	}
	w.iam("CreateUser", "UserName", "alice")
	w.iam("PutUserPolicy", "UserName", "alice", "PolicyName", "all", "PolicyDocument", allowAll)
	w.alice = e.createKey("alice")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` +
		e.srv.Root().AccountID + `:root"},"Action":"sts:AssumeRole"}]}`
	body := w.iam("CreateRole", "RoleName", "reader", "AssumeRolePolicyDocument", trust, "MaxSessionDuration", "43200")
	var role struct {
		Arn string `xml:"CreateRoleResult>Role>Arn"`
	}
	if err := xml.Unmarshal(body, &role); err != nil || role.Arn == "" {
		t.Fatalf("CreateRole: %v\n%s", err, body)
	}
	w.roleARN = role.Arn
	w.iam("PutRolePolicy", "RoleName", "reader", "PolicyName", "all", "PolicyDocument", allowAll)
	return w
}

// iam calls an IAM action as root; it must succeed.
func (w *inspectWorld) iam(action string, kv ...string) []byte {
	w.t.Helper()
	form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	s, b := w.signed(w.root(), "iam", http.MethodPost, "/", form, nil)
	if s != 200 {
		w.t.Fatalf("IAM %s: %d\n%s", action, s, b)
	}
	return b
}

// assume is a role session of reader for alice, named name.
func (w *inspectWorld) assume(name string, seconds int, kv ...string) sigv4.Credentials {
	w.t.Helper()
	c := w.session(w.alice, append([]string{"Action", "AssumeRole", "RoleArn", w.roleARN, "RoleSessionName", name,
		"DurationSeconds", strconv.Itoa(seconds)}, kv...)...)
	w.tokens = append(w.tokens, c.SessionToken)
	w.secrets = append(w.secrets, c.SecretAccessKey.Reveal())
	return c
}

// presign signs method on path with c at the server's time.
func (w *inspectWorld) presign(method, path string, c sigv4.Credentials, expires time.Duration, h http.Header) string {
	w.t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{Method: method, URL: w.ts.URL + path, Credentials: c, Region: iamRegion, Service: "s3", Time: w.fake.Now(), Expires: expires, Header: h, Mode: sigv4.S3})
	if err != nil {
		w.t.Fatal(err)
	}
	return u
}

// presignFor signs a GET of the absolute URL raw with c, for an hour.
func (w *inspectWorld) presignFor(raw string, c sigv4.Credentials) string {
	w.t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{Method: "GET", URL: raw, Credentials: c, Region: iamRegion, Service: "s3", Time: w.fake.Now(), Expires: time.Hour, Header: nil, Mode: sigv4.S3})
	if err != nil {
		w.t.Fatal(err)
	}
	return u
}

type serverInspectCase struct {
	name string
	// setup builds the situation and returns the URL and the flags to
	// inspect it with; the clock then stands where setup left it.
	setup func(w *inspectWorld) (raw string, args []string)
}

var (
	hex64      = regexp.MustCompile(`[0-9a-f]{64}`)
	base64Sig  = regexp.MustCompile(`Signature=[0-9A-Za-z%]+`)
	unknownKey = sigv4.Credentials{AccessKeyID: "AKIANOSUCHKEY0000001", SecretAccessKey: secret.New("no-such-secret-0000000000000000000000001")}
)

// TestInspectServerGolden runs signet inspect against a real signet for
// every reason the server explains, and compares the transcript with
// testdata/inspect_<name>.golden once what differs between runs (IDs,
// signatures, tokens, the port) is replaced by stable names.
func TestInspectServerGolden(t *testing.T) {
	hour := time.Hour
	cases := []serverInspectCase{
		{"role_session_expired", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.assume("ci", 3600), 12*hour, nil)
			w.fake.Advance(2 * hour)
			return u, nil
		}},
		{"role_session_expired_json", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.assume("ci", 3600), 12*hour, nil)
			w.fake.Advance(2 * hour)
			return u, []string{"--json"}
		}},
		{"session_token_valid", func(w *inspectWorld) (string, []string) {
			s := w.session(w.alice, "Action", "GetSessionToken", "DurationSeconds", "86400")
			w.tokens, w.secrets = append(w.tokens, s.SessionToken), append(w.secrets, s.SecretAccessKey.Reveal())
			u := w.presign("PUT", "/photos/uploads/dog.png", s, 7*24*hour, http.Header{"Content-Type": {"image/png"}})
			w.fake.Advance(3 * hour)
			return u, []string{"--method", "put", "--header", "Content-Type: image/png"}
		}},
		{"session_token_valid_json", func(w *inspectWorld) (string, []string) {
			s := w.session(w.alice, "Action", "GetSessionToken", "DurationSeconds", "86400")
			w.tokens, w.secrets = append(w.tokens, s.SessionToken), append(w.secrets, s.SecretAccessKey.Reveal())
			u := w.presign("PUT", "/photos/uploads/dog.png", s, 7*24*hour, http.Header{"Content-Type": {"image/png"}})
			w.fake.Advance(3 * hour)
			return u, []string{"--json", "--method", "PUT", "--header", "Content-Type: image/png"}
		}},
		{"reason_valid", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.alice, hour, nil)
			w.fake.Advance(48 * time.Minute)
			return u, nil
		}},
		{"reason_url_expired", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.alice, hour, nil)
			w.fake.Advance(110 * time.Minute)
			return u, nil
		}},
		{"reason_not_yet_valid", func(w *inspectWorld) (string, []string) {
			u, err := sigv4.Presign(sigv4.PresignInput{Method: "GET", URL: w.ts.URL + "/photos/cat.jpg", Credentials: w.alice, Region: iamRegion, Service: "s3", Time: w.fake.Now().Add(5 * time.Minute), Expires: hour, Header: nil, Mode: sigv4.S3})
			if err != nil {
				t.Fatal(err)
			}
			return u, nil
		}},
		{"reason_expires_over_limit", func(w *inspectWorld) (string, []string) {
			return w.presign("GET", "/photos/cat.jpg", w.alice, 7*24*hour+time.Second, nil), nil
		}},
		{"reason_session_expired", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.assume("ci", 3600), 3*hour, nil)
			w.fake.Advance(90 * time.Minute)
			return u, nil
		}},
		{"reason_session_expired_chained", func(w *inspectWorld) (string, []string) {
			chained := w.session(w.assume("first", 3600), "Action", "AssumeRole", "RoleArn", w.roleARN, "RoleSessionName", "chained")
			w.tokens, w.secrets = append(w.tokens, chained.SessionToken), append(w.secrets, chained.SecretAccessKey.Reveal())
			u := w.presign("GET", "/photos/cat.jpg", chained, 12*hour, nil)
			w.fake.Advance(90 * time.Minute)
			return u, nil
		}},
		{"reason_session_terminated", func(w *inspectWorld) (string, []string) {
			s := w.assume("ci", 3600)
			u := w.presign("GET", "/photos/cat.jpg", s, 12*hour, nil)
			w.fake.Advance(20 * time.Minute)
			w.must("session", "terminate", s.AccessKeyID)
			w.fake.Advance(20 * time.Minute)
			return u, nil
		}},
		{"reason_url_revoked", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.alice, 12*hour, nil)
			w.fake.Advance(20 * time.Minute)
			w.must("url", "revoke", u, "--reason", "posted in ticket 4711")
			w.fake.Advance(10 * time.Minute)
			return u, nil
		}},
		{"reason_url_revoked_signer_json", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.alice, 12*hour, nil)
			w.fake.Advance(20 * time.Minute)
			w.must("url", "revoke", "--signed-by", "user:alice", "--reason", "laptop stolen")
			w.fake.Advance(10 * time.Minute)
			return u, []string{"--json"}
		}},
		{"reason_sessions_revoked", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.assume("ci", 3600), 12*hour, nil)
			w.fake.Advance(30 * time.Minute)
			w.must("revoke", "role", "reader")
			w.fake.Advance(10 * time.Minute)
			return u, nil
		}},
		{"reason_key_inactive", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.alice, hour, nil)
			w.iam("UpdateAccessKey", "UserName", "alice", "AccessKeyId", w.alice.AccessKeyID, "Status", "Inactive")
			w.fake.Advance(48 * time.Minute)
			return u, nil
		}},
		{"reason_key_deleted", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.alice, hour, nil)
			w.fake.Advance(20 * time.Minute)
			w.iam("DeleteAccessKey", "UserName", "alice", "AccessKeyId", w.alice.AccessKeyID)
			w.fake.Advance(28 * time.Minute)
			return u, nil
		}},
		{"reason_user_deleted", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.alice, hour, nil)
			w.fake.Advance(20 * time.Minute)
			w.iam("DeleteAccessKey", "UserName", "alice", "AccessKeyId", w.alice.AccessKeyID)
			w.iam("DeleteUserPolicy", "UserName", "alice", "PolicyName", "all")
			w.iam("DeleteUser", "UserName", "alice")
			w.fake.Advance(28 * time.Minute)
			return u, nil
		}},
		{"reason_key_unknown", func(w *inspectWorld) (string, []string) {
			return w.presign("GET", "/photos/cat.jpg", unknownKey, 24*hour, nil), nil
		}},
		{"reason_key_unknown_json", func(w *inspectWorld) (string, []string) {
			return w.presign("GET", "/photos/cat.jpg", unknownKey, 24*hour, nil), []string{"--json"}
		}},
		{"reason_policy_denied", func(w *inspectWorld) (string, []string) {
			w.iam("PutUserPolicy", "UserName", "alice", "PolicyName", "no-photos", "PolicyDocument",
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"DenyPhotos","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}`)
			return w.presign("GET", "/photos/cat.jpg", w.alice, hour, nil), nil
		}},
		{"reason_policy_denied_json", func(w *inspectWorld) (string, []string) {
			w.iam("PutUserPolicy", "UserName", "alice", "PolicyName", "no-photos", "PolicyDocument",
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"DenyPhotos","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}`)
			return w.presign("GET", "/photos/cat.jpg", w.alice, hour, nil), []string{"--json"}
		}},
		{"reason_policy_implicit", func(w *inspectWorld) (string, []string) {
			w.iam("PutUserPolicy", "UserName", "alice", "PolicyName", "all", "PolicyDocument",
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)
			return w.presign("GET", "/photos/cat.jpg", w.alice, hour, nil), nil
		}},
		{"reason_session_policy_denied", func(w *inspectWorld) (string, []string) {
			w.iam("CreatePolicy", "PolicyName", "NoPhotos", "PolicyDocument",
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)
			s := w.assume("ci", 3600, "PolicyArns.member.1.arn", "arn:aws:iam::"+w.srv.Root().AccountID+":policy/NoPhotos")
			return w.presign("GET", "/photos/cat.jpg", s, 12*hour, nil), nil
		}},
		{"reason_no_such_key", func(w *inspectWorld) (string, []string) {
			return w.presign("GET", "/photos/Cat.jpg", w.alice, hour, nil), nil
		}},
		{"reason_no_such_key_hidden_json", func(w *inspectWorld) (string, []string) {
			w.iam("PutUserPolicy", "UserName", "alice", "PolicyName", "all", "PolicyDocument",
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
			return w.presign("GET", "/photos/dog.jpg", w.alice, hour, nil), []string{"--json"}
		}},
		{"reason_no_such_bucket", func(w *inspectWorld) (string, []string) {
			return w.presign("GET", "/fotos/cat.jpg", w.alice, hour, nil), nil
		}},
		{"reason_invalid_token", func(w *inspectWorld) (string, []string) {
			s := w.assume("ci", 3600)
			s.SessionToken = "A" + s.SessionToken[1:]
			if s.SessionToken == w.tokens[0] {
				s.SessionToken = "B" + s.SessionToken[1:]
			}
			w.tokens = append(w.tokens, s.SessionToken)
			return w.presign("GET", "/photos/cat.jpg", s, 12*hour, nil), nil
		}},
		{"reason_owner_deleted", func(w *inspectWorld) (string, []string) {
			u := w.presign("GET", "/photos/cat.jpg", w.assume("ci", 3600), hour, nil)
			w.iam("DeleteRolePolicy", "RoleName", "reader", "PolicyName", "all")
			w.iam("DeleteRole", "RoleName", "reader")
			return u, nil
		}},
		{"reason_malformed", func(w *inspectWorld) (string, []string) {
			u, err := sigv4.Presign(sigv4.PresignInput{Method: "GET", URL: w.ts.URL + "/photos/cat.jpg", Credentials: w.alice, Region: "eu-west-1", Service: "s3", Time: w.fake.Now(), Expires: hour, Header: nil, Mode: sigv4.S3})
			if err != nil {
				t.Fatal(err)
			}
			return u, nil
		}},
		{"signature_mismatch_host", func(w *inspectWorld) (string, []string) {
			u := w.presignFor("https://files.example.com/photos/cat.jpg", w.alice)
			return u, []string{"--header", "Host: " + strings.TrimPrefix(w.ts.URL, "http://")}
		}},
		{"signature_mismatch_host_json", func(w *inspectWorld) (string, []string) {
			u := w.presignFor("https://files.example.com/photos/cat.jpg", w.alice)
			return u, []string{"--json", "--header", "Host: " + strings.TrimPrefix(w.ts.URL, "http://")}
		}},
		{"signature_mismatch_no_variant", func(w *inspectWorld) (string, []string) {
			c := w.alice
			c.SecretAccessKey = secret.New("not-alices-secret-00000000000000000000001")
			return w.presign("GET", "/photos/cat.jpg", c, hour, nil), nil
		}},
		{"signature_mismatch_sigv2_content_type", func(w *inspectWorld) (string, []string) {
			u, err := sigv2.Presign(sigv2.PresignInput{Method: "GET", URL: w.ts.URL + "/photos/cat.jpg", AccessKeyID: w.alice.AccessKeyID, SecretAccessKey: w.alice.SecretAccessKey, Expires: w.fake.Now().Add(30 * 24 * hour)})
			if err != nil {
				t.Fatal(err)
			}
			return u, []string{"--header", "Content-Type: image/png"}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newInspectWorld(t)
			raw, args := c.setup(w)
			w.calls.take()
			code, stdout, stderr := runInspectAt(w.fake.Now(), append(args, raw)...)
			var b strings.Builder
			b.WriteString("URL=" + raw + "\n")
			fmt.Fprintf(&b, "$ signet inspect %s\n", strings.TrimSpace(inspectShellJoin(args)+" '$URL'"))
			fmt.Fprintf(&b, "now %s\nexit %d\n-- requests --\n", w.fake.Now().Format(time.RFC3339), code)
			for _, r := range w.calls.take() {
				b.WriteString(r + "\n")
			}
			b.WriteString("-- stdout --\n" + stdout + "-- stderr --\n" + stderr)
			got := w.stable(b.String(), raw)
			compareGolden(t, filepath.Join("testdata", "inspect_"+c.name+".golden"), got)
			assertNoToken(t, stdout+stderr)
			for _, tok := range w.tokens {
				if strings.Contains(stdout+stderr, tok) || strings.Contains(stdout+stderr, sigv4.URIEncode(tok, true)) {
					t.Errorf("a session token was printed")
				}
			}
			for _, s := range w.secrets {
				if strings.Contains(stdout+stderr, s) {
					t.Errorf("a secret key was printed")
				}
			}
			if strings.HasSuffix(c.name, "_json") {
				var v map[string]any
				if err := json.Unmarshal([]byte(stdout), &v); err != nil {
					t.Fatalf("--json output does not parse: %v", err)
				}
			}
		})
	}
}

// stable replaces what differs between runs by stable names: the port,
// the account, generated IDs (by order of appearance), signatures, hashes
// and session tokens.
func (w *inspectWorld) stable(s, raw string) string {
	for i, tok := range w.tokens {
		name := fmt.Sprintf("TOKEN-%d", i+1)
		s = strings.ReplaceAll(s, redact.Token(tok), "REDACTED("+name+")")
		for _, form := range []string{url.QueryEscape(tok), sigv4.URIEncode(tok, true), tok} {
			s = strings.ReplaceAll(s, form, name)
		}
	}
	s = strings.ReplaceAll(s, w.ts.URL, "http://ENDPOINT")
	s = strings.ReplaceAll(s, strings.TrimPrefix(w.ts.URL, "http://"), "ENDPOINT")
	s = strings.ReplaceAll(s, w.srv.Root().AccountID, "123456789012")
	if u, err := url.Parse(raw); err == nil {
		for _, p := range []string{"X-Amz-Signature", "Signature"} {
			if sig := u.Query().Get(p); len(sig) > 20 {
				s = strings.ReplaceAll(s, sig[:8]+"…"+sig[len(sig)-8:], "SIGNATUR…SIGNATUR")
			}
		}
		// The link's fingerprint follows its signature.
		if p, ok := authn.PrintOfURL(raw); ok {
			s = strings.ReplaceAll(s, p.String(), "FINGERPRINT")
		}
	}
	s = hex64.ReplaceAllString(s, strings.Repeat("0", 64))
	s = base64Sig.ReplaceAllString(s, "Signature=SIGNATURE")
	seen := map[string]string{}
	count := map[string]int{}
	return generatedID.ReplaceAllStringFunc(s, func(id string) string {
		if strings.Contains(id, "EXAMPLE") || madeUpKeyID(id) {
			return id
		}
		if r, ok := seen[id]; ok {
			return r
		}
		count[id[:4]]++
		seen[id] = fmt.Sprintf("%sEXAMPLE%09d", id[:4], count[id[:4]])
		return seen[id]
	})
}

// TestEveryReasonHasAServerGolden: every reason code (from the one list in
// package reason) has a golden file above in which a real signet gave that
// reason, so no reason's sentence goes unshown or is shown only as a fake
// server would put it.
func TestEveryReasonHasAServerGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "inspect_*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]string{}
	verdict := regexp.MustCompile(`(?m)^verdict +(?:valid|invalid), ([a-z_]+): |^verdict +(valid): `)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "\nserver          http://ENDPOINT, judged at ") {
			continue // offline, or a server that did not answer
		}
		for _, m := range verdict.FindAllStringSubmatch(string(b), -1) {
			shown[m[1]+m[2]] = f
		}
	}
	for _, code := range reason.Codes {
		if shown[code] == "" {
			t.Errorf("reason %s has no golden file in which the server explains it; add a case to TestInspectServerGolden", code)
		}
	}
}
