package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
)

// The presigned-URL denylist, table url_revocations (migration 0005).

var _ meta.URLRevocationStore = (*Store)(nil)

const revocationColumns = `id, print, signer_kind, signer, signed_before, until, revoked_at, revoked_by,
	reason, access_key_id, principal_arn, method, bucket, key, twin_of`

// revocationReplace sets every column but id to the row put.
const revocationReplace = `print = excluded.print, signer_kind = excluded.signer_kind,
	signer = excluded.signer, signed_before = excluded.signed_before, until = excluded.until,
	revoked_at = excluded.revoked_at, revoked_by = excluded.revoked_by, reason = excluded.reason,
	access_key_id = excluded.access_key_id, principal_arn = excluded.principal_arn,
	method = excluded.method, bucket = excluded.bucket, key = excluded.key, twin_of = excluded.twin_of`

func scanRevocation(r pgx.Row) (meta.URLRevocation, error) {
	var (
		x                 meta.URLRevocation
		before, revokedAt *time.Time
		key               []byte
	)
	err := r.Scan(&x.ID, &x.Print, &x.SignerKind, &x.Signer, &before, &x.Until, &revokedAt, &x.RevokedBy,
		&x.Reason, &x.AccessKeyID, &x.PrincipalARN, &x.Method, &x.Bucket, &key, &x.TwinOf)
	x.Until = x.Until.UTC()
	x.Before, x.RevokedAt = utcOrZero(before), utcOrZero(revokedAt)
	x.Key = string(key)
	return x, err
}

// utcOrZero is a nullable timestamptz column's value: zero for NULL.
func utcOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// PutURLRevocations upserts the batch, one statement per entry in order
// (so a later entry of an ID replaces an earlier one), then counts the
// table in the same transaction and aborts it over the limit. The write
// holds the change table's lock (writeChanging), so two nodes' puts take
// turns and neither counts without the other's rows: the limit holds
// across nodes. Every node's feed hears ChangeURLRevocations at commit.
func (s *Store) PutURLRevocations(ctx context.Context, rs []meta.URLRevocation, limit int) error {
	if err := meta.CheckURLRevocations(rs); err != nil {
		return err
	}
	return s.writeChanging(ctx, ChangeURLRevocations, func(ctx context.Context, tx pgx.Tx) (bool, error) {
		batch := &pgx.Batch{}
		for _, r := range rs {
			batch.Queue(`INSERT INTO url_revocations (`+revocationColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
				ON CONFLICT (id) DO UPDATE SET `+revocationReplace,
				r.ID, r.Print, r.SignerKind, r.Signer, nullIfZero(r.Before), r.Until, nullIfZero(r.RevokedAt),
				r.RevokedBy, r.Reason, r.AccessKeyID, r.PrincipalARN, r.Method, r.Bucket, []byte(r.Key), r.TwinOf)
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return false, err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM url_revocations").Scan(&n); err != nil {
			return false, err
		}
		if n > limit {
			return false, meta.ErrLimitExceeded
		}
		return len(rs) > 0, nil
	})
}

// nullIfZero is t for a nullable timestamptz column: NULL when zero.
func nullIfZero(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Store) ListURLRevocations(ctx context.Context) ([]meta.URLRevocation, error) {
	return readIdentities(s, ctx, scanRevocation, "SELECT "+revocationColumns+" FROM url_revocations ORDER BY id")
}

// PruneURLRevocations deletes by the index on until. It announces no
// change: every node ignores an entry past its Until already, so a node
// that still holds one until its next reload answers as if it were gone.
func (s *Store) PruneURLRevocations(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM url_revocations WHERE until <= $1", now)
		n = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
