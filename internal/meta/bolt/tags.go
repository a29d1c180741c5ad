package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
)

// Tag sets live in the bucket's and the object's own records, so a tag
// set is read with the record it belongs to and goes with it (an object
// replaced or deleted takes its tags along).

func (s *Store) PutBucketTags(ctx context.Context, bucket string, tags []meta.Tag) error {
	return s.group(ctx, func(tx *bbolt.Tx) error {
		bb := tx.Bucket(bktBuckets)
		v := bb.Get([]byte(bucket))
		if v == nil || bucket == "" {
			return meta.ErrNoSuchBucket
		}
		b, err := decodeBucket(bucket, v)
		if err != nil {
			return err
		}
		b.Tags = tags
		return bb.Put([]byte(bucket), encodeBucket(&b))
	})
}

func (s *Store) PutObjectTags(ctx context.Context, bucket, key string, tags []meta.Tag) error {
	return s.group(ctx, func(tx *bbolt.Tx) error {
		return rewriteCurrent(tx, bucket, key, func(o *meta.Object) { o.Tags = tags })
	})
}

func (s *Store) PutObjectVersionTags(ctx context.Context, bucket, key, versionID string, tags []meta.Tag) error {
	return s.group(ctx, func(tx *bbolt.Tx) error {
		return rewriteVersion(tx, bucket, key, versionID, func(o *meta.Object) { o.Tags = tags })
	})
}
