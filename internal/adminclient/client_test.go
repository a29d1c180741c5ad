package adminclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

const (
	testAKID   = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// Canned bodies, as docs/admin-api.md shows them.
const (
	clockJSON = `{"now": "2026-11-28T10:00:01Z", "real": "2026-11-27T22:00:00Z",
 "offset": "12h0m1s", "offset_seconds": 43201, "dev_clock": true}`
	sessionJSON = `{"access_key_id": "ASIAEXAMPLEREADER01", "kind": "assumed-role",
 "arn": "arn:aws:sts::000000000000:assumed-role/reader/ci",
 "user_id": "AROAEXAMPLEREADER:ci", "user_name": "", "role_name": "reader",
 "role_arn": "arn:aws:iam::000000000000:role/reader", "session_name": "ci",
 "source_access_key_id": "AKIAIOSFODNN7EXAMPLE", "chained": false,
 "issued": "2026-11-27T10:00:00Z", "expires": "2026-11-27T22:00:00Z",
 "terminated_at": null, "status": "active", "remaining_seconds": 43200}`
	terminatedJSON = `{"access_key_id": "ASIAEXAMPLEREADER01", "kind": "assumed-role",
 "arn": "arn:aws:sts::000000000000:assumed-role/reader/ci",
 "issued": "2026-11-27T10:00:00Z", "expires": "2026-11-27T22:00:00Z",
 "terminated_at": "2026-11-27T12:30:00.123456789Z", "status": "terminated", "remaining_seconds": 0}`
)

type canned struct {
	status int
	ctype  string
	body   string
	header map[string]string
}

type recorded struct {
	method, path, query string
	body                string
	scope               sigv4.Scope
	token               string
	signedHeaders       []string
	contentType         string
}

// fakeServer checks every request's signature with signet's own verifier,
// as the real server does, then answers canned bodies by "METHOD path?query".
type fakeServer struct {
	*httptest.Server
	mu     sync.Mutex
	routes map[string]canned
	got    []recorded
}

func newFake(t *testing.T, routes map[string]canned) *fakeServer {
	t.Helper()
	f := &fakeServer{routes: routes}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func apiErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, `{"error": {"code": "`+code+`", "message": "`+msg+`"}, "request_id": "REQ0000000000001"}`)
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	req := sigv4.FromHTTP(r)
	a, err := sigv4.ParseHeader(req)
	if err != nil {
		apiErr(w, 403, "MissingAuthenticationToken", err.Error())
		return
	}
	if a.AccessKeyID != testAKID || a.Scope.Service != Service {
		apiErr(w, 403, "InvalidClientTokenId", "unknown key or wrong service "+a.Scope.Service)
		return
	}
	if _, err := sigv4.Verify(req, a, sigv4.SigningKey(secret.New(testSecret), a.Scope), sigv4.Generic); err != nil {
		apiErr(w, 403, "SignatureDoesNotMatch", err.Error())
		return
	}
	body, _ := io.ReadAll(r.Body)
	if a.PayloadHash != sigv4.HexSHA256(body) || !slices.Contains(a.SignedHeaders, "x-amz-content-sha256") {
		apiErr(w, 403, "SignatureDoesNotMatch", "payload hash missing, unsigned or wrong")
		return
	}
	f.mu.Lock()
	f.got = append(f.got, recorded{r.Method, r.URL.Path, r.URL.RawQuery, string(body), a.Scope, a.SecurityToken, a.SignedHeaders, r.Header.Get("Content-Type")})
	f.mu.Unlock()
	key := r.Method + " " + r.URL.Path
	if r.URL.RawQuery != "" {
		key += "?" + r.URL.RawQuery
	}
	c, ok := f.routes[key]
	if !ok {
		apiErr(w, 404, "NotFound", "no route "+key)
		return
	}
	if c.ctype == "" {
		c.ctype = "application/json"
	}
	w.Header().Set("Content-Type", c.ctype)
	for k, v := range c.header {
		w.Header().Set(k, v)
	}
	if c.status == 0 {
		c.status = 200
	}
	w.WriteHeader(c.status)
	io.WriteString(w, c.body)
}

func (f *fakeServer) last(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) == 0 {
		t.Fatal("the server saw no (valid) request")
	}
	return f.got[len(f.got)-1]
}

func (f *fakeServer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

func (f *fakeServer) client(t *testing.T) *Client {
	t.Helper()
	u, err := url.Parse(f.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{Endpoint: u, Region: "eu-west-1", Credentials: StaticCredentials{AccessKeyID: testAKID, SecretAccessKey: secret.New(testSecret)}, HTTP: f.Client()}
}

func TestClock(t *testing.T) {
	f := newFake(t, map[string]canned{"GET /_signet/admin/v1/clock": {body: clockJSON}})
	c := f.client(t)
	signedAt := time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return signedAt }
	got, err := c.Clock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := Clock{
		Now: time.Date(2026, 11, 28, 10, 0, 1, 0, time.UTC), Real: time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC),
		Offset: "12h0m1s", OffsetSeconds: 43201, DevClock: true,
	}
	if *got != want {
		t.Fatalf("got %+v; want %+v", *got, want)
	}
	if d := got.OffsetDuration(); d != 12*time.Hour+time.Second {
		t.Errorf("OffsetDuration %v", d)
	}
	r := f.last(t)
	if r.scope != (sigv4.Scope{Date: "20261127", Region: "eu-west-1", Service: "signet"}) {
		t.Errorf("scope %+v", r.scope)
	}
	if r.body != "" || r.contentType != "" || r.token != "" {
		t.Errorf("GET sent body %q, content type %q, token %q", r.body, r.contentType, r.token)
	}
}

func TestReset(t *testing.T) {
	f := newFake(t, map[string]canned{"POST /_signet/admin/v1/clock/reset": {body: clockJSON}})
	got, err := f.client(t).Reset(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got.OffsetSeconds != 43201 {
		t.Errorf("Reset = %+v, want the server's answer", got)
	}
	if r := f.last(t); r.body != "" || r.contentType != "" {
		t.Errorf("reset sent body %q, content type %q", r.body, r.contentType)
	}
}

func TestAdvance(t *testing.T) {
	f := newFake(t, map[string]canned{"POST /_signet/admin/v1/clock/advance": {body: clockJSON}})
	c := f.client(t)
	c.Region = "" // falls back to DefaultRegion
	if _, err := c.Advance(t.Context(), 6*24*time.Hour+23*time.Hour); err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.body != `{"duration":"6d23h0m0s"}` || r.contentType != "application/json" {
		t.Errorf("body %q content type %q", r.body, r.contentType)
	}
	if !slices.Contains(r.signedHeaders, "content-length") || r.scope.Region != DefaultRegion {
		t.Errorf("signed %v region %q", r.signedHeaders, r.scope.Region)
	}
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := c.Advance(t.Context(), d); err == nil || !strings.Contains(err.Error(), "only moves forward") {
			t.Errorf("Advance(%v) err %v", d, err)
		}
	}
	if f.count() != 1 {
		t.Errorf("refused durations reached the server")
	}
}

func TestListSessions(t *testing.T) {
	f := newFake(t, map[string]canned{
		"GET /_signet/admin/v1/sessions":          {body: `{"sessions": [` + sessionJSON + `]}`},
		"GET /_signet/admin/v1/sessions?all=true": {body: `{"sessions": [` + sessionJSON + `,` + terminatedJSON + `]}`},
	})
	c := f.client(t)
	live, err := c.ListSessions(t.Context(), false)
	if err != nil || len(live) != 1 {
		t.Fatalf("live: %v %v", live, err)
	}
	s := live[0]
	if s.AccessKeyID != "ASIAEXAMPLEREADER01" || s.Kind != KindAssumedRole || s.RoleName != "reader" || s.SessionName != "ci" ||
		s.SourceAccessKeyID != testAKID || s.TerminatedAt != nil || s.Status != StatusActive || s.Remaining() != 12*time.Hour ||
		!s.Expires.Equal(time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("session %+v", s)
	}
	all, err := c.ListSessions(t.Context(), true)
	if err != nil || len(all) != 2 {
		t.Fatalf("all: %v %v", all, err)
	}
	if ta := all[1].TerminatedAt; ta == nil || ta.Nanosecond() != 123456789 || all[1].Status != StatusTerminated {
		t.Errorf("terminated session %+v", all[1])
	}
	if q := f.last(t).query; q != "all=true" {
		t.Errorf("query %q", q)
	}
}

func TestListSessionsEmptyIsNotNil(t *testing.T) {
	for _, body := range []string{`{"sessions": []}`, `{"sessions": null}`, `{}`} {
		f := newFake(t, map[string]canned{"GET /_signet/admin/v1/sessions": {body: body}})
		got, err := f.client(t).ListSessions(t.Context(), false)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("%s: %#v %v", body, got, err)
		}
	}
}

func TestSessionAndTerminate(t *testing.T) {
	f := newFake(t, map[string]canned{
		"GET /_signet/admin/v1/sessions/ASIAEXAMPLEREADER01":            {body: sessionJSON},
		"POST /_signet/admin/v1/sessions/ASIAEXAMPLEREADER01/terminate": {body: terminatedJSON},
	})
	c := f.client(t)
	s, err := c.Session(t.Context(), "ASIAEXAMPLEREADER01")
	if err != nil || s.RoleARN != "arn:aws:iam::000000000000:role/reader" || s.UserID != "AROAEXAMPLEREADER:ci" {
		t.Fatalf("%+v %v", s, err)
	}
	s, err = c.Terminate(t.Context(), "ASIAEXAMPLEREADER01")
	if err != nil || s.Status != StatusTerminated {
		t.Fatalf("%+v %v", s, err)
	}
	if r := f.last(t); r.method != "POST" || r.body != "" {
		t.Errorf("terminate sent %s with body %q", r.method, r.body)
	}
	for _, bad := range []string{"", "..", "ASIA/../clock", "ASIA?x=1", "ASIA EXAMPLE", strings.Repeat("A", 129)} {
		if _, err := c.Session(t.Context(), bad); err == nil {
			t.Errorf("Session(%q) accepted", bad)
		}
		if _, err := c.Terminate(t.Context(), bad); err == nil {
			t.Errorf("Terminate(%q) accepted", bad)
		}
	}
	if f.count() != 2 {
		t.Errorf("bad IDs reached the server")
	}
}

func TestAPIError(t *testing.T) {
	f := newFake(t, map[string]canned{
		"POST /_signet/admin/v1/clock/advance":      {status: 409, body: `{"error": {"code": "DevClockDisabled", "message": "the server was started without --dev-clock"}, "request_id": "A1B2C3D4E5F60718"}`},
		"GET /_signet/admin/v1/sessions/ASIANOSUCH": {status: 404, header: map[string]string{"X-Amz-Request-Id": "FROMHEADER000001"}, body: `{"error": {"code": "NoSuchSession", "message": "no session with access key ID ASIANOSUCH"}}`},
	})
	c := f.client(t)
	_, err := c.Advance(t.Context(), time.Hour)
	var ae *APIError
	if !errors.As(err, &ae) || *ae != (APIError{409, "DevClockDisabled", "the server was started without --dev-clock", "A1B2C3D4E5F60718"}) {
		t.Fatalf("%#v", err)
	}
	if want := "DevClockDisabled: the server was started without --dev-clock (HTTP 409, request ID A1B2C3D4E5F60718)"; err.Error() != want {
		t.Errorf("message %q", err.Error())
	}
	_, err = c.Session(t.Context(), "ASIANOSUCH")
	if !errors.As(err, &ae) || ae.Code != "NoSuchSession" || ae.Status != 404 || ae.RequestID != "FROMHEADER000001" {
		t.Fatalf("%#v", err)
	}
}

func TestNonJSONResponses(t *testing.T) {
	f := newFake(t, map[string]canned{
		"GET /_signet/admin/v1/clock":    {status: 502, ctype: "text/html; charset=utf-8", body: "<html>\n<body>Bad Gateway</body></html>"},
		"GET /_signet/admin/v1/sessions": {status: 200, ctype: "text/plain", body: "hello"},
		"GET /_signet/admin/v1/sessions/ASIAXML": {status: 400, ctype: "application/xml",
			body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidBucketName</Code></Error>`},
	})
	c := f.client(t)
	_, err := c.Clock(t.Context())
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 502 || he.ContentType != "text/html" ||
		err.Error() != "HTTP 502 Bad Gateway (text/html): <html> <body>Bad Gateway</body></html>; not an admin API error body" {
		t.Fatalf("%v", err)
	}
	_, err = c.Session(t.Context(), "ASIAXML")
	if !errors.As(err, &he) || he.Status != 400 || !strings.Contains(err.Error(), "InvalidBucketName") {
		t.Fatalf("%v", err)
	}
	_, err = c.ListSessions(t.Context(), false)
	if err == nil || !strings.Contains(err.Error(), "HTTP 200 but the body is not the admin API's JSON") || !strings.Contains(err.Error(), "hello") {
		t.Fatalf("%v", err)
	}
}

func TestSignatureIsReallyChecked(t *testing.T) {
	f := newFake(t, map[string]canned{"GET /_signet/admin/v1/clock": {body: clockJSON}})
	c := f.client(t)
	c.Credentials = StaticCredentials{AccessKeyID: testAKID, SecretAccessKey: secret.New("wrong")}
	_, err := c.Clock(t.Context())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestSessionTokenIsSent(t *testing.T) {
	f := newFake(t, map[string]canned{"GET /_signet/admin/v1/clock": {body: clockJSON}})
	c := f.client(t)
	c.Credentials = CredentialsFunc(func(context.Context) (sigv4.Credentials, error) {
		return sigv4.Credentials{AccessKeyID: testAKID, SecretAccessKey: secret.New(testSecret), SessionToken: "tok"}, nil
	})
	if _, err := c.Clock(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.token != "tok" || !slices.Contains(r.signedHeaders, "x-amz-security-token") {
		t.Errorf("token %q signed %v", r.token, r.signedHeaders)
	}
}

func TestCredentialsError(t *testing.T) {
	f := newFake(t, nil)
	c := f.client(t)
	boom := errors.New("no profile")
	c.Credentials = CredentialsFunc(func(context.Context) (sigv4.Credentials, error) { return sigv4.Credentials{}, boom })
	_, err := c.Clock(t.Context())
	var ce *CredentialsError
	if !errors.As(err, &ce) || !errors.Is(err, boom) {
		t.Fatalf("%v", err)
	}
	c.Credentials = StaticCredentials{} // empty: the signer refuses
	if _, err := c.Clock(t.Context()); !errors.As(err, &ce) {
		t.Fatalf("%v", err)
	}
	c.Credentials = nil
	if _, err := c.Clock(t.Context()); !errors.As(err, &ce) {
		t.Fatalf("%v", err)
	}
}

func TestEndpointPathIsKept(t *testing.T) {
	f := newFake(t, map[string]canned{"GET /proxy/signet/_signet/admin/v1/clock": {body: clockJSON}})
	c := f.client(t)
	for _, p := range []string{"/proxy/signet", "/proxy/signet/"} {
		c.Endpoint.Path = p
		if _, err := c.Clock(t.Context()); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestURL(t *testing.T) {
	cases := []struct{ endpoint, want string }{
		{"http://localhost:9000", "http://localhost:9000/_signet/admin/v1/sessions?all=true"},
		{"https://user:pw@s3.example.com/", "https://s3.example.com/_signet/admin/v1/sessions?all=true"},
		{"http://h/a%2Fb/#frag", "http://h/a%2Fb/_signet/admin/v1/sessions?all=true"},
	}
	for _, cs := range cases {
		u, _ := url.Parse(cs.endpoint)
		got, err := (&Client{Endpoint: u}).URL("sessions", "all=true")
		if err != nil || got.String() != cs.want {
			t.Errorf("%s: %v %v; want %s", cs.endpoint, got, err, cs.want)
		}
	}
	for _, bad := range []string{"localhost:9000", "ftp://h", "http://"} {
		u, _ := url.Parse(bad)
		if _, err := (&Client{Endpoint: u}).URL("clock", ""); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := (&Client{}).URL("clock", ""); err == nil {
		t.Error("nil endpoint accepted")
	}
}
