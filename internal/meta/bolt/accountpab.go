package bolt

import (
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
)

// keyAccountPAB, in the schema bucket, holds the account's Block Public
// Access configuration: one byte, a bit per setting (pabBit*). The schema
// bucket holds the store's account-wide settings already, and a key older
// binaries ignore needs no new schema version.
var keyAccountPAB = []byte("account-public-access-block")

const (
	pabBitBlockAcls = 1 << iota
	pabBitIgnoreAcls
	pabBitBlockPolicy
	pabBitRestrictBuckets
	pabBitsAll = pabBitBlockAcls | pabBitIgnoreAcls | pabBitBlockPolicy | pabBitRestrictBuckets
)

// AccountPublicAccessBlock returns the stored configuration, nil when none.
func (s *Store) AccountPublicAccessBlock(ctx context.Context) (*meta.PublicAccessBlock, error) {
	var p *meta.PublicAccessBlock
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bktSchema).Get(keyAccountPAB)
		if v == nil {
			return nil
		}
		if len(v) != 1 || v[0]&^pabBitsAll != 0 {
			return fmt.Errorf("meta/bolt: corrupt account public access block")
		}
		p = &meta.PublicAccessBlock{
			BlockPublicAcls:       v[0]&pabBitBlockAcls != 0,
			IgnorePublicAcls:      v[0]&pabBitIgnoreAcls != 0,
			BlockPublicPolicy:     v[0]&pabBitBlockPolicy != 0,
			RestrictPublicBuckets: v[0]&pabBitRestrictBuckets != 0,
		}
		return nil
	})
	return p, err
}

// PutAccountPublicAccessBlock stores p in its own commit.
func (s *Store) PutAccountPublicAccessBlock(ctx context.Context, p meta.PublicAccessBlock) error {
	var bits byte
	for _, f := range []struct {
		on  bool
		bit byte
	}{
		{p.BlockPublicAcls, pabBitBlockAcls}, {p.IgnorePublicAcls, pabBitIgnoreAcls},
		{p.BlockPublicPolicy, pabBitBlockPolicy}, {p.RestrictPublicBuckets, pabBitRestrictBuckets},
	} {
		if f.on {
			bits |= f.bit
		}
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bktSchema).Put(keyAccountPAB, []byte{bits})
	})
}

// DeleteAccountPublicAccessBlock removes the configuration.
func (s *Store) DeleteAccountPublicAccessBlock(ctx context.Context) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bktSchema).Delete(keyAccountPAB)
	})
}
