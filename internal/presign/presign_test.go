package presign

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"signet/internal/lifetime"
	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

const (
	userKey    = "AKIAIOSFODNN7EXAMPLE"
	userSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	sessKey    = "ASIAIOSFODNN7SESSION"
	sessSecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
	sessToken  = "FwoGZXIvYXdzEXAMPLE/token+with=odd/chars"
)

func endpoint(t *testing.T) *url.URL {
	u, err := url.Parse("http://127.0.0.1:9000")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func longTerm(t *testing.T) *Resolved {
	return &Resolved{Endpoint: endpoint(t), Region: "us-east-1", Identity: Identity{
		AccessKeyID: userKey, SecretAccessKey: secret.New(userSecret), Source: `shared credentials file ~/.aws/credentials, profile "default"`, Profile: "default"}}
}

func session(t *testing.T, expires time.Time) *Resolved {
	return &Resolved{Endpoint: endpoint(t), Region: "us-east-1", Identity: Identity{
		AccessKeyID: sessKey, SecretAccessKey: secret.New(sessSecret), SessionToken: sessToken, Expires: expires,
		Source: `profile "reader" (role arn:aws:iam::123456789012:role/reader assumed with source_profile "alice")`, Profile: "reader"}}
}

// serverView is the request a server sees when a client sends rawURL with
// the given headers: path and query exactly as on the wire.
func serverView(t *testing.T, method, rawURL string, h http.Header) *sigv4.Request {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	if h == nil {
		h = http.Header{}
	}
	return &sigv4.Request{Method: method, Host: u.Host, EscapedPath: u.EscapedPath(), RawQuery: u.RawQuery, Header: h}
}

// verifyV4 checks rawURL as signet's server does: parse the query, rebuild
// the canonical request from what was sent, compare signatures.
func verifyV4(t *testing.T, method, rawURL string, h http.Header, sk string) (*sigv4.Auth, error) {
	t.Helper()
	req := serverView(t, method, rawURL, h)
	a, err := sigv4.ParseQuery(req)
	if err != nil {
		t.Fatalf("ParseQuery(%s): %v", rawURL, err)
	}
	_, err = sigv4.Verify(req, a, sigv4.SigningKey(secret.New(sk), a.Scope), sigv4.S3)
	return a, err
}

func TestSignGETVerifies(t *testing.T) {
	req := Request{Bucket: "photos", Key: "dir/yawning cat+1.jpg", Method: "GET", ExpiresIn: time.Hour}
	res, err := Sign(req, longTerm(t), t0.Add(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.URL, "http://127.0.0.1:9000/photos/dir/yawning%20cat%2B1.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&") {
		t.Errorf("URL %s", res.URL)
	}
	a, err := verifyV4(t, "GET", res.URL, nil, userSecret)
	if err != nil {
		t.Fatalf("the server's verifier refuses the URL: %v", err)
	}
	if a.AmzDate != "20261127T090000Z" || a.Expires != 3600 || a.Scope.Region != "us-east-1" || a.Scope.Service != "s3" || a.SecurityToken != "" {
		t.Errorf("parsed %+v", a)
	}
	if !res.SignedAt.Equal(t0) || !res.Lifetime.Effective.Equal(t0.Add(time.Hour)) || res.Lifetime.LimitedBy != lifetime.LimitURL || res.Warning != "" {
		t.Errorf("result %+v", res)
	}
	if _, err := verifyV4(t, "PUT", res.URL, nil, userSecret); err == nil {
		t.Error("a GET URL verifies for PUT")
	}
}

func TestSignPUTWithContentType(t *testing.T) {
	h := http.Header{}
	h.Set("Content-Type", "image/jpeg")
	h.Set("X-Amz-Meta-Owner", "alice")
	res, err := Sign(Request{Bucket: "photos", Key: "cat.jpg", Method: "PUT", ExpiresIn: 15 * time.Minute, Header: h}, longTerm(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.URL, "X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-meta-owner") {
		t.Errorf("signed headers not in URL: %s", res.URL)
	}
	sent := http.Header{"Content-Type": {"image/jpeg"}, "X-Amz-Meta-Owner": {"alice"}}
	if _, err := verifyV4(t, "PUT", res.URL, sent, userSecret); err != nil {
		t.Fatalf("PUT with the signed headers: %v", err)
	}
	other := http.Header{"Content-Type": {"text/plain"}, "X-Amz-Meta-Owner": {"alice"}}
	if _, err := verifyV4(t, "PUT", res.URL, other, userSecret); err == nil {
		t.Error("PUT with another Content-Type verifies")
	}
}

func TestSignSessionCarriesToken(t *testing.T) {
	res, err := Sign(Request{Bucket: "b", Key: "k", Method: "GET", ExpiresIn: 7 * 24 * time.Hour}, session(t, t0.Add(time.Hour)), t0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := verifyV4(t, "GET", res.URL, nil, sessSecret)
	if err != nil || a.SecurityToken != sessToken {
		t.Fatalf("verify: %v, token %q", err, a.SecurityToken)
	}
	lt := res.Lifetime
	if lt.LimitedBy != lifetime.LimitCredentials || !lt.Effective.Equal(t0.Add(time.Hour)) || lt.Shortfall != 7*24*time.Hour-time.Hour {
		t.Errorf("lifetime %+v", lt)
	}
	for _, want := range []string{
		"This URL stops working at 2026-11-27T10:00:00Z, 1h after signing, not at 2026-12-04T09:00:00Z: 6d23h short.",
		"access key " + sessKey + ` from profile "reader" (role arn:aws:iam::123456789012:role/reader assumed with source_profile "alice"),`,
		"long-term access key (AKIA…, up to 7 days)", "--expires-in 3600 (1h) or less",
	} {
		if !strings.Contains(res.Warning, want) {
			t.Errorf("warning lacks %q:\n%s", want, res.Warning)
		}
	}
	if strings.Contains(res.Warning, sessSecret) || strings.Contains(res.Warning, sessToken) {
		t.Error("the warning shows a secret")
	}
}

func TestWarnings(t *testing.T) {
	week := 7 * 24 * time.Hour
	cases := []struct {
		name    string
		res     *Resolved
		expires time.Duration
		want    string // "" for no warning
	}{
		{"long-term key, full week", longTerm(t), week, ""},
		{"session outlives the URL", session(t, t0.Add(2*time.Hour)), time.Hour, ""},
		{"session ends with the URL", session(t, t0.Add(time.Hour)), time.Hour, ""},
		{"session ends a second early", session(t, t0.Add(time.Hour-time.Second)), time.Hour, "--expires-in 3599 (59m59s)"},
		{"session already over", session(t, t0.Add(-90*time.Second)), time.Hour, "does not work at all: it is signed with temporary credentials, access key " + sessKey},
		{"session ends at signing", session(t, t0), time.Hour, "expired at 2026-11-27T09:00:00Z, 0s before signing"},
		{"expiry unknown", session(t, time.Time{}), time.Minute, "may stop working before 2026-11-27T09:01:00Z"},
	}
	for _, c := range cases {
		res, err := Sign(Request{Bucket: "b", Key: "k", Method: "GET", ExpiresIn: c.expires}, c.res, t0)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.want == "" && res.Warning != "" || c.want != "" && !strings.Contains(res.Warning, c.want) {
			t.Errorf("%s: warning %q; want it to contain %q", c.name, res.Warning, c.want)
		}
	}
}

func TestSignSigV2(t *testing.T) {
	res, err := Sign(Request{Bucket: "photos", Key: "a b.jpg", Method: "GET", ExpiresIn: 30 * 24 * time.Hour, SigV2: true,
		Overrides: map[string]string{"response-content-disposition": `attachment; filename="x.jpg"`}}, longTerm(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(res.URL)
	if err != nil {
		t.Fatal(err)
	}
	if res.SignatureVersion != "sigv2" || u.Query().Get("Expires") != "1798362000" || u.Query().Get("AWSAccessKeyId") != userKey {
		t.Fatalf("URL %s", res.URL)
	}
	if !res.Lifetime.Effective.Equal(t0.Add(30*24*time.Hour)) || res.Lifetime.OverLimit {
		t.Errorf("lifetime %+v", res.Lifetime)
	}
	r := &http.Request{Method: "GET", URL: u, Header: http.Header{}, RequestURI: u.RequestURI()}
	a, err := sigv2.ParseQuery(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sigv2.Verify(r, a, secret.New(userSecret), ""); err != nil {
		t.Fatalf("the server's SigV2 verifier refuses the URL: %v", err)
	}

	// A session's token and a PUT's Content-Type travel in the query,
	// where the string to sign finds them.
	h := http.Header{"Content-Type": {"text/plain"}}
	res, err = Sign(Request{Bucket: "b", Key: "k", Method: "PUT", ExpiresIn: time.Hour, SigV2: true, Header: h}, session(t, t0.Add(2*time.Hour)), t0)
	if err != nil {
		t.Fatal(err)
	}
	u, _ = url.Parse(res.URL)
	if u.Query().Get("x-amz-security-token") != sessToken || u.Query().Get("content-type") != "text/plain" {
		t.Fatalf("URL %s", res.URL)
	}
	r = &http.Request{Method: "PUT", URL: u, Header: http.Header{"Content-Type": {"text/plain"}}, RequestURI: u.RequestURI()}
	a, _ = sigv2.ParseQuery(r)
	if _, err := sigv2.Verify(r, a, secret.New(sessSecret), ""); err != nil {
		t.Fatalf("SigV2 PUT with a session: %v", err)
	}
	r.Header.Set("Content-Type", "image/png")
	if _, err := sigv2.Verify(r, a, secret.New(sessSecret), ""); err == nil {
		t.Error("SigV2 PUT with another Content-Type verifies")
	}
}

func TestResponseOverridesAreSigned(t *testing.T) {
	o := map[string]string{
		"response-content-type":        "text/plain; charset=utf-8",
		"response-content-disposition": `attachment; filename="report 1.pdf"`,
		"response-cache-control":       "no-cache",
	}
	res, err := Sign(Request{Bucket: "b", Key: "r.pdf", Method: "GET", ExpiresIn: time.Hour, Overrides: o}, longTerm(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	want := "http://127.0.0.1:9000/b/r.pdf?response-cache-control=no-cache&response-content-disposition=attachment%3B%20filename%3D%22report%201.pdf%22&response-content-type=text%2Fplain%3B%20charset%3Dutf-8&X-Amz-Algorithm="
	if !strings.HasPrefix(res.URL, want) {
		t.Errorf("URL %s\nwant prefix %s", res.URL, want)
	}
	if _, err := verifyV4(t, "GET", res.URL, nil, userSecret); err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(res.URL, "no-cache", "max-age%3D9", 1)
	if _, err := verifyV4(t, "GET", tampered, nil, userSecret); err == nil {
		t.Error("a changed override verifies")
	}
}

func TestCheckRequest(t *testing.T) {
	ok := Request{Bucket: "b", Key: "k", Method: "GET", ExpiresIn: time.Hour}
	if err := CheckRequest(ok); err != nil {
		t.Fatal(err)
	}
	week := 7 * 24 * time.Hour
	cases := []struct {
		name string
		mod  func(r *Request)
		want string // "" when accepted
	}{
		{"exactly 7 days", func(r *Request) { r.ExpiresIn = week }, ""},
		{"7 days and a second", func(r *Request) { r.ExpiresIn = week + time.Second }, "--expires-in 604801 (7d0h0m1s) is over the 7-day limit"},
		{"SigV2 is not held to 7 days", func(r *Request) { r.ExpiresIn = 30 * week; r.SigV2 = true }, ""},
		{"zero", func(r *Request) { r.ExpiresIn = 0 }, "at least one second"},
		{"negative", func(r *Request) { r.ExpiresIn = -time.Hour }, "at least one second"},
		{"fraction", func(r *Request) { r.ExpiresIn = 1500 * time.Millisecond }, "whole seconds"},
		{"method", func(r *Request) { r.Method = "PATCH" }, `--method "PATCH": want GET, PUT, HEAD, DELETE or POST`},
		{"POST form", func(r *Request) { r.Method = "POST" }, "for the browser's POST form (a presigned POST policy) use --post"},
		{"override on PUT", func(r *Request) { r.Method = "PUT"; r.Overrides = map[string]string{"response-expires": "x"} }, "apply to GET and HEAD"},
		{"override on HEAD", func(r *Request) { r.Method = "HEAD"; r.Overrides = map[string]string{"response-expires": "x"} }, ""},
		{"unknown override", func(r *Request) { r.Overrides = map[string]string{"response-foo": "x"} }, "not a response override"},
		{"header signet sets", func(r *Request) { r.Header = http.Header{"X-Amz-Security-Token": {"t"}} }, "signet sets that one itself"},
		{"host header", func(r *Request) { r.Header = http.Header{"Host": {"h"}} }, "signet sets that one itself"},
		{"SigV2 cannot sign Cache-Control", func(r *Request) { r.SigV2 = true; r.Header = http.Header{"Cache-Control": {"x"}} }, "SigV2 signs only"},
		{"SigV2 signs x-amz-meta", func(r *Request) { r.SigV2 = true; r.Header = http.Header{"X-Amz-Meta-A": {"x"}} }, ""},
	}
	for _, c := range cases {
		r := ok
		c.mod(&r)
		err := CheckRequest(r)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: CheckRequest = %v; want %q", c.name, err, c.want)
		}
	}
	if _, err := Sign(Request{Bucket: "b", Key: "k", Method: "GET", ExpiresIn: week + time.Second}, longTerm(t), t0); err == nil {
		t.Error("Sign signs an over-limit SigV4 URL")
	}
	noSecret := longTerm(t)
	noSecret.Identity.SecretAccessKey = secret.Secret{}
	if _, err := Sign(ok, noSecret, t0); err != ErrNoSecret {
		t.Errorf("Sign without a secret: %v", err)
	}
}

func TestIdentityKinds(t *testing.T) {
	cases := []struct {
		id              Identity
		temporary, unkn bool
		kind            string
	}{
		{Identity{AccessKeyID: userKey}, false, false, "long-term"},
		{Identity{AccessKeyID: sessKey, SessionToken: "t"}, true, true, "temporary"},
		{Identity{AccessKeyID: sessKey, SessionToken: "t", Expires: t0}, true, false, "temporary"},
		{Identity{AccessKeyID: userKey, Expires: t0}, true, false, "temporary"},
	}
	for _, c := range cases {
		if c.id.Temporary() != c.temporary || c.id.ExpiryUnknown() != c.unkn || c.id.Kind() != c.kind {
			t.Errorf("%+v: temporary %v unknown %v kind %s", c.id, c.id.Temporary(), c.id.ExpiryUnknown(), c.id.Kind())
		}
	}
}

// TestSignUploadPart: the part number and upload ID are signed into the
// query, with SigV4 and SigV2 (which signs them as sub-resources), so
// another part or upload does not verify.
func TestSignUploadPart(t *testing.T) {
	req := Request{Bucket: "b", Key: "disk.iso", Method: "PUT", ExpiresIn: time.Hour, UploadID: "2~u/p+l=d", PartNumber: 7}
	res, err := Sign(req, longTerm(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	want := "http://127.0.0.1:9000/b/disk.iso?partNumber=7&uploadId=2~u%2Fp%2Bl%3Dd&X-Amz-Algorithm="
	if !strings.HasPrefix(res.URL, want) {
		t.Fatalf("URL %s\nwant prefix %s", res.URL, want)
	}
	if _, err := verifyV4(t, "PUT", res.URL, nil, userSecret); err != nil {
		t.Fatalf("the server's verifier refuses the URL: %v", err)
	}
	for _, tampered := range []string{strings.Replace(res.URL, "partNumber=7", "partNumber=8", 1), strings.Replace(res.URL, "uploadId=2", "uploadId=3", 1)} {
		if _, err := verifyV4(t, "PUT", tampered, nil, userSecret); err == nil {
			t.Errorf("%s verifies", tampered)
		}
	}

	req.SigV2 = true
	res, err = Sign(req, longTerm(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(res.URL)
	if u.Query().Get("partNumber") != "7" || u.Query().Get("uploadId") != req.UploadID {
		t.Fatalf("SigV2 URL %s", res.URL)
	}
	r := &http.Request{Method: "PUT", URL: u, Header: http.Header{}, RequestURI: u.RequestURI()}
	a, err := sigv2.ParseQuery(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sigv2.Verify(r, a, secret.New(userSecret), ""); err != nil {
		t.Fatalf("the server's SigV2 verifier refuses the URL: %v", err)
	}
	other, _ := url.Parse(strings.Replace(res.URL, "partNumber=7", "partNumber=8", 1))
	r = &http.Request{Method: "PUT", URL: other, Header: http.Header{}, RequestURI: other.RequestURI()}
	if a, err := sigv2.ParseQuery(r); err != nil {
		t.Fatal(err)
	} else if _, err := sigv2.Verify(r, a, secret.New(userSecret), ""); err == nil {
		t.Error("SigV2: another part number verifies")
	}
}

// ahead is a session issued by a server whose clock runs ahead of this
// machine's by ahead, for length: its Expires is on that server's clock.
func ahead(t *testing.T, ahead, length time.Duration) *Resolved {
	r := session(t, t0.Add(ahead+length))
	r.Identity.IssuerAhead = ahead
	return r
}

// TestWarningsInOneFrame: times are computed as the server computes them,
// on its clock, then read on this machine's, so a 12-hour session from a
// server 12h ahead never reads as a day.
func TestWarningsInOneFrame(t *testing.T) {
	week := 7 * 24 * time.Hour
	cases := []struct {
		name      string
		res       *Resolved
		expires   time.Duration
		effective time.Time
		want      []string // "" for no warning
	}{
		{"12h session, server 12h ahead", ahead(t, 12*time.Hour, 12*time.Hour), week, t0.Add(12 * time.Hour), []string{
			"stops working at 2026-11-27T21:00:00Z, 12h after signing, not at 2026-12-03T21:00:00Z: 6d short.",
			"--expires-in 43200 (12h) or less.",
			"runs 12h ahead of it, so it reads the URL as signed 12h ago."}},
		{"1h URL, server 12h ahead", ahead(t, 12*time.Hour, 12*time.Hour), time.Hour, t0.Add(-11 * time.Hour), []string{
			"This URL does not work at all: its 1h window ended, by the server's clock, at 2026-11-26T22:00:00Z on this machine's clock, before it was signed.",
			"signet admin clock reset"}},
		{"1d URL, server 2h ahead", ahead(t, 2*time.Hour, 36*time.Hour), 24 * time.Hour, t0.Add(22 * time.Hour), []string{
			"This URL stops working at 2026-11-28T07:00:00Z, 22h after signing, not 1d after.", "runs 2h ahead of it"}},
		{"server 5m behind", ahead(t, -5*time.Minute, 12*time.Hour), time.Hour, t0.Add(time.Hour + 5*time.Minute), []string{
			"This URL works from 2026-11-27T09:05:00Z until 2026-11-27T10:05:00Z.", "runs 5m behind it, so it refuses the URL as not yet valid for its first 5m."}},
		{"same clock", ahead(t, 0, 12*time.Hour), time.Hour, t0.Add(time.Hour), nil},
	}
	for _, c := range cases {
		res, err := Sign(Request{Bucket: "b", Key: "k", Method: "GET", ExpiresIn: c.expires}, c.res, t0)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !res.Lifetime.Effective.Equal(c.effective) {
			t.Errorf("%s: effective %v, want %v", c.name, res.Lifetime.Effective, c.effective)
		}
		if len(c.want) == 0 && res.Warning != "" {
			t.Errorf("%s: warning %q, want none", c.name, res.Warning)
		}
		for _, w := range c.want {
			if !strings.Contains(res.Warning, w) {
				t.Errorf("%s: warning %q\nwant it to contain %q", c.name, res.Warning, w)
			}
		}
	}
}

func TestIssuerAheadMeasure(t *testing.T) {
	exp := t0.Add(24 * time.Hour)
	secs := int32(43200)
	out := &sts.AssumeRoleOutput{Credentials: &ststypes.Credentials{Expiration: &exp}}
	cases := []struct {
		sent time.Time
		want time.Duration
	}{
		{t0, 12 * time.Hour},
		{t0.Add(400 * time.Millisecond), 12 * time.Hour},
		{t0.Add(12 * time.Hour), 0},
		{t0.Add(12*time.Hour + 1400*time.Millisecond), 0}, // within the measure's own error
		{t0.Add(12*time.Hour + 5*time.Minute), -5 * time.Minute},
	}
	for _, c := range cases {
		got, ok := issuerAhead(&sts.AssumeRoleInput{DurationSeconds: &secs}, out, c.sent)
		if !ok || got != c.want {
			t.Errorf("sent %v: issuerAhead = %v, %v; want %v", c.sent, got, ok, c.want)
		}
	}
	if _, ok := issuerAhead(&sts.AssumeRoleInput{}, out, t0); ok {
		t.Error("issuerAhead measured without the duration asked for")
	}
}
