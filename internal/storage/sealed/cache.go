package sealed

import (
	"io"

	"github.com/maypok86/otter/v2"

	"signet/internal/storage"
)

// An unencrypted GET of a hot object is served from the kernel's page
// cache with sendfile; a sealed one pays AES-GCM on every read (about
// 0.25 ms per MiB on one core), which for objects of a few MiB costs a
// third of the throughput. plainCache is the sealed engine's equivalent of
// the page cache: the plaintext of small sealed blobs that were just read
// whole, bounded in bytes.
//
// What it may hold, and why that is safe:
//   - only blobs sealed under the sealing key (SSE-S3). A blob opened with
//     a customer's key (SSE-C) is never cached: its plaintext must not be
//     served to a request that did not present that key.
//   - entries are keyed by blob ID. Blobs are immutable and an ID is never
//     reused, so an entry can never go stale; Delete evicts it so the
//     plaintext of a deleted object does not outlive it in memory.
//   - the plaintext stays in process memory, never on disk: encryption at
//     rest is unchanged.
type plainCache struct {
	maxObject int64
	// c is a W-TinyLFU cache weighted by plaintext bytes: admission
	// weighs how often a blob is read against the blob it would evict.
	// With a working set larger than the cache, plain LRU evicted every
	// blob before its next read and cost more than no cache at all
	// (BenchmarkSSEGET1MiBBeyondCache: 0.45 of the plain throughput
	// against 0.69 with this one).
	c *otter.Cache[storage.BlobID, []byte]
}

// DefaultCacheObject is the largest blob the server caches: larger reads
// stream through the pipeline, where the socket rather than the cipher
// sets the pace.
const DefaultCacheObject = 4 << 20

// newPlainCache returns a cache of at most maxBytes of plaintext, holding
// blobs of at most maxObject bytes.
func newPlainCache(maxBytes, maxObject int64) *plainCache {
	c := otter.Must(&otter.Options[storage.BlobID, []byte]{
		MaximumWeight: uint64(maxBytes),
		Weigher:       func(_ storage.BlobID, v []byte) uint32 { return uint32(len(v)) },
		// Maintenance (eviction) runs on the caller's goroutine: no
		// background goroutine per engine, and the bound holds when Set
		// returns.
		Executor: func(fn func()) { fn() },
	})
	return &plainCache{maxObject: min(maxObject, maxBytes), c: c}
}

// get returns the plaintext of id, if held. The slice is shared: callers
// must not modify it.
func (c *plainCache) get(id storage.BlobID) ([]byte, bool) { return c.c.GetIfPresent(id) }

// fits reports whether a blob of size plaintext bytes may be cached.
func (c *plainCache) fits(size int64) bool { return size > 0 && size <= c.maxObject }

// add offers pt as id's plaintext; the cache admits it or not.
func (c *plainCache) add(id storage.BlobID, pt []byte) {
	if c.fits(int64(len(pt))) {
		c.c.SetIfAbsent(id, pt)
	}
}

// remove forgets id.
func (c *plainCache) remove(id storage.BlobID) { c.c.Invalidate(id) }

// size returns the bytes of plaintext held, after pending evictions.
func (c *plainCache) size() int64 {
	c.c.CleanUp()
	return int64(c.c.WeightedSize())
}

// teeWriter writes to w and keeps a copy of everything written in buf,
// which a whole-blob read fills for the cache.
type teeWriter struct {
	w   io.Writer
	buf []byte
}

func (t *teeWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// CachedBytes returns the bytes of plaintext the cache holds (0 when off).
func (e *Engine) CachedBytes() int64 {
	if e.cache == nil {
		return 0
	}
	return e.cache.size()
}
