package access

import (
	"bytes"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/principal"
	"signet/internal/secret"
	"signet/internal/sts"
)

func TestKeysRoot(t *testing.T) {
	f := newFixture(t)
	cred, err := f.keys.Lookup(bg, f.root.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	if cred != f.root {
		t.Fatalf("root lookup returned %+v, want the root credential", cred.Principal)
	}
	if !cred.Principal.IsRoot || !cred.Secret.Equal(f.rootSec) || cred.Temporary() {
		t.Errorf("root credential: IsRoot=%v secret ok=%v temporary=%v", cred.Principal.IsRoot, cred.Secret.Equal(f.rootSec), cred.Temporary())
	}

	// Without a root credential the root's ID is just unknown.
	k := NewKeys(f.store, f.sealer, nil, acct)
	if _, err := k.Lookup(bg, f.root.AccessKeyID); !errors.Is(err, authn.ErrUnknownKey) {
		t.Errorf("no root configured: err = %v, want ErrUnknownKey", err)
	}
}

func TestKeysUserKey(t *testing.T) {
	f := newFixture(t)
	u, err := f.iam.CreateUser(bg, "Alice", "/eng/team/")
	if err != nil {
		t.Fatal(err)
	}
	ak, sec, err := f.iam.CreateAccessKey(bg, "alice") // names match case-insensitively
	if err != nil {
		t.Fatal(err)
	}
	cred, err := f.keys.Lookup(bg, ak.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := principal.Principal{
		AccessKeyID: ak.ID,
		ARN:         "arn:aws:iam::" + acct + ":user/eng/team/Alice",
		UserID:      u.ID,
		UserName:    "Alice",
		Account:     acct,
	}
	if !reflect.DeepEqual(cred.Principal, want) {
		t.Errorf("principal\n got %+v\nwant %+v", cred.Principal, want)
	}
	if !strings.HasPrefix(u.ID, "AIDA") {
		t.Errorf("user ID %q is not an AIDA ID", u.ID)
	}
	if cred.AccessKeyID != ak.ID || !cred.Secret.Equal(sec) {
		t.Errorf("credential: id %q, secret matches issued: %v", cred.AccessKeyID, cred.Secret.Equal(sec))
	}
	if cred.Temporary() || !cred.Expiry.IsZero() || cred.Terminated || cred.Principal.Temporary() {
		t.Errorf("long-term key looks temporary: %+v", cred)
	}

	// A second key of the same user has its own secret.
	ak2, sec2, err := f.iam.CreateAccessKey(bg, "Alice")
	if err != nil {
		t.Fatal(err)
	}
	cred2, err := f.keys.Lookup(bg, ak2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !cred2.Secret.Equal(sec2) || cred2.Secret.Equal(sec) || cred2.Principal.AccessKeyID != ak2.ID {
		t.Errorf("second key: wrong secret or ID")
	}
}

func TestKeysUnknown(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		setup func(t *testing.T) string // returns the ID to look up
	}{
		{"inactive key", func(t *testing.T) string {
			c := f.user(t, "inactive", "/")
			if err := f.iam.UpdateAccessKey(bg, "inactive", c.AccessKeyID, principal.KeyInactive); err != nil {
				t.Fatal(err)
			}
			return c.AccessKeyID
		}},
		{"deleted key", func(t *testing.T) string {
			c := f.user(t, "deleted", "/")
			if err := f.iam.DeleteAccessKey(bg, "deleted", c.AccessKeyID); err != nil {
				t.Fatal(err)
			}
			return c.AccessKeyID
		}},
		{"key of a deleted user", func(t *testing.T) string {
			c := f.user(t, "gone", "/")
			if err := f.iam.DeleteAccessKey(bg, "gone", c.AccessKeyID); err != nil {
				t.Fatal(err)
			}
			if err := f.iam.DeleteUser(bg, "gone"); err != nil {
				t.Fatal(err)
			}
			return c.AccessKeyID
		}},
		{"never issued", func(*testing.T) string { return "AKIANEVERISSUED00000" }},
		{"unknown session", func(*testing.T) string { return "ASIANEVERISSUED00000" }},
		{"empty", func(*testing.T) string { return "" }},
		{"too long", func(*testing.T) string { return "AKIA" + strings.Repeat("X", 125) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.setup(t)
			cred, err := f.keys.Lookup(bg, id)
			if !errors.Is(err, authn.ErrUnknownKey) {
				t.Fatalf("Lookup(%q) = %v, %v; want ErrUnknownKey", id, cred, err)
			}
		})
	}
}

func TestKeysSessions(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, "alice", "/people/")
	role := f.role(t, "reader", "/team/ops/")
	roleARN := "arn:aws:iam::" + acct + ":role/team/ops/reader"

	t.Run("assumed role", func(t *testing.T) {
		c, cred := f.assumeRole(t, alice.Principal, role, "ci-run", "")
		p := cred.Principal
		want := principal.Principal{
			AccessKeyID: c.AccessKeyID,
			ARN:         "arn:aws:sts::" + acct + ":assumed-role/reader/ci-run",
			UserID:      role.ID + ":ci-run",
			Account:     acct,
			SessionKind: principal.SessionAssumedRole,
			RoleName:    "reader",
			RoleARN:     roleARN,
			SessionName: "ci-run",
			TokenIssued: t0,
		}
		if !p.TokenIssued.Equal(want.TokenIssued) {
			t.Errorf("TokenIssued = %v, want %v", p.TokenIssued, t0)
		}
		p.TokenIssued = want.TokenIssued
		if !reflect.DeepEqual(p, want) {
			t.Errorf("principal\n got %+v\nwant %+v", p, want)
		}
		if !strings.HasPrefix(c.AccessKeyID, "ASIA") {
			t.Errorf("session key %q is not ASIA", c.AccessKeyID)
		}
		if !bytes.Equal(cred.TokenHash, secret.HashToken(c.SessionToken.Reveal())) {
			t.Error("TokenHash is not HashToken(token)")
		}
		if !cred.Temporary() || !cred.Secret.Equal(c.SecretAccessKey) || !cred.Expiry.Equal(t0.Add(time.Hour)) || cred.Terminated {
			t.Errorf("credential: temporary=%v secret ok=%v expiry=%v terminated=%v",
				cred.Temporary(), cred.Secret.Equal(c.SecretAccessKey), cred.Expiry, cred.Terminated)
		}
		if got := p.PrincipalARN(); got != roleARN {
			t.Errorf("PrincipalARN = %q, want the role's %q", got, roleARN)
		}
	})

	t.Run("session token of a user", func(t *testing.T) {
		c, cred := f.sessionToken(t, alice.Principal)
		p := cred.Principal
		if p.SessionKind != principal.SessionToken || p.UserName != "alice" || p.IsRoot ||
			p.ARN != alice.Principal.ARN || p.UserID != alice.Principal.UserID || p.AccessKeyID != c.AccessKeyID {
			t.Errorf("principal %+v", p)
		}
		if !cred.Expiry.Equal(t0.Add(12 * time.Hour)) {
			t.Errorf("expiry %v, want 12h default", cred.Expiry)
		}
		if !bytes.Equal(cred.TokenHash, secret.HashToken(c.SessionToken.Reveal())) || !cred.Secret.Equal(c.SecretAccessKey) {
			t.Error("token hash or secret differ from what was issued")
		}
	})

	t.Run("session token of root", func(t *testing.T) {
		_, cred := f.sessionToken(t, f.root.Principal)
		p := cred.Principal
		if !p.IsRoot || p.UserName != "" || p.SessionKind != principal.SessionToken || p.UserID != acct || p.ARN != f.root.Principal.ARN {
			t.Errorf("principal %+v", p)
		}
	})

	t.Run("federated user", func(t *testing.T) {
		pol := doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)
		_, cred := f.federation(t, alice.Principal, "fed-bob", pol)
		p := cred.Principal
		if p.SessionKind != principal.SessionFederated || p.SessionPolicy != pol || p.UserName != "alice" || p.IsRoot ||
			p.ARN != "arn:aws:sts::"+acct+":federated-user/fed-bob" || p.UserID != acct+":fed-bob" || p.SessionName != "fed-bob" {
			t.Errorf("principal %+v", p)
		}
	})

	t.Run("federated user of root is not root", func(t *testing.T) {
		_, cred := f.federation(t, f.root.Principal, "fed-root", "")
		if cred.Principal.IsRoot || cred.Principal.SessionKind != principal.SessionFederated {
			t.Errorf("principal %+v", cred.Principal)
		}
	})

	t.Run("terminated", func(t *testing.T) {
		c, cred := f.sessionToken(t, alice.Principal) // cached now
		if cred.Terminated {
			t.Fatal("fresh session is terminated")
		}
		if err := f.sts.Terminate(bg, c.AccessKeyID); err != nil {
			t.Fatal(err)
		}
		cred = f.session(t, c)
		if !cred.Terminated {
			t.Error("terminated session: Credential.Terminated is false (stale cache?)")
		}
	})

	t.Run("expired is still returned", func(t *testing.T) {
		c, _, err := f.sts.AssumeRole(bg, alice.Principal, sts.AssumeRoleInput{RoleARN: roleARN, RoleSessionName: "short", DurationSeconds: 900})
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(time.Hour)
		defer f.clk.Set(t0)
		cred := f.session(t, c)
		if !cred.Expiry.Before(f.clk.Now()) || cred.Terminated {
			t.Errorf("expired session: expiry %v, terminated %v", cred.Expiry, cred.Terminated)
		}
	})
}

func TestKeysSessionOfDeletedRoleKeepsRoleName(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, "alice", "/")
	role := f.role(t, "temp", "/deep/path/")
	c, _ := f.assumeRole(t, alice.Principal, role, "s1", "")
	if err := f.iam.DeleteRole(bg, "temp"); err != nil {
		t.Fatal(err)
	}
	cred := f.session(t, c)
	// The role's path is gone with it; the name still identifies it.
	if cred.Principal.RoleName != "temp" || cred.Principal.RoleARN != "arn:aws:iam::"+acct+":role/temp" {
		t.Errorf("principal %+v", cred.Principal)
	}
}

func TestKeysNoStaleCache(t *testing.T) {
	f := newFixture(t)
	c := f.user(t, "alice", "/")
	id := c.AccessKeyID

	if _, err := f.keys.Lookup(bg, id); err != nil {
		t.Fatal(err)
	}
	if err := f.store.UpdateAccessKey(bg, "alice", id, principal.KeyInactive); err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.Lookup(bg, id); !errors.Is(err, authn.ErrUnknownKey) {
		t.Fatalf("after deactivation: %v, want ErrUnknownKey at once", err)
	}
	if err := f.store.UpdateAccessKey(bg, "alice", id, principal.KeyActive); err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.Lookup(bg, id); err != nil {
		t.Fatalf("after reactivation: %v", err)
	}
	if err := f.store.DeleteAccessKey(bg, "alice", id, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.Lookup(bg, id); !errors.Is(err, authn.ErrUnknownKey) {
		t.Fatalf("after deletion: %v, want ErrUnknownKey at once", err)
	}
}

// The cache really caches: a write that bypasses Store (made "elsewhere")
// is not seen until Invalidate.
func TestKeysCacheServesUntilInvalidate(t *testing.T) {
	f := newFixture(t)
	c := f.user(t, "alice", "/")
	if _, err := f.keys.Lookup(bg, c.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if err := f.engine.UpdateAccessKey(bg, "alice", c.AccessKeyID, principal.KeyInactive); err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.Lookup(bg, c.AccessKeyID); err != nil {
		t.Fatalf("cached lookup after a write behind the cache's back: %v (is the cache used at all?)", err)
	}
	f.store.Invalidate()
	if _, err := f.keys.Lookup(bg, c.AccessKeyID); !errors.Is(err, authn.ErrUnknownKey) {
		t.Fatalf("after Invalidate: %v, want ErrUnknownKey", err)
	}
}

// Lookups racing with status toggles must never leave a stale entry:
// after each write returns, the very next lookup sees it, however the
// concurrent readers interleave. Run with -race.
func TestKeysConcurrentToggleNeverStale(t *testing.T) {
	f := newFixture(t)
	c := f.user(t, "alice", "/")
	id := c.AccessKeyID

	var stop atomic.Bool
	var wg sync.WaitGroup
	var lookups atomic.Int64
	for range 8 {
		wg.Go(func() {
			for !stop.Load() {
				_, err := f.keys.Lookup(bg, id)
				if err != nil && !errors.Is(err, authn.ErrUnknownKey) {
					t.Errorf("lookup: %v", err)
					return
				}
				lookups.Add(1)
			}
		})
	}
	defer func() { stop.Store(true); wg.Wait() }()

	const toggles = 150
	for i := range toggles {
		status := principal.KeyInactive
		if i%2 == 1 {
			status = principal.KeyActive
		}
		if err := f.store.UpdateAccessKey(bg, "alice", id, status); err != nil {
			t.Fatal(err)
		}
		// Several lookups after the write, interleaved with the readers'.
		for range 3 {
			_, err := f.keys.Lookup(bg, id)
			if status == principal.KeyActive && err != nil {
				t.Fatalf("toggle %d: key active but lookup failed: %v", i, err)
			}
			if status == principal.KeyInactive && !errors.Is(err, authn.ErrUnknownKey) {
				t.Fatalf("toggle %d: key inactive but lookup = %v (stale cache entry)", i, err)
			}
		}
	}
	// The last write deactivates; let the readers make a few hundred more
	// lookups on it (counted, not timed), then check that nothing
	// resurrected the active entry.
	if err := f.store.UpdateAccessKey(bg, "alice", id, principal.KeyInactive); err != nil {
		t.Fatal(err)
	}
	for after := lookups.Load() + 200; lookups.Load() < after && !t.Failed(); {
		runtime.Gosched()
	}
	stop.Store(true)
	wg.Wait()
	if _, err := f.keys.Lookup(bg, id); !errors.Is(err, authn.ErrUnknownKey) {
		t.Fatalf("final lookup = %v, want ErrUnknownKey", err)
	}
	if lookups.Load() == 0 {
		t.Error("readers never ran")
	}
}

// TestKeysSessionBoundToOwnerID pins finding 2 of issue 13: a session is
// bound to the unique ID of its role or user, so it dies with that
// identity and a new one of the same name never inherits it.
func TestKeysSessionBoundToOwnerID(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, "alice", "/")
	role := f.role(t, "reader", "/")
	roleSess, cred := f.assumeRole(t, alice.Principal, role, "s1", "")
	if cred.OwnerGone {
		t.Fatal("a live role's session is marked owner-gone")
	}
	bob := f.user(t, "bob", "/")
	bobSess, bobCred := f.sessionToken(t, bob.Principal)
	fedSess, fedCred := f.federation(t, bob.Principal, "fed", doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`))
	if bobCred.OwnerGone || fedCred.OwnerGone {
		t.Fatal("a live user's sessions are marked owner-gone")
	}

	if err := f.iam.DeleteRole(bg, "reader"); err != nil {
		t.Fatal(err)
	}
	if err := f.iam.DeleteAccessKey(bg, "bob", bob.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if err := f.iam.DeleteUser(bg, "bob"); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]sts.Credentials{"role session": roleSess, "session token": bobSess, "federation token": fedSess} {
		if got := f.session(t, c); !got.OwnerGone {
			t.Errorf("%s of a deleted owner: OwnerGone = false", name)
		}
	}

	// The same names again: new identities with new unique IDs.
	role2 := f.role(t, "reader", "/")
	f.user(t, "bob", "/")
	for name, c := range map[string]sts.Credentials{"role session": roleSess, "session token": bobSess, "federation token": fedSess} {
		if got := f.session(t, c); !got.OwnerGone {
			t.Errorf("%s of a re-created owner: OwnerGone = false, the newcomer inherits it", name)
		}
	}
	if _, fresh := f.assumeRole(t, alice.Principal, role2, "s2", ""); fresh.OwnerGone {
		t.Error("a session of the re-created role is marked owner-gone")
	}
}
