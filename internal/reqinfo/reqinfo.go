// Package reqinfo owns the per-request record: what the handlers learn
// about one request (its API and operation, the error code it was
// answered with, who signed it, how, and with what outcome, and a
// presigned URL's remaining life) and what the access log line and the
// metrics read once the request is answered. One record serves both, so
// the log and the metrics cannot disagree about a request.
//
// The server's middleware creates the record and puts it in the request's
// context; the handlers fill it in. Error writers that see only the
// http.ResponseWriter reach it through FromWriter.
package reqinfo

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"signet/internal/authn"
	"signet/internal/principal"
	"signet/internal/reason"
	"signet/internal/sigprint"
)

// APIs: the values of Record.API.
const (
	APIS3    = "s3"
	APIIAM   = "iam"
	APISTS   = "sts"
	APIAdmin = "admin"
	// APIOther is a request for none of the four: /healthz, /metrics.
	APIOther = "other"
)

// Auth types: the values of Record.AuthType.
const (
	AuthHeader      = "header"
	AuthPresignedV4 = "presigned-v4"
	AuthPresignedV2 = "presigned-v2"
	AuthPOST        = "post"
	AuthAnonymous   = "anonymous"
)

// Outcomes of authentication besides internal/reason's codes, which name
// the refusals an explanation also names (url_expired, session_expired,
// signature_mismatch, …).
const (
	OutcomeOK = "ok"
	// OutcomeSkewed: a header-signed request more than 15 minutes off.
	OutcomeSkewed = "time_too_skewed"
	// OutcomeInternal: the server could not judge the request.
	OutcomeInternal = "internal"
	// OutcomeURLRevoked: a presigned URL or form that verified and is in
	// its window, refused because `signet admin url revoke` revoked it.
	OutcomeURLRevoked = reason.URLRevoked
)

// Record is what is known of one request. Its fields are written by the
// goroutine serving the request and read by the middleware after the
// handler has returned, so it needs no lock.
type Record struct {
	// API is one of the API* constants; "" until a handler claims the
	// request.
	API string
	// Operation is AWS's name for what was asked (GetObject,
	// AssumeRole, ListSessions); "" when the request named none the
	// server serves. Only names from the handlers' fixed tables are set.
	Operation string
	// ErrorCode is the AWS error code of the answer; "" for a success.
	ErrorCode string
	// AccessKeyID is the key the request was signed with (also when it
	// failed, if the request named one); PrincipalARN is the verified
	// signer. Neither is a secret; the signature and the session token
	// are never recorded.
	AccessKeyID  string
	PrincipalARN string
	// AuthType is one of the Auth* constants; "" when authentication was
	// never reached.
	AuthType string
	// AuthOutcome is OutcomeOK, a reason code of internal/reason
	// (url_expired, session_expired, signature_mismatch, policy_denied,
	// …), or one of the Outcome* constants.
	AuthOutcome string
	// Presigned is set for a presigned request (query string or POST
	// form) that authenticated: LimitedBy says what ends its life ("url"
	// or "credentials", lifetime.Limit) and Remaining how long it had
	// left when it was used.
	Presigned bool
	LimitedBy string
	Remaining time.Duration
	// SessionName is the signer's session name, for temporary
	// credentials.
	SessionName string
	// Print is a presigned request's or form's fingerprint, set whether
	// it was served or refused once its signature could be read; zero
	// for every other request. The fields below it are set with it:
	// SignedAt (zero for SigV2), URLExpiry (the URL's own window's end)
	// and Deadline (its effective expiry, once the signing key was
	// found; LimitedBy says what sets it). The access log names a link
	// by Print, and the uses of a link are kept under it.
	Print     sigprint.Print
	SignedAt  time.Time
	URLExpiry time.Time
	Deadline  time.Time
	// Verified is set when the link's signature matched (served, or
	// refused for its window, session, revocation or a policy): a use
	// of the link, not a request that only carries its signature.
	Verified bool
}

type ctxKey struct{}

// With returns ctx carrying rec.
func With(ctx context.Context, rec *Record) context.Context {
	return context.WithValue(ctx, ctxKey{}, rec)
}

// From returns the record ctx carries, or nil. Every method of *Record
// accepts a nil receiver, so handlers served without the middleware (in
// tests, or an explanation's dry run) need no checks.
func From(ctx context.Context) *Record {
	rec, _ := ctx.Value(ctxKey{}).(*Record)
	return rec
}

// Holder is implemented by the middleware's ResponseWriter.
type Holder interface {
	Record() *Record
}

// FromWriter returns the record of the request w answers, looking through
// wrappers that unwrap (as http.ResponseController does), or nil.
func FromWriter(w http.ResponseWriter) *Record {
	for w != nil {
		if h, ok := w.(Holder); ok {
			return h.Record()
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// SetAPI records which API serves the request.
func (r *Record) SetAPI(api string) {
	if r != nil {
		r.API = api
	}
}

// SetOperation records the operation; op must come from a handler's
// fixed table, never from the request.
func (r *Record) SetOperation(op string) {
	if r != nil {
		r.Operation = op
	}
}

// SetError records the error code the request is answered with.
func (r *Record) SetError(code string) {
	if r != nil {
		r.ErrorCode = code
	}
}

// SetAuth records the outcome of authenticating req: res when it
// succeeded (now is the lifetime clock's time, for a presigned
// request's remaining life), else err.
func (r *Record) SetAuth(req *http.Request, res *authn.Result, err error, now time.Time) {
	if r == nil {
		return
	}
	if err != nil {
		r.AuthType = TypeOf(req)
		r.AuthOutcome = Outcome(err)
		r.AccessKeyID = ClaimedKeyID(req)
		var f *authn.Failure
		if errors.As(err, &f) {
			r.SetURLFacts(f.URL)
		}
		return
	}
	r.SetResult(res, now)
}

// SetResult records an authenticated caller.
func (r *Record) SetResult(res *authn.Result, now time.Time) {
	if r == nil || res == nil {
		return
	}
	r.AuthOutcome = OutcomeOK
	r.AuthType = typeOfResult(res)
	if res.Anonymous {
		r.AccessKeyID, r.PrincipalARN, r.SessionName = "", "", ""
		return
	}
	r.setSigner(&res.Principal)
	if !res.Deadline.IsZero() {
		r.Presigned = true
		r.LimitedBy = string(res.LimitedBy)
		r.Remaining = max(res.Deadline.Sub(now), 0)
	}
	r.Print, r.SignedAt, r.URLExpiry, r.Deadline = res.Print, res.SignedAt, res.URLExpiry, res.Deadline
	r.Verified = !res.Print.IsZero()
}

// setSigner records who signed the request.
func (r *Record) setSigner(p *principal.Principal) {
	r.AccessKeyID, r.PrincipalARN, r.SessionName = p.AccessKeyID, p.ARN, p.SessionName
}

// SetURLFacts records what a refused presigned request or form said about
// itself (u is nil when its signature could not be read, and then nothing
// is recorded): its fingerprint and window and, once its key was found,
// its signer and effective expiry. Presigned and Remaining stay unset:
// they count the links that were served.
func (r *Record) SetURLFacts(u *authn.URLFacts) {
	if r == nil || u == nil {
		return
	}
	r.Print, r.SignedAt, r.URLExpiry = u.Print, u.SignedAt, u.URLExpiry
	r.Deadline, r.LimitedBy, r.Verified = u.Deadline, string(u.LimitedBy), u.Verified
	if u.Principal != nil {
		r.setSigner(u.Principal)
	}
}

// SetAuthFailure records a refusal found after the request's own
// authentication (a POST form's signature or policy): authType is one of
// the Auth* constants, outcome what Outcome returns or a reason code.
// What the form said about itself is recorded apart (SetURLFacts,
// SetFormRefused).
func (r *Record) SetAuthFailure(authType, outcome string) {
	if r != nil {
		r.AuthType, r.AuthOutcome = authType, outcome
		r.Presigned, r.LimitedBy, r.Remaining = false, "", 0
		r.Print, r.SignedAt, r.URLExpiry, r.Deadline, r.Verified = sigprint.Print{}, time.Time{}, time.Time{}, time.Time{}, false
	}
}

// SetFormRefused records a form whose signature verified but whose
// policy refused it (outcome, e.g. policy_condition_failed): its signer
// and facts, as a served form's, with the refusal as the outcome.
func (r *Record) SetFormRefused(res *authn.Result, outcome string) {
	if r == nil || res == nil {
		return
	}
	r.SetAuthFailure(typeOfResult(res), outcome)
	r.setSigner(&res.Principal)
	r.Print, r.SignedAt, r.URLExpiry = res.Print, res.SignedAt, res.URLExpiry
	r.Deadline, r.LimitedBy, r.Verified = res.Deadline, string(res.LimitedBy), true
}

// SetDenied records that the authenticated caller was refused by policy
// (identity, session or bucket policy, including a deny of sessions
// issued before a time, AWS's "revoke older sessions").
func (r *Record) SetDenied() {
	if r != nil {
		r.AuthOutcome = reason.PolicyDenied
	}
}

func typeOfResult(res *authn.Result) string {
	switch {
	case res.Anonymous:
		return AuthAnonymous
	case res.AuthType == authn.AuthPOST:
		return AuthPOST
	case res.AuthType == authn.AuthQuery && res.SignatureVersion == authn.SigV2:
		return AuthPresignedV2
	case res.AuthType == authn.AuthQuery:
		return AuthPresignedV4
	default:
		return AuthHeader
	}
}

// TypeOf classifies a request by the authentication it attempts, from its
// shape alone: what a refused request tried.
func TypeOf(req *http.Request) string {
	if a := req.Header.Get("Authorization"); a != "" {
		return AuthHeader
	}
	q := req.URL.RawQuery
	switch {
	case strings.Contains(q, "X-Amz-Algorithm=") || strings.Contains(q, "X-Amz-Signature="):
		return AuthPresignedV4
	case strings.Contains(q, "AWSAccessKeyId=") || strings.Contains(q, "Signature="):
		return AuthPresignedV2
	}
	return AuthAnonymous
}

// ClaimedKeyID is the access key ID a request names, whether or not it
// signs with it: the X-Amz-Credential's first part, SigV2's
// AWSAccessKeyId, or the key in the Authorization header. An access key
// ID is not a secret; it is what an operator searches the log for.
func ClaimedKeyID(req *http.Request) string {
	if a := req.Header.Get("Authorization"); a != "" {
		if _, after, ok := strings.Cut(a, "Credential="); ok {
			id, _, _ := strings.Cut(after, "/")
			return clean(id)
		}
		if after, ok := strings.CutPrefix(a, "AWS "); ok {
			id, _, _ := strings.Cut(after, ":")
			return clean(id)
		}
		return ""
	}
	if req.URL.RawQuery == "" {
		return ""
	}
	q := req.URL.Query()
	if c := q.Get("X-Amz-Credential"); c != "" {
		id, _, _ := strings.Cut(c, "/")
		return clean(id)
	}
	return clean(q.Get("AWSAccessKeyId"))
}

// clean keeps a claimed key ID only if it has an access key ID's shape
// (upper-case letters and digits, at most 128), so a request cannot write
// arbitrary text into the log through it.
func clean(id string) string {
	if len(id) == 0 || len(id) > 128 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return ""
		}
	}
	return id
}

// Outcome names why authentication refused a request, in internal/reason's
// codes where one exists.
func Outcome(err error) string {
	var f *authn.Failure
	if !errors.As(err, &f) {
		return OutcomeInternal
	}
	switch f.Reason {
	case authn.ReasonRequestExpired:
		return reason.URLExpired
	case authn.ReasonRequestNotYetValid:
		return reason.NotYetValid
	case authn.ReasonExpiresTooLarge:
		return reason.ExpiresOverLimit
	case authn.ReasonExpiredToken:
		return reason.SessionExpired
	case authn.ReasonInvalidToken:
		return reason.InvalidToken
	case authn.ReasonUnknownAccessKey:
		return reason.KeyUnknown
	case authn.ReasonSignatureMismatch:
		return reason.SignatureMismatch
	case authn.ReasonPostPolicyExpired:
		return reason.PolicyExpired
	case authn.ReasonTimeTooSkewed:
		return OutcomeSkewed
	case authn.ReasonInternal:
		return OutcomeInternal
	case authn.ReasonURLRevoked:
		return OutcomeURLRevoked
	}
	return reason.Malformed
}
