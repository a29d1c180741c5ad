package iamapi

import (
	"fmt"
	"testing"

	"signet/internal/meta"
)

// Policies the authoriser could not read (an engine cut off from its
// database) are no decision: 503 ServiceUnavailable, never AccessDenied.
func TestUnavailableAuthorizerIs503(t *testing.T) {
	f := newFixture(t)
	f.authz.deny["iam:ListUsers"] = true
	f.authz.err = fmt.Errorf("%w: connection refused", meta.ErrUnavailable)
	fails(t, f.do(t, bobP, "ListUsers"), 503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
}
