package awsquery

import (
	"fmt"
	"net/http"
	"testing"

	"signet/internal/authn"
	"signet/internal/meta"
)

// A key or session the key store could not look up (an engine cut off
// from its database) is 503 ServiceUnavailable, a fault of the server's,
// never InvalidClientTokenId.
func TestFromAuthUnavailable(t *testing.T) {
	cause := fmt.Errorf("%w: connection refused", meta.ErrUnavailable)
	e := FromAuth(&authn.Failure{Reason: authn.ReasonInternal, Message: cause.Error(), Err: cause}, "iam")
	if e.Status != http.StatusServiceUnavailable || e.Code != "ServiceUnavailable" || !e.Receiver ||
		e.Message != "The request has failed due to a temporary failure of the server." {
		t.Fatalf("FromAuth = %+v, want 503 ServiceUnavailable (Receiver)", e)
	}
	e = FromAuth(&authn.Failure{Reason: authn.ReasonInternal, Message: "other", Err: fmt.Errorf("other")}, "iam")
	if e.Status != http.StatusInternalServerError || e.Code != "InternalFailure" {
		t.Fatalf("FromAuth of another internal failure = %+v, want 500 InternalFailure", e)
	}
}
