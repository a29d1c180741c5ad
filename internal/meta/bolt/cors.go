package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
)

// Bucket CORS configurations, kept as the document the API gives, in the
// bucket policy's record format.

// PutBucketCORS rejects an empty document (ErrInvalidArgument), which
// GetBucketCORS could not tell from a configuration.
func (s *Store) PutBucketCORS(ctx context.Context, bucket, doc string) error {
	if doc == "" {
		return invalid("empty CORS configuration")
	}
	val := encodeBucketPolicy(doc)
	return s.group(ctx, func(tx *bbolt.Tx) error {
		if !bucketExists(tx, bucket) {
			return meta.ErrNoSuchBucket
		}
		return tx.Bucket(bktBucketCORS).Put([]byte(bucket), val)
	})
}

func (s *Store) GetBucketCORS(ctx context.Context, bucket string) (string, error) {
	var doc string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		if !bucketExists(tx, bucket) {
			return meta.ErrNoSuchBucket
		}
		v := tx.Bucket(bktBucketCORS).Get([]byte(bucket))
		if v == nil {
			return meta.ErrNoSuchCORSConfiguration
		}
		var err error
		doc, err = decodeBucketPolicy(v)
		return err
	})
	if err != nil {
		return "", err
	}
	return doc, nil
}

func (s *Store) DeleteBucketCORS(ctx context.Context, bucket string) error {
	return s.group(ctx, func(tx *bbolt.Tx) error {
		if !bucketExists(tx, bucket) {
			return meta.ErrNoSuchBucket
		}
		return tx.Bucket(bktBucketCORS).Delete([]byte(bucket))
	})
}
