package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"signet/internal/meta"
	"signet/internal/principal"
)

// The identity store (migrations/0003_identities.sql): every method of
// meta.Identities but the bucket policies, which live with the buckets.
//
// Names of users, roles, managed and inline policies are matched
// case-insensitively through a name_key column holding the name as
// strings.ToLower makes it, computed here rather than by the database so
// that the folding is the same as in the other engines whatever the
// database's collation; records keep the name as created. Lists order by
// those keys in the "C" collation: by lower-cased name in byte order.
//
// Every write is one SERIALIZABLE transaction (Store.write) that checks
// what it depends on (the user of a key, the dependents of a deleted
// owner, the key limit) inside it, so that of two nodes racing one
// sees what the other did. Identity writes also take turns
// (identityWriteIf), since each records an identity change in its
// transaction, which is how the other nodes' caches hear of it.

var (
	_ meta.Users           = (*Store)(nil)
	_ meta.AccessKeys      = (*Store)(nil)
	_ meta.KeyTombstones   = (*Store)(nil)
	_ meta.Roles           = (*Store)(nil)
	_ meta.InlinePolicies  = (*Store)(nil)
	_ meta.ManagedPolicies = (*Store)(nil)
	_ meta.Attachments     = (*Store)(nil)
	_ meta.Sessions        = (*Store)(nil)
	_ meta.SecretResealer  = (*Store)(nil)
)

// nameKey is the key of a case-insensitive name.
func nameKey(name string) string { return strings.ToLower(name) }

// invalidIdentity is meta.ErrInvalidArgument saying what was wrong.
func invalidIdentity(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{meta.ErrInvalidArgument}, args...)...)
}

// duplicateIsExists turns a unique violation (23505) into
// meta.ErrEntityExists; other errors pass unchanged.
func duplicateIsExists(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return meta.ErrEntityExists
	}
	return err
}

// identityWrite runs fn as one write transaction that records an
// identity change when fn succeeds.
func (s *Store) identityWrite(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.identityWriteIf(ctx, func(ctx context.Context, tx pgx.Tx) (bool, error) { return true, fn(ctx, tx) })
}

// identityWriteIf runs fn as one write transaction that records an
// identity change when fn succeeds and reports it changed something;
// identity writes take turns (writeChanging).
func (s *Store) identityWriteIf(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) (bool, error)) error {
	return s.writeChanging(ctx, ChangeIdentity, fn)
}

// identityRead runs fn in a read transaction.
func (s *Store) identityRead(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.read(ctx, fn)
}

// readIdentity runs one single-row query in a read transaction; no row is
// meta.ErrNoSuchEntity.
func readIdentity[T any](s *Store, ctx context.Context, scan func(pgx.Row) (T, error), sql string, args ...any) (T, error) {
	var out T
	err := s.identityRead(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = scanIdentity(tx.QueryRow(ctx, sql, args...), scan)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// scanIdentity scans row with scan; no row is meta.ErrNoSuchEntity.
func scanIdentity[T any](row pgx.Row, scan func(pgx.Row) (T, error)) (T, error) {
	v, err := scan(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, meta.ErrNoSuchEntity
	}
	return v, err
}

// queryIdentities runs a query inside tx and scans every row; no rows is a nil
// slice, as the other engines return.
func queryIdentities[T any](ctx context.Context, tx pgx.Tx, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return out, nil
}

// readIdentities runs queryIdentities in a read transaction of its own.
func readIdentities[T any](s *Store, ctx context.Context, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	var out []T
	err := s.identityRead(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = queryIdentities(ctx, tx, scan, sql, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// identityRowExists reports whether sql finds a row.
func identityRowExists(ctx context.Context, tx pgx.Tx, sql string, args ...any) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, "SELECT EXISTS ("+sql+")", args...).Scan(&ok)
	return ok, err
}

// execIdentityFound runs a statement that must touch a row: none is
// meta.ErrNoSuchEntity.
func execIdentityFound(ctx context.Context, tx pgx.Tx, sql string, args ...any) error {
	tag, err := tx.Exec(ctx, sql, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return meta.ErrNoSuchEntity
	}
	return nil
}

// secretIn is b for a NOT NULL bytea column: pgx sends a nil slice as
// NULL.
func secretIn(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// secretOut is b as the other engines return it: nil when empty.
func secretOut(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Owners of inline policies and attachments.

// ownerTable checks o's kind and returns the table of owners of that
// kind.
func ownerTable(o meta.Owner) (string, error) {
	switch o.Kind {
	case principal.OwnerUser:
		return "iam_users", nil
	case principal.OwnerRole:
		return "iam_roles", nil
	}
	return "", invalidIdentity("owner kind %q", o.Kind)
}

// loadOwner returns o's name_key, meta.ErrNoSuchEntity when the user or
// role does not exist. Reading the owner's row inside the transaction is
// what makes a concurrent delete of the owner conflict with the write.
func loadOwner(ctx context.Context, tx pgx.Tx, o meta.Owner) (string, error) {
	table, err := ownerTable(o)
	if err != nil {
		return "", err
	}
	key := nameKey(o.Name)
	ok, err := identityRowExists(ctx, tx, "SELECT 1 FROM "+table+" WHERE name_key = $1", key)
	if err != nil {
		return "", err
	}
	if o.Name == "" || !ok {
		return "", meta.ErrNoSuchEntity
	}
	return key, nil
}

// hasDependents reports whether the owner has inline or attached
// policies.
func hasDependents(ctx context.Context, tx pgx.Tx, kind principal.OwnerKind, key string) (bool, error) {
	return identityRowExists(ctx, tx, `SELECT 1 FROM iam_inline_policies WHERE owner_kind = $1 AND owner_key = $2
		UNION ALL SELECT 1 FROM iam_attached_policies WHERE owner_kind = $1 AND owner_key = $2`, string(kind), key)
}

// deleteOwner deletes a user or role: meta.ErrNoSuchEntity when missing,
// meta.ErrDeleteConflict while it has inline or attached policies or
// moreDependents (if not nil) finds others.
func (s *Store) deleteOwner(ctx context.Context, o meta.Owner, moreDependents func(ctx context.Context, tx pgx.Tx, key string) (bool, error)) error {
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, err := loadOwner(ctx, tx, o)
		if err != nil {
			return err
		}
		busy, err := hasDependents(ctx, tx, o.Kind, key)
		if err == nil && !busy && moreDependents != nil {
			busy, err = moreDependents(ctx, tx, key)
		}
		if err != nil {
			return err
		}
		if busy {
			return meta.ErrDeleteConflict
		}
		table, _ := ownerTable(o)
		_, err = tx.Exec(ctx, "DELETE FROM "+table+" WHERE name_key = $1", key)
		return err
	})
}

// Users.

const userColumns = "name, id, path, created"

func scanUser(r pgx.Row) (meta.User, error) {
	var u meta.User
	err := r.Scan(&u.Name, &u.ID, &u.Path, &u.Created)
	return u, err
}

func (s *Store) CreateUser(ctx context.Context, u meta.User) error {
	if u.Name == "" {
		return invalidIdentity("empty user name")
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO iam_users (name_key, "+userColumns+") VALUES ($1, $2, $3, $4, $5)",
			nameKey(u.Name), u.Name, u.ID, u.Path, u.Created)
		return duplicateIsExists(err)
	})
}

func (s *Store) GetUser(ctx context.Context, name string) (meta.User, error) {
	return readIdentity(s, ctx, scanUser, "SELECT "+userColumns+" FROM iam_users WHERE name_key = $1", nameKey(name))
}

func (s *Store) ListUsers(ctx context.Context) ([]meta.User, error) {
	return readIdentities(s, ctx, scanUser, "SELECT "+userColumns+" FROM iam_users ORDER BY name_key")
}

// DeleteUser refuses while the user has access keys, inline policies,
// attached policies or a login profile.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.deleteOwner(ctx, meta.Owner{Kind: principal.OwnerUser, Name: name}, func(ctx context.Context, tx pgx.Tx, key string) (bool, error) {
		busy, err := identityRowExists(ctx, tx, "SELECT 1 FROM iam_access_keys WHERE user_key = $1", key)
		if err != nil || busy {
			return busy, err
		}
		// A login profile of this user blocks; one of an earlier user of
		// the name goes with it.
		busy, err = identityRowExists(ctx, tx, `SELECT 1 FROM iam_login_profiles p JOIN iam_users u
			ON u.name_key = p.user_key AND u.id = p.user_id WHERE p.user_key = $1`, key)
		if err != nil || busy {
			return busy, err
		}
		_, err = tx.Exec(ctx, "DELETE FROM iam_login_profiles WHERE user_key = $1", key)
		return false, err
	})
}

// Roles.

const roleColumns = "name, id, path, description, trust_policy, max_session_duration, created"

func scanRole(r pgx.Row) (meta.Role, error) {
	var x meta.Role
	err := r.Scan(&x.Name, &x.ID, &x.Path, &x.Description, &x.TrustPolicy, &x.MaxSessionDuration, &x.Created)
	return x, err
}

func (s *Store) CreateRole(ctx context.Context, r meta.Role) error {
	if r.Name == "" {
		return invalidIdentity("empty role name")
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO iam_roles (name_key, "+roleColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			nameKey(r.Name), r.Name, r.ID, r.Path, r.Description, r.TrustPolicy, r.MaxSessionDuration, r.Created)
		return duplicateIsExists(err)
	})
}

func (s *Store) GetRole(ctx context.Context, name string) (meta.Role, error) {
	return readIdentity(s, ctx, scanRole, "SELECT "+roleColumns+" FROM iam_roles WHERE name_key = $1", nameKey(name))
}

func (s *Store) ListRoles(ctx context.Context) ([]meta.Role, error) {
	return readIdentities(s, ctx, scanRole, "SELECT "+roleColumns+" FROM iam_roles ORDER BY name_key")
}

// UpdateRole runs fn inside the transaction, on the role as stored: when
// PostgreSQL aborts the transaction for a conflict, fn runs again on the
// role as it then stands, so a concurrent update is never lost.
func (s *Store) UpdateRole(ctx context.Context, name string, fn func(*meta.Role) error) error {
	if fn == nil {
		return invalidIdentity("nil role update")
	}
	key := nameKey(name)
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		r, err := scanIdentity(tx.QueryRow(ctx, "SELECT "+roleColumns+" FROM iam_roles WHERE name_key = $1", key), scanRole)
		if err != nil {
			return err
		}
		keepName, keepID := r.Name, r.ID
		if err := fn(&r); err != nil {
			return err
		}
		r.Name, r.ID = keepName, keepID
		_, err = tx.Exec(ctx, `UPDATE iam_roles SET path = $2, description = $3, trust_policy = $4,
			max_session_duration = $5, created = $6 WHERE name_key = $1`,
			key, r.Path, r.Description, r.TrustPolicy, r.MaxSessionDuration, r.Created)
		return err
	})
}

// DeleteRole refuses while the role has inline or attached policies.
func (s *Store) DeleteRole(ctx context.Context, name string) error {
	return s.deleteOwner(ctx, meta.Owner{Kind: principal.OwnerRole, Name: name}, nil)
}

// Managed policies.

const policyColumns = "name, id, path, description, document, created, updated"

func scanPolicy(r pgx.Row) (meta.Policy, error) {
	var p meta.Policy
	err := r.Scan(&p.Name, &p.ID, &p.Path, &p.Description, &p.Document, &p.Created, &p.Updated)
	return p, err
}

func (s *Store) CreatePolicy(ctx context.Context, p meta.Policy) error {
	if p.Name == "" {
		return invalidIdentity("empty policy name")
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO iam_policies (name_key, "+policyColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			nameKey(p.Name), p.Name, p.ID, p.Path, p.Description, p.Document, p.Created, p.Updated)
		return duplicateIsExists(err)
	})
}

func (s *Store) GetPolicy(ctx context.Context, name string) (meta.Policy, error) {
	return readIdentity(s, ctx, scanPolicy, "SELECT "+policyColumns+" FROM iam_policies WHERE name_key = $1", nameKey(name))
}

func (s *Store) ListPolicies(ctx context.Context) ([]meta.Policy, error) {
	return readIdentities(s, ctx, scanPolicy, "SELECT "+policyColumns+" FROM iam_policies ORDER BY name_key")
}

// customerPolicyKey returns the name_key of the customer managed policy
// an ARN names, arn:PARTITION:iam::ACCOUNT:policy/[PATH/]NAME with
// ACCOUNT not "aws" (where AWS managed policies live), and false for any
// other ARN.
func customerPolicyKey(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[4] == "aws" {
		return "", false
	}
	res, ok := strings.CutPrefix(parts[5], "policy/")
	if !ok {
		return "", false
	}
	return nameKey(res[strings.LastIndexByte(res, '/')+1:]), true
}

// DeletePolicy counts the policy as attached while any attachment's ARN
// names a customer managed policy of this name: the store knows policies
// by name and attachments by ARN, and errs towards a conflict.
func (s *Store) DeletePolicy(ctx context.Context, name string) error {
	key := nameKey(name)
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		found, err := identityRowExists(ctx, tx, "SELECT 1 FROM iam_policies WHERE name_key = $1", key)
		if err != nil {
			return err
		}
		if name == "" || !found {
			return meta.ErrNoSuchEntity
		}
		busy, err := identityRowExists(ctx, tx, "SELECT 1 FROM iam_attached_policies WHERE customer_policy_key = $1", key)
		if err != nil {
			return err
		}
		if busy {
			return meta.ErrDeleteConflict
		}
		_, err = tx.Exec(ctx, "DELETE FROM iam_policies WHERE name_key = $1", key)
		return err
	})
}

// Attachments.

func (s *Store) AttachPolicy(ctx context.Context, o meta.Owner, policyARN string) error {
	if policyARN == "" {
		return invalidIdentity("empty policy ARN")
	}
	if _, err := ownerTable(o); err != nil {
		return err
	}
	var customer *string
	if k, ok := customerPolicyKey(policyARN); ok {
		customer = &k
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, err := loadOwner(ctx, tx, o)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO iam_attached_policies (owner_kind, owner_key, policy_arn, customer_policy_key)
			VALUES ($1, $2, $3, $4) ON CONFLICT (owner_kind, owner_key, policy_arn) DO NOTHING`,
			string(o.Kind), key, policyARN, customer)
		return err
	})
}

func (s *Store) DetachPolicy(ctx context.Context, o meta.Owner, policyARN string) error {
	if _, err := ownerTable(o); err != nil {
		return err
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, err := loadOwner(ctx, tx, o)
		if err != nil {
			return err
		}
		return execIdentityFound(ctx, tx, "DELETE FROM iam_attached_policies WHERE owner_kind = $1 AND owner_key = $2 AND policy_arn = $3",
			string(o.Kind), key, policyARN)
	})
}

func (s *Store) ListAttachedPolicies(ctx context.Context, o meta.Owner) ([]string, error) {
	if _, err := ownerTable(o); err != nil {
		return nil, err
	}
	var out []string
	err := s.identityRead(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, err := loadOwner(ctx, tx, o)
		if err != nil {
			return err
		}
		out, err = queryIdentities(ctx, tx, scanARN,
			"SELECT policy_arn FROM iam_attached_policies WHERE owner_kind = $1 AND owner_key = $2 ORDER BY policy_arn",
			string(o.Kind), key)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func scanARN(r pgx.Row) (string, error) {
	var s string
	err := r.Scan(&s)
	return s, err
}

func (s *Store) PolicyAttachments(ctx context.Context, policyARN string) (int, error) {
	return readIdentity(s, ctx, func(r pgx.Row) (int, error) {
		var n int
		err := r.Scan(&n)
		return n, err
	}, "SELECT count(*) FROM iam_attached_policies WHERE policy_arn = $1", policyARN)
}

// Inline policies.

func scanInline(r pgx.Row) (meta.InlinePolicy, error) {
	var p meta.InlinePolicy
	err := r.Scan(&p.Name, &p.Document)
	return p, err
}

// PutInlinePolicy replacing a policy keeps the name as first created.
func (s *Store) PutInlinePolicy(ctx context.Context, o meta.Owner, p meta.InlinePolicy) error {
	if p.Name == "" {
		return invalidIdentity("empty policy name")
	}
	if _, err := ownerTable(o); err != nil {
		return err
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, err := loadOwner(ctx, tx, o)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO iam_inline_policies (owner_kind, owner_key, name_key, name, document)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (owner_kind, owner_key, name_key) DO UPDATE SET document = EXCLUDED.document`,
			string(o.Kind), key, nameKey(p.Name), p.Name, p.Document)
		return err
	})
}

func (s *Store) GetInlinePolicy(ctx context.Context, o meta.Owner, name string) (meta.InlinePolicy, error) {
	if _, err := ownerTable(o); err != nil {
		return meta.InlinePolicy{}, err
	}
	var out meta.InlinePolicy
	err := s.identityRead(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, err := loadOwner(ctx, tx, o)
		if err != nil {
			return err
		}
		out, err = scanIdentity(tx.QueryRow(ctx,
			"SELECT name, document FROM iam_inline_policies WHERE owner_kind = $1 AND owner_key = $2 AND name_key = $3",
			string(o.Kind), key, nameKey(name)), scanInline)
		return err
	})
	if err != nil {
		return meta.InlinePolicy{}, err
	}
	return out, nil
}

func (s *Store) ListInlinePolicies(ctx context.Context, o meta.Owner) ([]meta.InlinePolicy, error) {
	if _, err := ownerTable(o); err != nil {
		return nil, err
	}
	var out []meta.InlinePolicy
	err := s.identityRead(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, err := loadOwner(ctx, tx, o)
		if err != nil {
			return err
		}
		out, err = queryIdentities(ctx, tx, scanInline,
			"SELECT name, document FROM iam_inline_policies WHERE owner_kind = $1 AND owner_key = $2 ORDER BY name_key",
			string(o.Kind), key)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) DeleteInlinePolicy(ctx context.Context, o meta.Owner, name string) error {
	if _, err := ownerTable(o); err != nil {
		return err
	}
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, err := loadOwner(ctx, tx, o)
		if err != nil {
			return err
		}
		return execIdentityFound(ctx, tx, "DELETE FROM iam_inline_policies WHERE owner_kind = $1 AND owner_key = $2 AND name_key = $3",
			string(o.Kind), key, nameKey(name))
	})
}
