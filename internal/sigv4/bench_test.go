package sigv4_test

import (
	"context"
	"net/http"
	"testing"

	"signet/internal/sigv4"
)

const benchURL = "https://examplebucket.s3.us-east-1.amazonaws.com/photos/2026/cat%20picture.jpg?response-content-disposition=attachment&versionId=3HL4kqtJlcpXroDTDmJ"

func benchPresigned(b *testing.B) (*http.Request, *http.Request) {
	cr := newReq(b, "GET", benchURL)
	q := cr.URL.Query()
	q.Set("X-Amz-Expires", "3600")
	cr.URL.RawQuery = q.Encode()
	signed, _, err := sdkS3Signer().PresignHTTP(context.Background(), sdkCreds, cr, sigv4.UnsignedPayload, "s3", "us-east-1", mustTime("2026-03-01T12:34:56Z"))
	if err != nil {
		b.Fatal(err)
	}
	return cr, overTheWire(b, newReq(b, "GET", signed))
}

func BenchmarkVerifyPresignedGET(b *testing.B) {
	_, sr := benchPresigned(b)
	cache := sigv4.NewKeyCache(16)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := sigv4.FromHTTP(sr)
		a, err := sigv4.ParseQuery(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sigv4.Verify(req, a, cache.Get(a.AccessKeyID, diffSecret, a.Scope), sigv4.S3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPresignedGETColdKey(b *testing.B) {
	_, sr := benchPresigned(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := sigv4.FromHTTP(sr)
		a, err := sigv4.ParseQuery(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sigv4.Verify(req, a, sigv4.SigningKey(diffSecret, a.Scope), sigv4.S3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyHeaderSigned(b *testing.B) {
	cr := newReq(b, "GET", benchURL)
	cr.Header.Set("Range", "bytes=0-1023")
	cr.Header.Set("X-Amz-Content-Sha256", sigv4.EmptySHA256)
	if err := sdkS3Signer().SignHTTP(context.Background(), sdkCreds, cr, sigv4.EmptySHA256, "s3", "us-east-1", mustTime("2026-03-01T12:34:56Z")); err != nil {
		b.Fatal(err)
	}
	sr := overTheWire(b, cr)
	cache := sigv4.NewKeyCache(16)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := sigv4.FromHTTP(sr)
		a, err := sigv4.ParseHeader(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sigv4.Verify(req, a, cache.Get(a.AccessKeyID, diffSecret, a.Scope), sigv4.S3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonicalRequest(b *testing.B) {
	_, sr := benchPresigned(b)
	req := sigv4.FromHTTP(sr)
	a, err := sigv4.ParseQuery(req)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = sigv4.CanonicalRequest(req, a.SignedHeaders, a.PayloadHash, sigv4.S3, true)
	}
}

// BenchmarkSDKPresign is the baseline: aws-sdk-go-v2 presigning the request
// the presigned-GET benchmarks verify.
func BenchmarkSDKPresign(b *testing.B) {
	cr, _ := benchPresigned(b)
	signer := sdkS3Signer()
	at := mustTime("2026-03-01T12:34:56Z")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := signer.PresignHTTP(ctx, sdkCreds, cr, sigv4.UnsignedPayload, "s3", "us-east-1", at); err != nil {
			b.Fatal(err)
		}
	}
}
