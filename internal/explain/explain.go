// Package explain judges a presigned URL the way the server would serve it,
// without serving it: the request is built from the URL (and the method and
// headers the caller says were sent), taken through the S3 API's own steps
// by its dry run (virtual host, path, authentication, routing,
// authorisation, whether the bucket and object exist), and the outcome is turned into one stable reason with a
// sentence that names the identity and the times involved.
//
// The reason is always the one the server acts on: it is derived from the
// dry run's failure and only then refined from the identity store, which
// tells apart what authentication deliberately refuses alike (an inactive
// key, a deleted key, a key whose user was deleted, a key never issued;
// an expired session and a terminated one). No object's bytes are read,
// nothing is written, and no clock moves.
package explain

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"signet/internal/access"
	"signet/internal/adminwire"
	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/lifetime"
	"signet/internal/meta"
	"signet/internal/policy"
	"signet/internal/principal"
	"signet/internal/reason"
	"signet/internal/s3api"
	"signet/internal/wiring"
)

// Identities is the read-only part of the identity store the explainer
// consults.
type Identities interface {
	GetUser(ctx context.Context, name string) (meta.User, error)
	GetAccessKey(ctx context.Context, id string) (meta.AccessKey, error)
	GetDeletedAccessKey(ctx context.Context, id string) (meta.DeletedAccessKey, error)
	GetSession(ctx context.Context, accessKeyID string) (meta.Session, error)
	GetRole(ctx context.Context, name string) (meta.Role, error)
	GetInlinePolicy(ctx context.Context, o meta.Owner, name string) (meta.InlinePolicy, error)
	GetPolicy(ctx context.Context, name string) (meta.Policy, error)
}

// Authorizer is the server's S3 authoriser, asked again to tell a "revoke
// older sessions" denial from any other.
type Authorizer interface {
	Authorize(r *http.Request, res *authn.Result, action, resource string) error
}

// Config wires an Explainer to the server's own components.
type Config struct {
	// DryRun is the S3 API handler.
	DryRun s3api.DryRunner
	// Keys is the key store authentication uses; its secrets drive the
	// signature search and never leave this package.
	Keys  authn.KeyStore
	Store Identities
	Authz Authorizer
	// Clock is the lifetime clock (the dev clock when it is on).
	Clock   clock.Clock
	Account string
}

// Explainer explains presigned URLs. It is safe for concurrent use.
type Explainer struct {
	cfg Config
}

// New returns an Explainer, or an error naming what cfg lacks: DryRun,
// Keys, Store, Authz and Clock are all required.
func New(cfg Config) (*Explainer, error) {
	if err := wiring.Require("explain.Config", map[string]bool{
		"DryRun": cfg.DryRun != nil, "Keys": cfg.Keys != nil, "Store": cfg.Store != nil, "Authz": cfg.Authz != nil, "Clock": cfg.Clock != nil,
	}); err != nil {
		return nil, err
	}
	return &Explainer{cfg: cfg}, nil
}

// Explain judges in's request. An error is either a *RequestError (in is
// not a request: the caller's mistake) or a failure of the server.
func (x *Explainer) Explain(ctx context.Context, in adminwire.ExplainRequest) (*adminwire.Explanation, error) {
	form := len(in.Form) > 0
	if form {
		in.Method = http.MethodPost
	}
	r, u, err := buildRequest(ctx, in)
	if err != nil {
		return nil, err
	}
	now := x.cfg.Clock.Now().UTC()
	var dry s3api.DryRun
	var ua urlAuth
	if form {
		dry, ua = x.dryRunForm(r, in)
	} else {
		dry, ua = x.cfg.DryRun.DryRun(r), readAuth(r)
	}
	if dry.Internal != nil {
		return nil, fmt.Errorf("explain: the server would fail this request: %w", dry.Internal)
	}
	if dry.AuthzRequest != nil {
		r = dry.AuthzRequest // a form's fields are among the condition keys
	}
	cred, err := x.credential(ctx, ua.keyID, now)
	if err != nil {
		return nil, fmt.Errorf("explain: looking up access key %s: %w", ua.keyID, err)
	}
	out := &adminwire.Explanation{Now: now}
	if cred != nil {
		c := cred.wire
		out.Principal, out.Credential = cred.principal, &c
	}
	if dry.Code != "" {
		out.Error = &adminwire.ExplainError{Status: dry.Status, Code: dry.Code, Message: dry.Message}
	}
	if dry.Result != nil && dry.Action != "" {
		out.Action, out.Resource = dry.Action, dry.Resource
	}
	j := &judgement{x: x, r: r, url: u, dry: dry, auth: ua, cred: cred, now: now, out: out, form: form}
	j.window()
	if err := j.judge(ctx); err != nil {
		return nil, err
	}
	if err := j.unsuppliedKeys(); err != nil {
		return nil, err
	}
	out.Verdict = adminwire.VerdictInvalid
	if out.Reason == adminwire.ReasonValid {
		out.Verdict = adminwire.VerdictValid
	}
	return out, nil
}

// judgement is one explanation in the making.
type judgement struct {
	x    *Explainer
	r    *http.Request
	url  *url.URL
	dry  s3api.DryRun
	auth urlAuth
	cred *credential
	now  time.Time
	out  *adminwire.Explanation
	// lt is the URL's lifetime; nil when the request is not presigned or
	// its window could not be read.
	lt *lifetime.Lifetime
	// form is set for a browser POST form: its window is its policy's.
	form bool
}

// window fills the URL's own expiry and, for a key that signs, the
// effective one, through the function authentication itself uses.
func (j *judgement) window() {
	a := j.auth
	if !a.presigned || !a.window {
		return
	}
	in := lifetime.Input{SignedAt: a.signedAt, Expires: a.expires, URLExpiry: a.urlExpiry}
	live := j.cred != nil && j.cred.live
	if live {
		in.CredentialExpiry = j.cred.expiry
	}
	lt := lifetime.Compute(in)
	j.lt = &lt
	j.out.ExpiresAt = utcPtr(lt.URLExpiry)
	// An unknown key has no expiry to compare with, and a URL over the
	// 7-day limit never works at all.
	if live && !lt.OverLimit {
		j.out.EffectiveExpiresAt = utcPtr(lt.Effective)
		j.out.LimitedBy = string(lt.LimitedBy)
	}
}

// say sets the explanation's reason and its sentence, rendered from the
// table in package reason with f.
func (j *judgement) say(s reason.Sentence, f reason.Facts) {
	j.out.Reason, j.out.Message = s.Reason(), reason.Say(s, f)
}

// facts are what every sentence may use: the clock, the signing key, the
// URL's window and the server's error.
func (j *judgement) facts() reason.Facts {
	f := reason.Facts{Now: j.now, SignedAt: j.auth.signedAt, Expires: j.auth.expires,
		Status: j.dry.Status, Code: j.dry.Code, Detail: j.dry.Message,
		Action: j.dry.Action, Resource: j.dry.Resource, Bucket: j.dry.Bucket, Object: j.dry.Key}
	if c := j.cred; c != nil {
		f.Who, f.KeyID, f.UserName = c.who, c.wire.AccessKeyID, c.wire.UserName
		if c.wire.DeletedAt != nil {
			f.DeletedAt = *c.wire.DeletedAt
		}
		if s := c.session; s != nil {
			f.SessionExpiry, f.TerminatedAt = s.Expiry, s.TerminatedAt
		}
	}
	if j.lt != nil {
		f.URLExpiry, f.Shortfall = j.lt.URLExpiry, j.lt.Shortfall
		f.CredentialsLimit = j.lt.LimitedBy == lifetime.LimitCredentials
	}
	if j.out.EffectiveExpiresAt != nil {
		f.Effective = *j.out.EffectiveExpiresAt
	}
	return f
}

func (j *judgement) judge(ctx context.Context) error {
	switch {
	case j.dry.AuthErr != nil:
		return j.authFailure(ctx)
	case j.dry.PolicyErr != nil:
		j.say(reason.PolicyConditionRefuse, j.facts())
	case j.dry.RequestErr != nil:
		j.say(reason.MalformedRequest, j.facts())
	case j.dry.AuthzErr != nil:
		return j.denied(ctx)
	case j.dry.TargetErr != nil:
		j.missing()
	default:
		j.valid()
	}
	return nil
}

// authFailure explains what authentication refused.
func (j *judgement) authFailure(ctx context.Context) error {
	var f *authn.Failure
	if !errors.As(j.dry.AuthErr, &f) {
		return fmt.Errorf("explain: authentication failed: %w", j.dry.AuthErr)
	}
	switch f.Reason {
	case authn.ReasonExpiresTooLarge:
		j.overLimit()
	case authn.ReasonRequestExpired:
		j.urlExpired()
	case authn.ReasonRequestNotYetValid:
		j.say(reason.NotYetValidServer, j.facts())
	case authn.ReasonExpiredToken:
		j.sessionEnded()
	case authn.ReasonPostPolicyExpired:
		j.say(reason.PolicyExpiredAt, j.facts())
	case authn.ReasonURLRevoked:
		j.revoked(f)
	case authn.ReasonUnknownAccessKey:
		j.unknownKey()
	case authn.ReasonInvalidToken:
		if j.cred != nil && j.cred.ownerGone && j.cred.session != nil {
			return j.ownerDeleted(ctx)
		}
		j.invalidToken()
	case authn.ReasonSignatureMismatch:
		if j.form {
			// A form signs its policy field, not a request: there is
			// no canonical request to search.
			j.say(reason.SignatureDiffersForm, j.facts())
			return nil
		}
		return j.signature(ctx)
	default:
		j.say(reason.MalformedAuth, j.facts())
	}
	return nil
}

// revoked explains a URL refused by the denylist: the URL itself, or a
// rule on its signer.
func (j *judgement) revoked(f *authn.Failure) {
	fa := j.facts()
	var rv *authn.Revocation
	if f.URL != nil {
		rv = f.URL.Revocation
		if fa.Effective.IsZero() {
			fa.Effective = f.URL.Deadline
		}
	}
	if rv == nil {
		// authn always says which entry refused; without it the
		// sentence would name no one.
		j.say(reason.MalformedRefused, fa)
		return
	}
	fa.RevokedAt, fa.RevokedBy, fa.RevokeReason = rv.At, rv.By, rv.Reason
	w := &adminwire.Revocation{RevokedAt: rv.At, RevokedBy: rv.By, Reason: rv.Reason}
	j.out.Revocation = w
	if rv.Signer != "" {
		fa.RevokedSigner, fa.RevokedBefore = rv.Signer, rv.Before
		b := rv.Before
		w.SignedBy, w.Before = rv.Signer, &b
		j.say(reason.URLRevokedBySigner, fa)
		return
	}
	j.say(reason.URLRevokedByName, fa)
}

func (j *judgement) overLimit() {
	if j.auth.window {
		j.say(reason.ExpiresOverLimitSeconds, j.facts())
		return
	}
	j.say(reason.ExpiresOverLimitUnread, j.facts())
}

func (j *judgement) urlExpired() {
	switch {
	case j.lt == nil:
		j.say(reason.URLExpiredUnread, j.facts())
	case j.auth.version == versionV2:
		j.say(reason.URLExpiredV2, j.facts())
	default:
		j.say(reason.URLExpiredV4, j.facts())
	}
}

// sessionEnded explains ExpiredToken: the session expired, or was
// terminated before it would have.
func (j *judgement) sessionEnded() {
	switch s := j.cred.sessionOrNil(); {
	case s == nil:
		j.say(reason.SessionExpiredUnknown, j.facts())
	case !s.TerminatedAt.IsZero() && s.TerminatedAt.Before(s.Expiry):
		j.say(reason.SessionTerminatedAt, j.facts())
	case s.Chained:
		j.say(reason.SessionExpiredChained, j.facts())
	case j.form:
		j.say(reason.SessionExpiredForm, j.facts())
	default:
		j.say(reason.SessionExpiredAt, j.facts())
	}
}

// unknownKey explains InvalidAccessKeyId, which authentication answers
// alike for an inactive, a deleted and a never-issued key, and for a
// temporary key sent without its token.
func (j *judgement) unknownKey() {
	c, f := j.cred, j.facts()
	switch {
	case c == nil:
		j.say(reason.MalformedNoKey, f)
	case c.live && c.temporary:
		j.say(reason.TokenMissing, f)
	case c.live:
		// The key store knows it now: it was refused a moment ago and
		// has changed since (a key re-activated, say).
		j.say(reason.KeyChangedWhileExplain, f)
	case c.wire.Status == adminwire.CredentialInactive:
		j.say(reason.KeyInactiveSince, f)
	case c.wire.Status == adminwire.CredentialDeleted:
		j.say(reason.KeyDeleted, f)
	case c.wire.Status == adminwire.CredentialUserDeleted && c.wire.DeletedAt != nil:
		j.say(reason.KeyDeletedUserDeleted, f)
	case c.wire.Status == adminwire.CredentialUserDeleted:
		j.say(reason.KeyUserDeleted, f)
	case c.wire.Kind == kindTemporary:
		j.say(reason.KeyUnknownTemporary, f)
	default:
		j.say(reason.KeyNeverIssued, f)
	}
}

// ownerDeleted explains the InvalidToken of a session whose user or role
// no longer exists under the unique ID the session was issued for: AWS
// binds sessions to that ID, so a new identity of the same name is not
// the session's owner.
func (j *judgement) ownerDeleted(ctx context.Context) error {
	s := j.cred.session
	o, id, _ := s.Owner()
	kind := "IAM user"
	var liveID string
	var err error
	if o.Kind == principal.OwnerRole {
		kind = "role"
		var r meta.Role
		r, err = j.x.cfg.Store.GetRole(ctx, o.Name)
		liveID = r.ID
	} else {
		var u meta.User
		u, err = j.x.cfg.Store.GetUser(ctx, o.Name)
		liveID = u.ID
	}
	if err != nil && !errors.Is(err, meta.ErrNoSuchEntity) {
		return err
	}
	f := j.facts()
	f.OwnerKind, f.OwnerName, f.OwnerID = kind, o.Name, id
	if err == nil {
		f.NewOwnerID = liveID
		j.say(reason.OwnerRecreated, f)
		return nil
	}
	j.say(reason.OwnerGone, f)
	return nil
}

func (j *judgement) invalidToken() {
	c := j.cred
	switch {
	case c != nil && c.live && !c.temporary:
		j.say(reason.TokenOnLongTermKey, j.facts())
	case c != nil:
		j.say(reason.TokenAltered, j.facts())
	default:
		j.say(reason.TokenOfUnknownOwner, j.facts())
	}
}

// denied explains an authorisation refusal, naming the statement that
// decided it.
func (j *judgement) denied(ctx context.Context) error {
	res, action, resource := j.dry.Result, j.dry.Action, j.dry.Resource
	f := j.facts()
	f.Anonymous = res == nil || res.Anonymous || j.cred == nil
	var d *access.Denied
	if !errors.As(j.dry.AuthzErr, &d) {
		j.say(reason.PolicyDeniedOther, f)
		return nil
	}
	m := d.Decision.Match
	if d.Decision.Effect != policy.Deny || m == nil {
		f.CallerARN, f.DeletedRole = j.callerARN(), j.deletedRole(ctx)
		j.say(reason.PolicyImplicitDeny, f)
		return nil
	}
	j.out.Statement = &adminwire.Statement{Policy: m.Policy, Kind: kindName(m.Kind), Sid: m.Sid, Index: m.Index, Effect: "Deny"}
	f.Statement = j.statementName(m)
	if res != nil && res.Principal.Temporary() && j.x.deniedForIssueTime(j.r, res, action, resource, m, j.now) {
		f.Issued, f.Condition = res.Principal.TokenIssued, j.x.issueTimeCondition(ctx, res.Principal, m)
		j.say(reason.SessionsRevokedBy, f)
		return nil
	}
	j.say(reason.PolicyExplicitDeny, f)
	return nil
}

// deniedForIssueTime reports whether the deny statement m depends on the
// session's issue time: asked again for the same request signed by a
// session issued now, the authoriser no longer denies by m.
func (x *Explainer) deniedForIssueTime(r *http.Request, res *authn.Result, action, resource string, m *policy.Match, now time.Time) bool {
	fresh := *res
	fresh.Principal.TokenIssued = now
	err := x.cfg.Authz.Authorize(r, &fresh, action, resource)
	if err == nil {
		return true
	}
	var d *access.Denied
	if !errors.As(err, &d) {
		return false
	}
	again := d.Decision.Match
	return d.Decision.Effect != policy.Deny || again == nil ||
		again.Policy != m.Policy || again.Kind != m.Kind || again.Index != m.Index
}

// missing explains a URL that passes every check but addresses a bucket
// or object that does not exist: what users see as a dead link although
// nothing about the signature or the credentials is wrong.
func (j *judgement) missing() {
	switch j.dry.Code {
	case "NoSuchBucket":
		j.say(reason.NoBucket, j.facts())
	case "NoSuchKey":
		j.say(reason.NoObject, j.facts())
	case "AccessDenied":
		j.say(reason.NoObjectHidden, j.facts())
	default:
		j.say(reason.MalformedRefused, j.facts())
	}
}

func (j *judgement) valid() {
	res := j.dry.Result
	switch {
	case res == nil || res.Anonymous:
		j.say(reason.ValidAnonymous, j.facts())
	case j.form && j.out.EffectiveExpiresAt != nil:
		j.say(reason.ValidForm, j.facts())
	case j.out.EffectiveExpiresAt != nil:
		j.say(reason.ValidURL, j.facts())
	default:
		j.say(reason.ValidHeader, j.facts())
	}
}

// callerARN names the caller of an implicitly denied request.
func (j *judgement) callerARN() string {
	res := j.dry.Result
	if res == nil || res.Anonymous {
		return "anonymous callers"
	}
	return res.Principal.ARN
}

// deletedRole names the deleted role behind a session, whose permissions
// went with it; "" when there is none.
func (j *judgement) deletedRole(ctx context.Context) string {
	res := j.dry.Result
	if res == nil || res.Anonymous || res.Principal.SessionKind != principal.SessionAssumedRole {
		return ""
	}
	name := res.Principal.RoleName
	if _, err := j.x.cfg.Store.GetRole(ctx, name); errors.Is(err, meta.ErrNoSuchEntity) {
		return name
	}
	return ""
}

// statementName names a statement and its policy for messages:
// `statement "DenyCat" (#0) of identity policy deny-cat of user alice`.
func (j *judgement) statementName(m *policy.Match) string {
	s := "statement #" + strconv.Itoa(m.Index)
	if m.Sid != "" {
		s = "statement " + strconv.Quote(m.Sid) + " (#" + strconv.Itoa(m.Index) + ")"
	}
	switch m.Kind {
	case policy.Identity:
		p := j.dry.Result.Principal
		owner := "user " + p.UserName
		if p.SessionKind == principal.SessionAssumedRole {
			owner = "role " + p.RoleName
		} else if p.UserName == "" {
			owner = "the caller"
		}
		return s + " of identity policy " + m.Policy + " of " + owner
	case policy.Session:
		if m.Policy != inlineSessionPolicy {
			// A managed session policy goes by its ARN.
			return s + " of managed session policy " + m.Policy
		}
		return s + " of the session policy"
	}
	return s + " of the " + m.Policy
}

// inlineSessionPolicy is the name the authoriser gives a session's inline
// policy; managed session policies are named by their ARN.
const inlineSessionPolicy = "session policy"

// kindName is Statement.Kind for a policy kind.
func kindName(k policy.Kind) string {
	switch k {
	case policy.Session:
		return "session"
	case policy.Resource:
		return "resource"
	case policy.Trust:
		return "trust"
	}
	return "identity"
}
