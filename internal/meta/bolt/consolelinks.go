package bolt

import (
	"bytes"
	"context"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
)

// The console's remembered links (meta.ConsoleLinkStore) are one
// top-level bucket:
//
//	consolelinks  link ID (fingerprint) -> console link record
//
// Open creates it in a file that lacks it, without a new schema version:
// nothing else refers to it, so a file without it reads as one where the
// console remembered no link, and an older binary leaves it alone.
var bktConsoleLinks = []byte("consolelinks")

var _ meta.ConsoleLinkStore = (*Store)(nil)

func (s *Store) PutConsoleLink(ctx context.Context, l meta.ConsoleLink) error {
	if err := meta.CheckConsoleLink(l); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bktConsoleLinks).Put([]byte(l.ID), encodeConsoleLink(&l))
	})
}

func (s *Store) GetConsoleLink(ctx context.Context, id string) (meta.ConsoleLink, error) {
	var l meta.ConsoleLink
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bktConsoleLinks).Get([]byte(id))
		if v == nil {
			return meta.ErrNoSuchEntity
		}
		var err error
		l, err = decodeConsoleLink(id, v)
		return err
	})
	return l, err
}

// ListConsoleLinks reads every link: links are pruned when dead, so the
// bucket holds only the live ones, and the page that lists them is opened
// by a person now and then.
func (s *Store) ListConsoleLinks(ctx context.Context, principalARN string) ([]meta.ConsoleLink, error) {
	var out []meta.ConsoleLink
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bktConsoleLinks).ForEach(func(k, v []byte) error {
			l, err := decodeConsoleLink(string(k), v)
			if err == nil && l.PrincipalARN == principalARN {
				out = append(out, l)
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, meta.NewestConsoleLinksFirst)
	return out, nil
}

func (s *Store) PruneConsoleLinks(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bktConsoleLinks)
		var gone [][]byte
		// Collected first: a bbolt bucket must not change under ForEach.
		err := b.ForEach(func(k, v []byte) error {
			l, err := decodeConsoleLink(string(k), v)
			if err != nil {
				return err
			}
			if !l.Effective.After(now) {
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

// Console link record: every field but the ID, which is its key, in the
// order of meta.ConsoleLink. A field added later is appended.

func encodeConsoleLink(l *meta.ConsoleLink) []byte {
	e := encoder{b: make([]byte, 0, 64+len(l.PrincipalARN)+len(l.Bucket)+len(l.Key)+len(l.Method)+len(l.Signer)+len(l.LimitedBy))}
	e.b = append(e.b, recordV1)
	e.str(l.PrincipalARN)
	e.str(l.Bucket)
	e.str(l.Key)
	e.str(l.Method)
	e.str(l.Signer)
	e.time(l.MadeAt)
	e.time(l.Expires)
	e.time(l.Effective)
	e.str(l.LimitedBy)
	return e.b
}

func decodeConsoleLink(id string, v []byte) (meta.ConsoleLink, error) {
	d := newDecoder(v)
	l := meta.ConsoleLink{ID: id}
	l.PrincipalARN = d.str()
	l.Bucket = d.str()
	l.Key = d.str()
	l.Method = d.str()
	l.Signer = d.str()
	l.MadeAt = d.time()
	l.Expires = d.time()
	l.Effective = d.time()
	l.LimitedBy = d.str()
	return l, d.done()
}
