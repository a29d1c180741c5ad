// Package disk is the default storage engine: each blob is one file under a
// root directory.
//
// Layout:
//
//	<root>/blobs/<first 2 chars of id>/<id>   published blobs, 0600
//	<root>/tmp/put-*                         Puts in flight
//
// A blob is written to tmp/, fsynced, renamed into blobs/ and its directory
// fsynced before Put returns, so a crash leaves either no blob or a whole
// one. Whatever is in tmp/ when the engine opens is the debris of a crash
// and is deleted. Fanning out over 2 characters of base32 gives 1024
// directories, which keeps each directory small enough for fast lookups
// without a second level.
//
// One root is used by one Engine at a time, unless every Engine on it
// opens with KeepYoungTemp: Open clears tmp/, which would destroy the
// in-flight writes of another engine on the same root. With
// KeepYoungTemp it clears only what no write has touched for a grace
// period, so nodes sharing one blob folder (on a file system they all
// mount) keep each other's writes in flight, and rename-into-place stays
// atomic, within one file system.
package disk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"signet/internal/storage"
)

// bufSize is the copy buffer of Put: large enough that writing a big blob
// costs few syscalls, small enough to pool one per concurrent Put.
const bufSize = 1 << 20

// writebackEvery is how much of a blob is written before Put asks the
// kernel to start flushing it (see startWriteback): large enough to keep
// the disk's requests big, small enough to overlap most of the flush with
// receiving the body.
const writebackEvery = 8 << 20

// bufPool holds *[]byte of bufSize. Pooling keeps Put's allocations
// independent of both the blob size and the number of Puts.
var bufPool = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// Engine stores blobs as files. It is safe for concurrent use.
type Engine struct {
	fs    FS
	root  string
	blobs string
	tmp   string
	newID func() storage.BlobID // a field so that tests can fix IDs

	// keepYoung, when set, keeps temp files modified after it at Open
	// (KeepYoungTemp).
	keepYoung time.Time

	mu sync.Mutex
	// fanouts records the fan-out directories this Engine has made durable
	// (created, and the creation fsynced in blobs/), so that only the first
	// Put into each pays for it.
	fanouts map[string]bool
}

var (
	_ storage.Engine   = (*Engine)(nil)
	_ storage.Ager     = (*Engine)(nil)
	_ storage.Blob     = (*blob)(nil)
	_ storage.FileBlob = (*blob)(nil)
)

// Option configures Open.
type Option func(*Engine)

// WithFS makes the engine perform every file-system operation through fsys
// instead of the real file system. Tests use it to record and break them.
func WithFS(fsys FS) Option { return func(e *Engine) { e.fs = fsys } }

// KeepYoungTemp makes Open keep the temp files modified within grace
// before now: on a blob folder several nodes share, a young one may be
// another node's Put in flight (a Put writes its file continuously, and
// a request body idle for long is cut), where an old one can only be a
// crash's debris. now and the files' times must come from comparable
// clocks; a generous grace absorbs their disagreement.
func KeepYoungTemp(now time.Time, grace time.Duration) Option {
	return func(e *Engine) { e.keepYoung = now.Add(-grace) }
}

// Open opens the engine rooted at root, creating root, blobs/ and tmp/
// (mode 0700) as needed, and deletes everything in tmp/ (with
// KeepYoungTemp, everything old enough): those are Puts a crash
// interrupted, which were never published.
func Open(root string, opts ...Option) (*Engine, error) {
	if root == "" {
		return nil, errors.New("disk: empty root directory")
	}
	e := &Engine{
		fs:      OSFS{},
		root:    root,
		blobs:   filepath.Join(root, "blobs"),
		tmp:     filepath.Join(root, "tmp"),
		newID:   storage.NewBlobID,
		fanouts: make(map[string]bool),
	}
	for _, o := range opts {
		o(e)
	}
	_, err := e.fs.ReadDir(root)
	created := errors.Is(err, fs.ErrNotExist)
	for _, dir := range []string{e.blobs, e.tmp} {
		if err := e.fs.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("disk: open: %w", err)
		}
	}
	// Make blobs/ and tmp/ durable, and root itself if Open created it:
	// otherwise a crash could lose a directory that blobs were already
	// published into.
	if err := e.fs.SyncDir(root); err != nil {
		return nil, fmt.Errorf("disk: open: %w", err)
	}
	if created {
		if err := e.fs.SyncDir(filepath.Dir(root)); err != nil {
			return nil, fmt.Errorf("disk: open: %w", err)
		}
	}
	entries, err := e.fs.ReadDir(e.tmp)
	if err != nil {
		return nil, fmt.Errorf("disk: open: %w", err)
	}
	for _, ent := range entries {
		if young, err := e.young(ent); err != nil || young {
			continue // gone meanwhile, or perhaps another node's Put
		}
		if err := e.fs.RemoveAll(filepath.Join(e.tmp, ent.Name())); err != nil {
			return nil, fmt.Errorf("disk: open: clearing tmp: %w", err)
		}
	}
	return e, nil
}

// young reports whether a temp entry must be kept under KeepYoungTemp.
func (e *Engine) young(ent fs.DirEntry) (bool, error) {
	if e.keepYoung.IsZero() {
		return false, nil
	}
	fi, err := ent.Info()
	if err != nil {
		return false, err
	}
	return fi.ModTime().After(e.keepYoung), nil
}

// Root returns the root directory.
func (e *Engine) Root() string { return e.root }

// path returns where blob id lives. id must be valid.
func (e *Engine) path(id storage.BlobID) string {
	return filepath.Join(e.root, RelPath(id))
}

// RelPath is where blob id lives relative to the engine's root, with
// forward slashes: a backup copies blobs to and from these paths. id must
// be valid (storage.BlobID's alphabet, at least two characters).
func RelPath(id storage.BlobID) string {
	return "blobs/" + string(id[:2]) + "/" + string(id)
}

// Put implements storage.Engine. The sequence is: create a temp file in
// tmp/, write, fsync, close, create the fan-out directory if this engine has
// not yet (and fsync blobs/), rename into place, fsync the fan-out
// directory. Any failure removes what was written, the published file
// included if only the last fsync failed, since the caller will not record
// the ID. Cancellation is checked between 1 MiB chunks and before the
// rename; a Read that blocks is the reader's to interrupt.
func (e *Engine) Put(ctx context.Context, r io.Reader) (_ storage.BlobID, _ int64, err error) {
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	id := e.newID()
	f, err := e.fs.CreateTemp(e.tmp, "put-*")
	if err != nil {
		return "", 0, fmt.Errorf("disk: put: %w", err)
	}
	discard, open := f.Name(), true
	defer func() {
		if err == nil {
			return
		}
		if open {
			_ = f.Close() // discarded anyway; the write error is the one to report
		}
		if rerr := e.fs.Remove(discard); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			// A temp file left here is removed by the next Open; a
			// published one is an orphan, which start-up recovery finds.
			err = errors.Join(err, fmt.Errorf("disk: put: cleanup: %w", rerr))
		}
	}()

	n, err := copyChunks(ctx, f, r)
	if err != nil {
		return "", 0, fmt.Errorf("disk: put: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", 0, fmt.Errorf("disk: put: %w", err)
	}
	open = false
	if err := f.Close(); err != nil {
		return "", 0, fmt.Errorf("disk: put: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	dir, err := e.fanout(id)
	if err != nil {
		return "", 0, fmt.Errorf("disk: put: %w", err)
	}
	final := filepath.Join(dir, string(id))
	if err := e.fs.Rename(discard, final); err != nil {
		return "", 0, fmt.Errorf("disk: put: %w", err)
	}
	discard = final
	if err := e.fs.SyncDir(dir); err != nil {
		return "", 0, fmt.Errorf("disk: put: %w", err)
	}
	return id, n, nil
}

// fanout returns the directory blob id goes into, creating it durably if
// this engine has not done so yet: the new directory's own entry lives in
// blobs/, so blobs/ is fsynced too, or a crash could lose the directory
// with every blob published into it.
func (e *Engine) fanout(id storage.BlobID) (string, error) {
	name := string(id[:2])
	dir := filepath.Join(e.blobs, name)
	e.mu.Lock()
	known := e.fanouts[name]
	e.mu.Unlock()
	if known {
		return dir, nil
	}
	// Two Puts racing here both create and fsync; that is harmless.
	if err := e.fs.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := e.fs.SyncDir(e.blobs); err != nil {
		return "", err
	}
	e.mu.Lock()
	e.fanouts[name] = true
	e.mu.Unlock()
	return dir, nil
}

// Open implements storage.Engine. The blob is an *os.File underneath; see
// storage.FileBlob.
func (e *Engine) Open(ctx context.Context, id storage.BlobID) (storage.Blob, error) {
	if !id.Valid() {
		return nil, storage.ErrInvalidID
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := e.fs.Open(e.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("disk: open blob: %w", err)
	}
	// Blobs are immutable, so the size read now stays true.
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("disk: open blob: %w", err)
	}
	return &blob{f: f, size: fi.Size()}, nil
}

// Delete implements storage.Engine. It does not fsync the directory: if a
// crash undoes the removal, the blob is an orphan no metadata points at,
// which start-up recovery deletes again.
func (e *Engine) Delete(ctx context.Context, id storage.BlobID) error {
	if !id.Valid() {
		return storage.ErrInvalidID
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := e.fs.Remove(e.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("disk: delete: %w", err)
	}
	return nil
}

// ModTime implements storage.Ager: the blob file's modification time,
// which is when its bytes were written (the rename that publishes a blob
// does not change it), by the clock of the machine holding the files.
func (e *Engine) ModTime(ctx context.Context, id storage.BlobID) (time.Time, error) {
	if !id.Valid() {
		return time.Time{}, storage.ErrInvalidID
	}
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	fi, err := e.fs.Stat(e.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, storage.ErrNotFound
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("disk: blob age: %w", err)
	}
	return fi.ModTime(), nil
}

// Walk implements storage.Engine. Entries under blobs/ that the engine
// could not have made (wrong names, files in the wrong fan-out directory)
// are skipped: they are not blobs, and passing them on would hand callers
// IDs that Open and Delete reject.
func (e *Engine) Walk(ctx context.Context, fn func(storage.BlobID) error) error {
	dirs, err := e.fs.ReadDir(e.blobs)
	if err != nil {
		return fmt.Errorf("disk: walk: %w", err)
	}
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		entries, err := e.fs.ReadDir(filepath.Join(e.blobs, d.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("disk: walk: %w", err)
		}
		for _, ent := range entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			id := storage.BlobID(ent.Name())
			if !ent.Type().IsRegular() || !id.Valid() || string(id[:2]) != d.Name() {
				continue
			}
			if err := fn(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close implements storage.Engine. The engine holds no resources between
// calls, so Close does nothing; open blobs stay readable until closed.
func (e *Engine) Close() error { return nil }

// blob is an open blob file. It wraps the *os.File rather than returning it
// so that callers see only the read side of storage.Blob.
type blob struct {
	f    *os.File
	size int64
}

func (b *blob) Read(p []byte) (int, error)                   { return b.f.Read(p) }
func (b *blob) ReadAt(p []byte, off int64) (int, error)      { return b.f.ReadAt(p, off) }
func (b *blob) Seek(offset int64, whence int) (int64, error) { return b.f.Seek(offset, whence) }
func (b *blob) Close() error                                 { return b.f.Close() }

// Size returns the blob's length in bytes.
func (b *blob) Size() int64 { return b.size }

// File returns the underlying file, for sendfile; see storage.FileBlob.
func (b *blob) File() *os.File { return b.f }
