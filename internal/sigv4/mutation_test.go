package sigv4_test

import (
	"net/http"
	"strings"
	"testing"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

// TestMutations presigns with aws-sdk-go-v2, changes one thing, and expects
// the exact sigv4 reason.
func TestMutations(t *testing.T) {
	at := mustTime("2026-03-01T12:34:56Z")
	cr := newReq(t, "PUT", "https://"+diffHost+"/bucket/photos/cat%20pic.jpg?response-content-type=image%2Fjpeg&X-Amz-Expires=3600")
	cr.Header.Set("Content-Type", "image/jpeg")
	signedURL, signedHdr, err := sdkS3Signer().PresignHTTP(t.Context(), sdkCreds, cr, sigv4.UnsignedPayload, "s3", diffRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(signedURL, "X-Amz-SignedHeaders=content-type%3Bhost") {
		t.Fatalf("expected content-type to be signed: %s", signedURL)
	}
	build := func(method, u string) *http.Request {
		r := newReq(t, method, u)
		for k, v := range signedHdr {
			if k != "Host" {
				r.Header[k] = v
			}
		}
		return r
	}
	// The unmutated request verifies.
	if _, _, err := verifyServer(overTheWire(t, build("PUT", signedURL)), secret.New(diffSecret), sigv4.S3); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	replace := func(from, to string) func(*http.Request) *http.Request {
		return func(*http.Request) *http.Request {
			if !strings.Contains(signedURL, from) {
				t.Fatalf("%q not in %s", from, signedURL)
			}
			return build("PUT", strings.Replace(signedURL, from, to, 1))
		}
	}
	sig := signedURL[strings.Index(signedURL, "X-Amz-Signature=")+len("X-Amz-Signature="):]
	flip := "0"
	if sig[10] == '0' {
		flip = "1"
	}
	cases := []struct {
		name   string
		mutate func(*http.Request) *http.Request
		want   sigv4.Reason
		detail string
	}{
		{"method", func(*http.Request) *http.Request { return build("GET", signedURL) }, sigv4.ReasonSignatureMismatch, ""},
		{"host", func(r *http.Request) *http.Request { r.Host = "other.example.com:9000"; return r }, sigv4.ReasonSignatureMismatch, ""},
		{"host port", func(r *http.Request) *http.Request { r.Host = "signet.example.com"; return r }, sigv4.ReasonSignatureMismatch, ""},
		{"path", replace("cat%20pic", "cat%20pix"), sigv4.ReasonSignatureMismatch, ""},
		{"path encoding", replace("cat%20pic", "cat+pic"), sigv4.ReasonSignatureMismatch, ""},
		{"query value", replace("image%2Fjpeg", "image%2Fpng"), sigv4.ReasonSignatureMismatch, ""},
		{"query added", replace("X-Amz-Algorithm", "versionId=1&X-Amz-Algorithm"), sigv4.ReasonSignatureMismatch, ""},
		{"date same day", replace("X-Amz-Date=20260301T123456Z", "X-Amz-Date=20260301T123457Z"), sigv4.ReasonSignatureMismatch, ""},
		{"date other day", replace("X-Amz-Date=20260301T123456Z", "X-Amz-Date=20260302T123456Z"), sigv4.ReasonCredentialDateMismatch, ""},
		{"date format", replace("X-Amz-Date=20260301T123456Z", "X-Amz-Date=2026-03-01T12:34:56Z"), sigv4.ReasonBadDateFormat, ""},
		{"date missing", replace("X-Amz-Date=20260301T123456Z", "X-Amz-Datum=20260301T123456Z"), sigv4.ReasonMissingQueryParams, "X-Amz-Date"},
		{"expires", replace("X-Amz-Expires=3600", "X-Amz-Expires=3601"), sigv4.ReasonSignatureMismatch, ""},
		{"expires week", replace("X-Amz-Expires=3600", "X-Amz-Expires=604800"), sigv4.ReasonSignatureMismatch, ""},
		{"expires too large", replace("X-Amz-Expires=3600", "X-Amz-Expires=604801"), sigv4.ReasonExpiresTooLarge, "604801"},
		{"expires huge", replace("X-Amz-Expires=3600", "X-Amz-Expires=99999999999999999999999"), sigv4.ReasonExpiresTooLarge, ""},
		{"expires negative", replace("X-Amz-Expires=3600", "X-Amz-Expires=-3600"), sigv4.ReasonExpiresNegative, "-3600"},
		{"expires not number", replace("X-Amz-Expires=3600", "X-Amz-Expires=1h"), sigv4.ReasonExpiresNotNumber, "1h"},
		{"credential region", replace("%2F"+diffRegion+"%2F", "%2Fus-east-1%2F"), sigv4.ReasonSignatureMismatch, ""},
		{"credential akid", replace("Credential="+diffAKID, "Credential=AKIAIOSFODNN7EXAMPLF"), sigv4.ReasonSignatureMismatch, ""},
		{"credential malformed", replace("%2Faws4_request", "%2Faws5_request"), sigv4.ReasonCredentialMalformed, ""},
		{"algorithm", replace("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256"), sigv4.ReasonUnsupportedAlgorithm, "AWS4-ECDSA-P256-SHA256"},
		{"signature", replace("X-Amz-Signature="+sig[:10], "X-Amz-Signature="+sig[:9]+flip), sigv4.ReasonSignatureMismatch, ""},
		{"signature truncated", replace("X-Amz-Signature="+sig, "X-Amz-Signature="+sig[:63]), sigv4.ReasonSignatureMismatch, ""},
		{"signature removed", replace("&X-Amz-Signature="+sig, ""), sigv4.ReasonMissingQueryParams, "X-Amz-Signature"},
		{"signed headers without host", replace("X-Amz-SignedHeaders=content-type%3Bhost", "X-Amz-SignedHeaders=content-type"), sigv4.ReasonHostNotSigned, ""},
		{"signed header value", func(r *http.Request) *http.Request { r.Header.Set("Content-Type", "image/png"); return r }, sigv4.ReasonSignatureMismatch, ""},
		{"signed header removed", func(r *http.Request) *http.Request { r.Header.Del("Content-Type"); return r }, sigv4.ReasonSignatureMismatch, ""},
		{"unsigned x-amz header", func(r *http.Request) *http.Request { r.Header.Set("X-Amz-Acl", "public-read"); return r }, sigv4.ReasonHeadersNotSigned, "x-amz-acl"},
		{"two unsigned x-amz headers", func(r *http.Request) *http.Request {
			r.Header.Set("X-Amz-Meta-B", "1")
			r.Header.Set("X-Amz-Acl", "public-read")
			return r
		}, sigv4.ReasonHeadersNotSigned, "x-amz-acl,x-amz-meta-b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.mutate(build("PUT", signedURL))
			_, _, err := verifyServer(overTheWire(t, r), secret.New(diffSecret), sigv4.S3)
			e := wantReason(t, err, c.want)
			if c.detail != "" && e.Detail != c.detail {
				t.Fatalf("detail = %q, want %q", e.Detail, c.detail)
			}
			if e.Kind != sigv4.QueryAuth {
				t.Fatalf("kind = %v", e.Kind)
			}
		})
	}
	// Unsigned headers that are not x-amz-* are harmless, as is an unsigned
	// x-amz-content-sha256.
	r := build("PUT", signedURL)
	r.Header.Set("X-Amz-Content-Sha256", sigv4.UnsignedPayload)
	r.Header.Set("Cache-Control", "no-cache")
	if _, _, err := verifyServer(overTheWire(t, r), secret.New(diffSecret), sigv4.S3); err != nil {
		t.Fatalf("harmless extra headers: %v", err)
	}
}

// TestHeaderMutations does the same for header authentication.
func TestHeaderMutations(t *testing.T) {
	at := mustTime("2026-03-01T12:34:56Z")
	sign := func() *http.Request {
		r := newReq(t, "GET", "https://"+diffHost+"/bucket/key?acl=")
		r.Header.Set("X-Amz-Meta-A", "1")
		if err := sigv4.SignHeader(r, sigv4.Credentials{AccessKeyID: diffAKID, SecretAccessKey: secret.New(diffSecret), SessionToken: diffToken}, diffRegion, "s3", at, sigv4.EmptySHA256, sigv4.S3); err != nil {
			t.Fatal(err)
		}
		return overTheWire(t, r)
	}
	if a, _, err := verifyServer(sign(), secret.New(diffSecret), sigv4.S3); err != nil || a.SecurityToken != diffToken {
		t.Fatalf("baseline: %v %+v", err, a)
	}
	authz := func(f func(string) string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", f(r.Header.Get("Authorization"))) }
	}
	cases := []struct {
		name   string
		mutate func(*http.Request)
		want   sigv4.Reason
	}{
		{"no content sha", func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }, sigv4.ReasonMissingContentSHA256},
		{"content sha changed", func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", sigv4.UnsignedPayload) }, sigv4.ReasonSignatureMismatch},
		{"token changed", func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", diffToken+"x") }, sigv4.ReasonSignatureMismatch},
		{"no date", func(r *http.Request) { r.Header.Del("X-Amz-Date") }, sigv4.ReasonMissingDate},
		{"bad date", func(r *http.Request) { r.Header.Set("X-Amz-Date", "20260301T123456") }, sigv4.ReasonBadDateFormat},
		{"date other day", func(r *http.Request) { r.Header.Set("X-Amz-Date", "20260302T000000Z") }, sigv4.ReasonCredentialDateMismatch},
		{"date same day", func(r *http.Request) { r.Header.Set("X-Amz-Date", "20260301T000000Z") }, sigv4.ReasonSignatureMismatch},
		{"unsigned x-amz", func(r *http.Request) { r.Header.Set("X-Amz-Tagging", "a=b") }, sigv4.ReasonHeadersNotSigned},
		{"query", func(r *http.Request) { r.URL.RawQuery = "acl=1"; r.RequestURI = "/bucket/key?acl=1" }, sigv4.ReasonSignatureMismatch},
		{"algorithm", authz(func(s string) string { return strings.Replace(s, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1) }), sigv4.ReasonUnsupportedAlgorithm},
		{"no signature part", authz(func(s string) string { return s[:strings.Index(s, ", Signature=")] }), sigv4.ReasonHeaderMalformed},
		{"credential", authz(func(s string) string { return strings.Replace(s, "/s3/", "//", 1) }), sigv4.ReasonCredentialMalformed},
		{"host unsigned", authz(func(s string) string { return strings.Replace(s, "SignedHeaders=host;", "SignedHeaders=", 1) }), sigv4.ReasonHostNotSigned},
		{"signature", authz(func(s string) string { return s[:len(s)-1] + "g" }), sigv4.ReasonSignatureMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := sign()
			c.mutate(r)
			_, _, err := verifyServer(r, secret.New(diffSecret), sigv4.S3)
			wantReason(t, err, c.want)
		})
	}
}
