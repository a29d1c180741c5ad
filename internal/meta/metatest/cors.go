package metatest

import (
	"context"
	"testing"

	"signet/internal/meta"
)

// testBucketCORS: a bucket's CORS configuration is kept as given, replaced
// by the next, deleted idempotently, and lives and dies with its bucket.
func testBucketCORS(t *testing.T, s meta.Store) {
	ctx := t.Context()
	doc1 := `<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>`
	doc2 := `<CORSConfiguration><CORSRule><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://a.example</AllowedOrigin></CORSRule></CORSConfiguration>`
	runErrCases(t, []errCase{
		{"PutBucketCORS missing bucket", func(ctx context.Context) error { return s.PutBucketCORS(ctx, "b", doc1) }, meta.ErrNoSuchBucket},
		{"GetBucketCORS missing bucket", func(ctx context.Context) error { _, err := s.GetBucketCORS(ctx, "b"); return err }, meta.ErrNoSuchBucket},
		{"DeleteBucketCORS missing bucket", func(ctx context.Context) error { return s.DeleteBucketCORS(ctx, "b") }, meta.ErrNoSuchBucket},
	})
	mkBucket(t, s, "b")
	mkBucket(t, s, "c")
	runErrCases(t, []errCase{
		{"GetBucketCORS none", func(ctx context.Context) error { _, err := s.GetBucketCORS(ctx, "b"); return err }, meta.ErrNoSuchCORSConfiguration},
		{"DeleteBucketCORS none", func(ctx context.Context) error { return s.DeleteBucketCORS(ctx, "b") }, nil},
		{"PutBucketCORS empty", func(ctx context.Context) error { return s.PutBucketCORS(ctx, "b", "") }, meta.ErrInvalidArgument},
		{"PutBucketCORS", func(ctx context.Context) error { return s.PutBucketCORS(ctx, "b", doc1) }, nil},
		{"PutBucketCORS bucket in other case", func(ctx context.Context) error { return s.PutBucketCORS(ctx, "B", doc1) }, meta.ErrNoSuchBucket},
		{"GetBucketCORS of another bucket", func(ctx context.Context) error { _, err := s.GetBucketCORS(ctx, "c"); return err }, meta.ErrNoSuchCORSConfiguration},
	})
	if got, err := s.GetBucketCORS(ctx, "b"); err != nil || got != doc1 {
		t.Errorf("GetBucketCORS = %q, %v", got, err)
	}
	if err := s.PutBucketCORS(ctx, "b", doc2); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetBucketCORS(ctx, "b"); err != nil || got != doc2 {
		t.Errorf("GetBucketCORS after replace = %q, %v", got, err)
	}
	if err := s.DeleteBucketCORS(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetBucketCORS(ctx, "b")
	wantErr(t, "GetBucketCORS after delete", err, meta.ErrNoSuchCORSConfiguration)
	if err := s.DeleteBucketCORS(ctx, "b"); err != nil {
		t.Errorf("DeleteBucketCORS twice: %v", err)
	}

	// The configuration lives and dies with its bucket.
	if err := s.PutBucketCORS(ctx, "b", doc1); err != nil {
		t.Fatal(err)
	}
	put(t, s, object("b", "k", "b0001"))
	_, err = s.DeleteBucket(ctx, "b")
	wantErr(t, "DeleteBucket not empty", err, meta.ErrBucketNotEmpty)
	if got, err := s.GetBucketCORS(ctx, "b"); err != nil || got != doc1 {
		t.Errorf("GetBucketCORS after failed DeleteBucket = %q, %v", got, err)
	}
	del(t, s, "b", "k")
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetBucketCORS(ctx, "b")
	wantErr(t, "GetBucketCORS of a deleted bucket", err, meta.ErrNoSuchBucket)
	mkBucket(t, s, "b")
	_, err = s.GetBucketCORS(ctx, "b")
	wantErr(t, "GetBucketCORS of a re-created bucket", err, meta.ErrNoSuchCORSConfiguration)
}
