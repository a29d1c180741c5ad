package bolt

import (
	"context"
	"io"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/storage"
)

// Snapshot is a consistent copy of the store as of one read transaction.
// Its methods are valid only inside the function given to Store.Snapshot.
type Snapshot struct {
	tx *bbolt.Tx
}

// Size is the number of bytes WriteTo writes.
func (s Snapshot) Size() int64 { return s.tx.Size() }

// WriteTo writes the whole database file as of the snapshot. Writers go
// on committing meanwhile: bbolt keeps the pages this transaction sees
// until it ends.
func (s Snapshot) WriteTo(w io.Writer) (int64, error) { return s.tx.WriteTo(w) }

// FileBlobs returns every blob the snapshot references that lives outside
// the file (not inline): the bytes a backup must copy besides the file.
func (s Snapshot) FileBlobs() []storage.BlobID {
	var ids []storage.BlobID
	_ = s.tx.Bucket(bktRefs).ForEach(func(k, _ []byte) error {
		if id := storage.BlobID(k); !id.Inline() {
			ids = append(ids, id)
		}
		return nil
	})
	return ids
}

// Snapshot calls fn with a consistent view of the store, for a hot backup:
// one read transaction, so the copy and its list of blobs agree with each
// other and with one moment of the store, while writers go on. fn should
// not linger: the file cannot reuse pages freed while it runs, and a
// writer whose commit grows the file past its memory map waits for fn to
// return (bbolt remaps only with no read transaction open; the map
// doubles, so that is rare). fn must not wait for a write.
func (s *Store) Snapshot(ctx context.Context, fn func(Snapshot) error) error {
	return s.view(ctx, func(tx *bbolt.Tx) error { return fn(Snapshot{tx: tx}) })
}
