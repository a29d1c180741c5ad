package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"sync"

	"signet/internal/secret"
)

// KeyCache caches derived signing keys per (access key id, secret, scope),
// so a key is derived once per day, region and service rather than on every
// request (four HMACs saved per request). It is safe for concurrent use and
// holds at most max entries.
//
// The secret itself is never stored: an entry keeps the SHA-256 of the
// secret it was derived from, compared in constant time, so a rotated
// secret misses the cache and the cache holds nothing that compares secrets
// in a timing-unsafe way.
type KeyCache struct {
	max int
	mu  sync.RWMutex
	m   map[cacheKey]*cacheEntry
}

type cacheKey struct {
	accessKeyID string
	scope       Scope
}

// detached returns k with its strings copied into one fresh allocation.
// The strings a caller passes are usually slices of the request (its URI
// or Authorization header, up to a megabyte); an entry that kept them
// would pin the whole request for as long as it stays cached.
func (k cacheKey) detached() cacheKey {
	all := k.accessKeyID + k.scope.Date + k.scope.Region + k.scope.Service
	cut := func(n int) string {
		s := all[:n]
		all = all[n:]
		return s
	}
	return cacheKey{
		accessKeyID: cut(len(k.accessKeyID)),
		scope:       Scope{Date: cut(len(k.scope.Date)), Region: cut(len(k.scope.Region)), Service: cut(len(k.scope.Service))},
	}
}

type cacheEntry struct {
	secretSum [sha256.Size]byte
	key       [sha256.Size]byte
}

// NewKeyCache returns a cache holding at most max keys (at least 1). Its
// table is sized for max keys at once (about 90 bytes a key), so that a
// cache filling up, as it does with every new STS session, grows by its
// entries alone, and a cache that starts over reuses the same table.
func NewKeyCache(max int) *KeyCache {
	if max < 1 {
		max = 1
	}
	return &KeyCache{max: max, m: make(map[cacheKey]*cacheEntry, max)}
}

// Get returns the signing key for sk and scope, deriving and caching it on
// a miss. The returned slice is shared: callers must not modify it.
func (c *KeyCache) Get(accessKeyID string, sk secret.Secret, s Scope) []byte {
	sum := secretSum(sk)
	k := cacheKey{accessKeyID, s}
	c.mu.RLock()
	e := c.m[k]
	c.mu.RUnlock()
	if e != nil && subtle.ConstantTimeCompare(e.secretSum[:], sum[:]) == 1 {
		return e.key[:]
	}
	e = &cacheEntry{secretSum: sum, key: deriveKey(sk, s)}
	k = k.detached()
	c.mu.Lock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		// Full: start over. Evicting one entry per insert kept the count
		// at max but not the memory: the map's storage kept growing with
		// the distinct keys inserted (0.9 MiB more after 300,000 keys in
		// a probe; in the soak, with an STS session a few times a second,
		// the one heap growth its profile showed). clear keeps the table
		// already allocated and reuses it; each key in use costs four
		// HMACs to rebuild, once.
		clear(c.m)
	}
	c.m[k] = e
	c.mu.Unlock()
	return e.key[:]
}

// Len reports the number of cached keys.
func (c *KeyCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// secretSum hashes the secret through a stack buffer so the common case
// (secrets well under 128 bytes) does not allocate.
func secretSum(sk secret.Secret) [sha256.Size]byte {
	var buf [128]byte
	if sk.Len() <= len(buf) {
		return sha256.Sum256(sk.AppendTo(buf[:0]))
	}
	return sha256.Sum256(sk.AppendTo(nil))
}
