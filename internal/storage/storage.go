// Package storage defines where object bytes live. An engine stores
// immutable blobs under IDs it chooses; the metadata store maps bucket and
// key to blobs. Keys never become file names, so no key can escape the data
// directory, and publishing a blob is separate from the metadata commit that
// makes it visible: a crash between the two leaves an orphan blob, which
// start-up recovery deletes, never a torn object.
//
// Engines: disk (default), inline (small blobs in the metadata store, in
// front of disk), memory (tests). Every engine passes storagetest.Run.
package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// BlobID names a blob. It is opaque to callers, made of [0-9a-z] only.
type BlobID string

// Errors in storage's own words; API packages map them to wire codes.
var (
	ErrNotFound  = errors.New("storage: blob not found")
	ErrInvalidID = errors.New("storage: invalid blob id")
)

// Blob is an open blob. For the disk engine it is backed by an *os.File so
// that net/http can use sendfile.
type Blob interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
	Size() int64
}

// Engine stores immutable blobs.
type Engine interface {
	// Put streams r into a new blob and returns its ID and size. When Put
	// returns nil the blob is durable (written, fsynced, renamed into place,
	// its directory fsynced) — or, for the inline engine, staged: held in
	// memory until the metadata commit that first references it writes it
	// in the same transaction, which is that write's commit point anyway
	// (docs/design/0004-durable-small-puts.md). On error nothing is left
	// behind. Memory use does not grow with the blob's size beyond the
	// inline engine's small limit.
	Put(ctx context.Context, r io.Reader) (BlobID, int64, error)
	// Open opens a blob for reading; ErrNotFound if it does not exist.
	Open(ctx context.Context, id BlobID) (Blob, error)
	// Delete removes a blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, id BlobID) error
	// Walk calls fn for every blob stored, in no particular order. Start-up
	// recovery uses it to find orphans.
	Walk(ctx context.Context, fn func(BlobID) error) error
	// Close releases the engine's resources.
	Close() error
}

// Ager is an optional capability of an Engine, found by a type assertion
// as io/fs finds its optional interfaces: when a blob was last written.
// Where several nodes share one blob folder, start-up recovery deletes an
// orphan only once it is older than a grace period, because a blob without
// a metadata record may be another node's write that has not committed
// yet; there, an engine that cannot tell is never swept at start.
type Ager interface {
	// ModTime returns when blob id was last written; ErrNotFound if it
	// does not exist.
	ModTime(ctx context.Context, id BlobID) (time.Time, error)
}
