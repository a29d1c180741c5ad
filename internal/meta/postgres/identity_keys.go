package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
	"signet/internal/principal"
)

// Access keys and the tombstones their deletion leaves.

func checkKeyStatus(status principal.KeyStatus) error {
	if status != principal.KeyActive && status != principal.KeyInactive {
		return invalidIdentity("access key status %q", status)
	}
	return nil
}

const keyColumns = "id, user_name, user_id, sealed_secret, status, created"

func scanKey(r pgx.Row) (meta.AccessKey, error) {
	var k meta.AccessKey
	err := r.Scan(&k.ID, &k.UserName, &k.UserID, &k.SealedSecret, &k.Status, &k.Created)
	k.SealedSecret = secretOut(k.SealedSecret)
	return k, err
}

// CreateAccessKey counts the user's keys and inserts the new one in one
// SERIALIZABLE transaction: two nodes creating the user's last allowed
// key at once conflict, and the one retried finds the limit reached.
func (s *Store) CreateAccessKey(ctx context.Context, k meta.AccessKey, maxPerUser int) error {
	if k.ID == "" {
		return invalidIdentity("empty access key id")
	}
	if err := checkKeyStatus(k.Status); err != nil {
		return err
	}
	userKey := nameKey(k.UserName)
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var userName, userID string
		err := tx.QueryRow(ctx, "SELECT name, id FROM iam_users WHERE name_key = $1", userKey).Scan(&userName, &userID)
		if errors.Is(err, pgx.ErrNoRows) || k.UserName == "" {
			return meta.ErrNoSuchEntity
		}
		if err != nil {
			return err
		}
		taken, err := identityRowExists(ctx, tx, "SELECT 1 FROM iam_access_keys WHERE id = $1", k.ID)
		if err != nil {
			return err
		}
		if taken {
			return meta.ErrEntityExists
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM iam_access_keys WHERE user_key = $1", userKey).Scan(&n); err != nil {
			return err
		}
		if n >= maxPerUser {
			return meta.ErrLimitExceeded
		}
		_, err = tx.Exec(ctx, "INSERT INTO iam_access_keys (user_key, "+keyColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7)",
			userKey, k.ID, userName, userID, secretIn(k.SealedSecret), string(k.Status), k.Created)
		if err != nil {
			return duplicateIsExists(err)
		}
		// The ID is live again: a tombstone would explain its URLs by a
		// deletion that no longer holds.
		_, err = tx.Exec(ctx, "DELETE FROM iam_deleted_access_keys WHERE id = $1", k.ID)
		return err
	})
}

func (s *Store) GetAccessKey(ctx context.Context, id string) (meta.AccessKey, error) {
	return readIdentity(s, ctx, scanKey, "SELECT "+keyColumns+" FROM iam_access_keys WHERE id = $1", id)
}

// ListAccessKeys lists the user's keys in creation order: by Created,
// then by ID.
func (s *Store) ListAccessKeys(ctx context.Context, userName string) ([]meta.AccessKey, error) {
	var out []meta.AccessKey
	err := s.identityRead(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, err := loadOwner(ctx, tx, meta.Owner{Kind: principal.OwnerUser, Name: userName})
		if err != nil {
			return err
		}
		out, err = queryIdentities(ctx, tx, scanKey,
			"SELECT "+keyColumns+" FROM iam_access_keys WHERE user_key = $1 ORDER BY created, id", key)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// userKeyCondition selects key $1 of user $2 (a name_key): a key of
// another user is as missing as one that does not exist.
const userKeyCondition = "id = $1 AND user_key = $2 AND $2 <> ''"

func (s *Store) UpdateAccessKey(ctx context.Context, userName, id string, status principal.KeyStatus) error {
	if err := checkKeyStatus(status); err != nil {
		return err
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return execIdentityFound(ctx, tx, "UPDATE iam_access_keys SET status = $3 WHERE "+userKeyCondition,
			id, nameKey(userName), string(status))
	})
}

// DeleteAccessKey leaves the tombstone in the same transaction, so there
// is no moment at which the key is gone without a trace. The tombstone
// names the user as its record stands.
func (s *Store) DeleteAccessKey(ctx context.Context, userName, id string, at time.Time) error {
	if at.IsZero() {
		return invalidIdentity("zero deletion time")
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var uName, uID string
		err := tx.QueryRow(ctx, `DELETE FROM iam_access_keys k USING iam_users u
			WHERE k.`+userKeyCondition+` AND u.name_key = k.user_key
			RETURNING u.name, u.id`, id, nameKey(userName)).Scan(&uName, &uID)
		if errors.Is(err, pgx.ErrNoRows) {
			return meta.ErrNoSuchEntity
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO iam_deleted_access_keys (id, user_name, user_id, deleted) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET user_name = EXCLUDED.user_name, user_id = EXCLUDED.user_id, deleted = EXCLUDED.deleted`,
			id, uName, uID, at)
		return err
	})
}

func scanTombstone(r pgx.Row) (meta.DeletedAccessKey, error) {
	var d meta.DeletedAccessKey
	err := r.Scan(&d.ID, &d.UserName, &d.UserID, &d.Deleted)
	return d, err
}

func (s *Store) GetDeletedAccessKey(ctx context.Context, id string) (meta.DeletedAccessKey, error) {
	return readIdentity(s, ctx, scanTombstone, "SELECT id, user_name, user_id, deleted FROM iam_deleted_access_keys WHERE id = $1", id)
}

func (s *Store) DeleteAccessKeyTombstonesBefore(ctx context.Context, t time.Time) (int, error) {
	return s.sweepIdentities(ctx, "DELETE FROM iam_deleted_access_keys WHERE deleted < $1", t)
}

// sweepIdentities runs a DELETE of records older than t and returns how
// many went, recording an identity change only when any did: the
// periodic sweeps that find nothing must not make every node reload.
func (s *Store) sweepIdentities(ctx context.Context, sql string, t time.Time) (int, error) {
	var n int
	err := s.identityWriteIf(ctx, func(ctx context.Context, tx pgx.Tx) (bool, error) {
		tag, err := tx.Exec(ctx, sql, t)
		if err != nil {
			return false, err
		}
		n = int(tag.RowsAffected())
		return n > 0, nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
