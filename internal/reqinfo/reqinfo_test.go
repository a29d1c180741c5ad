package reqinfo

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/lifetime"
	"signet/internal/principal"
	"signet/internal/reason"
	"signet/internal/sigprint"
)

func TestOutcomeUsesReasonCodes(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&authn.Failure{Reason: authn.ReasonRequestExpired}, reason.URLExpired},
		{&authn.Failure{Reason: authn.ReasonExpiredToken}, reason.SessionExpired},
		{&authn.Failure{Reason: authn.ReasonSignatureMismatch}, reason.SignatureMismatch},
		{&authn.Failure{Reason: authn.ReasonUnknownAccessKey}, reason.KeyUnknown},
		{&authn.Failure{Reason: authn.ReasonInvalidToken}, reason.InvalidToken},
		{&authn.Failure{Reason: authn.ReasonRequestNotYetValid}, reason.NotYetValid},
		{&authn.Failure{Reason: authn.ReasonExpiresTooLarge}, reason.ExpiresOverLimit},
		{&authn.Failure{Reason: authn.ReasonPostPolicyExpired}, reason.PolicyExpired},
		{&authn.Failure{Reason: authn.ReasonTimeTooSkewed}, OutcomeSkewed},
		{&authn.Failure{Reason: authn.ReasonHeaderMalformed}, reason.Malformed},
		{&authn.Failure{Reason: authn.ReasonInternal}, OutcomeInternal},
		{errors.New("disk on fire"), OutcomeInternal},
	}
	for _, c := range cases {
		if got := Outcome(c.err); got != c.want {
			t.Errorf("Outcome(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestTypeAndClaimedKeyFromTheRequest(t *testing.T) {
	cases := []struct {
		target, auth   string
		wantType, want string
	}{
		{"/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE123%2F20261127%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=ab", "", AuthPresignedV4, "ASIAEXAMPLE123"},
		{"/b/k?AWSAccessKeyId=AKIAEXAMPLE&Expires=1&Signature=x", "", AuthPresignedV2, "AKIAEXAMPLE"},
		{"/b/k", "AWS4-HMAC-SHA256 Credential=AKIAHEADER/20261127/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab", AuthHeader, "AKIAHEADER"},
		{"/b/k", "AWS AKIAV2:c2ln", AuthHeader, "AKIAV2"},
		{"/b/k", "", AuthAnonymous, ""},
		// A claimed key that is not a key's shape is not logged.
		{"/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%22%3E%3Cscript%3E%2F", "", AuthPresignedV4, ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, c.target, nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		if got := TypeOf(r); got != c.wantType {
			t.Errorf("TypeOf(%s %q) = %q, want %q", c.target, c.auth, got, c.wantType)
		}
		if got := ClaimedKeyID(r); got != c.want {
			t.Errorf("ClaimedKeyID(%s %q) = %q, want %q", c.target, c.auth, got, c.want)
		}
	}
}

func TestSetResultOfAPresignedRequest(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	var rec Record
	rec.SetResult(&authn.Result{
		Principal:        principal.Principal{AccessKeyID: "ASIAX", ARN: "arn:aws:sts::123456789012:assumed-role/r/s"},
		AuthType:         authn.AuthQuery,
		SignatureVersion: authn.SigV4,
		Deadline:         now.Add(90 * time.Second),
		LimitedBy:        lifetime.LimitCredentials,
	}, now)
	want := Record{AccessKeyID: "ASIAX", PrincipalARN: "arn:aws:sts::123456789012:assumed-role/r/s", AuthType: AuthPresignedV4,
		AuthOutcome: OutcomeOK, Presigned: true, LimitedBy: "credentials", Remaining: 90 * time.Second, Deadline: now.Add(90 * time.Second)}
	if rec != want {
		t.Errorf("record = %+v, want %+v", rec, want)
	}
	rec = Record{}
	rec.SetResult(&authn.Result{Anonymous: true}, now)
	if rec.AuthType != AuthAnonymous || rec.AuthOutcome != OutcomeOK || rec.Presigned {
		t.Errorf("anonymous record = %+v", rec)
	}
}

func TestSetAuthFailureKeepsTheClaimedKey(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAGONE%2F20261127%2Fus-east-1%2Fs3%2Faws4_request", nil)
	var rec Record
	rec.SetAuth(r, nil, &authn.Failure{Reason: authn.ReasonExpiredToken}, time.Time{})
	if rec.AuthType != AuthPresignedV4 || rec.AuthOutcome != reason.SessionExpired || rec.AccessKeyID != "ASIAGONE" || rec.PrincipalARN != "" {
		t.Errorf("record = %+v", rec)
	}
}

type holder struct {
	http.ResponseWriter
	rec Record
}

func (h *holder) Record() *Record { return &h.rec }

type wrapper struct{ http.ResponseWriter }

func (w wrapper) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func TestFromWriterLooksThroughWrappers(t *testing.T) {
	h := &holder{ResponseWriter: httptest.NewRecorder()}
	FromWriter(wrapper{wrapper{h}}).SetError("AccessDenied")
	if h.rec.ErrorCode != "AccessDenied" {
		t.Errorf("error code through two wrappers = %q", h.rec.ErrorCode)
	}
	// Without a record, nothing is recorded and nothing panics.
	FromWriter(httptest.NewRecorder()).SetError("AccessDenied")
	From(t.Context()).SetOperation("GetObject")
	if got := From(With(t.Context(), &h.rec)); got != &h.rec {
		t.Errorf("From(With(rec)) = %p, want %p", got, &h.rec)
	}
}

// TestPresignedFactsServedAndRefused: a served presigned request records
// its fingerprint, window and signer's session; a refused one the same
// facts from the failure (the signer once its key was found), without
// counting as a served link (Presigned); a refusal whose signature could
// not be read records none.
func TestPresignedFactsServedAndRefused(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	print := sigprint.Of(sigprint.V4, "0123abcd")
	who := principal.Principal{AccessKeyID: "ASIAX", ARN: "arn:aws:sts::123456789012:assumed-role/r/s", SessionKind: principal.SessionAssumedRole, SessionName: "s"}
	var rec Record
	rec.SetResult(&authn.Result{Principal: who, AuthType: authn.AuthQuery, SignatureVersion: authn.SigV4,
		Deadline: now.Add(time.Hour), LimitedBy: lifetime.LimitCredentials, Print: print,
		SignedAt: now.Add(-time.Minute), URLExpiry: now.Add(7 * time.Hour)}, now)
	if rec.Print != print || rec.SessionName != "s" || !rec.SignedAt.Equal(now.Add(-time.Minute)) ||
		!rec.URLExpiry.Equal(now.Add(7*time.Hour)) || !rec.Deadline.Equal(now.Add(time.Hour)) || rec.LimitedBy != "credentials" {
		t.Errorf("served record = %+v", rec)
	}
	if !rec.Verified {
		t.Errorf("a served link is not recorded as verified: %+v", rec)
	}

	r := httptest.NewRequest(http.MethodGet, "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAX%2F20261127%2Fus-east-1%2Fs3%2Faws4_request", nil)
	rec = Record{}
	rec.SetAuth(r, nil, &authn.Failure{Reason: authn.ReasonURLRevoked, URL: &authn.URLFacts{Print: print, SignedAt: now,
		URLExpiry: now.Add(time.Hour), Deadline: now.Add(time.Hour), LimitedBy: lifetime.LimitURL, Principal: &who, Verified: true}}, time.Time{})
	want := Record{AuthType: AuthPresignedV4, AuthOutcome: OutcomeURLRevoked, AccessKeyID: "ASIAX", PrincipalARN: who.ARN,
		SessionName: "s", Print: print, SignedAt: now, URLExpiry: now.Add(time.Hour), Deadline: now.Add(time.Hour), LimitedBy: "url", Verified: true}
	if rec != want {
		t.Errorf("revoked record = %+v, want %+v", rec, want)
	}
	if OutcomeURLRevoked != "url_revoked" {
		t.Errorf("OutcomeURLRevoked = %q", OutcomeURLRevoked)
	}

	// Refused before the key was found: the facts, the claimed key, no signer.
	rec = Record{}
	rec.SetAuth(r, nil, &authn.Failure{Reason: authn.ReasonUnknownAccessKey, URL: &authn.URLFacts{Print: print, SignedAt: now}}, time.Time{})
	if rec.Print != print || rec.AccessKeyID != "ASIAX" || rec.PrincipalARN != "" || rec.Presigned || !rec.Deadline.IsZero() || rec.Verified {
		t.Errorf("unknown-key record = %+v", rec)
	}
	rec = Record{}
	rec.SetAuth(r, nil, &authn.Failure{Reason: authn.ReasonMissingQueryParams}, time.Time{})
	if !rec.Print.IsZero() || rec.AuthOutcome != reason.Malformed {
		t.Errorf("malformed record = %+v", rec)
	}
}

// TestFormRefusals: a form whose signature failed records its facts; a
// form whose signature held but whose policy refused it records its
// signer and facts with the refusal as the outcome; SetDenied keeps the
// facts of a presigned request the authorizer refused.
func TestFormRefusals(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	print := sigprint.Of(sigprint.V4, "f0f0")
	who := principal.Principal{AccessKeyID: "AKIAALICE", ARN: "arn:aws:iam::123456789012:user/alice"}
	var rec Record
	rec.SetAuthFailure(AuthPOST, reason.PolicyExpired)
	rec.SetURLFacts(&authn.URLFacts{Print: print, URLExpiry: now, Deadline: now, LimitedBy: lifetime.LimitURL, Principal: &who})
	if rec.AuthType != AuthPOST || rec.AuthOutcome != reason.PolicyExpired || rec.Print != print || rec.PrincipalARN != who.ARN || rec.Presigned {
		t.Errorf("expired form record = %+v", rec)
	}

	res := &authn.Result{Principal: who, AuthType: authn.AuthPOST, SignatureVersion: authn.SigV4, Print: print,
		SignedAt: now, URLExpiry: now.Add(time.Hour), Deadline: now.Add(time.Hour), LimitedBy: lifetime.LimitURL}
	rec = Record{}
	rec.SetFormRefused(res, reason.PolicyConditionFailed)
	want := Record{AuthType: AuthPOST, AuthOutcome: reason.PolicyConditionFailed, AccessKeyID: "AKIAALICE", PrincipalARN: who.ARN,
		Print: print, SignedAt: now, URLExpiry: now.Add(time.Hour), Deadline: now.Add(time.Hour), LimitedBy: "url", Verified: true}
	if rec != want {
		t.Errorf("refused form record = %+v, want %+v", rec, want)
	}

	rec = Record{}
	res.AuthType = authn.AuthQuery
	rec.SetResult(res, now)
	rec.SetDenied()
	if rec.AuthOutcome != reason.PolicyDenied || rec.Print != print || rec.PrincipalARN != who.ARN || !rec.Deadline.Equal(now.Add(time.Hour)) {
		t.Errorf("denied presigned record = %+v", rec)
	}
}
