package access

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/policy"
	"signet/internal/principal"
)

// PolicySource returns the identity policies of a user or role, parsed:
// inline ones by name, managed ones by ARN; and the managed policies a
// session was given as session policies, by ARN. iam.Service implements
// it.
type PolicySource interface {
	PoliciesFor(ctx context.Context, o meta.Owner) ([]policy.Named, error)
	SessionPolicies(ctx context.Context, arns []string) ([]policy.Named, error)
}

// Authorizer answers "may this caller do this?" for S3, IAM, STS and the
// admin API, with AWS's evaluation logic.
type Authorizer struct {
	store    *Store
	policies PolicySource
	clock    clock.Clock
	account  string
	region   string // aws:RequestedRegion when the request names none
}

// NewAuthorizer returns an Authorizer. clk is the lifetime clock: it gives
// aws:CurrentTime, so moving the dev clock moves policy time too.
func NewAuthorizer(store *Store, policies PolicySource, clk clock.Clock, account string) *Authorizer {
	return &Authorizer{store: store, policies: policies, clock: clk, account: account}
}

// Denied is an authorisation refusal, with the decision for explanations.
type Denied struct {
	Action   string
	Resource string
	Decision policy.Decision
}

func (d *Denied) Error() string {
	why := "no policy allows it"
	if d.Decision.Effect == policy.Deny {
		why = "explicitly denied"
		if m := d.Decision.Match; m != nil {
			why += " by " + m.Policy
			if m.Sid != "" {
				why += " statement " + strconv.Quote(m.Sid)
			}
		}
	}
	return fmt.Sprintf("access: %s on %s: %s", d.Action, d.Resource, why)
}

// ExplicitDeny reports whether err is a refusal by an explicit Deny.
func ExplicitDeny(err error) bool {
	var d *Denied
	return errors.As(err, &d) && d.Decision.Effect == policy.Deny
}

// Authorize implements the S3, IAM, STS and admin authorisers: identity
// policies (narrowed by session policies) plus, for S3 resources, the
// bucket policy. A nil error allows.
func (a *Authorizer) Authorize(r *http.Request, res *authn.Result, action, resource string) error {
	d, err := a.Decide(r, res, action, resource)
	if err != nil {
		return err
	}
	if !d.Allowed() {
		return &Denied{Action: action, Resource: resource, Decision: d}
	}
	return nil
}

// Decide returns the full decision for a request.
func (a *Authorizer) Decide(r *http.Request, res *authn.Result, action, resource string) (policy.Decision, error) {
	ctx := r.Context()
	set, err := a.identitySet(ctx, res)
	if err != nil {
		return policy.Decision{}, err
	}
	bucket, isBucket := bucketOf(resource)
	var bp *policy.Document
	if isBucket && !(set.Root && bucketPolicyActions[action]) {
		if bp, err = a.bucketPolicy(ctx, bucket); err != nil {
			return policy.Decision{}, err
		}
		if bp != nil {
			set.Resource = append(set.Resource, policy.Named{Name: "bucket policy of " + bucket, Doc: bp})
		}
	}
	caller, err := a.caller(ctx, res)
	if err != nil {
		return policy.Decision{}, err
	}
	req := &policy.Request{Action: action, Resource: resource, Caller: caller}
	if set.NeedsContext() {
		req.Context = a.conditionKeys(r, res, action, resource)
	}
	d := policy.Decide(req, set)
	if isBucket {
		// ACLs and Block Public Access (acl.go).
		return a.withBucketAccess(ctx, d, caller, bp, action, resource, bucket)
	}
	return d, nil
}

// bucketPolicyActions are the actions on a bucket's policy itself. The
// bucket owner's root may always take them, whatever the bucket policy
// says, so that no policy can lock the owner out of its bucket: S3
// documents this for GetBucketPolicy, PutBucketPolicy and
// DeleteBucketPolicy. The bucket policy is then not weighed at all.
var bucketPolicyActions = map[string]bool{
	"s3:GetBucketPolicy":    true,
	"s3:PutBucketPolicy":    true,
	"s3:DeleteBucketPolicy": true,
}

// AuthorizeAssumeRole decides sts:AssumeRole against a role's trust
// policy, as AWS does within one account: the trust policy must allow the
// caller, and policy.Decide then weighs it like any resource policy: when
// it names the caller itself that is enough; when it names the caller's
// role (role chaining) the session policy must allow too; when it only
// names the account, the caller's identity policies must allow
// sts:AssumeRole. An explicit deny anywhere wins.
func (a *Authorizer) AuthorizeAssumeRole(r *http.Request, res *authn.Result, roleARN string, trust *policy.Document) error {
	ctx := r.Context()
	const action = "sts:AssumeRole"
	set, err := a.identitySet(ctx, res)
	if err != nil {
		return err
	}
	caller, err := a.caller(ctx, res)
	if err != nil {
		return err
	}
	req := &policy.Request{Action: action, Resource: roleARN, Caller: caller, Context: a.conditionKeys(r, res, action, roleARN)}
	trustNamed := policy.Named{Name: "trust policy of " + roleARN, Doc: trust}
	effect, match := trust.Evaluate(req)
	if match != nil {
		// Evaluate knows the document, not the name it goes by.
		match.Policy = trustNamed.Name
	}
	if effect != policy.Allow {
		// Without the trust policy's Allow nothing else counts: an
		// identity policy cannot let anyone into a role.
		return &Denied{Action: action, Resource: roleARN, Decision: policy.Decision{Effect: effect, Match: match}}
	}
	set.Resource = []policy.Named{trustNamed}
	d := policy.Decide(req, set)
	if !d.Allowed() {
		return &Denied{Action: action, Resource: roleARN, Decision: d}
	}
	return nil
}

// identitySet gathers the caller's identity and session policies.
func (a *Authorizer) identitySet(ctx context.Context, res *authn.Result) (policy.Set, error) {
	var set policy.Set
	if res == nil || res.Anonymous {
		return set, nil
	}
	p := res.Principal
	if p.IsRoot {
		set.Root = true
		return set, nil
	}
	var owner meta.Owner
	switch {
	case p.SessionKind == principal.SessionAssumedRole:
		owner = meta.Owner{Kind: principal.OwnerRole, Name: p.RoleName}
	case p.UserName != "":
		owner = meta.Owner{Kind: principal.OwnerUser, Name: p.UserName}
	}
	if owner.Name != "" {
		docs, err := a.ownerPolicies(ctx, owner)
		if err != nil {
			return set, err
		}
		set.Identity = docs
	}
	if p.SessionKind == principal.SessionFederated && p.UserName == "" {
		// GetFederationToken asked with the root credentials (only long-
		// term keys may ask, and every user key has a user name): root's
		// permissions, narrowed below to the session policy's.
		set.Identity = []policy.Named{{Name: "root", Doc: rootIdentity}}
	}
	switch {
	case p.SessionKind == principal.SessionFederated:
		// A federated session has no permissions beyond its session
		// policies; with none it has none.
		set.HasSession = true
	case p.SessionKind == principal.SessionAssumedRole && p.HasSessionPolicies():
		set.HasSession = true
	}
	if set.HasSession && p.HasSessionPolicies() {
		docs, err := a.sessionPolicies(ctx, p)
		if err != nil {
			return set, err
		}
		set.Session = docs
	}
	return set, nil
}

func (a *Authorizer) ownerPolicies(ctx context.Context, o meta.Owner) ([]policy.Named, error) {
	ck := "pol\x00" + string(o.Kind) + "\x00" + strings.ToLower(o.Name)
	v, gen, ok := a.store.cache.get(ck)
	if ok {
		return v.([]policy.Named), nil
	}
	docs, err := a.policies.PoliciesFor(ctx, o)
	if err != nil && a.ownerGone(ctx, o, err) {
		// A deleted user or role has no permissions left.
		docs, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	a.store.cache.put(ck, gen, docs)
	return docs, nil
}

// ownerGone reports whether err from PoliciesFor means the owner no
// longer exists. The source may answer in its own words (iam.Service
// returns its NoSuchEntity error, which does not wrap the store's), so the
// store is asked directly; any other failure stays a failure.
func (a *Authorizer) ownerGone(ctx context.Context, o meta.Owner, err error) bool {
	if errors.Is(err, meta.ErrNoSuchEntity) {
		return true
	}
	var gerr error
	switch o.Kind {
	case principal.OwnerUser:
		_, gerr = a.store.GetUser(ctx, o.Name)
	case principal.OwnerRole:
		_, gerr = a.store.GetRole(ctx, o.Name)
	default:
		return false
	}
	return errors.Is(gerr, meta.ErrNoSuchEntity)
}

// rootIdentity is the root user's identity permission (everything), for
// the one case where it is intersected with a session policy.
var rootIdentity = func() *policy.Document {
	d, err := policy.Parse(policy.Identity, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
	if err != nil {
		panic(err)
	}
	return d
}()

// sessionPolicies returns the session's policies: the inline one, named
// "session policy", then the managed ones by ARN, read as they stand now
// (a managed policy deleted since grants nothing). They are cached per
// session; any identity write, a policy's included, drops the cache.
func (a *Authorizer) sessionPolicies(ctx context.Context, p principal.Principal) ([]policy.Named, error) {
	ck := "spol\x00" + p.AccessKeyID
	v, gen, ok := a.store.cache.get(ck)
	if ok {
		return v.([]policy.Named), nil
	}
	var docs []policy.Named
	if p.SessionPolicy != "" {
		doc, err := policy.Parse(policy.Session, []byte(p.SessionPolicy))
		if err != nil {
			return nil, fmt.Errorf("session policy of %s: %w", p.AccessKeyID, err)
		}
		docs = append(docs, policy.Named{Name: "session policy", Doc: doc})
	}
	if len(p.SessionPolicyARNs) > 0 {
		managed, err := a.policies.SessionPolicies(ctx, p.SessionPolicyARNs)
		if err != nil {
			return nil, fmt.Errorf("managed session policies of %s: %w", p.AccessKeyID, err)
		}
		docs = append(docs, managed...)
	}
	a.store.cache.put(ck, gen, docs)
	return docs, nil
}

// bucketPolicy returns the parsed policy of a bucket, or nil.
func (a *Authorizer) bucketPolicy(ctx context.Context, bucket string) (*policy.Document, error) {
	ck := "bpol\x00" + bucket
	v, gen, ok := a.store.cache.get(ck)
	if ok {
		return v.(*policy.Document), nil
	}
	raw, err := a.store.GetBucketPolicy(ctx, bucket)
	var doc *policy.Document
	switch {
	case errors.Is(err, meta.ErrNoSuchBucketPolicy), errors.Is(err, meta.ErrNoSuchBucket):
	case err != nil:
		return nil, err
	default:
		if doc, err = policy.Parse(policy.Resource, []byte(raw)); err != nil {
			return nil, fmt.Errorf("bucket policy of %s: %w", bucket, err)
		}
	}
	a.store.cache.put(ck, gen, doc)
	return doc, nil
}

// caller names the principal for Principal and NotPrincipal matching:
// its own ARN, and for a session the identity it was issued from (the
// role, or the IAM user of a federated session), which resource policies
// may name too but which the session policy then narrows. A user or role
// is named by its unique ID as well as its ARN, since IAM binds the ARN in
// a saved policy to that ID, so that a newcomer of the same name never
// matches.
func (a *Authorizer) caller(ctx context.Context, res *authn.Result) (policy.Caller, error) {
	if res == nil || res.Anonymous {
		return policy.Caller{Anonymous: true}, nil
	}
	p := res.Principal
	c := policy.Caller{Account: a.account, ARNs: []string{p.ARN}}
	switch {
	case p.SessionKind == principal.SessionAssumedRole && p.RoleARN != "":
		c.Parents = []string{p.RoleARN}
		if id := p.UniqueID(); id != "" {
			c.Parents = append(c.Parents, id)
		}
	case p.SessionKind == principal.SessionFederated && p.UserName != "":
		u, err := a.user(ctx, p.UserName)
		if err != nil {
			return c, err
		}
		if u.arn != "" {
			c.Parents = []string{u.arn, u.id}
		}
	case p.SessionKind == principal.SessionFederated:
		// A federation token the root asked for: root's permissions
		// narrowed by the session policy, so the account is its parent.
		c.Parents = []string{"arn:aws:iam::" + a.account + ":root"}
	default:
		// A user's own key or its GetSessionToken session: the user.
		if id := p.UniqueID(); id != "" {
			c.ARNs = append(c.ARNs, id)
		}
	}
	return c, nil
}

// userNames is how policies may name an IAM user: its ARN (its path
// included) and its unique ID.
type userNames struct{ arn, id string }

// user returns how policies name an IAM user, zero when the user no
// longer exists: a federated session outlives nothing of its user's, and
// a deleted user is named by no policy.
func (a *Authorizer) user(ctx context.Context, name string) (userNames, error) {
	ck := "uarn\x00" + strings.ToLower(name)
	v, gen, ok := a.store.cache.get(ck)
	if ok {
		return v.(userNames), nil
	}
	u, err := a.store.GetUser(ctx, name)
	switch {
	case errors.Is(err, meta.ErrNoSuchEntity):
		return userNames{}, nil
	case err != nil:
		return userNames{}, err
	}
	n := userNames{arn: iam.EntityARN(a.account, "user", u.Path, u.Name), id: u.ID}
	a.store.cache.put(ck, gen, n)
	return n, nil
}

// bucketOf extracts the bucket from an S3 ARN.
func bucketOf(resource string) (string, bool) {
	rest, ok := strings.CutPrefix(resource, "arn:aws:s3:::")
	if !ok {
		return "", false
	}
	b, _, _ := strings.Cut(rest, "/")
	if b == "" || b == "*" {
		return "", false
	}
	return b, true
}

// conditionKeys builds the request context policies' conditions see,
// from the one table of condition keys (condkeys.go).
func (a *Authorizer) conditionKeys(r *http.Request, res *authn.Result, action, resource string) map[string][]string {
	return a.requestContext(r, res, action, resource)
}

func principalType(p principal.Principal) string {
	switch {
	case p.IsRoot && !p.Temporary():
		return "Account"
	case p.SessionKind == principal.SessionAssumedRole:
		return "AssumedRole"
	case p.SessionKind == principal.SessionFederated:
		return "FederatedUser"
	case p.IsRoot:
		return "Account"
	}
	return "User"
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type conditionsKey struct{}

// WithConditions attaches request-specific condition keys that only an API
// package can read from the request's parameters (sts:ExternalId,
// sts:RoleSessionName, sts:SourceIdentity): the Authorizer sees only the
// *http.Request, whose body the front door has already read. Keys the
// caller did not send stay absent, as IfExists and Null need.
func WithConditions(ctx context.Context, m map[string][]string) context.Context {
	return context.WithValue(ctx, conditionsKey{}, m)
}

// Conditions returns the keys WithConditions attached.
func Conditions(ctx context.Context) map[string][]string {
	m, _ := ctx.Value(conditionsKey{}).(map[string][]string)
	return m
}
