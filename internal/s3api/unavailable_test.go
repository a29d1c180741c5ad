package s3api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"signet/internal/authn"
	"signet/internal/meta"
)

// errCutOff is an engine error as the PostgreSQL engine returns it when the
// database cannot be reached.
var errCutOff = fmt.Errorf("%w: dial tcp 127.0.0.1:5432: connect: connection refused", meta.ErrUnavailable)

// unreachableMeta is a metadata store whose object reads fail as an
// engine cut off from its database fails.
type unreachableMeta struct{ meta.Store }

func (unreachableMeta) GetObject(context.Context, string, string) (meta.Object, error) {
	return meta.Object{}, errCutOff
}

// checkUnavailable asserts S3's 503 ServiceUnavailable, with no trace of
// the cause (which may name the database's address) in the body.
func checkUnavailable(t *testing.T, what string, w interface {
	Result() *http.Response
}, body string) {
	t.Helper()
	res := w.Result()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("%s: status %d, want 503; body %s", what, res.StatusCode, body)
	}
	for _, want := range []string{"<Code>ServiceUnavailable</Code>", "<Message>Service is unable to handle request.</Message>", "<RequestId>"} {
		if !strings.Contains(body, want) {
			t.Errorf("%s: body lacks %s: %s", what, want, body)
		}
	}
	if strings.Contains(body, "5432") || strings.Contains(body, "refused") {
		t.Errorf("%s: body reveals the cause: %s", what, body)
	}
	if res.Header.Get("Retry-After") != "" {
		t.Errorf("%s: Retry-After %q: S3 sends none", what, res.Header.Get("Retry-After"))
	}
}

// A key or session the key store could not look up is 503, never
// InvalidAccessKeyId, SignatureDoesNotMatch or AccessDenied.
func TestUnavailableKeyLookupIs503(t *testing.T) {
	failed := func(*http.Request, string) (*authn.Result, error) {
		return nil, &authn.Failure{Reason: authn.ReasonInternal, Message: errCutOff.Error(), Err: errCutOff}
	}
	e := newEnv(t, func(c *Config) { c.Auth = authFunc(failed) })
	for _, target := range []string{"/b/k", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20260301%2Fus-east-1%2Fs3%2Faws4_request", "/"} {
		w := e.do("GET", target, nil)
		checkUnavailable(t, "GET "+target, w, w.Body.String())
	}
	w := e.do("HEAD", "/b/k", nil)
	if w.Code != http.StatusServiceUnavailable || w.Body.Len() != 0 {
		t.Fatalf("HEAD: status %d, body %q; want 503 without a body", w.Code, w.Body.String())
	}
	// Any other failure of the key store stays an internal error.
	other := func(*http.Request, string) (*authn.Result, error) {
		return nil, &authn.Failure{Reason: authn.ReasonInternal, Message: "disk on fire", Err: fmt.Errorf("disk on fire")}
	}
	e = newEnv(t, func(c *Config) { c.Auth = authFunc(other) })
	if w := e.do("GET", "/b/k", nil); w.Code != http.StatusInternalServerError {
		t.Fatalf("other key store failure: status %d, want 500", w.Code)
	}
}

// Policies the authoriser could not read are no decision: 503, not
// AccessDenied.
func TestUnavailablePoliciesAre503(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Authz = authzFunc(func(*http.Request, *authn.Result, string, string) error { return errCutOff })
	})
	w := e.do("GET", "/b/k", nil)
	checkUnavailable(t, "GET with the policies unreadable", w, w.Body.String())
	w = e.do("PUT", "/b/k", strings.NewReader("x"))
	checkUnavailable(t, "PUT with the policies unreadable", w, w.Body.String())
	// A real refusal is still AccessDenied.
	e = newEnv(t, func(c *Config) {
		c.Authz = authzFunc(func(*http.Request, *authn.Result, string, string) error { return fmt.Errorf("denied") })
	})
	if w := e.do("GET", "/b/k", nil); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "<Code>AccessDenied</Code>") {
		t.Fatalf("a refusal: status %d, body %s; want 403 AccessDenied", w.Code, w.Body.String())
	}
}

// A metadata read that fails for want of the database is 503.
func TestUnavailableMetadataIs503(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.cfg.Meta = unreachableMeta{e.meta}
	e.h = mustNew(t, e.cfg)
	w := e.do("GET", "/bkt/k", nil)
	checkUnavailable(t, "GetObject", w, w.Body.String())
}
