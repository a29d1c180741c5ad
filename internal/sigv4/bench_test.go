package sigv4_test

import (
	"net/http"
	"testing"

	"signet/bench"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// The benchmarks here verify bench's presigned GET, which
// BenchmarkSDKPresign presigns: both sides of the ratio in
// docs/performance.md handle the same request.

func benchPresignedGET(b *testing.B) *http.Request {
	return bench.PresignedGET(b, sdkCreds)
}

// BenchmarkVerifyPresignedGET is sigv4's share of the server's work on a
// presigned GET (the call authn makes): parse the query, then check the
// signature with a warm signing-key cache.
func BenchmarkVerifyPresignedGET(b *testing.B) {
	sr := benchPresignedGET(b)
	cache := sigv4.NewKeyCache(16)
	b.ReportAllocs()
	for b.Loop() {
		req := sigv4.FromHTTP(sr)
		a, err := sigv4.ParseQuery(req)
		if err != nil {
			b.Fatal(err)
		}
		if err := sigv4.Check(req, a, cache.Get(a.AccessKeyID, secret.New(diffSecret), a.Scope), sigv4.S3); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresignedGETColdKey derives the signing key on every
// request.
func BenchmarkVerifyPresignedGETColdKey(b *testing.B) {
	sr := benchPresignedGET(b)
	b.ReportAllocs()
	for b.Loop() {
		req := sigv4.FromHTTP(sr)
		a, err := sigv4.ParseQuery(req)
		if err != nil {
			b.Fatal(err)
		}
		if err := sigv4.Check(req, a, sigv4.SigningKey(secret.New(diffSecret), a.Scope), sigv4.S3); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresignedGETSteps uses Verify, which also hands back the
// canonical request and string to sign (what `signet inspect` shows).
func BenchmarkVerifyPresignedGETSteps(b *testing.B) {
	sr := benchPresignedGET(b)
	cache := sigv4.NewKeyCache(16)
	b.ReportAllocs()
	for b.Loop() {
		req := sigv4.FromHTTP(sr)
		a, err := sigv4.ParseQuery(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sigv4.Verify(req, a, cache.Get(a.AccessKeyID, secret.New(diffSecret), a.Scope), sigv4.S3); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyHeaderSigned is a ranged GET signed in the Authorization
// header by aws-sdk-go-v2.
func BenchmarkVerifyHeaderSigned(b *testing.B) {
	sr := bench.HeaderSignedGET(b, sdkCreds)
	cache := sigv4.NewKeyCache(16)
	b.ReportAllocs()
	for b.Loop() {
		req := sigv4.FromHTTP(sr)
		a, err := sigv4.ParseHeader(req)
		if err != nil {
			b.Fatal(err)
		}
		if err := sigv4.Check(req, a, cache.Get(a.AccessKeyID, secret.New(diffSecret), a.Scope), sigv4.S3); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalRequest builds the presigned GET's canonical request
// as a string (the exported form; verification itself builds it in a
// pooled buffer).
func BenchmarkCanonicalRequest(b *testing.B) {
	req := sigv4.FromHTTP(benchPresignedGET(b))
	a, err := sigv4.ParseQuery(req)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if cr := sigv4.CanonicalRequest(req, a.SignedHeaders, a.PayloadHash, sigv4.S3, true); len(cr) == 0 {
			b.Fatal("empty canonical request")
		}
	}
}

// BenchmarkSDKPresign is the baseline: aws-sdk-go-v2 presigning the request
// the presigned-GET benchmarks verify.
func BenchmarkSDKPresign(b *testing.B) {
	cr := bench.PresignRequest(b)
	signer := bench.SDKSigner()
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := signer.PresignHTTP(ctx, sdkCreds, cr, sigv4.UnsignedPayload, "s3", bench.Region, bench.SignedAt); err != nil {
			b.Fatal(err)
		}
	}
}
