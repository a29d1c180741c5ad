package access

import "context"

// PrincipalBinder binds the user and role ARNs a policy names as
// principals to their unique IDs when it is saved, and shows them as ARNs
// again when it is read. iam.Service implements it.
type PrincipalBinder interface {
	BindPrincipals(ctx context.Context, doc string) (string, error)
	ShowPrincipals(ctx context.Context, doc string) (string, error)
}

// BucketPolicies is the bucket policy store the S3 API sees: the
// identity store, with principals bound at PutBucketPolicy as IAM binds
// them (the authoriser reads the bound form straight from the store), and
// shown at GetBucketPolicy as AWS shows them: the ARN while the user or
// role lives, its unique ID once it is gone.
type BucketPolicies struct {
	store  *Store
	binder PrincipalBinder
}

// NewBucketPolicies returns the S3 API's bucket policy store.
func NewBucketPolicies(store *Store, binder PrincipalBinder) *BucketPolicies {
	return &BucketPolicies{store: store, binder: binder}
}

// PutBucketPolicy binds doc's principals and stores it; a user or role
// ARN that names no one is policy.ErrInvalidPrincipal.
func (b *BucketPolicies) PutBucketPolicy(ctx context.Context, bucket, doc string) error {
	bound, err := b.binder.BindPrincipals(ctx, doc)
	if err != nil {
		return err
	}
	return b.store.PutBucketPolicy(ctx, bucket, bound)
}

// GetBucketPolicy returns the stored policy as AWS shows it.
func (b *BucketPolicies) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	doc, err := b.store.GetBucketPolicy(ctx, bucket)
	if err != nil {
		return "", err
	}
	return b.binder.ShowPrincipals(ctx, doc)
}

// DeleteBucketPolicy deletes the policy.
func (b *BucketPolicies) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	return b.store.DeleteBucketPolicy(ctx, bucket)
}
