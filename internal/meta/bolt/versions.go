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

// Versions. A bucket whose versioning was ever enabled keeps every version
// and delete marker of its keys in
//
//	versions  name -> nested bucket: escape(key) 0x00 0x01 | ^seq (8 bytes BE) -> object record
//
// where seq is the nested bucket's own sequence, taken at each write, so a
// key's versions sort newest first and the order never depends on clocks.
// The objects index keeps, for every key, a copy of its newest version
// when that is not a delete marker: GetObject and ListObjects read it
// exactly as in an unversioned bucket, at the same cost. In a versioned
// bucket the version entries hold the blob references; the objects entry
// is a copy and holds none. A bucket never versioned has no nested bucket
// here, and its objects entries hold the references.
//
// A version is found by ID by scanning its key's versions (IDs are opaque:
// an ID chosen by the API does not encode seq), so a lookup by ID costs
// the number of versions of that key, and the "current" lookup nothing
// more than before.

var bktVersions = []byte("versions")

// versionPrefix is the range of key's versions in the nested bucket.
func versionPrefix(key string) []byte {
	return append(escapeKey(make([]byte, 0, len(key)+10), key), 0, 1)
}

// versionsAfter is the first index key after every version of key.
func versionsAfter(key string) []byte {
	return append(escapeKey(make([]byte, 0, len(key)+2), key), 0, 2)
}

func versionKey(key string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(versionPrefix(key), ^seq)
}

// splitVersionKey returns the object key of a version index key.
func splitVersionKey(k []byte) ([]byte, bool) {
	var key []byte
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
			return key, len(k)-i-2 == 8
		default:
			return nil, false
		}
	}
	return nil, false
}

// versionsOf returns the version index of a bucket, nil when the bucket
// was never versioned.
func versionsOf(tx *bbolt.Tx, bucket string) *bbolt.Bucket {
	return tx.Bucket(bktVersions).Bucket([]byte(bucket))
}

// versioningOf reads a bucket's versioning state inside tx.
func versioningOf(tx *bbolt.Tx, bucket string) (meta.Versioning, error) {
	v := tx.Bucket(bktBuckets).Get([]byte(bucket))
	if v == nil {
		return "", meta.ErrNoSuchBucket
	}
	b, err := decodeBucket(bucket, v)
	return b.Versioning, err
}

// addVersion makes val the newest version of key.
func addVersion(vb *bbolt.Bucket, key string, val []byte) error {
	seq, err := vb.NextSequence()
	if err != nil {
		return err
	}
	return vb.Put(versionKey(key, seq), val)
}

// findVersion returns the index key and record of key's version id ("" is
// the newest), and whether it is the newest; k is nil when there is none.
// The returned slices are valid only inside tx.
func findVersion(vb *bbolt.Bucket, bucket, key, id string) (k, v []byte, latest bool, err error) {
	p := versionPrefix(key)
	c := vb.Cursor()
	first := true
	for k, v = c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if id == "" {
			return k, v, true, nil
		}
		o, err := decodeObject(bucket, key, v)
		if err != nil {
			return nil, nil, false, err
		}
		if o.VersionID == id {
			return k, v, first, nil
		}
		first = false
	}
	return nil, nil, false, nil
}

// dropNullVersion removes key's null version, if any, releasing its blobs:
// a Suspended bucket's write replaces it.
func dropNullVersion(tx *bbolt.Tx, vb *bbolt.Bucket, bucket, key string, freed *[]storage.BlobID) error {
	k, v, _, err := findVersion(vb, bucket, key, meta.NullVersion)
	if err != nil || k == nil {
		return err
	}
	o, err := decodeObject(bucket, key, v)
	if err != nil {
		return err
	}
	if err := unref(tx, o.Blobs(), freed); err != nil {
		return err
	}
	return vb.Delete(bytes.Clone(k))
}

// SetBucketVersioning sets Enabled or Suspended. The first time, every
// object the bucket holds becomes its key's null version, in the same
// transaction (one pass over the bucket's objects).
func (s *Store) SetBucketVersioning(ctx context.Context, bucket string, v meta.Versioning) error {
	if v != meta.VersioningEnabled && v != meta.VersioningSuspended {
		return invalid("versioning state %q", v)
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bktBuckets).Get([]byte(bucket))
		if raw == nil || bucket == "" {
			return meta.ErrNoSuchBucket
		}
		b, err := decodeBucket(bucket, raw)
		if err != nil {
			return err
		}
		if b.Versioning == meta.Unversioned {
			if err := startVersions(tx, bucket); err != nil {
				return err
			}
		}
		b.Versioning = v
		return tx.Bucket(bktBuckets).Put([]byte(bucket), encodeBucket(&b))
	})
}

// startVersions creates a bucket's version index with each object as its
// key's null version; the references move from the objects entries to
// the versions, so no count changes.
func startVersions(tx *bbolt.Tx, bucket string) error {
	vb, err := tx.Bucket(bktVersions).CreateBucketIfNotExists([]byte(bucket))
	if err != nil {
		return err
	}
	ob := objects(tx, bucket)
	var objs []meta.Object
	err = ob.ForEach(func(k, v []byte) error {
		o, err := decodeObject(bucket, string(k), v)
		o.VersionID = meta.NullVersion
		objs = append(objs, o)
		return err
	})
	if err != nil {
		return err
	}
	for i := range objs {
		val := encodeObject(&objs[i])
		if err := ob.Put([]byte(objs[i].Key), val); err != nil {
			return err
		}
		if err := addVersion(vb, objs[i].Key, val); err != nil {
			return err
		}
	}
	return nil
}

// storeVersion is replaceObject's versioned half: obj (encoded as val) is
// a new version of its key, after a Suspended bucket's null version is
// dropped; the objects entry becomes its copy.
func storeVersion(tx *bbolt.Tx, ob *bbolt.Bucket, state meta.Versioning, obj *meta.Object, val []byte, freed *[]storage.BlobID) error {
	vb := versionsOf(tx, obj.Bucket)
	if vb == nil {
		return errCorrupt
	}
	if state == meta.VersioningSuspended {
		if err := dropNullVersion(tx, vb, obj.Bucket, obj.Key, freed); err != nil {
			return err
		}
	}
	if err := addVersion(vb, obj.Key, val); err != nil {
		return err
	}
	return ob.Put([]byte(obj.Key), val)
}

func (s *Store) PutDeleteMarker(ctx context.Context, bucket, key, markerID string, at time.Time) ([]storage.BlobID, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	marker := meta.Object{Bucket: bucket, Key: key, VersionID: markerID, DeleteMarker: true, LastModified: at}
	val := encodeObject(&marker)
	var freed []storage.BlobID
	err := s.group(ctx, func(tx *bbolt.Tx) error {
		freed = nil
		ob := objects(tx, bucket)
		if ob == nil {
			return meta.ErrNoSuchBucket
		}
		state, err := versioningOf(tx, bucket)
		if err != nil {
			return err
		}
		if state == meta.Unversioned {
			return meta.ErrVersioningChanged
		}
		if err := meta.CheckVersionID(state, markerID); err != nil {
			return err
		}
		if err := storeVersion(tx, ob, state, &marker, val, &freed); err != nil {
			return err
		}
		return ob.Delete([]byte(key))
	})
	if err != nil {
		return nil, err
	}
	return freed, nil
}

func (s *Store) GetObjectVersion(ctx context.Context, bucket, key, versionID string) (meta.Object, error) {
	var o meta.Object
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ob := objects(tx, bucket)
		if ob == nil {
			return meta.ErrNoSuchBucket
		}
		if key == "" {
			return meta.ErrNoSuchKey
		}
		vb := versionsOf(tx, bucket)
		if vb == nil {
			return getUnversioned(ob, bucket, key, versionID, &o)
		}
		k, v, latest, err := findVersion(vb, bucket, key, versionID)
		if err != nil {
			return err
		}
		if k == nil {
			if c := vb.Cursor(); !hasPrefixAt(c, versionPrefix(key)) {
				return meta.ErrNoSuchKey
			}
			return meta.ErrNoSuchVersion
		}
		o, err = decodeObject(bucket, key, v)
		o.IsLatest = latest
		return err
	})
	return o, err
}

// getUnversioned reads a never-versioned bucket's object as its null
// version, the latest.
func getUnversioned(ob *bbolt.Bucket, bucket, key, versionID string, o *meta.Object) error {
	v := ob.Get([]byte(key))
	if v == nil {
		return meta.ErrNoSuchKey
	}
	if versionID != "" && versionID != meta.NullVersion {
		return meta.ErrNoSuchVersion
	}
	var err error
	*o, err = decodeObject(bucket, key, v)
	o.VersionID, o.IsLatest = meta.NullVersion, true
	return err
}

func hasPrefixAt(c *bbolt.Cursor, p []byte) bool {
	k, _ := c.Seek(p)
	return k != nil && bytes.HasPrefix(k, p)
}

func (s *Store) DeleteObjectVersion(ctx context.Context, bucket, key, versionID string) (meta.Object, []storage.BlobID, error) {
	var gone meta.Object
	var freed []storage.BlobID
	err := s.group(ctx, func(tx *bbolt.Tx) error {
		gone, freed = meta.Object{}, nil
		ob := objects(tx, bucket)
		if ob == nil {
			return meta.ErrNoSuchBucket
		}
		if key == "" || versionID == "" {
			return meta.ErrNoSuchVersion
		}
		vb := versionsOf(tx, bucket)
		if vb == nil {
			return deleteUnversioned(tx, ob, bucket, key, versionID, &gone, &freed)
		}
		k, v, latest, err := findVersion(vb, bucket, key, versionID)
		if err != nil {
			return err
		}
		if k == nil {
			return meta.ErrNoSuchVersion
		}
		if gone, err = decodeObject(bucket, key, v); err != nil {
			return err
		}
		gone.IsLatest = latest
		if err := unref(tx, gone.Blobs(), &freed); err != nil {
			return err
		}
		if err := vb.Delete(bytes.Clone(k)); err != nil {
			return err
		}
		if latest {
			return promoteNewest(vb, ob, key)
		}
		return nil
	})
	if err != nil {
		return meta.Object{}, nil, err
	}
	return gone, freed, nil
}

// deleteUnversioned removes a never-versioned bucket's object by its only
// version ID, null.
func deleteUnversioned(tx *bbolt.Tx, ob *bbolt.Bucket, bucket, key, versionID string, gone *meta.Object, freed *[]storage.BlobID) error {
	v := ob.Get([]byte(key))
	if v == nil || versionID != meta.NullVersion {
		return meta.ErrNoSuchVersion
	}
	o, err := decodeObject(bucket, key, v)
	if err != nil {
		return err
	}
	o.VersionID, o.IsLatest = meta.NullVersion, true
	*gone = o
	if err := unref(tx, o.Blobs(), freed); err != nil {
		return err
	}
	return ob.Delete([]byte(key))
}

// promoteNewest makes the objects entry of key a copy of its newest
// remaining version, or removes it when that is a delete marker or there
// is none.
func promoteNewest(vb, ob *bbolt.Bucket, key string) error {
	p := versionPrefix(key)
	k, v := vb.Cursor().Seek(p)
	if k == nil || !bytes.HasPrefix(k, p) {
		return ob.Delete([]byte(key))
	}
	o, err := decodeObject("", key, v)
	if err != nil {
		return err
	}
	if o.DeleteMarker {
		return ob.Delete([]byte(key))
	}
	return ob.Put([]byte(key), bytes.Clone(v))
}

func (s *Store) ListObjectVersions(ctx context.Context, bucket string, q meta.VersionQuery) (meta.VersionPage, error) {
	if q.MaxKeys < 0 {
		return meta.VersionPage{}, invalid("negative MaxKeys %d", q.MaxKeys)
	}
	if q.VersionIDMarker != "" && q.KeyMarker == "" {
		return meta.VersionPage{}, invalid("version ID marker without a key marker")
	}
	var page meta.VersionPage
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		page = meta.VersionPage{}
		ob := objects(tx, bucket)
		if ob == nil {
			return meta.ErrNoSuchBucket
		}
		vb := versionsOf(tx, bucket)
		if vb == nil {
			return listNullVersions(ob, bucket, q, &page)
		}
		return walkVersions(vb, bucket, q, &page)
	})
	if err != nil {
		return meta.VersionPage{}, err
	}
	return page, nil
}

// listNullVersions lists a never-versioned bucket: each object is its
// key's null version, so the listing is ListObjects' walk of the objects
// index, starting after KeyMarker (after its null version is the same
// place).
func listNullVersions(ob *bbolt.Bucket, bucket string, q meta.VersionQuery, page *meta.VersionPage) error {
	if q.VersionIDMarker != "" && q.VersionIDMarker != meta.NullVersion {
		return invalid("version ID marker %q in a bucket never versioned", q.VersionIDMarker)
	}
	c := &cursor{c: ob.Cursor()}
	lastIsVersion := false
	truncated, last, err := meta.WalkList(c, meta.ListQuery{Prefix: q.Prefix, Delimiter: q.Delimiter, After: q.KeyMarker, MaxKeys: q.MaxKeys}, func(k []byte, cp bool) error {
		lastIsVersion = !cp
		if cp {
			page.CommonPrefixes = append(page.CommonPrefixes, string(k))
			return nil
		}
		o, err := decodeObject(bucket, string(k), c.v)
		o.VersionID, o.IsLatest = meta.NullVersion, true
		page.Versions = append(page.Versions, o)
		return err
	})
	if err != nil || !truncated {
		return err
	}
	page.IsTruncated, page.NextKeyMarker = true, last
	if lastIsVersion {
		page.NextVersionIDMarker = meta.NullVersion
	}
	return nil
}

// versionWalk is one ListObjectVersions page over a version index.
type versionWalk struct {
	c      *bbolt.Cursor
	bucket string
	q      meta.VersionQuery
	page   *meta.VersionPage
	n      int
	// seenKey is the key whose newest version the walk has passed (or
	// started after, with a version marker): its later versions are not
	// the latest.
	seenKey []byte
	seen    bool
}

// walkVersions fills page from a version index: keys in order, each key's
// versions newest first, keys under a common prefix rolled up into one
// entry skipped with a single Seek, as WalkList does for objects.
func walkVersions(vb *bbolt.Bucket, bucket string, q meta.VersionQuery, page *meta.VersionPage) error {
	if q.MaxKeys == 0 {
		return nil
	}
	w := &versionWalk{c: vb.Cursor(), bucket: bucket, q: q, page: page}
	k, v, err := w.start(vb)
	if err != nil {
		return err
	}
	prefix, delim := []byte(q.Prefix), []byte(q.Delimiter)
	for k != nil {
		key, ok := splitVersionKey(k)
		if !ok {
			return errCorrupt
		}
		if !bytes.HasPrefix(key, prefix) {
			break
		}
		if len(delim) > 0 {
			if i := bytes.Index(key[len(prefix):], delim); i >= 0 {
				cp := key[:len(prefix)+i+len(delim)]
				if string(cp) > q.KeyMarker {
					if w.full() {
						return nil
					}
					w.emitPrefix(cp)
				}
				end := meta.PrefixEnd(cp)
				if end == nil {
					break
				}
				k, v = w.c.Seek(escapeKey(nil, string(end)))
				continue
			}
		}
		if w.full() {
			return nil
		}
		if err := w.emitVersion(key, v); err != nil {
			return err
		}
		k, v = w.c.Next()
	}
	page.NextKeyMarker, page.NextVersionIDMarker = "", ""
	return nil
}

// start positions the cursor at the first entry after the markers and
// inside the prefix.
func (w *versionWalk) start(vb *bbolt.Bucket) (k, v []byte, err error) {
	q := w.q
	switch {
	case q.KeyMarker == "":
		k, v = w.c.Seek(escapeKey(nil, q.Prefix))
	case q.VersionIDMarker == "":
		k, v = w.c.Seek(versionsAfter(q.KeyMarker))
	default:
		mk, _, _, err := findVersion(vb, w.bucket, q.KeyMarker, q.VersionIDMarker)
		if err != nil {
			return nil, nil, err
		}
		if mk == nil {
			return nil, nil, invalid("version ID marker %q names no version of the key marker", q.VersionIDMarker)
		}
		w.c.Seek(mk)
		k, v = w.c.Next()
		w.seenKey, w.seen = []byte(q.KeyMarker), true
	}
	if p := escapeKey(nil, q.Prefix); k != nil && bytes.Compare(k, p) < 0 {
		k, v = w.c.Seek(p)
	}
	return k, v, nil
}

// full reports whether the page holds MaxKeys entries, and marks it
// truncated: an entry remains.
func (w *versionWalk) full() bool {
	if w.n < w.q.MaxKeys {
		return false
	}
	w.page.IsTruncated = true
	return true
}

func (w *versionWalk) emitPrefix(cp []byte) {
	w.page.CommonPrefixes = append(w.page.CommonPrefixes, string(cp))
	w.page.NextKeyMarker, w.page.NextVersionIDMarker = string(cp), ""
	w.n++
}

func (w *versionWalk) emitVersion(key, v []byte) error {
	o, err := decodeObject(w.bucket, string(key), v)
	if err != nil {
		return err
	}
	o.IsLatest = !w.seen || !bytes.Equal(w.seenKey, key)
	w.seenKey, w.seen = key, true
	w.page.Versions = append(w.page.Versions, o)
	w.page.NextKeyMarker, w.page.NextVersionIDMarker = o.Key, o.VersionID
	w.n++
	return nil
}

// rewriteVersion changes the record of key's version versionID with fn,
// in place, as rewriteCurrent does for the current one. When that version
// is the newest, the objects entry is its copy and changes with it. In a
// bucket never versioned the only version is null, the objects entry.
func rewriteVersion(tx *bbolt.Tx, bucket, key, versionID string, fn func(*meta.Object)) error {
	ob := objects(tx, bucket)
	if ob == nil {
		return meta.ErrNoSuchBucket
	}
	if key == "" {
		return meta.ErrNoSuchKey
	}
	vb := versionsOf(tx, bucket)
	if vb == nil {
		if ob.Get([]byte(key)) == nil {
			return meta.ErrNoSuchKey
		}
		if versionID != meta.NullVersion {
			return meta.ErrNoSuchVersion
		}
		return rewriteCurrent(tx, bucket, key, fn)
	}
	if versionID == "" {
		// "" would name the newest version to findVersion; no version
		// has it as its ID.
		if !hasPrefixAt(vb.Cursor(), versionPrefix(key)) {
			return meta.ErrNoSuchKey
		}
		return meta.ErrNoSuchVersion
	}
	k, v, latest, err := findVersion(vb, bucket, key, versionID)
	if err != nil {
		return err
	}
	if k == nil {
		if !hasPrefixAt(vb.Cursor(), versionPrefix(key)) {
			return meta.ErrNoSuchKey
		}
		return meta.ErrNoSuchVersion
	}
	o, err := decodeObject(bucket, key, v)
	if err != nil {
		return err
	}
	if o.DeleteMarker {
		return meta.ErrDeleteMarker
	}
	fn(&o)
	val := encodeObject(&o)
	if err := vb.Put(bytes.Clone(k), val); err != nil {
		return err
	}
	if latest {
		return ob.Put([]byte(key), val)
	}
	return nil
}
