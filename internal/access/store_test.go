package access

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/meta"
	"signet/internal/principal"
)

// Every write through Store drops the cache, whether it succeeds or not.
func TestStoreWritesInvalidate(t *testing.T) {
	f := newFixture(t)
	s := f.store
	user := meta.Owner{Kind: principal.OwnerUser, Name: "u"}
	writes := []struct {
		name string
		call func() error
	}{
		{"CreateBucket", func() error { return s.CreateBucket(bg, meta.Bucket{Name: "b", Region: "us-east-1", Created: t0}) }},
		{"PutBucketPolicy", func() error {
			return s.PutBucketPolicy(bg, "b", doc(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`))
		}},
		{"DeleteBucketPolicy", func() error { return s.DeleteBucketPolicy(bg, "b") }},
		{"PutBucketCORS", func() error {
			return s.PutBucketCORS(bg, "b", `<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>`)
		}},
		{"DeleteBucketCORS", func() error { return s.DeleteBucketCORS(bg, "b") }},
		{"PutBucketLifecycle", func() error {
			return s.PutBucketLifecycle(bg, "b", `<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`)
		}},
		{"DeleteBucketLifecycle", func() error { return s.DeleteBucketLifecycle(bg, "b") }},
		{"DeleteBucket", func() error { _, err := s.DeleteBucket(bg, "b"); return err }},
		{"CreateUser", func() error {
			return s.CreateUser(bg, meta.User{Name: "u", ID: "AIDAU0000000000000000", Path: "/", Created: t0})
		}},
		{"CreateAccessKey", func() error {
			return s.CreateAccessKey(bg, meta.AccessKey{ID: "AKIAU000000000000000", UserName: "u", SealedSecret: []byte("x"), Status: principal.KeyActive, Created: t0}, 2)
		}},
		{"UpdateAccessKey", func() error { return s.UpdateAccessKey(bg, "u", "AKIAU000000000000000", principal.KeyInactive) }},
		{"DeleteAccessKey", func() error { return s.DeleteAccessKey(bg, "u", "AKIAU000000000000000", t0) }},
		{"PutInlinePolicy", func() error {
			return s.PutInlinePolicy(bg, user, meta.InlinePolicy{Name: "p", Document: doc(allowAll)})
		}},
		{"DeleteInlinePolicy", func() error { return s.DeleteInlinePolicy(bg, user, "p") }},
		{"CreatePolicy", func() error {
			return s.CreatePolicy(bg, meta.Policy{Name: "mp", ID: "ANPA0000000000000000", Path: "/", Document: doc(allowAll), Created: t0, Updated: t0})
		}},
		{"AttachPolicy", func() error { return s.AttachPolicy(bg, user, "arn:aws:iam::"+acct+":policy/mp") }},
		{"DetachPolicy", func() error { return s.DetachPolicy(bg, user, "arn:aws:iam::"+acct+":policy/mp") }},
		{"DeletePolicy", func() error { return s.DeletePolicy(bg, "mp") }},
		{"CreateLoginProfile", func() error {
			return s.CreateLoginProfile(bg, meta.LoginProfile{UserName: "u", Created: t0, PasswordHash: "h", PasswordSet: t0})
		}},
		{"UpdateLoginProfile", func() error {
			return s.UpdateLoginProfile(bg, "u", func(p *meta.LoginProfile) error { p.PasswordResetRequired = true; return nil })
		}},
		{"DeleteLoginProfile", func() error { return s.DeleteLoginProfile(bg, "u") }},
		{"PutAccountPasswordPolicy", func() error { return s.PutAccountPasswordPolicy(bg, meta.PasswordPolicy{MinimumPasswordLength: 8}) }},
		{"DeleteAccountPasswordPolicy", func() error { return s.DeleteAccountPasswordPolicy(bg) }},
		{"DeleteUser", func() error { return s.DeleteUser(bg, "u") }},
		{"CreateRole", func() error {
			return s.CreateRole(bg, meta.Role{Name: "r", ID: "AROAR000000000000000", Path: "/", TrustPolicy: trustAccount, MaxSessionDuration: 3600, Created: t0})
		}},
		{"UpdateRole", func() error {
			return s.UpdateRole(bg, "r", func(r *meta.Role) error { r.Description = "d"; return nil })
		}},
		{"DeleteRole", func() error { return s.DeleteRole(bg, "r") }},
		{"PutSession", func() error {
			return s.PutSession(bg, meta.Session{AccessKeyID: "ASIAS000000000000000", SealedSecret: []byte("x"), TokenHash: []byte("h"),
				Kind: principal.SessionToken, ARN: "arn:aws:iam::" + acct + ":root", Root: true, Issued: t0, Expiry: t0.Add(time.Hour)})
		}},
		{"TerminateSession", func() error { return s.TerminateSession(bg, "ASIAS000000000000000", t0) }},
		{"DeleteSessionsExpiredBefore", func() error { _, err := s.DeleteSessionsExpiredBefore(bg, t0.Add(2*time.Hour)); return err }},
		{"DeleteAccessKeyTombstonesBefore", func() error { _, err := s.DeleteAccessKeyTombstonesBefore(bg, t0.Add(time.Hour)); return err }},
		{"ResealSecrets", func() error {
			return s.ResealSecrets(bg, func(_ string, sealed []byte) ([]byte, error) { return sealed, nil })
		}},
		// Failing writes invalidate too.
		{"failing DeleteUser", func() error { return s.DeleteUser(bg, "nobody") }},
		{"failing UpdateRole", func() error { return s.UpdateRole(bg, "nobody", func(*meta.Role) error { return nil }) }},
	}
	covered := map[string]bool{}
	for _, w := range writes {
		covered[strings.TrimPrefix(w.name, "failing ")] = true
		s.cache.put("probe", s.cache.gen, "cached")
		if _, _, ok := s.cache.get("probe"); !ok {
			t.Fatal("probe entry was not stored")
		}
		before := s.cache.gen
		err := w.call()
		if strings.HasPrefix(w.name, "failing ") {
			if err == nil {
				t.Errorf("%s: succeeded, want an error", w.name)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		if _, _, ok := s.cache.get("probe"); ok || s.cache.gen == before {
			t.Errorf("%s did not invalidate the cache", w.name)
		}
	}

	// Every write method of meta.Identities is wrapped (and tested above):
	// a new one added to the interface must be wrapped too.
	id := reflect.TypeFor[meta.Identities]()
	for i := range id.NumMethod() {
		name := id.Method(i).Name
		if strings.HasPrefix(name, "Get") || strings.HasPrefix(name, "List") || name == "PolicyAttachments" {
			continue
		}
		if !covered[name] {
			t.Errorf("meta.Identities.%s is a write the test does not cover (is it wrapped by Store?)", name)
		}
	}
}

// A read that raced with a write must not be stored under the new
// generation.
func TestCachePutAfterInvalidateIsDropped(t *testing.T) {
	c := newCache()
	_, gen, ok := c.get("k")
	if ok {
		t.Fatal("empty cache hit")
	}
	c.invalidate() // a write lands between the read and the put
	c.put("k", gen, "stale")
	if _, _, ok := c.get("k"); ok {
		t.Fatal("stale value stored after an invalidation")
	}
	_, gen, _ = c.get("k")
	c.put("k", gen, "fresh")
	if v, _, ok := c.get("k"); !ok || v != "fresh" {
		t.Fatalf("get = %v, %v; want fresh", v, ok)
	}
}

func TestCacheBounded(t *testing.T) {
	c := newCache()
	for i := range maxItems + 10 {
		_, gen, _ := c.get("")
		c.put("k"+strconv.Itoa(i), gen, i)
	}
	c.mu.RLock()
	n := len(c.items)
	c.mu.RUnlock()
	if n > maxItems {
		t.Fatalf("cache holds %d items, more than %d", n, maxItems)
	}
}

// TestCacheConcurrent: readers, writers and invalidations at once. A value
// read before an invalidation never lands after it (the generation check),
// every value the cache serves is one a writer put, and every invalidation
// counts.
func TestCacheConcurrent(t *testing.T) {
	c := newCache()
	const goroutines, rounds, every = 4, 2000, 100
	const stale = -1 // put only under a generation already invalidated
	valid := func(v any) bool {
		n, ok := v.(int)
		return ok && n >= 0 && n < goroutines*10000
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range rounds {
				v, gen, ok := c.get("k")
				if ok && !valid(v) {
					t.Errorf("cache served %v, which no writer put under a live generation", v)
					return
				}
				c.put("k", gen, g*10000+i)
				if i%every == 0 {
					c.invalidate()
					c.put("k", gen, stale)
				}
			}
		})
	}
	wg.Wait()
	if v, _, ok := c.get("k"); ok && !valid(v) {
		t.Fatalf("after the run the cache holds %v", v)
	}
	if want := uint64(goroutines * rounds / every); c.gen != want {
		t.Fatalf("generation %d after %d invalidations", c.gen, want)
	}
	_, gen, _ := c.get("k")
	c.put("k", gen, 42)
	if v, _, ok := c.get("k"); !ok || v != 42 {
		t.Fatalf("a put under the current generation reads back as %v, %v", v, ok)
	}
}
