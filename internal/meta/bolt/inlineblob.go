package bolt

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/storage"
)

// Inline blobs: the Store has the storage.InlineStore capability, which
// the server's blob engine (storage/inline) uses, so a small object's
// bytes are written by the same transaction as the record that makes it
// visible, and share that commit's fsync with every write grouped into
// it. docs/design/0004-durable-small-puts.md has the
// reasons and the figures.
//
// A blob's life: StageBlob keeps it in memory under a new inline ID; the
// first commit that references the ID (refStaging, in PutObject or PutPart)
// copies it into the inlineblobs bucket; after that commit the memory copy
// is dropped (unstage). When the last reference goes (unref), the same
// transaction deletes the bytes. A crash before the commit loses only a
// staged blob nothing refers to; a crash after it keeps record and bytes
// together: there is no state in which a key points at missing bytes.

var bktInlineBlobs = []byte("inlineblobs")

var _ storage.InlineStore = (*Store)(nil)

// staging holds inline blobs between StageBlob and their commit.
type staging struct {
	mu    sync.RWMutex
	blobs map[storage.BlobID][]byte
	// seq is the last sequence number handed out. Open starts it at the
	// highest stored one, so new IDs keep sorting after the stored ones.
	seq uint64
}

// StageBlob implements storage.InlineStore.
func (s *Store) StageBlob(data []byte) storage.BlobID {
	st := &s.staged
	st.mu.Lock()
	defer st.mu.Unlock()
	st.seq++
	id := storage.NewInlineBlobID(st.seq)
	if st.blobs == nil {
		st.blobs = make(map[storage.BlobID][]byte)
	}
	st.blobs[id] = data
	return id
}

func (s *Store) stagedBlob(id storage.BlobID) ([]byte, bool) {
	s.staged.mu.RLock()
	defer s.staged.mu.RUnlock()
	b, ok := s.staged.blobs[id]
	return b, ok
}

// unstage drops the memory copies of blobs a commit has made durable (or
// that will never be committed). IDs that are not staged are ignored.
func (s *Store) unstage(ids []storage.BlobID) {
	s.staged.mu.Lock()
	defer s.staged.mu.Unlock()
	for _, id := range ids {
		delete(s.staged.blobs, id)
	}
}

// storeInline writes a staged blob into tx. refStaging calls it when a
// transaction takes the first reference to an inline blob. A blob that is
// neither staged nor stored fails the transaction: committing would make a
// key point at bytes that do not exist.
func (s *Store) storeInline(tx *bbolt.Tx, id storage.BlobID) error {
	ib := tx.Bucket(bktInlineBlobs)
	if ib.Get([]byte(id)) != nil {
		return nil
	}
	data, ok := s.stagedBlob(id)
	if !ok {
		return fmt.Errorf("meta/bolt: inline blob %s is not staged: %w", id, storage.ErrNotFound)
	}
	// IDs are handed out in sequence, so inserts land at the end of the
	// bucket: filling pages completely halves the file's growth.
	ib.FillPercent = 1
	return ib.Put([]byte(id), data)
}

// InlineBlob implements storage.InlineStore. Stored bytes are copied out of the
// transaction: bbolt's slices are only valid inside it.
func (s *Store) InlineBlob(ctx context.Context, id storage.BlobID) ([]byte, error) {
	if b, ok := s.stagedBlob(id); ok {
		return b, nil
	}
	var out []byte
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bktInlineBlobs).Get([]byte(id))
		if v == nil {
			return storage.ErrNotFound
		}
		out = bytes.Clone(v)
		if out == nil {
			out = []byte{}
		}
		return nil
	})
	return out, err
}

// DeleteInlineBlob implements storage.InlineStore. Stored bytes normally go with
// their last reference, inside unref's transaction, so this usually only
// drops a staged copy and checks, reading, that nothing is left. It writes
// only for bytes no reference holds, which no sequence of calls produces
// but which must not stay forever if one does.
func (s *Store) DeleteInlineBlob(ctx context.Context, id storage.BlobID) error {
	s.unstage([]storage.BlobID{id})
	k := []byte(id)
	orphan := func(tx *bbolt.Tx) bool {
		return tx.Bucket(bktInlineBlobs).Get(k) != nil && tx.Bucket(bktRefs).Get(k) == nil
	}
	var found bool
	if err := s.view(ctx, func(tx *bbolt.Tx) error { found = orphan(tx); return nil }); err != nil || !found {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		if !orphan(tx) {
			return nil
		}
		return tx.Bucket(bktInlineBlobs).Delete(k)
	})
}

// WalkInlineBlobs implements storage.InlineStore: staged blobs, then stored ones,
// the stored ones read as walkKeys does, so fn runs outside any transaction.
func (s *Store) WalkInlineBlobs(ctx context.Context, fn func(storage.BlobID) error) error {
	s.staged.mu.RLock()
	staged := make([]storage.BlobID, 0, len(s.staged.blobs))
	for id := range s.staged.blobs {
		staged = append(staged, id)
	}
	s.staged.mu.RUnlock()
	for _, id := range staged {
		if err := fn(id); err != nil {
			return err
		}
	}
	return s.walkKeys(ctx, bktInlineBlobs, fn)
}

// lastInlineSeq returns the highest sequence number of the stored inline
// blobs, 0 when there are none.
func lastInlineSeq(tx *bbolt.Tx) uint64 {
	k, _ := tx.Bucket(bktInlineBlobs).Cursor().Last()
	seq, _ := storage.BlobID(k).InlineSeq()
	return seq
}

// RewriteInlineBlobHead overwrites the first len(head) bytes of the
// stored inline blob id, in one transaction (so, unlike a file's, the
// rewrite is atomic). Inline blobs are otherwise immutable; a rotation of
// the sealing key re-wraps the data key in each blob's header with the
// server stopped, and this is its write for blobs kept here. A blob that
// is not stored, or shorter than head, is an error.
func (s *Store) RewriteInlineBlobHead(ctx context.Context, id storage.BlobID, head []byte) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		ib := tx.Bucket(bktInlineBlobs)
		v := ib.Get([]byte(id))
		if v == nil {
			return storage.ErrNotFound
		}
		if len(v) < len(head) {
			return fmt.Errorf("meta/bolt: inline blob %s is %d bytes, shorter than the head", id, len(v))
		}
		nv := bytes.Clone(v)
		copy(nv, head)
		return ib.Put([]byte(id), nv)
	})
}
