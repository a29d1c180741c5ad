package access_test

import (
	"crypto/tls"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"signet/bench"
	"signet/internal/access"
	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/meta/metafixture"
	"signet/internal/principal"
	"signet/internal/secret"
)

// BenchmarkAuthorizePresignedGET is the authorisation the server runs after
// authenticating bench's presigned GET: alice's identity policy and the
// bucket's typical policy (bench.BucketPolicy), both from the warm cache,
// and the request's condition keys, built per request. Set beside
// internal/policy's BenchmarkDecideBucketPolicy (the decision alone, keys
// prebuilt), it shows what the per-request context costs.
func BenchmarkAuthorizePresignedGET(b *testing.B) {
	ctx := b.Context()
	db := metafixture.Bolt(b) // the engine the server runs by default, whose cost is measured
	sealKey, err := secret.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	sealer, err := secret.NewSealer(sealKey)
	if err != nil {
		b.Fatal(err)
	}
	const account = "123456789012"
	clk := clock.NewFake(bench.Verifying)
	store := access.NewStore(db)
	ids, err := iam.New(iam.Config{Store: store, Sealer: sealer, Clock: clk, Account: account})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ids.CreateUser(ctx, "alice", "/"); err != nil {
		b.Fatal(err)
	}
	reader := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::examplebucket","arn:aws:s3:::examplebucket/*"]}]}`
	if err := ids.PutInlinePolicy(ctx, meta.Owner{Kind: principal.OwnerUser, Name: "alice"}, "PhotoReader", reader); err != nil {
		b.Fatal(err)
	}
	if err := store.CreateBucket(ctx, meta.Bucket{Name: bench.Bucket}); err != nil {
		b.Fatal(err)
	}
	if err := store.PutBucketPolicy(ctx, bench.Bucket, bench.BucketPolicy); err != nil {
		b.Fatal(err)
	}
	key, sec, err := ids.CreateAccessKey(ctx, "alice")
	if err != nil {
		b.Fatal(err)
	}
	keys := access.NewKeys(store, sealer, nil, account)
	r := bench.PresignedGET(b, aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: sec.Reveal()})
	r.RemoteAddr = "203.0.113.9:51234"
	r.TLS = &tls.ConnectionState{} // served over HTTPS, so DenyInsecureTransport does not apply
	res, err := authn.NewAuthenticator(keys, clk, clk, bench.Region).Authenticate(r, "")
	if err != nil {
		b.Fatal(err)
	}
	authz := access.NewAuthorizer(store, ids, clk, account)
	if err := authz.Authorize(r, res, "s3:GetObject", bench.ObjectARN); err != nil {
		b.Fatal(err) // also warms the policy cache
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := authz.Authorize(r, res, "s3:GetObject", bench.ObjectARN); err != nil {
			b.Fatal(err)
		}
	}
}
