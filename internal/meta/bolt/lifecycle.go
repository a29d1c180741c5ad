package bolt

import (
	"context"

	"signet/internal/meta"
)

// Bucket lifecycle configurations, kept as the document the API gives, in
// the bucketlifecycle bucket, one bucket document each (identity.go).

func (s *Store) PutBucketLifecycle(ctx context.Context, bucket, doc string) error {
	return s.putBucketDoc(ctx, bktBucketLifecycle, bucket, doc, "empty lifecycle configuration")
}

func (s *Store) GetBucketLifecycle(ctx context.Context, bucket string) (string, error) {
	return s.getBucketDoc(ctx, bktBucketLifecycle, bucket, meta.ErrNoSuchLifecycleConfiguration)
}

func (s *Store) DeleteBucketLifecycle(ctx context.Context, bucket string) error {
	return s.deleteBucketDoc(ctx, bktBucketLifecycle, bucket)
}
