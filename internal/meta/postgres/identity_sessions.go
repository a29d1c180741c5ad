package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
	"signet/internal/principal"
)

// STS sessions, and the re-sealing of every stored secret.

const sessionColumns = `access_key_id, sealed_secret, token_hash, kind, arn, user_id, user_name, root,
	owner_id, role_name, session_name, session_policy, session_policy_arns, chained,
	source_access_key_id, issued, expiry, terminated_at`

func scanSession(r pgx.Row) (meta.Session, error) {
	var (
		x    meta.Session
		kind string
		term *time.Time
	)
	err := r.Scan(&x.AccessKeyID, &x.SealedSecret, &x.TokenHash, &kind, &x.ARN, &x.UserID, &x.UserName, &x.Root,
		&x.OwnerID, &x.RoleName, &x.SessionName, &x.SessionPolicy, &x.SessionPolicyARNs, &x.Chained,
		&x.SourceAccessKeyID, &x.Issued, &x.Expiry, &term)
	x.Kind = principal.SessionKind(kind)
	x.SealedSecret, x.TokenHash = secretOut(x.SealedSecret), secretOut(x.TokenHash)
	if len(x.SessionPolicyARNs) == 0 {
		x.SessionPolicyARNs = nil
	}
	if term != nil {
		x.TerminatedAt = *term
	}
	return x, err
}

func (s *Store) PutSession(ctx context.Context, sess meta.Session) error {
	if sess.AccessKeyID == "" {
		return invalidIdentity("empty session access key id")
	}
	arns := sess.SessionPolicyARNs
	if arns == nil {
		arns = []string{} // the column is NOT NULL; pgx sends nil as NULL
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO sts_sessions ("+sessionColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			sess.AccessKeyID, secretIn(sess.SealedSecret), secretIn(sess.TokenHash), string(sess.Kind), sess.ARN,
			sess.UserID, sess.UserName, sess.Root, sess.OwnerID, sess.RoleName, sess.SessionName,
			sess.SessionPolicy, arns, sess.Chained, sess.SourceAccessKeyID, sess.Issued, sess.Expiry,
			terminatedIn(sess.TerminatedAt))
		return duplicateIsExists(err)
	})
}

func (s *Store) GetSession(ctx context.Context, accessKeyID string) (meta.Session, error) {
	return readIdentity(s, ctx, scanSession, "SELECT "+sessionColumns+" FROM sts_sessions WHERE access_key_id = $1", accessKeyID)
}

func (s *Store) ListSessions(ctx context.Context) ([]meta.Session, error) {
	return readIdentities(s, ctx, scanSession, "SELECT "+sessionColumns+" FROM sts_sessions ORDER BY access_key_id")
}

// TerminateSession sets TerminatedAt once; a second call keeps the first
// time.
func (s *Store) TerminateSession(ctx context.Context, accessKeyID string, at time.Time) error {
	if at.IsZero() {
		return invalidIdentity("zero termination time")
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return execIdentityFound(ctx, tx, "UPDATE sts_sessions SET terminated_at = coalesce(terminated_at, $2) WHERE access_key_id = $1",
			accessKeyID, at)
	})
}

func (s *Store) DeleteSessionsExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	return s.sweepIdentities(ctx, "DELETE FROM sts_sessions WHERE expiry < $1", t)
}

// sealedRecord is one stored secret and the access key ID it is sealed for.
type sealedRecord struct {
	id     string
	secret []byte
}

func scanSealed(r pgx.Row) (sealedRecord, error) {
	var x sealedRecord
	err := r.Scan(&x.id, &x.secret)
	x.secret = secretOut(x.secret)
	return x, err
}

// ResealSecrets re-seals every secret in one transaction: on any error
// it rolls back and none is changed. Keys go first, then sessions, each
// in ID order, as in the other engines.
func (s *Store) ResealSecrets(ctx context.Context, reseal func(id string, sealed []byte) ([]byte, error)) error {
	tables := []struct{ table, id string }{
		{"iam_access_keys", "id"},
		{"sts_sessions", "access_key_id"},
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, t := range tables {
			// Read the whole table first: a connection cannot run an
			// UPDATE while a result set is still open on it.
			recs, err := queryIdentities(ctx, tx, scanSealed, "SELECT "+t.id+", sealed_secret FROM "+t.table+" ORDER BY "+t.id)
			if err != nil {
				return err
			}
			// One round trip for the table's updates, not one each.
			batch := &pgx.Batch{}
			for _, r := range recs {
				next, err := reseal(r.id, r.secret)
				if err != nil {
					return err
				}
				batch.Queue("UPDATE "+t.table+" SET sealed_secret = $2 WHERE "+t.id+" = $1", r.id, secretIn(next))
			}
			if err := tx.SendBatch(ctx, batch).Close(); err != nil {
				return err
			}
		}
		return nil
	})
}

// terminatedIn is t for a nullable timestamptz column: NULL when zero.
func terminatedIn(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
