package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"

	"signet/internal/meta/bolt"
)

// blobsLockFile is the lock file in the blob folder (--blobs), beside the
// disk engine's blobs/ and tmp/, which it never reads.
const blobsLockFile = "lock"

// ErrBlobsInUse: another running server holds the blob folder.
var ErrBlobsInUse = errors.New("the blob folder is in use by another running server")

// lockBlobs takes the blob folder for this server alone until release.
// The bolt metadata store serves one node, so two servers on one blob
// folder would each find the other's blobs unreferenced (deleting them
// once past orphanGrace) and clear the other's writes in flight when the
// disk engine opens: the second is refused. The metadata store's own lock
// does not cover this once --meta or --blobs moves one of them out of the
// data directory.
func lockBlobs(dir string) (release func() error, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l := flock.New(filepath.Join(dir, blobsLockFile), flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("locking the blob folder %s: %w", dir, err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s (a blob folder serves one bolt metadata store; stop the other server or give this one its own --blobs)", ErrBlobsInUse, dir)
	}
	return l.Unlock, nil
}

// lockedStore is the bolt store holding the blob folder's lock, which it
// releases when it closes, after the store, so every path that closes the
// store (a failed start included) lets the folder go.
type lockedStore struct {
	*bolt.Store
	unlockBlobs func() error
}

// Close closes the store, then releases the blob folder.
func (l *lockedStore) Close() error {
	return errors.Join(l.Store.Close(), l.unlockBlobs())
}
