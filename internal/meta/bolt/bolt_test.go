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
		Segments: []meta.Segment{{Blob: "b1", Size: 1}}}
	v := encodeObject(&o)
	// A record cut just before ServerSideEncryption (one length byte for
	// ""), or just before the three SSE-C fields (one each), is a whole
	// record written before those fields existed.
	for i := range v {
		if i == len(v)-4 || i == len(v)-3 {
			continue
		}
		if _, err := decodeObject("b", "k", v[:i]); err == nil {
			t.Errorf("truncated record (%d of %d bytes) decoded", i, len(v))
		}
	}
	future := append([]byte{recordV1 + 1}, v[1:]...)
	if _, err := decodeObject("b", "k", future); err == nil {
		t.Error("record of an unknown version decoded")
	}
	if _, err := decodeObject("b", "k", append(v, 0)); err == nil {
		t.Error("record with trailing bytes decoded")
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
