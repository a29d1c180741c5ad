package metatest

import (
	"context"
	"testing"

	"signet/internal/meta"
)

// testBucketLifecycle: a bucket's lifecycle configuration is kept as
// given, replaced by the next, deleted idempotently, kept apart from the
// bucket's CORS configuration, and lives and dies with its bucket.
func testBucketLifecycle(t *testing.T, s meta.Store) {
	ctx := t.Context()
	doc1 := `<LifecycleConfiguration><Rule><ID>a</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`
	doc2 := `<LifecycleConfiguration><Rule><ID>b</ID><Filter></Filter><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>`
	get := func(ctx context.Context, b string) error { _, err := s.GetBucketLifecycle(ctx, b); return err }
	runErrCases(t, []errCase{
		{"PutBucketLifecycle missing bucket", func(ctx context.Context) error { return s.PutBucketLifecycle(ctx, "b", doc1) }, meta.ErrNoSuchBucket},
		{"GetBucketLifecycle missing bucket", func(ctx context.Context) error { return get(ctx, "b") }, meta.ErrNoSuchBucket},
		{"DeleteBucketLifecycle missing bucket", func(ctx context.Context) error { return s.DeleteBucketLifecycle(ctx, "b") }, meta.ErrNoSuchBucket},
	})
	mkBucket(t, s, "b")
	mkBucket(t, s, "c")
	runErrCases(t, []errCase{
		{"GetBucketLifecycle none", func(ctx context.Context) error { return get(ctx, "b") }, meta.ErrNoSuchLifecycleConfiguration},
		{"DeleteBucketLifecycle none", func(ctx context.Context) error { return s.DeleteBucketLifecycle(ctx, "b") }, nil},
		{"PutBucketLifecycle empty", func(ctx context.Context) error { return s.PutBucketLifecycle(ctx, "b", "") }, meta.ErrInvalidArgument},
		{"PutBucketLifecycle", func(ctx context.Context) error { return s.PutBucketLifecycle(ctx, "b", doc1) }, nil},
		{"PutBucketLifecycle bucket in other case", func(ctx context.Context) error { return s.PutBucketLifecycle(ctx, "B", doc1) }, meta.ErrNoSuchBucket},
		{"GetBucketLifecycle of another bucket", func(ctx context.Context) error { return get(ctx, "c") }, meta.ErrNoSuchLifecycleConfiguration},
		{"GetBucketCORS beside a lifecycle configuration", func(ctx context.Context) error { _, err := s.GetBucketCORS(ctx, "b"); return err }, meta.ErrNoSuchCORSConfiguration},
	})
	if got, err := s.GetBucketLifecycle(ctx, "b"); err != nil || got != doc1 {
		t.Errorf("GetBucketLifecycle = %q, %v", got, err)
	}
	if err := s.PutBucketLifecycle(ctx, "b", doc2); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetBucketLifecycle(ctx, "b"); err != nil || got != doc2 {
		t.Errorf("GetBucketLifecycle after replace = %q, %v", got, err)
	}
	// Deleting the CORS configuration leaves the lifecycle one.
	if err := s.DeleteBucketCORS(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetBucketLifecycle(ctx, "b"); err != nil || got != doc2 {
		t.Errorf("GetBucketLifecycle after DeleteBucketCORS = %q, %v", got, err)
	}
	if err := s.DeleteBucketLifecycle(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "GetBucketLifecycle after delete", get(ctx, "b"), meta.ErrNoSuchLifecycleConfiguration)
	if err := s.DeleteBucketLifecycle(ctx, "b"); err != nil {
		t.Errorf("DeleteBucketLifecycle twice: %v", err)
	}

	// The configuration lives and dies with its bucket.
	if err := s.PutBucketLifecycle(ctx, "b", doc1); err != nil {
		t.Fatal(err)
	}
	put(t, s, object("b", "k", "b0001"))
	_, err := s.DeleteBucket(ctx, "b")
	wantErr(t, "DeleteBucket not empty", err, meta.ErrBucketNotEmpty)
	if got, err := s.GetBucketLifecycle(ctx, "b"); err != nil || got != doc1 {
		t.Errorf("GetBucketLifecycle after failed DeleteBucket = %q, %v", got, err)
	}
	del(t, s, "b", "k")
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "GetBucketLifecycle of a deleted bucket", get(ctx, "b"), meta.ErrNoSuchBucket)
	mkBucket(t, s, "b")
	wantErr(t, "GetBucketLifecycle of a re-created bucket", get(ctx, "b"), meta.ErrNoSuchLifecycleConfiguration)
}
