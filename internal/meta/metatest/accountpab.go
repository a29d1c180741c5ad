package metatest

import (
	"errors"
	"reflect"
	"testing"

	"signet/internal/meta"
)

// testAccountPublicAccessBlock: the account's Block Public Access
// configuration reads as none until put, keeps each of the four settings
// as given (all off is a configuration, not none), the last put wins,
// delete removes it (twice is not an error), it is independent of every
// bucket (deleting a bucket leaves it, and a bucket's own setting does
// not show through), and a closed store answers ErrClosed.
func testAccountPublicAccessBlock(t *testing.T, s meta.Store) {
	ctx := t.Context()
	read := func(want *meta.PublicAccessBlock) {
		t.Helper()
		got, err := s.AccountPublicAccessBlock(ctx)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("AccountPublicAccessBlock = %+v, %v; want %+v", got, err, want)
		}
	}
	read(nil)
	mkBucket(t, s, "b")
	if err := s.UpdateBucket(ctx, "b", func(b *meta.Bucket) error {
		b.PublicAccessBlock = &meta.PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	read(nil)
	steps := []meta.PublicAccessBlock{
		{},
		{BlockPublicAcls: true},
		{IgnorePublicAcls: true},
		{BlockPublicPolicy: true},
		{RestrictPublicBuckets: true},
		{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true},
		{IgnorePublicAcls: true, RestrictPublicBuckets: true},
	}
	for _, p := range steps {
		if err := s.PutAccountPublicAccessBlock(ctx, p); err != nil {
			t.Fatalf("PutAccountPublicAccessBlock(%+v): %v", p, err)
		}
		read(&p)
	}
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	read(&steps[len(steps)-1])
	for range 2 {
		if err := s.DeleteAccountPublicAccessBlock(ctx); err != nil {
			t.Fatalf("DeleteAccountPublicAccessBlock: %v", err)
		}
		read(nil)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AccountPublicAccessBlock(ctx); !errors.Is(err, meta.ErrClosed) {
		t.Fatalf("AccountPublicAccessBlock after Close = %v, want ErrClosed", err)
	}
	if err := s.PutAccountPublicAccessBlock(ctx, meta.PublicAccessBlock{}); !errors.Is(err, meta.ErrClosed) {
		t.Fatalf("PutAccountPublicAccessBlock after Close = %v, want ErrClosed", err)
	}
	if err := s.DeleteAccountPublicAccessBlock(ctx); !errors.Is(err, meta.ErrClosed) {
		t.Fatalf("DeleteAccountPublicAccessBlock after Close = %v, want ErrClosed", err)
	}
}
