package adminapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/internal/adminapi"
	"signet/internal/adminwire"
	"signet/internal/meta"
	"signet/internal/revocation"
)

// fakeRevoker records RevokePrint's arguments and answers its error.
type fakeRevoker struct {
	print, reason, by string
	until             time.Time
	err               error
}

func (f *fakeRevoker) RevokeURL(context.Context, adminwire.ExplainRequest, string, string) ([]meta.URLRevocation, error) {
	panic("not called")
}

func (f *fakeRevoker) RevokeSigner(context.Context, string, time.Time, string, string) (meta.URLRevocation, error) {
	panic("not called")
}

func (f *fakeRevoker) RevokePrint(_ context.Context, print string, until time.Time, _ revocation.URLFacts, reason, by string) (meta.URLRevocation, error) {
	f.print, f.until, f.reason, f.by = print, until, reason, by
	if f.err != nil {
		return meta.URLRevocation{}, f.err
	}
	return meta.URLRevocation{ID: "url:" + print, Print: print, Until: until, RevokedBy: by, Reason: reason}, nil
}

func (f *fakeRevoker) Entries(context.Context) ([]meta.URLRevocation, error) { return nil, nil }

// TestRevokeFingerprint: POST …/urls/revoke-fingerprint is authorised as
// signet:RevokeURL, hands the fingerprint, deadline, reason and caller to
// the denylist and answers the entry; a body without a fingerprint or an
// until, and the denylist's refusals, are the API's errors.
func TestRevokeFingerprint(t *testing.T) {
	f := newFixture(t, false)
	rv := &fakeRevoker{}
	f.api = mustNew(t, adminapi.Config{Clock: f.clk, Store: f.store, Authz: f.authz, URLs: rv})
	print := strings.Repeat("ab", 16)
	body := `{"fingerprint": "` + print + `", "until": "2026-12-07T12:00:00Z", "reason": "shared by mistake"}`
	got := decode[adminwire.URLRevocations](t, f.do(t, http.MethodPost, "urls/revoke-fingerprint", body))
	if len(got.Revocations) != 1 || got.Revocations[0].Fingerprint != print || got.Revocations[0].RevokedBy != f.caller.Principal.ARN {
		t.Fatalf("answer %+v", got)
	}
	if rv.print != print || !rv.until.Equal(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)) || rv.reason != "shared by mistake" || rv.by != f.caller.Principal.ARN {
		t.Fatalf("RevokePrint got %+v", rv)
	}
	if last := f.authz.calls[len(f.authz.calls)-1]; last != "signet:RevokeURL *" {
		t.Errorf("authorised as %q", last)
	}
	for _, b := range []string{`{}`, `{"fingerprint": "` + print + `"}`, `{"until": "2026-12-07T12:00:00Z"}`, `not json`} {
		wantError(t, f.do(t, http.MethodPost, "urls/revoke-fingerprint", b), 400, "InvalidRequest")
	}
	rv.err = &revocation.InvalidError{Message: "bad"}
	wantError(t, f.do(t, http.MethodPost, "urls/revoke-fingerprint", body), 400, "InvalidRequest")
	f.authz.deny["signet:RevokeURL"] = true
	wantError(t, f.do(t, http.MethodPost, "urls/revoke-fingerprint", body), 403, "AccessDenied")
}
