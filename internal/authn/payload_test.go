package authn

import (
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

// presignPut presigns a PUT of /bucket/key.txt with the given extra query
// (before signing) and signed headers, as a real presigner would.
func presignPut(t *testing.T, query string, h http.Header) string {
	t.Helper()
	raw := "http://127.0.0.1:9000/bucket/key.txt"
	if query != "" {
		raw += "?" + query
	}
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: "PUT", URL: raw,
		Credentials: sigv4.Credentials{AccessKeyID: longKey, SecretAccessKey: secret.New(longSec)}, Region: "us-east-1",
		Service: "s3", Time: t0, Expires: time.Hour, Header: h, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestPresignedPinnedPayloadHashBindsBody: a presigned PUT whose signature
// covers a SHA-256 of the body (as the signed x-amz-content-sha256 header
// or as the signed X-Amz-Content-Sha256 parameter) takes exactly that body,
// and any other one fails as a header-signed request does.
func TestPresignedPinnedPayloadHashBindsBody(t *testing.T) {
	const good, evil = "the pinned file", "another file"
	pinned := sigv4.HexSHA256([]byte(good))
	cases := []struct {
		name  string
		query string
		hdr   http.Header
	}{
		{"signed header", "", http.Header{"X-Amz-Content-Sha256": {pinned}}},
		{"signed query parameter", "X-Amz-Content-Sha256=" + pinned, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture()
			u := presignPut(t, c.query, c.hdr)

			res, err := f.auth.Authenticate(serverRequest("PUT", u, c.hdr, good), "")
			if err != nil {
				t.Fatalf("pinned body refused: %v", err)
			}
			if b, err := io.ReadAll(res.Body); err != nil || string(b) != good {
				t.Fatalf("pinned body: %q, %v", b, err)
			}

			res, err = f.auth.Authenticate(serverRequest("PUT", u, c.hdr, evil), "")
			if err != nil {
				t.Fatalf("authenticate: %v", err)
			}
			_, err = io.ReadAll(res.Body)
			var pm *PayloadMismatch
			if !errors.As(err, &pm) {
				t.Fatalf("another body read with err %v; want a payload-hash mismatch", err)
			}
			if pm.ClientComputed != pinned || pm.ServerComputed != sigv4.HexSHA256([]byte(evil)) {
				t.Fatalf("mismatch %+v", pm)
			}
		})
	}
}

// TestPresignedUnsignedPayloadTakesAnyBody: the default presigned PUT
// (UNSIGNED-PAYLOAD) still takes any body, as on AWS.
func TestPresignedUnsignedPayloadTakesAnyBody(t *testing.T) {
	f := newFixture()
	u := presignPut(t, "", nil)
	res, err := f.auth.Authenticate(serverRequest("PUT", u, nil, "anything"), "")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(res.Body); err != nil || string(b) != "anything" {
		t.Fatalf("%q, %v", b, err)
	}
}

// TestPresignedBadPayloadHashRefused: a signed X-Amz-Content-Sha256 that is
// neither a SHA-256 nor UNSIGNED-PAYLOAD is refused, as in a header.
func TestPresignedBadPayloadHashRefused(t *testing.T) {
	f := newFixture()
	u := presignPut(t, "X-Amz-Content-Sha256=not-a-hash", nil)
	_, err := f.auth.Authenticate(serverRequest("PUT", u, nil, "x"), "")
	wantReason(t, err, ReasonBadContentSHA256)
}
