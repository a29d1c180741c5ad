package access

import (
	"context"
	"errors"
	"fmt"

	"signet/internal/cors"
	"signet/internal/meta"
)

func (s *Store) PutBucketCORS(ctx context.Context, bucket, doc string) error {
	return s.after(s.Backend.PutBucketCORS(ctx, bucket, doc))
}

func (s *Store) DeleteBucketCORS(ctx context.Context, bucket string) error {
	return s.after(s.Backend.DeleteBucketCORS(ctx, bucket))
}

// bucketCORS is a cached answer of BucketCORSRules: the bucket's parsed
// configuration (nil when it has none), or that the bucket is missing.
type bucketCORS struct {
	cfg     *cors.Config
	missing bool
}

// BucketCORSRules returns a bucket's parsed CORS configuration, nil when
// it has none, or meta.ErrNoSuchBucket. Every request that carries an
// Origin asks, so the answer is cached like a bucket policy and dropped
// by every write through Store (bucket creation and deletion included).
func (s *Store) BucketCORSRules(ctx context.Context, bucket string) (*cors.Config, error) {
	ck := "bcors\x00" + bucket
	v, gen, ok := s.cache.get(ck)
	if ok {
		return v.(bucketCORS).result()
	}
	var entry bucketCORS
	raw, err := s.Backend.GetBucketCORS(ctx, bucket)
	switch {
	case errors.Is(err, meta.ErrNoSuchBucket):
		entry.missing = true
	case errors.Is(err, meta.ErrNoSuchCORSConfiguration):
	case err != nil:
		return nil, err
	default:
		if entry.cfg, err = cors.Parse(raw); err != nil {
			return nil, fmt.Errorf("CORS configuration of %s: %w", bucket, err)
		}
	}
	s.cache.put(ck, gen, entry)
	return entry.result()
}

func (b bucketCORS) result() (*cors.Config, error) {
	if b.missing {
		return nil, meta.ErrNoSuchBucket
	}
	return b.cfg, nil
}
