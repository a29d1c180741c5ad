package stsapi

import (
	"fmt"
	"net/http"
	"testing"

	"signet/internal/meta"
)

// Policies the authoriser could not read (an engine cut off from its
// database) are no decision: 503 ServiceUnavailable, never AccessDenied.
func TestUnavailableAuthorizerIs503(t *testing.T) {
	f := newFixture(t)
	f.authz.deny = fmt.Errorf("%w: connection refused", meta.ErrUnavailable)
	w := f.call(t, user, form("Action", "AssumeRole", "RoleArn", "arn:aws:iam::"+acct+":role/team/ops", "RoleSessionName", "build"))
	wantError(t, w, http.StatusServiceUnavailable, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
}
