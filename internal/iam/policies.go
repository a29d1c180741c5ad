package iam

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"signet/internal/meta"
	"signet/internal/policy"
	"signet/internal/principal"
)

// Inline policies.

// inlineQuota is the aggregate size quota of an owner's inline policies.
func inlineQuota(o meta.Owner) int {
	if o.Kind == principal.OwnerRole {
		return RoleInlineQuota
	}
	return UserInlineQuota
}

// inlineQuotaExceeded is IAM's refusal of inline policies past o's quota.
func inlineQuotaExceeded(o meta.Owner) error {
	e := named(ReasonInlinePolicySize, o.Name)
	e.Entity, e.Limit = string(o.Kind), inlineQuota(o)
	return e
}

// PutInlinePolicy creates or replaces an inline policy of a user or role.
// The document must be a valid identity policy, and all of the owner's
// inline policies together must stay within IAM's quota (2048 characters
// for a user, 10240 for a role, white space not counted).
func (s *Service) PutInlinePolicy(ctx context.Context, o meta.Owner, name, doc string) error {
	if err := validatePolicyName(name, "policyName"); err != nil {
		return err
	}
	if err := checkDocument(doc, "policyDocument"); err != nil {
		return err
	}
	if err := s.ownerExists(ctx, o); err != nil {
		return err
	}
	// A document that alone is past the quota is refused before it is
	// parsed: parsing costs memory in proportion to the document, which
	// may be up to 128 KiB of JSON.
	size := PolicySize(doc)
	if size > inlineQuota(o) {
		return inlineQuotaExceeded(o)
	}
	if _, err := parseDocument(policy.Identity, doc); err != nil {
		return err
	}
	existing, err := s.store.ListInlinePolicies(ctx, o)
	if err != nil {
		return lookupErr(err, func() *Error { return noSuchOwner(o) })
	}
	total := size
	for _, p := range existing {
		if !strings.EqualFold(p.Name, name) { // the one being replaced does not count
			total += PolicySize(p.Document)
		}
	}
	if total > inlineQuota(o) {
		return inlineQuotaExceeded(o)
	}
	err = s.store.PutInlinePolicy(ctx, o, meta.InlinePolicy{Name: name, Document: doc})
	return lookupErr(err, func() *Error { return noSuchOwner(o) })
}

// GetInlinePolicy returns an inline policy of a user or role.
func (s *Service) GetInlinePolicy(ctx context.Context, o meta.Owner, name string) (meta.InlinePolicy, error) {
	if err := validatePolicyName(name, "policyName"); err != nil {
		return meta.InlinePolicy{}, err
	}
	if err := s.ownerExists(ctx, o); err != nil {
		return meta.InlinePolicy{}, err
	}
	p, err := s.store.GetInlinePolicy(ctx, o, name)
	if err != nil {
		return meta.InlinePolicy{}, lookupErr(err, func() *Error { return noSuchInline(o, name) })
	}
	return p, nil
}

// ListInlinePolicies returns the names of a user's or role's inline
// policies, sorted.
func (s *Service) ListInlinePolicies(ctx context.Context, o meta.Owner) ([]string, error) {
	if err := s.ownerExists(ctx, o); err != nil {
		return nil, err
	}
	ps, err := s.store.ListInlinePolicies(ctx, o)
	if err != nil {
		return nil, lookupErr(err, func() *Error { return noSuchOwner(o) })
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names, nil
}

// DeleteInlinePolicy deletes an inline policy of a user or role.
func (s *Service) DeleteInlinePolicy(ctx context.Context, o meta.Owner, name string) error {
	if err := validatePolicyName(name, "policyName"); err != nil {
		return err
	}
	if err := s.ownerExists(ctx, o); err != nil {
		return err
	}
	err := s.store.DeleteInlinePolicy(ctx, o, name)
	return lookupErr(err, func() *Error { return noSuchInline(o, name) })
}

// Managed policies.

// ManagedPolicy is a customer managed policy or an AWS managed one, as
// GetPolicy describes it.
type ManagedPolicy struct {
	ARN              string
	Name             string
	ID               string
	Path             string
	Description      string
	DefaultVersionID string
	// AttachmentCount is how many users and roles of this account have it.
	AttachmentCount int
	// AWSManaged marks the built-in AWS managed policies.
	AWSManaged bool
	Created    time.Time
	Updated    time.Time
	Document   string
}

// PolicyVersion is one version of a managed policy. Customer managed
// policies have exactly one, v1.
type PolicyVersion struct {
	Document  string
	VersionID string
	IsDefault bool
	Created   time.Time
}

// AttachedPolicy names a managed policy attached to a user or role.
type AttachedPolicy struct {
	Name string
	ARN  string
}

// Scope selects managed policies in ListPolicies.
type Scope int

const (
	ScopeAll   Scope = iota // customer and AWS managed
	ScopeAWS                // AWS managed only
	ScopeLocal              // customer managed only
)

// customerVersion is the one version a customer managed policy has:
// signet does not keep policy versions.
const customerVersion = "v1"

// CreatePolicyInput is what CreatePolicy takes.
type CreatePolicyInput struct {
	Name        string
	Path        string // "" is "/"
	Description string
	Document    string
}

// CreatePolicy creates a customer managed policy. Names are unique in the
// account whatever the path.
func (s *Service) CreatePolicy(ctx context.Context, in CreatePolicyInput) (ManagedPolicy, error) {
	if err := validatePolicyName(in.Name, "policyName"); err != nil {
		return ManagedPolicy{}, err
	}
	path, err := normalPath(in.Path, "path")
	if err != nil {
		return ManagedPolicy{}, err
	}
	if len([]rune(in.Description)) > maxPolicyDesc {
		return ManagedPolicy{}, tooLong(in.Description, "description", maxPolicyDesc)
	}
	if err := checkDocument(in.Document, "policyDocument"); err != nil {
		return ManagedPolicy{}, err
	}
	if PolicySize(in.Document) > ManagedQuota {
		return ManagedPolicy{}, quotaExceeded("PolicySize", ManagedQuota)
	}
	if _, err := parseDocument(policy.Identity, in.Document); err != nil {
		return ManagedPolicy{}, err
	}
	id, err := NewID(PrefixPolicy)
	if err != nil {
		return ManagedPolicy{}, err
	}
	now := s.now()
	p := meta.Policy{Name: in.Name, ID: id, Path: path, Description: in.Description, Document: in.Document, Created: now, Updated: now}
	if err := s.store.CreatePolicy(ctx, p); err != nil {
		if errors.Is(err, meta.ErrEntityExists) {
			return ManagedPolicy{}, named(ReasonPolicyExists, in.Name)
		}
		return ManagedPolicy{}, err
	}
	return s.customer(p, 0), nil
}

func (s *Service) customer(p meta.Policy, attachments int) ManagedPolicy {
	return ManagedPolicy{
		ARN: s.PolicyARN(p), Name: p.Name, ID: p.ID, Path: p.Path, Description: p.Description,
		DefaultVersionID: customerVersion, AttachmentCount: attachments,
		Created: p.Created, Updated: p.Updated, Document: p.Document,
	}
}

func fromBuiltin(b builtin, attachments int) ManagedPolicy {
	return ManagedPolicy{
		ARN: AWSPolicyARN(b.Name), Name: b.Name, ID: b.ID, Path: "/", Description: b.Description,
		DefaultVersionID: b.Version, AttachmentCount: attachments, AWSManaged: true,
		Created: b.Created, Updated: b.Updated, Document: b.Document,
	}
}

// errPolicyMissing: the ARN is well formed but names no policy here.
// Each operation says so in its own words.
var errPolicyMissing = errors.New("iam: no such managed policy")

// checkPolicyARN applies arnType's length (20..2048) and then IAM's own
// test of the form.
func checkPolicyARN(arn string) error {
	switch {
	case len(arn) < 20:
		return tooShort(arn, "policyArn", 20)
	case len(arn) > 2048:
		return tooLong(arn, "policyArn", 2048)
	}
	if _, res, ok := splitIAMARN(arn); !ok || !strings.HasPrefix(res, "policy/") {
		return named(ReasonInvalidARN, arn)
	}
	return nil
}

// findPolicy resolves a policy ARN to the policy, with its attachment
// count. ARNs of other accounts, and ARNs whose path differs from the
// policy's, name nothing.
func (s *Service) findPolicy(ctx context.Context, arn string) (ManagedPolicy, error) {
	if err := checkPolicyARN(arn); err != nil {
		return ManagedPolicy{}, err
	}
	if b, ok := lookupBuiltin(arn); ok {
		n, err := s.store.PolicyAttachments(ctx, arn)
		if err != nil {
			return ManagedPolicy{}, err
		}
		return fromBuiltin(b, n), nil
	}
	path, name, ok := s.ParsePolicyARN(arn)
	if !ok {
		return ManagedPolicy{}, errPolicyMissing
	}
	p, err := s.store.GetPolicy(ctx, name)
	if errors.Is(err, meta.ErrNoSuchEntity) || err == nil && p.Path != path {
		return ManagedPolicy{}, errPolicyMissing
	}
	if err != nil {
		return ManagedPolicy{}, err
	}
	// Attachments are recorded under the canonical ARN (see AttachPolicy).
	n, err := s.store.PolicyAttachments(ctx, s.PolicyARN(p))
	if err != nil {
		return ManagedPolicy{}, err
	}
	return s.customer(p, n), nil
}

// GetPolicy describes a customer or AWS managed policy.
func (s *Service) GetPolicy(ctx context.Context, arn string) (ManagedPolicy, error) {
	p, err := s.findPolicy(ctx, arn)
	if errors.Is(err, errPolicyMissing) {
		return ManagedPolicy{}, policyNotFound(arn)
	}
	return p, err
}

// versionPattern is policyVersionIdType's.
var versionPattern = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)

// GetPolicyVersion returns a version of a managed policy. Only the
// default version exists: v1 for customer managed policies, the current
// one for AWS managed policies.
func (s *Service) GetPolicyVersion(ctx context.Context, arn, versionID string) (PolicyVersion, error) {
	if !versionPattern.MatchString(versionID) {
		return PolicyVersion{}, badPattern(versionID, "versionId", `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
	}
	p, err := s.GetPolicy(ctx, arn)
	if err != nil {
		return PolicyVersion{}, err
	}
	if versionID != p.DefaultVersionID {
		e := named(ReasonNoSuchPolicyVersion, arn)
		e.Version = versionID
		return PolicyVersion{}, e
	}
	return PolicyVersion{Document: p.Document, VersionID: p.DefaultVersionID, IsDefault: true, Created: p.Updated}, nil
}

// ListPolicies returns the managed policies in scope, sorted by name;
// onlyAttached keeps those attached to at least one user or role, and
// pathPrefix filters by path.
func (s *Service) ListPolicies(ctx context.Context, scope Scope, onlyAttached bool, pathPrefix string) ([]ManagedPolicy, error) {
	var out []ManagedPolicy
	if scope != ScopeLocal {
		for _, b := range builtins {
			n, err := s.store.PolicyAttachments(ctx, AWSPolicyARN(b.Name))
			if err != nil {
				return nil, err
			}
			out = append(out, fromBuiltin(b, n))
		}
	}
	if scope != ScopeAWS {
		ps, err := s.store.ListPolicies(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			n, err := s.store.PolicyAttachments(ctx, s.PolicyARN(p))
			if err != nil {
				return nil, err
			}
			out = append(out, s.customer(p, n))
		}
	}
	kept := out[:0]
	for _, p := range out {
		if onlyAttached && p.AttachmentCount == 0 {
			continue
		}
		kept = append(kept, p)
	}
	kept = filterPath(kept, pathPrefix, func(p ManagedPolicy) string { return p.Path })
	sort.SliceStable(kept, func(i, j int) bool {
		a, b := strings.ToLower(kept[i].Name), strings.ToLower(kept[j].Name)
		if a != b {
			return a < b
		}
		return kept[i].ARN < kept[j].ARN
	})
	return kept, nil
}

// DeletePolicy deletes a customer managed policy that is attached to no
// one. AWS managed policies cannot be deleted.
func (s *Service) DeletePolicy(ctx context.Context, arn string) error {
	p, err := s.findPolicy(ctx, arn)
	switch {
	case errors.Is(err, errPolicyMissing):
		return policyNotFound(arn)
	case err != nil:
		return err
	case p.AWSManaged:
		return newError(ReasonAWSManagedPolicy)
	}
	err = s.store.DeletePolicy(ctx, p.Name)
	switch {
	case errors.Is(err, meta.ErrNoSuchEntity):
		return policyNotFound(arn)
	case errors.Is(err, meta.ErrDeleteConflict):
		return newError(ReasonPolicyAttached)
	}
	return err
}

// AttachPolicy attaches a customer or AWS managed policy to a user or
// role, at most AttachedPerEntity of them. Attaching twice is not an
// error.
func (s *Service) AttachPolicy(ctx context.Context, o meta.Owner, arn string) error {
	if err := s.ownerExists(ctx, o); err != nil {
		return err
	}
	p, err := s.findPolicy(ctx, arn)
	if errors.Is(err, errPolicyMissing) {
		return policyNotAttachable(arn)
	}
	if err != nil {
		return err
	}
	attached, err := s.store.ListAttachedPolicies(ctx, o)
	if err != nil {
		return lookupErr(err, func() *Error { return noSuchOwner(o) })
	}
	already := false
	for _, a := range attached {
		already = already || a == p.ARN
	}
	if !already && len(attached) >= AttachedPerEntity {
		quota := "PoliciesPerUser"
		if o.Kind == principal.OwnerRole {
			quota = "PoliciesPerRole"
		}
		return quotaExceeded(quota, AttachedPerEntity)
	}
	// The canonical ARN (the policy's own path and name as created) is
	// what the store records, so counts and lookups agree however the
	// caller spelled it.
	err = s.store.AttachPolicy(ctx, o, p.ARN)
	return lookupErr(err, func() *Error { return noSuchOwner(o) })
}

// DetachPolicy detaches a managed policy from a user or role.
func (s *Service) DetachPolicy(ctx context.Context, o meta.Owner, arn string) error {
	if err := s.ownerExists(ctx, o); err != nil {
		return err
	}
	canonical := arn
	p, err := s.findPolicy(ctx, arn)
	switch {
	case err == nil:
		canonical = p.ARN
	case errors.Is(err, errPolicyMissing):
		// Not a policy (any more): detaching fails below unless the ARN is
		// attached as given.
	default:
		return err
	}
	err = s.store.DetachPolicy(ctx, o, canonical)
	if errors.Is(err, meta.ErrNoSuchEntity) {
		// Missing owner was ruled out above; what is missing is the
		// attachment.
		return policyNotFound(arn)
	}
	return err
}

// ListAttachedPolicies returns the managed policies attached to a user
// or role, sorted by ARN, filtered by the policy's path.
func (s *Service) ListAttachedPolicies(ctx context.Context, o meta.Owner, pathPrefix string) ([]AttachedPolicy, error) {
	if err := s.ownerExists(ctx, o); err != nil {
		return nil, err
	}
	arns, err := s.store.ListAttachedPolicies(ctx, o)
	if err != nil {
		return nil, lookupErr(err, func() *Error { return noSuchOwner(o) })
	}
	out := make([]AttachedPolicy, 0, len(arns))
	for _, a := range arns {
		_, res, _ := splitIAMARN(a)
		path, name, ok := splitResource(res, "policy")
		if !ok {
			continue
		}
		if pathPrefix != "" && !strings.HasPrefix(path, pathPrefix) {
			continue
		}
		out = append(out, AttachedPolicy{Name: name, ARN: a})
	}
	return out, nil
}

// PoliciesFor returns the identity policies of a user or role, parsed,
// for the authoriser: inline policies named by their name, attached
// managed policies by their ARN.
func (s *Service) PoliciesFor(ctx context.Context, o meta.Owner) ([]policy.Named, error) {
	inline, err := s.store.ListInlinePolicies(ctx, o)
	if err != nil {
		return nil, lookupErr(err, func() *Error { return noSuchOwner(o) })
	}
	arns, err := s.store.ListAttachedPolicies(ctx, o)
	if err != nil {
		return nil, lookupErr(err, func() *Error { return noSuchOwner(o) })
	}
	out := make([]policy.Named, 0, len(inline)+len(arns))
	for _, p := range inline {
		d, err := policy.Parse(policy.Identity, []byte(p.Document))
		if err != nil {
			// It was valid when stored; failing closed is the safe answer
			// to a document the evaluator no longer understands.
			return nil, fmt.Errorf("iam: inline policy %s of %s %s: %w", p.Name, o.Kind, o.Name, err)
		}
		out = append(out, policy.Named{Name: p.Name, Doc: d})
	}
	// The store refuses to delete an attached policy, so a dangling
	// attachment grants nothing rather than failing the caller's every
	// request.
	return s.appendManaged(ctx, out, arns, policy.Identity)
}

// appendManaged appends to out the managed policies named by arns, parsed
// as kind and named by their ARNs; one that no longer exists is skipped.
func (s *Service) appendManaged(ctx context.Context, out []policy.Named, arns []string, kind policy.Kind) ([]policy.Named, error) {
	for _, arn := range arns {
		doc, ok, err := s.managedDocument(ctx, arn)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		d, err := policy.Parse(kind, []byte(doc))
		if err != nil {
			return nil, fmt.Errorf("iam: managed policy %s: %w", arn, err)
		}
		out = append(out, policy.Named{Name: arn, Doc: d})
	}
	return out, nil
}

// SessionPolicies returns the managed policies a session was given as
// session policies (PolicyArns), parsed, for the authoriser, each named by
// its ARN. The documents are read now, not at issue: as on AWS, a session
// holds the ARNs and follows the policy as it stands. A policy deleted
// since names nothing and grants nothing.
func (s *Service) SessionPolicies(ctx context.Context, arns []string) ([]policy.Named, error) {
	// Parsed as a session policy: the rules are an identity policy's,
	// and the kind tells explanations which group a match came from.
	return s.appendManaged(ctx, make([]policy.Named, 0, len(arns)), arns, policy.Session)
}

// ManagedPolicyExists reports whether arn names a managed policy a session
// may be given: an AWS managed policy, or a customer managed policy of
// this account (by its exact path and name).
func (s *Service) ManagedPolicyExists(ctx context.Context, arn string) (bool, error) {
	_, ok, err := s.managedDocument(ctx, arn)
	return ok, err
}

// managedDocument returns the document of the policy an attached ARN
// names.
func (s *Service) managedDocument(ctx context.Context, arn string) (string, bool, error) {
	if b, ok := lookupBuiltin(arn); ok {
		return b.Document, true, nil
	}
	path, name, ok := s.ParsePolicyARN(arn)
	if !ok {
		return "", false, nil
	}
	p, err := s.store.GetPolicy(ctx, name)
	if errors.Is(err, meta.ErrNoSuchEntity) || err == nil && p.Path != path {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return p.Document, true, nil
}
