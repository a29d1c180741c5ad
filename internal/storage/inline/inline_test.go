package inline_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"signet/internal/storage"
	"signet/internal/storage/disk"
	"signet/internal/storage/inline"
	"signet/internal/storage/memory"
	"signet/internal/storage/storagetest"
)

// mapStore is an inline.Store in memory with no commit step: blobs count
// as stored from StageBlob on. The bolt store, which has the commit step,
// runs the same conformance suite in its own package.
type mapStore struct {
	mu    sync.Mutex
	seq   uint64
	blobs map[storage.BlobID][]byte
}

func newMapStore() *mapStore { return &mapStore{blobs: make(map[storage.BlobID][]byte)} }

func (m *mapStore) StageBlob(data []byte) storage.BlobID {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	id := storage.NewInlineBlobID(m.seq)
	m.blobs[id] = data
	return id
}

func (m *mapStore) InlineBlob(_ context.Context, id storage.BlobID) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[id]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return b, nil
}

func (m *mapStore) DeleteInlineBlob(_ context.Context, id storage.BlobID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, id)
	return nil
}

func (m *mapStore) WalkInlineBlobs(_ context.Context, fn func(storage.BlobID) error) error {
	m.mu.Lock()
	var ids []storage.BlobID
	for id := range m.blobs {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

func (m *mapStore) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.blobs)
}

func TestConformance(t *testing.T) {
	// 4096 is one of the suite's sizes: it exercises the exact boundary.
	storagetest.Run(t, func(t *testing.T) storage.Engine {
		return inline.New(memory.New(), newMapStore(), 4096)
	})
}

func TestConformanceOverDisk(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine {
		d, err := disk.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return inline.New(d, newMapStore(), 4096)
	})
}

func blobCount(t *testing.T, e storage.Engine) int {
	t.Helper()
	n := 0
	if err := e.Walk(t.Context(), func(storage.BlobID) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRoutesBySize checks where each size lands, around the boundary and
// with readers that deliver the last byte together with io.EOF.
func TestRoutesBySize(t *testing.T) {
	const max = 100
	for _, tc := range []struct {
		name   string
		size   int
		shape  func(io.Reader) io.Reader
		inline bool
	}{
		{"Empty", 0, nil, true},
		{"Max", max, nil, true},
		{"MaxDataWithEOF", max, iotest.DataErrReader, true},
		{"MaxOneByte", max, iotest.OneByteReader, true},
		{"MaxPlusOne", max + 1, nil, false},
		{"MaxPlusOneDataWithEOF", max + 1, iotest.DataErrReader, false},
		{"MaxPlusOneOneByte", max + 1, iotest.OneByteReader, false},
		{"Large", 3 * max, iotest.HalfReader, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			small, next := newMapStore(), memory.New()
			e := inline.New(next, small, max)
			data := bytes.Repeat([]byte{'a', 'b', 'c'}, tc.size/3+1)[:tc.size]
			var r io.Reader = bytes.NewReader(data)
			if tc.shape != nil {
				r = tc.shape(r)
			}
			id, n, err := e.Put(t.Context(), r)
			if err != nil || n != int64(tc.size) {
				t.Fatalf("Put = %s, %d, %v; want %d bytes", id, n, err, tc.size)
			}
			if id.Inline() != tc.inline {
				t.Fatalf("Put of %d bytes gave %s: inline %v, want %v", tc.size, id, id.Inline(), tc.inline)
			}
			wantSmall, wantNext := 1, 0
			if !tc.inline {
				wantSmall, wantNext = 0, 1
			}
			if small.len() != wantSmall || blobCount(t, next) != wantNext {
				t.Fatalf("inline store holds %d, next engine %d; want %d and %d", small.len(), blobCount(t, next), wantSmall, wantNext)
			}
			b, err := e.Open(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			got, err := io.ReadAll(b)
			if err != nil || !bytes.Equal(got, data) || b.Size() != int64(tc.size) {
				t.Fatalf("read back %d bytes (Size %d, %v), want the %d written", len(got), b.Size(), err, tc.size)
			}
			// Inline blobs offer their bytes for a single Write.
			if bb, ok := b.(storage.BytesBlob); ok != tc.inline || (ok && !bytes.Equal(bb.Bytes(), data)) {
				t.Fatalf("%T: BytesBlob %v, want %v with the bytes written", b, ok, tc.inline)
			}
		})
	}
}

// TestStagedBytesAreACopy: the engine must not hand the store its pooled
// buffer, which the next Put overwrites.
func TestStagedBytesAreACopy(t *testing.T) {
	small := newMapStore()
	e := inline.New(memory.New(), small, 64)
	ctx := t.Context()
	first, _, err := e.Put(ctx, strings.NewReader("first"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Put(ctx, strings.NewReader("SECOND")); err != nil {
		t.Fatal(err)
	}
	got, _ := small.InlineBlob(ctx, first)
	if string(got) != "first" {
		t.Fatalf("first blob reads %q after a second Put, want %q", got, "first")
	}
}

// TestLargeBlobsKeepSendfile: a blob from the disk engine must come back
// as the disk engine's own blob, or net/http loses sendfile.
func TestLargeBlobsKeepSendfile(t *testing.T) {
	d, err := disk.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := inline.New(d, newMapStore(), 16)
	ctx := t.Context()
	big, _, err := e.Put(ctx, strings.NewReader(strings.Repeat("x", 17)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Open(ctx, big)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, ok := b.(storage.FileBlob); !ok {
		t.Fatalf("Open of a disk blob returned %T, which is not a storage.FileBlob", b)
	}
}

func TestReaderErrorIsKept(t *testing.T) {
	e := inline.New(memory.New(), newMapStore(), 64)
	errBoom := errors.New("boom")
	_, _, err := e.Put(t.Context(), io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(errBoom)))
	if !errors.Is(err, errBoom) {
		t.Fatalf("Put from a failing reader = %v, want %v", err, errBoom)
	}
}
