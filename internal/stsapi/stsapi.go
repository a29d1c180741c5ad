// Package stsapi serves the AWS STS Query API (version 2011-06-15) over the
// sts package: AssumeRole, GetSessionToken, GetFederationToken and
// GetCallerIdentity, with the response shapes of the STS API reference and
// the botocore model, so unchanged clients work.
package stsapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"signet/internal/access"
	"signet/internal/reqinfo"
	"slices"
	"strconv"
	"strings"

	"signet/internal/authn"
	"signet/internal/awsquery"
	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/policy"
	"signet/internal/sts"
	"signet/internal/wiring"
)

// Version is the STS API version.
const Version = "2011-06-15"

// Authorizer decides whether a caller may perform an STS action.
type Authorizer interface {
	// Authorize answers whether res's principal may perform action on
	// resource under its identity policies; nil means allowed.
	Authorize(r *http.Request, res *authn.Result, action, resource string) error
	// AuthorizeAssumeRole answers whether res's principal may assume the
	// role: its trust policy must allow the caller, and (for a caller in
	// the same account) so may its identity policies; nil means allowed.
	AuthorizeAssumeRole(r *http.Request, res *authn.Result, roleARN string, trust *policy.Document) error
}

// Config wires the handler. STS, Store and Authz are required (see
// package wiring).
type Config struct {
	STS *sts.Service
	// Store is read for the trust policy of the role to assume.
	Store meta.Roles
	Authz Authorizer
	// Logger receives internal errors; nil discards them.
	Logger *slog.Logger
}

// New returns the STS Query handler, or an error naming the required
// fields cfg lacks.
func New(cfg Config) (awsquery.Handler, error) {
	err := wiring.Require("stsapi.Config", map[string]bool{
		"STS": cfg.STS != nil, "Store": cfg.Store != nil, "Authz": cfg.Authz != nil,
	})
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &handler{cfg: cfg}, nil
}

type handler struct {
	cfg Config
}

func (h *handler) Namespace() string { return awsquery.STSNamespace }

// ServeQuery implements awsquery.Handler.
func (h *handler) ServeQuery(w http.ResponseWriter, r *http.Request, c *awsquery.Call) {
	result, err := h.serve(r, c)
	if err != nil {
		awsquery.WriteError(w, awsquery.STSNamespace, h.wireError(r.Context(), c, err), c.RequestID)
		return
	}
	awsquery.WriteResult(w, awsquery.STSNamespace, c.Action, result, c.RequestID)
}

func (h *handler) serve(r *http.Request, c *awsquery.Call) (any, error) {
	if c.Action == "" {
		return nil, awsquery.ErrMissingAction
	}
	if c.Version != Version {
		// AWS resolves an operation by action and version together.
		return nil, awsquery.InvalidAction(c.Action, c.Version)
	}
	if c.Auth == nil || c.Auth.Anonymous {
		// The front door refuses anonymous calls; this guards a wiring
		// mistake from issuing credentials to nobody.
		return nil, awsquery.MissingAuthentication()
	}
	if e := awsquery.Refuse(c, unsupported, InvalidParameterValue); e != nil {
		return nil, e
	}
	if knownActions[c.Action] {
		reqinfo.From(r.Context()).SetOperation(c.Action)
	}
	switch c.Action {
	case "AssumeRole":
		return h.assumeRole(r, c)
	case "GetSessionToken":
		return h.getSessionToken(r, c)
	case "GetFederationToken":
		return h.getFederationToken(r, c)
	case "GetCallerIdentity":
		return getCallerIdentity(c), nil
	}
	return nil, awsquery.InvalidAction(c.Action, c.Version)
}

// knownActions are the actions serve answers, the only ones the request
// record names.
var knownActions = map[string]bool{"AssumeRole": true, "GetSessionToken": true, "GetFederationToken": true, "GetCallerIdentity": true}

func assumeRoleConditions(in sts.AssumeRoleInput) map[string][]string {
	m := map[string][]string{"sts:RoleSessionName": {in.RoleSessionName}}
	if in.ExternalID != "" {
		m["sts:ExternalId"] = []string{in.ExternalID}
	}
	if in.SourceIdentity != "" {
		m["sts:SourceIdentity"] = []string{in.SourceIdentity}
	}
	return m
}

// Wire shapes, as the botocore model names them.

type credentialsXML struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

type assumedRoleUserXML struct {
	Arn           string
	AssumedRoleId string
}

type assumeRoleResult struct {
	Credentials      credentialsXML
	AssumedRoleUser  assumedRoleUserXML
	PackedPolicySize *int   `xml:",omitempty"`
	SourceIdentity   string `xml:",omitempty"`
}

type getSessionTokenResult struct {
	Credentials credentialsXML
}

type federatedUserXML struct {
	Arn             string
	FederatedUserId string
}

type getFederationTokenResult struct {
	Credentials      credentialsXML
	FederatedUser    federatedUserXML
	PackedPolicySize *int `xml:",omitempty"`
}

type getCallerIdentityResult struct {
	UserId  string
	Account string
	Arn     string
}

// ExpirationFormat is how Expiration goes on the wire: ISO 8601 in UTC with
// a Z, which every SDK's timestamp parser accepts.
const ExpirationFormat = "2006-01-02T15:04:05Z"

func wireCredentials(c sts.Credentials) credentialsXML {
	// Reveal: this response is the one place the secret and the token are
	// handed to their owner.
	return credentialsXML{
		AccessKeyId:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey.Reveal(),
		SessionToken:    c.SessionToken.Reveal(),
		Expiration:      c.Expiration.UTC().Format(ExpirationFormat),
	}
}

func (h *handler) assumeRole(r *http.Request, c *awsquery.Call) (any, error) {
	d, err := durationParam(c)
	if err != nil {
		return nil, err
	}
	arns, err := policyARNsParam(c)
	if err != nil {
		return nil, err
	}
	in := sts.AssumeRoleInput{
		RoleARN:         c.Get("RoleArn"),
		RoleSessionName: c.Get("RoleSessionName"),
		DurationSeconds: d,
		Policy:          c.Get("Policy"),
		PolicyARNs:      arns,
		ExternalID:      c.Get("ExternalId"),
		SourceIdentity:  c.Get("SourceIdentity"),
	}
	caller := c.Auth.Principal
	if err := sts.ValidateAssumeRole(caller, in); err != nil {
		return nil, err
	}
	ctx := r.Context()
	denied := sts.NotAuthorized(caller.ARN, "sts:AssumeRole", in.RoleARN)
	role, err := sts.LookupRole(ctx, h.cfg.Store, h.cfg.STS.Account(), in.RoleARN)
	if errors.Is(err, sts.ErrNotFound) {
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	trust, err := policy.Parse(policy.Trust, []byte(role.TrustPolicy))
	if err != nil {
		// A stored trust policy that no longer parses trusts no one.
		h.cfg.Logger.WarnContext(ctx, "role trust policy does not parse", "request_id", c.RequestID, "role", role.Name, "error", err)
		return nil, denied
	}
	r = r.WithContext(access.WithConditions(ctx, assumeRoleConditions(in)))
	if err := h.cfg.Authz.AuthorizeAssumeRole(r, c.Auth, sts.RoleARN(h.cfg.STS.Account(), role), trust); err != nil {
		return nil, h.denial(ctx, c, err, denied)
	}
	creds, sess, err := h.cfg.STS.AssumeRole(ctx, caller, in)
	if err != nil {
		return nil, err
	}
	res := assumeRoleResult{
		Credentials:     wireCredentials(creds),
		AssumedRoleUser: assumedRoleUserXML{Arn: sess.ARN, AssumedRoleId: sess.UserID},
		SourceIdentity:  in.SourceIdentity,
	}
	res.PackedPolicySize = packedPolicySize(in.Policy, in.PolicyARNs)
	return res, nil
}

func (h *handler) getSessionToken(r *http.Request, c *awsquery.Call) (any, error) {
	d, err := durationParam(c)
	if err != nil {
		return nil, err
	}
	// No permission is needed: a user may always trade its own long-term
	// keys for a session of itself.
	creds, _, err := h.cfg.STS.GetSessionToken(r.Context(), c.Auth.Principal, d)
	if err != nil {
		return nil, err
	}
	return getSessionTokenResult{Credentials: wireCredentials(creds)}, nil
}

func (h *handler) getFederationToken(r *http.Request, c *awsquery.Call) (any, error) {
	d, err := durationParam(c)
	if err != nil {
		return nil, err
	}
	arns, err := policyARNsParam(c)
	if err != nil {
		return nil, err
	}
	name, doc := c.Get("Name"), c.Get("Policy")
	caller := c.Auth.Principal
	if err := sts.ValidateFederationToken(caller, name, doc, d, arns...); err != nil {
		return nil, err
	}
	ctx := r.Context()
	resource := sts.FederatedUserARN(h.cfg.STS.Account(), name)
	if err := h.cfg.Authz.Authorize(r, c.Auth, "sts:GetFederationToken", resource); err != nil {
		return nil, h.denial(ctx, c, err, sts.NotAuthorized(caller.ARN, "sts:GetFederationToken", resource))
	}
	creds, sess, err := h.cfg.STS.GetFederationToken(ctx, caller, name, doc, d, arns...)
	if err != nil {
		return nil, err
	}
	res := getFederationTokenResult{
		Credentials:   wireCredentials(creds),
		FederatedUser: federatedUserXML{Arn: sess.ARN, FederatedUserId: sess.UserID},
	}
	res.PackedPolicySize = packedPolicySize(doc, arns)
	return res, nil
}

// packedPolicySize is the response's PackedPolicySize: present only when
// the request passed a session policy, inline or managed.
func packedPolicySize(doc string, arns []string) *int {
	if doc == "" && len(arns) == 0 {
		return nil
	}
	n := sts.PackedPolicySize(doc, arns...)
	return &n
}

// policyARNsParam reads PolicyArns, a list of PolicyDescriptorType in the
// Query protocol's encoding: PolicyArns.member.N.arn, N from 1, as
// botocore and the AWS SDKs send it (an empty list is "PolicyArns="). The
// ARNs come back in member order. A PolicyArns parameter of another shape
// is refused rather than dropped: ignoring a session policy would widen
// the session.
func policyARNsParam(c *awsquery.Call) ([]string, error) {
	type member struct {
		n   int
		arn string
	}
	var ms []member
	for k, vs := range c.Params {
		rest, ok := strings.CutPrefix(k, "PolicyArns")
		if !ok {
			continue
		}
		if rest == "" && len(vs) == 1 && vs[0] == "" {
			continue // the empty list
		}
		idx, ok := strings.CutPrefix(rest, ".member.")
		idx, ok2 := strings.CutSuffix(idx, ".arn")
		n, err := strconv.Atoi(idx)
		if !ok || !ok2 || err != nil || n < 1 || strconv.Itoa(n) != idx || len(vs) != 1 {
			return nil, ValidationError.err("Parameter " + k + " is not a valid member of PolicyArns; send PolicyArns.member.N.arn.")
		}
		ms = append(ms, member{n, vs[0]})
	}
	slices.SortFunc(ms, func(a, b member) int { return a.n - b.n })
	arns := make([]string, len(ms))
	for i, m := range ms {
		arns[i] = m.arn
	}
	if len(arns) == 0 {
		return nil, nil
	}
	return arns, nil
}

// getCallerIdentity needs no permission and is answered even under an
// explicit deny, as on AWS: it only tells callers who they are.
func getCallerIdentity(c *awsquery.Call) any {
	p := c.Auth.Principal
	return getCallerIdentityResult{UserId: p.UserID, Account: p.Account, Arn: p.ARN}
}

// denial turns an authoriser's refusal into the answer: an *awsquery.Error
// passes through (the authoriser may report its own failure as a 500);
// anything else is the AccessDenied given.
func (h *handler) denial(ctx context.Context, c *awsquery.Call, err error, denied *sts.Error) error {
	var qe *awsquery.Error
	if errors.As(err, &qe) {
		return qe
	}
	if awsquery.IsUnavailable(err) {
		// No decision could be made: not a denial (wireError answers 503).
		return err
	}
	h.cfg.Logger.DebugContext(ctx, "sts call denied", "request_id", c.RequestID, "action", c.Action, "reason", err)
	return denied
}

// durationParam reads DurationSeconds: absent is 0 (the operation's
// default); a value the model would refuse is refused here, since 0 and
// below cannot reach the sts package as themselves.
func durationParam(c *awsquery.Call) (int, error) {
	if !c.Has("DurationSeconds") {
		return 0, nil
	}
	raw := c.Get("DurationSeconds")
	v, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			// Far too large (or small): the model's range check says so.
			if len(raw) > 0 && raw[0] == '-' {
				return 0, tooShortDuration(raw)
			}
			return 0, awsquery.Validation(iam.Violation{Field: "durationSeconds", Value: raw, Rule: iam.RuleMaxValue, Limit: maxDuration(c.Action)})
		}
		return 0, ValidationError.err("Value '" + awsquery.EchoValue(raw) + "' for parameter DurationSeconds is invalid. It must be an integer.")
	}
	if v <= 0 {
		return 0, tooShortDuration(raw)
	}
	return int(v), nil
}

func tooShortDuration(raw string) error {
	return awsquery.Validation(iam.Violation{Field: "durationSeconds", Value: raw, Rule: iam.RuleMinValue, Limit: sts.MinDuration})
}

func maxDuration(action string) int {
	if action == "AssumeRole" {
		return sts.AssumeRoleModelMax
	}
	return sts.TokenMax
}

// wireError maps an error to the Query error AWS would send. Domain
// errors are worded by the tables in errors.go; anything unmapped is a 500
// whose cause goes to the log, never to the client.
func (h *handler) wireError(ctx context.Context, c *awsquery.Call, err error) *awsquery.Error {
	var qe *awsquery.Error
	if errors.As(err, &qe) {
		return qe
	}
	var se *sts.Error
	if errors.As(err, &se) {
		if e, ok := domainError(se); ok {
			return e
		}
	}
	if awsquery.IsUnavailable(err) {
		h.cfg.Logger.WarnContext(ctx, "sts: metadata engine unavailable", "request_id", c.RequestID, "action", c.Action, "error", err)
		return ServiceUnavailable.err(awsquery.MsgServiceUnavailable)
	}
	h.cfg.Logger.ErrorContext(ctx, "sts request failed", "request_id", c.RequestID, "action", c.Action, "error", err)
	return internalFailure()
}

// Compile-time check that the handler satisfies the interface.
var _ awsquery.Handler = (*handler)(nil)
