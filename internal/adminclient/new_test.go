package adminclient

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// An IAM client without an endpoint fails every call and sends nothing:
// the SDK's default would be AWS's own IAM endpoint, signed with the
// caller's keys.
func TestIAMWithoutEndpointSendsNothing(t *testing.T) {
	var sent []string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r.URL.String())
		return nil, context.Canceled
	})}
	c := NewIAM(IAMConfig{Credentials: staticCreds, HTTP: hc})
	_, err := c.GetUser(context.Background(), "alice")
	if err == nil || !strings.Contains(err.Error(), "adminclient: no endpoint") {
		t.Errorf("GetUser without an endpoint: %v", err)
	}
	if len(sent) != 0 {
		t.Errorf("requests sent: %v", sent)
	}
}
