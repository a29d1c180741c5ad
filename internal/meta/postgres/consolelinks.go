package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
)

// The console's remembered links, table console_links (migration 0007).
// No node caches them (each page reads the table), so writes go through
// plain s.write and announce no change.

var _ meta.ConsoleLinkStore = (*Store)(nil)

const consoleLinkColumns = `id, principal_arn, bucket, key, method, signer, made_at, expires, effective, limited_by`

func scanConsoleLink(r pgx.Row) (meta.ConsoleLink, error) {
	var (
		l   meta.ConsoleLink
		key []byte
	)
	err := r.Scan(&l.ID, &l.PrincipalARN, &l.Bucket, &key, &l.Method, &l.Signer, &l.MadeAt, &l.Expires, &l.Effective, &l.LimitedBy)
	l.Key = string(key)
	l.MadeAt, l.Expires, l.Effective = l.MadeAt.UTC(), l.Expires.UTC(), l.Effective.UTC()
	return l, err
}

func (s *Store) PutConsoleLink(ctx context.Context, l meta.ConsoleLink) error {
	if err := meta.CheckConsoleLink(l); err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO console_links (`+consoleLinkColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (id) DO UPDATE SET principal_arn = excluded.principal_arn, bucket = excluded.bucket,
				key = excluded.key, method = excluded.method, signer = excluded.signer, made_at = excluded.made_at,
				expires = excluded.expires, effective = excluded.effective, limited_by = excluded.limited_by`,
			l.ID, l.PrincipalARN, l.Bucket, []byte(l.Key), l.Method, l.Signer, l.MadeAt, l.Expires, l.Effective, l.LimitedBy)
		return err
	})
}

func (s *Store) GetConsoleLink(ctx context.Context, id string) (meta.ConsoleLink, error) {
	return readIdentity(s, ctx, scanConsoleLink, "SELECT "+consoleLinkColumns+" FROM console_links WHERE id = $1", id)
}

func (s *Store) ListConsoleLinks(ctx context.Context, principalARN string) ([]meta.ConsoleLink, error) {
	return readIdentities(s, ctx, scanConsoleLink, "SELECT "+consoleLinkColumns+
		" FROM console_links WHERE principal_arn = $1 ORDER BY made_at DESC, id", principalARN)
}

func (s *Store) PruneConsoleLinks(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM console_links WHERE effective <= $1", now)
		n = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
