package access

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"signet/internal/authn"
	"signet/internal/meta"
	"signet/internal/principal"
)

// Off, the cache neither serves nor stores: every lookup reaches the
// engine, so a change made behind the store's back (by another node) is
// seen at once. Back on, it caches again.
func TestCachingOffReadsTheEngineEveryTime(t *testing.T) {
	f := newFixture(t)
	cred := f.user(t, "alice", "/")
	id := cred.AccessKeyID
	// Changed behind the cache, as another node changes the shared
	// engine: on, the cache still answers from before the change.
	if err := f.engine.UpdateAccessKey(bg, "alice", id, principal.KeyInactive); err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.Lookup(bg, id); err != nil {
		t.Fatalf("cached lookup: %v, want the cached key (the test needs the cache on to start with)", err)
	}
	if !f.store.Caching() {
		t.Fatal("Caching() false before SetCaching(false)")
	}
	f.store.SetCaching(false)
	if f.store.Caching() {
		t.Fatal("Caching() true after SetCaching(false)")
	}
	if _, err := f.keys.Lookup(bg, id); !errors.Is(err, authn.ErrUnknownKey) {
		t.Fatalf("lookup with caching off: %v, want ErrUnknownKey (the engine's truth)", err)
	}
	if err := f.engine.UpdateAccessKey(bg, "alice", id, principal.KeyActive); err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.Lookup(bg, id); err != nil {
		t.Fatalf("lookup with caching off after reactivation: %v", err)
	}
	if err := f.engine.UpdateAccessKey(bg, "alice", id, principal.KeyInactive); err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.Lookup(bg, id); !errors.Is(err, authn.ErrUnknownKey) {
		t.Fatalf("second lookup with caching off: %v, want ErrUnknownKey: nothing was stored while off", err)
	}
	f.store.SetCaching(true)
	if err := f.engine.UpdateAccessKey(bg, "alice", id, principal.KeyActive); err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.Lookup(bg, id); err != nil {
		t.Fatalf("lookup with caching back on: %v", err)
	}
	if err := f.engine.UpdateAccessKey(bg, "alice", id, principal.KeyInactive); err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.Lookup(bg, id); err != nil {
		t.Fatalf("lookup with caching back on: %v, want the key cached again", err)
	}
}

// A lookup that began while the cache was off, or on before it went off,
// never stores its result after the switch.
func TestCacheSwitchDropsReadsBegunBefore(t *testing.T) {
	c := newCache()
	c.setOff(true)
	_, gen, _ := c.get("k")
	c.put("k", gen, "read while off")
	if _, _, ok := c.get("k"); ok {
		t.Fatal("a value was stored while the cache was off")
	}
	c.setOff(false)
	c.put("k", gen, "read while off, stored after")
	if _, _, ok := c.get("k"); ok {
		t.Fatal("a read begun while off was stored after the cache came back on")
	}
	_, gen, _ = c.get("k")
	c.put("k", gen, "on")
	c.setOff(true)
	if _, _, ok := c.get("k"); ok {
		t.Fatal("turning the cache off kept an entry")
	}
	c.setOff(false)
	c.put("k", gen, "read before off, stored after on")
	if _, _, ok := c.get("k"); ok {
		t.Fatal("a read begun before the cache went off was stored after it came back on")
	}
}

// downBackend is an engine cut off from its database: its identity
// reads fail with meta.ErrUnavailable while down is set.
type downBackend struct {
	Backend
	down atomic.Bool
}

func (d *downBackend) GetAccessKey(ctx context.Context, id string) (meta.AccessKey, error) {
	if d.down.Load() {
		return meta.AccessKey{}, meta.ErrUnavailable
	}
	return d.Backend.GetAccessKey(ctx, id)
}

func (d *downBackend) GetSession(ctx context.Context, id string) (meta.Session, error) {
	if d.down.Load() {
		return meta.Session{}, meta.ErrUnavailable
	}
	return d.Backend.GetSession(ctx, id)
}

// A key looked up while the engine is unavailable is an error saying
// so, never an unknown key: the API answers 503, not InvalidAccessKeyId.
func TestLookupWhileEngineUnavailable(t *testing.T) {
	f := newFixture(t)
	cred := f.user(t, "bob", "/")
	sess, _ := f.sessionToken(t, cred.Principal)
	d := &downBackend{Backend: f.engine}
	keys := NewKeys(NewStore(d), f.sealer, f.root, acct)
	d.down.Store(true)
	for _, id := range []string{cred.AccessKeyID, sess.AccessKeyID} {
		_, err := keys.Lookup(bg, id)
		if !errors.Is(err, meta.ErrUnavailable) || errors.Is(err, authn.ErrUnknownKey) {
			t.Errorf("Lookup(%s) while down: %v, want meta.ErrUnavailable", id, err)
		}
	}
	d.down.Store(false)
	if _, err := keys.Lookup(bg, cred.AccessKeyID); err != nil {
		t.Fatalf("Lookup once back: %v", err)
	}
}
