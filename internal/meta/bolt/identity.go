package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"signet/internal/meta"
	"signet/internal/principal"
)

// The identity store: meta.Identities on the same file (buckets in the
// package comment).
//
// Names of users, roles, managed and inline policies are matched
// case-insensitively: their keys are strings.ToLower of the name and the
// record keeps the name as created, so lists come sorted by lower-cased
// name in byte order. Access key and session IDs, policy ARNs and bucket
// names are exact.
//
// Every method is one transaction. Writes share commits through
// Store.group, as object writes do; their functions may run more than once
// (see group), so each starts by resetting what it reports. UpdateRole,
// which runs the caller's function, commits alone through Store.update
// instead: the function then runs exactly once, and a panic in it stays a
// panic rather than becoming bbolt's batch error.

var _ meta.Identities = (*Store)(nil)

// fold is the key of a case-insensitive name.
func fold(name string) []byte { return []byte(strings.ToLower(name)) }

func ownerKey(o meta.Owner) ([]byte, error) {
	switch o.Kind {
	case principal.OwnerUser, principal.OwnerRole:
		// The kind has no "/", so the key is unambiguous whatever the
		// name holds.
		return []byte(string(o.Kind) + "/" + strings.ToLower(o.Name)), nil
	}
	return nil, invalid("owner kind %q", o.Kind)
}

// loadOwner returns the key of o for the inline and attached buckets,
// ErrNoSuchEntity when the user or role does not exist.
func loadOwner(tx *bbolt.Tx, o meta.Owner) ([]byte, error) {
	key, err := ownerKey(o)
	if err != nil {
		return nil, err
	}
	b := tx.Bucket(bktUsers)
	if o.Kind == principal.OwnerRole {
		b = tx.Bucket(bktRoles)
	}
	if o.Name == "" || b.Get(fold(o.Name)) == nil {
		return nil, meta.ErrNoSuchEntity
	}
	return key, nil
}

// has reports whether b holds key as a value (nil or empty values too,
// which Get cannot tell from a missing key).
func has(b *bbolt.Bucket, key []byte) bool {
	k, _ := b.Cursor().Seek(key)
	return k != nil && bytes.Equal(k, key)
}

// hasEntries reports whether parent has a nested bucket at key with
// anything in it.
func hasEntries(parent *bbolt.Bucket, key []byte) bool {
	b := parent.Bucket(key)
	if b == nil {
		return false
	}
	k, _ := b.Cursor().First()
	return k != nil
}

func deleteNested(parent *bbolt.Bucket, key []byte) error {
	if err := parent.DeleteBucket(key); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	return nil
}

// getRecord reads one record of a top-level bucket.
func getRecord[T any](s *Store, ctx context.Context, bkt, key []byte, dec func([]byte) (T, error)) (T, error) {
	var out T
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bkt).Get(key)
		if v == nil || len(key) == 0 {
			return meta.ErrNoSuchEntity
		}
		var err error
		out, err = dec(v)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// decodeAll decodes every value of b in key order.
func decodeAll[T any](b *bbolt.Bucket, dec func(k, v []byte) (T, error)) ([]T, error) {
	var out []T
	err := b.ForEach(func(k, v []byte) error {
		r, err := dec(k, v)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// listRecords reads every record of a top-level bucket.
func listRecords[T any](s *Store, ctx context.Context, bkt []byte, dec func(k, v []byte) (T, error)) ([]T, error) {
	var out []T
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		out, err = decodeAll(tx.Bucket(bkt), dec)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// createNamed stores a new record under a folded name.
func (s *Store) createNamed(ctx context.Context, bkt []byte, what, name string, val []byte) error {
	if name == "" {
		return invalid("empty %s name", what)
	}
	key := fold(name)
	return s.group(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bkt)
		if b.Get(key) != nil {
			return meta.ErrEntityExists
		}
		return b.Put(key, val)
	})
}

// Users.

func (s *Store) CreateUser(ctx context.Context, u meta.User) error {
	return s.createNamed(ctx, bktUsers, "user", u.Name, encodeUser(&u))
}

func (s *Store) GetUser(ctx context.Context, name string) (meta.User, error) {
	return getRecord(s, ctx, bktUsers, fold(name), decodeUser)
}

func (s *Store) ListUsers(ctx context.Context) ([]meta.User, error) {
	return listRecords(s, ctx, bktUsers, func(_, v []byte) (meta.User, error) { return decodeUser(v) })
}

func (s *Store) DeleteUser(ctx context.Context, name string) error {
	key := fold(name)
	owner, _ := ownerKey(meta.Owner{Kind: principal.OwnerUser, Name: name})
	return s.group(ctx, func(tx *bbolt.Tx) error {
		ub := tx.Bucket(bktUsers)
		if len(key) == 0 || ub.Get(key) == nil {
			return meta.ErrNoSuchEntity
		}
		keys, inline, attached := tx.Bucket(bktUserKeys), tx.Bucket(bktInline), tx.Bucket(bktAttached)
		_, _, lerr := loginProfile(tx, name)
		if lerr == nil || hasEntries(keys, key) || hasEntries(inline, owner) || hasEntries(attached, owner) {
			return meta.ErrDeleteConflict
		}
		if !errors.Is(lerr, meta.ErrNoSuchEntity) {
			return lerr
		}
		// A profile bound to an earlier user of the name goes with this
		// one.
		if err := tx.Bucket(bktLoginProfiles).Delete(key); err != nil {
			return err
		}
		// The per-user buckets are empty; drop them so nothing of the
		// user outlives it.
		if err := deleteNested(keys, key); err != nil {
			return err
		}
		if err := deleteNested(inline, owner); err != nil {
			return err
		}
		if err := deleteNested(attached, owner); err != nil {
			return err
		}
		return ub.Delete(key)
	})
}

// Access keys.

func checkKeyStatus(status principal.KeyStatus) error {
	if status != principal.KeyActive && status != principal.KeyInactive {
		return invalid("access key status %q", status)
	}
	return nil
}

// userKeyIdx is a key's entry in its user's index: creation time, then
// ID, so the index lists keys in creation order.
func userKeyIdx(created time.Time, id string) []byte {
	return append(appendTimeKey(make([]byte, 0, timeKeyLen+len(id)), created), id...)
}

func (s *Store) CreateAccessKey(ctx context.Context, k meta.AccessKey, maxPerUser int) error {
	if k.ID == "" {
		return invalid("empty access key id")
	}
	if err := checkKeyStatus(k.Status); err != nil {
		return err
	}
	user, id := fold(k.UserName), []byte(k.ID)
	return s.group(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bktUsers).Get(user)
		if len(user) == 0 || v == nil {
			return meta.ErrNoSuchEntity
		}
		u, err := decodeUser(v)
		if err != nil {
			return err
		}
		kb := tx.Bucket(bktAccessKeys)
		if kb.Get(id) != nil {
			return meta.ErrEntityExists
		}
		// Counting inside the write makes the limit hold against
		// concurrent creates: writes are serialized, including those
		// sharing a batch.
		idx := tx.Bucket(bktUserKeys).Bucket(user)
		n := 0
		if idx != nil {
			c := idx.Cursor()
			for ik, _ := c.First(); ik != nil && n < maxPerUser; ik, _ = c.Next() {
				n++
			}
		}
		if n >= maxPerUser {
			return meta.ErrLimitExceeded
		}
		if idx == nil {
			if idx, err = tx.Bucket(bktUserKeys).CreateBucket(user); err != nil {
				return err
			}
		}
		rec := k
		rec.UserName, rec.UserID = u.Name, u.ID
		if err := kb.Put(id, encodeAccessKey(&rec)); err != nil {
			return err
		}
		// The ID is live again: a tombstone would explain its URLs by a
		// deletion that no longer holds.
		if err := tx.Bucket(bktDeletedKeys).Delete(id); err != nil {
			return err
		}
		return idx.Put(userKeyIdx(rec.Created, rec.ID), nil)
	})
}

func (s *Store) GetAccessKey(ctx context.Context, id string) (meta.AccessKey, error) {
	return getRecord(s, ctx, bktAccessKeys, []byte(id), func(v []byte) (meta.AccessKey, error) {
		return decodeAccessKey(id, v)
	})
}

func (s *Store) ListAccessKeys(ctx context.Context, userName string) ([]meta.AccessKey, error) {
	user := fold(userName)
	var out []meta.AccessKey
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		if len(user) == 0 || tx.Bucket(bktUsers).Get(user) == nil {
			return meta.ErrNoSuchEntity
		}
		idx := tx.Bucket(bktUserKeys).Bucket(user)
		if idx == nil {
			return nil
		}
		kb := tx.Bucket(bktAccessKeys)
		var err error
		out, err = decodeAll(idx, func(ik, _ []byte) (meta.AccessKey, error) {
			if len(ik) <= timeKeyLen {
				return meta.AccessKey{}, errCorrupt
			}
			id := ik[timeKeyLen:]
			v := kb.Get(id)
			if v == nil {
				return meta.AccessKey{}, errCorrupt
			}
			return decodeAccessKey(string(id), v)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// userKey loads key id for a write on behalf of userName: a key of another
// user is as missing as one that does not exist.
func userKey(tx *bbolt.Tx, userName, id string) (meta.AccessKey, error) {
	v := tx.Bucket(bktAccessKeys).Get([]byte(id))
	if id == "" || v == nil {
		return meta.AccessKey{}, meta.ErrNoSuchEntity
	}
	k, err := decodeAccessKey(id, v)
	if err != nil {
		return meta.AccessKey{}, err
	}
	if userName == "" || !strings.EqualFold(k.UserName, userName) {
		return meta.AccessKey{}, meta.ErrNoSuchEntity
	}
	return k, nil
}

func (s *Store) UpdateAccessKey(ctx context.Context, userName, id string, status principal.KeyStatus) error {
	if err := checkKeyStatus(status); err != nil {
		return err
	}
	return s.group(ctx, func(tx *bbolt.Tx) error {
		k, err := userKey(tx, userName, id)
		if err != nil {
			return err
		}
		if k.Status == status {
			return nil
		}
		k.Status = status
		return tx.Bucket(bktAccessKeys).Put([]byte(id), encodeAccessKey(&k))
	})
}

// DeleteAccessKey leaves a tombstone in the same transaction, so there is
// no moment at which the key is gone without a trace.
func (s *Store) DeleteAccessKey(ctx context.Context, userName, id string, at time.Time) error {
	if at.IsZero() {
		return invalid("zero deletion time")
	}
	return s.group(ctx, func(tx *bbolt.Tx) error {
		k, err := userKey(tx, userName, id)
		if err != nil {
			return err
		}
		uv := tx.Bucket(bktUsers).Get(fold(k.UserName))
		if uv == nil {
			return errCorrupt
		}
		u, err := decodeUser(uv)
		if err != nil {
			return err
		}
		idx := tx.Bucket(bktUserKeys).Bucket(fold(k.UserName))
		ik := userKeyIdx(k.Created, k.ID)
		if idx == nil || !has(idx, ik) {
			return errCorrupt
		}
		if err := idx.Delete(ik); err != nil {
			return err
		}
		if err := tx.Bucket(bktAccessKeys).Delete([]byte(id)); err != nil {
			return err
		}
		tomb := meta.DeletedAccessKey{ID: id, UserName: u.Name, UserID: u.ID, Deleted: at}
		return tx.Bucket(bktDeletedKeys).Put([]byte(id), encodeDeletedAccessKey(&tomb))
	})
}

func (s *Store) GetDeletedAccessKey(ctx context.Context, id string) (meta.DeletedAccessKey, error) {
	return getRecord(s, ctx, bktDeletedKeys, []byte(id), func(v []byte) (meta.DeletedAccessKey, error) {
		return decodeDeletedAccessKey(id, v)
	})
}

// DeleteAccessKeyTombstonesBefore scans every tombstone rather than keep an
// index by time: tombstones live a week and keys are deleted by people, so
// there are few, and the sweep runs once an hour.
func (s *Store) DeleteAccessKeyTombstonesBefore(ctx context.Context, t time.Time) (int, error) {
	var n int
	err := s.group(ctx, func(tx *bbolt.Tx) error {
		n = 0
		b := tx.Bucket(bktDeletedKeys)
		// Collect first: a bbolt bucket must not change under its
		// cursor.
		var gone [][]byte
		err := b.ForEach(func(k, v []byte) error {
			tomb, err := decodeDeletedAccessKey(string(k), v)
			if err != nil {
				return err
			}
			if tomb.Deleted.Before(t) {
				gone = append(gone, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(gone)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Roles.

func (s *Store) CreateRole(ctx context.Context, r meta.Role) error {
	return s.createNamed(ctx, bktRoles, "role", r.Name, encodeRole(&r))
}

func (s *Store) GetRole(ctx context.Context, name string) (meta.Role, error) {
	return getRecord(s, ctx, bktRoles, fold(name), decodeRole)
}

func (s *Store) ListRoles(ctx context.Context) ([]meta.Role, error) {
	return listRecords(s, ctx, bktRoles, func(_, v []byte) (meta.Role, error) { return decodeRole(v) })
}

// UpdateRole commits alone (see the comment at the top of the file).
func (s *Store) UpdateRole(ctx context.Context, name string, fn func(*meta.Role) error) error {
	if fn == nil {
		return invalid("nil role update")
	}
	key := fold(name)
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bktRoles)
		v := b.Get(key)
		if len(key) == 0 || v == nil {
			return meta.ErrNoSuchEntity
		}
		r, err := decodeRole(v)
		if err != nil {
			return err
		}
		keepName, keepID := r.Name, r.ID
		if err := fn(&r); err != nil {
			return err
		}
		r.Name, r.ID = keepName, keepID
		return b.Put(key, encodeRole(&r))
	})
}

func (s *Store) DeleteRole(ctx context.Context, name string) error {
	key := fold(name)
	owner, _ := ownerKey(meta.Owner{Kind: principal.OwnerRole, Name: name})
	return s.group(ctx, func(tx *bbolt.Tx) error {
		rb := tx.Bucket(bktRoles)
		if len(key) == 0 || rb.Get(key) == nil {
			return meta.ErrNoSuchEntity
		}
		inline, attached := tx.Bucket(bktInline), tx.Bucket(bktAttached)
		if hasEntries(inline, owner) || hasEntries(attached, owner) {
			return meta.ErrDeleteConflict
		}
		if err := deleteNested(inline, owner); err != nil {
			return err
		}
		if err := deleteNested(attached, owner); err != nil {
			return err
		}
		return rb.Delete(key)
	})
}

// Inline policies.

// PutInlinePolicy replacing a policy keeps the name as first created, as
// every name in the store is returned as created.
func (s *Store) PutInlinePolicy(ctx context.Context, o meta.Owner, p meta.InlinePolicy) error {
	if p.Name == "" {
		return invalid("empty policy name")
	}
	key := fold(p.Name)
	return s.group(ctx, func(tx *bbolt.Tx) error {
		owner, err := loadOwner(tx, o)
		if err != nil {
			return err
		}
		b, err := tx.Bucket(bktInline).CreateBucketIfNotExists(owner)
		if err != nil {
			return err
		}
		rec := p
		if v := b.Get(key); v != nil {
			old, err := decodeInlinePolicy(v)
			if err != nil {
				return err
			}
			rec.Name = old.Name
		}
		return b.Put(key, encodeInlinePolicy(&rec))
	})
}

func (s *Store) GetInlinePolicy(ctx context.Context, o meta.Owner, name string) (meta.InlinePolicy, error) {
	key := fold(name)
	var p meta.InlinePolicy
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		owner, err := loadOwner(tx, o)
		if err != nil {
			return err
		}
		b := tx.Bucket(bktInline).Bucket(owner)
		if b == nil || len(key) == 0 {
			return meta.ErrNoSuchEntity
		}
		v := b.Get(key)
		if v == nil {
			return meta.ErrNoSuchEntity
		}
		p, err = decodeInlinePolicy(v)
		return err
	})
	if err != nil {
		return meta.InlinePolicy{}, err
	}
	return p, nil
}

func (s *Store) ListInlinePolicies(ctx context.Context, o meta.Owner) ([]meta.InlinePolicy, error) {
	var out []meta.InlinePolicy
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		owner, err := loadOwner(tx, o)
		if err != nil {
			return err
		}
		b := tx.Bucket(bktInline).Bucket(owner)
		if b == nil {
			return nil
		}
		out, err = decodeAll(b, func(_, v []byte) (meta.InlinePolicy, error) { return decodeInlinePolicy(v) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) DeleteInlinePolicy(ctx context.Context, o meta.Owner, name string) error {
	key := fold(name)
	return s.group(ctx, func(tx *bbolt.Tx) error {
		owner, err := loadOwner(tx, o)
		if err != nil {
			return err
		}
		b := tx.Bucket(bktInline).Bucket(owner)
		if b == nil || len(key) == 0 || b.Get(key) == nil {
			return meta.ErrNoSuchEntity
		}
		return b.Delete(key)
	})
}

// Managed policies and attachments.

func (s *Store) CreatePolicy(ctx context.Context, p meta.Policy) error {
	return s.createNamed(ctx, bktPolicies, "policy", p.Name, encodePolicy(&p))
}

func (s *Store) GetPolicy(ctx context.Context, name string) (meta.Policy, error) {
	return getRecord(s, ctx, bktPolicies, fold(name), decodePolicy)
}

func (s *Store) ListPolicies(ctx context.Context) ([]meta.Policy, error) {
	return listRecords(s, ctx, bktPolicies, func(_, v []byte) (meta.Policy, error) { return decodePolicy(v) })
}

// customerPolicyName returns NAME for the ARN of a customer managed
// policy, arn:PARTITION:iam::ACCOUNT:policy/[PATH/]NAME with ACCOUNT not
// "aws" (where AWS managed policies live).
func customerPolicyName(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[4] == "aws" {
		return "", false
	}
	res, ok := strings.CutPrefix(parts[5], "policy/")
	if !ok {
		return "", false
	}
	return res[strings.LastIndexByte(res, '/')+1:], true
}

// DeletePolicy is given a name while attachments are recorded by ARN, and
// the store does not know the account ID or trust the path in an ARN, so
// the policy counts as attached while any attached ARN names a customer
// managed policy of this name (case-insensitively). That errs towards a
// conflict, never towards an attachment left naming a deleted policy. The
// scan is over distinct attached ARNs, not attachments.
func (s *Store) DeletePolicy(ctx context.Context, name string) error {
	key := fold(name)
	return s.group(ctx, func(tx *bbolt.Tx) error {
		pb := tx.Bucket(bktPolicies)
		if len(key) == 0 || pb.Get(key) == nil {
			return meta.ErrNoSuchEntity
		}
		c := tx.Bucket(bktPolicyRefs).Cursor()
		for arn, _ := c.First(); arn != nil; arn, _ = c.Next() {
			if n, ok := customerPolicyName(string(arn)); ok && strings.ToLower(n) == string(key) {
				return meta.ErrDeleteConflict
			}
		}
		return pb.Delete(key)
	})
}

func (s *Store) AttachPolicy(ctx context.Context, o meta.Owner, policyARN string) error {
	if policyARN == "" {
		return invalid("empty policy ARN")
	}
	arn := []byte(policyARN)
	return s.group(ctx, func(tx *bbolt.Tx) error {
		owner, err := loadOwner(tx, o)
		if err != nil {
			return err
		}
		b, err := tx.Bucket(bktAttached).CreateBucketIfNotExists(owner)
		if err != nil {
			return err
		}
		if has(b, arn) {
			return nil
		}
		if err := b.Put(arn, nil); err != nil {
			return err
		}
		refs := tx.Bucket(bktPolicyRefs)
		n, _ := binary.Uvarint(refs.Get(arn))
		return refs.Put(arn, binary.AppendUvarint(nil, n+1))
	})
}

func (s *Store) DetachPolicy(ctx context.Context, o meta.Owner, policyARN string) error {
	arn := []byte(policyARN)
	return s.group(ctx, func(tx *bbolt.Tx) error {
		owner, err := loadOwner(tx, o)
		if err != nil {
			return err
		}
		b := tx.Bucket(bktAttached).Bucket(owner)
		if b == nil || len(arn) == 0 || !has(b, arn) {
			return meta.ErrNoSuchEntity
		}
		if err := b.Delete(arn); err != nil {
			return err
		}
		refs := tx.Bucket(bktPolicyRefs)
		n, _ := binary.Uvarint(refs.Get(arn))
		switch {
		case n == 0:
			return errCorrupt
		case n == 1:
			return refs.Delete(arn)
		default:
			return refs.Put(arn, binary.AppendUvarint(nil, n-1))
		}
	})
}

func (s *Store) ListAttachedPolicies(ctx context.Context, o meta.Owner) ([]string, error) {
	var out []string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		owner, err := loadOwner(tx, o)
		if err != nil {
			return err
		}
		b := tx.Bucket(bktAttached).Bucket(owner)
		if b == nil {
			return nil
		}
		// Byte order of the keys is sorted order of the ARNs.
		out, err = decodeAll(b, func(k, _ []byte) (string, error) { return string(k), nil })
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) PolicyAttachments(ctx context.Context, policyARN string) (int, error) {
	var n uint64
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		n = 0
		if policyARN == "" {
			return nil
		}
		if v := tx.Bucket(bktPolicyRefs).Get([]byte(policyARN)); v != nil {
			var m int
			if n, m = binary.Uvarint(v); m <= 0 {
				return errCorrupt
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// Sessions.

// sessionExpIdx is a session's entry in the expiry index.
func sessionExpIdx(expiry time.Time, id string) []byte {
	return append(appendTimeKey(make([]byte, 0, timeKeyLen+len(id)), expiry), id...)
}

func (s *Store) PutSession(ctx context.Context, sess meta.Session) error {
	if sess.AccessKeyID == "" {
		return invalid("empty session access key id")
	}
	id, val := []byte(sess.AccessKeyID), encodeSession(&sess)
	return s.group(ctx, func(tx *bbolt.Tx) error {
		sb := tx.Bucket(bktSessions)
		if sb.Get(id) != nil {
			return meta.ErrEntityExists
		}
		if err := sb.Put(id, val); err != nil {
			return err
		}
		return tx.Bucket(bktSessionExp).Put(sessionExpIdx(sess.Expiry, sess.AccessKeyID), nil)
	})
}

func (s *Store) GetSession(ctx context.Context, accessKeyID string) (meta.Session, error) {
	return getRecord(s, ctx, bktSessions, []byte(accessKeyID), func(v []byte) (meta.Session, error) {
		return decodeSession(accessKeyID, v)
	})
}

func (s *Store) ListSessions(ctx context.Context) ([]meta.Session, error) {
	return listRecords(s, ctx, bktSessions, func(k, v []byte) (meta.Session, error) {
		return decodeSession(string(k), v)
	})
}

// TerminateSession with a zero time is ErrInvalidArgument: it would leave
// the session standing.
func (s *Store) TerminateSession(ctx context.Context, accessKeyID string, at time.Time) error {
	if at.IsZero() {
		return invalid("zero termination time")
	}
	id := []byte(accessKeyID)
	return s.group(ctx, func(tx *bbolt.Tx) error {
		sb := tx.Bucket(bktSessions)
		v := sb.Get(id)
		if len(id) == 0 || v == nil {
			return meta.ErrNoSuchEntity
		}
		sess, err := decodeSession(accessKeyID, v)
		if err != nil {
			return err
		}
		if !sess.TerminatedAt.IsZero() {
			return nil
		}
		sess.TerminatedAt = at
		return sb.Put(id, encodeSession(&sess))
	})
}

// DeleteSessionsExpiredBefore walks the expiry index, so it costs the
// sessions it removes, not all sessions.
func (s *Store) DeleteSessionsExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	limit := appendTimeKey(nil, t)
	var n int
	err := s.group(ctx, func(tx *bbolt.Tx) error {
		n = 0
		idx := tx.Bucket(bktSessionExp)
		// Collect first: a bbolt bucket must not change under its
		// cursor.
		var gone [][]byte
		c := idx.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k[:min(len(k), timeKeyLen)], limit) < 0; k, _ = c.Next() {
			if len(k) <= timeKeyLen {
				return errCorrupt
			}
			gone = append(gone, bytes.Clone(k))
		}
		sb := tx.Bucket(bktSessions)
		for _, k := range gone {
			if err := idx.Delete(k); err != nil {
				return err
			}
			if err := sb.Delete(k[timeKeyLen:]); err != nil {
				return err
			}
		}
		n = len(gone)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Bucket policies.

func bucketExists(tx *bbolt.Tx, bucket string) bool {
	return bucket != "" && tx.Bucket(bktBuckets).Get([]byte(bucket)) != nil
}

// PutBucketPolicy rejects an empty document (ErrInvalidArgument), which
// GetBucketPolicy could not tell from a policy.
func (s *Store) PutBucketPolicy(ctx context.Context, bucket, doc string) error {
	return s.putBucketDoc(ctx, bktBucketPolicy, bucket, doc, "empty bucket policy")
}

func (s *Store) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	return s.getBucketDoc(ctx, bktBucketPolicy, bucket, meta.ErrNoSuchBucketPolicy)
}

func (s *Store) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	return s.deleteBucketDoc(ctx, bktBucketPolicy, bucket)
}

// A bucket document (its policy, its CORS configuration) is one string
// per bucket in a bbolt bucket of its own, keyed by the bucket's name;
// the functions below are the one implementation of storing one.

// putBucketDoc stores doc for bucket in bkt; an empty doc is refused with
// ErrInvalidArgument (why), since a Get could not tell it from none.
func (s *Store) putBucketDoc(ctx context.Context, bkt []byte, bucket, doc, why string) error {
	if doc == "" {
		return invalid(why)
	}
	val := encodeBucketPolicy(doc)
	return s.group(ctx, func(tx *bbolt.Tx) error {
		if !bucketExists(tx, bucket) {
			return meta.ErrNoSuchBucket
		}
		return tx.Bucket(bkt).Put([]byte(bucket), val)
	})
}

// getBucketDoc reads bucket's document from bkt; none is errNone.
func (s *Store) getBucketDoc(ctx context.Context, bkt []byte, bucket string, errNone error) (string, error) {
	var doc string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		if !bucketExists(tx, bucket) {
			return meta.ErrNoSuchBucket
		}
		v := tx.Bucket(bkt).Get([]byte(bucket))
		if v == nil {
			return errNone
		}
		var err error
		doc, err = decodeBucketPolicy(v)
		return err
	})
	if err != nil {
		return "", err
	}
	return doc, nil
}

// deleteBucketDoc removes bucket's document from bkt; none is no error.
func (s *Store) deleteBucketDoc(ctx context.Context, bkt []byte, bucket string) error {
	return s.group(ctx, func(tx *bbolt.Tx) error {
		if !bucketExists(tx, bucket) {
			return meta.ErrNoSuchBucket
		}
		return tx.Bucket(bkt).Delete([]byte(bucket))
	})
}
