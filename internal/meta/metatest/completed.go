package metatest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"signet/internal/meta"
	"signet/internal/storage"
)

func normCompleted(c meta.CompletedUpload) meta.CompletedUpload {
	c.BucketCreated, c.Completed = normTime(c.BucketCreated), normTime(c.Completed)
	c.Checksums = normMap(c.Checksums)
	return c
}

// completeWith completes upload id of bucket/key from all its parts as an
// object of LastModified when, with a CRC32C checksum.
func completeWith(t *testing.T, s meta.Store, bucket, key, id string, when time.Time) meta.Object {
	t.Helper()
	obj, _, err := s.CompleteUpload(t.Context(), bucket, key, id, func(u meta.Upload, parts map[int]meta.Part) (meta.Object, error) {
		o, err := buildAll(u, parts)
		o.LastModified = when
		o.Checksums = map[string]string{"CRC32C": "AAAAAA==-2"}
		return o, err
	}, nil)
	if err != nil {
		t.Fatalf("CompleteUpload(%q): %v", id, err)
	}
	return obj
}

func testCompletedUpload(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	mkBucket(t, s, "c")
	mustUpload(t, s, "b", "k", "up1", t0)
	mustPart(t, s, "b", "k", "up1", 1, "b0001")
	mustPart(t, s, "b", "k", "up1", 2, "b0002")

	// An upload in progress has not completed.
	_, err := s.GetCompletedUpload(ctx, "b", "k", "up1")
	wantErr(t, "GetCompletedUpload of an open upload", err, meta.ErrNoSuchUpload)
	// A failed completion leaves no record.
	_, _, err = s.CompleteUpload(ctx, "b", "k", "up1", func(u meta.Upload, parts map[int]meta.Part) (meta.Object, error) {
		return buildFrom(u, parts, []int{1, 9})
	}, nil)
	wantErr(t, "failed complete", err, errBuild)
	_, err = s.GetCompletedUpload(ctx, "b", "k", "up1")
	wantErr(t, "GetCompletedUpload after a failed complete", err, meta.ErrNoSuchUpload)

	obj := completeWith(t, s, "b", "k", "up1", at(50))
	got, err := s.GetCompletedUpload(ctx, "b", "k", "up1")
	if err != nil {
		t.Fatal(err)
	}
	want := meta.CompletedUpload{
		Bucket: "b", Key: "k", ID: "up1", BucketCreated: t0, Completed: at(50),
		ETag: obj.ETag, Size: 300, Checksums: map[string]string{"CRC32C": "AAAAAA==-2"}, ChecksumType: "COMPOSITE",
	}
	if !reflect.DeepEqual(normCompleted(got), normCompleted(want)) {
		t.Errorf("GetCompletedUpload = %+v, want %+v", got, want)
	}
	// The upload itself is gone, as before.
	_, err = s.GetUpload(ctx, "b", "k", "up1")
	wantErr(t, "GetUpload after complete", err, meta.ErrNoSuchUpload)

	for _, c := range []struct {
		what, bucket, key, id string
		want                  error
	}{
		{"another key", "b", "k2", "up1", meta.ErrNoSuchUpload},
		{"another bucket", "c", "k", "up1", meta.ErrNoSuchUpload},
		{"a missing bucket", "nope", "k", "up1", meta.ErrNoSuchBucket},
		{"an unknown ID", "b", "k", "up9", meta.ErrNoSuchUpload},
		{"an empty ID", "b", "k", "", meta.ErrNoSuchUpload},
	} {
		_, err := s.GetCompletedUpload(ctx, c.bucket, c.key, c.id)
		wantErr(t, "GetCompletedUpload of "+c.what, err, c.want)
	}

	// The record outlives the object it made: a retry is answered as the
	// completion was, whatever happened to the key since.
	del(t, s, "b", "k")
	if _, err := s.GetCompletedUpload(ctx, "b", "k", "up1"); err != nil {
		t.Errorf("GetCompletedUpload after the object's deletion: %v", err)
	}
	// A bucket deleted and created again is another bucket.
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx, meta.Bucket{Name: "b", Region: "us-east-1", Created: at(60)}); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetCompletedUpload(ctx, "b", "k", "up1")
	wantErr(t, "GetCompletedUpload in a bucket created again", err, meta.ErrNoSuchUpload)
}

// testCompletedUploadPruned: records older than CompletedUploadRetention
// before a later completion are pruned by it; younger ones stay.
func testCompletedUploadPruned(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	for i, id := range []string{"old1", "old2", "young"} {
		mustUpload(t, s, "b", "k", id, t0)
		mustPart(t, s, "b", "k", id, 1, storage.BlobID(fmt.Sprintf("b%04d", i)))
	}
	completeWith(t, s, "b", "k", "old1", at(10))
	completeWith(t, s, "b", "k", "old2", at(20))
	completeWith(t, s, "b", "k", "young", at(40))
	// Completed 10s after old2's retention ends and 10s before young's.
	mustUpload(t, s, "b", "k", "late", t0)
	mustPart(t, s, "b", "k", "late", 1, "b0100")
	completeWith(t, s, "b", "k", "late", at(30).Add(meta.CompletedUploadRetention))
	for id, want := range map[string]error{"old1": meta.ErrNoSuchUpload, "old2": meta.ErrNoSuchUpload, "young": nil, "late": nil} {
		_, err := s.GetCompletedUpload(ctx, "b", "k", id)
		wantErr(t, "GetCompletedUpload("+id+") after pruning", err, want)
	}
}
