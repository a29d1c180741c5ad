// Package memory is a storage engine that keeps blobs in memory, for tests
// of the packages above storage. It behaves like the disk engine as far as
// storagetest.Run can tell, but nothing survives Close.
package memory

import (
	"bytes"
	"context"
	"io"
	"sync"

	"signet/internal/storage"
)

// chunkSize is how much Put reads between cancellation checks.
const chunkSize = 32 << 10

// Engine keeps blobs as byte slices. It is safe for concurrent use.
type Engine struct {
	mu    sync.RWMutex
	blobs map[storage.BlobID][]byte
}

var _ storage.Engine = (*Engine)(nil)

// New returns an empty engine.
func New() *Engine {
	return &Engine{blobs: make(map[storage.BlobID][]byte)}
}

// Put implements storage.Engine. It reads r in chunks, as the disk engine
// does, so that cancellation and reader errors are seen mid-stream, and it
// copies the bytes: nothing the caller does to its buffers afterwards can
// change a stored blob. Apart from the blob itself, memory use does not grow
// with its size.
func (e *Engine) Put(ctx context.Context, r io.Reader) (storage.BlobID, int64, error) {
	var data []byte
	chunk := make([]byte, chunkSize)
	for empty := 0; ; {
		if err := ctx.Err(); err != nil {
			return "", 0, err
		}
		n, err := r.Read(chunk)
		data = append(data, chunk[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", 0, err
		}
		// As bufio does: a reader that keeps returning nothing would
		// otherwise spin forever.
		if n > 0 {
			empty = 0
		} else if empty++; empty >= 100 {
			return "", 0, io.ErrNoProgress
		}
	}
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	id := storage.NewBlobID()
	for e.blobs[id] != nil { // 128 random bits: never in practice, but cheap to rule out
		id = storage.NewBlobID()
	}
	if data == nil {
		data = []byte{} // non-nil marks presence in the map
	}
	e.blobs[id] = data
	return id, int64(len(data)), nil
}

// Open implements storage.Engine. Blobs are never modified after Put, so
// readers share the stored slice without copying.
func (e *Engine) Open(ctx context.Context, id storage.BlobID) (storage.Blob, error) {
	if !id.Valid() {
		return nil, storage.ErrInvalidID
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.mu.RLock()
	data, ok := e.blobs[id]
	e.mu.RUnlock()
	if !ok {
		return nil, storage.ErrNotFound
	}
	return blob{bytes.NewReader(data)}, nil
}

// Delete implements storage.Engine.
func (e *Engine) Delete(ctx context.Context, id storage.BlobID) error {
	if !id.Valid() {
		return storage.ErrInvalidID
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	delete(e.blobs, id)
	e.mu.Unlock()
	return nil
}

// Walk implements storage.Engine. It calls fn on a snapshot of the IDs,
// without holding the lock, so fn may Put and Delete.
func (e *Engine) Walk(ctx context.Context, fn func(storage.BlobID) error) error {
	e.mu.RLock()
	ids := make([]storage.BlobID, 0, len(e.blobs))
	for id := range e.blobs {
		ids = append(ids, id)
	}
	e.mu.RUnlock()
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// Close implements storage.Engine; it drops every blob. Blobs already open
// stay readable.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.blobs = make(map[storage.BlobID][]byte)
	e.mu.Unlock()
	return nil
}

// blob adds Close to bytes.Reader, which already has Read, ReadAt, Seek and
// Size with the semantics storage.Blob asks for.
type blob struct{ *bytes.Reader }

func (blob) Close() error { return nil }
