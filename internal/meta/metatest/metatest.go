// Package metatest is the conformance suite every meta.Store engine runs,
// in the manner of testing/fstest: an engine's test calls Run with a
// constructor for empty stores.
//
// Conventions the suite relies on, beyond meta.go's comments:
//   - times round-trip to the microsecond (the suite only stores whole
//     microseconds, PostgreSQL's precision) and are compared with Equal;
//   - nil and empty maps and slices are the same thing;
//   - keys are 1..1024 bytes, anything else is ErrInvalidArgument, as is a
//     negative MaxKeys, MaxUploads or part-list max, an empty upload ID and
//     an empty blob ID;
//   - uploads with equal key and initiation time are ordered by ID;
//   - "blobs no longer referenced" is exact: a blob two records share
//     (a copy reusing segments) is returned only with its last reference;
//   - WalkBlobs may report a blob more than once but reports exactly the
//     referenced set;
//   - Close may be called more than once; other calls after it fail with
//     ErrClosed.
//
// A store that also implements meta.Identities runs the identity tests
// (identity.go) under "Identities"; for one that does not, they skip. The
// same holds for meta.DevClockStore and "DevClock" (devclock.go). Every
// engine must implement meta.URLRevocationStore: "URLRevocations"
// (revocations.go) fails for one that does not, and so must
// meta.ConsoleLinkStore: "ConsoleLinks" (consolelinks.go).
package metatest

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/meta"
	"signet/internal/storage"
)

// Run runs the suite. newStore must return a new, empty store and arrange
// (with t.Cleanup) for it to be closed and removed.
func Run(t *testing.T, newStore func(t *testing.T) meta.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s meta.Store)
	}{
		{"Buckets", testBuckets},
		{"DeleteBucket", testDeleteBucket},
		{"BucketCORS", testBucketCORS},
		{"BucketLifecycle", testBucketLifecycle},
		{"BucketTags", testBucketTags},
		{"ObjectTags", testObjectTags},
		{"UploadTags", testUploadTags},
		{"UploadSSECustomer", testUploadSSECustomer},
		{"BucketAccess", testBucketAccess},
		{"AccountPublicAccessBlock", testAccountPublicAccessBlock},
		{"ObjectACL", testObjectACL},
		{"Objects", testObjects},
		{"ObjectNoSuchBucket", testObjectNoSuchBucket},
		{"OddKeys", testOddKeys},
		{"InvalidArguments", testInvalidArguments},
		{"Precondition", testPrecondition},
		{"PreconditionAtomic", testPreconditionAtomic},
		{"BlobsOnReplaceAndDelete", testBlobsReplaceDelete},
		{"SharedBlobs", testSharedBlobs},
		{"ListObjects", testListObjects},
		{"ListObjectsModel", testListObjectsModel},
		{"ListObjectsPaging", testListObjectsPaging},
		{"UploadLifecycle", testUploadLifecycle},
		{"UploadNoSuch", testUploadNoSuch},
		{"Parts", testParts},
		{"CompleteUpload", testCompleteUpload},
		{"CompleteUploadFailures", testCompleteUploadFailures},
		{"CompletedUpload", testCompletedUpload},
		{"CompletedUploadPruned", testCompletedUploadPruned},
		{"CompletedUploadVersioned", testCompletedUploadVersioned},
		{"AbortUpload", testAbortUpload},
		{"ListUploads", testListUploads},
		{"ListUploadsModel", testListUploadsModel},
		{"WalkBlobs", testWalkBlobs},
		{"VersioningState", testVersioningState},
		{"VersionsNeverVersioned", testVersionsNeverVersioned},
		{"VersionedWrites", testVersionedWrites},
		{"DeleteMarkers", testDeleteMarkers},
		{"SuspendedNullVersion", testSuspendedNullVersion},
		{"ListVersionsModel", testListVersionsModel},
		{"SlashListingModel", testSlashListingModel},
		{"VersionsConcurrentPuts", testVersionsConcurrentPuts},
		{"VersionedTagsAndACL", testVersionedTagsAndACL},
		{"VersionTagsAndACL", testVersionTagsAndACL},
		{"Concurrency", testConcurrency},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
	t.Run("Identities", func(t *testing.T) { runIdentities(t, newStore) })
	t.Run("DevClock", func(t *testing.T) { runDevClock(t, newStore) })
	t.Run("URLRevocations", func(t *testing.T) { runURLRevocations(t, newStore) })
	t.Run("ConsoleLinks", func(t *testing.T) { runConsoleLinks(t, newStore) })
}

// Fixtures.

// t0 is a fixed time at microsecond precision; fixtures offset it.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func mkBucket(t *testing.T, s meta.Store, name string) {
	t.Helper()
	if err := s.CreateBucket(t.Context(), meta.Bucket{Name: name, Region: "us-east-1", Created: t0}); err != nil {
		t.Fatalf("CreateBucket(%q): %v", name, err)
	}
}

// object makes an object with one segment per blob and a full set of
// attributes, so round trips exercise every field.
func object(bucket, key string, blobs ...storage.BlobID) meta.Object {
	o := meta.Object{
		Bucket:       bucket,
		Key:          key,
		ETag:         "9e107d9d372bb6826bd81d3542a419d6",
		LastModified: at(len(key)),
		Attrs: meta.Attrs{
			ContentType:        "text/plain; charset=utf-8",
			ContentEncoding:    "gzip",
			ContentDisposition: `attachment; filename="a b.txt"`,
			ContentLanguage:    "fr",
			CacheControl:       "max-age=60",
			Expires:            "Thu, 01 Dec 1994 16:00:00 GMT",
			StorageClass:       "STANDARD",
			UserMeta:           map[string]string{"color": "blue", "empty": "", "ünï": "\x00v"},
		},
		Checksums:            map[string]string{"CRC32": "AAAAAA=="},
		ChecksumType:         "FULL_OBJECT",
		ServerSideEncryption: "AES256",
	}
	for i, b := range blobs {
		seg := meta.Segment{Blob: b, Size: int64(10 + i)}
		if len(blobs) > 1 {
			seg.ETag = fmt.Sprintf("%032x", i)
			seg.Checksums = map[string]string{"SHA256": "x" + string(b)}
			o.PartsCount = len(blobs)
		}
		o.Segments = append(o.Segments, seg)
		o.Size += seg.Size
	}
	return o
}

func put(t *testing.T, s meta.Store, o meta.Object) []storage.BlobID {
	t.Helper()
	freed, err := s.PutObject(t.Context(), o, nil)
	if err != nil {
		t.Fatalf("PutObject(%q, %q): %v", o.Bucket, o.Key, err)
	}
	return freed
}

func del(t *testing.T, s meta.Store, bucket, key string) []storage.BlobID {
	t.Helper()
	freed, err := s.DeleteObject(t.Context(), bucket, key)
	if err != nil {
		t.Fatalf("DeleteObject(%q, %q): %v", bucket, key, err)
	}
	return freed
}

func ids(s ...string) []storage.BlobID {
	out := make([]storage.BlobID, len(s))
	for i, v := range s {
		out[i] = storage.BlobID(v)
	}
	return out
}

// checkBlobs compares blob lists as sets, and fails on duplicates in got:
// a caller would delete the same blob twice.
func checkBlobs(t *testing.T, what string, got, want []storage.BlobID) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s: blobs %q, want %q", what, g, w)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

// normTime drops location and monotonic reading so equal instants compare
// equal with reflect.DeepEqual.
func normTime(tm time.Time) time.Time { return time.Unix(tm.Unix(), int64(tm.Nanosecond())).UTC() }

func normMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func normObject(o meta.Object) meta.Object {
	o.LastModified = normTime(o.LastModified)
	o.Attrs.UserMeta = normMap(o.Attrs.UserMeta)
	o.Checksums = normMap(o.Checksums)
	if len(o.Tags) == 0 {
		o.Tags = nil
	}
	if len(o.Segments) == 0 {
		o.Segments = nil
	}
	o.Segments = slices.Clone(o.Segments)
	for i := range o.Segments {
		o.Segments[i].Checksums = normMap(o.Segments[i].Checksums)
	}
	return o
}

func checkObject(t *testing.T, got, want meta.Object) {
	t.Helper()
	if g, w := normObject(got), normObject(want); !reflect.DeepEqual(g, w) {
		t.Errorf("object %q:\n got %+v\nwant %+v", want.Key, g, w)
	}
}

func normUpload(u meta.Upload) meta.Upload {
	u.Initiated = normTime(u.Initiated)
	u.Attrs.UserMeta = normMap(u.Attrs.UserMeta)
	if len(u.Tags) == 0 {
		u.Tags = nil
	}
	return u
}

func normPart(p meta.Part) meta.Part {
	p.LastModified = normTime(p.LastModified)
	p.Checksums = normMap(p.Checksums)
	return p
}

// walk collects WalkBlobs as a set.
func walk(t *testing.T, s meta.Store) []storage.BlobID {
	t.Helper()
	seen := map[storage.BlobID]bool{}
	if err := s.WalkBlobs(t.Context(), func(id storage.BlobID) error {
		seen[id] = true
		return nil
	}); err != nil {
		t.Fatalf("WalkBlobs: %v", err)
	}
	return slices.Sorted(maps.Keys(seen))
}

// Buckets.

func testBuckets(t *testing.T, s meta.Store) {
	ctx := t.Context()
	if bs, err := s.ListBuckets(ctx); err != nil || len(bs) != 0 {
		t.Fatalf("ListBuckets on empty store = %v, %v", bs, err)
	}
	_, err := s.GetBucket(ctx, "nope")
	wantErr(t, "GetBucket missing", err, meta.ErrNoSuchBucket)

	names := []string{"zeta", "alpha", "mid-1", "mid.0", "alpha2"}
	for i, n := range names {
		b := meta.Bucket{Name: n, Region: fmt.Sprintf("region-%d", i), Created: at(i)}
		if err := s.CreateBucket(ctx, b); err != nil {
			t.Fatalf("CreateBucket(%q): %v", n, err)
		}
		got, err := s.GetBucket(ctx, n)
		if err != nil {
			t.Fatalf("GetBucket(%q): %v", n, err)
		}
		got.Created = normTime(got.Created)
		if !reflect.DeepEqual(got, b) {
			t.Errorf("GetBucket(%q) = %+v, want %+v", n, got, b)
		}
	}
	err = s.CreateBucket(ctx, meta.Bucket{Name: "alpha", Region: "other", Created: at(99)})
	wantErr(t, "CreateBucket twice", err, meta.ErrBucketExists)
	if got, _ := s.GetBucket(ctx, "alpha"); got.Region != "region-1" {
		t.Errorf("failed CreateBucket changed the bucket: %+v", got)
	}

	bs, err := s.ListBuckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bs {
		got = append(got, b.Name)
	}
	want := slices.Sorted(slices.Values(names))
	if !slices.Equal(got, want) {
		t.Errorf("ListBuckets = %q, want %q", got, want)
	}
}

func testDeleteBucket(t *testing.T, s meta.Store) {
	ctx := t.Context()
	_, err := s.DeleteBucket(ctx, "nope")
	wantErr(t, "DeleteBucket missing", err, meta.ErrNoSuchBucket)

	mkBucket(t, s, "b")
	put(t, s, object("b", "k", "b0001"))
	mustUpload(t, s, "b", "u", "up1", at(0))
	mustPart(t, s, "b", "u", "up1", 1, "b0002")

	freed, err := s.DeleteBucket(ctx, "b")
	wantErr(t, "DeleteBucket with an object", err, meta.ErrBucketNotEmpty)
	checkBlobs(t, "failed DeleteBucket", freed, nil)
	// The failed delete must not have dropped the upload.
	if _, err := s.GetUpload(ctx, "b", "u", "up1"); err != nil {
		t.Errorf("GetUpload after failed DeleteBucket: %v", err)
	}

	checkBlobs(t, "delete last object", del(t, s, "b", "k"), ids("b0001"))
	freed, err = s.DeleteBucket(ctx, "b")
	if err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	checkBlobs(t, "DeleteBucket drops uploads", freed, ids("b0002"))
	_, err = s.GetBucket(ctx, "b")
	wantErr(t, "GetBucket after delete", err, meta.ErrNoSuchBucket)
	_, err = s.GetUpload(ctx, "b", "u", "up1")
	wantErr(t, "GetUpload after DeleteBucket", err, meta.ErrNoSuchBucket)
	if bs, _ := s.ListBuckets(ctx); len(bs) != 0 {
		t.Errorf("ListBuckets after delete = %v", bs)
	}
	checkBlobs(t, "WalkBlobs after DeleteBucket", walk(t, s), nil)

	// A bucket made again under the same name starts empty.
	mkBucket(t, s, "b")
	if _, err := s.GetUpload(ctx, "b", "u", "up1"); !errors.Is(err, meta.ErrNoSuchUpload) {
		t.Errorf("old upload visible in re-created bucket: %v", err)
	}
	if p, err := s.ListUploads(ctx, "b", meta.UploadQuery{MaxUploads: 10}); err != nil || len(p.Uploads) != 0 {
		t.Errorf("ListUploads in re-created bucket = %+v, %v", p, err)
	}
	if p, err := s.ListObjects(ctx, "b", meta.ListQuery{MaxKeys: 10}); err != nil || len(p.Objects) != 0 {
		t.Errorf("ListObjects in re-created bucket = %+v, %v", p, err)
	}
}

// Objects.

func testObjects(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	mkBucket(t, s, "other")
	_, err := s.GetObject(ctx, "b", "k")
	wantErr(t, "GetObject missing", err, meta.ErrNoSuchKey)

	o := object("b", "dir/k.txt", "b0001")
	checkBlobs(t, "first put", put(t, s, o), nil)
	got, err := s.GetObject(ctx, "b", "dir/k.txt")
	if err != nil {
		t.Fatal(err)
	}
	checkObject(t, got, o)

	// A multipart-shaped object keeps every segment in order.
	m := object("b", "multi", "b0003", "b0002", "b0004")
	m.ETag = "0123456789abcdef0123456789abcdef-3"
	m.ChecksumType = "COMPOSITE"
	put(t, s, m)
	got, err = s.GetObject(ctx, "b", "multi")
	if err != nil {
		t.Fatal(err)
	}
	checkObject(t, got, m)

	// Minimal record: no attributes, maps or segments (a zero-byte object).
	z := meta.Object{Bucket: "b", Key: "empty", LastModified: at(1)}
	put(t, s, z)
	got, err = s.GetObject(ctx, "b", "empty")
	if err != nil {
		t.Fatal(err)
	}
	checkObject(t, got, z)

	// Buckets are separate namespaces.
	_, err = s.GetObject(ctx, "other", "dir/k.txt")
	wantErr(t, "GetObject in another bucket", err, meta.ErrNoSuchKey)

	// A returned record is the caller's: changing it changes nothing
	// stored.
	got, _ = s.GetObject(ctx, "b", "dir/k.txt")
	got.Attrs.UserMeta["color"] = "red"
	got.Checksums["CRC32"] = "changed"
	got.Segments[0].Size = 999
	again, _ := s.GetObject(ctx, "b", "dir/k.txt")
	checkObject(t, again, o)

	// Replace.
	o2 := object("b", "dir/k.txt", "b0005")
	o2.ETag = "other"
	o2.Attrs = meta.Attrs{ContentType: "application/json"}
	checkBlobs(t, "replace", put(t, s, o2), ids("b0001"))
	got, _ = s.GetObject(ctx, "b", "dir/k.txt")
	checkObject(t, got, o2)

	checkBlobs(t, "delete", del(t, s, "b", "dir/k.txt"), ids("b0005"))
	_, err = s.GetObject(ctx, "b", "dir/k.txt")
	wantErr(t, "GetObject after delete", err, meta.ErrNoSuchKey)
	checkBlobs(t, "delete missing key", del(t, s, "b", "dir/k.txt"), nil)
	checkBlobs(t, "delete never-existing key", del(t, s, "b", "never"), nil)
}

func testObjectNoSuchBucket(t *testing.T, s meta.Store) {
	ctx := t.Context()
	_, err := s.PutObject(ctx, object("nope", "k", "b0001"), nil)
	wantErr(t, "PutObject", err, meta.ErrNoSuchBucket)
	_, err = s.GetObject(ctx, "nope", "k")
	wantErr(t, "GetObject", err, meta.ErrNoSuchBucket)
	_, err = s.DeleteObject(ctx, "nope", "k")
	wantErr(t, "DeleteObject", err, meta.ErrNoSuchBucket)
	_, err = s.ListObjects(ctx, "nope", meta.ListQuery{MaxKeys: 10})
	wantErr(t, "ListObjects", err, meta.ErrNoSuchBucket)
	_, err = s.ListObjects(ctx, "nope", meta.ListQuery{})
	wantErr(t, "ListObjects MaxKeys 0", err, meta.ErrNoSuchBucket)
	checkBlobs(t, "WalkBlobs", walk(t, s), nil)
}

// oddKeys are keys that break naive stores: path tricks, NUL, invalid
// UTF-8, the longest key.
var oddKeys = []string{
	"../etc/passwd", "..", ".", "a/../b", "a/./b", "//", "/lead", "a//b", "trail/",
	"a\x00b", "\x00", "a\x00", "\xff\xfe\xfd", "bad\xc3(utf8", "日本/語.txt", "🙂",
	" space ", "%2F%00", "a\\b", "\n\r\t", strings.Repeat("k", 1024),
	strings.Repeat("\xff", 1024), strings.Repeat("/", 1024),
}

func testOddKeys(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	want := map[string]meta.Object{}
	for i, k := range oddKeys {
		o := object("b", k, storage.BlobID(fmt.Sprintf("b%04d", i)))
		put(t, s, o)
		want[k] = o
	}
	for _, k := range oddKeys {
		got, err := s.GetObject(ctx, "b", k)
		if err != nil {
			t.Errorf("GetObject(%q): %v", k, err)
			continue
		}
		if got.Key != k {
			t.Errorf("GetObject(%q).Key = %q", k, got.Key)
		}
		checkObject(t, got, want[k])
	}
	// Keys that differ only past a NUL or in the last byte stay apart.
	if _, err := s.GetObject(ctx, "b", "a"); !errors.Is(err, meta.ErrNoSuchKey) {
		t.Errorf(`GetObject("a") = %v, want ErrNoSuchKey (NUL-truncation?)`, err)
	}
	page, err := s.ListObjects(ctx, "b", meta.ListQuery{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range page.Objects {
		got = append(got, o.Key)
	}
	sorted := slices.Clone(oddKeys)
	sort.Strings(sorted) // byte order
	if !slices.Equal(got, sorted) {
		t.Errorf("ListObjects order:\n got %q\nwant %q", got, sorted)
	}
	for i, k := range oddKeys {
		checkBlobs(t, "delete "+k, del(t, s, "b", k), ids(fmt.Sprintf("b%04d", i)))
	}
}

func testInvalidArguments(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	for _, k := range []string{"", strings.Repeat("k", 1025)} {
		_, err := s.PutObject(ctx, object("b", k, "b0001"), nil)
		wantErr(t, fmt.Sprintf("PutObject key len %d", len(k)), err, meta.ErrInvalidArgument)
		err = s.CreateUpload(ctx, meta.Upload{Bucket: "b", Key: k, ID: "u1", Initiated: t0})
		wantErr(t, fmt.Sprintf("CreateUpload key len %d", len(k)), err, meta.ErrInvalidArgument)
	}
	_, err := s.PutObject(ctx, object("b", "k", ""), nil)
	wantErr(t, "PutObject empty blob id", err, meta.ErrInvalidArgument)
	_, err = s.ListObjects(ctx, "b", meta.ListQuery{MaxKeys: -1})
	wantErr(t, "ListObjects MaxKeys -1", err, meta.ErrInvalidArgument)
	_, err = s.ListUploads(ctx, "b", meta.UploadQuery{MaxUploads: -1})
	wantErr(t, "ListUploads MaxUploads -1", err, meta.ErrInvalidArgument)
	err = s.CreateUpload(ctx, meta.Upload{Bucket: "b", Key: "k", ID: "", Initiated: t0})
	wantErr(t, "CreateUpload empty id", err, meta.ErrInvalidArgument)
	mustUpload(t, s, "b", "k", "u1", t0)
	err = s.CreateUpload(ctx, meta.Upload{Bucket: "b", Key: "k2", ID: "u1", Initiated: t0})
	wantErr(t, "CreateUpload duplicate id", err, meta.ErrInvalidArgument)
	_, err = s.PutPart(ctx, "b", "k", "u1", meta.Part{Number: 0, Blob: "b0001"})
	wantErr(t, "PutPart number 0", err, meta.ErrInvalidArgument)
	_, err = s.PutPart(ctx, "b", "k", "u1", meta.Part{Number: 1, Blob: ""})
	wantErr(t, "PutPart empty blob", err, meta.ErrInvalidArgument)
	_, _, err = s.ListParts(ctx, "b", "k", "u1", 0, -1)
	wantErr(t, "ListParts max -1", err, meta.ErrInvalidArgument)
	checkBlobs(t, "WalkBlobs after rejected writes", walk(t, s), nil)
}

// Preconditions.

var errPre = errors.New("metatest: precondition failed")

func testPrecondition(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	absent := func(e *meta.Object) error {
		if e != nil {
			return errPre
		}
		return nil
	}
	var seen *meta.Object
	called := 0
	freed, err := s.PutObject(ctx, object("b", "k", "b0001"), func(e *meta.Object) error {
		called++
		seen = e
		return nil
	})
	if err != nil || called == 0 || seen != nil {
		t.Fatalf("PutObject on absent key: err %v, precondition called %d times with %v", err, called, seen)
	}
	checkBlobs(t, "first put", freed, nil)

	// The precondition sees the current record.
	o1 := object("b", "k", "b0001")
	_, err = s.PutObject(ctx, object("b", "k", "b0002"), func(e *meta.Object) error {
		if e == nil {
			return errors.New("existing object not passed to precondition")
		}
		checkObject(t, *e, o1)
		return errPre
	})
	if err != errPre {
		t.Errorf("failing precondition: err = %v, want errPre unchanged", err)
	}
	got, _ := s.GetObject(ctx, "b", "k")
	checkObject(t, got, o1)
	checkBlobs(t, "WalkBlobs after failed precondition", walk(t, s), ids("b0001"))

	_, err = s.PutObject(ctx, object("b", "k", "b0003"), absent)
	if err != errPre {
		t.Errorf("absent-only put on existing key: err = %v", err)
	}
	// If-Match style: passes when the ETag matches.
	freed, err = s.PutObject(ctx, object("b", "k", "b0004"), func(e *meta.Object) error {
		if e == nil || e.ETag != o1.ETag {
			return errPre
		}
		return nil
	})
	if err != nil {
		t.Fatalf("matching precondition: %v", err)
	}
	checkBlobs(t, "put with passing precondition", freed, ids("b0001"))
}

func testPreconditionAtomic(t *testing.T, s meta.Store) {
	mkBucket(t, s, "b")
	const n = 32
	absent := func(e *meta.Object) error {
		if e != nil {
			return errPre
		}
		return nil
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.PutObject(t.Context(), object("b", "race", storage.BlobID(fmt.Sprintf("b%04d", i))), absent)
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("writers %d and %d both won an absent-only put", winner, i)
			}
			winner = i
		case !errors.Is(err, errPre):
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	got, err := s.GetObject(t.Context(), "b", "race")
	if err != nil {
		t.Fatal(err)
	}
	want := storage.BlobID(fmt.Sprintf("b%04d", winner))
	if b := got.Blobs(); len(b) != 1 || b[0] != want {
		t.Errorf("stored blobs %q, want the winner's %q", b, want)
	}
	checkBlobs(t, "WalkBlobs", walk(t, s), []storage.BlobID{want})
}

// Blobs returned.

func testBlobsReplaceDelete(t *testing.T, s meta.Store) {
	mkBucket(t, s, "b")
	checkBlobs(t, "put", put(t, s, object("b", "k", "b0001", "b0002")), nil)
	// Keeping one segment's blob: only the dropped one is freed.
	checkBlobs(t, "replace keeping b0002", put(t, s, object("b", "k", "b0002", "b0003")), ids("b0001"))
	// Re-putting the identical record frees nothing.
	checkBlobs(t, "same record again", put(t, s, object("b", "k", "b0002", "b0003")), nil)
	checkBlobs(t, "replace all", put(t, s, object("b", "k", "b0004")), ids("b0002", "b0003"))
	checkBlobs(t, "zero-byte replace", put(t, s, meta.Object{Bucket: "b", Key: "k", LastModified: t0}), ids("b0004"))
	checkBlobs(t, "delete zero-byte", del(t, s, "b", "k"), nil)
	checkBlobs(t, "WalkBlobs", walk(t, s), nil)
}

func testSharedBlobs(t *testing.T, s meta.Store) {
	mkBucket(t, s, "b")
	mkBucket(t, s, "c")
	put(t, s, object("b", "x", "b0001", "b0002"))
	// A copy that reuses the source's blobs, in another bucket.
	put(t, s, object("c", "y", "b0001"))
	checkBlobs(t, "delete source", del(t, s, "b", "x"), ids("b0002"))
	checkBlobs(t, "WalkBlobs", walk(t, s), ids("b0001"))
	checkBlobs(t, "delete copy", del(t, s, "c", "y"), ids("b0001"))

	// A blob shared by a part and an object.
	put(t, s, object("b", "z", "b0005"))
	mustUpload(t, s, "b", "z", "u1", t0)
	mustPart(t, s, "b", "z", "u1", 1, "b0005")
	abort, err := s.AbortUpload(t.Context(), "b", "z", "u1")
	if err != nil {
		t.Fatal(err)
	}
	checkBlobs(t, "abort with a shared part", abort, nil)
	checkBlobs(t, "delete last holder", del(t, s, "b", "z"), ids("b0005"))
}

// Listing.

func testListObjects(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	keys := []string{"a", "a/b", "a/c/d", "a/c/e", "ab", "b/", "b//x", "c", "photos/2024/jan.jpg", "photos/2024/feb.jpg", "photos/2025/x", "photos/top.jpg"}
	for i, k := range keys {
		put(t, s, object("b", k, storage.BlobID(fmt.Sprintf("b%04d", i))))
	}
	cases := []struct {
		q    meta.ListQuery
		objs []string
		cps  []string
		more bool
		next string
	}{
		{meta.ListQuery{MaxKeys: 0}, nil, nil, false, ""},
		{meta.ListQuery{MaxKeys: 0, Delimiter: "/"}, nil, nil, false, ""},
		{meta.ListQuery{MaxKeys: 1000}, keys2(keys), nil, false, "photos/top.jpg"},
		{meta.ListQuery{MaxKeys: 2}, []string{"a", "a/b"}, nil, true, "a/b"},
		{meta.ListQuery{MaxKeys: 1000, Delimiter: "/"}, []string{"a", "ab", "c"}, []string{"a/", "b/", "photos/"}, false, "photos/"},
		// A common prefix counts once toward MaxKeys.
		{meta.ListQuery{MaxKeys: 2, Delimiter: "/"}, []string{"a"}, []string{"a/"}, true, "a/"},
		{meta.ListQuery{MaxKeys: 2, Delimiter: "/", After: "a/"}, []string{"ab"}, []string{"b/"}, true, "b/"},
		// After inside a common prefix skips that prefix.
		{meta.ListQuery{MaxKeys: 10, Delimiter: "/", After: "a/b"}, []string{"ab", "c"}, []string{"b/", "photos/"}, false, "photos/"},
		{meta.ListQuery{MaxKeys: 10, Delimiter: "/", Prefix: "photos/"}, []string{"photos/top.jpg"}, []string{"photos/2024/", "photos/2025/"}, false, "photos/top.jpg"},
		{meta.ListQuery{MaxKeys: 10, Delimiter: "/", Prefix: "photos/2024/"}, []string{"photos/2024/feb.jpg", "photos/2024/jan.jpg"}, nil, false, "photos/2024/jan.jpg"},
		{meta.ListQuery{MaxKeys: 10, Delimiter: "/", Prefix: "photos"}, nil, []string{"photos/"}, false, "photos/"},
		{meta.ListQuery{MaxKeys: 10, Prefix: "a/c/"}, []string{"a/c/d", "a/c/e"}, nil, false, "a/c/e"},
		{meta.ListQuery{MaxKeys: 10, Prefix: "zzz"}, nil, nil, false, ""},
		// "b/" itself has nothing after the prefix, so it is a key.
		{meta.ListQuery{MaxKeys: 10, Prefix: "b/", Delimiter: "/"}, []string{"b/"}, []string{"b//"}, false, "b//"},
		{meta.ListQuery{MaxKeys: 10, After: "photos/top.jpg"}, nil, nil, false, ""},
		{meta.ListQuery{MaxKeys: 10, After: "a/c/d", Prefix: "a/"}, []string{"a/c/e"}, nil, false, "a/c/e"},
		// Prefix before After and After before Prefix.
		{meta.ListQuery{MaxKeys: 10, After: "zz", Prefix: "a"}, nil, nil, false, ""},
		{meta.ListQuery{MaxKeys: 1, After: "0", Prefix: "c"}, []string{"c"}, nil, false, "c"},
		// Exactly MaxKeys entries and nothing after: not truncated.
		{meta.ListQuery{MaxKeys: 6, Delimiter: "/"}, []string{"a", "ab", "c"}, []string{"a/", "b/", "photos/"}, false, "photos/"},
		{meta.ListQuery{MaxKeys: 5, Delimiter: "/"}, []string{"a", "ab", "c"}, []string{"a/", "b/"}, true, "c"},
		// A multi-byte delimiter.
		{meta.ListQuery{MaxKeys: 20, Delimiter: "/c/"}, []string{"a", "a/b", "ab", "b/", "b//x", "c", "photos/2024/feb.jpg", "photos/2024/jan.jpg", "photos/2025/x", "photos/top.jpg"}, []string{"a/c/"}, false, "photos/top.jpg"},
	}
	for _, c := range cases {
		page, err := s.ListObjects(ctx, "b", c.q)
		if err != nil {
			t.Errorf("ListObjects(%+v): %v", c.q, err)
			continue
		}
		var objs []string
		for _, o := range page.Objects {
			objs = append(objs, o.Key)
		}
		if !slices.Equal(objs, c.objs) || !slices.Equal(page.CommonPrefixes, c.cps) || page.IsTruncated != c.more || page.NextAfter != c.next {
			t.Errorf("ListObjects(%+v)\n got objs %q cps %q truncated %v next %q\nwant objs %q cps %q truncated %v next %q",
				c.q, objs, page.CommonPrefixes, page.IsTruncated, page.NextAfter, c.objs, c.cps, c.more, c.next)
		}
	}
	// Listed records are whole records.
	page, _ := s.ListObjects(ctx, "b", meta.ListQuery{MaxKeys: 1, Prefix: "c"})
	if len(page.Objects) == 1 {
		checkObject(t, page.Objects[0], object("b", "c", storage.BlobID(fmt.Sprintf("b%04d", slices.Index(keys, "c")))))
	}
}

func keys2(keys []string) []string { return slices.Sorted(slices.Values(keys)) }

// refList is the reference listing: roll every key up, sort the entries,
// keep those after After, cut at MaxKeys.
func refList(keys []string, q meta.ListQuery) (objs, cps []string, more bool, next string) {
	type entry struct {
		s  string
		cp bool
	}
	seen := map[string]bool{}
	var ents []entry
	for _, k := range keys {
		if !strings.HasPrefix(k, q.Prefix) {
			continue
		}
		if q.Delimiter != "" {
			if i := strings.Index(k[len(q.Prefix):], q.Delimiter); i >= 0 {
				cp := k[:len(q.Prefix)+i+len(q.Delimiter)]
				if !seen[cp] {
					seen[cp] = true
					ents = append(ents, entry{cp, true})
				}
				continue
			}
		}
		ents = append(ents, entry{k, false})
	}
	if q.MaxKeys == 0 {
		return nil, nil, false, ""
	}
	slices.SortFunc(ents, func(a, b entry) int { return strings.Compare(a.s, b.s) })
	n := 0
	for _, e := range ents {
		if e.s <= q.After {
			continue
		}
		if n == q.MaxKeys {
			return objs, cps, true, next
		}
		n++
		next = e.s
		if e.cp {
			cps = append(cps, e.s)
		} else {
			objs = append(objs, e.s)
		}
	}
	return objs, cps, false, next
}

// randKey draws from a tiny alphabet so keys collide in prefixes and
// delimiters often, including NUL and 0xFF (the byte order extremes).
func randKey(r *rand.Rand) string {
	const alphabet = "ab/.\x00\xff"
	n := 1 + r.IntN(6)
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func randListQuery(r *rand.Rand, keys []string) meta.ListQuery {
	var q meta.ListQuery
	q.Delimiter = pick(r, []string{"", "", "/", "/", "a", "//", "\x00", "\xff", "b/"})
	switch r.IntN(4) {
	case 1:
		k := pick(r, keys)
		q.Prefix = k[:r.IntN(len(k)+1)]
	case 2:
		q.Prefix = randKey(r)[:1]
	}
	switch r.IntN(5) {
	case 1:
		q.After = pick(r, keys)
	case 2:
		k := pick(r, keys)
		q.After = k[:r.IntN(len(k)+1)]
	case 3:
		q.After = randKey(r)
	case 4:
		// A common prefix value, as NextAfter would give.
		k := pick(r, keys)
		if i := strings.Index(k, "/"); i >= 0 {
			q.After = k[:i+1]
		}
	}
	q.MaxKeys = []int{0, 1, 2, 3, 5, 10, 1000}[r.IntN(7)]
	return q
}

func testListObjectsModel(t *testing.T, s meta.Store) {
	ctx := t.Context()
	seed := rand.Uint64() // random each run; logged so a failure can be replayed
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	mkBucket(t, s, "b")
	set := map[string]bool{}
	for range 300 {
		set[randKey(r)] = true
	}
	keys := slices.Sorted(maps.Keys(set))
	for i, k := range keys {
		put(t, s, meta.Object{Bucket: "b", Key: k, Size: int64(i), LastModified: t0})
	}
	for range 1500 {
		q := randListQuery(r, keys)
		page, err := s.ListObjects(ctx, "b", q)
		if err != nil {
			t.Fatalf("ListObjects(%#v): %v", q, err)
		}
		objs, cps, more, next := refList(keys, q)
		var got []string
		for _, o := range page.Objects {
			got = append(got, o.Key)
			if o.Size != int64(slices.Index(keys, o.Key)) {
				t.Errorf("ListObjects(%#v): %q has the wrong record", q, o.Key)
			}
		}
		if !slices.Equal(got, objs) || !slices.Equal(page.CommonPrefixes, cps) || page.IsTruncated != more || page.NextAfter != next {
			t.Fatalf("ListObjects(%#v)\n got objs %q cps %q truncated %v next %q\nwant objs %q cps %q truncated %v next %q",
				q, got, page.CommonPrefixes, page.IsTruncated, page.NextAfter, objs, cps, more, next)
		}
	}
}

// testListObjectsPaging walks whole listings page by page through
// NextAfter and checks they add up to the one-page listing.
func testListObjectsPaging(t *testing.T, s meta.Store) {
	ctx := t.Context()
	seed := rand.Uint64() // random each run; logged so a failure can be replayed
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	mkBucket(t, s, "b")
	set := map[string]bool{}
	for range 200 {
		set[randKey(r)] = true
	}
	keys := slices.Sorted(maps.Keys(set))
	for _, k := range keys {
		put(t, s, meta.Object{Bucket: "b", Key: k, LastModified: t0})
	}
	for range 100 {
		q := randListQuery(r, keys)
		q.After = ""
		q.MaxKeys = 1 + r.IntN(7)
		wantObjs, wantCPs, _, _ := refList(keys, meta.ListQuery{Prefix: q.Prefix, Delimiter: q.Delimiter, MaxKeys: 1 << 30})
		var objs, cps []string
		for pages := 0; ; pages++ {
			if pages > len(keys)+1 {
				t.Fatalf("paging %#v does not end", q)
			}
			page, err := s.ListObjects(ctx, "b", q)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Objects {
				objs = append(objs, o.Key)
			}
			cps = append(cps, page.CommonPrefixes...)
			if n := len(page.Objects) + len(page.CommonPrefixes); n > q.MaxKeys || (page.IsTruncated && n != q.MaxKeys) {
				t.Fatalf("page of %d entries for MaxKeys %d (truncated %v)", n, q.MaxKeys, page.IsTruncated)
			}
			if !page.IsTruncated {
				break
			}
			q.After = page.NextAfter
		}
		if !slices.Equal(objs, wantObjs) || !slices.Equal(cps, wantCPs) {
			t.Fatalf("paged listing %#v\n got %q %q\nwant %q %q", q, objs, cps, wantObjs, wantCPs)
		}
	}
}

// Uploads.

func mustUpload(t *testing.T, s meta.Store, bucket, key, id string, initiated time.Time) meta.Upload {
	t.Helper()
	u := meta.Upload{
		Bucket: bucket, Key: key, ID: id, Initiated: initiated,
		Attrs:             meta.Attrs{ContentType: "video/mp4", UserMeta: map[string]string{"k": "v"}},
		ChecksumAlgorithm: "CRC32C", ChecksumType: "COMPOSITE",
	}
	if err := s.CreateUpload(t.Context(), u); err != nil {
		t.Fatalf("CreateUpload(%q, %q, %q): %v", bucket, key, id, err)
	}
	return u
}

func part(n int, blob storage.BlobID) meta.Part {
	return meta.Part{
		Number: n, Blob: blob, Size: int64(100 * n), ETag: fmt.Sprintf("%032x", n),
		LastModified: at(n), Checksums: map[string]string{"CRC32C": "yZRlqg=="},
	}
}

func mustPart(t *testing.T, s meta.Store, bucket, key, id string, n int, blob storage.BlobID) []storage.BlobID {
	t.Helper()
	freed, err := s.PutPart(t.Context(), bucket, key, id, part(n, blob))
	if err != nil {
		t.Fatalf("PutPart(%q, %d): %v", id, n, err)
	}
	return freed
}

func testUploadLifecycle(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	u := mustUpload(t, s, "b", "big/file\x00.bin", "up-1", at(5))
	got, err := s.GetUpload(ctx, "b", "big/file\x00.bin", "up-1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normUpload(got), normUpload(u)) {
		t.Errorf("GetUpload = %+v, want %+v", got, u)
	}
	checkBlobs(t, "part 1", mustPart(t, s, "b", u.Key, u.ID, 1, "b0001"), nil)
	checkBlobs(t, "part 2", mustPart(t, s, "b", u.Key, u.ID, 2, "b0002"), nil)
	checkBlobs(t, "part 1 again", mustPart(t, s, "b", u.Key, u.ID, 1, "b0003"), ids("b0001"))
	checkBlobs(t, "part 1 same blob", mustPart(t, s, "b", u.Key, u.ID, 1, "b0003"), nil)
	checkBlobs(t, "WalkBlobs", walk(t, s), ids("b0002", "b0003"))

	obj, freed, err := s.CompleteUpload(ctx, "b", u.Key, u.ID, buildAll, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkBlobs(t, "complete with all parts", freed, nil)
	stored, err := s.GetObject(ctx, "b", u.Key)
	if err != nil {
		t.Fatal(err)
	}
	checkObject(t, stored, obj)
	if stored.PartsCount != 2 || len(stored.Segments) != 2 || stored.Segments[0].Blob != "b0003" || stored.Attrs.ContentType != "video/mp4" {
		t.Errorf("completed object %+v", stored)
	}
	_, err = s.GetUpload(ctx, "b", u.Key, u.ID)
	wantErr(t, "GetUpload after complete", err, meta.ErrNoSuchUpload)
	_, err = s.PutPart(ctx, "b", u.Key, u.ID, part(3, "b0009"))
	wantErr(t, "PutPart after complete", err, meta.ErrNoSuchUpload)
	checkBlobs(t, "WalkBlobs after complete", walk(t, s), ids("b0002", "b0003"))
}

// buildAll is a CompleteFunc using every part in number order, like a
// client that lists them all.
func buildAll(u meta.Upload, parts map[int]meta.Part) (meta.Object, error) {
	nums := slices.Sorted(maps.Keys(parts))
	return buildFrom(u, parts, nums)
}

func buildFrom(u meta.Upload, parts map[int]meta.Part, nums []int) (meta.Object, error) {
	o := meta.Object{Bucket: u.Bucket, Key: u.Key, LastModified: at(1000), Attrs: u.Attrs, ChecksumType: u.ChecksumType, PartsCount: len(nums)}
	for _, n := range nums {
		p, ok := parts[n]
		if !ok {
			return meta.Object{}, errBuild
		}
		o.Segments = append(o.Segments, meta.Segment{Blob: p.Blob, Size: p.Size, ETag: p.ETag, Checksums: p.Checksums})
		o.Size += p.Size
	}
	o.ETag = fmt.Sprintf("%032x-%d", 7, len(nums))
	return o, nil
}

var errBuild = errors.New("metatest: invalid part list")

func testUploadNoSuch(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	mkBucket(t, s, "c")
	mustUpload(t, s, "b", "k", "up1", t0)
	mustPart(t, s, "b", "k", "up1", 1, "b0001")

	err := s.CreateUpload(ctx, meta.Upload{Bucket: "nope", Key: "k", ID: "up2", Initiated: t0})
	wantErr(t, "CreateUpload missing bucket", err, meta.ErrNoSuchBucket)

	for _, c := range []struct {
		bucket, key, id string
		want            error
	}{
		{"nope", "k", "up1", meta.ErrNoSuchBucket},
		{"b", "k", "missing", meta.ErrNoSuchUpload},
		{"b", "other", "up1", meta.ErrNoSuchUpload}, // wrong key
		{"c", "k", "up1", meta.ErrNoSuchUpload},     // wrong bucket
		{"b", "k", "", meta.ErrNoSuchUpload},
	} {
		what := fmt.Sprintf("(%q, %q, %q)", c.bucket, c.key, c.id)
		_, err := s.GetUpload(ctx, c.bucket, c.key, c.id)
		wantErr(t, "GetUpload"+what, err, c.want)
		_, err = s.PutPart(ctx, c.bucket, c.key, c.id, part(2, "b0002"))
		wantErr(t, "PutPart"+what, err, c.want)
		_, _, err = s.ListParts(ctx, c.bucket, c.key, c.id, 0, 10)
		wantErr(t, "ListParts"+what, err, c.want)
		_, _, err = s.CompleteUpload(ctx, c.bucket, c.key, c.id, buildAll, nil)
		wantErr(t, "CompleteUpload"+what, err, c.want)
		_, err = s.AbortUpload(ctx, c.bucket, c.key, c.id)
		wantErr(t, "AbortUpload"+what, err, c.want)
	}
	_, err = s.ListUploads(ctx, "nope", meta.UploadQuery{MaxUploads: 10})
	wantErr(t, "ListUploads missing bucket", err, meta.ErrNoSuchBucket)
	// None of that touched the real upload.
	if parts, _, err := s.ListParts(ctx, "b", "k", "up1", 0, 10); err != nil || len(parts) != 1 {
		t.Errorf("ListParts after bad calls = %v, %v", parts, err)
	}
	checkBlobs(t, "WalkBlobs", walk(t, s), ids("b0001"))
}

func testParts(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	mustUpload(t, s, "b", "k", "up1", t0)
	parts, more, err := s.ListParts(ctx, "b", "k", "up1", 0, 10)
	if err != nil || len(parts) != 0 || more {
		t.Errorf("ListParts of a new upload = %v, %v, %v", parts, more, err)
	}
	for _, n := range []int{10000, 5, 1, 2, 300} {
		mustPart(t, s, "b", "k", "up1", n, storage.BlobID(fmt.Sprintf("b%04d", n%10000)))
	}
	nums := func(ps []meta.Part) []int {
		var out []int
		for _, p := range ps {
			out = append(out, p.Number)
		}
		return out
	}
	for _, c := range []struct {
		after, max int
		want       []int
		more       bool
	}{
		{0, 10, []int{1, 2, 5, 300, 10000}, false},
		{0, 5, []int{1, 2, 5, 300, 10000}, false},
		{0, 2, []int{1, 2}, true},
		{2, 2, []int{5, 300}, true},
		{300, 2, []int{10000}, false},
		{3, 1, []int{5}, true},
		{10000, 10, nil, false},
		{0, 0, nil, false},
		{-5, 1, []int{1}, true},
	} {
		ps, more, err := s.ListParts(ctx, "b", "k", "up1", c.after, c.max)
		if err != nil || !slices.Equal(nums(ps), c.want) || more != c.more {
			t.Errorf("ListParts(after %d, max %d) = %v, %v, %v; want %v, %v", c.after, c.max, nums(ps), more, err, c.want, c.more)
		}
	}
	ps, _, _ := s.ListParts(ctx, "b", "k", "up1", 4, 1)
	if len(ps) == 1 {
		if got, want := normPart(ps[0]), normPart(part(5, "b0005")); !reflect.DeepEqual(got, want) {
			t.Errorf("part record = %+v, want %+v", got, want)
		}
	}
	// Parts of one upload are not another's.
	mustUpload(t, s, "b", "k", "up2", t0)
	if ps, _, _ := s.ListParts(ctx, "b", "k", "up2", 0, 10); len(ps) != 0 {
		t.Errorf("second upload sees parts %v", nums(ps))
	}
}

func testCompleteUpload(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	put(t, s, object("b", "k", "b0100", "b0101"))
	u := mustUpload(t, s, "b", "k", "up1", at(3))
	for n := 1; n <= 4; n++ {
		mustPart(t, s, "b", "k", "up1", n, storage.BlobID(fmt.Sprintf("b%04d", n)))
	}
	var gotU meta.Upload
	var gotParts map[int]meta.Part
	build := func(u meta.Upload, parts map[int]meta.Part) (meta.Object, error) {
		gotU, gotParts = u, parts
		return buildFrom(u, parts, []int{1, 3})
	}
	var seen *meta.Object
	obj, freed, err := s.CompleteUpload(ctx, "b", "k", "up1", build, func(e *meta.Object) error {
		seen = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normUpload(gotU), normUpload(u)) {
		t.Errorf("build got upload %+v, want %+v", gotU, u)
	}
	if len(gotParts) != 4 {
		t.Errorf("build got %d parts, want 4", len(gotParts))
	}
	for n, p := range gotParts {
		if n != p.Number || !reflect.DeepEqual(normPart(p), normPart(part(n, storage.BlobID(fmt.Sprintf("b%04d", n))))) {
			t.Errorf("build got part %d = %+v", n, p)
		}
	}
	if seen == nil || seen.ETag != object("b", "k").ETag {
		t.Errorf("precondition saw %+v, want the replaced object", seen)
	}
	checkBlobs(t, "complete with parts 1 and 3 over an object", freed, ids("b0002", "b0004", "b0100", "b0101"))
	stored, err := s.GetObject(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	checkObject(t, stored, obj)
	if obj.Bucket != "b" || obj.Key != "k" || obj.Size != 400 {
		t.Errorf("returned object %+v", obj)
	}
	checkBlobs(t, "WalkBlobs", walk(t, s), ids("b0001", "b0003"))
	if p, _ := s.ListUploads(ctx, "b", meta.UploadQuery{MaxUploads: 10}); len(p.Uploads) != 0 {
		t.Errorf("upload still listed after complete: %+v", p.Uploads)
	}

	// Completing onto an absent key: the precondition sees nil.
	mustUpload(t, s, "b", "new", "up2", t0)
	mustPart(t, s, "b", "new", "up2", 1, "b0010")
	seen = &meta.Object{}
	_, freed, err = s.CompleteUpload(ctx, "b", "new", "up2", buildAll, func(e *meta.Object) error {
		seen = e
		return nil
	})
	if err != nil || seen != nil {
		t.Errorf("complete onto absent key: err %v, precondition saw %v", err, seen)
	}
	checkBlobs(t, "complete onto absent key", freed, nil)
}

func testCompleteUploadFailures(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	put(t, s, object("b", "k", "b0100"))
	mustUpload(t, s, "b", "k", "up1", t0)
	mustPart(t, s, "b", "k", "up1", 1, "b0001")
	mustPart(t, s, "b", "k", "up1", 2, "b0002")
	before := walk(t, s)

	_, freed, err := s.CompleteUpload(ctx, "b", "k", "up1", func(u meta.Upload, parts map[int]meta.Part) (meta.Object, error) {
		return buildFrom(u, parts, []int{1, 7})
	}, nil)
	if err != errBuild || freed != nil {
		t.Errorf("build error: %v, %v; want errBuild unchanged", freed, err)
	}
	_, freed, err = s.CompleteUpload(ctx, "b", "k", "up1", buildAll, func(e *meta.Object) error { return errPre })
	if err != errPre || freed != nil {
		t.Errorf("failing precondition: %v, %v; want errPre unchanged", freed, err)
	}
	// Nothing changed: the upload, its parts and the old object remain.
	if ps, _, err := s.ListParts(ctx, "b", "k", "up1", 0, 10); err != nil || len(ps) != 2 {
		t.Errorf("ListParts after failed completes = %d parts, %v", len(ps), err)
	}
	got, _ := s.GetObject(ctx, "b", "k")
	checkObject(t, got, object("b", "k", "b0100"))
	checkBlobs(t, "WalkBlobs after failed completes", walk(t, s), before)

	// The upload still completes afterwards.
	if _, freed, err = s.CompleteUpload(ctx, "b", "k", "up1", buildAll, nil); err != nil {
		t.Fatal(err)
	}
	checkBlobs(t, "complete after failures", freed, ids("b0100"))
	_, _, err = s.CompleteUpload(ctx, "b", "k", "up1", buildAll, nil)
	wantErr(t, "complete twice", err, meta.ErrNoSuchUpload)
}

func testAbortUpload(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	put(t, s, object("b", "k", "b0100"))
	mustUpload(t, s, "b", "k", "up1", t0)
	mustUpload(t, s, "b", "k", "up2", t0)
	mustPart(t, s, "b", "k", "up1", 1, "b0001")
	mustPart(t, s, "b", "k", "up1", 2, "b0002")
	mustPart(t, s, "b", "k", "up2", 1, "b0003")
	freed, err := s.AbortUpload(ctx, "b", "k", "up1")
	if err != nil {
		t.Fatal(err)
	}
	checkBlobs(t, "abort", freed, ids("b0001", "b0002"))
	_, err = s.GetUpload(ctx, "b", "k", "up1")
	wantErr(t, "GetUpload after abort", err, meta.ErrNoSuchUpload)
	_, err = s.AbortUpload(ctx, "b", "k", "up1")
	wantErr(t, "abort twice", err, meta.ErrNoSuchUpload)
	// The object and the other upload are untouched.
	if _, err := s.GetObject(ctx, "b", "k"); err != nil {
		t.Error(err)
	}
	checkBlobs(t, "WalkBlobs after abort", walk(t, s), ids("b0003", "b0100"))
	freed, err = s.AbortUpload(ctx, "b", "k", "up2")
	if err != nil {
		t.Fatal(err)
	}
	checkBlobs(t, "abort second", freed, ids("b0003"))
	// An upload with no parts aborts cleanly.
	mustUpload(t, s, "b", "k", "up3", t0)
	freed, err = s.AbortUpload(ctx, "b", "k", "up3")
	if err != nil || len(freed) != 0 {
		t.Errorf("abort without parts: %v, %v", freed, err)
	}
}

func uploadIDs(p meta.UploadPage) []string {
	var out []string
	for _, u := range p.Uploads {
		out = append(out, u.Key+"#"+u.ID)
	}
	return out
}

func testListUploads(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	// Key order first, then initiation, then ID.
	mustUpload(t, s, "b", "b/x", "u5", at(1))
	mustUpload(t, s, "b", "a", "u9", at(2))
	mustUpload(t, s, "b", "a", "u1", at(3))
	mustUpload(t, s, "b", "a", "u3", at(2))
	mustUpload(t, s, "b", "b/y", "u2", at(0))
	mustUpload(t, s, "b", "c", "u4", at(0))
	full := []string{"a#u3", "a#u9", "a#u1", "b/x#u5", "b/y#u2", "c#u4"}
	cases := []struct {
		q    meta.UploadQuery
		ups  []string
		cps  []string
		more bool
		nk   string
		nid  string
	}{
		{meta.UploadQuery{MaxUploads: 0}, nil, nil, false, "", ""},
		{meta.UploadQuery{MaxUploads: 100}, full, nil, false, "c", "u4"},
		{meta.UploadQuery{MaxUploads: 2}, full[:2], nil, true, "a", "u9"},
		{meta.UploadQuery{MaxUploads: 2, KeyMarker: "a", UploadIDMarker: "u9"}, []string{"a#u1", "b/x#u5"}, nil, true, "b/x", "u5"},
		{meta.UploadQuery{MaxUploads: 100, KeyMarker: "a"}, full[3:], nil, false, "c", "u4"},
		// The ID marker is ignored without a key marker.
		{meta.UploadQuery{MaxUploads: 100, UploadIDMarker: "u9"}, full, nil, false, "c", "u4"},
		{meta.UploadQuery{MaxUploads: 100, Delimiter: "/"}, []string{"a#u3", "a#u9", "a#u1", "c#u4"}, []string{"b/"}, false, "c", "u4"},
		{meta.UploadQuery{MaxUploads: 4, Delimiter: "/"}, []string{"a#u3", "a#u9", "a#u1"}, []string{"b/"}, true, "b/", ""},
		{meta.UploadQuery{MaxUploads: 100, Delimiter: "/", KeyMarker: "b/"}, []string{"c#u4"}, nil, false, "c", "u4"},
		{meta.UploadQuery{MaxUploads: 100, Prefix: "b/"}, []string{"b/x#u5", "b/y#u2"}, nil, false, "b/y", "u2"},
		{meta.UploadQuery{MaxUploads: 100, Prefix: "b/", KeyMarker: "b/x"}, []string{"b/y#u2"}, nil, false, "b/y", "u2"},
	}
	for _, c := range cases {
		p, err := s.ListUploads(ctx, "b", c.q)
		if err != nil {
			t.Errorf("ListUploads(%+v): %v", c.q, err)
			continue
		}
		if got := uploadIDs(p); !slices.Equal(got, c.ups) || !slices.Equal(p.CommonPrefixes, c.cps) || p.IsTruncated != c.more || p.NextKeyMarker != c.nk || p.NextUploadIDMarker != c.nid {
			t.Errorf("ListUploads(%+v)\n got %q cps %q truncated %v next %q/%q\nwant %q cps %q truncated %v next %q/%q",
				c.q, got, p.CommonPrefixes, p.IsTruncated, p.NextKeyMarker, p.NextUploadIDMarker, c.ups, c.cps, c.more, c.nk, c.nid)
		}
	}
	p, _ := s.ListUploads(ctx, "b", meta.UploadQuery{MaxUploads: 1, Prefix: "c"})
	if len(p.Uploads) == 1 {
		want := meta.Upload{Bucket: "b", Key: "c", ID: "u4", Initiated: at(0), Attrs: meta.Attrs{ContentType: "video/mp4", UserMeta: map[string]string{"k": "v"}}, ChecksumAlgorithm: "CRC32C", ChecksumType: "COMPOSITE"}
		if got := normUpload(p.Uploads[0]); !reflect.DeepEqual(got, normUpload(want)) {
			t.Errorf("listed upload %+v, want %+v", got, want)
		}
	}
}

// testListUploadsModel pages through random uploads and checks each
// paged listing against a sorted reference.
func testListUploadsModel(t *testing.T, s meta.Store) {
	ctx := t.Context()
	seed := rand.Uint64() // random each run; logged so a failure can be replayed
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 3))
	mkBucket(t, s, "b")
	type up struct {
		key, id string
		at      time.Time
	}
	var ups []up
	var keys []string
	for i := range 150 {
		k := randKey(r)
		if len(keys) > 0 && r.IntN(3) == 0 {
			k = pick(r, keys) // several uploads per key
		}
		keys = append(keys, k)
		u := up{k, fmt.Sprintf("u%03d", r.IntN(1000)*1000+i), at(r.IntN(3))}
		mustUpload(t, s, "b", u.key, u.id, u.at)
		ups = append(ups, u)
	}
	slices.SortFunc(ups, func(a, b up) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	for range 60 {
		lq := randListQuery(r, keys)
		q := meta.UploadQuery{Prefix: lq.Prefix, Delimiter: lq.Delimiter, MaxUploads: 1 + r.IntN(6)}
		var want []string
		seen := map[string]bool{}
		for _, u := range ups {
			if !strings.HasPrefix(u.key, q.Prefix) {
				continue
			}
			if q.Delimiter != "" {
				if i := strings.Index(u.key[len(q.Prefix):], q.Delimiter); i >= 0 {
					cp := u.key[:len(q.Prefix)+i+len(q.Delimiter)]
					if !seen[cp] {
						seen[cp] = true
						want = append(want, "CP "+cp)
					}
					continue
				}
			}
			want = append(want, u.key+"#"+u.id)
		}
		// Entries sort by key or prefix; a prefix sorts before the keys
		// it covers, so the reference order is the roll-up order.
		var got []string
		for pages := 0; ; pages++ {
			if pages > len(ups)+1 {
				t.Fatalf("paging %#v does not end", q)
			}
			p, err := s.ListUploads(ctx, "b", q)
			if err != nil {
				t.Fatal(err)
			}
			// Merge the page's uploads and prefixes in order.
			ents := uploadIDs(p)
			for _, cp := range p.CommonPrefixes {
				ents = append(ents, "CP "+cp)
			}
			slices.SortStableFunc(ents, func(a, b string) int {
				return strings.Compare(entryKey(a), entryKey(b))
			})
			got = append(got, ents...)
			if n := len(ents); n > q.MaxUploads || (p.IsTruncated && n != q.MaxUploads) {
				t.Fatalf("page of %d entries for MaxUploads %d", n, q.MaxUploads)
			}
			if !p.IsTruncated {
				break
			}
			q.KeyMarker, q.UploadIDMarker = p.NextKeyMarker, p.NextUploadIDMarker
		}
		if !slices.Equal(got, want) {
			t.Fatalf("paged ListUploads(prefix %q delim %q)\n got %q\nwant %q", q.Prefix, q.Delimiter, got, want)
		}
	}
}

func entryKey(e string) string {
	if s, ok := strings.CutPrefix(e, "CP "); ok {
		return s
	}
	k, _, _ := strings.Cut(e, "#")
	return k
}

// WalkBlobs.

func testWalkBlobs(t *testing.T, s meta.Store) {
	ctx := t.Context()
	checkBlobs(t, "empty store", walk(t, s), nil)
	mkBucket(t, s, "b")
	mkBucket(t, s, "c")
	// Enough blobs that an engine reading them in chunks crosses a few
	// chunk boundaries; written concurrently so grouped commits keep it
	// quick.
	const n, writers = 2500, 16
	var want []storage.BlobID
	for i := range n {
		want = append(want, storage.BlobID(fmt.Sprintf("b%05d", i)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := w; i < n; i += writers {
				if _, err := s.PutObject(ctx, object("b", fmt.Sprintf("k%05d", i), want[i]), nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	put(t, s, object("c", "m", "x0001", "x0002"))
	mustUpload(t, s, "c", "u", "up1", t0)
	mustPart(t, s, "c", "u", "up1", 1, "x0003")
	want = append(want, ids("x0001", "x0002", "x0003")...)
	checkBlobs(t, "WalkBlobs", walk(t, s), want)

	stop := errors.New("stop")
	calls := 0
	err := s.WalkBlobs(ctx, func(storage.BlobID) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("WalkBlobs with failing fn: %v after %d calls, want stop after 1", err, calls)
	}
}

// Concurrency: writers, readers and listers at once, under -race, then a
// consistency check of the final state.

func testConcurrency(t *testing.T, s meta.Store) {
	mkBucket(t, s, "b")
	const workers, ops = 8, 60
	ctx := t.Context()
	var wg sync.WaitGroup
	var mu sync.Mutex
	final := map[string]storage.BlobID{}
	var failed []error
	fail := func(err error) {
		mu.Lock()
		failed = append(failed, err)
		mu.Unlock()
	}
	for w := range workers {
		wg.Go(func() {
			for i := range ops {
				key := fmt.Sprintf("w%d/k%02d", w, i%7)
				blob := storage.BlobID(fmt.Sprintf("w%dn%03d", w, i))
				switch i % 5 {
				case 0, 1, 2:
					if _, err := s.PutObject(ctx, object("b", key, blob), nil); err != nil {
						fail(err)
						return
					}
					mu.Lock()
					final[key] = blob
					mu.Unlock()
				case 3:
					if _, err := s.DeleteObject(ctx, "b", key); err != nil {
						fail(err)
						return
					}
					mu.Lock()
					delete(final, key)
					mu.Unlock()
				case 4:
					if _, err := s.GetObject(ctx, "b", key); err != nil && !errors.Is(err, meta.ErrNoSuchKey) {
						fail(err)
					}
					if _, err := s.ListObjects(ctx, "b", meta.ListQuery{Delimiter: "/", MaxKeys: 3}); err != nil {
						fail(err)
					}
					id := fmt.Sprintf("up-%d-%d", w, i)
					if err := s.CreateUpload(ctx, meta.Upload{Bucket: "b", Key: key, ID: id, Initiated: t0}); err != nil {
						fail(err)
						return
					}
					if _, err := s.PutPart(ctx, "b", key, id, part(1, storage.BlobID(fmt.Sprintf("p%dx%03d", w, i)))); err != nil {
						fail(err)
					}
					if _, err := s.AbortUpload(ctx, "b", key, id); err != nil {
						fail(err)
					}
				}
			}
		})
	}
	wg.Wait()
	for _, err := range failed {
		t.Error(err)
	}
	page, err := s.ListObjects(ctx, "b", meta.ListQuery{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]storage.BlobID{}
	for _, o := range page.Objects {
		got[o.Key] = o.Segments[0].Blob
	}
	if !maps.Equal(got, final) {
		t.Errorf("final state %v, want %v", got, final)
	}
	checkBlobs(t, "WalkBlobs", walk(t, s), slices.Collect(maps.Values(final)))
	// Every upload a worker created it also aborted.
	if p, err := s.ListUploads(ctx, "b", meta.UploadQuery{MaxUploads: 1000}); err != nil || len(p.Uploads) != 0 {
		t.Errorf("uploads left after every one was aborted: %d, %v", len(p.Uploads), err)
	}
}

func testClosed(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err := s.GetBucket(ctx, "b")
	wantErr(t, "GetBucket after Close", err, meta.ErrClosed)
	_, err = s.GetObject(ctx, "b", "k")
	wantErr(t, "GetObject after Close", err, meta.ErrClosed)
	_, err = s.PutObject(ctx, object("b", "k", "b0001"), nil)
	wantErr(t, "PutObject after Close", err, meta.ErrClosed)
	_, err = s.ListObjects(ctx, "b", meta.ListQuery{MaxKeys: 1})
	wantErr(t, "ListObjects after Close", err, meta.ErrClosed)
	err = s.WalkBlobs(ctx, func(storage.BlobID) error { return nil })
	wantErr(t, "WalkBlobs after Close", err, meta.ErrClosed)
	_, err = s.GetBucketCORS(ctx, "b")
	wantErr(t, "GetBucketCORS after Close", err, meta.ErrClosed)
	wantErr(t, "PutBucketCORS after Close", s.PutBucketCORS(ctx, "b", "<CORSConfiguration/>"), meta.ErrClosed)
	_, err = s.GetBucketLifecycle(ctx, "b")
	wantErr(t, "GetBucketLifecycle after Close", err, meta.ErrClosed)
	wantErr(t, "PutBucketLifecycle after Close", s.PutBucketLifecycle(ctx, "b", "<LifecycleConfiguration/>"), meta.ErrClosed)
	wantErr(t, "DeleteBucketLifecycle after Close", s.DeleteBucketLifecycle(ctx, "b"), meta.ErrClosed)
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
