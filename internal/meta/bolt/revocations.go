package bolt

import (
	"bytes"
	"context"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
)

// The presigned-URL denylist (meta.URLRevocationStore) is one top-level
// bucket:
//
//	urlrevocations  entry ID -> URL revocation record
//
// Open creates it in a file that lacks it, without a new schema version:
// nothing else refers to it, so a file without it reads as one with an
// empty denylist, and an older binary, which does not know the bucket,
// leaves it alone (it enforces no revocation, as it never did).
var bktURLRevocations = []byte("urlrevocations")

var _ meta.URLRevocationStore = (*Store)(nil)

// PutURLRevocations stores the batch in its own transaction, refused
// whole when the bucket would then hold more than limit keys.
func (s *Store) PutURLRevocations(ctx context.Context, rs []meta.URLRevocation, limit int) error {
	if err := meta.CheckURLRevocations(rs); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bktURLRevocations)
		if revocationsAfter(b, rs) > limit {
			return meta.ErrLimitExceeded
		}
		for i := range rs {
			if err := b.Put([]byte(rs[i].ID), encodeURLRevocation(&rs[i])); err != nil {
				return err
			}
		}
		return nil
	})
}

// revocationsAfter is how many entries b would hold with rs put: those it
// holds and each ID of rs it does not, once. It must run before b changes
// in the transaction: Stats counts the keys of the pages as committed,
// not those of nodes changed since.
func revocationsAfter(b *bbolt.Bucket, rs []meta.URLRevocation) int {
	n := b.Stats().KeyN
	added := map[string]bool{}
	for _, r := range rs {
		if !added[r.ID] && b.Get([]byte(r.ID)) == nil {
			added[r.ID] = true
			n++
		}
	}
	return n
}

func (s *Store) ListURLRevocations(ctx context.Context) ([]meta.URLRevocation, error) {
	var out []meta.URLRevocation
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		// Keys are IDs, and bbolt iterates them in byte order: the
		// order the contract asks for.
		return tx.Bucket(bktURLRevocations).ForEach(func(k, v []byte) error {
			r, err := decodeURLRevocation(string(k), v)
			if err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PruneURLRevocations reads every entry: the denylist is bounded by the
// limit its writers pass, and a prune runs now and then, off the request
// path, so an index by Until would cost more in every put than it saves.
func (s *Store) PruneURLRevocations(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bktURLRevocations)
		var gone [][]byte
		// Collected first: a bbolt bucket must not change under ForEach.
		err := b.ForEach(func(k, v []byte) error {
			r, err := decodeURLRevocation(string(k), v)
			if err != nil {
				return err
			}
			if !r.Until.After(now) {
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

// URL revocation record: every field but the ID, which is its key, in
// the order of meta.URLRevocation. A field added later is appended and
// read only when present (decoder.more), so records written before it
// still decode.

func encodeURLRevocation(r *meta.URLRevocation) []byte {
	e := encoder{b: make([]byte, 0, 64+len(r.Print)+len(r.Signer)+len(r.RevokedBy)+len(r.Reason)+
		len(r.AccessKeyID)+len(r.PrincipalARN)+len(r.Method)+len(r.Bucket)+len(r.Key)+len(r.TwinOf))}
	e.b = append(e.b, recordV1)
	e.str(r.Print)
	e.str(r.SignerKind)
	e.str(r.Signer)
	e.time(r.Before)
	e.time(r.Until)
	e.time(r.RevokedAt)
	e.str(r.RevokedBy)
	e.str(r.Reason)
	e.str(r.AccessKeyID)
	e.str(r.PrincipalARN)
	e.str(r.Method)
	e.str(r.Bucket)
	e.str(r.Key)
	e.str(r.TwinOf)
	return e.b
}

func decodeURLRevocation(id string, v []byte) (meta.URLRevocation, error) {
	d := newDecoder(v)
	r := meta.URLRevocation{ID: id}
	r.Print = d.str()
	r.SignerKind = d.str()
	r.Signer = d.str()
	r.Before = d.time()
	r.Until = d.time()
	r.RevokedAt = d.time()
	r.RevokedBy = d.str()
	r.Reason = d.str()
	r.AccessKeyID = d.str()
	r.PrincipalARN = d.str()
	r.Method = d.str()
	r.Bucket = d.str()
	r.Key = d.str()
	r.TwinOf = d.str()
	return r, d.done()
}
