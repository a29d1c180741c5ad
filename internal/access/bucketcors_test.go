package access

import (
	"errors"
	"testing"

	"signet/internal/meta"
)

const corsGET = `<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>`
const corsPUT = `<CORSConfiguration><CORSRule><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://a.example</AllowedOrigin></CORSRule></CORSConfiguration>`

// BucketCORSRules answers from the cache until a write through Store, and
// tells a missing bucket from a bucket without a configuration.
func TestBucketCORSRulesCachedAndInvalidated(t *testing.T) {
	f := newFixture(t)
	s := f.store
	if _, err := s.BucketCORSRules(bg, "b"); !errors.Is(err, meta.ErrNoSuchBucket) {
		t.Fatalf("missing bucket: %v", err)
	}
	if err := s.CreateBucket(bg, meta.Bucket{Name: "b", Region: "us-east-1", Created: t0}); err != nil {
		t.Fatal(err)
	}
	if cfg, err := s.BucketCORSRules(bg, "b"); err != nil || cfg != nil {
		t.Fatalf("bucket without CORS = %v, %v; want nil, nil", cfg, err)
	}
	if err := s.PutBucketCORS(bg, "b", corsGET); err != nil {
		t.Fatal(err)
	}
	cfg, err := s.BucketCORSRules(bg, "b")
	if err != nil || cfg == nil || cfg.Rules[0].AllowedMethods[0] != "GET" {
		t.Fatalf("after Put = %+v, %v", cfg, err)
	}
	// Written behind Store's back, the change is not seen: the answer is
	// the cached one.
	if err := f.engine.PutBucketCORS(bg, "b", corsPUT); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.BucketCORSRules(bg, "b"); again != cfg {
		t.Fatalf("second read did not come from the cache")
	}
	s.Invalidate()
	if cfg, _ = s.BucketCORSRules(bg, "b"); cfg == nil || cfg.Rules[0].AllowedMethods[0] != "PUT" {
		t.Fatalf("after Invalidate = %+v", cfg)
	}
	if err := s.DeleteBucketCORS(bg, "b"); err != nil {
		t.Fatal(err)
	}
	if cfg, err := s.BucketCORSRules(bg, "b"); err != nil || cfg != nil {
		t.Fatalf("after Delete = %+v, %v", cfg, err)
	}
	// A stored document that no longer parses is an internal fault, not
	// a bucket without CORS.
	if err := f.engine.PutBucketCORS(bg, "b", "<CORSConfiguration>"); err != nil {
		t.Fatal(err)
	}
	s.Invalidate()
	if _, err := s.BucketCORSRules(bg, "b"); err == nil || errors.Is(err, meta.ErrNoSuchBucket) {
		t.Fatalf("torn document: %v", err)
	}
}
