// Package inline is a storage engine that keeps small blobs in the
// metadata store and passes larger ones to another engine (the disk
// engine in the server).
//
// Why: a small durable PUT on the disk engine pays a file fsync and a
// directory fsync of its own, which concurrent PUTs cannot share, and then
// the metadata commit. An inline blob is instead written by the metadata
// commit that makes it visible, in the same transaction: the metadata
// store groups concurrent commits, so one fsync makes many small objects
// durable. See docs/design/0004-durable-small-puts.md.
//
// How: Put reads up to Max bytes. A body that ends within them is handed
// to Store.StageBlob, which keeps it in memory under a new inline ID
// (storage.NewInlineBlobID). The first metadata commit that references the
// ID writes the bytes in its transaction; until then the blob is readable
// but not durable, which is safe because nothing can refer to it yet: the
// commit is the write's commit point either way. A staged blob no commit
// will reference is dropped by Delete, as callers already delete the blobs
// of failed writes.
//
// The Store must be the metadata store the blobs' references are committed
// to; wiring the engine to any other store would lose every small write.
package inline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"signet/internal/storage"
)

// DefaultMax is the largest blob kept inline. 16 KiB covers the small
// objects whose PUTs are fsync-bound (thumbnails, manifests, JSON) while
// keeping the metadata file's growth and each commit's write modest;
// beyond it a blob's own write costs more than its fsync and sendfile
// serves GETs better from a file.
const DefaultMax = 16 << 10

// Store keeps inline blobs: a metadata engine with the
// storage.InlineStore capability (the bolt engine has it).
type Store = storage.InlineStore

// Engine is a storage.Engine that keeps blobs of at most Max bytes in a
// Store and the rest in Next. It is safe for concurrent use.
type Engine struct {
	next  storage.Engine
	small Store
	max   int
	// bufs holds *[]byte of max+1 bytes: one more than fits inline, so a
	// full buffer means "larger".
	bufs sync.Pool
}

var (
	_ storage.Engine    = (*Engine)(nil)
	_ storage.Blob      = (*blob)(nil)
	_ storage.BytesBlob = (*blob)(nil)
)

// New returns an engine keeping blobs of at most max bytes in small and
// the others in next. Close closes next, not small: the metadata store
// has its own owner.
func New(next storage.Engine, small Store, max int) *Engine {
	e := &Engine{next: next, small: small, max: max}
	e.bufs.New = func() any { b := make([]byte, max+1); return &b }
	return e
}

// Put implements storage.Engine. A body of at most max bytes is staged
// inline; a longer one streams to the next engine, its first max+1 bytes
// replayed from the buffer that found it was longer.
func (e *Engine) Put(ctx context.Context, r io.Reader) (storage.BlobID, int64, error) {
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	bp := e.bufs.Get().(*[]byte)
	defer e.bufs.Put(bp)
	buf := *bp
	n, err := storage.Fill(r, buf)
	switch {
	case err == nil || (err == io.EOF && n > e.max):
		// The buffer filled up: not a small blob.
		return e.next.Put(ctx, io.MultiReader(bytes.NewReader(buf[:n]), r))
	case err != io.EOF:
		return "", 0, fmt.Errorf("inline: put: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	return e.small.StageBlob(bytes.Clone(buf[:n])), int64(n), nil
}

// Open implements storage.Engine.
func (e *Engine) Open(ctx context.Context, id storage.BlobID) (storage.Blob, error) {
	if !id.Inline() {
		return e.next.Open(ctx, id)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := e.small.InlineBlob(ctx, id)
	if err != nil {
		return nil, err
	}
	return &blob{Reader: bytes.NewReader(data), data: data}, nil
}

// Delete implements storage.Engine.
func (e *Engine) Delete(ctx context.Context, id storage.BlobID) error {
	if !id.Inline() {
		return e.next.Delete(ctx, id)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return e.small.DeleteInlineBlob(ctx, id)
}

// Walk implements storage.Engine: the next engine's blobs, then the
// inline ones.
func (e *Engine) Walk(ctx context.Context, fn func(storage.BlobID) error) error {
	if err := e.next.Walk(ctx, fn); err != nil {
		return err
	}
	return e.small.WalkInlineBlobs(ctx, fn)
}

// Close implements storage.Engine. It closes the next engine only.
func (e *Engine) Close() error { return e.next.Close() }

// blob is an open inline blob.
type blob struct {
	*bytes.Reader
	data []byte
}

func (b *blob) Close() error { return nil }

// Size returns the blob's length in bytes.
func (b *blob) Size() int64 { return int64(len(b.data)) }

// Bytes returns the blob's bytes; see storage.BytesBlob.
func (b *blob) Bytes() []byte { return b.data }
