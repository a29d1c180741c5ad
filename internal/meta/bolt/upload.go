package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
	"signet/internal/storage"
)

// The upload index orders a bucket's uploads by key, then initiation time,
// then ID, as ListMultipartUploads needs. Its keys are
//
//	escape(key) 0x00 0x01 | seconds (8 bytes BE, sign bit flipped) | nanos (4 bytes BE) | ID
//
// escape writes 0x00 as 0x00 0xFF and leaves every other byte alone, so
// keys containing NUL still sort in byte order and the 0x00 0x01
// terminator sorts before any longer key sharing the prefix. Escaping
// works byte by byte, so escape(p) is a prefix of escape(k) exactly when p
// is a prefix of k: a key prefix range is a range of the index too.

func escapeKey(dst []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		if key[i] == 0 {
			dst = append(dst, 0, 0xFF)
		} else {
			dst = append(dst, key[i])
		}
	}
	return dst
}

func uploadIdxKey(key string, t time.Time, id string) []byte {
	b := escapeKey(make([]byte, 0, len(key)+16+len(id)), key)
	b = append(b, 0, 1)
	b = appendTimeKey(b, t)
	return append(b, id...)
}

// timeKeyLen is the length of appendTimeKey's encoding.
const timeKeyLen = 12

// appendTimeKey appends t as 12 bytes that sort in time order, times
// before 1970 included: seconds (8 bytes BE, sign bit flipped), then
// nanoseconds (4 bytes BE).
func appendTimeKey(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

// splitUploadIdx returns the object key and upload ID of an index key.
func splitUploadIdx(k []byte) (key []byte, id []byte, ok bool) {
	for i := 0; i+1 < len(k); i++ {
		if k[i] != 0 {
			key = append(key, k[i])
			continue
		}
		switch k[i+1] {
		case 0xFF:
			key = append(key, 0)
			i++
		case 1:
			rest := k[i+2:]
			if len(rest) < timeKeyLen {
				return nil, nil, false
			}
			return key, rest[timeKeyLen:], true
		default:
			return nil, nil, false
		}
	}
	return nil, nil, false
}

func partKey(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

// loadUpload finds an upload by ID and checks that it belongs to bucket and
// key. A missing bucket is ErrNoSuchBucket; anything else that does not
// match is ErrNoSuchUpload, so an upload ID is useless outside its key.
func loadUpload(tx *bbolt.Tx, bucket, key, id string) (meta.Upload, error) {
	if objects(tx, bucket) == nil {
		return meta.Upload{}, meta.ErrNoSuchBucket
	}
	if id == "" {
		return meta.Upload{}, meta.ErrNoSuchUpload
	}
	v := tx.Bucket(bktUploads).Get([]byte(id))
	if v == nil {
		return meta.Upload{}, meta.ErrNoSuchUpload
	}
	u, err := decodeUpload(v)
	if err != nil {
		return meta.Upload{}, err
	}
	if u.Bucket != bucket || u.Key != key {
		return meta.Upload{}, meta.ErrNoSuchUpload
	}
	return u, nil
}

// dropUpload deletes an upload's record, index entry and parts, releasing
// the parts' blobs into freed.
func dropUpload(tx *bbolt.Tx, id []byte, freed *[]storage.BlobID) error {
	v := tx.Bucket(bktUploads).Get(id)
	if v == nil {
		return errCorrupt
	}
	u, err := decodeUpload(v)
	if err != nil {
		return err
	}
	pb := tx.Bucket(bktParts)
	if parts := pb.Bucket(id); parts != nil {
		var blobs []storage.BlobID
		err := parts.ForEach(func(k, v []byte) error {
			p, err := decodePart(0, v)
			blobs = append(blobs, p.Blob)
			return err
		})
		if err != nil {
			return err
		}
		if err := unref(tx, blobs, freed); err != nil {
			return err
		}
		if err := pb.DeleteBucket(id); err != nil {
			return err
		}
	}
	if idx := tx.Bucket(bktUploadIdx).Bucket([]byte(u.Bucket)); idx != nil {
		if err := idx.Delete(uploadIdxKey(u.Key, u.Initiated, u.ID)); err != nil {
			return err
		}
	}
	return tx.Bucket(bktUploads).Delete(id)
}

func (s *Store) CreateUpload(ctx context.Context, u meta.Upload) error {
	if err := checkKey(u.Key); err != nil {
		return err
	}
	if u.ID == "" {
		return invalid("empty upload id")
	}
	id := []byte(u.ID)
	return s.update(ctx, func(tx *bbolt.Tx) error {
		idx := tx.Bucket(bktUploadIdx).Bucket([]byte(u.Bucket))
		if idx == nil || objects(tx, u.Bucket) == nil {
			return meta.ErrNoSuchBucket
		}
		ub := tx.Bucket(bktUploads)
		if ub.Get(id) != nil {
			return invalid("upload id %q already in use", u.ID)
		}
		if err := ub.Put(id, encodeUpload(&u)); err != nil {
			return err
		}
		return idx.Put(uploadIdxKey(u.Key, u.Initiated, u.ID), nil)
	})
}

func (s *Store) GetUpload(ctx context.Context, bucket, key, uploadID string) (meta.Upload, error) {
	var u meta.Upload
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		u, err = loadUpload(tx, bucket, key, uploadID)
		return err
	})
	return u, err
}

func (s *Store) PutPart(ctx context.Context, bucket, key, uploadID string, p meta.Part) ([]storage.BlobID, error) {
	if p.Number < 1 {
		return nil, invalid("part number %d", p.Number)
	}
	if err := checkBlobs([]storage.BlobID{p.Blob}); err != nil {
		return nil, err
	}
	pk, val := partKey(p.Number), encodePart(&p)
	var freed []storage.BlobID
	err := s.group(ctx, func(tx *bbolt.Tx) error {
		freed = nil
		if _, err := loadUpload(tx, bucket, key, uploadID); err != nil {
			return err
		}
		parts, err := tx.Bucket(bktParts).CreateBucketIfNotExists([]byte(uploadID))
		if err != nil {
			return err
		}
		if err := s.refStaging(tx, []storage.BlobID{p.Blob}); err != nil {
			return err
		}
		if v := parts.Get(pk); v != nil {
			old, err := decodePart(p.Number, v)
			if err != nil {
				return err
			}
			if err := unref(tx, []storage.BlobID{old.Blob}, &freed); err != nil {
				return err
			}
		}
		return parts.Put(pk, val)
	})
	if err != nil {
		return nil, err
	}
	s.unstage([]storage.BlobID{p.Blob})
	return freed, nil
}

func (s *Store) ListParts(ctx context.Context, bucket, key, uploadID string, after, max int) ([]meta.Part, bool, error) {
	if max < 0 {
		return nil, false, invalid("negative max %d", max)
	}
	var out []meta.Part
	var more bool
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		out, more = nil, false
		if _, err := loadUpload(tx, bucket, key, uploadID); err != nil {
			return err
		}
		parts := tx.Bucket(bktParts).Bucket([]byte(uploadID))
		if parts == nil || max == 0 {
			return nil
		}
		c := parts.Cursor()
		start := max1(after+1, 1)
		for k, v := c.Seek(partKey(start)); k != nil; k, v = c.Next() {
			if len(out) == max {
				more = true
				return nil
			}
			p, err := decodePart(int(binary.BigEndian.Uint32(k)), v)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, more, nil
}

func max1(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func (s *Store) ListUploads(ctx context.Context, bucket string, q meta.UploadQuery) (meta.UploadPage, error) {
	if q.MaxUploads < 0 {
		return meta.UploadPage{}, invalid("negative MaxUploads %d", q.MaxUploads)
	}
	var page meta.UploadPage
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		page = meta.UploadPage{}
		idx := tx.Bucket(bktUploadIdx).Bucket([]byte(bucket))
		if idx == nil {
			return meta.ErrNoSuchBucket
		}
		if q.MaxUploads == 0 {
			return nil
		}
		return listUploads(tx, idx, q, &page)
	})
	if err != nil {
		return meta.UploadPage{}, err
	}
	return page, nil
}

// listUploads pages through the upload index. Entries are uploads and
// common prefixes of their keys. With only KeyMarker, entries must be
// greater than it (uploads by key, prefixes by value). With UploadIDMarker
// too, uploads of KeyMarker itself that come after the marker upload (in
// initiation order) are included as well; if that upload is gone, listing
// resumes after KeyMarker.
func listUploads(tx *bbolt.Tx, idx *bbolt.Bucket, q meta.UploadQuery, page *meta.UploadPage) error {
	prefix, delim, marker := []byte(q.Prefix), []byte(q.Delimiter), []byte(q.KeyMarker)
	escPrefix := escapeKey(nil, q.Prefix)
	var start, pos []byte
	if q.KeyMarker != "" {
		if q.UploadIDMarker != "" {
			if v := tx.Bucket(bktUploads).Get([]byte(q.UploadIDMarker)); v != nil {
				if u, err := decodeUpload(v); err == nil && u.Key == q.KeyMarker {
					pos = uploadIdxKey(u.Key, u.Initiated, u.ID)
					start = pos
				}
			}
		}
		if start == nil {
			// Past every entry of KeyMarker itself: its terminator is
			// 0x00 0x01, so 0x00 0x02 is the first byte string after.
			start = append(escapeKey(nil, q.KeyMarker), 0, 2)
		}
	}
	if bytes.Compare(escPrefix, start) > 0 {
		start = escPrefix
	}
	n := 0
	full := func() bool {
		if n == q.MaxUploads {
			page.IsTruncated = true
			return true
		}
		n++
		return false
	}
	c := idx.Cursor()
	k, _ := c.Seek(start)
	for k != nil {
		key, id, ok := splitUploadIdx(k)
		if !ok {
			return errCorrupt
		}
		if !bytes.HasPrefix(key, prefix) {
			return nil
		}
		if len(delim) > 0 {
			if i := bytes.Index(key[len(prefix):], delim); i >= 0 {
				cp := key[:len(prefix)+i+len(delim)]
				if bytes.Compare(cp, marker) > 0 {
					if full() {
						return nil
					}
					page.CommonPrefixes = append(page.CommonPrefixes, string(cp))
					page.NextKeyMarker, page.NextUploadIDMarker = string(cp), ""
				}
				end := meta.PrefixEnd(escapeKey(nil, string(cp)))
				if end == nil {
					return nil
				}
				k, _ = c.Seek(end)
				continue
			}
		}
		cmp := bytes.Compare(key, marker)
		if cmp > 0 || (cmp == 0 && pos != nil && bytes.Compare(k, pos) > 0) {
			if full() {
				return nil
			}
			v := tx.Bucket(bktUploads).Get(id)
			if v == nil {
				return errCorrupt
			}
			u, err := decodeUpload(v)
			if err != nil {
				return err
			}
			page.Uploads = append(page.Uploads, u)
			page.NextKeyMarker, page.NextUploadIDMarker = u.Key, u.ID
		}
		k, _ = c.Next()
	}
	return nil
}

func (s *Store) CompleteUpload(ctx context.Context, bucket, key, uploadID string, build meta.CompleteFunc, pre meta.Precondition) (meta.Object, []storage.BlobID, error) {
	var obj meta.Object
	var freed []storage.BlobID
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		u, err := loadUpload(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		parts := map[int]meta.Part{}
		if pb := tx.Bucket(bktParts).Bucket([]byte(uploadID)); pb != nil {
			err := pb.ForEach(func(k, v []byte) error {
				p, err := decodePart(int(binary.BigEndian.Uint32(k)), v)
				parts[p.Number] = p
				return err
			})
			if err != nil {
				return err
			}
		}
		if obj, err = build(u, parts); err != nil {
			return err
		}
		// The object lands where the upload was started, whatever build
		// filled in.
		obj.Bucket, obj.Key = bucket, key
		if err := checkBlobs(obj.Blobs()); err != nil {
			return err
		}
		release := func() error { return dropUpload(tx, []byte(uploadID), &freed) }
		if err := s.replaceObject(tx, objects(tx, bucket), &obj, encodeObject(&obj), pre, release, &freed); err != nil {
			return err
		}
		return recordCompletion(tx, uploadID, &obj)
	})
	if err != nil {
		return meta.Object{}, nil, err
	}
	return obj, freed, nil
}

func (s *Store) AbortUpload(ctx context.Context, bucket, key, uploadID string) ([]storage.BlobID, error) {
	var freed []storage.BlobID
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		freed = nil
		if _, err := loadUpload(tx, bucket, key, uploadID); err != nil {
			return err
		}
		return dropUpload(tx, []byte(uploadID), &freed)
	})
	if err != nil {
		return nil, err
	}
	return freed, nil
}
