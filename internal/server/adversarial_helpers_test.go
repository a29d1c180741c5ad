package server_test

// The world the adversarial matrix attacks: a fake-clock signet served by
// the http.Server that ListenAndServe runs (so its header limit and
// timeouts apply), objects whose bytes must never change, identities in
// every state a credential can be in, and the plumbing to send requests
// exactly as written — odd paths, duplicated parameters, lying lengths.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/secret"
	"signet/internal/server"
	"signet/internal/sigv4"
)

// startLimitedServer is startServer on the production http.Server (the
// one ListenAndServe runs) rather than httptest's default, so the
// connection limits are those of the configuration; tune adjusts them.
func startLimitedServer(t *testing.T, fake *clock.Fake, tune func(*config.Config)) *testEnv {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Region = region
	cfg.RootAccessKeyID, cfg.RootSecret = "", ""
	cfg.TLSCert, cfg.TLSKey = "", ""
	if tune != nil {
		tune(&cfg)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.New(cfg, log, fake)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = srv.HTTPServer()
	ts.Start()
	root := srv.Root()
	e := &testEnv{srv: srv, ts: ts, akid: root.AccessKeyID, sec: root.Secret.Reveal(), logs: logs, fake: fake, dir: cfg.DataDir}
	tr := &http.Transport{}
	e.rec = &recordingTransport{next: tr}
	// Redirects are answers too: a hostile request must not be followed
	// somewhere else.
	e.httpc = &http.Client{Transport: e.rec, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("srv.Close: %v", err)
		}
		if strings.Contains(logs.String(), e.sec) {
			t.Errorf("server log contains the root secret")
		}
	})
	return e
}

// advObjects are the objects every hostile request is aimed at; after
// each one they must still hold exactly these bytes, and these must be
// the only keys.
var advObjects = map[string][]byte{
	"adv/obj":   []byte("the crown jewels"),
	"adv/other": []byte("a second object"),
	"adv2/obj":  []byte("another bucket's jewels"),
}

// sAllowAll lets a user do anything in S3 and STS.
const sAllowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sts:*"],"Resource":"*"}]}`

// advEnv is the attacked server with its identities.
type advEnv struct {
	*testEnv
	host string // 127.0.0.1:port

	alice, bob sigv4.Credentials // active users allowed everything
	erin       sigv4.Credentials // key made Inactive
	carol      sigv4.Credentials // key deleted, user kept
	dave       sigv4.Credentials // user deleted with its key
	mallory    sigv4.Credentials // explicitly denied every S3 action

	live    credsXML // role session, 1 hour from t0
	ended   credsXML // role session terminated through the admin API
	short   credsXML // role session of 900 s
	revoked credsXML // role session older than its role's revocation

	workerARN string // the role the sessions above were assumed from

	// upload is an in-progress multipart upload of adv/mp with part 1.
	upload, partETag string
	// signedBefore holds URLs signed while their credentials were
	// alive, by whose they were.
	signedBefore map[string]string
}

func newAdvEnv(t *testing.T) *advEnv {
	t.Helper()
	e := startLimitedServer(t, clock.NewFake(t0), nil)
	u, _ := url.Parse(e.ts.URL)
	a := &advEnv{testEnv: e, host: u.Host, signedBefore: map[string]string{}}
	for _, b := range []string{"adv", "adv2"} {
		a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/"+b, nil, nil), 200)
	}
	for k, v := range advObjects {
		a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/"+k, nil, v), 200)
	}
	// adv2 is publicly readable, for the rows that need an anonymous
	// caller to get past authorisation: its Block Public Access, on for
	// every new bucket, goes first.
	a.mustStatus(t, a.rootHeader(t, http.MethodDelete, "/adv2?publicAccessBlock", nil, nil), 204)
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/adv2?policy", nil,
		[]byte(strings.ReplaceAll(publicRead, "arn:aws:s3:::adv/*", "arn:aws:s3:::adv2/*"))), 204)
	// A multipart upload in progress, with one part, that the
	// CompleteMultipartUpload rows try to finish wrongly.
	r := a.mustStatus(t, a.rootHeader(t, http.MethodPost, "/adv/mp?uploads", nil, nil), 200)
	var init struct{ UploadId string }
	if err := xml.Unmarshal(r.body, &init); err != nil || init.UploadId == "" {
		t.Fatalf("CreateMultipartUpload: %v\n%s", err, r)
	}
	a.upload = init.UploadId
	r = a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/adv/mp?partNumber=1&uploadId="+a.upload, nil, []byte("part one")), 200)
	a.partETag = r.header.Get("ETag")

	a.alice = a.newUser(t, "alice", sAllowAll)
	a.bob = a.newUser(t, "bob", sAllowAll)
	a.erin = a.newUser(t, "erin", sAllowAll)
	a.carol = a.newUser(t, "carol", sAllowAll)
	a.dave = a.newUser(t, "dave", sAllowAll)
	a.mallory = a.newUser(t, "mallory", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`)

	trust := func(name string) string {
		var user struct {
			Result struct{ User struct{ Arn string } } `xml:"GetUserResult"`
		}
		a.okCall(t, "iam", a.root(), &user, "Action", "GetUser", "UserName", name)
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + user.Result.User.Arn + `"},"Action":"sts:AssumeRole"}]}`
	}
	roleARN := func(name string) string {
		var role struct {
			Result struct{ Role struct{ Arn string } } `xml:"CreateRoleResult"`
		}
		a.okCall(t, "iam", a.root(), &role, "Action", "CreateRole", "RoleName", name, "AssumeRolePolicyDocument", trust("alice"), "MaxSessionDuration", "43200")
		a.okCall(t, "iam", a.root(), nil, "Action", "PutRolePolicy", "RoleName", name, "PolicyName", "all", "PolicyDocument", sAllowAll)
		return role.Result.Role.Arn
	}
	assume := func(arn, name string, secs int) credsXML {
		var out assumeXML
		a.okCall(t, "sts", a.alice, &out, "Action", "AssumeRole", "RoleArn", arn, "RoleSessionName", name, "DurationSeconds", fmt.Sprint(secs))
		return out.Result.Credentials
	}
	worker := roleARN("worker")
	a.workerARN = worker
	a.live = assume(worker, "live", 3600)
	a.ended = assume(worker, "ended", 3600)
	a.short = assume(worker, "short", 900)
	a.signedBefore["ended"] = a.presign(t, http.MethodGet, "/adv/obj", a.ended.sig(), time.Hour)
	if _, err := a.adminAs(a.root()).Terminate(t.Context(), a.ended.AccessKeyId); err != nil {
		t.Fatalf("terminating a session: %v", err)
	}
	// AWS's "revoke active sessions": a deny on tokens issued before now.
	revokedRole := roleARN("revoked")
	a.revoked = assume(revokedRole, "old", 3600)
	a.okCall(t, "iam", a.root(), nil, "Action", "PutRolePolicy", "RoleName", "revoked", "PolicyName", "AWSRevokeOlderSessions",
		"PolicyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"`+t0.Add(time.Second).Format(time.RFC3339)+`"}}}]}`)

	// Keys that die after signing.
	a.signedBefore["carol"] = a.presign(t, http.MethodGet, "/adv/obj", a.carol, time.Hour)
	a.okCall(t, "iam", a.root(), nil, "Action", "DeleteAccessKey", "UserName", "carol", "AccessKeyId", a.carol.AccessKeyID)
	a.signedBefore["dave"] = a.presign(t, http.MethodGet, "/adv/obj", a.dave, time.Hour)
	a.okCall(t, "iam", a.root(), nil, "Action", "DeleteAccessKey", "UserName", "dave", "AccessKeyId", a.dave.AccessKeyID)
	a.okCall(t, "iam", a.root(), nil, "Action", "DeleteUserPolicy", "UserName", "dave", "PolicyName", "all")
	a.okCall(t, "iam", a.root(), nil, "Action", "DeleteUser", "UserName", "dave")
	a.signedBefore["erin"] = a.presign(t, http.MethodGet, "/adv/obj", a.erin, time.Hour)
	a.okCall(t, "iam", a.root(), nil, "Action", "UpdateAccessKey", "UserName", "erin", "AccessKeyId", a.erin.AccessKeyID, "Status", "Inactive")
	return a
}

// newUser creates an IAM user with one access key and an inline policy.
func (a *advEnv) newUser(t *testing.T, name, policy string) sigv4.Credentials {
	t.Helper()
	a.okCall(t, "iam", a.root(), nil, "Action", "CreateUser", "UserName", name)
	var key struct {
		Result struct {
			AccessKey struct{ AccessKeyId, SecretAccessKey string }
		} `xml:"CreateAccessKeyResult"`
	}
	a.okCall(t, "iam", a.root(), &key, "Action", "CreateAccessKey", "UserName", name)
	a.okCall(t, "iam", a.root(), nil, "Action", "PutUserPolicy", "UserName", name, "PolicyName", "all", "PolicyDocument", policy)
	return sigv4.Credentials{AccessKeyID: key.Result.AccessKey.AccessKeyId, SecretAccessKey: secret.New(key.Result.AccessKey.SecretAccessKey)}
}

// ---------------------------------------------------------------------------
// Requests written exactly

// advReq is one request as it goes on the wire. target is the request
// URI (path and query) exactly as sent; raw, when set, is written on a
// fresh TCP connection instead, for what net/http's client refuses to
// send (a body shorter than its Content-Length).
type advReq struct {
	method string
	target string
	header http.Header
	body   []byte
	raw    []byte
	// halfClose ends the client's side of the connection after raw, so a
	// short body ends in EOF instead of a wait.
	halfClose bool
}

// httpReq builds a client request for target on host without letting
// net/url re-encode or reject the path: it goes in Opaque, which the
// client writes as it is.
func httpReq(method, host, target string, body []byte) *http.Request {
	path, query, _ := strings.Cut(target, "?")
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, "http://"+host+"/", rd)
	req.URL.Opaque, req.URL.RawQuery, req.URL.Path = path, query, ""
	req.Host = host
	return req
}

// target strips scheme and host from a URL the signer returned.
func target(rawURL string) string {
	i := strings.Index(rawURL, "://")
	j := strings.IndexByte(rawURL[i+3:], '/')
	return rawURL[i+3+j:]
}

func sha256HexOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signedHeaderReq signs method target with c in the Authorization header at
// time at. payloadHash "" means the body's real SHA-256.
func (a *advEnv) signedHeaderReq(t *testing.T, method, tgt string, c sigv4.Credentials, hdr http.Header, body []byte, payloadHash string, at time.Time) advReq {
	t.Helper()
	req := httpReq(method, a.host, tgt, body)
	for k, vs := range hdr {
		req.Header[k] = slices.Clone(vs)
	}
	if payloadHash == "" {
		payloadHash = sha256HexOf(body)
	}
	if err := sigv4.SignHeader(req, c, region, "s3", at, payloadHash, sigv4.S3); err != nil {
		t.Fatalf("signing %s %s: %v", method, tgt, err)
	}
	return advReq{method: method, target: tgt, header: req.Header, body: body}
}

// rootHeader is a root request signed now, the valid baseline.
func (a *advEnv) rootHeader(t *testing.T, method, tgt string, hdr http.Header, body []byte) advReq {
	t.Helper()
	return a.signedHeaderReq(t, method, tgt, a.root(), hdr, body, "", a.fake.Now())
}

// presign returns the request URI of a presigned URL for tgt on this
// server, signed at the fake clock's time.
func (a *advEnv) presign(t *testing.T, method, tgt string, c sigv4.Credentials, expires time.Duration) string {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: method, URL: "http://" + a.host + tgt, Credentials: c, Region: region, Service: "s3",
		Time: a.fake.Now(), Expires: expires, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatalf("presign %s %s: %v", method, tgt, err)
	}
	return target(u)
}

// wire renders r as HTTP/1.1 bytes with the given Content-Length.
func (a *advEnv) wire(r advReq, contentLength int64) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", r.method, r.target, a.host)
	for k, vs := range r.header {
		if strings.EqualFold(k, "Host") || strings.EqualFold(k, "Content-Length") {
			continue
		}
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if contentLength >= 0 && (contentLength > 0 || r.method == http.MethodPut || r.method == http.MethodPost) {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", contentLength)
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.Write(r.body)
	return b.Bytes()
}

// send performs r and returns the response.
func (a *advEnv) send(t *testing.T, r advReq) rawResp {
	t.Helper()
	if r.raw != nil {
		return a.sendRaw(t, r.raw, r.halfClose)
	}
	req := httpReq(r.method, a.host, r.target, r.body)
	for k, vs := range r.header {
		if strings.EqualFold(k, "Host") {
			req.Host = vs[0]
			continue
		}
		req.Header[k] = slices.Clone(vs)
	}
	resp, err := a.httpc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", r.method, r.target, err)
	}
	return rawResp{req: r.method + " " + abbreviate(r.target), status: resp.StatusCode, header: resp.Header, body: b}
}

// sendRaw writes data on a new connection and reads one response.
func (a *advEnv) sendRaw(t *testing.T, data []byte, halfClose bool) rawResp {
	t.Helper()
	conn, err := net.Dial("tcp", a.host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := conn.Write(data); err != nil {
		t.Fatalf("writing the raw request: %v", err)
	}
	if halfClose {
		_ = conn.(*net.TCPConn).CloseWrite()
	}
	line, _, _ := bytes.Cut(data, []byte("\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: reading the response: %v", abbreviate(string(line)), err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResp{req: abbreviate(string(line)), status: resp.StatusCode, header: resp.Header, body: b}
}

func abbreviate(s string) string {
	if len(s) > 300 {
		return s[:300] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

// errorCode reads the AWS error code from an S3 <Error> or a Query
// <ErrorResponse> body ("" when the body is neither).
func errorCode(body []byte) (code, message string) {
	var s3e struct {
		XMLName xml.Name
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
		Error   struct{ Code, Message string }
	}
	if xml.Unmarshal(body, &s3e) != nil {
		return "", ""
	}
	switch s3e.XMLName.Local {
	case "Error":
		return s3e.Code, s3e.Message
	case "ErrorResponse":
		return s3e.Error.Code, s3e.Error.Message
	}
	return "", ""
}

func (a *advEnv) mustStatus(t *testing.T, r advReq, status int) rawResp {
	t.Helper()
	resp := a.send(t, r)
	if resp.status != status {
		t.Fatalf("want %d\n%s", status, resp)
	}
	return resp
}

// intact asserts that nothing a hostile request could have touched has
// changed and that the server still serves valid requests: every object
// holds its bytes, the buckets hold exactly their keys, adv has no bucket
// policy, and the upload in progress still has its one part.
func (a *advEnv) intact(t *testing.T) {
	t.Helper()
	a.fake.Set(t0)
	for k, v := range advObjects {
		r := a.send(t, a.rootHeader(t, http.MethodGet, "/"+k, nil, nil))
		if r.status != 200 || !bytes.Equal(r.body, v) {
			t.Fatalf("after the hostile request, GET %s = %d %q, want 200 %q", k, r.status, abbreviate(string(r.body)), v)
		}
	}
	for bucket, want := range map[string][]string{"adv": {"obj", "other"}, "adv2": {"obj"}} {
		r := a.send(t, a.rootHeader(t, http.MethodGet, "/"+bucket+"?list-type=2", nil, nil))
		var list struct {
			Contents []struct{ Key string }
		}
		if err := xml.Unmarshal(r.body, &list); r.status != 200 || err != nil {
			t.Fatalf("after the hostile request, listing %s: %v\n%s", bucket, err, r)
		}
		var got []string
		for _, c := range list.Contents {
			got = append(got, c.Key)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("after the hostile request, bucket %s holds %q, want %q", bucket, got, want)
		}
	}
	r := a.send(t, a.rootHeader(t, http.MethodGet, "/adv?policy", nil, nil))
	if code, _ := errorCode(r.body); r.status != 404 || code != "NoSuchBucketPolicy" {
		t.Fatalf("after the hostile request, adv has a bucket policy:\n%s", r)
	}
	r = a.send(t, a.rootHeader(t, http.MethodGet, "/adv/mp?uploadId="+a.upload, nil, nil))
	if r.status != 200 || strings.Count(string(r.body), "<Part>") != 1 || !strings.Contains(string(r.body), "<PartNumber>1</PartNumber>") {
		t.Fatalf("after the hostile request, the upload in progress changed:\n%s", r)
	}
}
