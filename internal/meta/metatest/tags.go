package metatest

import (
	"context"
	"reflect"
	"testing"

	"signet/internal/meta"
)

// Tag sets used by the tag tests: order is part of the value, and keys
// and values may hold any Unicode (and an empty value).
var (
	tagsA = []meta.Tag{{Key: "zeta", Value: "1"}, {Key: "alpha", Value: ""}, {Key: "projet é", Value: "x/y=z"}}
	tagsB = []meta.Tag{{Key: "only", Value: "one"}}
)

func sameTags(a, b []meta.Tag) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// testBucketTags: a bucket's tag set is replaced whole, removed by an
// empty one, and lives and dies with its bucket.
func testBucketTags(t *testing.T, s meta.Store) {
	ctx := t.Context()
	runErrCases(t, []errCase{
		{"PutBucketTags missing bucket", func(ctx context.Context) error { return s.PutBucketTags(ctx, "b", tagsA) }, meta.ErrNoSuchBucket},
		{"PutBucketTags empty name", func(ctx context.Context) error { return s.PutBucketTags(ctx, "", tagsA) }, meta.ErrNoSuchBucket},
	})
	mkBucket(t, s, "b")
	mkBucket(t, s, "c")
	check := func(what, bucket string, want []meta.Tag) {
		t.Helper()
		b, err := s.GetBucket(ctx, bucket)
		if err != nil {
			t.Fatalf("%s: GetBucket: %v", what, err)
		}
		if !sameTags(b.Tags, want) {
			t.Errorf("%s: tags %+v, want %+v", what, b.Tags, want)
		}
		if b.Region != "us-east-1" || !b.Created.Equal(t0) {
			t.Errorf("%s: the rest of the record changed: %+v", what, b)
		}
	}
	check("new bucket", "b", nil)
	if err := s.PutBucketTags(ctx, "b", tagsA); err != nil {
		t.Fatal(err)
	}
	check("after put", "b", tagsA)
	check("other bucket", "c", nil)
	bs, err := s.ListBuckets(ctx)
	if err != nil || len(bs) != 2 || !sameTags(bs[0].Tags, tagsA) {
		t.Errorf("ListBuckets = %+v, %v; want b with its tags", bs, err)
	}
	if err := s.PutBucketTags(ctx, "b", tagsB); err != nil {
		t.Fatal(err)
	}
	check("after replace", "b", tagsB)
	if err := s.PutBucketTags(ctx, "b", nil); err != nil {
		t.Fatal(err)
	}
	check("after removal", "b", nil)

	if err := s.PutBucketTags(ctx, "b", tagsA); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	mkBucket(t, s, "b")
	check("re-created bucket", "b", nil)
}

// testObjectTags: PutObjectTags changes the tag set and nothing else; a
// PutObject replaces the tags with its own; tags go with the object.
func testObjectTags(t *testing.T, s meta.Store) {
	ctx := t.Context()
	runErrCases(t, []errCase{
		{"PutObjectTags missing bucket", func(ctx context.Context) error { return s.PutObjectTags(ctx, "b", "k", tagsA) }, meta.ErrNoSuchBucket},
	})
	mkBucket(t, s, "b")
	runErrCases(t, []errCase{
		{"PutObjectTags missing key", func(ctx context.Context) error { return s.PutObjectTags(ctx, "b", "k", tagsA) }, meta.ErrNoSuchKey},
		{"PutObjectTags empty key", func(ctx context.Context) error { return s.PutObjectTags(ctx, "b", "", tagsA) }, meta.ErrNoSuchKey},
	})
	o := object("b", "k", "b0001", "b0002")
	o.Tags = tagsA
	put(t, s, o)
	got, err := s.GetObject(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	checkObject(t, got, o)

	if err := s.PutObjectTags(ctx, "b", "k", tagsB); err != nil {
		t.Fatal(err)
	}
	want := o
	want.Tags = tagsB
	got, err = s.GetObject(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	checkObject(t, got, want)
	// The blobs are still referenced exactly once: replacing the tags
	// neither freed nor duplicated them.
	checkBlobs(t, "WalkBlobs after PutObjectTags", walk(t, s), ids("b0001", "b0002"))
	page, err := s.ListObjects(ctx, "b", meta.ListQuery{MaxKeys: 10})
	if err != nil || len(page.Objects) != 1 || !sameTags(page.Objects[0].Tags, tagsB) {
		t.Errorf("ListObjects = %+v, %v; want k with tags %+v", page.Objects, err, tagsB)
	}

	if err := s.PutObjectTags(ctx, "b", "k", nil); err != nil {
		t.Fatal(err)
	}
	want.Tags = nil
	got, _ = s.GetObject(ctx, "b", "k")
	checkObject(t, got, want)

	// A new PutObject brings its own tags (here none): tags are the
	// record's, not the key's.
	if err := s.PutObjectTags(ctx, "b", "k", tagsA); err != nil {
		t.Fatal(err)
	}
	freed := put(t, s, object("b", "k", "b0003"))
	checkBlobs(t, "replace tagged object", freed, ids("b0001", "b0002"))
	got, _ = s.GetObject(ctx, "b", "k")
	if len(got.Tags) != 0 {
		t.Errorf("tags after the object was replaced: %+v", got.Tags)
	}
	del(t, s, "b", "k")
	err = s.PutObjectTags(ctx, "b", "k", tagsA)
	wantErr(t, "PutObjectTags of a deleted object", err, meta.ErrNoSuchKey)
}

// testUploadTags: an upload keeps the tags it was created with, for the
// build function to give the object.
func testUploadTags(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	u := meta.Upload{Bucket: "b", Key: "k", ID: "up1", Initiated: t0, Tags: tagsA}
	if err := s.CreateUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetUpload(ctx, "b", "k", "up1")
	if err != nil {
		t.Fatal(err)
	}
	if !sameTags(got.Tags, tagsA) {
		t.Errorf("GetUpload tags %+v, want %+v", got.Tags, tagsA)
	}
	mustPart(t, s, "b", "k", "up1", 1, "b0001")
	obj, _, err := s.CompleteUpload(ctx, "b", "k", "up1", func(u meta.Upload, parts map[int]meta.Part) (meta.Object, error) {
		o, err := buildAll(u, parts)
		o.Tags = u.Tags
		return o, err
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.GetObject(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	if !sameTags(stored.Tags, tagsA) || !sameTags(obj.Tags, tagsA) {
		t.Errorf("completed object tags %+v (returned %+v), want %+v", stored.Tags, obj.Tags, tagsA)
	}
}
