package sigv4_test

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

// S3's own published worked examples (S3 mode), from
// ../shared/reference/aws-semantics.md §1.9 and §2.4.
var exampleCreds = sigv4.Credentials{
	AccessKeyID:     "AKIAIOSFODNN7EXAMPLE",
	SecretAccessKey: secret.New("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
}

const (
	examplePresignSig = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	exampleHeaderSig  = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
)

func wantReason(t testing.TB, err error, want sigv4.Reason) *sigv4.Error {
	t.Helper()
	var e *sigv4.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want sigv4 reason %v", err, want)
	}
	if e.Reason != want {
		t.Fatalf("reason = %v (detail %q), want %v", e.Reason, e.Detail, want)
	}
	return e
}

func TestS3PresignedGETExample(t *testing.T) {
	at := mustTime("2013-05-24T00:00:00Z")
	sc := sigv4.Scope{Date: "20130524", Region: "us-east-1", Service: "s3"}
	if got := hex.EncodeToString(sigv4.SigningKey(exampleCreds.SecretAccessKey, sc)); got != "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378" {
		t.Fatalf("signing key = %s", got)
	}
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: "GET", URL: "https://examplebucket.s3.amazonaws.com/test.txt", Credentials: exampleCreds,
		Region: "us-east-1", Service: "s3", Time: at, Expires: 86400 * time.Second, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(u, "&X-Amz-Signature="+examplePresignSig) {
		t.Fatalf("presigned URL = %s, want signature %s", u, examplePresignSig)
	}
	sr := overTheWire(t, newReq(t, "GET", u))
	_, v, err := verifyServer(sr, exampleCreds.SecretAccessKey, sigv4.S3)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	wantCreq := "GET\n/test.txt\n" +
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\n" +
		"host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
	if v.CanonicalRequest != wantCreq {
		t.Errorf("canonical request\n got %q\nwant %q", v.CanonicalRequest, wantCreq)
	}
	if v.Signature != examplePresignSig {
		t.Errorf("computed signature %s", v.Signature)
	}

	// A one-byte change anywhere signed must fail.
	for _, mut := range []struct{ name, from, to string }{
		{"signature", examplePresignSig, examplePresignSig[:63] + "5"},
		{"path", "/test.txt", "/test.txu"},
		{"expires", "X-Amz-Expires=86400", "X-Amz-Expires=86401"},
	} {
		t.Run(mut.name, func(t *testing.T) {
			mu := strings.Replace(u, mut.from, mut.to, 1)
			if mu == u {
				t.Fatal("mutation did not apply")
			}
			_, _, err := verifyServer(overTheWire(t, newReq(t, "GET", mu)), exampleCreds.SecretAccessKey, sigv4.S3)
			e := wantReason(t, err, sigv4.ReasonSignatureMismatch)
			if e.Verified == nil || e.Verified.StringToSign == "" || e.Verified.CanonicalRequest == "" {
				t.Fatal("mismatch error must carry the canonical request and string to sign")
			}
		})
	}
}

func TestS3HeaderGETExample(t *testing.T) {
	at := mustTime("2013-05-24T00:00:00Z")
	r := newReq(t, "GET", "https://examplebucket.s3.amazonaws.com/test.txt")
	r.Header.Set("Range", "bytes=0-9")
	if err := sigv4.SignHeader(r, exampleCreds, "us-east-1", "s3", at, sigv4.EmptySHA256, sigv4.S3); err != nil {
		t.Fatal(err)
	}
	want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
		"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=" + exampleHeaderSig
	if got := r.Header.Get("Authorization"); got != want {
		t.Fatalf("Authorization\n got %s\nwant %s", got, want)
	}
	sr := overTheWire(t, r)
	a, v, err := verifyServer(sr, exampleCreds.SecretAccessKey, sigv4.S3)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if a.Kind != sigv4.HeaderAuth || a.PayloadHash != sigv4.EmptySHA256 || v.Signature != exampleHeaderSig {
		t.Fatalf("auth %+v verified %+v", a, v)
	}

	// One byte changed in a signed header value.
	sr.Header.Set("Range", "bytes=0-8")
	_, _, err = verifyServer(sr, exampleCreds.SecretAccessKey, sigv4.S3)
	wantReason(t, err, sigv4.ReasonSignatureMismatch)

	// The Date header instead of X-Amz-Date (RFC 1123) signs the same time.
	r2 := newReq(t, "GET", "https://examplebucket.s3.amazonaws.com/test.txt")
	r2.Header.Set("Range", "bytes=0-9")
	if err := sigv4.SignHeader(r2, exampleCreds, "us-east-1", "s3", at, sigv4.EmptySHA256, sigv4.S3); err != nil {
		t.Fatal(err)
	}
	sr2 := overTheWire(t, r2)
	sr2.Header.Del("X-Amz-Date")
	sr2.Header.Set("Date", at.Format(http.TimeFormat))
	a2, err := sigv4.ParseHeader(sigv4.FromHTTP(sr2))
	if err != nil {
		t.Fatal(err)
	}
	if a2.AmzDate != "20130524T000000Z" || !a2.Date.Equal(at) {
		t.Fatalf("date from Date header: %q %v", a2.AmzDate, a2.Date)
	}
}
