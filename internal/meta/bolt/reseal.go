package bolt

import (
	"context"

	"go.etcd.io/bbolt"
)

// ResealSecrets implements meta.Identities: every access key's and every
// session's SealedSecret, in one transaction.
func (s *Store) ResealSecrets(ctx context.Context, reseal func(id string, sealed []byte) ([]byte, error)) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		if err := resealBucket(tx.Bucket(bktAccessKeys), func(id string, v []byte) ([]byte, error) {
			k, err := decodeAccessKey(id, v)
			if err != nil {
				return nil, err
			}
			if k.SealedSecret, err = reseal(id, k.SealedSecret); err != nil {
				return nil, err
			}
			return encodeAccessKey(&k), nil
		}); err != nil {
			return err
		}
		return resealBucket(tx.Bucket(bktSessions), func(id string, v []byte) ([]byte, error) {
			sess, err := decodeSession(id, v)
			if err != nil {
				return nil, err
			}
			if sess.SealedSecret, err = reseal(id, sess.SealedSecret); err != nil {
				return nil, err
			}
			return encodeSession(&sess), nil
		})
	})
}

// resealBucket rewrites every record of b with fn. The new values are
// put after the walk: bbolt forbids changing a bucket under ForEach.
func resealBucket(b *bbolt.Bucket, fn func(id string, v []byte) ([]byte, error)) error {
	type rec struct{ k, v []byte }
	var out []rec
	err := b.ForEach(func(k, v []byte) error {
		nv, err := fn(string(k), v)
		if err != nil {
			return err
		}
		out = append(out, rec{append([]byte(nil), k...), nv})
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range out {
		if err := b.Put(r.k, r.v); err != nil {
			return err
		}
	}
	return nil
}
