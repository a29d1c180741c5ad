package access

import (
	"context"

	"signet/internal/meta"
)

// The account's Block Public Access configuration (S3 Control) is read on
// the request path wherever a bucket's is, so it is cached like a bucket
// record: one cached lookup per request, dropped by every write.

const accountPABKey = "acct-pab"

// AccountPublicAccessBlock returns the account's configuration, nil when
// it has none, from the cache when it can.
func (s *Store) AccountPublicAccessBlock(ctx context.Context) (*meta.PublicAccessBlock, error) {
	v, gen, ok := s.cache.get(accountPABKey)
	if ok {
		return copyBlock(v.(*meta.PublicAccessBlock)), nil
	}
	p, err := s.Backend.AccountPublicAccessBlock(ctx)
	if err != nil {
		return nil, err
	}
	s.cache.put(accountPABKey, gen, copyBlock(p))
	return p, nil
}

// copyBlock keeps the cached value out of callers' reach: one that edits
// what it got must not change what the next request reads.
func copyBlock(p *meta.PublicAccessBlock) *meta.PublicAccessBlock {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// PutAccountPublicAccessBlock replaces the account's configuration and
// drops the cache, so the next request is judged by it.
func (s *Store) PutAccountPublicAccessBlock(ctx context.Context, p meta.PublicAccessBlock) error {
	return s.after(s.Backend.PutAccountPublicAccessBlock(ctx, p))
}

// DeleteAccountPublicAccessBlock removes it and drops the cache.
func (s *Store) DeleteAccountPublicAccessBlock(ctx context.Context) error {
	return s.after(s.Backend.DeleteAccountPublicAccessBlock(ctx))
}

// effectiveBlock is the Block Public Access in force on bucket b: the
// account's setting or the bucket's, whichever is on.
func (a *Authorizer) effectiveBlock(ctx context.Context, b meta.Bucket) (*meta.PublicAccessBlock, error) {
	acct, err := a.store.AccountPublicAccessBlock(ctx)
	if err != nil {
		return nil, err
	}
	return b.PublicAccessBlock.Or(acct), nil
}
