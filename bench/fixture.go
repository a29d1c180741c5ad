// Package bench holds what the micro-benchmarks share: the one presigned
// GET that signet's verifier benchmarks verify and that aws-sdk-go-v2's
// signer presigns as the baseline, so the two sides of every ratio in
// docs/performance.md work on byte-identical requests.
//
// It is imported by benchmark files only; scripts/bench-micro runs them.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// ObjectURL is the object every benchmark request addresses: virtual-host
// style, a key with a space and a slash, and two parameters besides the
// X-Amz-* ones, as a download link made for a browser carries.
const ObjectURL = "https://examplebucket.s3.us-east-1.amazonaws.com/photos/2026/cat%20picture.jpg?response-content-disposition=attachment&versionId=3HL4kqtJlcpXroDTDmJ"

// Bucket is ObjectURL's bucket and ObjectARN its object, as policies name
// it.
const (
	Bucket    = "examplebucket"
	ObjectARN = "arn:aws:s3:::examplebucket/photos/2026/cat picture.jpg"
)

// BucketPolicy is a typical policy of a bucket served through presigned
// links: public read of one prefix, read and write for a team, and two
// denies with conditions (stale links used from outside the office
// network, and plain HTTP). Its second statement allows alice's GET of
// ObjectARN; no deny applies to a fresh link fetched over HTTPS.
const BucketPolicy = `{
  "Version": "2012-10-17",
  "Id": "PhotosPolicy",
  "Statement": [
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::examplebucket/public/*"},
    {"Sid": "TeamReadWrite", "Effect": "Allow",
     "Principal": {"AWS": ["arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:role/uploader"]},
     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
     "Resource": "arn:aws:s3:::examplebucket/*"},
    {"Sid": "DenyStaleURLsOffsite", "Effect": "Deny", "Principal": "*",
     "Action": "s3:*", "Resource": ["arn:aws:s3:::examplebucket", "arn:aws:s3:::examplebucket/*"],
     "Condition": {
       "NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]},
       "NumericGreaterThan": {"s3:signatureAge": "600000"}}},
    {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
     "Action": "s3:*", "Resource": "arn:aws:s3:::examplebucket/*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
  ]
}`

// Region is the region of ObjectURL's credential scope.
const Region = "us-east-1"

// Expires is the presigned window.
const Expires = time.Hour

// SignedAt is the signing time of every benchmark request.
var SignedAt = time.Date(2026, 3, 1, 12, 34, 56, 0, time.UTC)

// Verifying is a moment inside the presigned window and within the
// 15-minute skew of a header-signed request: the clock the verifier
// benchmarks run at.
var Verifying = SignedAt.Add(time.Minute)

// UnsignedPayload is the payload hash of a presigned request.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// EmptySHA256 is the payload hash of an empty body.
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// SDKSigner returns aws-sdk-go-v2's SigV4 signer configured as its S3
// client configures it: the path is escaped once, as S3 requires.
func SDKSigner() *v4.Signer {
	return v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
}

// PresignRequest returns the client-side GET that the SDK presigns:
// ObjectURL with X-Amz-Expires added, which is what the SDK's S3 presign
// client does before it signs.
func PresignRequest(tb testing.TB) *http.Request {
	tb.Helper()
	r := newRequest(tb, ObjectURL)
	q := r.URL.Query()
	q.Set("X-Amz-Expires", strconv.Itoa(int(Expires/time.Second)))
	r.URL.RawQuery = q.Encode()
	return r
}

// SDKPresign presigns PresignRequest with creds and returns the URL.
func SDKPresign(tb testing.TB, creds aws.Credentials) string {
	tb.Helper()
	u, _, err := SDKSigner().PresignHTTP(context.Background(), creds, PresignRequest(tb), UnsignedPayload, "s3", Region, SignedAt)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// PresignedGET returns the server-side request for a URL presigned with
// creds: what net/http hands the handler after the request crossed the
// wire.
func PresignedGET(tb testing.TB, creds aws.Credentials) *http.Request {
	tb.Helper()
	return OverTheWire(tb, newRequest(tb, SDKPresign(tb, creds)))
}

// HeaderSignedGET returns the server-side view of a GET of ObjectURL with a
// Range header, signed in the Authorization header by the SDK at SignedAt,
// as its S3 client sends a ranged download.
func HeaderSignedGET(tb testing.TB, creds aws.Credentials) *http.Request {
	tb.Helper()
	r := newRequest(tb, ObjectURL)
	r.Header.Set("Range", "bytes=0-1023")
	r.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
	if err := SDKSigner().SignHTTP(context.Background(), creds, r, EmptySHA256, "s3", Region, SignedAt); err != nil {
		tb.Fatal(err)
	}
	return OverTheWire(tb, r)
}

// OverTheWire serialises a client request and parses it back as net/http's
// server does, so RequestURI, Host and the header map are what a handler
// sees.
func OverTheWire(tb testing.TB, r *http.Request) *http.Request {
	tb.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		tb.Fatalf("write request: %v", err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		tb.Fatalf("read request: %v", err)
	}
	return sr
}

func newRequest(tb testing.TB, rawURL string) *http.Request {
	tb.Helper()
	r, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
