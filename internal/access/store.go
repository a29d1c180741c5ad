// Package access decides who is calling and what they may do: it looks up
// access keys and sessions for authn (through a cache), gathers the
// policies that apply to a request and asks the policy package for the
// decision.
//
// Every identity change goes through Store, which drops the cache in the
// same call, so a deactivated key, a terminated session or a new deny
// takes effect on the very next request.
package access

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"signet/internal/meta"
	"signet/internal/policy"
	"signet/internal/principal"
	"signet/internal/storage"
)

// Backend is what the store wraps: the metadata engine, which holds both
// the object index and the identities.
type Backend interface {
	meta.Store
	meta.Identities
}

// Store is the metadata store with a read cache in front of identity
// lookups. Reads the request path makes (keys, sessions, policies, bucket
// policies) are cached; every write through Store invalidates the whole
// cache before it returns. Use Store — never the backend directly — for
// identity writes.
type Store struct {
	Backend
	cache *cache
	log   *slog.Logger // for warnUnsupplied; nil: no warnings
}

// NewStore wraps b.
func NewStore(b Backend) *Store {
	return &Store{Backend: b, cache: newCache()}
}

// Invalidate drops every cached entry. It runs after each write; a node
// that learns of a change made elsewhere calls it too.
func (s *Store) Invalidate() { s.cache.invalidate() }

// SetCaching turns the cache on or off, dropping every entry either way.
// A node sharing its engine with others turns it off while it cannot
// hear of their changes (its change feed is down): every lookup then
// asks the engine, which answers the truth or meta.ErrUnavailable,
// never a value cached before a change the node may have missed. A
// lookup that started while it was off never stores its result after it
// is back on.
func (s *Store) SetCaching(on bool) { s.cache.setOff(!on) }

// Caching reports whether the cache is on (SetCaching).
func (s *Store) Caching() bool {
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	return !s.cache.off
}

// after runs a write and invalidates, whether or not it failed: a failed
// write may still have changed something in a backend that is not fully
// transactional, and a spurious miss costs only a lookup.
func (s *Store) after(err error) error {
	s.cache.invalidate()
	return err
}

func (s *Store) DeleteBucket(ctx context.Context, name string) ([]storage.BlobID, error) {
	ids, err := s.Backend.DeleteBucket(ctx, name)
	return ids, s.after(err)
}

func (s *Store) CreateBucket(ctx context.Context, b meta.Bucket) error {
	return s.after(s.Backend.CreateBucket(ctx, b))
}

func (s *Store) CreateUser(ctx context.Context, u meta.User) error {
	return s.after(s.Backend.CreateUser(ctx, u))
}

func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.after(s.Backend.DeleteUser(ctx, name))
}

func (s *Store) CreateAccessKey(ctx context.Context, k meta.AccessKey, max int) error {
	return s.after(s.Backend.CreateAccessKey(ctx, k, max))
}

func (s *Store) UpdateAccessKey(ctx context.Context, user, id string, status principal.KeyStatus) error {
	return s.after(s.Backend.UpdateAccessKey(ctx, user, id, status))
}

func (s *Store) DeleteAccessKey(ctx context.Context, user, id string, at time.Time) error {
	return s.after(s.Backend.DeleteAccessKey(ctx, user, id, at))
}

func (s *Store) DeleteAccessKeyTombstonesBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := s.Backend.DeleteAccessKeyTombstonesBefore(ctx, t)
	return n, s.after(err)
}

func (s *Store) CreateRole(ctx context.Context, r meta.Role) error {
	s.warnUnsupplied(ctx, "trust policy of role "+r.Name, policy.Trust, r.TrustPolicy)
	return s.after(s.Backend.CreateRole(ctx, r))
}

func (s *Store) UpdateRole(ctx context.Context, name string, fn func(*meta.Role) error) error {
	return s.after(s.Backend.UpdateRole(ctx, name, func(r *meta.Role) error {
		before := r.TrustPolicy
		if err := fn(r); err != nil {
			return err
		}
		if r.TrustPolicy != before {
			s.warnUnsupplied(ctx, "trust policy of role "+r.Name, policy.Trust, r.TrustPolicy)
		}
		return nil
	}))
}

func (s *Store) DeleteRole(ctx context.Context, name string) error {
	return s.after(s.Backend.DeleteRole(ctx, name))
}

func (s *Store) PutInlinePolicy(ctx context.Context, o meta.Owner, p meta.InlinePolicy) error {
	s.warnUnsupplied(ctx, "inline policy "+p.Name+" of "+ownerName(o), policy.Identity, p.Document)
	return s.after(s.Backend.PutInlinePolicy(ctx, o, p))
}

func (s *Store) DeleteInlinePolicy(ctx context.Context, o meta.Owner, name string) error {
	return s.after(s.Backend.DeleteInlinePolicy(ctx, o, name))
}

func (s *Store) CreatePolicy(ctx context.Context, p meta.Policy) error {
	s.warnUnsupplied(ctx, "managed policy "+p.Name, policy.Identity, p.Document)
	return s.after(s.Backend.CreatePolicy(ctx, p))
}

func (s *Store) DeletePolicy(ctx context.Context, name string) error {
	return s.after(s.Backend.DeletePolicy(ctx, name))
}

func (s *Store) AttachPolicy(ctx context.Context, o meta.Owner, arn string) error {
	return s.after(s.Backend.AttachPolicy(ctx, o, arn))
}

func (s *Store) DetachPolicy(ctx context.Context, o meta.Owner, arn string) error {
	return s.after(s.Backend.DetachPolicy(ctx, o, arn))
}

func (s *Store) PutSession(ctx context.Context, sess meta.Session) error {
	return s.after(s.Backend.PutSession(ctx, sess))
}

func (s *Store) TerminateSession(ctx context.Context, id string, at time.Time) error {
	return s.after(s.Backend.TerminateSession(ctx, id, at))
}

func (s *Store) DeleteSessionsExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := s.Backend.DeleteSessionsExpiredBefore(ctx, t)
	return n, s.after(err)
}

// ResealSecrets changes every cached credential's sealed secret.
func (s *Store) ResealSecrets(ctx context.Context, reseal func(id string, sealed []byte) ([]byte, error)) error {
	return s.after(s.Backend.ResealSecrets(ctx, reseal))
}

func (s *Store) PutBucketPolicy(ctx context.Context, bucket, doc string) error {
	s.warnUnsupplied(ctx, "bucket policy of "+bucket, policy.Resource, doc)
	return s.after(s.Backend.PutBucketPolicy(ctx, bucket, doc))
}

func (s *Store) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	return s.after(s.Backend.DeleteBucketPolicy(ctx, bucket))
}

// cache holds request-path lookups. Entries are stamped with the
// generation they were read under; a read that raced with an invalidation
// is not stored, so the cache never resurrects a value from before a
// write.
type cache struct {
	mu    sync.RWMutex
	gen   uint64
	off   bool // SetCaching(false): every get misses, every put is dropped
	items map[string]any
}

func newCache() *cache { return &cache{items: make(map[string]any)} }

// maxItems bounds the cache; past it the cache starts over, which is
// cheap and keeps a flood of distinct keys from growing memory.
const maxItems = 1 << 16

func (c *cache) invalidate() {
	c.mu.Lock()
	c.gen++
	clear(c.items)
	c.mu.Unlock()
}

// setOff turns the cache off or on, as a new generation: a read begun
// under the other state cannot store its result.
func (c *cache) setOff(off bool) {
	c.mu.Lock()
	c.gen++
	c.off = off
	clear(c.items)
	c.mu.Unlock()
}

// get returns a cached value and the generation to store under on a miss.
func (c *cache) get(key string) (any, uint64, bool) {
	c.mu.RLock()
	v, ok := c.items[key]
	gen := c.gen
	c.mu.RUnlock()
	return v, gen, ok
}

func (c *cache) put(key string, gen uint64, v any) {
	c.mu.Lock()
	if c.gen == gen && !c.off {
		if len(c.items) >= maxItems {
			clear(c.items)
		}
		c.items[key] = v
	}
	c.mu.Unlock()
}

// Login profiles and the password policy are not cached, but their writes
// go through after like every identity write: a future cache of them
// needs no new rule, and the engines' change feeds carry them already.

func (s *Store) CreateLoginProfile(ctx context.Context, p meta.LoginProfile) error {
	return s.after(s.Backend.CreateLoginProfile(ctx, p))
}

func (s *Store) UpdateLoginProfile(ctx context.Context, user string, fn func(*meta.LoginProfile) error) error {
	return s.after(s.Backend.UpdateLoginProfile(ctx, user, fn))
}

func (s *Store) DeleteLoginProfile(ctx context.Context, user string) error {
	return s.after(s.Backend.DeleteLoginProfile(ctx, user))
}

func (s *Store) PutAccountPasswordPolicy(ctx context.Context, p meta.PasswordPolicy) error {
	return s.after(s.Backend.PutAccountPasswordPolicy(ctx, p))
}

func (s *Store) DeleteAccountPasswordPolicy(ctx context.Context) error {
	return s.after(s.Backend.DeleteAccountPasswordPolicy(ctx))
}
