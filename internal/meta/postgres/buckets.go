package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
	"signet/internal/storage"
)

var (
	_ meta.Store          = (*Store)(nil)
	_ meta.BucketPolicies = (*Store)(nil)
	_ meta.DevClockStore  = (*Store)(nil)
)

// maxKeyLen is S3's limit on an object key, in bytes.
const maxKeyLen = 1024

func badArg(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{meta.ErrInvalidArgument}, args...)...)
}

func checkObjectKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return badArg("key length %d not in 1..%d", len(key), maxKeyLen)
	}
	return nil
}

func checkBlobIDs(ids []storage.BlobID) error {
	for _, id := range ids {
		if id == "" {
			return badArg("empty blob id")
		}
	}
	return nil
}

// bucketRec is the JSON body of a bucket's row: what no query filters on.
type bucketRec struct {
	Region    string                  `json:"r,omitempty"`
	Created   time.Time               `json:"c"`
	Tags      []meta.Tag              `json:"t,omitempty"`
	Ownership string                  `json:"o,omitempty"`
	PAB       *meta.PublicAccessBlock `json:"p,omitempty"`
	ACL       *meta.ACL               `json:"a,omitempty"`
}

func encodeBucket(b *meta.Bucket) []byte {
	v, _ := json.Marshal(bucketRec{Region: b.Region, Created: b.Created, Tags: b.Tags, Ownership: b.Ownership, PAB: b.PublicAccessBlock, ACL: b.ACL})
	return v
}

func decodeBucket(name, versioning string, v []byte) (meta.Bucket, error) {
	var r bucketRec
	if err := json.Unmarshal(v, &r); err != nil {
		return meta.Bucket{}, fmt.Errorf("postgres: bucket %q: %w", name, err)
	}
	return meta.Bucket{Name: name, Region: r.Region, Created: r.Created, Versioning: meta.Versioning(versioning),
		Tags: r.Tags, Ownership: r.Ownership, PublicAccessBlock: r.PAB, ACL: r.ACL}, nil
}

// querier is what a read needs of pgx: a transaction, or a connection
// whose statements each run in a transaction of their own.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// readDirect runs fn on one pooled connection outside any explicit
// transaction: each statement is atomic on its own, and BEGIN and
// COMMIT, two round trips, are saved. It serves the hot reads (GetObject
// and the listings), where statements that see different snapshots are
// harmless: a bucket deleted between its lookup and the read gives
// ErrNoSuchKey or an empty page, as it would a moment later; and the
// statements of one listing page read disjoint key ranges, each
// consistently, as S3 pages are. fn gets the call's context, bounded
// by the store's operation timeout.
func (s *Store) readDirect(ctx context.Context, fn func(ctx context.Context, q querier) error) error {
	if s.closed.Load() {
		return meta.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.dbErr(parent, err)
	}
	defer conn.Release()
	return s.dbErr(parent, fn(ctx, conn))
}

// bucketInfo is what most calls need of a bucket: its row's ID and its
// versioning state.
type bucketInfo struct {
	id         int64
	name       string
	versioning meta.Versioning
}

func (b bucketInfo) versioned() bool { return b.versioning != meta.Unversioned }

// lookupBucket reads a bucket's ID and state (ErrNoSuchBucket), for a
// read; writes lock it (lockKey, lockBucket).
func lookupBucket(ctx context.Context, tx querier, name string) (bucketInfo, error) {
	return scanBucketInfo(tx.QueryRow(ctx, lookupBucketSQL, name), name)
}

const lookupBucketSQL = "SELECT id, versioning FROM buckets WHERE name = $1"

func scanBucketInfo(row pgx.Row, name string) (bucketInfo, error) {
	b := bucketInfo{name: name}
	var v string
	err := row.Scan(&b.id, &v)
	if errors.Is(err, pgx.ErrNoRows) || name == "" {
		return b, meta.ErrNoSuchBucket
	}
	b.versioning = meta.Versioning(v)
	return b, err
}

// The locks of writeLocked's transactions. A write of one key takes its
// key's advisory lock and its bucket's row FOR SHARE; DeleteBucket and
// SetBucketVersioning, which depend on every key of the bucket, take the
// row FOR UPDATE; a write of one upload locks the upload's row. All are
// held to the end of the transaction, and each is taken before anything
// the write depends on is read, so a READ COMMITTED statement after it
// sees every write it waited for.

// lockKey takes key's lock and the bucket's row FOR SHARE, and returns
// the bucket (ErrNoSuchBucket) as it stands under that lock. The key's
// lock comes first, in its own statement of one round trip (a batch):
// the bucket's row is read after it is held.
func lockKey(ctx context.Context, tx pgx.Tx, bucket, key string) (bucketInfo, error) {
	batch := &pgx.Batch{}
	batch.Queue("SELECT pg_advisory_xact_lock($1)", keyLockID(bucket, key))
	batch.Queue("SELECT id, versioning FROM buckets WHERE name = $1 FOR SHARE", bucket)
	br := tx.SendBatch(ctx, batch)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return bucketInfo{}, err
	}
	b, err := scanBucketInfo(br.QueryRow(), bucket)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return b, err
}

// stmt is one statement of a batch.
type stmt struct {
	sql  string
	args []any
}

// lookupWith looks bucket name up and runs statements that take the name
// as $1 (and find the bucket's ID themselves), all in one round trip: a
// listing page otherwise pays a round trip for the lookup alone. scan
// reads the rows of statement i once the bucket is known to exist.
func lookupWith(ctx context.Context, tx querier, name string, scan func(b bucketInfo, i int, rows pgx.Rows) error, stmts ...stmt) (bucketInfo, error) {
	batch := &pgx.Batch{}
	batch.Queue(lookupBucketSQL, name)
	for _, st := range stmts {
		batch.Queue(st.sql, append([]any{name}, st.args...)...)
	}
	res := tx.SendBatch(ctx, batch)
	b, err := scanBucketInfo(res.QueryRow(), name)
	for i := 0; err == nil && i < len(stmts); i++ {
		var rows pgx.Rows
		if rows, err = res.Query(); err != nil {
			break
		}
		err = scan(b, i, rows)
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	return b, err
}

// lockBucket reads the bucket's row FOR UPDATE: no write of any of its
// keys runs until this transaction ends.
func lockBucket(ctx context.Context, tx pgx.Tx, name string) (bucketInfo, error) {
	return scanBucketInfo(tx.QueryRow(ctx, "SELECT id, versioning FROM buckets WHERE name = $1 FOR UPDATE", name), name)
}

// keyLockID is the advisory lock of one key of one bucket: a 64-bit hash
// of both. Two keys sharing a hash only wait for each other.
func keyLockID(bucket, key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(bucket))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return int64(h.Sum64())
}

// Buckets.

func (s *Store) CreateBucket(ctx context.Context, b meta.Bucket) error {
	if b.Name == "" {
		return badArg("empty bucket name")
	}
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockChanges(ctx, tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "INSERT INTO buckets (name, versioning, rec) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
			b.Name, string(b.Versioning), encodeBucket(&b))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return meta.ErrBucketExists
		}
		return changed(ctx, tx, ChangeIdentity)
	})
}

func (s *Store) GetBucket(ctx context.Context, name string) (meta.Bucket, error) {
	var out meta.Bucket
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var v string
		var rec []byte
		err := tx.QueryRow(ctx, "SELECT versioning, rec FROM buckets WHERE name = $1", name).Scan(&v, &rec)
		if errors.Is(err, pgx.ErrNoRows) {
			return meta.ErrNoSuchBucket
		}
		if err != nil {
			return err
		}
		out, err = decodeBucket(name, v, rec)
		return err
	})
	return out, err
}

func (s *Store) ListBuckets(ctx context.Context) ([]meta.Bucket, error) {
	var out []meta.Bucket
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, "SELECT name, versioning, rec FROM buckets ORDER BY name")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, v string
			var rec []byte
			if err := rows.Scan(&name, &v, &rec); err != nil {
				return err
			}
			b, err := decodeBucket(name, v, rec)
			if err != nil {
				return err
			}
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateBucket runs fn inside the transaction: a retry runs it again on
// a fresh read of the record.
func (s *Store) UpdateBucket(ctx context.Context, name string, fn func(*meta.Bucket) error) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockChanges(ctx, tx); err != nil {
			return err
		}
		var v string
		var rec []byte
		err := tx.QueryRow(ctx, "SELECT versioning, rec FROM buckets WHERE name = $1", name).Scan(&v, &rec)
		if errors.Is(err, pgx.ErrNoRows) {
			return meta.ErrNoSuchBucket
		}
		if err != nil {
			return err
		}
		old, err := decodeBucket(name, v, rec)
		if err != nil {
			return err
		}
		next, _ := decodeBucket(name, v, rec) // a copy fn may edit freely
		if err := fn(&next); err != nil {
			return err
		}
		// The bucket's identity is not fn's to change.
		next.Name, next.Region, next.Created = old.Name, old.Region, old.Created
		if _, err := tx.Exec(ctx, "UPDATE buckets SET versioning = $2, rec = $3 WHERE name = $1",
			name, string(next.Versioning), encodeBucket(&next)); err != nil {
			return err
		}
		// ACLs, Block Public Access and ownership live on the bucket:
		// every node's access decisions may change.
		return changed(ctx, tx, ChangeIdentity)
	})
}

// DeleteBucket drops the bucket's uploads (returning their parts' blobs),
// its completed-upload records and its documents with it.
func (s *Store) DeleteBucket(ctx context.Context, name string) ([]storage.BlobID, error) {
	var freed []storage.BlobID
	err := s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockChanges(ctx, tx); err != nil {
			return err
		}
		freed = nil
		b, err := lockBucket(ctx, tx, name)
		if err != nil {
			return err
		}
		var nonEmpty bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM objects WHERE bucket_id = $1)", b.id).Scan(&nonEmpty); err != nil {
			return err
		}
		if nonEmpty {
			return meta.ErrBucketNotEmpty
		}
		blobs, err := queryBlobs(ctx, tx, `DELETE FROM parts WHERE upload_id IN (SELECT id FROM uploads WHERE bucket_id = $1) RETURNING blob`, b.id)
		if err != nil {
			return err
		}
		if freed, err = unref(ctx, tx, blobs, freed); err != nil {
			return err
		}
		for _, q := range []string{
			"DELETE FROM uploads WHERE bucket_id = $1",
			"DELETE FROM completed_uploads WHERE bucket_id = $1",
			// Empty already when the objects are (dirs.go); kept with them.
			"DELETE FROM dirs WHERE bucket_id = $1",
			"DELETE FROM buckets WHERE id = $1",
		} {
			if _, err := tx.Exec(ctx, q, b.id); err != nil {
				return err
			}
		}
		return changed(ctx, tx, ChangeIdentity)
	})
	if err != nil {
		return nil, err
	}
	return freed, nil
}

func (s *Store) PutBucketTags(ctx context.Context, name string, tags []meta.Tag) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var v string
		var rec []byte
		err := tx.QueryRow(ctx, "SELECT versioning, rec FROM buckets WHERE name = $1", name).Scan(&v, &rec)
		if errors.Is(err, pgx.ErrNoRows) {
			return meta.ErrNoSuchBucket
		}
		if err != nil {
			return err
		}
		b, err := decodeBucket(name, v, rec)
		if err != nil {
			return err
		}
		b.Tags = tags
		_, err = tx.Exec(ctx, "UPDATE buckets SET rec = $2 WHERE name = $1", name, encodeBucket(&b))
		return err
	})
}

// SetBucketVersioning sets Enabled or Suspended. The first time, every
// object the bucket holds becomes its key's null version.
func (s *Store) SetBucketVersioning(ctx context.Context, name string, v meta.Versioning) error {
	if v != meta.VersioningEnabled && v != meta.VersioningSuspended {
		return badArg("versioning state %q", v)
	}
	return s.writeLocked(ctx, func(ctx context.Context, tx pgx.Tx) error {
		b, err := lockBucket(ctx, tx, name)
		if err != nil {
			return err
		}
		if !b.versioned() {
			if _, err := tx.Exec(ctx, "UPDATE objects SET version_id = $2 WHERE bucket_id = $1", b.id, meta.NullVersion); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, "UPDATE buckets SET versioning = $2 WHERE id = $1", b.id, string(v))
		return err
	})
}

// Bucket documents: policy, CORS and lifecycle configurations, one column
// each, NULL when the bucket has none.

type docColumn string

const (
	policyColumn    docColumn = "policy"
	corsColumn      docColumn = "cors"
	lifecycleColumn docColumn = "lifecycle"
)

// setDoc sets (doc non-nil) or clears a bucket's document; a bucket
// policy also changes what every node allows.
func (s *Store) setDoc(ctx context.Context, col docColumn, name string, doc *string) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockChanges(ctx, tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "UPDATE buckets SET "+string(col)+" = $2 WHERE name = $1", name, doc)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return meta.ErrNoSuchBucket
		}
		if col == policyColumn {
			return changed(ctx, tx, ChangeIdentity)
		}
		return nil
	})
}

func (s *Store) putDoc(ctx context.Context, col docColumn, name, doc, why string) error {
	if doc == "" {
		return badArg("%s", why)
	}
	return s.setDoc(ctx, col, name, &doc)
}

func (s *Store) getDoc(ctx context.Context, col docColumn, name string, errNone error) (string, error) {
	var doc *string
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		err := tx.QueryRow(ctx, "SELECT "+string(col)+" FROM buckets WHERE name = $1", name).Scan(&doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return meta.ErrNoSuchBucket
		}
		return err
	})
	if err != nil {
		return "", err
	}
	if doc == nil {
		return "", errNone
	}
	return *doc, nil
}

func (s *Store) PutBucketCORS(ctx context.Context, bucket, doc string) error {
	return s.putDoc(ctx, corsColumn, bucket, doc, "empty CORS configuration")
}

func (s *Store) GetBucketCORS(ctx context.Context, bucket string) (string, error) {
	return s.getDoc(ctx, corsColumn, bucket, meta.ErrNoSuchCORSConfiguration)
}

func (s *Store) DeleteBucketCORS(ctx context.Context, bucket string) error {
	return s.setDoc(ctx, corsColumn, bucket, nil)
}

func (s *Store) PutBucketLifecycle(ctx context.Context, bucket, doc string) error {
	return s.putDoc(ctx, lifecycleColumn, bucket, doc, "empty lifecycle configuration")
}

func (s *Store) GetBucketLifecycle(ctx context.Context, bucket string) (string, error) {
	return s.getDoc(ctx, lifecycleColumn, bucket, meta.ErrNoSuchLifecycleConfiguration)
}

func (s *Store) DeleteBucketLifecycle(ctx context.Context, bucket string) error {
	return s.setDoc(ctx, lifecycleColumn, bucket, nil)
}

func (s *Store) PutBucketPolicy(ctx context.Context, bucket, doc string) error {
	return s.putDoc(ctx, policyColumn, bucket, doc, "empty bucket policy")
}

func (s *Store) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	return s.getDoc(ctx, policyColumn, bucket, meta.ErrNoSuchBucketPolicy)
}

func (s *Store) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	return s.setDoc(ctx, policyColumn, bucket, nil)
}

// Account-wide settings.

const (
	settingAccountPAB = "account_pab"
	settingDevClock   = "dev_clock"
)

func (s *Store) getSetting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		err := tx.QueryRow(ctx, "SELECT value FROM account_settings WHERE name = $1", name).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			v = nil
			return nil
		}
		return err
	})
	return v, err
}

// setSetting stores (v non-nil) or removes a setting and records a change
// of the given kind, which every node's cache hears of.
func (s *Store) setSetting(ctx context.Context, name string, v []byte, kind string) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockChanges(ctx, tx); err != nil {
			return err
		}
		var err error
		if v == nil {
			_, err = tx.Exec(ctx, "DELETE FROM account_settings WHERE name = $1", name)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO account_settings (name, value) VALUES ($1, $2)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, v)
		}
		if err != nil {
			return err
		}
		return changed(ctx, tx, kind)
	})
}

func (s *Store) AccountPublicAccessBlock(ctx context.Context) (*meta.PublicAccessBlock, error) {
	v, err := s.getSetting(ctx, settingAccountPAB)
	if err != nil || v == nil {
		return nil, err
	}
	var p meta.PublicAccessBlock
	if err := json.Unmarshal(v, &p); err != nil {
		return nil, fmt.Errorf("postgres: account public access block: %w", err)
	}
	return &p, nil
}

func (s *Store) PutAccountPublicAccessBlock(ctx context.Context, p meta.PublicAccessBlock) error {
	v, _ := json.Marshal(p)
	return s.setSetting(ctx, settingAccountPAB, v, ChangeIdentity)
}

func (s *Store) DeleteAccountPublicAccessBlock(ctx context.Context) error {
	return s.setSetting(ctx, settingAccountPAB, nil, ChangeIdentity)
}

func (s *Store) DevClockOffset(ctx context.Context) (time.Duration, error) {
	v, err := s.getSetting(ctx, settingDevClock)
	if err != nil || v == nil {
		return 0, err
	}
	d, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("postgres: dev clock offset: %w", err)
	}
	return time.Duration(d), nil
}

func (s *Store) SetDevClockOffset(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return badArg("dev clock offset %v is negative", d)
	}
	return s.setSetting(ctx, settingDevClock, []byte(strconv.FormatInt(int64(d), 10)), ChangeDevClock)
}

// Blob references.

// queryBlobs runs a statement returning one blob ID per row.
func queryBlobs(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]storage.BlobID, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.BlobID, error) {
		var id string
		err := r.Scan(&id)
		return storage.BlobID(id), err
	})
}

func blobStrings(ids []storage.BlobID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

// ref adds one reference to each blob (a blob listed twice gets two).
func ref(ctx context.Context, tx pgx.Tx, ids []storage.BlobID) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO blob_refs (blob, n)
		SELECT b, count(*) FROM unnest($1::text[]) AS b GROUP BY b
		ON CONFLICT (blob) DO UPDATE SET n = blob_refs.n + excluded.n`, blobStrings(ids))
	return err
}

// unref drops one reference from each blob and returns freed with those
// left with none appended. A blob no row counts is already free.
func unref(ctx context.Context, tx pgx.Tx, ids []storage.BlobID, freed []storage.BlobID) ([]storage.BlobID, error) {
	if len(ids) == 0 {
		return freed, nil
	}
	gone, err := queryBlobs(ctx, tx, `WITH d AS (SELECT b, count(*) AS c FROM unnest($1::text[]) AS b GROUP BY b),
		gone AS (DELETE FROM blob_refs r USING d WHERE r.blob = d.b AND r.n <= d.c RETURNING r.blob),
		kept AS (UPDATE blob_refs r SET n = r.n - d.c FROM d WHERE r.blob = d.b AND r.n > d.c)
		SELECT blob FROM gone ORDER BY blob`, blobStrings(ids))
	if err != nil {
		return nil, err
	}
	return append(freed, gone...), nil
}

// walkPage is how many blob IDs WalkBlobs reads per query.
const walkPage = 1000

// WalkBlobs pages through the reference counts in blob order, calling fn
// outside any transaction so that a slow fn holds up nothing. A blob
// referenced for the whole walk is always reported.
func (s *Store) WalkBlobs(ctx context.Context, fn func(storage.BlobID) error) error {
	after := ""
	for {
		var page []storage.BlobID
		err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
			var err error
			page, err = queryBlobs(ctx, tx, "SELECT blob FROM blob_refs WHERE blob > $1 ORDER BY blob LIMIT $2", after, walkPage)
			return err
		})
		if err != nil {
			return err
		}
		for _, id := range page {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(id); err != nil {
				return err
			}
		}
		if len(page) < walkPage {
			return nil
		}
		after = string(page[len(page)-1])
	}
}
