package authn

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/principal"
	"signet/internal/redact"
	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

const (
	longKey   = "AKIAEXAMPLELONGTERM1"
	longSec   = "long-term-secret-0123456789abcdefghijkl"
	tempKey   = "ASIAEXAMPLETEMPORARY"
	tempSec   = "temporary-secret-0123456789abcdefghijkl"
	tempToken = "session-token-abcdef"
)

type fixture struct {
	clk  *clock.Fake
	auth *Authenticator
	keys *StaticKeys
	temp *Credential
}

func newFixture() *fixture {
	f := &fixture{clk: clock.NewFake(t0)}
	f.temp = &Credential{AccessKeyID: tempKey, Secret: secret.New(tempSec), TokenHash: secret.HashToken(tempToken),
		Expiry: t0.Add(time.Hour), Principal: principal.Principal{AccessKeyID: tempKey, ARN: "arn:aws:sts::123456789012:assumed-role/r/s"}}
	f.keys = NewStaticKeys(
		&Credential{AccessKeyID: longKey, Secret: secret.New(longSec), Principal: principal.Principal{AccessKeyID: longKey, IsRoot: true}},
		f.temp,
	)
	f.auth = NewAuthenticator(f.keys, f.clk, f.clk, "us-east-1")
	return f
}

// serverRequest turns a client URL into what a server handler receives.
func serverRequest(method, rawURL string, h http.Header, body string) *http.Request {
	u, _ := url.Parse(rawURL)
	r := httptest.NewRequest(method, u.RequestURI(), strings.NewReader(body))
	r.Host = u.Host
	for k, v := range h {
		r.Header[k] = v
	}
	if body != "" {
		// net/http keeps Content-Length among a server request's headers.
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return r
}

func presign(t *testing.T, c sigv4.Credentials, at time.Time, expires time.Duration) string {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: "GET", URL: "http://127.0.0.1:9000/bucket/key.txt", Credentials: c, Region: "us-east-1", Service: "s3",
		Time: at, Expires: expires, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func wantReason(t *testing.T, err error, want Reason) *Failure {
	t.Helper()
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("err = %v; want Failure with reason %d", err, want)
	}
	if f.Reason != want {
		t.Fatalf("reason = %d (%v); want %d", f.Reason, f, want)
	}
	return f
}

func field(f *Failure, name string) string {
	for _, x := range f.Fields {
		if x.Name == name {
			return x.Value
		}
	}
	return ""
}

func TestAnonymous(t *testing.T) {
	f := newFixture()
	res, err := f.auth.Authenticate(serverRequest("GET", "http://127.0.0.1:9000/bucket/key", nil, ""), "")
	if err != nil || !res.Anonymous {
		t.Fatalf("res=%+v err=%v", res, err)
	}
}

func TestPresignedWindowBoundaries(t *testing.T) {
	f := newFixture()
	long := sigv4.Credentials{AccessKeyID: longKey, SecretAccessKey: secret.New(longSec)}
	u := presign(t, long, t0, time.Hour)

	f.clk.Set(t0.Add(-time.Second))
	wantReason(t, mustFail(f, u), ReasonRequestNotYetValid)

	for _, d := range []time.Duration{0, time.Hour - time.Second} {
		f.clk.Set(t0.Add(d))
		res, err := f.auth.Authenticate(serverRequest("GET", u, nil, ""), "")
		if err != nil {
			t.Fatalf("at +%v: %v", d, err)
		}
		if res.AuthType != AuthQuery || res.SignatureVersion != SigV4 || !res.Deadline.Equal(t0.Add(time.Hour)) || res.SignatureAge != d {
			t.Fatalf("at +%v: %+v", d, res)
		}
	}
	f.clk.Set(t0.Add(time.Hour))
	fl := wantReason(t, mustFail(f, u), ReasonRequestExpired)
	if field(fl, "X-Amz-Expires") != "3600" || field(fl, "Expires") != "2026-11-27T11:00:00Z" || field(fl, "ServerTime") != "2026-11-27T11:00:00Z" {
		t.Fatalf("fields %+v", fl.Fields)
	}
}

func TestSevenDayCap(t *testing.T) {
	f := newFixture()
	long := sigv4.Credentials{AccessKeyID: longKey, SecretAccessKey: secret.New(longSec)}
	u := presign(t, long, t0, 7*24*time.Hour)
	f.clk.Set(t0.Add(7*24*time.Hour - time.Second))
	if _, err := f.auth.Authenticate(serverRequest("GET", u, nil, ""), ""); err != nil {
		t.Fatalf("604800 must work: %v", err)
	}
	f.clk.Set(t0)
	over := presign(t, long, t0, 7*24*time.Hour+time.Second)
	wantReason(t, mustFail(f, over), ReasonExpiresTooLarge)
}

func TestSessionBoundURL(t *testing.T) {
	f := newFixture()
	temp := sigv4.Credentials{AccessKeyID: tempKey, SecretAccessKey: secret.New(tempSec), SessionToken: tempToken}
	u := presign(t, temp, t0, 24*time.Hour)
	f.clk.Set(t0.Add(time.Hour - time.Second))
	res, err := f.auth.Authenticate(serverRequest("GET", u, nil, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Deadline.Equal(t0.Add(time.Hour)) {
		t.Fatalf("deadline %v; want the session's expiry", res.Deadline)
	}
	f.clk.Set(t0.Add(time.Hour))
	fl := wantReason(t, mustFail(f, u), ReasonExpiredToken)
	// AWS echoes the token; signet its fingerprint, never the token.
	if got := field(fl, "Token-0"); got != redact.Token(tempToken) || strings.Contains(got, tempToken) {
		t.Fatalf("Token-0 = %q, want the token's fingerprint %q", got, redact.Token(tempToken))
	}
	// Terminated early: dead at once, with the same code.
	f.clk.Set(t0)
	f.temp.Terminated = true
	wantReason(t, mustFail(f, u), ReasonExpiredToken)
}

func TestCredentialFailures(t *testing.T) {
	f := newFixture()
	unknown := presign(t, sigv4.Credentials{AccessKeyID: "AKIAUNKNOWN000000000", SecretAccessKey: secret.New("x")}, t0, time.Hour)
	if fl := wantReason(t, mustFail(f, unknown), ReasonUnknownAccessKey); field(fl, "AWSAccessKeyId") != "AKIAUNKNOWN000000000" {
		t.Fatalf("fields %+v", fl.Fields)
	}
	noToken := presign(t, sigv4.Credentials{AccessKeyID: tempKey, SecretAccessKey: secret.New(tempSec)}, t0, time.Hour)
	wantReason(t, mustFail(f, noToken), ReasonUnknownAccessKey)
	badToken := presign(t, sigv4.Credentials{AccessKeyID: tempKey, SecretAccessKey: secret.New(tempSec), SessionToken: "altered"}, t0, time.Hour)
	wantReason(t, mustFail(f, badToken), ReasonInvalidToken)
	wrongSecret := presign(t, sigv4.Credentials{AccessKeyID: longKey, SecretAccessKey: secret.New("wrong")}, t0, time.Hour)
	fl := wantReason(t, mustFail(f, wrongSecret), ReasonSignatureMismatch)
	if !strings.HasPrefix(field(fl, "CanonicalRequest"), "GET\n/bucket/key.txt\n") || !strings.HasPrefix(field(fl, "StringToSignBytes"), "41 57 53 34") {
		t.Fatalf("fields %+v", fl.Fields)
	}
	u, _ := sigv4.Presign(sigv4.PresignInput{
		Method: "GET", URL: "http://127.0.0.1:9000/bucket/key.txt",
		Credentials: sigv4.Credentials{AccessKeyID: longKey, SecretAccessKey: secret.New(longSec)}, Region: "eu-west-1",
		Service: "s3", Time: t0, Expires: time.Hour, Mode: sigv4.S3,
	})
	fl = wantReason(t, mustFail(f, u), ReasonWrongRegion)
	if !strings.Contains(fl.Message, "the region 'eu-west-1' is wrong; expecting 'us-east-1'") {
		t.Fatalf("message %q", fl.Message)
	}
}

func TestMultipleMechanisms(t *testing.T) {
	f := newFixture()
	u := presign(t, sigv4.Credentials{AccessKeyID: longKey, SecretAccessKey: secret.New(longSec)}, t0, time.Hour)
	r := serverRequest("GET", u, http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=x"}}, "")
	wantReason(t, mustFailReq(f, r), ReasonMultipleAuthMechanisms)
}

func signedHeaderRequest(t *testing.T, at time.Time, body, hash string) *http.Request {
	t.Helper()
	r, _ := http.NewRequest("PUT", "http://127.0.0.1:9000/bucket/key", strings.NewReader(body))
	if err := sigv4.SignHeader(r, sigv4.Credentials{AccessKeyID: longKey, SecretAccessKey: secret.New(longSec)}, "us-east-1", "s3", at, hash, sigv4.S3); err != nil {
		t.Fatal(err)
	}
	return serverRequest("PUT", r.URL.String(), r.Header, body)
}

func TestHeaderSkewUsesSkewClock(t *testing.T) {
	f := newFixture()
	real := clock.NewFake(t0)
	f.auth.SkewClock = real
	body := "hello"
	r := signedHeaderRequest(t, t0.Add(-14*time.Minute), body, sigv4.HexSHA256([]byte(body)))
	// The lifetime clock moved 12 h: header auth must still pass.
	f.clk.Set(t0.Add(12 * time.Hour))
	res, err := f.auth.Authenticate(r, "")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(res.Body); err != nil || string(b) != body {
		t.Fatalf("body %q err %v", b, err)
	}
	r = signedHeaderRequest(t, t0.Add(-16*time.Minute), body, sigv4.HexSHA256([]byte(body)))
	fl := wantReason(t, mustFailReq(f, r), ReasonTimeTooSkewed)
	if field(fl, "MaxAllowedSkewMilliseconds") != "900000" {
		t.Fatalf("fields %+v", fl.Fields)
	}
}

func TestPayloadHashChecked(t *testing.T) {
	f := newFixture()
	r := signedHeaderRequest(t, t0, "tampered", sigv4.HexSHA256([]byte("original")))
	res, err := f.auth.Authenticate(r, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(res.Body)
	var pm *PayloadMismatch
	if !errors.As(err, &pm) || pm.ClientComputed != sigv4.HexSHA256([]byte("original")) || pm.ServerComputed != sigv4.HexSHA256([]byte("tampered")) {
		t.Fatalf("err = %v", err)
	}
}

func TestSigV2Presigned(t *testing.T) {
	f := newFixture()
	u, err := sigv2.Presign(sigv2.PresignInput{
		Method: "GET", URL: "http://127.0.0.1:9000/bucket/key.txt", AccessKeyID: longKey,
		SecretAccessKey: secret.New(longSec), Expires: t0.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.auth.Authenticate(serverRequest("GET", u, nil, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	if res.SignatureVersion != SigV2 || res.AuthType != AuthQuery || res.SignatureAge != 0 {
		t.Fatalf("%+v", res)
	}
	f.clk.Set(t0.Add(time.Hour))
	fl := wantReason(t, mustFail(f, u), ReasonRequestExpired)
	if field(fl, "X-Amz-Expires") != "" || field(fl, "Expires") == "" {
		t.Fatalf("SigV2 expiry fields %+v", fl.Fields)
	}
}

func mustFail(f *fixture, u string) error {
	return mustFailReq(f, serverRequest("GET", u, nil, ""))
}

func mustFailReq(f *fixture, r *http.Request) error {
	res, err := f.auth.Authenticate(r, "")
	if err == nil {
		return errors.New("authenticated unexpectedly: " + res.Principal.AccessKeyID)
	}
	return err
}

func TestScanQuery(t *testing.T) {
	cases := []struct {
		raw    string
		v4, v2 bool
	}{
		{"", false, false},
		{"uploads&prefix=a", false, false},
		{"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=x", true, false},
		{"X%2DAmz-Algorithm=AWS4-HMAC-SHA256", true, false},
		{"AWSAccessKeyId=AKIA&Expires=1&Signature=x", false, true},
		{"prefix=Signature&X-Amz-Algorithmx=1", false, false},
	}
	for _, c := range cases {
		if v4, v2 := scanQuery(c.raw); v4 != c.v4 || v2 != c.v2 {
			t.Errorf("scanQuery(%q) = %v, %v; want %v, %v", c.raw, v4, v2, c.v4, c.v2)
		}
	}
}

// TestSessionOfGoneOwner: a session whose user or role was deleted (or
// replaced by a new one of the same name) is refused as an invalid token,
// before its expiry and for header-signed requests too (issue 13, finding
// 2).
func TestSessionOfGoneOwner(t *testing.T) {
	f := newFixture()
	temp := sigv4.Credentials{AccessKeyID: tempKey, SecretAccessKey: secret.New(tempSec), SessionToken: tempToken}
	u := presign(t, temp, t0, time.Hour)
	if _, err := f.auth.Authenticate(serverRequest("GET", u, nil, ""), ""); err != nil {
		t.Fatal(err)
	}
	f.temp.OwnerGone = true
	wantReason(t, mustFail(f, u), ReasonInvalidToken)
}
