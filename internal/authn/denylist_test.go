package authn

import (
	"strings"
	"testing"
	"time"

	"signet/internal/principal"
	"signet/internal/secret"
	"signet/internal/sigprint"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// denyPrints refuses the fingerprints it holds.
type denyPrints map[sigprint.Print]*Revocation

func (d denyPrints) Revoked(p sigprint.Print, _ *principal.Principal, _ time.Time) *Revocation {
	return d[p]
}

// The denylist is asked once a presigned request verified and is in its
// window, with the fingerprint PrintOf gives for the URL; its refusal
// carries the revocation, the signer and Verified, while a forgery
// carrying a revoked signature is refused as a mismatch, unverified.
func TestDenylistRefusesVerifiedURLs(t *testing.T) {
	f := newFixture()
	long := sigv4.Credentials{AccessKeyID: longKey, SecretAccessKey: secret.New(longSec)}
	revoked, sibling := presign(t, long, t0, time.Hour), presign(t, long, t0, 2*time.Hour)
	p, ok := PrintOfURL(revoked)
	if !ok {
		t.Fatal("PrintOfURL found no signature")
	}
	rv := &Revocation{At: t0, By: "arn:aws:iam::123456789012:root", Reason: "leaked"}
	f.auth.Denylist = denyPrints{p: rv}

	_, err := f.auth.Authenticate(serverRequest("GET", revoked, nil, ""), "")
	fl := wantReason(t, err, ReasonURLRevoked)
	if fl.URL == nil || fl.URL.Revocation != rv || fl.URL.Print != p || !fl.URL.Verified || fl.URL.Principal == nil || !fl.URL.Deadline.Equal(t0.Add(time.Hour)) {
		t.Fatalf("revoked URL's facts = %+v", fl.URL)
	}
	res, err := f.auth.Authenticate(serverRequest("GET", sibling, nil, ""), "")
	if err != nil || res.Print == p || res.Print.IsZero() {
		t.Fatalf("sibling: %v, print %s", err, res.Print)
	}
	// The same signature on another object: a mismatch, not a use.
	forged := strings.Replace(revoked, "/key.txt", "/other.txt", 1)
	_, err = f.auth.Authenticate(serverRequest("GET", forged, nil, ""), "")
	if fl := wantReason(t, err, ReasonSignatureMismatch); fl.URL == nil || fl.URL.Print != p || fl.URL.Verified {
		t.Fatalf("forgery's facts = %+v", fl.URL)
	}
	// An expired URL says it expired, whatever the denylist holds.
	f.clk.Advance(time.Hour)
	_, err = f.auth.Authenticate(serverRequest("GET", revoked, nil, ""), "")
	if fl := wantReason(t, err, ReasonRequestExpired); !fl.URL.Verified {
		t.Fatalf("expired URL's facts = %+v", fl.URL)
	}
}

func TestDenylistRefusesSigV2URLs(t *testing.T) {
	f := newFixture()
	u, err := sigv2.Presign(sigv2.PresignInput{Method: "GET", URL: "http://127.0.0.1:9000/bucket/key.txt", AccessKeyID: longKey,
		SecretAccessKey: secret.New(longSec), Expires: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := PrintOfURL(u)
	f.auth.Denylist = denyPrints{p: &Revocation{Reason: "v2"}}
	_, err = f.auth.Authenticate(serverRequest("GET", u, nil, ""), "")
	if fl := wantReason(t, err, ReasonURLRevoked); fl.URL.Revocation.Reason != "v2" || !fl.URL.Verified {
		t.Fatalf("SigV2 facts = %+v", fl.URL)
	}
}
