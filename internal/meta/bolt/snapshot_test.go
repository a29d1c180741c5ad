package bolt

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"signet/internal/meta"
	"signet/internal/storage"
)

// TestSnapshotIsOneMoment: writes committed while a snapshot is being
// taken are not in it, the copy opens as a store, and FileBlobs lists the
// file blobs it references (not the inline ones, whose bytes are in it).
func TestSnapshotIsOneMoment(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	mustDo(t, "CreateBucket", s.CreateBucket(ctx, meta.Bucket{Name: "b", Region: "r", Created: nanos}))
	put := func(key string, blob storage.BlobID) {
		t.Helper()
		_, err := s.PutObject(ctx, meta.Object{Bucket: "b", Key: key, Size: 1, LastModified: nanos,
			Segments: []meta.Segment{{Blob: blob, Size: 1}}}, nil)
		mustDo(t, "PutObject "+key, err)
	}
	put("file", "0123456789abcdef")
	put("inline", s.StageBlob([]byte("x")))

	var copyBytes bytes.Buffer
	var blobs []storage.BlobID
	later := make(chan error, 1)
	err := s.Snapshot(ctx, func(snap Snapshot) error {
		// A writer commits meanwhile, from another goroutine: one waiting
		// for it here could wait forever if its commit grew the file, as
		// bbolt remaps the file only once no read transaction is open.
		go func() {
			_, err := s.PutObject(ctx, meta.Object{Bucket: "b", Key: "later", Size: 1, LastModified: nanos,
				Segments: []meta.Segment{{Blob: "fedcba9876543210", Size: 1}}}, nil)
			later <- err
		}()
		blobs = snap.FileBlobs()
		n, err := snap.WriteTo(&copyBytes)
		if err == nil && n != snap.Size() {
			t.Errorf("WriteTo wrote %d bytes, Size says %d", n, snap.Size())
		}
		return err
	})
	mustDo(t, "Snapshot", err)
	mustDo(t, "PutObject later", <-later)
	if !slices.Equal(blobs, []storage.BlobID{"0123456789abcdef"}) {
		t.Errorf("FileBlobs = %v, want only the file blob committed before the snapshot", blobs)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	mustDo(t, "write the copy", os.WriteFile(path, copyBytes.Bytes(), 0o600))
	c, err := Open(path)
	mustDo(t, "Open the copy", err)
	defer c.Close()
	for _, key := range []string{"file", "inline"} {
		if _, err := c.GetObject(ctx, "b", key); err != nil {
			t.Errorf("%s in the copy: %v", key, err)
		}
	}
	if _, err := c.GetObject(ctx, "b", "later"); !errors.Is(err, meta.ErrNoSuchKey) {
		t.Errorf("a write committed after the snapshot began is in the copy: %v", err)
	}
	if _, err := s.GetObject(ctx, "b", "later"); err != nil {
		t.Errorf("the write made during the snapshot is lost: %v", err)
	}
}
