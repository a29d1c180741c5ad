package disk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"signet/internal/storage"
)

// RewriteHead overwrites the first len(head) bytes of blob id in place and
// fsyncs the file. It is the one exception to blobs being immutable: a
// rotation of the sealing key re-wraps each blob's data key in its header
// and must not rewrite the object bytes after it. The write is not atomic
// against a crash (a sector may be torn), so the caller journals the new
// header first and re-applies it after a crash; it must also hold the only
// engine on the root (the server stopped), since a reader could see a
// header half written. A missing blob is storage.ErrNotFound; the blob
// must already be at least len(head) bytes long.
func (e *Engine) RewriteHead(ctx context.Context, id storage.BlobID, head []byte) error {
	if !id.Valid() {
		return storage.ErrInvalidID
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Put's FS never writes into a published file, so this goes to the
	// file system directly rather than widening FS for one caller.
	f, err := os.OpenFile(e.path(id), os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("disk: rewrite head: %w", err)
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() < int64(len(head)) {
		err = fmt.Errorf("blob %s is %d bytes, shorter than the head", id, fi.Size())
	}
	if err == nil {
		_, err = f.WriteAt(head, 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("disk: rewrite head: %w", err)
	}
	return nil
}
