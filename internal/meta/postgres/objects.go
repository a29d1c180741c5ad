package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
	"signet/internal/storage"
)

// objectRow is one row of the objects table as read.
type objectRow struct {
	key       []byte
	versionID string
	latest    bool
	marker    bool
	rec       []byte
}

func (r *objectRow) object(bucket string) (meta.Object, error) {
	var o meta.Object
	err := r.decodeInto(bucket, &o)
	return o, err
}

// decodeInto fills *o, which must be zero: a listing decodes straight
// into its page's slice, not through a copy of a large struct.
func (r *objectRow) decodeInto(bucket string, o *meta.Object) error {
	o.Bucket, o.Key, o.VersionID, o.DeleteMarker, o.IsLatest = bucket, string(r.key), r.versionID, r.marker, r.latest
	if err := decodeObjectRec(r.rec, o); err != nil {
		*o = meta.Object{}
		return fmt.Errorf("postgres: object %q/%q: %w", bucket, r.key, err)
	}
	return nil
}

// objectColumns are the columns objectRow scans, in its order.
const objectColumns = "key, version_id, latest, marker, rec"

func scanObject(row pgx.Row) (*objectRow, error) {
	var r objectRow
	err := row.Scan(&r.key, &r.versionID, &r.latest, &r.marker, &r.rec)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// currentRow reads key's current object (nil when it has none).
func currentRow(ctx context.Context, tx querier, b bucketInfo, key string) (*objectRow, error) {
	return scanObject(tx.QueryRow(ctx, "SELECT "+objectColumns+" FROM objects WHERE bucket_id = $1 AND key = $2 AND latest AND NOT marker", b.id, []byte(key)))
}

func (s *Store) PutObject(ctx context.Context, obj meta.Object, pre meta.Precondition) ([]storage.BlobID, error) {
	if err := checkObjectKey(obj.Key); err != nil {
		return nil, err
	}
	if err := checkBlobIDs(obj.Blobs()); err != nil {
		return nil, err
	}
	var freed []storage.BlobID
	err := s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		b, err := lockKey(ctx, tx, obj.Bucket, obj.Key)
		if err != nil {
			return err
		}
		freed, err = replaceObject(ctx, tx, b, &obj, pre, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return freed, nil
}

// replaceObject stores obj as its key's newest version after pre
// approved what the key holds and its VersionID suits the bucket. The new
// blobs are referenced before anything is released — release (a
// completed upload's parts), then what obj replaces — so a blob both use
// is never reported free. Everything runs in tx, so a failure leaves the
// store as it was.
func replaceObject(ctx context.Context, tx pgx.Tx, b bucketInfo, obj *meta.Object, pre meta.Precondition,
	release func(freed []storage.BlobID) ([]storage.BlobID, error)) ([]storage.BlobID, error) {
	key := []byte(obj.Key)
	if pre != nil {
		cur, err := currentRow(ctx, tx, b, obj.Key)
		if err != nil {
			return nil, err
		}
		var existing *meta.Object
		if cur != nil {
			o, err := cur.object(obj.Bucket)
			if err != nil {
				return nil, err
			}
			o.IsLatest = false
			existing = &o
		}
		if err := pre(existing); err != nil {
			return nil, err
		}
	}
	if err := meta.CheckVersionID(b.versioning, obj.VersionID); err != nil {
		return nil, err
	}
	if err := ref(ctx, tx, obj.Blobs()); err != nil {
		return nil, err
	}
	var freed []storage.BlobID
	var err error
	if release != nil {
		if freed, err = release(freed); err != nil {
			return nil, err
		}
	}
	var replaced []deletedRow
	switch b.versioning {
	case meta.Unversioned:
		replaced, err = deleteRecs(ctx, tx, "DELETE FROM objects WHERE bucket_id = $1 AND key = $2 RETURNING latest, marker, rec", b.id, key)
	case meta.VersioningSuspended:
		replaced, err = deleteRecs(ctx, tx, "DELETE FROM objects WHERE bucket_id = $1 AND key = $2 AND version_id = $3 RETURNING latest, marker, rec", b.id, key, meta.NullVersion)
	}
	if err != nil {
		return nil, err
	}
	if freed, err = unrefRecs(ctx, tx, replaced, freed); err != nil {
		return nil, err
	}
	// The key's latest version before this write, deleted above or
	// demoted here (a key with versions has exactly one latest), says
	// what the directories above it knew.
	var was keyState
	for _, r := range replaced {
		if r.latest {
			was = keyState{exists: true, current: !r.marker}
		}
	}
	var demotedMarker bool
	err = tx.QueryRow(ctx, "UPDATE objects SET latest = false WHERE bucket_id = $1 AND key = $2 AND latest RETURNING marker", b.id, key).Scan(&demotedMarker)
	switch {
	case err == nil:
		was = keyState{exists: true, current: !demotedMarker}
	case !errors.Is(err, pgx.ErrNoRows):
		return nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO objects (bucket_id, key, ord, version_id, latest, marker, rec, parent)
		VALUES ($1, $2, -nextval('object_ord'), $3, true, $4, $5, $6)`, b.id, key, obj.VersionID, obj.DeleteMarker, encodeObject(obj), parentOf(key))
	if err != nil {
		return nil, err
	}
	if err := syncDirs(ctx, tx, b.id, key, was, keyState{exists: true, current: !obj.DeleteMarker}); err != nil {
		return nil, err
	}
	return freed, nil
}

// deletedRow is what a DELETE … RETURNING latest, marker, rec gives.
type deletedRow struct {
	latest, marker bool
	rec            []byte
}

// deleteRecs runs a DELETE … RETURNING latest, marker, rec and collects
// the rows.
func deleteRecs(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]deletedRow, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (deletedRow, error) {
		var d deletedRow
		err := r.Scan(&d.latest, &d.marker, &d.rec)
		return d, err
	})
}

// recBlobs returns the blobs an object record references.
func recBlobs(rec []byte) ([]storage.BlobID, error) {
	var o meta.Object
	if err := decodeObjectRec(rec, &o); err != nil {
		return nil, fmt.Errorf("postgres: object record: %w", err)
	}
	return o.Blobs(), nil
}

// unrefRecs releases the blobs of removed object records.
func unrefRecs(ctx context.Context, tx pgx.Tx, recs []deletedRow, freed []storage.BlobID) ([]storage.BlobID, error) {
	var ids []storage.BlobID
	for _, r := range recs {
		b, err := recBlobs(r.rec)
		if err != nil {
			return nil, err
		}
		ids = append(ids, b...)
	}
	return unref(ctx, tx, ids, freed)
}

func (s *Store) GetObject(ctx context.Context, bucket, key string) (meta.Object, error) {
	var out meta.Object
	err := s.readDirect(ctx, func(ctx context.Context, tx querier) error {
		b, err := lookupBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		cur, err := currentRow(ctx, tx, b, key)
		if err != nil {
			return err
		}
		if cur == nil {
			return meta.ErrNoSuchKey
		}
		out, err = cur.object(bucket)
		out.IsLatest = false
		return err
	})
	return out, err
}

func (s *Store) SetObjectACL(ctx context.Context, bucket, key string, acl *meta.ACL) error {
	return s.rewriteCurrent(ctx, bucket, key, func(o *meta.Object) { o.ACL = acl })
}

func (s *Store) SetObjectVersionACL(ctx context.Context, bucket, key, versionID string, acl *meta.ACL) error {
	return s.rewriteVersion(ctx, bucket, key, versionID, func(o *meta.Object) { o.ACL = acl })
}

func (s *Store) PutObjectTags(ctx context.Context, bucket, key string, tags []meta.Tag) error {
	return s.rewriteCurrent(ctx, bucket, key, func(o *meta.Object) { o.Tags = tags })
}

func (s *Store) PutObjectVersionTags(ctx context.Context, bucket, key, versionID string, tags []meta.Tag) error {
	return s.rewriteVersion(ctx, bucket, key, versionID, func(o *meta.Object) { o.Tags = tags })
}

// rewriteCurrent changes key's current object with fn, in place: its
// blobs are the same before and after.
func (s *Store) rewriteCurrent(ctx context.Context, bucket, key string, fn func(*meta.Object)) error {
	return s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		b, err := lockKey(ctx, tx, bucket, key)
		if err != nil {
			return err
		}
		var ord int64
		var rec []byte
		err = tx.QueryRow(ctx, "SELECT ord, rec FROM objects WHERE bucket_id = $1 AND key = $2 AND latest AND NOT marker",
			b.id, []byte(key)).Scan(&ord, &rec)
		if errors.Is(err, pgx.ErrNoRows) {
			return meta.ErrNoSuchKey
		}
		if err != nil {
			return err
		}
		return rewriteRow(ctx, tx, b, key, ord, rec, fn)
	})
}

// rewriteRow applies fn to the record of one row and stores it back.
func rewriteRow(ctx context.Context, tx pgx.Tx, b bucketInfo, key string, ord int64, rec []byte, fn func(*meta.Object)) error {
	row := objectRow{key: []byte(key), rec: rec}
	o, err := row.object("")
	if err != nil {
		return err
	}
	fn(&o)
	_, err = tx.Exec(ctx, "UPDATE objects SET rec = $4 WHERE bucket_id = $1 AND key = $2 AND ord = $3", b.id, []byte(key), ord, encodeObject(&o))
	return err
}

// findVersion reads one version of key by ID; in a bucket never versioned
// the only version is "null". found is false when the key has versions
// but none of that ID; ErrNoSuchKey when it has none at all.
func findVersion(ctx context.Context, tx querier, b bucketInfo, key, versionID string) (ord int64, r *objectRow, err error) {
	stored, lookup := versionID, true
	if !b.versioned() {
		stored, lookup = "", versionID == meta.NullVersion
	}
	if lookup {
		var row objectRow
		err = tx.QueryRow(ctx, "SELECT ord, "+objectColumns+" FROM objects WHERE bucket_id = $1 AND key = $2 AND version_id = $3",
			b.id, []byte(key), stored).Scan(&ord, &row.key, &row.versionID, &row.latest, &row.marker, &row.rec)
		if err == nil {
			if !b.versioned() {
				row.versionID = meta.NullVersion
			}
			return ord, &row, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, nil, err
		}
	}
	var any bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM objects WHERE bucket_id = $1 AND key = $2)", b.id, []byte(key)).Scan(&any); err != nil {
		return 0, nil, err
	}
	if !any {
		return 0, nil, meta.ErrNoSuchKey
	}
	return 0, nil, nil
}

// rewriteVersion changes one version of key with fn, in place.
func (s *Store) rewriteVersion(ctx context.Context, bucket, key, versionID string, fn func(*meta.Object)) error {
	return s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		b, err := lockKey(ctx, tx, bucket, key)
		if err != nil {
			return err
		}
		ord, row, err := findVersion(ctx, tx, b, key, versionID)
		if err != nil {
			return err
		}
		if versionID == "" || row == nil {
			return meta.ErrNoSuchVersion
		}
		if row.marker {
			return meta.ErrDeleteMarker
		}
		return rewriteRow(ctx, tx, b, key, ord, row.rec, fn)
	})
}

// DeleteObject removes a key of a bucket never versioned; in a versioned
// bucket deleting is PutDeleteMarker.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) ([]storage.BlobID, error) {
	var freed []storage.BlobID
	err := s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		freed = nil
		b, err := lockKey(ctx, tx, bucket, key)
		if err != nil {
			return err
		}
		if key == "" {
			return nil
		}
		if b.versioned() {
			return meta.ErrVersioningChanged
		}
		recs, err := deleteRecs(ctx, tx, "DELETE FROM objects WHERE bucket_id = $1 AND key = $2 RETURNING latest, marker, rec", b.id, []byte(key))
		if err != nil {
			return err
		}
		if freed, err = unrefRecs(ctx, tx, recs, nil); err != nil {
			return err
		}
		if len(recs) == 0 {
			return nil
		}
		return syncDirs(ctx, tx, b.id, []byte(key), keyState{exists: true, current: true}, keyState{})
	})
	if err != nil {
		return nil, err
	}
	return freed, nil
}

func (s *Store) PutDeleteMarker(ctx context.Context, bucket, key, markerID string, at time.Time) ([]storage.BlobID, error) {
	if err := checkObjectKey(key); err != nil {
		return nil, err
	}
	var freed []storage.BlobID
	err := s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		b, err := lockKey(ctx, tx, bucket, key)
		if err != nil {
			return err
		}
		if !b.versioned() {
			return meta.ErrVersioningChanged
		}
		marker := meta.Object{Bucket: bucket, Key: key, VersionID: markerID, DeleteMarker: true, LastModified: at}
		freed, err = replaceObject(ctx, tx, b, &marker, nil, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return freed, nil
}

func (s *Store) GetObjectVersion(ctx context.Context, bucket, key, versionID string) (meta.Object, error) {
	var out meta.Object
	err := s.readDirect(ctx, func(ctx context.Context, tx querier) error {
		b, err := lookupBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		var row *objectRow
		if versionID == "" {
			row, err = scanObject(tx.QueryRow(ctx, "SELECT "+objectColumns+" FROM objects WHERE bucket_id = $1 AND key = $2 AND latest", b.id, []byte(key)))
			if err == nil && row == nil {
				err = meta.ErrNoSuchKey
			}
			if err == nil && !b.versioned() {
				row.versionID = meta.NullVersion
			}
		} else {
			_, row, err = findVersion(ctx, tx, b, key, versionID)
			if err == nil && row == nil {
				err = meta.ErrNoSuchVersion
			}
		}
		if err != nil {
			return err
		}
		out, err = row.object(bucket)
		return err
	})
	return out, err
}

// DeleteObjectVersion removes one version for good; when it was the
// newest, the next newest becomes current.
func (s *Store) DeleteObjectVersion(ctx context.Context, bucket, key, versionID string) (meta.Object, []storage.BlobID, error) {
	var gone meta.Object
	var freed []storage.BlobID
	err := s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		b, err := lockKey(ctx, tx, bucket, key)
		if err != nil {
			return err
		}
		if key == "" || versionID == "" {
			return meta.ErrNoSuchVersion
		}
		ord, row, err := findVersion(ctx, tx, b, key, versionID)
		if errors.Is(err, meta.ErrNoSuchKey) || (err == nil && row == nil) {
			return meta.ErrNoSuchVersion
		}
		if err != nil {
			return err
		}
		if gone, err = row.object(bucket); err != nil {
			return err
		}
		k := []byte(key)
		if _, err := tx.Exec(ctx, "DELETE FROM objects WHERE bucket_id = $1 AND key = $2 AND ord = $3", b.id, k, ord); err != nil {
			return err
		}
		if row.latest {
			// The next newest version, if any, becomes latest; the
			// directories above the key follow what it is.
			now := keyState{}
			var marker bool
			err := tx.QueryRow(ctx, `UPDATE objects SET latest = true WHERE bucket_id = $1 AND key = $2
				AND ord = (SELECT min(ord) FROM objects WHERE bucket_id = $1 AND key = $2) RETURNING marker`, b.id, k).Scan(&marker)
			switch {
			case err == nil:
				now = keyState{exists: true, current: !marker}
			case !errors.Is(err, pgx.ErrNoRows):
				return err
			}
			if err := syncDirs(ctx, tx, b.id, k, keyState{exists: true, current: !row.marker}, now); err != nil {
				return err
			}
		}
		freed, err = unref(ctx, tx, gone.Blobs(), nil)
		return err
	})
	if err != nil {
		return meta.Object{}, nil, err
	}
	return gone, freed, nil
}
