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
	"signet/internal/s3api"
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

// New returns an Explainer. It panics on a missing component: that is a
// wiring mistake, found at start.
func New(cfg Config) *Explainer {
	if cfg.DryRun == nil || cfg.Keys == nil || cfg.Store == nil || cfg.Authz == nil || cfg.Clock == nil {
		panic("explain: Config needs DryRun, Keys, Store, Authz and Clock")
	}
	return &Explainer{cfg: cfg}
}

// Explain judges in's request. An error is either a *RequestError (in is
// not a request: the caller's mistake) or a failure of the server.
func (x *Explainer) Explain(ctx context.Context, in adminwire.ExplainRequest) (*adminwire.Explanation, error) {
	r, u, err := buildRequest(ctx, in)
	if err != nil {
		return nil, err
	}
	now := x.cfg.Clock.Now().UTC()
	dry := x.cfg.DryRun.DryRun(r)
	if dry.Internal != nil {
		return nil, fmt.Errorf("explain: the server would fail this request: %w", dry.Internal)
	}
	ua := readAuth(r)
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
	j := &judgement{x: x, r: r, url: u, dry: dry, auth: ua, cred: cred, now: now, out: out}
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

func (j *judgement) set(reason, message string) {
	j.out.Reason, j.out.Message = reason, message
}

func (j *judgement) judge(ctx context.Context) error {
	switch {
	case j.dry.AuthErr != nil:
		return j.authFailure(ctx)
	case j.dry.RequestErr != nil:
		j.set(adminwire.ReasonMalformed, fmt.Sprintf("The request is refused before any permission is checked: %s (%d %s).",
			trimDot(j.dry.Message), j.dry.Status, j.dry.Code))
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
		j.set(adminwire.ReasonNotYetValid, fmt.Sprintf("The URL is dated %s, %s after the server's time %s, so it is not valid yet: the clock of whatever signed it runs ahead; correct that clock and presign again.",
			stamp(j.auth.signedAt), ago(j.auth.signedAt.Sub(j.now)), stamp(j.now)))
	case authn.ReasonExpiredToken:
		j.sessionEnded()
	case authn.ReasonUnknownAccessKey:
		j.unknownKey()
	case authn.ReasonInvalidToken:
		if j.cred != nil && j.cred.ownerGone && j.cred.session != nil {
			return j.ownerDeleted(ctx)
		}
		j.invalidToken()
	case authn.ReasonSignatureMismatch:
		return j.signature(ctx)
	default:
		j.set(adminwire.ReasonMalformed, fmt.Sprintf("The URL is not a presigned request this server accepts: %s (%d %s).",
			trimDot(j.dry.Message), j.dry.Status, j.dry.Code))
	}
	return nil
}

func (j *judgement) overLimit() {
	if j.auth.window {
		j.set(adminwire.ReasonExpiresOverLimit, fmt.Sprintf("X-Amz-Expires is %d seconds, over the %d (7 days) S3 accepts, so the URL is refused at any time; presign it again with an expiry of at most 7 days.",
			int64(j.auth.expires/time.Second), int64(lifetime.MaxExpires/time.Second)))
		return
	}
	j.set(adminwire.ReasonExpiresOverLimit, "X-Amz-Expires is over the 604800 seconds (7 days) S3 accepts, so the URL is refused at any time; presign it again with an expiry of at most 7 days.")
}

func (j *judgement) urlExpired() {
	if j.lt == nil {
		j.set(adminwire.ReasonURLExpired, "The URL's own window has passed; presign a new URL.")
		return
	}
	end := j.lt.URLExpiry
	if j.auth.version == versionV2 {
		j.set(adminwire.ReasonURLExpired, fmt.Sprintf("The URL's Expires time %s passed %s ago; presign a new URL.", stamp(end), ago(j.now.Sub(end))))
		return
	}
	j.set(adminwire.ReasonURLExpired, fmt.Sprintf("The URL's own window ended at %s (X-Amz-Date %s + X-Amz-Expires %ds), %s ago; presign a new URL.",
		stamp(end), stamp(j.auth.signedAt), int64(j.auth.expires/time.Second), ago(j.now.Sub(end))))
}

// sessionEnded explains ExpiredToken: the session expired, or was
// terminated before it would have.
func (j *judgement) sessionEnded() {
	if j.cred == nil || j.cred.session == nil {
		j.set(adminwire.ReasonSessionExpired, "The session that signed the URL has ended; presign again with live credentials.")
		return
	}
	s, who := j.cred.session, j.cred.who
	if !s.TerminatedAt.IsZero() && s.TerminatedAt.Before(s.Expiry) {
		j.set(adminwire.ReasonSessionTerminated, fmt.Sprintf("%s was terminated at %s, %s ago and before its expiry at %s, so every URL it signed fails with ExpiredToken; presign again with live credentials.",
			capital(who), stamp(s.TerminatedAt), ago(j.now.Sub(s.TerminatedAt)), stamp(s.Expiry)))
		return
	}
	msg := fmt.Sprintf("%s expired at %s, %s ago", capital(who), stamp(s.Expiry), ago(j.now.Sub(s.Expiry)))
	if j.lt != nil && j.lt.LimitedBy == lifetime.LimitCredentials {
		msg += fmt.Sprintf(", %s before the URL's own window ends at %s", ago(j.lt.Shortfall), stamp(j.lt.URLExpiry))
	}
	j.set(adminwire.ReasonSessionExpired, msg+"; a URL dies with the credentials that signed it, so presign with an IAM user's long-term key or a session that outlasts the URL.")
}

// unknownKey explains InvalidAccessKeyId, which authentication answers
// alike for an inactive, a deleted and a never-issued key, and for a
// temporary key sent without its token.
func (j *judgement) unknownKey() {
	c := j.cred
	switch {
	case c == nil:
		j.set(adminwire.ReasonMalformed, "The request names no access key; presign it with credentials.")
	case c.live && c.temporary:
		j.set(adminwire.ReasonInvalidToken, fmt.Sprintf("The URL carries no X-Amz-Security-Token, which %s needs, so the key counts as unknown (InvalidAccessKeyId); presign with the session token that came with the key.", c.who))
	case c.live:
		// The key store knows it now: it was refused a moment ago and
		// has changed since (a key re-activated, say).
		j.set(adminwire.ReasonKeyUnknown, fmt.Sprintf("%s was refused as unknown but is known now: it changed while it was being explained; explain the URL again.", capital(c.who)))
	case c.wire.Status == adminwire.CredentialInactive:
		j.set(adminwire.ReasonKeyInactive, fmt.Sprintf("%s is inactive, so S3 refuses it as unknown (InvalidAccessKeyId) and every URL it signed fails until the key is made Active again.", capital(c.who)))
	case c.wire.Status == adminwire.CredentialDeleted:
		j.set(adminwire.ReasonKeyUnknown, fmt.Sprintf("%s was deleted at %s, %s ago, and every URL it signed stopped working then; presign with another of the user's keys.",
			capital(c.who), stamp(*c.wire.DeletedAt), ago(j.now.Sub(*c.wire.DeletedAt))))
	case c.wire.Status == adminwire.CredentialUserDeleted && c.wire.DeletedAt != nil:
		j.set(adminwire.ReasonKeyUnknown, fmt.Sprintf("%s was deleted at %s, %s ago, and IAM user %s has been deleted since; presign with another identity's credentials.",
			capital(c.who), stamp(*c.wire.DeletedAt), ago(j.now.Sub(*c.wire.DeletedAt)), c.wire.UserName))
	case c.wire.Status == adminwire.CredentialUserDeleted:
		j.set(adminwire.ReasonKeyUnknown, fmt.Sprintf("%s belongs to IAM user %s, who no longer exists; presign with another identity's credentials.", capital(c.who), c.wire.UserName))
	case c.wire.Kind == kindTemporary:
		j.set(adminwire.ReasonKeyUnknown, fmt.Sprintf("Temporary key %s is unknown: this server never issued it, or its session expired more than 7 days ago; check the endpoint and the credentials the URL was signed with.", c.wire.AccessKeyID))
	default:
		j.set(adminwire.ReasonKeyUnknown, fmt.Sprintf("Access key %s was never issued by this server, or was deleted more than 7 days ago; check the endpoint and the credentials the URL was signed with.", c.wire.AccessKeyID))
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
	if o.Kind == meta.OwnerRole {
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
	owner := kind + " " + o.Name
	if id != "" {
		owner += " (" + id + ")"
	}
	what := "was deleted"
	if err == nil {
		what = fmt.Sprintf("was deleted, and the %s called %s now is a new one (%s) that does not inherit its sessions", kind, o.Name, liveID)
	}
	j.set(adminwire.ReasonOwnerDeleted, fmt.Sprintf("%s was issued for %s, which %s; a session is bound to its owner's unique ID, so every URL it signed fails with InvalidToken. Presign again with credentials of an identity that exists.",
		capital(j.cred.who), owner, what))
	return nil
}

func (j *judgement) invalidToken() {
	c := j.cred
	switch {
	case c != nil && c.live && !c.temporary:
		j.set(adminwire.ReasonInvalidToken, fmt.Sprintf("The URL carries an X-Amz-Security-Token, but %s is a long-term key that takes none; presign without a token, or with the session's own temporary key.", c.who))
	case c != nil:
		j.set(adminwire.ReasonInvalidToken, fmt.Sprintf("The URL's X-Amz-Security-Token is not the one issued with %s: it was altered, cut short or belongs to another session; presign with the token that came with the key.", c.who))
	default:
		j.set(adminwire.ReasonInvalidToken, "The URL's X-Amz-Security-Token is malformed or not its key's; presign with the token that came with the key.")
	}
}

// denied explains an authorisation refusal, naming the statement that
// decided it.
func (j *judgement) denied(ctx context.Context) error {
	res, action, resource := j.dry.Result, j.dry.Action, j.dry.Resource
	caller := "The anonymous caller"
	if res != nil && !res.Anonymous && j.cred != nil {
		caller = capital(j.cred.who)
	}
	var d *access.Denied
	if !errors.As(j.dry.AuthzErr, &d) {
		j.set(adminwire.ReasonPolicyDenied, fmt.Sprintf("%s may not %s on %s; presign with credentials allowed to.", caller, action, resource))
		return nil
	}
	m := d.Decision.Match
	if d.Decision.Effect != policy.Deny || m == nil {
		msg := fmt.Sprintf("No policy allows %s on %s for %s (an implicit deny)", action, resource, j.callerARN())
		if note := j.ownerGone(ctx); note != "" {
			msg += ": " + note
		}
		j.set(adminwire.ReasonPolicyDenied, msg+"; allow it in an identity policy or the bucket policy.")
		return nil
	}
	j.out.Statement = &adminwire.Statement{Policy: m.Policy, Kind: kindName(m.Kind), Sid: m.Sid, Index: m.Index, Effect: "Deny"}
	stmt := j.statementName(m)
	if res != nil && res.Principal.Temporary() && j.x.deniedForIssueTime(j.r, res, action, resource, m, j.now) {
		cond := j.x.issueTimeCondition(ctx, res.Principal, m)
		if cond == "" {
			cond = "denies sessions by their issue time (aws:TokenIssueTime)"
		} else {
			cond = "denies sessions whose aws:TokenIssueTime is " + cond
		}
		j.set(adminwire.ReasonSessionsRevoked, fmt.Sprintf("%s was issued at %s, and %s %s, as AWS's \"revoke older sessions\" does; every URL the session signed now fails with AccessDenied, so presign again with a session issued after the revocation.",
			capital(j.cred.who), stamp(res.Principal.TokenIssued), stmt, cond))
		return nil
	}
	j.set(adminwire.ReasonPolicyDenied, fmt.Sprintf("%s is denied %s on %s by %s.", caller, action, resource, stmt))
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
	d := j.dry
	signer := "the signer"
	if j.cred != nil {
		signer = j.cred.who
	}
	switch d.Code {
	case "NoSuchBucket":
		j.set(adminwire.ReasonNoSuchBucket, fmt.Sprintf("The URL is signed correctly and %s is allowed %s, but there is no bucket %s on this server, so it answers %d NoSuchBucket; check the bucket's name (and the endpoint), or create it.",
			signer, d.Action, d.Bucket, d.Status))
	case "NoSuchKey":
		j.set(adminwire.ReasonNoSuchKey, fmt.Sprintf("The URL is signed correctly and %s is allowed %s, but there is no object %q in bucket %s now, so it answers %d NoSuchKey; check the key's spelling, case and encoding, or upload the object.",
			signer, d.Action, d.Key, d.Bucket, d.Status))
	case "AccessDenied":
		j.set(adminwire.ReasonNoSuchKey, fmt.Sprintf("The URL is signed correctly and %s is allowed %s, but there is no object %q in bucket %s now; as it is not allowed s3:ListBucket on %s, S3 answers %d AccessDenied rather than NoSuchKey, so as not to reveal which keys exist. Check the key's spelling, case and encoding, or upload the object.",
			signer, d.Action, d.Key, d.Bucket, d.Bucket, d.Status))
	default:
		j.set(adminwire.ReasonMalformed, fmt.Sprintf("The request is refused: %s (%d %s).", trimDot(d.Message), d.Status, d.Code))
	}
}

func (j *judgement) valid() {
	res := j.dry.Result
	switch {
	case res == nil || res.Anonymous:
		j.set(adminwire.ReasonValid, fmt.Sprintf("The request is not signed, and a policy lets anyone %s on %s.", j.dry.Action, j.dry.Resource))
	case j.out.EffectiveExpiresAt != nil:
		eff := *j.out.EffectiveExpiresAt
		until := "when its own window ends"
		if j.lt.LimitedBy == lifetime.LimitCredentials {
			until = fmt.Sprintf("when the credentials that signed it expire, %s before its own window ends at %s", ago(j.lt.Shortfall), stamp(j.lt.URLExpiry))
		}
		j.set(adminwire.ReasonValid, fmt.Sprintf("The URL is valid: signed by %s, it works until %s (%s from now), %s.",
			j.cred.who, stamp(eff), ago(eff.Sub(j.now)), until))
	default:
		j.set(adminwire.ReasonValid, fmt.Sprintf("The request is valid: signed by %s, it may %s on %s.", j.cred.who, j.dry.Action, j.dry.Resource))
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

// ownerGone notes a deleted role behind a session, whose permissions went
// with it.
func (j *judgement) ownerGone(ctx context.Context) string {
	res := j.dry.Result
	if res == nil || res.Anonymous || res.Principal.SessionKind != authn.SessionAssumedRole {
		return ""
	}
	name := res.Principal.RoleName
	if _, err := j.x.cfg.Store.GetRole(ctx, name); errors.Is(err, meta.ErrNoSuchEntity) {
		return "role " + name + " was deleted, and its sessions lost every permission with it"
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
		if p.SessionKind == authn.SessionAssumedRole {
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
