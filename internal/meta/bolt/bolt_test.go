package bolt

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"signet/internal/meta"
	"signet/internal/meta/metatest"
	"signet/internal/storage"
)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestConformance(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store {
		s, _ := openTemp(t)
		return s
	})
}

func TestFileMode(t *testing.T) {
	_, path := openTemp(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("mode %o, want 0600", m)
	}
}

// TestLocked: bbolt's lock is flock(2), which conflicts between two opens
// in one process as it does between processes, so this stands in for a
// second server on the same data directory.
func TestLocked(t *testing.T) {
	_, path := openTemp(t)
	s2, err := Open(path)
	if err == nil {
		s2.Close()
		t.Fatal("second Open succeeded")
	}
	if !errors.Is(err, ErrInUse) {
		t.Errorf("second Open: %v, want ErrInUse", err)
	}
}

// TestReopen writes, closes and reopens the file, as a restart does.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	if err := s.CreateBucket(ctx, meta.Bucket{Name: "b", Region: "eu-west-1", Created: created}); err != nil {
		t.Fatal(err)
	}
	obj := meta.Object{Bucket: "b", Key: "k\x00/..", Size: 3, ETag: "e", LastModified: created,
		Segments: []meta.Segment{{Blob: "b0001", Size: 3}}}
	if _, err := s.PutObject(ctx, obj, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUpload(ctx, meta.Upload{Bucket: "b", Key: "u", ID: "up1", Initiated: created}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutPart(ctx, "b", "u", "up1", meta.Part{Number: 1, Blob: "b0002", Size: 5}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	b, err := s.GetBucket(ctx, "b")
	if err != nil || b.Region != "eu-west-1" || !b.Created.Equal(created) {
		t.Errorf("bucket after reopen: %+v, %v", b, err)
	}
	got, err := s.GetObject(ctx, "b", obj.Key)
	if err != nil || got.Size != 3 || len(got.Segments) != 1 || got.Segments[0].Blob != "b0001" || !got.LastModified.Equal(created) {
		t.Errorf("object after reopen: %+v, %v", got, err)
	}
	if parts, _, err := s.ListParts(ctx, "b", "u", "up1", 0, 10); err != nil || len(parts) != 1 || parts[0].Blob != "b0002" {
		t.Errorf("parts after reopen: %+v, %v", parts, err)
	}
	var blobs []storage.BlobID
	if err := s.WalkBlobs(ctx, func(id storage.BlobID) error { blobs = append(blobs, id); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(blobs) != 2 {
		t.Errorf("WalkBlobs after reopen: %q", blobs)
	}
}

// TestDecodeCorrupt: damaged or future records fail to decode rather than
// producing a wrong object.
func TestDecodeCorrupt(t *testing.T) {
	o := meta.Object{Key: "k", Size: 1, Attrs: meta.Attrs{UserMeta: map[string]string{"a": "b"}},
		Segments: []meta.Segment{{Blob: "b1", Size: 1}}, VersionID: "v1", DeleteMarker: true, Tags: []meta.Tag{{Key: "t", Value: "v"}}}
	o.ACL = &meta.ACL{Grants: []meta.Grant{{Type: meta.GranteeGroup, URI: meta.GroupAllUsers, Permission: meta.PermRead}}}
	o.ServerSideEncryption = "AES256"
	o.SSECustomerAlgorithm, o.SSECustomerKeyMD5, o.SSECustomerKeyCheck = "AES256", "md5", []byte("check")
	v := encodeObject(&o)
	// Each appended group ends a legacy record: records written before
	// versions and tags end at PartsCount, and decode as an unversioned
	// object without tags, with the default ACL and no encryption; records
	// written before the ACL end after the tags; records written before
	// encryption at rest end after the ACL; records written before SSE-C
	// end after ServerSideEncryption. Each decodes with the later fields
	// zero. Any other cut is damage. The appended fields, empty, take one
	// byte each, which locates the cuts.
	noSSEC := o
	noSSEC.SSECustomerAlgorithm, noSSEC.SSECustomerKeyMD5, noSSEC.SSECustomerKeyCheck = "", "", nil
	beforeSSEC := len(encodeObject(&noSSEC)) - 3
	noSSE := noSSEC
	noSSE.ServerSideEncryption = ""
	beforeSSE := len(encodeObject(&noSSE)) - 4
	noACL := noSSE
	noACL.ACL = nil
	beforeACL := len(encodeObject(&noACL)) - 5
	bare := noACL
	bare.VersionID, bare.DeleteMarker, bare.Tags = "", false, nil
	beforeVersions := len(encodeObject(&bare)) - 8
	if !(beforeVersions < beforeACL && beforeACL < beforeSSE && beforeSSE < beforeSSEC && beforeSSEC < len(v)) {
		t.Fatalf("cuts %d, %d, %d, %d of %d bytes out of order", beforeVersions, beforeACL, beforeSSE, beforeSSEC, len(v))
	}
	noEnc := func(got meta.Object) bool {
		return got.ServerSideEncryption == "" && got.SSECustomerAlgorithm == "" && got.SSECustomerKeyMD5 == "" && got.SSECustomerKeyCheck == nil
	}
	legacy := 0
	for i := range v {
		got, err := decodeObject("b", "k", v[:i])
		switch i {
		case beforeVersions:
			if err != nil || got.VersionID != "" || got.DeleteMarker || got.Tags != nil || got.ACL != nil || !noEnc(got) || len(got.Segments) != 1 {
				t.Errorf("record without versions, tags, ACL and encryption (%d bytes): %+v, %v", i, got, err)
			}
			legacy++
			continue
		case beforeACL:
			if err != nil || got.VersionID != "v1" || !got.DeleteMarker || len(got.Tags) != 1 || got.ACL != nil || !noEnc(got) || len(got.Segments) != 1 {
				t.Errorf("record without ACL and encryption (%d bytes): %+v, %v", i, got, err)
			}
			legacy++
			continue
		case beforeSSE:
			if err != nil || got.VersionID != "v1" || len(got.Tags) != 1 || got.ACL == nil || len(got.ACL.Grants) != 1 || !noEnc(got) || len(got.Segments) != 1 {
				t.Errorf("record without encryption (%d bytes): %+v, %v", i, got, err)
			}
			legacy++
			continue
		case beforeSSEC:
			if err != nil || got.VersionID != "v1" || got.ACL == nil || got.ServerSideEncryption != "AES256" ||
				got.SSECustomerAlgorithm != "" || got.SSECustomerKeyMD5 != "" || got.SSECustomerKeyCheck != nil || len(got.Segments) != 1 {
				t.Errorf("record without SSE-C (%d bytes): %+v, %v", i, got, err)
			}
			legacy++
			continue
		}
		if err == nil {
			t.Errorf("truncated record (%d of %d bytes) decoded", i, len(v))
		}
	}
	if legacy != 4 {
		t.Errorf("%d legacy cuts checked, want 4", legacy)
	}
	if got, err := decodeObject("b", "k", v); err != nil || got.VersionID != "v1" || got.ACL == nil || got.ServerSideEncryption != "AES256" ||
		got.SSECustomerAlgorithm != "AES256" || got.SSECustomerKeyMD5 != "md5" || string(got.SSECustomerKeyCheck) != "check" {
		t.Errorf("whole record: %+v, %v", got, err)
	}
	future := append([]byte{recordV1 + 1}, v[1:]...)
	if _, err := decodeObject("b", "k", future); err == nil {
		t.Error("record of an unknown version decoded")
	}
	if _, err := decodeObject("b", "k", append(v, 0)); err == nil {
		t.Error("record with trailing bytes decoded")
	}
}

// TestDecodeLegacyAccess: bucket and object records written before the
// access fields decode as what signet then served: a BucketOwnerEnforced
// bucket with no Block Public Access, and default ACLs.
func TestDecodeLegacyAccess(t *testing.T) {
	var e encoder
	e.b = append(e.b, recordV1)
	e.str("us-east-1")
	e.time(time.Unix(100, 0))
	b, err := decodeBucket("b", e.b)
	if err != nil {
		t.Fatal(err)
	}
	if b.Ownership != meta.OwnershipEnforced || b.PublicAccessBlock != nil || b.ACL != nil {
		t.Errorf("legacy bucket = %+v, want BucketOwnerEnforced, no PAB, default ACL", b)
	}
	o := meta.Object{Key: "k", Size: 1}
	v := encodeObject(&o)
	legacy := v[:len(v)-5] // without the ACL's presence byte and the (empty) encryption fields after it
	got, err := decodeObject("b", "k", legacy)
	if err != nil {
		t.Fatal(err)
	}
	if got.ACL != nil || got.Size != 1 {
		t.Errorf("legacy object = %+v, want size 1 and the default ACL", got)
	}
	if _, err := decodeBucket("b", append(encodeBucket(&meta.Bucket{ACL: &meta.ACL{}}), 7)); err == nil {
		t.Error("bucket record with trailing bytes decoded")
	}
}

// TestDecodeBucketCuts: a bucket record cut where an older layout ended
// (at Created: before versioning and tags; after the tags: before the
// access settings) decodes with what those layouts meant; any other cut
// fails. The same for an upload record (before tags; before the ACL).
func TestDecodeBucketCuts(t *testing.T) {
	acl := &meta.ACL{Grants: []meta.Grant{{Type: meta.GranteeGroup, URI: meta.GroupAllUsers, Permission: meta.PermRead}}}
	b := meta.Bucket{Name: "b", Region: "us-east-1", Created: time.Unix(100, 0).UTC(),
		Versioning: meta.VersioningEnabled, Tags: []meta.Tag{{Key: "t", Value: "v"}},
		Ownership: meta.OwnershipWriter, ACL: acl,
		PublicAccessBlock: &meta.PublicAccessBlock{BlockPublicAcls: true, RestrictPublicBuckets: true}}
	v := encodeBucket(&b)
	if got, err := decodeBucket("b", v); err != nil || got.Ownership != meta.OwnershipWriter || got.PublicAccessBlock == nil ||
		!got.PublicAccessBlock.RestrictPublicBuckets || got.PublicAccessBlock.IgnorePublicAcls || !got.ACL.Public() ||
		got.Versioning != meta.VersioningEnabled || len(got.Tags) != 1 {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	bare := meta.Bucket{Region: b.Region, Created: b.Created}
	beforeVersioning := len(encodeBucket(&bare)) - 5 // versioning, tags, ownership, PAB presence, ACL presence
	noAccess := meta.Bucket{Region: b.Region, Created: b.Created, Versioning: b.Versioning, Tags: b.Tags}
	beforeAccess := len(encodeBucket(&noAccess)) - 3
	for i := range v {
		got, err := decodeBucket("b", v[:i])
		switch i {
		case beforeVersioning:
			if err != nil || got.Versioning != meta.Unversioned || got.Tags != nil ||
				got.Ownership != meta.OwnershipEnforced || got.PublicAccessBlock != nil || got.ACL != nil {
				t.Errorf("bucket record before versioning (%d bytes): %+v, %v", i, got, err)
			}
			continue
		case beforeAccess:
			if err != nil || got.Versioning != meta.VersioningEnabled || len(got.Tags) != 1 ||
				got.Ownership != meta.OwnershipEnforced || got.PublicAccessBlock != nil || got.ACL != nil {
				t.Errorf("bucket record before access settings (%d bytes): %+v, %v", i, got, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("truncated bucket record (%d of %d bytes) decoded", i, len(v))
		}
	}

	u := meta.Upload{Bucket: "b", Key: "k", ID: "u", Tags: []meta.Tag{{Key: "t", Value: "v"}}, ACL: acl}
	uv := encodeUpload(&u)
	uBare := meta.Upload{Bucket: "b", Key: "k", ID: "u"}
	// Each record ends with SSE-C's three empty fields (a byte each).
	uBeforeTags := len(encodeUpload(&uBare)) - 2 - 3
	uNoACL := u
	uNoACL.ACL = nil
	uBeforeACL := len(encodeUpload(&uNoACL)) - 1 - 3
	uBeforeSSEC := len(uv) - 3
	for i := range uv {
		got, err := decodeUpload(uv[:i])
		switch i {
		case uBeforeSSEC:
			if err != nil || len(got.Tags) != 1 || got.ACL == nil || got.SSECustomerAlgorithm != "" {
				t.Errorf("upload record before SSE-C (%d bytes): %+v, %v", i, got, err)
			}
			continue
		case uBeforeTags:
			if err != nil || got.Tags != nil || got.ACL != nil {
				t.Errorf("upload record before tags (%d bytes): %+v, %v", i, got, err)
			}
			continue
		case uBeforeACL:
			if err != nil || len(got.Tags) != 1 || got.ACL != nil {
				t.Errorf("upload record before the ACL (%d bytes): %+v, %v", i, got, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("truncated upload record (%d of %d bytes) decoded", i, len(uv))
		}
	}
}

func TestUploadIdxKeyOrder(t *testing.T) {
	// Keys with NUL must sort as the raw keys do.
	keys := []string{"a", "a\x00", "a\x00\x00", "a\x00b", "a\x01", "ab", "b"}
	tm := time.Unix(100, 0)
	for i := 1; i < len(keys); i++ {
		a, b := uploadIdxKey(keys[i-1], tm, "z"), uploadIdxKey(keys[i], tm.Add(-time.Hour), "a")
		if string(a) >= string(b) {
			t.Errorf("index key of %q does not sort before %q", keys[i-1], keys[i])
		}
		k, id, ok := splitUploadIdx(b)
		if !ok || string(k) != keys[i] || string(id) != "a" {
			t.Errorf("splitUploadIdx(%q) = %q, %q, %v", b, k, id, ok)
		}
	}
	// Initiation order within a key, including times before 1970.
	early, late := uploadIdxKey("k", time.Unix(-5, 0), "z"), uploadIdxKey("k", time.Unix(5, 0), "a")
	if string(early) >= string(late) {
		t.Error("earlier upload does not sort first")
	}
}
