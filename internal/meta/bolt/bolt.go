// Package bolt is signet's embedded metadata engine, the default: buckets,
// the object index, multipart uploads and the identity store (IAM users,
// keys, roles and policies, STS sessions, bucket policies) in one bbolt
// file in the data directory.
//
// Layout of the file (top-level bbolt buckets):
//
//	buckets    name -> bucket record
//	objects    name -> nested bucket: object key (raw bytes) -> object record
//	uploads    upload ID -> upload record (with its bucket and key)
//	uploadidx  name -> nested bucket: escaped key|initiated|ID -> nothing
//	parts      upload ID -> nested bucket: part number (4 bytes BE) -> part record
//	completed  upload ID -> what its completion answered (completed.go)
//	completedidx  completed (12 bytes) | upload ID -> nothing
//	blobrefs   blob ID -> reference count (uvarint)
//	inlineblobs  inline blob ID -> the bytes of a small blob (inlineblob.go)
//	schema     "version" -> layout version; "legacy-ids-bound" -> set once
//	           BindLegacyIDs has run (legacy.go); "dev-clock-offset" -> the
//	           dev clock's offset (devclock.go)
//
// and, for the identity store (identity.go), where NAME is a lower-cased
// name and OWNER is "user/NAME" or "role/NAME":
//
//	users         NAME -> user record
//	accesskeys    key ID -> access key record
//	userkeys      NAME -> nested bucket: created (12 bytes) | key ID -> nothing
//	roles         NAME -> role record
//	policies      NAME -> managed policy record
//	inline        OWNER -> nested bucket: NAME -> inline policy record
//	attached      OWNER -> nested bucket: policy ARN -> nothing
//	policyrefs    policy ARN -> number of owners it is attached to (uvarint)
//	sessions      access key ID -> session record
//	sessionexp    expiry (12 bytes) | access key ID -> nothing
//	deletedkeys   key ID -> tombstone of a deleted access key
//	bucketpolicy  bucket name -> bucket policy record
//	bucketcors    bucket name -> CORS configuration record
//	bucketlifecycle  bucket name -> lifecycle configuration record
//	versions      bucket name -> nested bucket: every version of a bucket
//	              ever versioned (versions.go)
//	urlrevocations  entry ID -> presigned-URL denylist entry (revocations.go)
//	loginprofiles  NAME -> login profile record, bound to the user's ID
//	              (login.go); the account password policy is a key of schema
//
// Object keys are stored as raw bytes, so any key (NUL, "..", invalid
// UTF-8) round-trips and byte order is key order. blobrefs counts every
// reference from an object segment or an upload part: a blob is returned
// to the caller for deletion only when its count drops to zero, so objects
// may share blobs (a copy that reuses segments) without one delete freeing
// the other's bytes, and WalkBlobs is a scan of one small bucket.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"signet/internal/meta"
	"signet/internal/storage"
)

// ErrInUse reports that another process holds the database open.
var ErrInUse = errors.New("meta/bolt: data directory in use")

var (
	bktBuckets   = []byte("buckets")
	bktObjects   = []byte("objects")
	bktUploads   = []byte("uploads")
	bktUploadIdx = []byte("uploadidx")
	bktParts     = []byte("parts")
	bktRefs      = []byte("blobrefs")
	bktSchema    = []byte("schema")
	keyVersion   = []byte("version")

	bktUsers        = []byte("users")
	bktAccessKeys   = []byte("accesskeys")
	bktUserKeys     = []byte("userkeys")
	bktRoles        = []byte("roles")
	bktPolicies     = []byte("policies")
	bktInline       = []byte("inline")
	bktAttached     = []byte("attached")
	bktPolicyRefs   = []byte("policyrefs")
	bktSessions     = []byte("sessions")
	bktSessionExp   = []byte("sessionexp")
	bktBucketPolicy = []byte("bucketpolicy")
	bktDeletedKeys  = []byte("deletedkeys")
	bktBucketCORS   = []byte("bucketcors")
	// bktBucketLifecycle came with schema version 6.
	bktBucketLifecycle = []byte("bucketlifecycle")
)

// topBuckets are all the top-level buckets of the layout.
var topBuckets = [][]byte{
	bktBuckets, bktObjects, bktUploads, bktUploadIdx, bktParts, bktRefs, bktSchema, bktInlineBlobs,
	bktUsers, bktAccessKeys, bktUserKeys, bktRoles, bktPolicies, bktInline,
	bktAttached, bktPolicyRefs, bktSessions, bktSessionExp, bktBucketPolicy,
	bktDeletedKeys, bktBucketCORS, bktVersions, bktCompleted, bktCompletedIdx,
	bktBucketLifecycle, bktURLRevocations, bktLoginProfiles, bktConsoleLinks,
}

// schemaVersion is the layout described in the package comment. Version 2
// added the identity buckets; a version-1 file is upgraded in place at
// Open (the new buckets start empty), after which older binaries, which
// would not remove a deleted bucket's policy, refuse it. Version 3 added
// inline blobs, which older binaries could not read. Version 4 added
// bucket CORS configurations, which older binaries would not remove with
// their bucket. Version 5 added object versions and delete markers, and
// fields appended to bucket and object records (versioning state, tags,
// ACLs, ownership, public access blocks): older binaries would neither
// remove versions with their bucket nor read the longer records. Version
// 6 added encryption at rest (blobs sealed under the sealing key, SSE-C
// fields appended to object, upload and completion records) and bucket
// lifecycle configurations: an older binary would serve sealed blobs as
// their ciphertext, and would not remove a lifecycle configuration with
// its bucket, so a bucket created again under the name would inherit
// rules that delete its objects. The presigned-URL denylist's bucket
// came without a version: an older binary ignores it (revocations.go).
const schemaVersion = 6

// SchemaVersion is the newest layout this binary reads and writes: a
// backup records it, and a restore refuses a backup of a newer one.
const SchemaVersion = schemaVersion

// ErrUnsupportedVersion reports a file whose layout this binary does not
// know: written by a newer signet, or not a signet store at all.
var ErrUnsupportedVersion = errors.New("meta/bolt: unsupported schema version")

// unsupportedVersion says which file, which version it holds and which this
// binary supports, and what to do: run the signet that wrote it or a newer
// one. The file is left as it was, so that remains possible.
func unsupportedVersion(path string, v []byte) error {
	got, n := binary.Uvarint(v)
	if n <= 0 || got < 1 {
		return fmt.Errorf("%w: %s holds schema version bytes %x, which no signet release writes; this signet supports versions 1 to %d", ErrUnsupportedVersion, path, v, schemaVersion)
	}
	return fmt.Errorf("%w: %s has schema version %d, but this signet supports versions 1 to %d: it was written by a newer signet; upgrade signet to a release that supports version %d (the file was left unchanged)",
		ErrUnsupportedVersion, path, got, schemaVersion, got)
}

// lockTimeout bounds the wait for bbolt's exclusive file lock, so a second
// server on the same data directory fails at start with ErrInUse instead
// of hanging.
const lockTimeout = time.Second

// maxKeyLen is S3's limit on key length in bytes.
const maxKeyLen = 1024

// Store is a meta.Store on a bbolt file. It is safe for concurrent use.
type Store struct {
	db *bbolt.DB
	// commits groups concurrent writes into shared commits; group.go.
	commits committer
	closed  atomic.Bool
	// staged holds inline blobs waiting for their commit; inlineblob.go.
	staged staging
}

var _ meta.Store = (*Store)(nil)

// Open opens or creates the database file at path (mode 0600). It fails
// with ErrInUse when another process has it open.
func Open(path string) (*Store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout: lockTimeout,
		// The map freelist keeps allocation cheap as the file grows
		// past millions of keys.
		FreelistType: bbolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s is locked by another process", ErrInUse, path)
	}
	if err != nil {
		return nil, fmt.Errorf("meta/bolt: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		// Check the version before creating anything, so a file of an
		// unknown version is left as it was.
		if sb := tx.Bucket(bktSchema); sb != nil {
			if v := sb.Get(keyVersion); v != nil {
				if got, n := binary.Uvarint(v); n <= 0 || got < 1 || got > schemaVersion {
					return unsupportedVersion(path, v)
				}
			}
		}
		for _, name := range topBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bktSchema).Put(keyVersion, binary.AppendUvarint(nil, schemaVersion))
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db}
	err = db.View(func(tx *bbolt.Tx) error {
		s.staged.seq = lastInlineSeq(tx)
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database. It waits for transactions in progress; later
// calls on the store fail with meta.ErrClosed. Closing twice is harmless.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.db.Close()
}

// mapErr turns bbolt's closed-database error into the store's own word.
func mapErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return meta.ErrClosed
	}
	return err
}

func (s *Store) begin(ctx context.Context) error {
	if s.closed.Load() {
		return meta.ErrClosed
	}
	return ctx.Err()
}

func (s *Store) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	return mapErr(s.db.View(fn))
}

func (s *Store) update(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	return mapErr(s.db.Update(fn))
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{meta.ErrInvalidArgument}, args...)...)
}

func checkBucketName(name string) error {
	if name == "" {
		return invalid("empty bucket name")
	}
	return nil
}

func checkKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return invalid("key length %d not in 1..%d", len(key), maxKeyLen)
	}
	return nil
}

func checkBlobs(ids []storage.BlobID) error {
	for _, id := range ids {
		if id == "" {
			return invalid("empty blob id")
		}
	}
	return nil
}

// refStaging is ref for writes that may bring new blobs: the first
// reference to an inline blob also writes its staged bytes, in the same
// transaction as the record that refers to them.
func (s *Store) refStaging(tx *bbolt.Tx, ids []storage.BlobID) error {
	rb := tx.Bucket(bktRefs)
	for _, id := range ids {
		if id.Inline() && rb.Get([]byte(id)) == nil {
			if err := s.storeInline(tx, id); err != nil {
				return err
			}
		}
	}
	return ref(tx, ids)
}

// ref adds one reference to each blob.
func ref(tx *bbolt.Tx, ids []storage.BlobID) error {
	rb := tx.Bucket(bktRefs)
	for _, id := range ids {
		k := []byte(id)
		var n uint64
		if v := rb.Get(k); v != nil {
			n, _ = binary.Uvarint(v)
		}
		if err := rb.Put(k, binary.AppendUvarint(nil, n+1)); err != nil {
			return err
		}
	}
	return nil
}

// unref drops one reference from each blob and appends to freed those
// left with none. An inline blob's bytes go in the same transaction, so
// they can never outlive their last reference (deleting them afterwards is
// a no-op for the caller's engine).
func unref(tx *bbolt.Tx, ids []storage.BlobID, freed *[]storage.BlobID) error {
	rb := tx.Bucket(bktRefs)
	for _, id := range ids {
		k := []byte(id)
		v := rb.Get(k)
		n, _ := binary.Uvarint(v)
		if n <= 1 {
			if v != nil {
				if err := rb.Delete(k); err != nil {
					return err
				}
			}
			if id.Inline() {
				if err := tx.Bucket(bktInlineBlobs).Delete(k); err != nil {
					return err
				}
			}
			*freed = append(*freed, id)
			continue
		}
		if err := rb.Put(k, binary.AppendUvarint(nil, n-1)); err != nil {
			return err
		}
	}
	return nil
}

// objects returns the object index of a bucket, nil if the bucket does
// not exist.
func objects(tx *bbolt.Tx, bucket string) *bbolt.Bucket {
	return tx.Bucket(bktObjects).Bucket([]byte(bucket))
}

// Buckets.

func (s *Store) CreateBucket(ctx context.Context, b meta.Bucket) error {
	if err := checkBucketName(b.Name); err != nil {
		return err
	}
	name := []byte(b.Name)
	return s.update(ctx, func(tx *bbolt.Tx) error {
		bb := tx.Bucket(bktBuckets)
		if bb.Get(name) != nil {
			return meta.ErrBucketExists
		}
		if err := bb.Put(name, encodeBucket(&b)); err != nil {
			return err
		}
		if _, err := tx.Bucket(bktObjects).CreateBucket(name); err != nil {
			return err
		}
		_, err := tx.Bucket(bktUploadIdx).CreateBucket(name)
		return err
	})
}

func (s *Store) GetBucket(ctx context.Context, name string) (meta.Bucket, error) {
	var b meta.Bucket
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bktBuckets).Get([]byte(name))
		if v == nil || name == "" {
			return meta.ErrNoSuchBucket
		}
		var err error
		b, err = decodeBucket(name, v)
		return err
	})
	return b, err
}

func (s *Store) UpdateBucket(ctx context.Context, name string, fn func(*meta.Bucket) error) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		bb := tx.Bucket(bktBuckets)
		v := bb.Get([]byte(name))
		if v == nil || name == "" {
			return meta.ErrNoSuchBucket
		}
		b, err := decodeBucket(name, v)
		if err != nil {
			return err
		}
		next := b
		if err := fn(&next); err != nil {
			return err
		}
		// The bucket's identity is not fn's to change.
		next.Name, next.Region, next.Created = b.Name, b.Region, b.Created
		return bb.Put([]byte(name), encodeBucket(&next))
	})
}

func (s *Store) ListBuckets(ctx context.Context) ([]meta.Bucket, error) {
	var out []meta.Bucket
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		out = nil
		// bbolt iterates in byte order, which is name order.
		return tx.Bucket(bktBuckets).ForEach(func(k, v []byte) error {
			b, err := decodeBucket(string(k), v)
			if err != nil {
				return err
			}
			out = append(out, b)
			return nil
		})
	})
	return out, err
}

func (s *Store) DeleteBucket(ctx context.Context, name string) ([]storage.BlobID, error) {
	var freed []storage.BlobID
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		freed = nil
		ob := objects(tx, name)
		if ob == nil || name == "" {
			return meta.ErrNoSuchBucket
		}
		if k, _ := ob.Cursor().First(); k != nil {
			return meta.ErrBucketNotEmpty
		}
		// Older versions and delete markers keep a bucket too.
		if vb := versionsOf(tx, name); vb != nil {
			if k, _ := vb.Cursor().First(); k != nil {
				return meta.ErrBucketNotEmpty
			}
		}
		bn := []byte(name)
		// Drop the bucket's in-progress uploads. Collect their IDs
		// first: a bbolt bucket must not change under its cursor.
		var ids [][]byte
		idx := tx.Bucket(bktUploadIdx).Bucket(bn)
		if idx != nil {
			c := idx.Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				_, id, ok := splitUploadIdx(k)
				if !ok {
					return errCorrupt
				}
				ids = append(ids, id)
			}
		}
		for _, id := range ids {
			if err := dropUpload(tx, id, &freed); err != nil {
				return err
			}
		}
		for _, b := range []*bbolt.Bucket{tx.Bucket(bktObjects), tx.Bucket(bktUploadIdx), tx.Bucket(bktVersions)} {
			if err := b.DeleteBucket(bn); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
		}
		// The policy and the CORS and lifecycle configurations go with
		// the bucket: a bucket created again under the name starts
		// without them.
		for _, b := range [][]byte{bktBucketPolicy, bktBucketCORS, bktBucketLifecycle} {
			if err := tx.Bucket(b).Delete(bn); err != nil {
				return err
			}
		}
		return tx.Bucket(bktBuckets).Delete(bn)
	})
	if err != nil {
		return nil, err
	}
	return freed, nil
}

// Objects.

func (s *Store) PutObject(ctx context.Context, obj meta.Object, pre meta.Precondition) ([]storage.BlobID, error) {
	if err := checkKey(obj.Key); err != nil {
		return nil, err
	}
	if err := checkBlobs(obj.Blobs()); err != nil {
		return nil, err
	}
	// Encode once, outside the transaction: the record does not depend on
	// what the key held, and a batch retry reuses it.
	val := encodeObject(&obj)
	var freed []storage.BlobID
	err := s.group(ctx, func(tx *bbolt.Tx) error {
		freed = nil
		ob := objects(tx, obj.Bucket)
		if ob == nil {
			return meta.ErrNoSuchBucket
		}
		return s.replaceObject(tx, ob, &obj, val, pre, nil, &freed)
	})
	if err != nil {
		return nil, err
	}
	s.unstage(obj.Blobs())
	return freed, nil
}

// replaceObject stores obj (encoded as val) in ob, the objects of its
// bucket, after pre has approved what the key holds. The new blobs are
// referenced before anything is released — release (the parts of a
// completed upload) and then the replaced object's blobs — so a blob both
// use is never reported free.
func (s *Store) replaceObject(tx *bbolt.Tx, ob *bbolt.Bucket, obj *meta.Object, val []byte, pre meta.Precondition, release func() error, freed *[]storage.BlobID) error {
	key := []byte(obj.Key)
	var existing *meta.Object
	if v := ob.Get(key); v != nil {
		o, err := decodeObject(obj.Bucket, obj.Key, v)
		if err != nil {
			return err
		}
		existing = &o
	}
	if pre != nil {
		if err := pre(existing); err != nil {
			return err
		}
	}
	state, err := versioningOf(tx, obj.Bucket)
	if err != nil {
		return err
	}
	if err := meta.CheckVersionID(state, obj.VersionID); err != nil {
		return err
	}
	if err := s.refStaging(tx, obj.Blobs()); err != nil {
		return err
	}
	if release != nil {
		if err := release(); err != nil {
			return err
		}
	}
	if state != meta.Unversioned {
		// The replaced object stays as an older version (Enabled) or
		// goes with the null version it was (Suspended).
		return storeVersion(tx, ob, state, obj, val, freed)
	}
	if existing != nil {
		if err := unref(tx, existing.Blobs(), freed); err != nil {
			return err
		}
	}
	return ob.Put(key, val)
}

func (s *Store) GetObject(ctx context.Context, bucket, key string) (meta.Object, error) {
	var o meta.Object
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ob := objects(tx, bucket)
		if ob == nil {
			return meta.ErrNoSuchBucket
		}
		if key == "" {
			return meta.ErrNoSuchKey
		}
		v := ob.Get([]byte(key))
		if v == nil {
			return meta.ErrNoSuchKey
		}
		var err error
		o, err = decodeObject(bucket, key, v)
		return err
	})
	return o, err
}

// SetObjectACL rewrites only the record: the object's blobs are the same
// before and after, so no reference changes.
func (s *Store) SetObjectACL(ctx context.Context, bucket, key string, acl *meta.ACL) error {
	return s.group(ctx, func(tx *bbolt.Tx) error {
		return rewriteCurrent(tx, bucket, key, func(o *meta.Object) { o.ACL = acl })
	})
}

func (s *Store) SetObjectVersionACL(ctx context.Context, bucket, key, versionID string, acl *meta.ACL) error {
	return s.group(ctx, func(tx *bbolt.Tx) error {
		return rewriteVersion(tx, bucket, key, versionID, func(o *meta.Object) { o.ACL = acl })
	})
}

// rewriteCurrent changes the record of key's current object with fn, in
// place: its blobs stay referenced as they are, so no reference count
// moves. In a versioned bucket the objects entry is a copy of the key's
// newest version, so that version's record changes too; else a later
// promotion of that version (its successor deleted by ID) would bring
// back what fn replaced.
func rewriteCurrent(tx *bbolt.Tx, bucket, key string, fn func(*meta.Object)) error {
	ob := objects(tx, bucket)
	if ob == nil {
		return meta.ErrNoSuchBucket
	}
	if key == "" {
		return meta.ErrNoSuchKey
	}
	v := ob.Get([]byte(key))
	if v == nil {
		return meta.ErrNoSuchKey
	}
	o, err := decodeObject(bucket, key, v)
	if err != nil {
		return err
	}
	fn(&o)
	val := encodeObject(&o)
	if vb := versionsOf(tx, bucket); vb != nil {
		k, vv, _, err := findVersion(vb, bucket, key, "")
		if err != nil {
			return err
		}
		if k == nil {
			return errCorrupt
		}
		newest, err := decodeObject(bucket, key, vv)
		if err != nil {
			return err
		}
		if newest.DeleteMarker || newest.VersionID != o.VersionID {
			return errCorrupt
		}
		if err := vb.Put(bytes.Clone(k), val); err != nil {
			return err
		}
	}
	return ob.Put([]byte(key), val)
}

// DeleteObject shares commits like PutObject: a delete storm is the same
// many-small-writes load.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) ([]storage.BlobID, error) {
	var freed []storage.BlobID
	err := s.group(ctx, func(tx *bbolt.Tx) error {
		freed = nil
		ob := objects(tx, bucket)
		if ob == nil {
			return meta.ErrNoSuchBucket
		}
		if key == "" {
			return nil
		}
		if versionsOf(tx, bucket) != nil {
			return meta.ErrVersioningChanged
		}
		k := []byte(key)
		v := ob.Get(k)
		if v == nil {
			return nil
		}
		blobs, err := objectBlobs(v)
		if err != nil {
			return err
		}
		if err := unref(tx, blobs, &freed); err != nil {
			return err
		}
		return ob.Delete(k)
	})
	if err != nil {
		return nil, err
	}
	return freed, nil
}

// cursor adapts a bbolt cursor to meta.KeyCursor, keeping the value of
// the current key so emitting an object needs no second lookup.
type cursor struct {
	c *bbolt.Cursor
	v []byte
}

func (c *cursor) Seek(k []byte) []byte { k, c.v = c.c.Seek(k); return k }
func (c *cursor) Next() []byte         { k, v := c.c.Next(); c.v = v; return k }

func (s *Store) ListObjects(ctx context.Context, bucket string, q meta.ListQuery) (meta.ListPage, error) {
	var page meta.ListPage
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		page = meta.ListPage{}
		ob := objects(tx, bucket)
		if ob == nil {
			return meta.ErrNoSuchBucket
		}
		c := &cursor{c: ob.Cursor()}
		var err error
		page.IsTruncated, page.NextAfter, err = meta.WalkList(c, q, func(k []byte, cp bool) error {
			if cp {
				page.CommonPrefixes = append(page.CommonPrefixes, string(k))
				return nil
			}
			// WalkList emits a key right after moving the cursor to
			// it, so c.v is its value.
			o, err := decodeObject(bucket, string(k), c.v)
			if err != nil {
				return err
			}
			page.Objects = append(page.Objects, o)
			return nil
		})
		return err
	})
	if err != nil {
		return meta.ListPage{}, err
	}
	return page, nil
}

// WalkBlobs calls fn with every referenced blob ID (walkKeys).
func (s *Store) WalkBlobs(ctx context.Context, fn func(storage.BlobID) error) error {
	return s.walkKeys(ctx, bktRefs, fn)
}

// walkKeys calls fn with every key of a top-level bucket of blob IDs. It
// reads them in chunks and calls fn outside any transaction, so a slow fn
// (deleting orphans at start-up) never holds a read transaction open
// against writers growing the file.
func (s *Store) walkKeys(ctx context.Context, bucket []byte, fn func(storage.BlobID) error) error {
	const chunk = 1024
	var after []byte
	for {
		var ids []storage.BlobID
		err := s.view(ctx, func(tx *bbolt.Tx) error {
			ids = ids[:0]
			c := tx.Bucket(bucket).Cursor()
			k, _ := c.Seek(after)
			if k != nil && after != nil && string(k) == string(after) {
				k, _ = c.Next()
			}
			for ; k != nil && len(ids) < chunk; k, _ = c.Next() {
				ids = append(ids, storage.BlobID(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(id); err != nil {
				return err
			}
		}
		if len(ids) < chunk {
			return nil
		}
		after = []byte(ids[len(ids)-1])
	}
}
