package bolt

import (
	"bytes"
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
)

// keyLegacyBound, in the schema bucket, records that BindLegacyIDs ran:
// every record written before identities were bound to unique IDs has
// been bound, and everything written since binds itself.
var keyLegacyBound = []byte("legacy-ids-bound")

var _ meta.LegacyIDBinding = (*Store)(nil)

// BindLegacyIDs runs in one bbolt transaction, marker included, so a
// crash leaves either every record bound and the mark set, or nothing
// changed. It is meant for start-up, before the store serves: it holds
// the write lock while it reads every policy, session and key.
func (s *Store) BindLegacyIDs(ctx context.Context, newBinder func([]meta.User, []meta.Role, []meta.AccessKey) meta.LegacyBinder) (meta.LegacyBound, error) {
	var n meta.LegacyBound
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		n = meta.LegacyBound{}
		if tx.Bucket(bktSchema).Get(keyLegacyBound) != nil {
			return nil
		}
		users, err := decodeAll(tx.Bucket(bktUsers), func(_, v []byte) (meta.User, error) { return decodeUser(v) })
		if err != nil {
			return err
		}
		roles, err := decodeAll(tx.Bucket(bktRoles), func(_, v []byte) (meta.Role, error) { return decodeRole(v) })
		if err != nil {
			return err
		}
		keys, err := decodeAll(tx.Bucket(bktAccessKeys), func(k, v []byte) (meta.AccessKey, error) { return decodeAccessKey(string(k), v) })
		if err != nil {
			return err
		}
		b := newBinder(users, roles, keys)
		steps := []struct {
			count *int
			bind  func(*bbolt.Tx, meta.LegacyBinder) (int, error)
		}{
			{&n.BucketPolicies, bindBucketPolicies},
			{&n.TrustPolicies, bindTrustPolicies},
			{&n.Sessions, bindSessions},
			{&n.AccessKeys, bindAccessKeys},
		}
		for _, st := range steps {
			if *st.count, err = st.bind(tx, b); err != nil {
				return err
			}
		}
		n.Ran = true
		return tx.Bucket(bktSchema).Put(keyLegacyBound, []byte{1})
	})
	if err != nil {
		return meta.LegacyBound{}, err
	}
	return n, nil
}

// rewrite passes every record of bucket bkt through fn and stores those
// it changes (fn returns nil for a record it leaves alone). Changes are
// collected first: a bbolt bucket must not change under ForEach.
func rewrite(bkt *bbolt.Bucket, fn func(k, v []byte) ([]byte, error)) (int, error) {
	type change struct{ k, v []byte }
	var changes []change
	err := bkt.ForEach(func(k, v []byte) error {
		nv, err := fn(k, v)
		if err != nil || nv == nil || bytes.Equal(nv, v) {
			return err
		}
		changes = append(changes, change{bytes.Clone(k), nv})
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, c := range changes {
		if err := bkt.Put(c.k, c.v); err != nil {
			return 0, err
		}
	}
	return len(changes), nil
}

func bindBucketPolicies(tx *bbolt.Tx, b meta.LegacyBinder) (int, error) {
	return rewrite(tx.Bucket(bktBucketPolicy), func(k, v []byte) ([]byte, error) {
		doc, err := decodeBucketPolicy(v)
		if err != nil {
			return nil, err
		}
		bound, err := b.Policy(doc)
		if err != nil {
			return nil, fmt.Errorf("bucket %q's policy: %w", k, err)
		}
		return encodeBucketPolicy(bound), nil
	})
}

func bindTrustPolicies(tx *bbolt.Tx, b meta.LegacyBinder) (int, error) {
	return rewrite(tx.Bucket(bktRoles), func(_, v []byte) ([]byte, error) {
		r, err := decodeRole(v)
		if err != nil {
			return nil, err
		}
		if r.TrustPolicy, err = b.Policy(r.TrustPolicy); err != nil {
			return nil, fmt.Errorf("role %q's trust policy: %w", r.Name, err)
		}
		return encodeRole(&r), nil
	})
}

func bindSessions(tx *bbolt.Tx, b meta.LegacyBinder) (int, error) {
	return rewrite(tx.Bucket(bktSessions), func(k, v []byte) ([]byte, error) {
		sess, err := decodeSession(string(k), v)
		if err != nil || sess.OwnerID != "" {
			return nil, err
		}
		if sess.OwnerID, err = b.SessionOwnerID(sess); err != nil || sess.OwnerID == "" {
			return nil, err
		}
		return encodeSession(&sess), nil
	})
}

func bindAccessKeys(tx *bbolt.Tx, b meta.LegacyBinder) (int, error) {
	return rewrite(tx.Bucket(bktAccessKeys), func(k, v []byte) ([]byte, error) {
		ak, err := decodeAccessKey(string(k), v)
		if err != nil || ak.UserID != "" {
			return nil, err
		}
		if ak.UserID, err = b.AccessKeyUserID(ak); err != nil || ak.UserID == "" {
			return nil, err
		}
		return encodeAccessKey(&ak), nil
	})
}
