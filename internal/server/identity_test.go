package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// Identities end to end in process, on a fake clock: every lifetime
// boundary one second before and at the deadline.

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// call signs a Query-protocol call (IAM or STS) at the fake clock's time.
func (e *testEnv) call(t *testing.T, service string, c sigv4.Credentials, params url.Values) rawResp {
	t.Helper()
	body := params.Encode()
	req, err := http.NewRequest(http.MethodPost, e.ts.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := sigv4.SignHeader(req, c, region, service, e.fake.Now(), sha256Hex([]byte(body)), sigv4.Generic); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for k, vs := range req.Header {
		h[k] = vs
	}
	return do(t, e.httpc, http.MethodPost, e.ts.URL+"/", h, []byte(body))
}

func (e *testEnv) root() sigv4.Credentials {
	return sigv4.Credentials{AccessKeyID: e.akid, SecretAccessKey: secret.New(e.sec)}
}

// okCall runs a call that must succeed and decodes its result into v.
func (e *testEnv) okCall(t *testing.T, service string, c sigv4.Credentials, v any, kv ...string) {
	t.Helper()
	p := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	if service == "iam" {
		p.Set("Version", "2010-05-08")
	} else {
		p.Set("Version", "2011-06-15")
	}
	r := e.call(t, service, c, p)
	if r.status != 200 {
		t.Fatalf("%s %s: %d\n%s", service, p.Get("Action"), r.status, r.body)
	}
	if v != nil {
		if err := xml.Unmarshal(r.body, v); err != nil {
			t.Fatalf("decoding %s: %v\n%s", p.Get("Action"), err, r.body)
		}
	}
}

// queryErr runs a call that must fail and returns its Query error.
func (e *testEnv) queryErr(t *testing.T, service string, c sigv4.Credentials, status int, code string, kv ...string) string {
	t.Helper()
	p := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	if p.Get("Version") == "" {
		p.Set("Version", map[string]string{"iam": "2010-05-08", "sts": "2011-06-15"}[service])
	}
	r := e.call(t, service, c, p)
	var env struct {
		Error struct{ Type, Code, Message string }
	}
	if err := xml.Unmarshal(r.body, &env); err != nil || r.status != status || env.Error.Code != code {
		t.Fatalf("%s %s: want %d %s, got %d\n%s", service, p.Get("Action"), status, code, r.status, r.body)
	}
	return env.Error.Message
}

type credsXML struct {
	AccessKeyId, SecretAccessKey, SessionToken, Expiration string
}

type assumeXML struct {
	Result struct {
		Credentials     credsXML
		AssumedRoleUser struct{ Arn string }
	} `xml:"AssumeRoleResult"`
}

type sessionTokenXML struct {
	Result struct{ Credentials credsXML } `xml:"GetSessionTokenResult"`
}

func (c credsXML) sig() sigv4.Credentials {
	return sigv4.Credentials{AccessKeyID: c.AccessKeyId, SecretAccessKey: secret.New(c.SecretAccessKey), SessionToken: c.SessionToken}
}

const readAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","sts:AssumeRole","sts:GetFederationToken"],"Resource":"*"}]}`

// identityEnv: a fake-clock server with bucket "life" holding "cat", a
// user alice allowed readAll, and role "reader" (MaxSessionDuration
// 43200) trusting alice and the account, also allowed readAll.
type identityEnv struct {
	*testEnv
	alice   sigv4.Credentials
	roleARN string
	body    []byte
}

func newIdentityEnv(t *testing.T) *identityEnv {
	t.Helper()
	return withIdentities(t, startServer(t, false, clock.NewFake(t0)))
}

// withIdentities gives e's server what newIdentityEnv describes.
func withIdentities(t *testing.T, e *testEnv) *identityEnv {
	t.Helper()
	ie := &identityEnv{testEnv: e, body: []byte("a yawning cat")}
	r := do(t, e.httpc, http.MethodPut, e.signedURL(t, http.MethodPut, "/life", 0), nil, nil)
	wantOK(t, r, 200, nil)
	r = do(t, e.httpc, http.MethodPut, e.signedURL(t, http.MethodPut, "/life/cat", 0), nil, ie.body)
	wantOK(t, r, 200, nil)

	var user struct {
		Result struct{ User struct{ Arn string } } `xml:"CreateUserResult"`
	}
	e.okCall(t, "iam", e.root(), &user, "Action", "CreateUser", "UserName", "alice")
	var key struct {
		Result struct {
			AccessKey struct{ AccessKeyId, SecretAccessKey string }
		} `xml:"CreateAccessKeyResult"`
	}
	e.okCall(t, "iam", e.root(), &key, "Action", "CreateAccessKey", "UserName", "alice")
	ie.alice = sigv4.Credentials{AccessKeyID: key.Result.AccessKey.AccessKeyId, SecretAccessKey: secret.New(key.Result.AccessKey.SecretAccessKey)}
	e.okCall(t, "iam", e.root(), nil, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "all", "PolicyDocument", readAll)
	acct := strings.Split(user.Result.User.Arn, ":")[4]
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + user.Result.User.Arn + `","arn:aws:iam::` + acct + `:root"]},"Action":"sts:AssumeRole"}]}`
	var role struct {
		Result struct{ Role struct{ Arn string } } `xml:"CreateRoleResult"`
	}
	e.okCall(t, "iam", e.root(), &role, "Action", "CreateRole", "RoleName", "reader", "AssumeRolePolicyDocument", trust, "MaxSessionDuration", "43200")
	ie.roleARN = role.Result.Role.Arn
	e.okCall(t, "iam", e.root(), nil, "Action", "PutRolePolicy", "RoleName", "reader", "PolicyName", "all", "PolicyDocument", readAll)
	return ie
}

// signedURL presigns a root request at the fake clock's time.
func (e *testEnv) signedURL(t *testing.T, method, path string, expires time.Duration) string {
	t.Helper()
	if expires == 0 {
		expires = time.Hour
	}
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: method, URL: e.ts.URL + path, Credentials: e.root(), Region: region, Service: "s3", Time: e.fake.Now(),
		Expires: expires, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// presign signs a GET of life/cat with c at the fake clock's time.
func (ie *identityEnv) presign(t *testing.T, c sigv4.Credentials, expires time.Duration) string {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: http.MethodGet, URL: ie.ts.URL + "/life/cat", Credentials: c, Region: region, Service: "s3",
		Time: ie.fake.Now(), Expires: expires, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (ie *identityEnv) assume(t *testing.T, c sigv4.Credentials, roleARN, name string, seconds int) credsXML {
	t.Helper()
	var out assumeXML
	kv := []string{"Action", "AssumeRole", "RoleArn", roleARN, "RoleSessionName", name}
	if seconds > 0 {
		kv = append(kv, "DurationSeconds", strconv.Itoa(seconds))
	}
	ie.okCall(t, "sts", c, &out, kv...)
	return out.Result.Credentials
}

// at moves the fake clock to t0+d and GETs u.
func (ie *identityEnv) at(t *testing.T, d time.Duration, u string) rawResp {
	t.Helper()
	ie.fake.Set(t0.Add(d))
	return do(t, ie.httpc, http.MethodGet, u, nil, nil)
}

func TestLifetimeBoundariesOnFakeClock(t *testing.T) {
	ie := newIdentityEnv(t)
	week := 7 * 24 * time.Hour

	// A 12-hour role session: its week-long URL works until the session
	// ends, to the second.
	sess := ie.assume(t, ie.alice, ie.roleARN, "ci", 43200)
	if exp, _ := time.Parse(time.RFC3339, sess.Expiration); !exp.Equal(t0.Add(12 * time.Hour)) {
		t.Fatalf("Expiration %s, want %s", sess.Expiration, t0.Add(12*time.Hour))
	}
	roleURL := ie.presign(t, sess.sig(), week)
	userURL := ie.presign(t, ie.alice, week)
	wantOK(t, ie.at(t, 12*time.Hour-time.Second, roleURL), 200, ie.body)
	e := wantErr(t, ie.at(t, 12*time.Hour, roleURL), 400, "ExpiredToken")
	if e.Message != "The provided token has expired." {
		t.Errorf("ExpiredToken message %q", e.Message)
	}
	wantErr(t, ie.at(t, 12*time.Hour+time.Second, roleURL), 400, "ExpiredToken")

	// The user's key: the full 7 days, to the second.
	wantOK(t, ie.at(t, week-time.Second, userURL), 200, ie.body)
	e = wantErr(t, ie.at(t, week, userURL), 403, "AccessDenied")
	if e.Message != "Request has expired" {
		t.Errorf("message %q", e.Message)
	}
	wantErr(t, ie.at(t, week+time.Second, userURL), 403, "AccessDenied")
	// One second before it was signed, it is not yet valid.
	if e := wantErr(t, ie.at(t, -time.Second, userURL), 403, "AccessDenied"); e.Message != "Request is not yet valid" {
		t.Errorf("message %q", e.Message)
	}

	// Over the 7-day cap: refused before anything else.
	ie.fake.Set(t0)
	over := ie.presign(t, ie.alice, week+time.Second)
	wantErr(t, ie.at(t, 0, over), 400, "AuthorizationQueryParametersError")

	// A URL shorter than its session ends with its own window.
	ie.fake.Set(t0)
	short := ie.presign(t, sess.sig(), time.Hour)
	wantOK(t, ie.at(t, time.Hour-time.Second, short), 200, ie.body)
	wantErr(t, ie.at(t, time.Hour, short), 403, "AccessDenied")
}

func TestSessionDurationBoundaries(t *testing.T) {
	ie := newIdentityEnv(t)
	// Default AssumeRole duration: 1 hour.
	def := ie.assume(t, ie.alice, ie.roleARN, "default", 0)
	if exp, _ := time.Parse(time.RFC3339, def.Expiration); !exp.Equal(t0.Add(time.Hour)) {
		t.Errorf("default AssumeRole Expiration %s, want +1h", def.Expiration)
	}
	u := ie.presign(t, def.sig(), 24*time.Hour)
	wantOK(t, ie.at(t, time.Hour-time.Second, u), 200, ie.body)
	wantErr(t, ie.at(t, time.Hour, u), 400, "ExpiredToken")
	ie.fake.Set(t0)

	// MaxSessionDuration: 43200 is the role's limit; lower it and the
	// same request is refused with AWS's text.
	ie.assume(t, ie.alice, ie.roleARN, "max", 43200)
	ie.okCall(t, "iam", ie.root(), nil, "Action", "UpdateRole", "RoleName", "reader", "MaxSessionDuration", "7200")
	ie.assume(t, ie.alice, ie.roleARN, "at-max", 7200)
	msg := ie.queryErr(t, "sts", ie.alice, 400, "ValidationError", "Action", "AssumeRole", "RoleArn", ie.roleARN, "RoleSessionName", "over", "DurationSeconds", "7201")
	if msg != "The requested DurationSeconds exceeds the MaxSessionDuration set for this role." {
		t.Errorf("message %q", msg)
	}
	ie.queryErr(t, "sts", ie.alice, 400, "ValidationError", "Action", "AssumeRole", "RoleArn", ie.roleARN, "RoleSessionName", "under", "DurationSeconds", "899")

	// Role chaining: at most one hour, and that session dies at +1h.
	first := ie.assume(t, ie.alice, ie.roleARN, "first", 7200)
	chained := ie.assume(t, first.sig(), ie.roleARN, "chained", 3600)
	msg = ie.queryErr(t, "sts", first.sig(), 400, "ValidationError", "Action", "AssumeRole", "RoleArn", ie.roleARN, "RoleSessionName", "long", "DurationSeconds", "3601")
	if msg != "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining." {
		t.Errorf("message %q", msg)
	}
	cu := ie.presign(t, chained.sig(), 2*time.Hour)
	wantOK(t, ie.at(t, time.Hour-time.Second, cu), 200, ie.body)
	wantErr(t, ie.at(t, time.Hour, cu), 400, "ExpiredToken")
	wantErr(t, ie.at(t, time.Hour+time.Second, cu), 400, "ExpiredToken")
	ie.fake.Set(t0)

	// GetSessionToken: 12 h by default for a user; root gets at most 1 h.
	var st sessionTokenXML
	ie.okCall(t, "sts", ie.alice, &st, "Action", "GetSessionToken")
	if exp, _ := time.Parse(time.RFC3339, st.Result.Credentials.Expiration); !exp.Equal(t0.Add(12 * time.Hour)) {
		t.Errorf("GetSessionToken default Expiration %s, want +12h", st.Result.Credentials.Expiration)
	}
	su := ie.presign(t, st.Result.Credentials.sig(), 24*time.Hour)
	wantOK(t, ie.at(t, 12*time.Hour-time.Second, su), 200, ie.body)
	wantErr(t, ie.at(t, 12*time.Hour, su), 400, "ExpiredToken")
	ie.fake.Set(t0)
	ie.okCall(t, "sts", ie.alice, &st, "Action", "GetSessionToken", "DurationSeconds", "129600")
	ie.queryErr(t, "sts", ie.alice, 400, "ValidationError", "Action", "GetSessionToken", "DurationSeconds", "129601")
	ie.okCall(t, "sts", ie.root(), &st, "Action", "GetSessionToken", "DurationSeconds", "7200")
	if exp, _ := time.Parse(time.RFC3339, st.Result.Credentials.Expiration); !exp.Equal(t0.Add(time.Hour)) {
		t.Errorf("root GetSessionToken 7200 s: Expiration %s, want +1h", st.Result.Credentials.Expiration)
	}
}

func TestMissingKeyIs404OnlyWithListBucket(t *testing.T) {
	ie := newIdentityEnv(t)
	u := ie.presign(t, ie.alice, time.Hour)
	missing, _ := sigv4.Presign(sigv4.PresignInput{
		Method: http.MethodGet, URL: ie.ts.URL + "/life/nope", Credentials: ie.alice, Region: region, Service: "s3",
		Time: ie.fake.Now(), Expires: time.Hour, Mode: sigv4.S3,
	})
	wantErr(t, do(t, ie.httpc, http.MethodGet, missing, nil, nil), 404, "NoSuchKey")
	// Without s3:ListBucket, a missing key is indistinguishable from a
	// forbidden one.
	ie.okCall(t, "iam", ie.root(), nil, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "all",
		"PolicyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	wantErr(t, do(t, ie.httpc, http.MethodGet, missing, nil, nil), 403, "AccessDenied")
	wantOK(t, do(t, ie.httpc, http.MethodGet, u, nil, nil), 200, ie.body)
}

func TestQueryAuthErrors(t *testing.T) {
	ie := newIdentityEnv(t)
	ghost := sigv4.Credentials{AccessKeyID: "AKIAGHOSTGHOSTGHOST1", SecretAccessKey: secret.New("x")}
	ie.queryErr(t, "sts", ghost, 403, "InvalidClientTokenId", "Action", "GetCallerIdentity")
	wrong := ie.alice
	wrong.SecretAccessKey = secret.New(ie.alice.SecretAccessKey.Reveal() + "x")
	ie.queryErr(t, "iam", wrong, 403, "SignatureDoesNotMatch", "Action", "ListUsers")
	sess := ie.assume(t, ie.alice, ie.roleARN, "qq", 900)
	ie.fake.Set(t0.Add(900 * time.Second))
	msg := ie.queryErr(t, "sts", sess.sig(), 403, "ExpiredToken", "Action", "GetCallerIdentity")
	if msg != "The security token included in the request is expired" {
		t.Errorf("message %q", msg)
	}
	ie.fake.Set(t0)
	// alice may not manage IAM.
	ie.queryErr(t, "iam", ie.alice, 403, "AccessDenied", "Action", "CreateUser", "UserName", "mallory")
	// Unsigned Query calls are refused.
	r := do(t, ie.httpc, http.MethodPost, ie.ts.URL+"/", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, []byte("Action=GetCallerIdentity&Version=2011-06-15"))
	if r.status != 403 || !strings.Contains(string(r.body), "MissingAuthenticationToken") {
		t.Errorf("unsigned STS call: %d\n%s", r.status, r.body)
	}
}

// Moving the dev clock ages sessions and URLs but not header-signed
// calls: their skew is checked against the real clock.
func TestDevClockMovesLifetimesNotSkew(t *testing.T) {
	ie := newIdentityEnv(t)
	sess := ie.assume(t, ie.alice, ie.roleARN, "dev", 3600)
	u := ie.presign(t, sess.sig(), 2*time.Hour)
	wantOK(t, do(t, ie.httpc, http.MethodGet, u, nil, nil), 200, ie.body)
	ie.srv.Clock.Advance(time.Hour)
	wantErr(t, do(t, ie.httpc, http.MethodGet, u, nil, nil), 400, "ExpiredToken")
	// alice's header-signed call, dated by the (unmoved) base clock, works.
	var id struct {
		Result struct{ Arn string } `xml:"GetCallerIdentityResult"`
	}
	ie.okCall(t, "sts", ie.alice, &id, "Action", "GetCallerIdentity")
	if !strings.HasSuffix(id.Result.Arn, ":user/alice") {
		t.Errorf("GetCallerIdentity Arn %q", id.Result.Arn)
	}
	// A session issued now is issued in the moved time.
	late := ie.assume(t, ie.alice, ie.roleARN, "late", 3600)
	if exp, _ := time.Parse(time.RFC3339, late.Expiration); !exp.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("session issued an hour into the moved clock expires %s, want %s", late.Expiration, t0.Add(2*time.Hour))
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// A session's token is checked before its signature: an altered token is
// InvalidToken, a missing one makes the ASIA key unknown.
func TestSessionTokenChecks(t *testing.T) {
	ie := newIdentityEnv(t)
	sess := ie.assume(t, ie.alice, ie.roleARN, "tok", 3600)
	altered := sess.sig()
	altered.SessionToken = "A" + altered.SessionToken[1:]
	if altered.SessionToken == sess.SessionToken {
		altered.SessionToken = "B" + altered.SessionToken[1:]
	}
	wantErr(t, do(t, ie.httpc, http.MethodGet, ie.presign(t, altered, time.Hour), nil, nil), 400, "InvalidToken")
	bare := sess.sig()
	bare.SessionToken = ""
	e := wantErr(t, do(t, ie.httpc, http.MethodGet, ie.presign(t, bare, time.Hour), nil, nil), 403, "InvalidAccessKeyId")
	if e.AWSAccessKeyID != sess.AccessKeyId {
		t.Errorf("AWSAccessKeyId %q, want %q", e.AWSAccessKeyID, sess.AccessKeyId)
	}
	// A long-term key with a token it never had is InvalidToken too.
	withToken := ie.alice
	withToken.SessionToken = sess.SessionToken
	wantErr(t, do(t, ie.httpc, http.MethodGet, ie.presign(t, withToken, time.Hour), nil, nil), 400, "InvalidToken")
}

// Secrets at rest: the sealing key is private, and the metadata store holds
// neither a user's secret key nor a session's secret or token.
func TestSecretsAreNotInTheMetadataStore(t *testing.T) {
	ie := newIdentityEnv(t)
	sess := ie.assume(t, ie.alice, ie.roleARN, "rest", 3600)
	for path, want := range map[string]os.FileMode{filepath.Join(ie.dir, "sealing.key"): 0o600, ie.dir: 0o700} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", path, fi.Mode().Perm(), want)
		}
	}
	ie.srv.Close()
	db, err := os.ReadFile(filepath.Join(ie.dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(db, []byte(ie.alice.AccessKeyID)) || !bytes.Contains(db, []byte(sess.AccessKeyId)) {
		t.Fatal("meta.db does not hold the key IDs: this test is not looking at the right file")
	}
	for name, s := range map[string]string{"alice's secret key": ie.alice.SecretAccessKey.Reveal(), "the session's secret key": sess.SecretAccessKey, "the session token": sess.SessionToken} {
		if bytes.Contains(db, []byte(s)) {
			t.Errorf("meta.db holds %s in the clear", name)
		}
	}
}
