package access

import (
	"context"
	"errors"
	"strings"

	"signet/internal/meta"
	"signet/internal/policy"
)

// ACLs and Block Public Access in the decision, as AWS weighs them: an
// explicit Deny in any policy wins; otherwise a request is allowed when a
// policy allows it or an ACL grant does. A bucket whose Object Ownership
// is BucketOwnerEnforced has no ACLs: whatever is stored is ignored.
// The Block Public Access in force is the account's or the bucket's,
// setting by setting (accountpab.go). IgnorePublicAcls makes grants to
// AllUsers and AuthenticatedUsers count for nothing; RestrictPublicBuckets,
// while the bucket policy is public, leaves anonymous callers (the only
// ones outside the one account) with no access at all.
//
// A grant to the account's canonical ID adds nothing: within the owning
// account AWS asks IAM users for an identity-policy Allow, and the root
// is allowed anyway.

// aclNeed is what an action needs from an ACL: the permission, and
// whether the bucket's ACL (rather than the object's) grants it.
type aclNeed struct {
	perm   string
	bucket bool
}

// aclActions maps the actions ACL permissions grant (S3 User Guide,
// "Mapping of ACL permissions and access policy permissions").
var aclActions = map[string]aclNeed{
	"s3:ListBucket":                 {meta.PermRead, true},
	"s3:ListBucketVersions":         {meta.PermRead, true},
	"s3:ListBucketMultipartUploads": {meta.PermRead, true},
	"s3:GetBucketAcl":               {meta.PermReadACP, true},
	"s3:PutBucketAcl":               {meta.PermWriteACP, true},
	"s3:PutObject":                  {meta.PermWrite, true},
	"s3:DeleteObject":               {meta.PermWrite, true},
	"s3:GetObject":                  {meta.PermRead, false},
	"s3:GetObjectVersion":           {meta.PermRead, false},
	"s3:GetObjectAcl":               {meta.PermReadACP, false},
	"s3:GetObjectVersionAcl":        {meta.PermReadACP, false},
	"s3:PutObjectAcl":               {meta.PermWriteACP, false},
	"s3:PutObjectVersionAcl":        {meta.PermWriteACP, false},
}

// withBucketAccess adjusts policy's decision d for the bucket's ACLs and
// Block Public Access. bp is the bucket policy (nil: none).
func (a *Authorizer) withBucketAccess(ctx context.Context, d policy.Decision, caller policy.Caller, bp *policy.Document, action, resource, bucket string) (policy.Decision, error) {
	if d.Effect == policy.Deny || (d.Allowed() && !caller.Anonymous) {
		return d, nil
	}
	b, err := a.bucketRecord(ctx, bucket)
	if errors.Is(err, meta.ErrNoSuchBucket) {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	pab, err := a.effectiveBlock(ctx, b)
	if err != nil {
		return d, err
	}
	if caller.Anonymous && pab != nil && pab.RestrictPublicBuckets && bp.Public() {
		return policy.Decision{Effect: policy.NotApplicable}, nil
	}
	if d.Allowed() || b.Ownership == meta.OwnershipEnforced {
		return d, nil
	}
	need, ok := aclActions[action]
	if !ok {
		return d, nil
	}
	acl := b.ACL
	if !need.bucket {
		_, key, hasKey := strings.Cut(strings.TrimPrefix(resource, "arn:aws:s3:::"), "/")
		if !hasKey {
			return d, nil
		}
		o, err := a.store.GetObject(ctx, bucket, key)
		if errors.Is(err, meta.ErrNoSuchKey) || errors.Is(err, meta.ErrNoSuchBucket) {
			return d, nil
		}
		if err != nil {
			return d, err
		}
		acl = o.ACL
	}
	ignorePublic := pab != nil && pab.IgnorePublicAcls
	if aclGrants(acl, need.perm, caller.Anonymous, ignorePublic) {
		return policy.Decision{Effect: policy.Allow}, nil
	}
	return d, nil
}

// aclGrants reports whether acl gives perm (or FULL_CONTROL) to a caller,
// anonymous or signed, through a group.
func aclGrants(acl *meta.ACL, perm string, anonymous, ignorePublic bool) bool {
	if acl == nil {
		return false
	}
	for _, g := range acl.Grants {
		if g.Permission != perm && g.Permission != meta.PermFullControl {
			continue
		}
		if g.PublicGrant() && ignorePublic {
			continue
		}
		switch {
		case g.Type != meta.GranteeGroup:
		case g.URI == meta.GroupAllUsers:
			return true
		case g.URI == meta.GroupAuthenticatedUsers && !anonymous:
			return true
		}
	}
	return false
}

// bucketRecord returns a bucket's record, cached like the bucket policy:
// every bucket write through Store drops the cache.
func (a *Authorizer) bucketRecord(ctx context.Context, bucket string) (meta.Bucket, error) {
	ck := "bkt\x00" + bucket
	v, gen, ok := a.store.cache.get(ck)
	if ok {
		return v.(meta.Bucket), nil
	}
	b, err := a.store.GetBucket(ctx, bucket)
	if err != nil {
		return b, err
	}
	a.store.cache.put(ck, gen, b)
	return b, nil
}

// UpdateBucket changes a bucket's settings and drops the cache, so the
// next request is judged by them.
func (s *Store) UpdateBucket(ctx context.Context, name string, fn func(*meta.Bucket) error) error {
	return s.after(s.Backend.UpdateBucket(ctx, name, fn))
}
