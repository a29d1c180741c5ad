package s3api

import (
	"signet/internal/postpolicy"

	"net/http"
	"strings"

	"signet/internal/authn"
)

// DryRun is what serving a request would do up to its handler, which is
// never called: nothing is written, and no object's bytes are read; only
// the metadata that says whether the addressed bucket and object exist.
// It is the raw material of `signet inspect`'s server-side explanation.
type DryRun struct {
	// VirtualBucket is the bucket named by the Host ("" for path style).
	VirtualBucket string
	// Bucket and Key are the address, once the path parsed.
	Bucket, Key string
	// Result is the authenticated caller; nil when AuthErr is set.
	Result *authn.Result
	// AuthErr is the Authenticator's refusal as it returned it: an
	// *authn.Failure, or another error for an internal fault.
	AuthErr error
	// RequestErr is a refusal of the address or the operation (a bad
	// path, an unsupported subresource or method, a key too long).
	RequestErr error
	// Action and Resource are what was (or would have been) authorised,
	// set once the operation resolved.
	Action, Resource string
	// AuthzErr is the Authorizer's refusal as it returned it (for the
	// server's authoriser an *access.Denied with the decision).
	AuthzErr error
	// TargetErr is the handler's refusal of the address once authorised:
	// a bucket that does not exist or, for GetObject and HeadObject, a key
	// that does not exist (AccessDenied rather than NoSuchKey when the
	// caller may not list the bucket, as the handler answers).
	TargetErr error
	// PolicyErr is a browser form's refusal by its own policy (DryRunPost
	// only): postpolicy's ConditionError, ExtraFieldError or SizeError.
	PolicyErr error
	// AuthzRequest is the request as the Authorizer saw it when it differs
	// from the one given: a form's fields are among its headers.
	AuthzRequest *http.Request
	// Status, Code and Message are the AWS error the request would be
	// answered with; Code is "" when it would reach its handler.
	Status  int
	Code    string
	Message string
	// Internal is set when the request would fail with a 500: the error
	// is a fault of the server, not an answer to the request.
	Internal error
}

// DryRunner judges a request without serving it. *API implements it; the
// implements it.
type DryRunner interface {
	DryRun(r *http.Request) DryRun
	DryRunPost(r *http.Request, fields []postpolicy.Field, fileSize int64) DryRun
}

var _ DryRunner = (*API)(nil)

// DryRun runs r through ServeHTTP's steps (virtual host, path, the
// Authenticator, routing, key length, the Authorizer, then whether the
// bucket and object exist) and reports what each decided and the error
// the client would get. It writes nothing and does not log: the caller
// explains the outcome.
func (a *API) DryRun(r *http.Request) DryRun {
	p := a.prepareFor(r, false)
	targetErr := p.targetErr
	if p.err == nil && p.rq != nil {
		targetErr = a.checkTarget(p.rq, p.route)
		p.err = targetErr
	}
	d := DryRun{VirtualBucket: p.virtual, AuthErr: p.authErr, RequestErr: p.reqErr, AuthzErr: p.authzErr, TargetErr: targetErr}
	if p.rq != nil {
		d.Result, d.Bucket, d.Key = p.rq.res, p.rq.bucket, p.rq.key
	}
	if p.resource != "" {
		d.Action, d.Resource = p.route.action, p.resource
	}
	if p.err != nil {
		e, ok := toAPIError(r, p.err)
		d.Status, d.Code, d.Message = e.Status, e.Code.String(), e.Message
		if !ok {
			d.Internal = p.err
		}
	}
	return d
}

// checkTarget refuses what the handler would refuse of the address itself,
// reading only metadata: a bucket that does not exist and, for GetObject
// and HeadObject, a key that does not exist, answered as headObjectRecord
// answers it. CreateBucket and ListBuckets address no existing bucket.
func (a *API) checkTarget(rq *request, rt route) error {
	switch {
	case rq.bucket == "" || rt.action == "s3:CreateBucket":
		return nil
	case rt.action == "s3:GetObject", rt.objects && strings.HasSuffix(rt.op, "ObjectTagging"):
		_, err := a.headObjectRecord(rq)
		return err
	default:
		_, err := a.requireBucket(rq)
		return err
	}
}
