package bolt

import (
	"context"

	"signet/internal/meta"
)

// Bucket CORS configurations, kept as the document the API gives, in the
// bucket policy's record format.

// PutBucketCORS rejects an empty document (ErrInvalidArgument), which
// GetBucketCORS could not tell from a configuration.
func (s *Store) PutBucketCORS(ctx context.Context, bucket, doc string) error {
	return s.putBucketDoc(ctx, bktBucketCORS, bucket, doc, "empty CORS configuration")
}

func (s *Store) GetBucketCORS(ctx context.Context, bucket string) (string, error) {
	return s.getBucketDoc(ctx, bktBucketCORS, bucket, meta.ErrNoSuchCORSConfiguration)
}

func (s *Store) DeleteBucketCORS(ctx context.Context, bucket string) error {
	return s.deleteBucketDoc(ctx, bktBucketCORS, bucket)
}
