package sigv4_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/minio/minio-go/v7/pkg/s3utils"
	miniosigner "github.com/minio/minio-go/v7/pkg/signer"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

const (
	diffAKID   = "AKIAIOSFODNN7EXAMPLE"
	diffSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	diffToken  = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/token=="
	diffRegion = "eu-west-3"
	diffHost   = "signet.example.com:9000"
)

// Object keys that have broken S3 servers before.
var diffKeys = []string{
	"test.txt", "a b c", "ünïcødé/ファイル.txt", "emoji 😀", "a+b", "a=b&c=d", "dir//file", "./x", "../y",
	"a/./b/../c", "100%", "%41%2F%2f", "~tilde-_.", "trailing/", "sp ace+plus=eq&amp;", "quote\"'", "hash#frag",
	"question?mark", "semi;colon,comma:colon@at$dollar", "brackets[]{}<>", "caret^pipe|back\\slash", "tab\there", "",
}

// Query parameter sets: empty values, repeated names, encoded and raw
// reserved characters.
var diffQueries = []url.Values{
	nil,
	{"response-content-disposition": {`attachment; filename="a b.txt"`}, "response-content-type": {"text/plain"}},
	{"x-id": {"GetObject"}, "versionId": {""}},
	{"k": {"2", "1", "a/b", "a-b", "a b", "a+b"}},
	{"ключ": {"значение"}, "é": {"è"}, "a": {"=&%"}},
	{"uploadId": {"abc+def/ghi=="}, "partNumber": {"7"}},
	{"acl": {""}, "tagging": {""}},
}

var sdkCreds = aws.Credentials{AccessKeyID: diffAKID, SecretAccessKey: diffSecret}

func sdkS3Signer() *v4.Signer {
	return v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
}

// keyURL is the URL an S3 SDK builds for bucket/key: the key escaped once,
// "/" kept.
func keyURL(key string, q url.Values) string {
	u := "https://" + diffHost + "/bucket/" + sigv4.URIEncode(key, false)
	if q != nil {
		u += "?" + q.Encode()
	}
	return u
}

// rawKeyURL puts the key in the URL the way net/url escapes it by itself,
// which leaves sub-delimiters such as + = & $ , ; : @ raw on the wire.
func rawKeyURL(key string, q url.Values) string {
	u := url.URL{Scheme: "https", Host: diffHost, Path: "/bucket/" + key}
	if q != nil {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func TestDifferentialSDKPresign(t *testing.T) {
	signer := sdkS3Signer()
	at := mustTime("2026-03-01T12:34:56Z")
	for _, creds := range []aws.Credentials{sdkCreds, {AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: diffSecret, SessionToken: diffToken}} {
		for _, build := range []func(string, url.Values) string{keyURL, rawKeyURL} {
			for _, key := range diffKeys {
				for _, q := range diffQueries {
					for _, method := range []string{"GET", "PUT"} {
						u := build(key, q)
						cr := newReq(t, method, u)
						qq := cr.URL.Query()
						qq.Set("X-Amz-Expires", "900")
						cr.URL.RawQuery = qq.Encode()
						if method == "PUT" {
							cr.Header.Set("Content-Type", "application/octet-stream")
							cr.Header.Set("X-Amz-Meta-Owner", "  alice   and  bob ")
						}
						signed, hdr, err := signer.PresignHTTP(t.Context(), creds, cr, sigv4.UnsignedPayload, "s3", diffRegion, at)
						if err != nil {
							t.Fatal(err)
						}
						sr := newReq(t, method, signed)
						for k, v := range hdr {
							if k != "Host" {
								sr.Header[k] = v
							}
						}
						a, _, err := verifyServer(overTheWire(t, sr), secret.New(diffSecret), sigv4.S3)
						if err != nil {
							t.Fatalf("%s %q: %v\nURL %s", method, u, err, signed)
						}
						if a.Expires != 900 || a.SecurityToken != creds.SessionToken || a.Scope.Region != diffRegion {
							t.Fatalf("auth %+v", a)
						}
					}
				}
			}
		}
	}
}

func TestDifferentialSDKHeader(t *testing.T) {
	signer := sdkS3Signer()
	at := mustTime("2026-03-01T12:34:56Z")
	for _, build := range []func(string, url.Values) string{keyURL, rawKeyURL} {
		for _, key := range diffKeys {
			for _, q := range diffQueries {
				body := []byte("hello, signet")
				cr, err := http.NewRequest("PUT", build(key, q), bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				hash := sigv4.HexSHA256(body)
				cr.Header.Set("X-Amz-Content-Sha256", hash)
				cr.Header.Set("X-Amz-Meta-Note", "  two   spaces  ")
				cr.Header.Add("X-Amz-Meta-Multi", "one")
				cr.Header.Add("X-Amz-Meta-Multi", "two")
				cr.Header.Set("Content-Type", "text/plain; charset=utf-8")
				cr.Header.Set("Range", "bytes=0-9")
				if err := signer.SignHTTP(t.Context(), sdkCreds, cr, hash, "s3", diffRegion, at); err != nil {
					t.Fatal(err)
				}
				sr := overTheWire(t, cr)
				a, _, err := verifyServer(sr, secret.New(diffSecret), sigv4.S3)
				if err != nil {
					t.Fatalf("%q: %v", cr.URL.String(), err)
				}
				if !contains(a.SignedHeaders, "content-length") {
					t.Fatalf("SDK should have signed content-length: %v", a.SignedHeaders)
				}
				if got, _ := io.ReadAll(sr.Body); !bytes.Equal(got, body) {
					t.Fatal("body lost")
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// minioURL builds the URL minio-go builds: the path escaped by
// s3utils.EncodePath, which its signer signs.
func minioURL(t *testing.T, key string, q url.Values) *url.URL {
	p := "/bucket/" + key
	u := &url.URL{Scheme: "https", Host: diffHost, Path: p, RawPath: s3utils.EncodePath(p)}
	if q != nil {
		u.RawQuery = q.Encode()
	}
	if u.EscapedPath() != s3utils.EncodePath(p) {
		t.Skipf("net/url cannot carry minio-go's path for %q", key)
	}
	return u
}

// minio-go v7.4.1 builds its canonical query with url.Values.Encode, which
// sorts by decoded name and keeps repeated values in request order, where
// SigV4 sorts encoded names and values. The two agree except for repeated
// names and names whose encoding reorders them (non-ASCII against ASCII), so
// those query sets are left out here; TestMinioDecodedOrderRejected pins
// what happens to them.
func minioOrderAgrees(q url.Values) bool {
	for k, vs := range q {
		if len(vs) > 1 {
			return false
		}
		for i := 0; i < len(k); i++ {
			if k[i] >= 0x80 {
				return false
			}
		}
	}
	return true
}

func TestDifferentialMinio(t *testing.T) {
	for _, key := range diffKeys {
		for _, q := range diffQueries {
			if !minioOrderAgrees(q) {
				continue
			}
			t.Run("", func(t *testing.T) {
				u := minioURL(t, key, q)

				// Header signing.
				cr := &http.Request{Method: "GET", URL: u, Host: u.Host, Header: http.Header{}}
				cr.Header.Set("X-Amz-Content-Sha256", sigv4.UnsignedPayload)
				cr.Header.Set("X-Amz-Meta-A", "b  c")
				signed := miniosigner.SignV4(*cr, diffAKID, diffSecret, diffToken, diffRegion)
				if _, _, err := verifyServer(overTheWire(t, signed), secret.New(diffSecret), sigv4.S3); err != nil {
					t.Fatalf("minio SignV4 %s: %v", u, err)
				}

				// Presigning.
				pr := &http.Request{Method: "GET", URL: cloneURL(u), Host: u.Host, Header: http.Header{}}
				ps := miniosigner.PreSignV4(*pr, diffAKID, diffSecret, diffToken, diffRegion, 604800)
				sr := &http.Request{Method: "GET", URL: ps.URL, Host: u.Host, Header: http.Header{}}
				a, _, err := verifyServer(overTheWire(t, sr), secret.New(diffSecret), sigv4.S3)
				if err != nil {
					t.Fatalf("minio PreSignV4 %s: %v", ps.URL, err)
				}
				if a.Expires != 604800 {
					t.Fatalf("expires %d", a.Expires)
				}
			})
		}
	}
}

func cloneURL(u *url.URL) *url.URL { c := *u; return &c }

// TestSignetAgainstSDK checks the other direction: what signet signs, the
// SDK's signer reproduces byte for byte.
func TestSignetAgainstSDK(t *testing.T) {
	signer := sdkS3Signer()
	at := mustTime("2026-03-01T12:34:56Z")
	for _, key := range diffKeys {
		for _, q := range diffQueries {
			u := keyURL(key, q)
			r1 := newReq(t, "GET", u)
			r1.Header.Set("X-Amz-Meta-X", "y")
			r2 := r1.Clone(t.Context())
			if err := sigv4.SignHeader(r1, sigv4.Credentials{AccessKeyID: diffAKID, SecretAccessKey: secret.New(diffSecret)}, diffRegion, "s3", at, sigv4.EmptySHA256, sigv4.S3); err != nil {
				t.Fatal(err)
			}
			r2.Header.Set("X-Amz-Content-Sha256", sigv4.EmptySHA256)
			if err := signer.SignHTTP(t.Context(), sdkCreds, r2, sigv4.EmptySHA256, "s3", diffRegion, at); err != nil {
				t.Fatal(err)
			}
			if a, b := r1.Header.Get("Authorization"), r2.Header.Get("Authorization"); a != b {
				t.Fatalf("%s\nsignet %s\n   sdk %s", u, a, b)
			}

			// Presign: the SDK hoists nothing here (no x-amz-* headers), so
			// both sign the same canonical request.
			ps, err := sigv4.Presign(sigv4.PresignInput{
				Method: "GET", URL: u,
				Credentials: sigv4.Credentials{AccessKeyID: diffAKID, SecretAccessKey: secret.New(diffSecret)}, Region: diffRegion, Service: "s3", Time: at, Expires: time.Hour, Mode: sigv4.S3,
			})
			if err != nil {
				t.Fatal(err)
			}
			cr := newReq(t, "GET", u)
			qq := cr.URL.Query()
			qq.Set("X-Amz-Expires", strconv.Itoa(3600))
			cr.URL.RawQuery = qq.Encode()
			sdkURL, _, err := signer.PresignHTTP(t.Context(), sdkCreds, cr, sigv4.UnsignedPayload, "s3", diffRegion, at)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := sigOf(t, ps), sigOf(t, sdkURL); a != b {
				t.Fatalf("%s\nsignet %s\n   sdk %s", u, ps, sdkURL)
			}
		}
	}
}

func sigOf(t *testing.T, u string) string {
	_, sig, ok := strings.Cut(u, "X-Amz-Signature=")
	if !ok {
		t.Fatalf("no signature in %s", u)
	}
	return sig
}

// TestMinioDecodedOrderRejected: a request signed over a canonical query in
// decoded order (minio-go's ordering) is not what AWS computes, so AWS and
// signet both refuse it (aws-sdk-go-v2 moved to encoded order because the
// service rejected the other). signet must not quietly accept a second
// canonical form.
func TestMinioDecodedOrderRejected(t *testing.T) {
	u := minioURL(t, "k", url.Values{"k": {"a-b", "a/b"}})
	cr := &http.Request{Method: "GET", URL: u, Host: u.Host, Header: http.Header{}}
	cr.Header.Set("X-Amz-Content-Sha256", sigv4.UnsignedPayload)
	signed := miniosigner.SignV4(*cr, diffAKID, diffSecret, "", diffRegion)
	_, _, err := verifyServer(overTheWire(t, signed), secret.New(diffSecret), sigv4.S3)
	wantReason(t, err, sigv4.ReasonSignatureMismatch)
}
