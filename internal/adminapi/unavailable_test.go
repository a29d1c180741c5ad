package adminapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"signet/internal/meta"
)

// Policies the authoriser could not read (an engine cut off from its
// database) are no decision: 503 ServiceUnavailable, never AccessDenied.
func TestUnavailableAuthorizerIs503(t *testing.T) {
	f := newFixture(t, true)
	f.authz.err = fmt.Errorf("%w: connection refused", meta.ErrUnavailable)
	for _, p := range []string{"clock", "sessions"} {
		wantError(t, f.do(t, http.MethodGet, p, ""), http.StatusServiceUnavailable, "ServiceUnavailable")
	}
}
