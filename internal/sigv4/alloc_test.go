//go:build !race

// The race detector makes sync.Pool drop objects at random, so allocation
// counts are only meaningful without it.

package sigv4_test

import (
	"testing"

	"signet/bench"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// TestVerifyAllocations pins what verifying a presigned GET costs in
// allocations: one for ParseQuery's Auth (which holds the signed-header
// list), none for Check with a cached signing key, and two for Verify's
// intermediate steps (the Verified and one string holding all three).
func TestVerifyAllocations(t *testing.T) {
	req := sigv4.FromHTTP(bench.PresignedGET(t, sdkCreds))
	cache := sigv4.NewKeyCache(4)
	a, err := sigv4.ParseQuery(req)
	if err != nil {
		t.Fatal(err)
	}
	sk := secret.New(diffSecret)
	key := cache.Get(a.AccessKeyID, sk, a.Scope)
	for _, c := range []struct {
		name   string
		run    func()
		budget float64
	}{
		{"ParseQuery", func() { a, err = sigv4.ParseQuery(req) }, 1},
		{"KeyCache.Get", func() { key = cache.Get(a.AccessKeyID, sk, a.Scope) }, 0},
		{"Check", func() { err = sigv4.Check(req, a, key, sigv4.S3) }, 0},
		{"Verify", func() { _, err = sigv4.Verify(req, a, key, sigv4.S3) }, 2},
	} {
		if n := testing.AllocsPerRun(200, c.run); n > c.budget {
			t.Errorf("%s: %.0f allocations, budget %.0f", c.name, n, c.budget)
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
}
