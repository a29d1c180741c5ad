// Package iamapi serves the IAM Query API (version 2010-05-08) over the
// iam package: it reads an action's parameters, asks the authoriser,
// calls the domain, and writes the answer shaped as the IAM API reference
// and botocore's model shape it, so that unchanged AWS clients work.
package iamapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"signet/internal/authn"
	"signet/internal/awsquery"
	"signet/internal/iam"
	"signet/internal/principal"
	"signet/internal/reqinfo"
	"signet/internal/wiring"
)

// Version is the IAM API version, the only one served.
const Version = "2010-05-08"

// Authorizer decides whether the caller may perform action ("iam:CreateUser")
// on resource (an ARN, or "*"). A nil error allows.
type Authorizer interface {
	Authorize(r *http.Request, res *authn.Result, action, resource string) error
}

// Config wires the handler.
type Config struct {
	IAM    *iam.Service
	Authz  Authorizer
	Logger *slog.Logger
}

type handler struct {
	iam   *iam.Service
	authz Authorizer
	log   *slog.Logger
}

// New returns the IAM Query handler, or an error naming what cfg lacks:
// IAM and Authz are required; a nil Logger discards.
func New(cfg Config) (awsquery.Handler, error) {
	if err := wiring.Require("iamapi.Config", map[string]bool{"IAM": cfg.IAM != nil, "Authz": cfg.Authz != nil}); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &handler{iam: cfg.IAM, authz: cfg.Authz, log: log}, nil
}

func (h *handler) Namespace() string { return awsquery.IAMNamespace }

// call is one request in progress.
type call struct {
	h   *handler
	ctx context.Context
	r   *http.Request
	c   *awsquery.Call
	// resource is what was last authorised, for an access-denied answer
	// the domain asks for (KindForbidden).
	resource string
}

// actionFunc serves one action: it validates parameters, authorises with
// q.authorize, acts, and returns the result element's content (nil for
// actions without one).
type actionFunc func(q *call) (any, error)

// ServeQuery answers one IAM call.
func (h *handler) ServeQuery(w http.ResponseWriter, r *http.Request, c *awsquery.Call) {
	if e := h.gate(c); e != nil {
		awsquery.WriteError(w, awsquery.IAMNamespace, e, c.RequestID)
		return
	}
	fn := actions[c.Action]
	if fn == nil || c.Version != Version {
		awsquery.WriteError(w, awsquery.IAMNamespace, awsquery.InvalidAction(c.Action, c.Version), c.RequestID)
		return
	}
	reqinfo.From(r.Context()).SetOperation(c.Action)
	if e := awsquery.Refuse(c, unsupported, InvalidInput); e != nil {
		awsquery.WriteError(w, awsquery.IAMNamespace, e, c.RequestID)
		return
	}
	q := &call{h: h, ctx: r.Context(), r: r, c: c}
	result, err := fn(q)
	if err != nil {
		awsquery.WriteError(w, awsquery.IAMNamespace, q.wireError(err), c.RequestID)
		return
	}
	awsquery.WriteResult(w, awsquery.IAMNamespace, c.Action, result, c.RequestID)
}

// msgInvalidToken is IAM's text for credentials it does not accept (the
// Query services' body has no final period).
const msgInvalidToken = "The security token included in the request is invalid"

// gate turns away callers IAM never serves. Credentials from
// GetSessionToken without MFA, and from GetFederationToken, cannot call
// IAM at all: AWS answers as for an unknown token, before looking at the
// action. A web console sign-in session is served, as AWS serves its
// console's.
func (h *handler) gate(c *awsquery.Call) *awsquery.Error {
	if c.Auth == nil || c.Auth.Anonymous {
		return awsquery.MissingAuthentication()
	}
	p := c.Auth.Principal
	switch {
	case p.SessionKind == principal.SessionToken && p.SessionName == principal.ConsoleSessionName:
	case p.SessionKind == principal.SessionToken, p.SessionKind == principal.SessionFederated:
		return InvalidClientTokenID.err(msgInvalidToken)
	}
	return nil
}

// deniedError is an authoriser refusal already turned into its answer.
type deniedError struct{ e *awsquery.Error }

func (d *deniedError) Error() string { return d.e.Error() }

// authorize asks the authoriser whether the caller may perform the
// current action on resource.
func (q *call) authorize(resource string) error {
	q.resource = resource
	err := q.h.authz.Authorize(q.r, q.c.Auth, "iam:"+q.c.Action, resource)
	if err == nil {
		return nil
	}
	var qe *awsquery.Error
	if errors.As(err, &qe) {
		return &deniedError{qe}
	}
	if awsquery.IsUnavailable(err) {
		// No decision could be made: not a denial (wireError answers 503).
		return err
	}
	q.h.log.Debug("iam: access denied", "request_id", q.c.RequestID, "action", q.c.Action, "resource", resource, "err", err)
	return &deniedError{q.accessDenied(resource, true)}
}

// accessDenied is IAM's AccessDenied for the caller, the current action
// and resource. why adds the reason IAM gives when no policy allows.
func (q *call) accessDenied(resource string, why bool) *awsquery.Error {
	action := "iam:" + q.c.Action
	msg := "User: " + q.c.Auth.Principal.ARN + " is not authorized to perform: " + action + " on resource: " + resource
	if why {
		msg += " because no identity-based policy allows the " + action + " action"
	}
	return AccessDenied.err(msg)
}

// wireError maps an error to the Query error IAM would send. Anything
// unknown is IAM's ServiceFailure; the cause goes to the log only.
func (q *call) wireError(err error) *awsquery.Error {
	var d *deniedError
	if errors.As(err, &d) {
		return d.e
	}
	var qe *awsquery.Error
	if errors.As(err, &qe) {
		return qe
	}
	var de *iam.Error
	if errors.As(err, &de) {
		if e, ok := q.domainError(de); ok {
			return e
		}
	}
	if awsquery.IsUnavailable(err) {
		q.h.log.Warn("iam: metadata engine unavailable", "request_id", q.c.RequestID, "action", q.c.Action, "err", err)
		return ServiceUnavailable.err(awsquery.MsgServiceUnavailable)
	}
	q.h.log.Error("iam: request failed", "request_id", q.c.RequestID, "action", q.c.Action, "err", err)
	return ServiceFailure.err(codes.Rows[ServiceFailure].Message)
}
