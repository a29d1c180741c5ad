package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
	"signet/internal/storage"
)

// Multipart uploads, their parts and the records of completed uploads.
// Upload records are binary (objects_codec.go), as ListUploads decodes
// a page of them; parts and completion records are JSON of the meta
// types, read a few at a time (their strings are IDs, ETags and
// checksums, all ASCII; keys and IDs come from columns).

func encodeJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func decodeJSON(what string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("postgres: %s record: %w", what, err)
	}
	return nil
}

// loadUpload finds an upload by ID and checks that it belongs to bucket
// and key: an upload ID is useless outside its key.
func loadUpload(ctx context.Context, tx pgx.Tx, bucket, key, id string) (bucketInfo, meta.Upload, error) {
	b, err := lookupBucket(ctx, tx, bucket)
	if err != nil {
		return b, meta.Upload{}, err
	}
	var rec []byte
	err = tx.QueryRow(ctx, "SELECT rec FROM uploads WHERE id = $1 AND bucket_id = $2 AND key = $3", id, b.id, []byte(key)).Scan(&rec)
	if errors.Is(err, pgx.ErrNoRows) || id == "" {
		return b, meta.Upload{}, meta.ErrNoSuchUpload
	}
	if err != nil {
		return b, meta.Upload{}, err
	}
	u, err := decodeUpload(bucket, key, id, rec)
	return b, u, err
}

// lockUpload is loadUpload for a write: it takes the key's lock and the
// bucket's row (lockKey), then the upload's row FOR UPDATE, so a part, a
// completion and an abort of one upload run one after another.
func lockUpload(ctx context.Context, tx pgx.Tx, bucket, key, id string) (bucketInfo, meta.Upload, error) {
	b, err := lockKey(ctx, tx, bucket, key)
	if err != nil {
		return b, meta.Upload{}, err
	}
	var rec []byte
	err = tx.QueryRow(ctx, "SELECT rec FROM uploads WHERE id = $1 AND bucket_id = $2 AND key = $3 FOR UPDATE", id, b.id, []byte(key)).Scan(&rec)
	if errors.Is(err, pgx.ErrNoRows) || id == "" {
		return b, meta.Upload{}, meta.ErrNoSuchUpload
	}
	if err != nil {
		return b, meta.Upload{}, err
	}
	u, err := decodeUpload(bucket, key, id, rec)
	return b, u, err
}

// dropUpload deletes an upload and its parts, releasing their blobs.
func dropUpload(ctx context.Context, tx pgx.Tx, id string, freed []storage.BlobID) ([]storage.BlobID, error) {
	blobs, err := queryBlobs(ctx, tx, "DELETE FROM parts WHERE upload_id = $1 RETURNING blob", id)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM uploads WHERE id = $1", id); err != nil {
		return nil, err
	}
	return unref(ctx, tx, blobs, freed)
}

func (s *Store) CreateUpload(ctx context.Context, u meta.Upload) error {
	if err := checkObjectKey(u.Key); err != nil {
		return err
	}
	if u.ID == "" {
		return badArg("empty upload id")
	}
	return s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		b, err := lockKey(ctx, tx, u.Bucket, u.Key)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO uploads (id, bucket_id, key, initiated_ns, rec) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO NOTHING`, u.ID, b.id, []byte(u.Key), u.Initiated.UnixNano(), encodeUpload(&u))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return badArg("upload id %q already in use", u.ID)
		}
		return nil
	})
}

func (s *Store) GetUpload(ctx context.Context, bucket, key, uploadID string) (meta.Upload, error) {
	var out meta.Upload
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		_, out, err = loadUpload(ctx, tx, bucket, key, uploadID)
		return err
	})
	return out, err
}

func (s *Store) PutPart(ctx context.Context, bucket, key, uploadID string, p meta.Part) ([]storage.BlobID, error) {
	if p.Number < 1 {
		return nil, badArg("part number %d", p.Number)
	}
	if err := checkBlobIDs([]storage.BlobID{p.Blob}); err != nil {
		return nil, err
	}
	var freed []storage.BlobID
	err := s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, _, err := lockUpload(ctx, tx, bucket, key, uploadID); err != nil {
			return err
		}
		if err := ref(ctx, tx, []storage.BlobID{p.Blob}); err != nil {
			return err
		}
		old, err := queryBlobs(ctx, tx, "DELETE FROM parts WHERE upload_id = $1 AND number = $2 RETURNING blob", uploadID, p.Number)
		if err != nil {
			return err
		}
		if freed, err = unref(ctx, tx, old, nil); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO parts (upload_id, number, blob, rec) VALUES ($1, $2, $3, $4)",
			uploadID, p.Number, string(p.Blob), encodeJSON(p))
		return err
	})
	if err != nil {
		return nil, err
	}
	return freed, nil
}

// partsAfter reads an upload's parts numbered above after, in order, at
// most limit of them (all when limit < 0).
func partsAfter(ctx context.Context, tx pgx.Tx, uploadID string, after, limit int) ([]meta.Part, error) {
	sql := "SELECT rec FROM parts WHERE upload_id = $1 AND number > $2 ORDER BY number"
	args := []any{uploadID, after}
	if limit >= 0 {
		sql += " LIMIT $3"
		args = append(args, limit)
	}
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (meta.Part, error) {
		var rec []byte
		var p meta.Part
		if err := r.Scan(&rec); err != nil {
			return p, err
		}
		err := decodeJSON("part", rec, &p)
		return p, err
	})
}

func (s *Store) ListParts(ctx context.Context, bucket, key, uploadID string, after, max int) ([]meta.Part, bool, error) {
	if max < 0 {
		return nil, false, badArg("negative max %d", max)
	}
	var out []meta.Part
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, _, err := loadUpload(ctx, tx, bucket, key, uploadID); err != nil {
			return err
		}
		if max == 0 {
			out = nil
			return nil
		}
		var err error
		out, err = partsAfter(ctx, tx, uploadID, after, max+1)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if len(out) > max {
		return out[:max], true, nil
	}
	return out, false, nil
}

// CompleteUpload runs build and pre inside the transaction (they are pure
// functions of what they are given, so a retry may run them again).
func (s *Store) CompleteUpload(ctx context.Context, bucket, key, uploadID string, build meta.CompleteFunc, pre meta.Precondition) (meta.Object, []storage.BlobID, error) {
	var obj meta.Object
	var freed []storage.BlobID
	err := s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		b, u, err := lockUpload(ctx, tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		list, err := partsAfter(ctx, tx, uploadID, 0, -1)
		if err != nil {
			return err
		}
		parts := make(map[int]meta.Part, len(list))
		for _, p := range list {
			parts[p.Number] = p
		}
		if obj, err = build(u, parts); err != nil {
			return err
		}
		// The object lands where the upload was started, whatever build
		// filled in.
		obj.Bucket, obj.Key = bucket, key
		if err := checkBlobIDs(obj.Blobs()); err != nil {
			return err
		}
		release := func(freed []storage.BlobID) ([]storage.BlobID, error) { return dropUpload(ctx, tx, uploadID, freed) }
		if freed, err = replaceObject(ctx, tx, b, &obj, pre, release); err != nil {
			return err
		}
		return recordCompletion(ctx, tx, b, bucket, uploadID, &obj)
	})
	if err != nil {
		return meta.Object{}, nil, err
	}
	obj.IsLatest = false
	return obj, freed, nil
}

// recordCompletion keeps what a completion answered and forgets the
// records older than meta.CompletedUploadRetention before it.
func recordCompletion(ctx context.Context, tx pgx.Tx, b bucketInfo, bucket, id string, obj *meta.Object) error {
	var created []byte
	if err := tx.QueryRow(ctx, "SELECT rec FROM buckets WHERE id = $1", b.id).Scan(&created); err != nil {
		return err
	}
	br, err := decodeBucket(bucket, "", created)
	if err != nil {
		return err
	}
	cutoff := obj.LastModified.Add(-meta.CompletedUploadRetention).UnixNano()
	if _, err := tx.Exec(ctx, "DELETE FROM completed_uploads WHERE completed_ns < $1", cutoff); err != nil {
		return err
	}
	c := meta.CompletedUpload{
		Bucket: obj.Bucket, Key: obj.Key, ID: id, BucketCreated: br.Created,
		Completed: obj.LastModified, ETag: obj.ETag, Size: obj.Size,
		Checksums: obj.Checksums, ChecksumType: obj.ChecksumType, VersionID: obj.VersionID,
		ServerSideEncryption: obj.ServerSideEncryption,
	}
	_, err = tx.Exec(ctx, `INSERT INTO completed_uploads (id, bucket_id, key, completed_ns, rec) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET bucket_id = excluded.bucket_id, key = excluded.key,
			completed_ns = excluded.completed_ns, rec = excluded.rec`,
		id, b.id, []byte(obj.Key), obj.LastModified.UnixNano(), encodeJSON(c))
	return err
}

func (s *Store) GetCompletedUpload(ctx context.Context, bucket, key, uploadID string) (meta.CompletedUpload, error) {
	var out meta.CompletedUpload
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		b, err := lookupBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		var rec []byte
		err = tx.QueryRow(ctx, "SELECT rec FROM completed_uploads WHERE id = $1 AND bucket_id = $2 AND key = $3",
			uploadID, b.id, []byte(key)).Scan(&rec)
		if errors.Is(err, pgx.ErrNoRows) {
			return meta.ErrNoSuchUpload
		}
		if err != nil {
			return err
		}
		if err := decodeJSON("completed upload", rec, &out); err != nil {
			return err
		}
		out.Bucket, out.Key, out.ID = bucket, key, uploadID
		return nil
	})
	if err != nil {
		return meta.CompletedUpload{}, err
	}
	return out, nil
}

func (s *Store) AbortUpload(ctx context.Context, bucket, key, uploadID string) ([]storage.BlobID, error) {
	var freed []storage.BlobID
	err := s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, _, err := lockUpload(ctx, tx, bucket, key, uploadID); err != nil {
			return err
		}
		var err error
		freed, err = dropUpload(ctx, tx, uploadID, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return freed, nil
}
