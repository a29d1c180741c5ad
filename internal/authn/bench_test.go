package authn_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"signet/bench"
	"signet/internal/access"
	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/iam"
	"signet/internal/meta/metafixture"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

const benchAccount = "123456789012"

// benchKeys is the key store the server runs: access.Keys over the bolt
// identity store, with one IAM user owning two access keys. Each key is
// looked up once, so the benchmarks measure the warm path of its cache, as
// on a server that has already seen the key.
func benchKeys(b testing.TB) (*access.Keys, []aws.Credentials) {
	b.Helper()
	db := metafixture.Bolt(b) // the engine the server runs by default, whose cost is measured
	sealKey, err := secret.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	sealer, err := secret.NewSealer(sealKey)
	if err != nil {
		b.Fatal(err)
	}
	store := access.NewStore(db)
	ids, err := iam.New(iam.Config{Store: store, Sealer: sealer, Clock: clock.NewFake(bench.SignedAt), Account: benchAccount})
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	if _, err := ids.CreateUser(ctx, "alice", "/"); err != nil {
		b.Fatal(err)
	}
	keys := access.NewKeys(store, sealer, nil, benchAccount)
	var creds []aws.Credentials
	for range 2 {
		k, sec, err := ids.CreateAccessKey(ctx, "alice")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := keys.Lookup(ctx, k.ID); err != nil {
			b.Fatal(err)
		}
		creds = append(creds, aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: sec.Reveal()})
	}
	return keys, creds
}

func benchAuthenticator(keys authn.KeyStore) *authn.Authenticator {
	clk := clock.NewFake(bench.Verifying)
	return authn.NewAuthenticator(keys, clk, clk, bench.Region)
}

// authenticate runs one verification and fails unless it succeeded for
// alice.
func authenticate(b testing.TB, a *authn.Authenticator, r *http.Request) {
	res, err := a.Authenticate(r, "")
	if err != nil {
		b.Fatal(err)
	}
	if res.Principal.UserName != "alice" {
		b.Fatalf("principal %+v, want alice", res.Principal)
	}
}

// BenchmarkAuthenticatePresignedGET is the server's whole authentication of
// a presigned GET: detect the mechanism, parse the query, look the key up
// in access.Keys, verify the signature with the signing key from the
// per-day cache (warm), and check the lifetime.
func BenchmarkAuthenticatePresignedGET(b *testing.B) {
	keys, creds := benchKeys(b)
	a := benchAuthenticator(keys)
	r := bench.PresignedGET(b, creds[0])
	authenticate(b, a, r) // warms the signing-key cache
	b.ReportAllocs()
	for b.Loop() {
		authenticate(b, a, r)
	}
}

// BenchmarkAuthenticatePresignedGETColdKey is the same with the signing
// key derived on every request (four more HMACs and a cache insertion): a
// one-entry cache and two keys used alternately, so every lookup misses.
func BenchmarkAuthenticatePresignedGETColdKey(b *testing.B) {
	keys, creds := benchKeys(b)
	a := benchAuthenticator(keys)
	a.Cache = sigv4.NewKeyCache(1)
	reqs := []*http.Request{bench.PresignedGET(b, creds[0]), bench.PresignedGET(b, creds[1])}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		authenticate(b, a, reqs[i&1])
		i++
	}
	if a.Cache.Len() != 1 {
		b.Fatalf("signing-key cache holds %d keys, want 1", a.Cache.Len())
	}
}

// BenchmarkAuthenticateHeaderSigned is a ranged GET signed in the
// Authorization header, as SDK downloads are; the signing-key cache is warm.
func BenchmarkAuthenticateHeaderSigned(b *testing.B) {
	keys, creds := benchKeys(b)
	a := benchAuthenticator(keys)
	r := bench.HeaderSignedGET(b, creds[0])
	authenticate(b, a, r)
	b.ReportAllocs()
	for b.Loop() {
		authenticate(b, a, r)
	}
}

// BenchmarkSDKPresign is the baseline the Authenticate benchmarks are
// measured against, in the same process: aws-sdk-go-v2 presigning the very
// request BenchmarkAuthenticatePresignedGET verifies (its own signing-key
// cache warm, as in a long-lived client).
func BenchmarkSDKPresign(b *testing.B) {
	_, creds := benchKeys(b)
	signer := bench.SDKSigner()
	r := bench.PresignRequest(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := signer.PresignHTTP(ctx, creds[0], r, bench.UnsignedPayload, "s3", bench.Region, bench.SignedAt); err != nil {
			b.Fatal(err)
		}
	}
}
