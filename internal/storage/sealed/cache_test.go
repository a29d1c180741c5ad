package sealed_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"signet/internal/storage"
	"signet/internal/storage/memory"
	"signet/internal/storage/sealed"
)

// countingEngine counts the opens that reach the engine underneath, so a
// test can tell a cache hit (no open) from a read of the stored bytes.
type countingEngine struct {
	storage.Engine
	opens atomic.Int64
}

func (c *countingEngine) Open(ctx context.Context, id storage.BlobID) (storage.Blob, error) {
	c.opens.Add(1)
	return c.Engine.Open(ctx, id)
}

func newCachedEngine(t *testing.T, maxBytes, maxObject int64) (*sealed.Engine, *countingEngine) {
	t.Helper()
	under := &countingEngine{Engine: memory.New()}
	e := newEngine(t, under)
	e.CachePlaintext(maxBytes, maxObject)
	return e, under
}

func put(t *testing.T, e storage.Engine, b []byte) storage.BlobID {
	t.Helper()
	id, _, err := e.Put(t.Context(), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// readRange opens id and writes [off, off+n) through WriteRange, as the
// HTTP layer does, returning what was written.
func readRange(t *testing.T, e storage.Engine, id storage.BlobID, off, n int64) []byte {
	t.Helper()
	b, err := e.Open(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var out bytes.Buffer
	switch x := b.(type) {
	case storage.RangeWriter:
		if _, err := x.WriteRange(&out, off, n); err != nil {
			t.Fatal(err)
		}
	case storage.BytesBlob:
		out.Write(x.Bytes()[off : off+n])
	default:
		t.Fatalf("blob %T neither writes ranges nor holds bytes", b)
	}
	return out.Bytes()
}

func TestCacheServesAWholeReadAgainWithoutTheStore(t *testing.T) {
	e, under := newCachedEngine(t, 8<<20, 4<<20)
	for _, size := range []int{100, sealed.ChunkSize + 1, 1 << 20, 4 << 20} {
		want := data(size)
		id := put(t, e, want)
		if got := readRange(t, e, id, 0, int64(size)); !bytes.Equal(got, want) {
			t.Fatalf("size %d: first read differs", size)
		}
		before := under.opens.Load()
		if got := readRange(t, e, id, 0, int64(size)); !bytes.Equal(got, want) {
			t.Fatalf("size %d: cached read differs", size)
		}
		if got := readRange(t, e, id, 7, 50); !bytes.Equal(got, want[7:57]) {
			t.Fatalf("size %d: cached range differs", size)
		}
		if n := under.opens.Load() - before; n != 0 {
			t.Errorf("size %d: %d opens of the stored blob after a whole read, want 0 (served from the cache)", size, n)
		}
	}
}

func TestCacheSkipsRangesLargeBlobsAndCustomerKeys(t *testing.T) {
	e, under := newCachedEngine(t, 64<<20, 1<<20)
	big := data(1<<20 + 1)
	idBig := put(t, e, big)
	readRange(t, e, idBig, 0, int64(len(big)))

	part := data(3 * sealed.ChunkSize)
	idPart := put(t, e, part)
	// A range read decrypts only its chunks and caches nothing.
	readRange(t, e, idPart, sealed.ChunkSize, 10)

	key := customerKey(3)
	secret := data(2 * sealed.ChunkSize)
	idC, _, err := e.PutCustomer(t.Context(), bytes.NewReader(secret), key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.OpenCustomer(t.Context(), idC, key)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := b.(storage.RangeWriter).WriteRange(&out, 0, int64(len(secret))); err != nil || !bytes.Equal(out.Bytes(), secret) {
		t.Fatalf("SSE-C whole read: %v", err)
	}
	b.Close()

	for _, id := range []storage.BlobID{idBig, idPart} {
		before := under.opens.Load()
		readRange(t, e, id, 0, 1)
		if under.opens.Load() == before {
			t.Errorf("blob %s was served from the cache; it must not have been cached", id)
		}
	}
	// Without its key the SSE-C blob must still be refused: a cached
	// plaintext would have been handed out here.
	if _, err := e.Open(t.Context(), idC); err == nil {
		t.Error("an SSE-C blob opened without its key after a whole read with it")
	}
}

func TestCacheForgetsDeletedBlobs(t *testing.T) {
	e, _ := newCachedEngine(t, 8<<20, 4<<20)
	want := data(2 * sealed.ChunkSize)
	id := put(t, e, want)
	readRange(t, e, id, 0, int64(len(want)))
	if err := e.Delete(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Open(t.Context(), id); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Open after Delete: %v, want ErrNotFound (the cache kept the plaintext)", err)
	}
}

func TestCacheKeepsOnlyWholeReadsThatWentOut(t *testing.T) {
	e, under := newCachedEngine(t, 8<<20, 4<<20)
	want := data(1 << 20)
	id := put(t, e, want)
	b, err := e.Open(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.(storage.RangeWriter).WriteRange(&failingWriter{limit: 100_000}, 0, int64(len(want))); err == nil {
		t.Fatal("WriteRange to a failing writer succeeded")
	}
	b.Close()
	before := under.opens.Load()
	if got := readRange(t, e, id, 0, int64(len(want))); !bytes.Equal(got, want) {
		t.Fatal("read after a failed one differs")
	}
	if under.opens.Load() == before {
		t.Error("a read that failed half-way was cached")
	}
}

func TestCacheStaysWithinItsBound(t *testing.T) {
	const max = 4 << 20
	e, under := newCachedEngine(t, max, 1<<20)
	for i := range 24 {
		b := data(1 << 20)
		b[0] = byte(i)
		id := put(t, e, b)
		readRange(t, e, id, 0, 1<<20)
		if got := e.CachedBytes(); got > max {
			t.Fatalf("after %d blobs the cache holds %d bytes, bound %d", i+1, got, max)
		}
		// Whatever the cache kept or evicted, every read is right.
		if got := readRange(t, e, id, 0, 1<<20); !bytes.Equal(got, b) {
			t.Fatalf("blob %d differs", i)
		}
	}
	if under.opens.Load() < 24 {
		t.Errorf("%d opens of the stored blobs, want at least one per blob", under.opens.Load())
	}
}

func TestCacheConcurrentReads(t *testing.T) {
	e, _ := newCachedEngine(t, 4<<20, 1<<20)
	want := make([][]byte, 8)
	ids := make([]storage.BlobID, 8)
	for i := range ids {
		want[i] = data(256<<10 + i)
		ids[i] = put(t, e, want[i])
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 20 {
				i := (g + r) % len(ids)
				b, err := e.Open(context.Background(), ids[i])
				if err != nil {
					t.Error(err)
					return
				}
				var out bytes.Buffer
				if rw, ok := b.(storage.RangeWriter); ok {
					_, err = rw.WriteRange(&out, 0, b.Size())
				} else {
					out.Write(b.(storage.BytesBlob).Bytes())
				}
				b.Close()
				if err != nil || !bytes.Equal(out.Bytes(), want[i]) {
					t.Errorf("blob %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
