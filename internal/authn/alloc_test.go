//go:build !race

// The race detector makes sync.Pool drop objects at random, so allocation
// counts are only meaningful without it.

package authn_test

import (
	"net/http"
	"testing"

	"signet/bench"
)

// TestAuthenticateAllocations pins the allocation budget of the server's
// hot path (docs/performance.md): issue 6 allows at most 4 for a presigned
// GET. The 3 spent are the parsed Auth (with its signed-header list), the
// Result, and secret.Secret.Reveal's copy of the secret.
func TestAuthenticateAllocations(t *testing.T) {
	keys, creds := benchKeys(t)
	a := benchAuthenticator(keys)
	for _, c := range []struct {
		name   string
		req    *http.Request
		budget float64
	}{
		{"presigned GET", bench.PresignedGET(t, creds[0]), 3},
		{"header-signed GET", bench.HeaderSignedGET(t, creds[0]), 3},
	} {
		authenticate(t, a, c.req) // warm the caches
		if n := testing.AllocsPerRun(200, func() { authenticate(t, a, c.req) }); n > c.budget {
			t.Errorf("%s: %.0f allocations per request, budget %.0f", c.name, n, c.budget)
		}
	}
}
