package metatest

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"signet/internal/meta"
)

// testBucketAccess: a bucket's Object Ownership, Block Public Access and
// ACL are kept as given by UpdateBucket, which cannot rename or move the
// bucket, aborts on fn's error, and answers ErrNoSuchBucket for a missing
// bucket.
func testBucketAccess(t *testing.T, s meta.Store) {
	ctx := t.Context()
	noop := func(*meta.Bucket) error { return nil }
	runErrCases(t, []errCase{
		{"UpdateBucket missing bucket", func(ctx context.Context) error { return s.UpdateBucket(ctx, "b", noop) }, meta.ErrNoSuchBucket},
		{"UpdateBucket empty name", func(ctx context.Context) error { return s.UpdateBucket(ctx, "", noop) }, meta.ErrNoSuchBucket},
	})
	b := meta.Bucket{Name: "b", Region: "us-east-1", Created: t0, Ownership: meta.OwnershipEnforced}
	if err := s.CreateBucket(ctx, b); err != nil {
		t.Fatal(err)
	}
	mkBucket(t, s, "c")
	acl := &meta.ACL{Grants: []meta.Grant{
		{Type: meta.GranteeCanonicalUser, ID: "0123abcd", Permission: "FULL_CONTROL"},
		{Type: meta.GranteeGroup, URI: "http://acs.amazonaws.com/groups/global/AllUsers", Permission: "READ"},
		{Type: meta.GranteeEmail, Email: "x@example.com", Permission: "WRITE_ACP"},
	}}
	pab := &meta.PublicAccessBlock{BlockPublicAcls: true, RestrictPublicBuckets: true}
	err := s.UpdateBucket(ctx, "b", func(got *meta.Bucket) error {
		if !reflect.DeepEqual(normBucket(*got), b) {
			t.Errorf("UpdateBucket gave fn %+v, want %+v", *got, b)
		}
		got.Ownership = meta.OwnershipWriter
		got.PublicAccessBlock = pab
		got.ACL = acl
		// The bucket's identity is not fn's to change.
		got.Name, got.Region, got.Created = "renamed", "elsewhere", at(5)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := b
	want.Ownership, want.PublicAccessBlock, want.ACL = meta.OwnershipWriter, pab, acl
	checkBucket(t, s, "after UpdateBucket", want)

	stop := errors.New("stop")
	err = s.UpdateBucket(ctx, "b", func(got *meta.Bucket) error {
		got.Ownership, got.PublicAccessBlock, got.ACL = "", nil, nil
		return stop
	})
	wantErr(t, "UpdateBucket aborted", err, stop)
	checkBucket(t, s, "after an aborted UpdateBucket", want)

	// Deleted settings read back as absent, and an empty ACL stays an
	// ACL with no grants, not the default.
	err = s.UpdateBucket(ctx, "b", func(got *meta.Bucket) error {
		got.Ownership, got.PublicAccessBlock, got.ACL = "", nil, &meta.ACL{}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want.Ownership, want.PublicAccessBlock, want.ACL = "", nil, &meta.ACL{}
	checkBucket(t, s, "after clearing", want)
	if got, err := s.GetBucket(ctx, "c"); err != nil || got.ACL != nil || got.PublicAccessBlock != nil {
		t.Errorf("another bucket changed: %+v, %v", got, err)
	}
}

func normBucket(b meta.Bucket) meta.Bucket {
	b.Created = normTime(b.Created)
	if b.ACL != nil && len(b.ACL.Grants) == 0 {
		b.ACL = &meta.ACL{}
	}
	return b
}

func checkBucket(t *testing.T, s meta.Store, what string, want meta.Bucket) {
	t.Helper()
	got, err := s.GetBucket(t.Context(), want.Name)
	if err != nil {
		t.Fatalf("%s: GetBucket: %v", what, err)
	}
	if !reflect.DeepEqual(normBucket(got), normBucket(want)) {
		t.Errorf("%s: GetBucket = %+v, want %+v", what, got, want)
	}
	bs, err := s.ListBuckets(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, lb := range bs {
		if lb.Name == want.Name && !reflect.DeepEqual(normBucket(lb), normBucket(want)) {
			t.Errorf("%s: ListBuckets has %+v, want %+v", what, lb, want)
		}
	}
}

// testObjectACL: SetObjectACL replaces only the ACL, PutObject stores the
// ACL it is given, and a replaced object does not keep the old one.
func testObjectACL(t *testing.T, s meta.Store) {
	ctx := t.Context()
	acl := &meta.ACL{Grants: []meta.Grant{{Type: meta.GranteeGroup, URI: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", Permission: "READ"}}}
	runErrCases(t, []errCase{
		{"SetObjectACL missing bucket", func(ctx context.Context) error { return s.SetObjectACL(ctx, "b", "k", acl) }, meta.ErrNoSuchBucket},
	})
	mkBucket(t, s, "b")
	runErrCases(t, []errCase{
		{"SetObjectACL missing key", func(ctx context.Context) error { return s.SetObjectACL(ctx, "b", "k", acl) }, meta.ErrNoSuchKey},
		{"SetObjectACL empty key", func(ctx context.Context) error { return s.SetObjectACL(ctx, "b", "", acl) }, meta.ErrNoSuchKey},
	})
	o := object("b", "k", "b0001")
	put(t, s, o)
	if got, err := s.GetObject(ctx, "b", "k"); err != nil || got.ACL != nil {
		t.Fatalf("a new object's ACL = %+v, %v; want the default (nil)", got.ACL, err)
	}
	if err := s.SetObjectACL(ctx, "b", "k", acl); err != nil {
		t.Fatal(err)
	}
	want := o
	want.ACL = acl
	got, err := s.GetObject(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	checkObject(t, got, want)
	// The blobs are untouched: deleting the object frees exactly them.
	if err := s.SetObjectACL(ctx, "b", "k", nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetObject(ctx, "b", "k"); got.ACL != nil {
		t.Errorf("ACL after SetObjectACL(nil) = %+v", got.ACL)
	}

	withACL := object("b", "j", "b0002")
	withACL.ACL = acl
	put(t, s, withACL)
	if got, _ := s.GetObject(ctx, "b", "j"); !reflect.DeepEqual(got.ACL, acl) {
		t.Errorf("PutObject's ACL = %+v, want %+v", got.ACL, acl)
	}
	put(t, s, object("b", "j", "b0003"))
	if got, _ := s.GetObject(ctx, "b", "j"); got.ACL != nil {
		t.Errorf("a replacing PutObject kept the old ACL: %+v", got.ACL)
	}
	checkBlobs(t, "delete after SetObjectACL", del(t, s, "b", "k"), ids("b0001"))

	// An upload keeps the ACL its object will get.
	u := meta.Upload{Bucket: "b", Key: "mp", ID: "up-acl", Initiated: t0, ACL: acl}
	if err := s.CreateUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetUpload(ctx, "b", "mp", "up-acl"); err != nil || !reflect.DeepEqual(got.ACL, acl) {
		t.Errorf("GetUpload's ACL = %+v, %v; want %+v", got.ACL, err, acl)
	}
	if _, err := s.AbortUpload(ctx, "b", "mp", "up-acl"); err != nil {
		t.Fatal(err)
	}
}
