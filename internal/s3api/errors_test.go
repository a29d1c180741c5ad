package s3api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"signet/internal/authn"
	"signet/internal/awschunked"
	"signet/internal/meta"
)

func TestEveryReasonHasAnEntry(t *testing.T) {
	for r := authn.ReasonInternal; r <= authn.ReasonAnonymousResponseOverrides; r++ {
		spec, ok := reasons[r]
		if !ok {
			t.Errorf("reason %d has no table entry", r)
			continue
		}
		if spec.code == codeNone {
			t.Errorf("reason %d has no code", r)
		}
		for _, c := range []errorCode{spec.code, spec.headerCode} {
			if c != codeNone && codes[c].name == "" {
				t.Errorf("reason %d: code %d has no table row", r, c)
			}
		}
	}
}

func TestFailureMapping(t *testing.T) {
	header := httptest.NewRequest("GET", "/b/k", nil)
	query := httptest.NewRequest("GET", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256", nil)
	cases := []struct {
		r      *http.Request
		f      authn.Failure
		status int
		code   string
		msg    string
	}{
		{query, authn.Failure{Reason: authn.ReasonRequestExpired}, 403, "AccessDenied", "Request has expired"},
		{query, authn.Failure{Reason: authn.ReasonExpiresTooLarge}, 400, "AuthorizationQueryParametersError",
			"X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{header, authn.Failure{Reason: authn.ReasonUnknownAccessKey}, 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."},
		{query, authn.Failure{Reason: authn.ReasonExpiredToken}, 400, "ExpiredToken", "The provided token has expired."},
		{query, authn.Failure{Reason: authn.ReasonInvalidToken}, 400, "InvalidToken", "The provided token is malformed or otherwise not valid."},
		{header, authn.Failure{Reason: authn.ReasonSignatureMismatch}, 403, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your key and signing method."},
		{header, authn.Failure{Reason: authn.ReasonTimeTooSkewed}, 403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."},
		{header, authn.Failure{Reason: authn.ReasonHeadersNotSigned}, 403, "AccessDenied", "There were headers present in the request which were not signed"},
		{header, authn.Failure{Reason: authn.ReasonMissingDate}, 403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"},
		{header, authn.Failure{Reason: authn.ReasonMissingContentSHA256}, 400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"},
		{header, authn.Failure{Reason: authn.ReasonWrongRegion, Message: "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'"},
			400, "AuthorizationHeaderMalformed", "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'"},
		{query, authn.Failure{Reason: authn.ReasonWrongRegion, Message: "Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'"},
			400, "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'"},
		{header, authn.Failure{Reason: authn.ReasonMultipleAuthMechanisms}, 400, "InvalidArgument",
			"Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"},
		{header, authn.Failure{Reason: authn.ReasonAnonymousResponseOverrides}, 400, "InvalidRequest", "Request specific response headers cannot be used for anonymous GET requests."},
	}
	for _, c := range cases {
		e, ok := toAPIError(c.r, &c.f)
		if !ok || e.Status != c.status || e.Code.String() != c.code || e.Message != c.msg {
			t.Errorf("reason %d: got %v %d %s %q", c.f.Reason, ok, e.Status, e.Code, e.Message)
		}
	}
	if _, ok := toAPIError(header, &authn.Failure{Reason: authn.ReasonInternal}); ok {
		t.Error("ReasonInternal must be an unmapped internal error")
	}
}

func TestDomainErrorMapping(t *testing.T) {
	r := httptest.NewRequest("PUT", "/b/k", nil)
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("x: %w", meta.ErrNoSuchBucket), 404, "NoSuchBucket"},
		{meta.ErrBucketNotEmpty, 409, "BucketNotEmpty"},
		{meta.ErrNoSuchUpload, 404, "NoSuchUpload"},
		{fmt.Errorf("chunk 3: %w", awschunked.ErrChunkSignatureMismatch), 403, "SignatureDoesNotMatch"},
		{awschunked.ErrTrailerSignatureMismatch, 403, "SignatureDoesNotMatch"},
		{awschunked.ErrMalformed, 400, "IncompleteBody"},
		{awschunked.ErrChunkTooLarge, 400, "InvalidRequest"},
		{awschunked.ErrMissingTrailer, 400, "MalformedTrailerError"},
		{authn.ErrIncompleteBody, 400, "IncompleteBody"},
		{&authn.PayloadMismatch{ClientComputed: "a", ServerComputed: "b"}, 400, "XAmzContentSHA256Mismatch"},
	}
	for _, c := range cases {
		e, ok := toAPIError(r, c.err)
		if !ok || e.Status != c.status || e.Code.String() != c.code {
			t.Errorf("%v: got %v %d %s", c.err, ok, e.Status, e.Code)
		}
	}
	if e, ok := toAPIError(r, errors.New("disk on fire")); ok || e.Code.String() != "InternalError" || e.Status != 500 {
		t.Errorf("unmapped: %v %+v", ok, e)
	}
}

func TestErrorBodyShape(t *testing.T) {
	f := &authn.Failure{Reason: authn.ReasonRequestExpired, Fields: []authn.Field{
		{Name: "X-Amz-Expires", Value: "300"}, {Name: "Expires", Value: "2026-03-01T12:05:00Z"}, {Name: "ServerTime", Value: "2026-03-01T12:06:00Z"},
	}}
	e := newEnv(t, func(c *Config) {
		c.Auth = authFunc(func(*http.Request, string) (*authn.Result, error) { return nil, f })
	})
	w := e.do("GET", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256", nil)
	if w.Code != 403 || w.Header().Get("Content-Type") != "application/xml" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	id := w.Header().Get("x-amz-request-id")
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>300</X-Amz-Expires>` +
		`<Expires>2026-03-01T12:05:00Z</Expires><ServerTime>2026-03-01T12:06:00Z</ServerTime><RequestId>` + id +
		`</RequestId><HostId>` + hostID(id) + `</HostId></Error>`
	if w.Body.String() != want {
		t.Errorf("body\n%s\nwant\n%s", w.Body.String(), want)
	}
	if w.Header().Get("x-amz-id-2") != hostID(id) || w.Header().Get("Server") != "signet" {
		t.Errorf("headers %v", w.Header())
	}
	// HEAD errors carry no body.
	w = e.do("HEAD", "/b/k", nil)
	if w.Code != 403 || w.Body.Len() != 0 {
		t.Errorf("HEAD: %d %q", w.Code, w.Body.String())
	}
}

func TestInternalErrorIsGenericAndLogged(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Auth = authFunc(func(*http.Request, string) (*authn.Result, error) { return nil, errors.New("secret detail") })
	})
	w := e.do("GET", "/", nil)
	b := expectErr(t, w, 500, "InternalError")
	if b.Message != "We encountered an internal error. Please try again." {
		t.Errorf("message %q", b.Message)
	}
}
