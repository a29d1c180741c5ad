package bolt

import (
	"bytes"
	"context"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
)

// Completed uploads are remembered so that a repeated
// CompleteMultipartUpload answers as the first did (meta.CompletedUpload).
// Two top-level buckets hold them:
//
//	completed     upload ID -> completed-upload record
//	completedidx  completed (12 bytes) | upload ID -> nothing
//
// The index orders records by completion time so that pruning reads only
// the oldest ones. Records are not removed with their bucket (the bucket's
// creation time in the record tells a new bucket of the same name) nor
// when the object is replaced: what a completion answered stays true of
// that completion.
var (
	bktCompleted    = []byte("completed")
	bktCompletedIdx = []byte("completedidx")
)

// prunePerCompletion bounds the expired records one completion removes,
// so that pruning adds a small, fixed cost to each completion and the
// records of a burst of completions are gone a few completions after
// they expire.
const prunePerCompletion = 8

// recordCompletion keeps the record of upload id, completed as obj, and
// prunes records older than meta.CompletedUploadRetention before obj's
// time. It runs in the completing transaction.
func recordCompletion(tx *bbolt.Tx, id string, obj *meta.Object) error {
	bv := tx.Bucket(bktBuckets).Get([]byte(obj.Bucket))
	if bv == nil {
		return meta.ErrNoSuchBucket
	}
	b, err := decodeBucket(obj.Bucket, bv)
	if err != nil {
		return err
	}
	c := meta.CompletedUpload{
		Bucket: obj.Bucket, Key: obj.Key, ID: id, BucketCreated: b.Created,
		Completed: obj.LastModified, ETag: obj.ETag, Size: obj.Size,
		Checksums: obj.Checksums, ChecksumType: obj.ChecksumType, VersionID: obj.VersionID,
		ServerSideEncryption: obj.ServerSideEncryption,
	}
	if err := pruneCompletions(tx, obj.LastModified.Add(-meta.CompletedUploadRetention)); err != nil {
		return err
	}
	// An ID completed before (IDs are random, but the store does not
	// rely on it) loses its old index entry, so pruning that entry
	// cannot remove the new record.
	if v := tx.Bucket(bktCompleted).Get([]byte(id)); v != nil {
		prev, err := decodeCompleted(id, v)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bktCompletedIdx).Delete(completedIdxKey(prev.Completed, id)); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bktCompleted).Put([]byte(id), encodeCompleted(&c)); err != nil {
		return err
	}
	return tx.Bucket(bktCompletedIdx).Put(completedIdxKey(c.Completed, id), nil)
}

func completedIdxKey(t time.Time, id string) []byte {
	return append(appendTimeKey(make([]byte, 0, timeKeyLen+len(id)), t), id...)
}

// pruneCompletions removes up to prunePerCompletion records completed
// before cutoff, oldest first.
func pruneCompletions(tx *bbolt.Tx, cutoff time.Time) error {
	end := appendTimeKey(nil, cutoff)
	var old [][]byte
	c := tx.Bucket(bktCompletedIdx).Cursor()
	for k, _ := c.First(); k != nil && len(old) < prunePerCompletion && bytes.Compare(k, end) < 0; k, _ = c.Next() {
		old = append(old, bytes.Clone(k))
	}
	for _, k := range old {
		if len(k) < timeKeyLen {
			return errCorrupt
		}
		if err := tx.Bucket(bktCompleted).Delete(k[timeKeyLen:]); err != nil {
			return err
		}
		if err := tx.Bucket(bktCompletedIdx).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) GetCompletedUpload(ctx context.Context, bucket, key, uploadID string) (meta.CompletedUpload, error) {
	var c meta.CompletedUpload
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		bv := tx.Bucket(bktBuckets).Get([]byte(bucket))
		if bv == nil {
			return meta.ErrNoSuchBucket
		}
		b, err := decodeBucket(bucket, bv)
		if err != nil {
			return err
		}
		v := tx.Bucket(bktCompleted).Get([]byte(uploadID))
		if uploadID == "" || v == nil {
			return meta.ErrNoSuchUpload
		}
		if c, err = decodeCompleted(uploadID, v); err != nil {
			return err
		}
		if c.Bucket != bucket || c.Key != key || !c.BucketCreated.Equal(b.Created) {
			return meta.ErrNoSuchUpload
		}
		return nil
	})
	if err != nil {
		return meta.CompletedUpload{}, err
	}
	return c, nil
}

// Completed-upload record: everything but ID, which is its key.

func encodeCompleted(c *meta.CompletedUpload) []byte {
	e := encoder{b: make([]byte, 0, 96+len(c.Bucket)+len(c.Key))}
	e.b = append(e.b, recordV1)
	e.str(c.Bucket)
	e.str(c.Key)
	e.time(c.BucketCreated)
	e.time(c.Completed)
	e.str(c.ETag)
	e.varint(c.Size)
	e.strMap(c.Checksums)
	e.str(c.ChecksumType)
	// Appended after the first records' fields: a record written before
	// it ends without it, and a repeat of that completion sends no
	// x-amz-version-id.
	e.str(c.VersionID)
	// Appended, so records written before SSE-C decode unchanged.
	e.str(c.ServerSideEncryption)
	return e.b
}

func decodeCompleted(id string, v []byte) (meta.CompletedUpload, error) {
	d := newDecoder(v)
	c := meta.CompletedUpload{ID: id}
	c.Bucket = d.str()
	c.Key = d.str()
	c.BucketCreated = d.time()
	c.Completed = d.time()
	c.ETag = d.str()
	c.Size = d.varint()
	c.Checksums = d.strMap()
	c.ChecksumType = d.str()
	if d.more() {
		c.VersionID = d.str()
	}
	if d.more() {
		c.ServerSideEncryption = d.str()
	}
	return c, d.done()
}
