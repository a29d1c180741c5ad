package access

import (
	"context"
	"errors"
	"fmt"

	"signet/internal/lifecycle"
	"signet/internal/meta"
)

func (s *Store) PutBucketLifecycle(ctx context.Context, bucket, doc string) error {
	return s.after(s.Backend.PutBucketLifecycle(ctx, bucket, doc))
}

func (s *Store) DeleteBucketLifecycle(ctx context.Context, bucket string) error {
	return s.after(s.Backend.DeleteBucketLifecycle(ctx, bucket))
}

// bucketLifecycle is a cached answer of BucketLifecycleRules, as
// bucketCORS is for CORS.
type bucketLifecycle struct {
	cfg     *lifecycle.Config
	missing bool
}

// BucketLifecycleRules returns a bucket's parsed lifecycle configuration,
// nil when it has none, or meta.ErrNoSuchBucket. Every GetObject and
// HeadObject asks (for x-amz-expiration), so the answer is cached and
// dropped by every write through Store, as BucketCORSRules is.
func (s *Store) BucketLifecycleRules(ctx context.Context, bucket string) (*lifecycle.Config, error) {
	ck := "blifecycle\x00" + bucket
	v, gen, ok := s.cache.get(ck)
	if ok {
		return v.(bucketLifecycle).result()
	}
	var entry bucketLifecycle
	raw, err := s.Backend.GetBucketLifecycle(ctx, bucket)
	switch {
	case errors.Is(err, meta.ErrNoSuchBucket):
		entry.missing = true
	case errors.Is(err, meta.ErrNoSuchLifecycleConfiguration):
	case err != nil:
		return nil, err
	default:
		if entry.cfg, err = lifecycle.Parse(raw); err != nil {
			return nil, fmt.Errorf("lifecycle configuration of %s: %w", bucket, err)
		}
	}
	s.cache.put(ck, gen, entry)
	return entry.result()
}

func (b bucketLifecycle) result() (*lifecycle.Config, error) {
	if b.missing {
		return nil, meta.ErrNoSuchBucket
	}
	return b.cfg, nil
}
