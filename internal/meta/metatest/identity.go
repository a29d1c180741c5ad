package metatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/meta"
	"signet/internal/principal"
)

// The identity part of the suite runs on stores that implement
// meta.Identities as well as meta.Store (bucket policies need buckets).
// Conventions beyond identity.go's comments: times are stored at whole
// microseconds, as for the object store; nil and empty byte slices are the
// same thing.

// IdentityStore is a metadata store with the identity part.
type IdentityStore interface {
	meta.Store
	meta.Identities
}

func runIdentities(t *testing.T, newStore func(t *testing.T) meta.Store) {
	if _, ok := newStore(t).(IdentityStore); !ok {
		t.Skip("store does not implement meta.Identities")
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s IdentityStore)
	}{
		{"Users", testUsers},
		{"AccessKeys", testAccessKeys},
		{"AccessKeyOrder", testAccessKeyOrder},
		{"AccessKeyTombstones", testAccessKeyTombstones},
		{"SweepAccessKeyTombstones", testSweepAccessKeyTombstones},
		{"Roles", testRoles},
		{"UpdateRole", testUpdateRole},
		{"InlinePolicies", testInlinePolicies},
		{"ManagedPolicies", testManagedPolicies},
		{"Attachments", testAttachments},
		{"DeleteConflicts", testDeleteConflicts},
		{"Sessions", testSessions},
		{"ExpireSessions", testExpireSessions},
		{"ResealSecrets", testResealSecrets},
		{"BucketPolicies", testBucketPolicies},
		{"LoginProfiles", testLoginProfiles},
		{"AccountPasswordPolicy", testAccountPasswordPolicy},
		{"IdentityCopies", testIdentityCopies},
		{"InvalidIdentityArguments", testInvalidIdentityArguments},
		{"KeyLimitConcurrent", testKeyLimitConcurrent},
		{"IdentityConcurrency", testIdentityConcurrency},
		{"IdentityClosed", testIdentityClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t).(IdentityStore))
		})
	}
}

// Fixtures.

const acct = "123456789012"

func policyARN(name string) string { return "arn:aws:iam::" + acct + ":policy/" + name }

func user(name string, i int) meta.User {
	return meta.User{Name: name, ID: fmt.Sprintf("AIDA%016d", i), Path: "/staff/", Created: at(i)}
}

func mkUser(t *testing.T, s IdentityStore, name string) {
	t.Helper()
	if err := s.CreateUser(t.Context(), user(name, len(name))); err != nil {
		t.Fatalf("CreateUser(%q): %v", name, err)
	}
}

func role(name string, i int) meta.Role {
	return meta.Role{
		Name: name, ID: fmt.Sprintf("AROA%016d", i), Path: "/svc/", Description: "role " + name,
		TrustPolicy:        `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`,
		MaxSessionDuration: 3600 + i, Created: at(i),
	}
}

func mkRole(t *testing.T, s IdentityStore, name string) {
	t.Helper()
	if err := s.CreateRole(t.Context(), role(name, len(name))); err != nil {
		t.Fatalf("CreateRole(%q): %v", name, err)
	}
}

func managed(name string, i int) meta.Policy {
	return meta.Policy{
		Name: name, ID: fmt.Sprintf("ANPA%016d", i), Path: "/", Description: "policy " + name,
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		Created:  at(i), Updated: at(i + 1),
	}
}

// secret is a sealed secret with the bytes a string-based store would
// mangle: NUL, 0xFF, invalid UTF-8.
func secret(id string) []byte { return append([]byte{0, 0xff, 0xc3, 0x28, 0}, id...) }

func accessKey(id, userName string, created time.Time) meta.AccessKey {
	return meta.AccessKey{ID: id, UserName: userName, SealedSecret: secret(id), Status: principal.KeyActive, Created: created}
}

func mkKey(t *testing.T, s IdentityStore, id, userName string, created time.Time) {
	t.Helper()
	if err := s.CreateAccessKey(t.Context(), accessKey(id, userName, created), 100); err != nil {
		t.Fatalf("CreateAccessKey(%q, %q): %v", id, userName, err)
	}
}

func session(id string, expiry time.Time) meta.Session {
	return meta.Session{
		AccessKeyID:       id,
		SealedSecret:      secret(id),
		TokenHash:         append([]byte{0xff, 0}, bytes.Repeat([]byte{0xab}, 30)...),
		Kind:              principal.SessionAssumedRole,
		ARN:               "arn:aws:sts::" + acct + ":assumed-role/Deployer/" + id,
		UserID:            "AROA0000000000000001:" + id,
		UserName:          "alice",
		Root:              true,
		OwnerID:           "AROA0000000000000001",
		RoleName:          "Deployer",
		SessionName:       id,
		SessionPolicy:     `{"Version":"2012-10-17"}`,
		SessionPolicyARNs: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::" + acct + ":policy/p/Mine"},
		Chained:           true,
		SourceAccessKeyID: "AKIASOURCE",
		Issued:            expiry.Add(-time.Hour),
		Expiry:            expiry,
	}
}

func userOwner(name string) meta.Owner { return meta.Owner{Kind: principal.OwnerUser, Name: name} }
func roleOwner(name string) meta.Owner { return meta.Owner{Kind: principal.OwnerRole, Name: name} }

func normBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func normKey(k meta.AccessKey) meta.AccessKey {
	k.Created = normTime(k.Created)
	k.SealedSecret = normBytes(k.SealedSecret)
	return k
}

func normSession(s meta.Session) meta.Session {
	s.SealedSecret = normBytes(s.SealedSecret)
	s.TokenHash = normBytes(s.TokenHash)
	s.Issued = normTime(s.Issued)
	s.Expiry = normTime(s.Expiry)
	if !s.TerminatedAt.IsZero() {
		s.TerminatedAt = normTime(s.TerminatedAt)
	}
	return s
}

// same compares after normalizing times, byte slices and the like.
func same[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	norm := func(v T) any {
		switch x := any(v).(type) {
		case meta.User:
			x.Created = normTime(x.Created)
			return x
		case meta.Role:
			x.Created = normTime(x.Created)
			return x
		case meta.Policy:
			x.Created, x.Updated = normTime(x.Created), normTime(x.Updated)
			return x
		case meta.AccessKey:
			return normKey(x)
		case meta.Session:
			return normSession(x)
		case meta.DeletedAccessKey:
			x.Deleted = normTime(x.Deleted)
			return x
		}
		return v
	}
	if g, w := norm(got), norm(want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, g, w)
	}
}

func names[T any](xs []T, name func(T) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, name(x))
	}
	return out
}

func checkNames(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func keyIDs(t *testing.T, s IdentityStore, userName string) []string {
	t.Helper()
	ks, err := s.ListAccessKeys(t.Context(), userName)
	if err != nil {
		t.Fatalf("ListAccessKeys(%q): %v", userName, err)
	}
	return names(ks, func(k meta.AccessKey) string { return k.ID })
}

func attached(t *testing.T, s IdentityStore, o meta.Owner) []string {
	t.Helper()
	arns, err := s.ListAttachedPolicies(t.Context(), o)
	if err != nil {
		t.Fatalf("ListAttachedPolicies(%+v): %v", o, err)
	}
	return arns
}

func attachments(t *testing.T, s IdentityStore, arn string) int {
	t.Helper()
	n, err := s.PolicyAttachments(t.Context(), arn)
	if err != nil {
		t.Fatalf("PolicyAttachments(%q): %v", arn, err)
	}
	return n
}

func inlineNames(t *testing.T, s IdentityStore, o meta.Owner) []string {
	t.Helper()
	ps, err := s.ListInlinePolicies(t.Context(), o)
	if err != nil {
		t.Fatalf("ListInlinePolicies(%+v): %v", o, err)
	}
	return names(ps, func(p meta.InlinePolicy) string { return p.Name })
}

// errCase is one call and the error it must return (nil for success).
type errCase struct {
	name string
	call func(ctx context.Context) error
	want error
}

func runErrCases(t *testing.T, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		err := c.call(t.Context())
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		wantErr(t, c.name, err, c.want)
	}
}

// Users.

func testUsers(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	if us, err := s.ListUsers(ctx); err != nil || len(us) != 0 {
		t.Fatalf("ListUsers on empty store = %v, %v", us, err)
	}
	created := []string{"Zed", "alice", "Bob", "carol", "bob2"}
	for i, n := range created {
		u := user(n, i)
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatalf("CreateUser(%q): %v", n, err)
		}
		got, err := s.GetUser(ctx, n)
		if err != nil {
			t.Fatalf("GetUser(%q): %v", n, err)
		}
		same(t, "GetUser "+n, got, u)
	}
	runErrCases(t, []errCase{
		{"GetUser missing", func(ctx context.Context) error { _, err := s.GetUser(ctx, "nobody"); return err }, meta.ErrNoSuchEntity},
		{"GetUser empty", func(ctx context.Context) error { _, err := s.GetUser(ctx, ""); return err }, meta.ErrNoSuchEntity},
		{"CreateUser same case", func(ctx context.Context) error { return s.CreateUser(ctx, user("alice", 90)) }, meta.ErrEntityExists},
		{"CreateUser other case", func(ctx context.Context) error { return s.CreateUser(ctx, user("ALICE", 91)) }, meta.ErrEntityExists},
		{"CreateUser other case 2", func(ctx context.Context) error { return s.CreateUser(ctx, user("zED", 92)) }, meta.ErrEntityExists},
		{"DeleteUser missing", func(ctx context.Context) error { return s.DeleteUser(ctx, "nobody") }, meta.ErrNoSuchEntity},
	})
	// Case-insensitive lookup returns the name as created; failed
	// creates changed nothing.
	for _, q := range []string{"ALICE", "Alice", "aLiCe"} {
		got, err := s.GetUser(ctx, q)
		if err != nil {
			t.Fatalf("GetUser(%q): %v", q, err)
		}
		same(t, "GetUser "+q, got, user("alice", 1))
	}
	if got, _ := s.GetUser(ctx, "ZED"); got.Name != "Zed" || got.ID != user("Zed", 0).ID {
		t.Errorf("GetUser(ZED) = %+v", got)
	}

	us, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// By lower-cased name: alice, bob, bob2, carol, zed.
	checkNames(t, "ListUsers", names(us, func(u meta.User) string { return u.Name }), []string{"alice", "Bob", "bob2", "carol", "Zed"})
	for _, u := range us {
		if u.Name == "Bob" {
			same(t, "listed Bob", u, user("Bob", 2))
		}
	}

	if err := s.DeleteUser(ctx, "BOB"); err != nil {
		t.Fatalf("DeleteUser(BOB): %v", err)
	}
	_, err = s.GetUser(ctx, "Bob")
	wantErr(t, "GetUser after delete", err, meta.ErrNoSuchEntity)
	if _, err := s.GetUser(ctx, "bob2"); err != nil {
		t.Errorf("DeleteUser(BOB) affected bob2: %v", err)
	}
	// The name is free again, in any spelling.
	if err := s.CreateUser(ctx, user("bOB", 7)); err != nil {
		t.Fatalf("CreateUser after delete: %v", err)
	}
	got, _ := s.GetUser(ctx, "bob")
	same(t, "re-created user", got, user("bOB", 7))
}

// Access keys.

func testAccessKeys(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	mkUser(t, s, "Alice")
	mkUser(t, s, "bob")
	const limit = 2

	// Created with the user named in another case: the key carries the
	// name as the user was created.
	k1 := accessKey("AKIA0000000000000001", "alice", at(1))
	if err := s.CreateAccessKey(ctx, k1, limit); err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	// ... and the user's unique ID, which binds the key to this user and
	// not to a later one of the same name.
	alice, err := s.GetUser(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	k1.UserName, k1.UserID = "Alice", alice.ID
	got, err := s.GetAccessKey(ctx, k1.ID)
	if err != nil {
		t.Fatalf("GetAccessKey: %v", err)
	}
	same(t, "GetAccessKey", got, k1)

	k2 := accessKey("AKIA0000000000000002", "ALICE", at(2))
	k2.Status = principal.KeyInactive
	k2.SealedSecret = nil // an empty secret round-trips too
	if err := s.CreateAccessKey(ctx, k2, limit); err != nil {
		t.Fatalf("CreateAccessKey(inactive): %v", err)
	}
	k2.UserName, k2.UserID = "Alice", alice.ID
	got, _ = s.GetAccessKey(ctx, k2.ID)
	same(t, "GetAccessKey inactive", got, k2)

	third := accessKey("AKIA0000000000000003", "Alice", at(3))
	runErrCases(t, []errCase{
		{"CreateAccessKey missing user", func(ctx context.Context) error {
			return s.CreateAccessKey(ctx, accessKey("AKIA0000000000000009", "nobody", at(0)), limit)
		}, meta.ErrNoSuchEntity},
		// The inactive key counts towards the limit.
		{"CreateAccessKey over limit", func(ctx context.Context) error { return s.CreateAccessKey(ctx, third, limit) }, meta.ErrLimitExceeded},
		{"CreateAccessKey limit 0", func(ctx context.Context) error {
			return s.CreateAccessKey(ctx, accessKey("AKIA0000000000000008", "bob", at(0)), 0)
		}, meta.ErrLimitExceeded},
		{"CreateAccessKey reused ID, same user", func(ctx context.Context) error {
			return s.CreateAccessKey(ctx, accessKey(k1.ID, "Alice", at(9)), 100)
		}, meta.ErrEntityExists},
		{"CreateAccessKey reused ID, other user", func(ctx context.Context) error {
			return s.CreateAccessKey(ctx, accessKey(k1.ID, "bob", at(9)), 100)
		}, meta.ErrEntityExists},
		{"GetAccessKey missing", func(ctx context.Context) error { _, err := s.GetAccessKey(ctx, "AKIAMISSING"); return err }, meta.ErrNoSuchEntity},
		{"GetAccessKey other case", func(ctx context.Context) error { _, err := s.GetAccessKey(ctx, "akia0000000000000001"); return err }, meta.ErrNoSuchEntity},
		{"ListAccessKeys missing user", func(ctx context.Context) error { _, err := s.ListAccessKeys(ctx, "nobody"); return err }, meta.ErrNoSuchEntity},
		{"UpdateAccessKey other user", func(ctx context.Context) error { return s.UpdateAccessKey(ctx, "bob", k1.ID, principal.KeyInactive) }, meta.ErrNoSuchEntity},
		{"UpdateAccessKey missing user", func(ctx context.Context) error { return s.UpdateAccessKey(ctx, "nobody", k1.ID, principal.KeyInactive) }, meta.ErrNoSuchEntity},
		{"UpdateAccessKey missing key", func(ctx context.Context) error {
			return s.UpdateAccessKey(ctx, "Alice", "AKIAMISSING", principal.KeyInactive)
		}, meta.ErrNoSuchEntity},
		{"UpdateAccessKey bad status", func(ctx context.Context) error { return s.UpdateAccessKey(ctx, "Alice", k1.ID, "Disabled") }, meta.ErrInvalidArgument},
		{"DeleteAccessKey other user", func(ctx context.Context) error { return s.DeleteAccessKey(ctx, "bob", k1.ID, at(10)) }, meta.ErrNoSuchEntity},
		{"DeleteAccessKey missing user", func(ctx context.Context) error { return s.DeleteAccessKey(ctx, "nobody", k1.ID, at(10)) }, meta.ErrNoSuchEntity},
		{"DeleteAccessKey missing key", func(ctx context.Context) error { return s.DeleteAccessKey(ctx, "Alice", "AKIAMISSING", at(10)) }, meta.ErrNoSuchEntity},
	})
	// Failed calls changed nothing.
	if _, err := s.GetAccessKey(ctx, third.ID); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Errorf("key over the limit was stored: %v", err)
	}
	got, _ = s.GetAccessKey(ctx, k1.ID)
	same(t, "key after failed calls", got, k1)
	checkNames(t, "ListAccessKeys(alice)", keyIDs(t, s, "alice"), []string{k1.ID, k2.ID})
	checkNames(t, "ListAccessKeys(bob)", keyIDs(t, s, "bob"), nil)

	// Status updates, by the user's name in any case.
	if err := s.UpdateAccessKey(ctx, "ALICE", k1.ID, principal.KeyInactive); err != nil {
		t.Fatalf("UpdateAccessKey: %v", err)
	}
	k1.Status = principal.KeyInactive
	got, _ = s.GetAccessKey(ctx, k1.ID)
	same(t, "key after UpdateAccessKey", got, k1)
	if err := s.UpdateAccessKey(ctx, "alice", k1.ID, principal.KeyInactive); err != nil {
		t.Errorf("UpdateAccessKey to the same status: %v", err)
	}
	if err := s.UpdateAccessKey(ctx, "Alice", k1.ID, principal.KeyActive); err != nil {
		t.Fatalf("UpdateAccessKey back: %v", err)
	}
	k1.Status = principal.KeyActive
	ks, _ := s.ListAccessKeys(ctx, "Alice")
	if len(ks) != 2 {
		t.Fatalf("ListAccessKeys = %+v", ks)
	}
	same(t, "listed key 1", ks[0], k1)
	same(t, "listed key 2", ks[1], k2)

	// Deleting frees a slot under the limit.
	if err := s.DeleteAccessKey(ctx, "aLiCe", k1.ID, at(10)); err != nil {
		t.Fatalf("DeleteAccessKey: %v", err)
	}
	_, err = s.GetAccessKey(ctx, k1.ID)
	wantErr(t, "GetAccessKey after delete", err, meta.ErrNoSuchEntity)
	err = s.DeleteAccessKey(ctx, "Alice", k1.ID, at(10))
	wantErr(t, "DeleteAccessKey twice", err, meta.ErrNoSuchEntity)
	checkNames(t, "ListAccessKeys after delete", keyIDs(t, s, "Alice"), []string{k2.ID})
	if err := s.CreateAccessKey(ctx, third, limit); err != nil {
		t.Fatalf("CreateAccessKey after delete: %v", err)
	}
	checkNames(t, "ListAccessKeys after re-create", keyIDs(t, s, "Alice"), []string{k2.ID, third.ID})
	// A deleted key's ID may be used again, by another user.
	if err := s.CreateAccessKey(ctx, accessKey(k1.ID, "bob", at(5)), limit); err != nil {
		t.Fatalf("CreateAccessKey with a freed ID: %v", err)
	}
	if got, _ := s.GetAccessKey(ctx, k1.ID); got.UserName != "bob" {
		t.Errorf("re-used key ID belongs to %q", got.UserName)
	}
}

// testAccessKeyOrder: creation order is Created then ID, whatever the
// order of the calls and of the IDs.
func testAccessKeyOrder(t *testing.T, s IdentityStore) {
	mkUser(t, s, "u")
	mkKey(t, s, "AKIAB", "u", at(3))
	mkKey(t, s, "AKIAC", "u", at(1))
	mkKey(t, s, "AKIAA", "u", at(2))
	mkKey(t, s, "AKIAE", "u", at(1)) // same time as AKIAC: by ID
	mkKey(t, s, "AKIAD", "u", at(-100))
	checkNames(t, "ListAccessKeys", keyIDs(t, s, "u"), []string{"AKIAD", "AKIAC", "AKIAE", "AKIAA", "AKIAB"})
	if err := s.DeleteAccessKey(t.Context(), "u", "AKIAE", at(10)); err != nil {
		t.Fatal(err)
	}
	checkNames(t, "ListAccessKeys after delete", keyIDs(t, s, "u"), []string{"AKIAD", "AKIAC", "AKIAA", "AKIAB"})
}

// testAccessKeyTombstones: a deleted key leaves a tombstone naming its
// user as it was, so a URL it signed can be explained; failed deletes
// leave none; a user deleted and created again under the same name has a
// new ID, which tells the two apart; a key ID used again is live, not
// deleted.
func testAccessKeyTombstones(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	mkUser(t, s, "Alice")
	mkUser(t, s, "bob")
	alice, err := s.GetUser(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	k1, k2 := "AKIA0000000000000001", "AKIA0000000000000002"
	mkKey(t, s, k1, "alice", at(1))
	mkKey(t, s, k2, "alice", at(2))

	runErrCases(t, []errCase{
		{"GetDeletedAccessKey of a live key", func(ctx context.Context) error { _, err := s.GetDeletedAccessKey(ctx, k1); return err }, meta.ErrNoSuchEntity},
		{"GetDeletedAccessKey never issued", func(ctx context.Context) error { _, err := s.GetDeletedAccessKey(ctx, "AKIAMISSING"); return err }, meta.ErrNoSuchEntity},
		{"GetDeletedAccessKey empty", func(ctx context.Context) error { _, err := s.GetDeletedAccessKey(ctx, ""); return err }, meta.ErrNoSuchEntity},
		{"DeleteAccessKey zero time", func(ctx context.Context) error { return s.DeleteAccessKey(ctx, "alice", k1, time.Time{}) }, meta.ErrInvalidArgument},
		{"DeleteAccessKey other user", func(ctx context.Context) error { return s.DeleteAccessKey(ctx, "bob", k1, at(5)) }, meta.ErrNoSuchEntity},
	})
	// The failed deletes changed nothing and left no tombstone.
	if _, err := s.GetAccessKey(ctx, k1); err != nil {
		t.Errorf("key gone after failed deletes: %v", err)
	}
	if _, err := s.GetDeletedAccessKey(ctx, k1); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Errorf("tombstone after failed deletes: %v", err)
	}

	deleted := at(20).Add(123 * time.Microsecond)
	if err := s.DeleteAccessKey(ctx, "ALICE", k1, deleted); err != nil {
		t.Fatalf("DeleteAccessKey: %v", err)
	}
	got, err := s.GetDeletedAccessKey(ctx, k1)
	if err != nil {
		t.Fatalf("GetDeletedAccessKey: %v", err)
	}
	same(t, "tombstone", got, meta.DeletedAccessKey{ID: k1, UserName: "Alice", UserID: alice.ID, Deleted: deleted})
	if _, err := s.GetAccessKey(ctx, k1); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Errorf("GetAccessKey after delete: %v", err)
	}
	if _, err := s.GetDeletedAccessKey(ctx, "akia0000000000000001"); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Errorf("GetDeletedAccessKey in another case: %v, want ErrNoSuchEntity (IDs are exact)", err)
	}

	// The user goes after its last key; one of the same name comes back
	// with another ID. The tombstone keeps the old user's ID.
	if err := s.DeleteAccessKey(ctx, "alice", k2, at(30)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "alice"); err != nil {
		t.Fatalf("DeleteUser after its keys: %v", err)
	}
	reborn := user("alice", 99)
	if err := s.CreateUser(ctx, reborn); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetDeletedAccessKey(ctx, k2)
	if err != nil {
		t.Fatalf("tombstone after its user was deleted: %v", err)
	}
	same(t, "tombstone of a deleted user's key", got, meta.DeletedAccessKey{ID: k2, UserName: "Alice", UserID: alice.ID, Deleted: at(30)})
	if now, _ := s.GetUser(ctx, "ALICE"); now.ID == got.UserID {
		t.Errorf("re-created user has the deleted user's ID %s: this test cannot tell them apart", now.ID)
	}

	// A key created under a deleted key's ID is live: no tombstone.
	mkKey(t, s, k1, "bob", at(40))
	if _, err := s.GetDeletedAccessKey(ctx, k1); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Errorf("tombstone of a re-used key ID: %v, want ErrNoSuchEntity", err)
	}
	// Deleting it again records the new deletion, by its new user.
	if err := s.DeleteAccessKey(ctx, "bob", k1, at(50)); err != nil {
		t.Fatal(err)
	}
	bob, _ := s.GetUser(ctx, "bob")
	got, _ = s.GetDeletedAccessKey(ctx, k1)
	same(t, "tombstone of the re-used ID", got, meta.DeletedAccessKey{ID: k1, UserName: "bob", UserID: bob.ID, Deleted: at(50)})
}

// testSweepAccessKeyTombstones: the sweep removes tombstones deleted
// strictly before its time and nothing else.
func testSweepAccessKeyTombstones(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	mkUser(t, s, "u")
	deletions := map[string]time.Time{
		"AKIA1": at(100), "AKIA2": at(200), "AKIA3": at(200), "AKIA4": at(100).Add(time.Microsecond),
	}
	for id, when := range deletions {
		mkKey(t, s, id, "u", at(1))
		if err := s.DeleteAccessKey(ctx, "u", id, when); err != nil {
			t.Fatal(err)
		}
	}
	mkKey(t, s, "AKIALIVE", "u", at(1))
	left := func() []string {
		var out []string
		for _, id := range []string{"AKIA1", "AKIA2", "AKIA3", "AKIA4"} {
			switch _, err := s.GetDeletedAccessKey(ctx, id); {
			case err == nil:
				out = append(out, id)
			case !errors.Is(err, meta.ErrNoSuchEntity):
				t.Fatalf("GetDeletedAccessKey(%s): %v", id, err)
			}
		}
		return out
	}
	steps := []struct {
		before time.Time
		n      int
		left   []string
	}{
		{at(0), 0, []string{"AKIA1", "AKIA2", "AKIA3", "AKIA4"}},
		{at(100), 0, []string{"AKIA1", "AKIA2", "AKIA3", "AKIA4"}}, // strictly before
		{at(100).Add(time.Microsecond), 1, []string{"AKIA2", "AKIA3", "AKIA4"}},
		{at(250), 3, nil},
		{at(250), 0, nil},
	}
	for i, st := range steps {
		n, err := s.DeleteAccessKeyTombstonesBefore(ctx, st.before)
		if err != nil || n != st.n {
			t.Errorf("step %d: DeleteAccessKeyTombstonesBefore = %d, %v, want %d", i, n, err, st.n)
		}
		checkNames(t, fmt.Sprintf("step %d: tombstones left", i), left(), st.left)
	}
	// The sweep touches tombstones only.
	checkNames(t, "keys after the sweep", keyIDs(t, s, "u"), []string{"AKIALIVE"})
}

// Roles.

func testRoles(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	if rs, err := s.ListRoles(ctx); err != nil || len(rs) != 0 {
		t.Fatalf("ListRoles on empty store = %v, %v", rs, err)
	}
	for i, n := range []string{"Writer", "admin", "Reader"} {
		r := role(n, i)
		if err := s.CreateRole(ctx, r); err != nil {
			t.Fatalf("CreateRole(%q): %v", n, err)
		}
		got, err := s.GetRole(ctx, n)
		if err != nil {
			t.Fatalf("GetRole(%q): %v", n, err)
		}
		same(t, "GetRole "+n, got, r)
	}
	runErrCases(t, []errCase{
		{"GetRole missing", func(ctx context.Context) error { _, err := s.GetRole(ctx, "nope"); return err }, meta.ErrNoSuchEntity},
		{"CreateRole other case", func(ctx context.Context) error { return s.CreateRole(ctx, role("ADMIN", 9)) }, meta.ErrEntityExists},
		{"DeleteRole missing", func(ctx context.Context) error { return s.DeleteRole(ctx, "nope") }, meta.ErrNoSuchEntity},
	})
	got, err := s.GetRole(ctx, "WRITER")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetRole WRITER", got, role("Writer", 0))
	if got, _ := s.GetRole(ctx, "admin"); got.ID != role("admin", 1).ID {
		t.Errorf("failed CreateRole changed the role: %+v", got)
	}
	rs, err := s.ListRoles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkNames(t, "ListRoles", names(rs, func(r meta.Role) string { return r.Name }), []string{"admin", "Reader", "Writer"})
	if len(rs) == 3 {
		same(t, "listed role", rs[1], role("Reader", 2))
	}
	if err := s.DeleteRole(ctx, "reader"); err != nil {
		t.Fatalf("DeleteRole: %v", err)
	}
	_, err = s.GetRole(ctx, "Reader")
	wantErr(t, "GetRole after delete", err, meta.ErrNoSuchEntity)
	// Users and roles are separate namespaces.
	mkUser(t, s, "admin")
	if _, err := s.GetRole(ctx, "admin"); err != nil {
		t.Errorf("GetRole after a user of the same name: %v", err)
	}
}

func testUpdateRole(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	orig := role("Deployer", 1)
	if err := s.CreateRole(ctx, orig); err != nil {
		t.Fatal(err)
	}

	// fn sees the stored role; Name and ID survive whatever it does.
	var seen meta.Role
	err := s.UpdateRole(ctx, "DEPLOYER", func(r *meta.Role) error {
		seen = *r
		r.Name, r.ID = "Other", "AROAOTHER"
		r.Description = "updated"
		r.TrustPolicy = `{"Statement":[]}`
		r.MaxSessionDuration = 43200
		r.Path = "/new/"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateRole: %v", err)
	}
	same(t, "role seen by fn", seen, orig)
	want := orig
	want.Description, want.TrustPolicy, want.MaxSessionDuration, want.Path = "updated", `{"Statement":[]}`, 43200, "/new/"
	got, err := s.GetRole(ctx, "Deployer")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "role after UpdateRole", got, want)
	if _, err := s.GetRole(ctx, "Other"); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Errorf("UpdateRole renamed the role: %v", err)
	}

	// An error from fn is returned unchanged and nothing is written,
	// even what fn changed before failing.
	stop := errors.New("stop")
	err = s.UpdateRole(ctx, "deployer", func(r *meta.Role) error {
		r.Description = "half-done"
		return stop
	})
	if err != stop {
		t.Errorf("UpdateRole with failing fn: %v, want the error itself", err)
	}
	got, _ = s.GetRole(ctx, "Deployer")
	same(t, "role after failed UpdateRole", got, want)

	called := false
	err = s.UpdateRole(ctx, "nope", func(*meta.Role) error { called = true; return nil })
	wantErr(t, "UpdateRole missing", err, meta.ErrNoSuchEntity)
	if called {
		t.Error("UpdateRole called fn for a missing role")
	}
}

// Inline policies.

func testInlinePolicies(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	mkUser(t, s, "alice")
	mkRole(t, s, "Alice") // same name, other kind
	u, r := userOwner("ALICE"), roleOwner("alice")
	doc := func(n int) string { return fmt.Sprintf(`{"Version":"2012-10-17","Id":"%d"}`, n) }

	for i, n := range []string{"S3Read", "admin", "Zeta"} {
		if err := s.PutInlinePolicy(ctx, u, meta.InlinePolicy{Name: n, Document: doc(i)}); err != nil {
			t.Fatalf("PutInlinePolicy(%q): %v", n, err)
		}
	}
	if err := s.PutInlinePolicy(ctx, r, meta.InlinePolicy{Name: "RolePolicy", Document: doc(9)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetInlinePolicy(ctx, userOwner("alice"), "s3read")
	if err != nil || got != (meta.InlinePolicy{Name: "S3Read", Document: doc(0)}) {
		t.Errorf("GetInlinePolicy(s3read) = %+v, %v", got, err)
	}
	checkNames(t, "user's inline policies", inlineNames(t, s, u), []string{"admin", "S3Read", "Zeta"})
	checkNames(t, "role's inline policies", inlineNames(t, s, r), []string{"RolePolicy"})

	// Replacing, in another case, keeps the name as created.
	if err := s.PutInlinePolicy(ctx, u, meta.InlinePolicy{Name: "S3READ", Document: doc(5)}); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetInlinePolicy(ctx, u, "S3Read")
	if err != nil || got != (meta.InlinePolicy{Name: "S3Read", Document: doc(5)}) {
		t.Errorf("replaced inline policy = %+v, %v", got, err)
	}
	ps, _ := s.ListInlinePolicies(ctx, u)
	if len(ps) != 3 || ps[1] != (meta.InlinePolicy{Name: "S3Read", Document: doc(5)}) {
		t.Errorf("ListInlinePolicies after replace = %+v", ps)
	}

	mkUser(t, s, "bob")
	runErrCases(t, []errCase{
		{"PutInlinePolicy missing user", func(ctx context.Context) error {
			return s.PutInlinePolicy(ctx, userOwner("nobody"), meta.InlinePolicy{Name: "p", Document: doc(1)})
		}, meta.ErrNoSuchEntity},
		{"PutInlinePolicy missing role", func(ctx context.Context) error {
			return s.PutInlinePolicy(ctx, roleOwner("bob"), meta.InlinePolicy{Name: "p", Document: doc(1)})
		}, meta.ErrNoSuchEntity},
		{"GetInlinePolicy missing policy", func(ctx context.Context) error { _, err := s.GetInlinePolicy(ctx, u, "nope"); return err }, meta.ErrNoSuchEntity},
		{"GetInlinePolicy other owner", func(ctx context.Context) error { _, err := s.GetInlinePolicy(ctx, r, "admin"); return err }, meta.ErrNoSuchEntity},
		{"GetInlinePolicy owner without any", func(ctx context.Context) error {
			_, err := s.GetInlinePolicy(ctx, userOwner("bob"), "admin")
			return err
		}, meta.ErrNoSuchEntity},
		{"GetInlinePolicy missing owner", func(ctx context.Context) error {
			_, err := s.GetInlinePolicy(ctx, userOwner("nobody"), "admin")
			return err
		}, meta.ErrNoSuchEntity},
		{"ListInlinePolicies missing owner", func(ctx context.Context) error { _, err := s.ListInlinePolicies(ctx, roleOwner("nobody")); return err }, meta.ErrNoSuchEntity},
		{"DeleteInlinePolicy missing policy", func(ctx context.Context) error { return s.DeleteInlinePolicy(ctx, u, "nope") }, meta.ErrNoSuchEntity},
		{"DeleteInlinePolicy other owner", func(ctx context.Context) error { return s.DeleteInlinePolicy(ctx, r, "Zeta") }, meta.ErrNoSuchEntity},
		{"DeleteInlinePolicy missing owner", func(ctx context.Context) error { return s.DeleteInlinePolicy(ctx, userOwner("nobody"), "Zeta") }, meta.ErrNoSuchEntity},
	})
	checkNames(t, "bob's inline policies", inlineNames(t, s, userOwner("bob")), nil)

	if err := s.DeleteInlinePolicy(ctx, u, "ZETA"); err != nil {
		t.Fatalf("DeleteInlinePolicy: %v", err)
	}
	checkNames(t, "after delete", inlineNames(t, s, u), []string{"admin", "S3Read"})
	checkNames(t, "role's after user's delete", inlineNames(t, s, r), []string{"RolePolicy"})
	_, err = s.GetInlinePolicy(ctx, u, "Zeta")
	wantErr(t, "GetInlinePolicy after delete", err, meta.ErrNoSuchEntity)
}

// Managed policies and attachments.

func testManagedPolicies(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	if ps, err := s.ListPolicies(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("ListPolicies on empty store = %v, %v", ps, err)
	}
	for i, n := range []string{"S3Full", "deploy", "Audit"} {
		p := managed(n, i)
		if err := s.CreatePolicy(ctx, p); err != nil {
			t.Fatalf("CreatePolicy(%q): %v", n, err)
		}
		got, err := s.GetPolicy(ctx, n)
		if err != nil {
			t.Fatalf("GetPolicy(%q): %v", n, err)
		}
		same(t, "GetPolicy "+n, got, p)
	}
	got, err := s.GetPolicy(ctx, "s3full")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetPolicy s3full", got, managed("S3Full", 0))
	ps, err := s.ListPolicies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkNames(t, "ListPolicies", names(ps, func(p meta.Policy) string { return p.Name }), []string{"Audit", "deploy", "S3Full"})

	mkUser(t, s, "alice")
	mkRole(t, s, "ops")
	runErrCases(t, []errCase{
		{"GetPolicy missing", func(ctx context.Context) error { _, err := s.GetPolicy(ctx, "nope"); return err }, meta.ErrNoSuchEntity},
		{"CreatePolicy other case", func(ctx context.Context) error { return s.CreatePolicy(ctx, managed("DEPLOY", 9)) }, meta.ErrEntityExists},
		{"DeletePolicy missing", func(ctx context.Context) error { return s.DeletePolicy(ctx, "nope") }, meta.ErrNoSuchEntity},
	})

	// DeletePolicy conflicts while the policy is attached to a user or a
	// role, under any path and spelling of its ARN, and only then.
	tests := []struct {
		name   string
		owner  meta.Owner
		arn    string
		policy string
		want   error
	}{
		{"user", userOwner("alice"), policyARN("deploy"), "Deploy", meta.ErrDeleteConflict},
		{"role", roleOwner("ops"), policyARN("deploy"), "deploy", meta.ErrDeleteConflict},
		{"path", userOwner("alice"), policyARN("team/a/Deploy"), "deploy", meta.ErrDeleteConflict},
		{"name case", roleOwner("ops"), policyARN("DEPLOY"), "deploy", meta.ErrDeleteConflict},
		{"partition", roleOwner("ops"), "arn:aws-cn:iam::" + acct + ":policy/deploy", "deploy", meta.ErrDeleteConflict},
		{"other name", userOwner("alice"), policyARN("deploy2"), "deploy", nil},
		{"name as path", userOwner("alice"), policyARN("deploy/x"), "deploy", nil},
		{"AWS managed", roleOwner("ops"), "arn:aws:iam::aws:policy/deploy", "deploy", nil},
		{"not a policy", roleOwner("ops"), "arn:aws:iam::" + acct + ":role/deploy", "deploy", nil},
	}
	for i, tc := range tests {
		p := managed(tc.policy, 10+i)
		if err := s.AttachPolicy(ctx, tc.owner, tc.arn); err != nil {
			t.Fatalf("%s: AttachPolicy: %v", tc.name, err)
		}
		err := s.DeletePolicy(ctx, tc.policy)
		if tc.want != nil {
			wantErr(t, "DeletePolicy attached ("+tc.name+")", err, tc.want)
			if _, err := s.GetPolicy(ctx, "deploy"); err != nil {
				t.Errorf("%s: failed DeletePolicy removed the policy: %v", tc.name, err)
			}
		} else if err != nil {
			t.Errorf("DeletePolicy with %s attached: %v", tc.name, err)
		}
		if err := s.DetachPolicy(ctx, tc.owner, tc.arn); err != nil {
			t.Fatalf("%s: DetachPolicy: %v", tc.name, err)
		}
		if tc.want != nil {
			if err := s.DeletePolicy(ctx, tc.policy); err != nil {
				t.Errorf("%s: DeletePolicy after detach: %v", tc.name, err)
			}
		}
		if err := s.CreatePolicy(ctx, p); err != nil {
			t.Fatalf("%s: CreatePolicy again: %v", tc.name, err)
		}
	}
	// A deleted policy's name is free again.
	if got, err := s.GetPolicy(ctx, "deploy"); err != nil || got.ID != managed("", 10+len(tests)-1).ID {
		t.Errorf("re-created policy = %+v, %v", got, err)
	}
}

func testAttachments(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	mkUser(t, s, "Alice")
	mkUser(t, s, "x")
	mkRole(t, s, "x")
	a, b, c := policyARN("A"), policyARN("B"), "arn:aws:iam::aws:policy/ReadOnlyAccess"
	u := userOwner("alice")

	for _, arn := range []string{c, a, b, a} {
		if err := s.AttachPolicy(ctx, u, arn); err != nil {
			t.Fatalf("AttachPolicy(%q): %v", arn, err)
		}
	}
	// Twice is once; ARNs come sorted.
	if err := s.AttachPolicy(ctx, userOwner("ALICE"), a); err != nil {
		t.Fatalf("AttachPolicy again: %v", err)
	}
	want := slices.Sorted(slices.Values([]string{a, b, c}))
	checkNames(t, "ListAttachedPolicies", attached(t, s, userOwner("aLICE")), want)
	if n := attachments(t, s, a); n != 1 {
		t.Errorf("PolicyAttachments after attaching twice = %d, want 1", n)
	}

	// The same ARN on a role and on a user of the same name: separate
	// owners.
	if err := s.AttachPolicy(ctx, roleOwner("X"), a); err != nil {
		t.Fatal(err)
	}
	if err := s.AttachPolicy(ctx, userOwner("x"), a); err != nil {
		t.Fatal(err)
	}
	if n := attachments(t, s, a); n != 3 {
		t.Errorf("PolicyAttachments = %d, want 3", n)
	}
	checkNames(t, "role x", attached(t, s, roleOwner("x")), []string{a})
	checkNames(t, "user x", attached(t, s, userOwner("x")), []string{a})

	runErrCases(t, []errCase{
		{"AttachPolicy missing user", func(ctx context.Context) error { return s.AttachPolicy(ctx, userOwner("nobody"), a) }, meta.ErrNoSuchEntity},
		{"AttachPolicy missing role", func(ctx context.Context) error { return s.AttachPolicy(ctx, roleOwner("alice"), a) }, meta.ErrNoSuchEntity},
		{"DetachPolicy not attached", func(ctx context.Context) error { return s.DetachPolicy(ctx, roleOwner("x"), b) }, meta.ErrNoSuchEntity},
		{"DetachPolicy never attached anywhere", func(ctx context.Context) error { return s.DetachPolicy(ctx, u, policyARN("Z")) }, meta.ErrNoSuchEntity},
		{"DetachPolicy ARN in other case", func(ctx context.Context) error { return s.DetachPolicy(ctx, u, policyARN("a")) }, meta.ErrNoSuchEntity},
		{"DetachPolicy missing owner", func(ctx context.Context) error { return s.DetachPolicy(ctx, userOwner("nobody"), a) }, meta.ErrNoSuchEntity},
		{"ListAttachedPolicies missing owner", func(ctx context.Context) error {
			_, err := s.ListAttachedPolicies(ctx, roleOwner("nobody"))
			return err
		}, meta.ErrNoSuchEntity},
	})
	if n := attachments(t, s, b); n != 1 {
		t.Errorf("PolicyAttachments(b) after failed detach = %d, want 1", n)
	}
	if n := attachments(t, s, policyARN("Z")); n != 0 {
		t.Errorf("PolicyAttachments of a policy never attached = %d", n)
	}

	if err := s.DetachPolicy(ctx, userOwner("ALICE"), a); err != nil {
		t.Fatalf("DetachPolicy: %v", err)
	}
	if n := attachments(t, s, a); n != 2 {
		t.Errorf("PolicyAttachments after detach = %d, want 2", n)
	}
	checkNames(t, "after detach", attached(t, s, u), []string{b, c})
	err := s.DetachPolicy(ctx, u, a)
	wantErr(t, "DetachPolicy twice", err, meta.ErrNoSuchEntity)
	for _, o := range []meta.Owner{roleOwner("x"), userOwner("x")} {
		if err := s.DetachPolicy(ctx, o, a); err != nil {
			t.Fatalf("DetachPolicy(%+v): %v", o, err)
		}
	}
	if n := attachments(t, s, a); n != 0 {
		t.Errorf("PolicyAttachments after detaching everywhere = %d", n)
	}
	checkNames(t, "user without attachments", attached(t, s, userOwner("x")), nil)
	// Attaching again after the count went to zero counts from zero.
	if err := s.AttachPolicy(ctx, roleOwner("x"), a); err != nil {
		t.Fatal(err)
	}
	if n := attachments(t, s, a); n != 1 {
		t.Errorf("PolicyAttachments after re-attach = %d, want 1", n)
	}
}

// testDeleteConflicts: a user or role with dependents stays, whole, until
// they are gone; then it goes without a trace, so a principal created
// again under the name starts empty.
func testDeleteConflicts(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	arn := policyARN("P")
	if err := s.CreatePolicy(ctx, managed("P", 1)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		role   bool
		add    func(ctx context.Context, name string) error
		remove func(ctx context.Context, name string) error
	}{
		{"user key", false,
			func(ctx context.Context, n string) error {
				return s.CreateAccessKey(ctx, accessKey("AKIA"+n, n, at(1)), 2)
			},
			func(ctx context.Context, n string) error { return s.DeleteAccessKey(ctx, n, "AKIA"+n, at(10)) }},
		{"inactive user key", false,
			func(ctx context.Context, n string) error {
				k := accessKey("AKIA"+n, n, at(1))
				k.Status = principal.KeyInactive
				return s.CreateAccessKey(ctx, k, 2)
			},
			func(ctx context.Context, n string) error { return s.DeleteAccessKey(ctx, n, "AKIA"+n, at(10)) }},
		{"user inline", false,
			func(ctx context.Context, n string) error {
				return s.PutInlinePolicy(ctx, userOwner(n), meta.InlinePolicy{Name: "p", Document: "{}"})
			},
			func(ctx context.Context, n string) error { return s.DeleteInlinePolicy(ctx, userOwner(n), "p") }},
		{"user attached", false,
			func(ctx context.Context, n string) error { return s.AttachPolicy(ctx, userOwner(n), arn) },
			func(ctx context.Context, n string) error { return s.DetachPolicy(ctx, userOwner(n), arn) }},
		{"role inline", true,
			func(ctx context.Context, n string) error {
				return s.PutInlinePolicy(ctx, roleOwner(n), meta.InlinePolicy{Name: "p", Document: "{}"})
			},
			func(ctx context.Context, n string) error { return s.DeleteInlinePolicy(ctx, roleOwner(n), "p") }},
		{"role attached", true,
			func(ctx context.Context, n string) error { return s.AttachPolicy(ctx, roleOwner(n), arn) },
			func(ctx context.Context, n string) error { return s.DetachPolicy(ctx, roleOwner(n), arn) }},
	}
	for i, tc := range tests {
		n := fmt.Sprintf("Principal%d", i)
		create, get, del := func() error { return s.CreateUser(ctx, user(n, i)) },
			func() error { _, err := s.GetUser(ctx, n); return err },
			func(name string) error { return s.DeleteUser(ctx, name) }
		if tc.role {
			create, get, del = func() error { return s.CreateRole(ctx, role(n, i)) },
				func() error { _, err := s.GetRole(ctx, n); return err },
				func(name string) error { return s.DeleteRole(ctx, name) }
		}
		if err := create(); err != nil {
			t.Fatalf("%s: create: %v", tc.name, err)
		}
		if err := tc.add(ctx, n); err != nil {
			t.Fatalf("%s: add: %v", tc.name, err)
		}
		wantErr(t, tc.name+": delete with dependent", del(strings.ToUpper(n)), meta.ErrDeleteConflict)
		if err := get(); err != nil {
			t.Errorf("%s: failed delete removed the principal: %v", tc.name, err)
		}
		// The dependent is still there: removing it succeeds.
		if err := tc.remove(ctx, n); err != nil {
			t.Fatalf("%s: remove: %v", tc.name, err)
		}
		if err := del(strings.ToLower(n)); err != nil {
			t.Fatalf("%s: delete: %v", tc.name, err)
		}
		wantErr(t, tc.name+": get after delete", get(), meta.ErrNoSuchEntity)
		if err := create(); err != nil {
			t.Fatalf("%s: create again: %v", tc.name, err)
		}
		o := userOwner(n)
		if tc.role {
			o = roleOwner(n)
		} else {
			checkNames(t, tc.name+": keys of re-created user", keyIDs(t, s, n), nil)
		}
		checkNames(t, tc.name+": inline of re-created principal", inlineNames(t, s, o), nil)
		checkNames(t, tc.name+": attached of re-created principal", attached(t, s, o), nil)
	}
	if n := attachments(t, s, arn); n != 0 {
		t.Errorf("PolicyAttachments after all = %d", n)
	}
	if err := s.DeletePolicy(ctx, "P"); err != nil {
		t.Errorf("DeletePolicy after all: %v", err)
	}

	// All dependents at once: each must go before the user does.
	mkUser(t, s, "full")
	steps := []struct {
		add, remove func(context.Context, string) error
	}{{tests[0].add, tests[0].remove}, {tests[2].add, tests[2].remove}, {tests[3].add, tests[3].remove}}
	for _, st := range steps {
		if err := st.add(ctx, "full"); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range steps {
		wantErr(t, "DeleteUser with dependents left", s.DeleteUser(ctx, "full"), meta.ErrDeleteConflict)
		if err := st.remove(ctx, "full"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteUser(ctx, "full"); err != nil {
		t.Errorf("DeleteUser after removing all: %v", err)
	}
}

// Sessions.

func testSessions(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	if ss, err := s.ListSessions(ctx); err != nil || len(ss) != 0 {
		t.Fatalf("ListSessions on empty store = %v, %v", ss, err)
	}
	full := session("ASIAFULL", at(3600))
	plain := meta.Session{AccessKeyID: "ASIAPLAIN", Kind: principal.SessionToken, Expiry: at(7200)}
	for _, sess := range []meta.Session{full, plain} {
		if err := s.PutSession(ctx, sess); err != nil {
			t.Fatalf("PutSession(%q): %v", sess.AccessKeyID, err)
		}
		got, err := s.GetSession(ctx, sess.AccessKeyID)
		if err != nil {
			t.Fatalf("GetSession(%q): %v", sess.AccessKeyID, err)
		}
		same(t, "GetSession "+sess.AccessKeyID, got, sess)
		if !got.TerminatedAt.IsZero() || got.TerminatedAt != (time.Time{}) {
			t.Errorf("standing session has TerminatedAt %v", got.TerminatedAt)
		}
	}
	for _, id := range []string{"ASIAC", "ASIAA", "ASIAB"} {
		if err := s.PutSession(ctx, session(id, at(100))); err != nil {
			t.Fatal(err)
		}
	}
	ss, err := s.ListSessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkNames(t, "ListSessions", names(ss, func(s meta.Session) string { return s.AccessKeyID }),
		[]string{"ASIAA", "ASIAB", "ASIAC", "ASIAFULL", "ASIAPLAIN"})
	if len(ss) == 5 {
		same(t, "listed session", ss[3], full)
	}

	runErrCases(t, []errCase{
		{"PutSession reused ID", func(ctx context.Context) error { return s.PutSession(ctx, session("ASIAFULL", at(1))) }, meta.ErrEntityExists},
		{"GetSession missing", func(ctx context.Context) error { _, err := s.GetSession(ctx, "ASIANONE"); return err }, meta.ErrNoSuchEntity},
		{"GetSession other case", func(ctx context.Context) error { _, err := s.GetSession(ctx, "asiafull"); return err }, meta.ErrNoSuchEntity},
		{"TerminateSession missing", func(ctx context.Context) error { return s.TerminateSession(ctx, "ASIANONE", at(5)) }, meta.ErrNoSuchEntity},
		{"TerminateSession zero time", func(ctx context.Context) error { return s.TerminateSession(ctx, "ASIAFULL", time.Time{}) }, meta.ErrInvalidArgument},
	})
	if got, _ := s.GetSession(ctx, "ASIAFULL"); !got.Expiry.Equal(full.Expiry) {
		t.Errorf("failed PutSession changed the session: %+v", got)
	}

	// The first termination time stands.
	if err := s.TerminateSession(ctx, "ASIAFULL", at(10)); err != nil {
		t.Fatalf("TerminateSession: %v", err)
	}
	if err := s.TerminateSession(ctx, "ASIAFULL", at(20)); err != nil {
		t.Fatalf("TerminateSession again: %v", err)
	}
	want := full
	want.TerminatedAt = at(10)
	got, _ := s.GetSession(ctx, "ASIAFULL")
	same(t, "terminated session", got, want)
	if got, _ := s.GetSession(ctx, "ASIAPLAIN"); !got.TerminatedAt.IsZero() {
		t.Errorf("TerminateSession touched another session: %+v", got)
	}
}

func testExpireSessions(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	expiries := map[string]time.Time{
		"ASIA1": at(100), "ASIA2": at(200), "ASIA3": at(200), "ASIA4": at(300),
		"ASIA5": at(-1000), "ASIA6": at(100).Add(time.Microsecond),
	}
	for id, e := range expiries {
		if err := s.PutSession(ctx, session(id, e)); err != nil {
			t.Fatal(err)
		}
	}
	// Termination rewrites the record; the session still expires.
	if err := s.TerminateSession(ctx, "ASIA1", at(50)); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		before time.Time
		n      int
		left   []string
	}{
		{at(-2000), 0, []string{"ASIA1", "ASIA2", "ASIA3", "ASIA4", "ASIA5", "ASIA6"}},
		{at(100), 1, []string{"ASIA1", "ASIA2", "ASIA3", "ASIA4", "ASIA6"}}, // strictly before
		{at(100).Add(time.Microsecond), 1, []string{"ASIA2", "ASIA3", "ASIA4", "ASIA6"}},
		{at(250), 3, []string{"ASIA4"}},
		{at(250), 0, []string{"ASIA4"}},
	}
	for i, st := range steps {
		n, err := s.DeleteSessionsExpiredBefore(ctx, st.before)
		if err != nil || n != st.n {
			t.Errorf("step %d: DeleteSessionsExpiredBefore = %d, %v, want %d", i, n, err, st.n)
		}
		ss, err := s.ListSessions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkNames(t, fmt.Sprintf("step %d: sessions left", i), names(ss, func(s meta.Session) string { return s.AccessKeyID }), st.left)
	}
	_, err := s.GetSession(ctx, "ASIA2")
	wantErr(t, "GetSession of an expired session", err, meta.ErrNoSuchEntity)
	// The ID is free again, and the new session expires on its own
	// time, not the old one's.
	if err := s.PutSession(ctx, session("ASIA2", at(1000))); err != nil {
		t.Fatalf("PutSession with a removed session's ID: %v", err)
	}
	if n, err := s.DeleteSessionsExpiredBefore(ctx, at(500)); err != nil || n != 1 {
		t.Errorf("DeleteSessionsExpiredBefore = %d, %v, want 1", n, err)
	}
	if _, err := s.GetSession(ctx, "ASIA2"); err != nil {
		t.Errorf("new session removed with the old one's expiry: %v", err)
	}
}

// Bucket policies.

func testBucketPolicies(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	doc1 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	doc2 := `{"Version":"2012-10-17","Statement":[]}`
	runErrCases(t, []errCase{
		{"PutBucketPolicy missing bucket", func(ctx context.Context) error { return s.PutBucketPolicy(ctx, "b", doc1) }, meta.ErrNoSuchBucket},
		{"GetBucketPolicy missing bucket", func(ctx context.Context) error { _, err := s.GetBucketPolicy(ctx, "b"); return err }, meta.ErrNoSuchBucket},
		{"DeleteBucketPolicy missing bucket", func(ctx context.Context) error { return s.DeleteBucketPolicy(ctx, "b") }, meta.ErrNoSuchBucket},
	})
	mkBucket(t, s, "b")
	mkBucket(t, s, "c")
	runErrCases(t, []errCase{
		{"GetBucketPolicy none", func(ctx context.Context) error { _, err := s.GetBucketPolicy(ctx, "b"); return err }, meta.ErrNoSuchBucketPolicy},
		{"DeleteBucketPolicy none", func(ctx context.Context) error { return s.DeleteBucketPolicy(ctx, "b") }, nil},
		{"PutBucketPolicy", func(ctx context.Context) error { return s.PutBucketPolicy(ctx, "b", doc1) }, nil},
		{"PutBucketPolicy bucket in other case", func(ctx context.Context) error { return s.PutBucketPolicy(ctx, "B", doc1) }, meta.ErrNoSuchBucket},
		{"GetBucketPolicy of another bucket", func(ctx context.Context) error { _, err := s.GetBucketPolicy(ctx, "c"); return err }, meta.ErrNoSuchBucketPolicy},
	})
	if got, err := s.GetBucketPolicy(ctx, "b"); err != nil || got != doc1 {
		t.Errorf("GetBucketPolicy = %q, %v", got, err)
	}
	if err := s.PutBucketPolicy(ctx, "b", doc2); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetBucketPolicy(ctx, "b"); err != nil || got != doc2 {
		t.Errorf("GetBucketPolicy after replace = %q, %v", got, err)
	}
	if err := s.DeleteBucketPolicy(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetBucketPolicy(ctx, "b")
	wantErr(t, "GetBucketPolicy after delete", err, meta.ErrNoSuchBucketPolicy)
	if err := s.DeleteBucketPolicy(ctx, "b"); err != nil {
		t.Errorf("DeleteBucketPolicy twice: %v", err)
	}

	// The policy lives and dies with its bucket.
	if err := s.PutBucketPolicy(ctx, "b", doc1); err != nil {
		t.Fatal(err)
	}
	put(t, s, object("b", "k", "b0001"))
	_, err = s.DeleteBucket(ctx, "b")
	wantErr(t, "DeleteBucket not empty", err, meta.ErrBucketNotEmpty)
	if got, err := s.GetBucketPolicy(ctx, "b"); err != nil || got != doc1 {
		t.Errorf("GetBucketPolicy after failed DeleteBucket = %q, %v", got, err)
	}
	del(t, s, "b", "k")
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetBucketPolicy(ctx, "b")
	wantErr(t, "GetBucketPolicy of a deleted bucket", err, meta.ErrNoSuchBucket)
	mkBucket(t, s, "b")
	_, err = s.GetBucketPolicy(ctx, "b")
	wantErr(t, "GetBucketPolicy of a re-created bucket", err, meta.ErrNoSuchBucketPolicy)
}

// testIdentityCopies: results are copies, and the store keeps none of the
// caller's slices.
func testIdentityCopies(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	mkUser(t, s, "u")
	k := accessKey("AKIACOPY", "u", at(1))
	in := slices.Clone(k.SealedSecret)
	if err := s.CreateAccessKey(ctx, k, 2); err != nil {
		t.Fatal(err)
	}
	clear(k.SealedSecret) // the caller reuses its buffer
	sess := session("ASIACOPY", at(100))
	inSecret, inHash := slices.Clone(sess.SealedSecret), slices.Clone(sess.TokenHash)
	if err := s.PutSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	clear(sess.SealedSecret)
	clear(sess.TokenHash)

	check := func(what string) {
		t.Helper()
		got, err := s.GetAccessKey(ctx, "AKIACOPY")
		if err != nil || !bytes.Equal(got.SealedSecret, in) {
			t.Errorf("%s: key secret %x, %v, want %x", what, got.SealedSecret, err, in)
		}
		gs, err := s.GetSession(ctx, "ASIACOPY")
		if err != nil || !bytes.Equal(gs.SealedSecret, inSecret) || !bytes.Equal(gs.TokenHash, inHash) {
			t.Errorf("%s: session secret %x hash %x, %v", what, gs.SealedSecret, gs.TokenHash, err)
		}
	}
	check("after the caller reused its buffers")

	got, _ := s.GetAccessKey(ctx, "AKIACOPY")
	clear(got.SealedSecret)
	ks, _ := s.ListAccessKeys(ctx, "u")
	for _, k := range ks {
		clear(k.SealedSecret)
	}
	gs, _ := s.GetSession(ctx, "ASIACOPY")
	clear(gs.SealedSecret)
	clear(gs.TokenHash)
	ss, _ := s.ListSessions(ctx)
	for _, x := range ss {
		clear(x.SealedSecret)
		clear(x.TokenHash)
	}
	check("after the caller changed results")

	// Two reads do not share memory either.
	a, _ := s.GetAccessKey(ctx, "AKIACOPY")
	b, _ := s.GetAccessKey(ctx, "AKIACOPY")
	a.SealedSecret[0] ^= 0xff
	if bytes.Equal(a.SealedSecret, b.SealedSecret) {
		t.Error("two GetAccessKey results share their secret")
	}
}

func testInvalidIdentityArguments(t *testing.T, s IdentityStore) {
	mkUser(t, s, "u")
	mkRole(t, s, "r")
	badOwner := meta.Owner{Kind: "group", Name: "u"}
	runErrCases(t, []errCase{
		{"CreateUser empty name", func(ctx context.Context) error { return s.CreateUser(ctx, user("", 1)) }, meta.ErrInvalidArgument},
		{"CreateRole empty name", func(ctx context.Context) error { return s.CreateRole(ctx, role("", 1)) }, meta.ErrInvalidArgument},
		{"CreatePolicy empty name", func(ctx context.Context) error { return s.CreatePolicy(ctx, managed("", 1)) }, meta.ErrInvalidArgument},
		{"CreateAccessKey empty ID", func(ctx context.Context) error { return s.CreateAccessKey(ctx, accessKey("", "u", t0), 2) }, meta.ErrInvalidArgument},
		{"CreateAccessKey empty status", func(ctx context.Context) error {
			k := accessKey("AKIAX", "u", t0)
			k.Status = ""
			return s.CreateAccessKey(ctx, k, 2)
		}, meta.ErrInvalidArgument},
		{"CreateAccessKey status in other case", func(ctx context.Context) error {
			k := accessKey("AKIAX", "u", t0)
			k.Status = "active"
			return s.CreateAccessKey(ctx, k, 2)
		}, meta.ErrInvalidArgument},
		{"PutInlinePolicy empty name", func(ctx context.Context) error {
			return s.PutInlinePolicy(ctx, userOwner("u"), meta.InlinePolicy{Document: "{}"})
		}, meta.ErrInvalidArgument},
		{"PutInlinePolicy bad owner kind", func(ctx context.Context) error {
			return s.PutInlinePolicy(ctx, badOwner, meta.InlinePolicy{Name: "p", Document: "{}"})
		}, meta.ErrInvalidArgument},
		{"ListInlinePolicies bad owner kind", func(ctx context.Context) error { _, err := s.ListInlinePolicies(ctx, badOwner); return err }, meta.ErrInvalidArgument},
		{"AttachPolicy bad owner kind", func(ctx context.Context) error { return s.AttachPolicy(ctx, badOwner, policyARN("p")) }, meta.ErrInvalidArgument},
		{"AttachPolicy empty ARN", func(ctx context.Context) error { return s.AttachPolicy(ctx, roleOwner("r"), "") }, meta.ErrInvalidArgument},
		{"PutSession empty ID", func(ctx context.Context) error { return s.PutSession(ctx, session("", at(1))) }, meta.ErrInvalidArgument},
		{"PutBucketPolicy empty doc", func(ctx context.Context) error {
			mkBucket(t, s, "b")
			return s.PutBucketPolicy(ctx, "b", "")
		}, meta.ErrInvalidArgument},
	})
	if ks := keyIDs(t, s, "u"); len(ks) != 0 {
		t.Errorf("invalid keys stored: %q", ks)
	}
}

// testKeyLimitConcurrent: the per-user limit holds against concurrent
// creates, which group commit may put in one transaction.
func testKeyLimitConcurrent(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	const users, perUser, limit = 3, 20, 2
	for u := range users {
		mkUser(t, s, fmt.Sprintf("user%d", u))
	}
	type result struct {
		user int
		err  error
	}
	results := make(chan result, users*perUser)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for u := range users {
		for i := range perUser {
			wg.Go(func() {
				<-start
				k := accessKey(fmt.Sprintf("AKIA%02d%04d", u, i), fmt.Sprintf("USER%d", u), at(i))
				results <- result{u, s.CreateAccessKey(ctx, k, limit)}
			})
		}
	}
	close(start)
	wg.Wait()
	close(results)
	ok := make([]int, users)
	for r := range results {
		switch {
		case r.err == nil:
			ok[r.user]++
		case errors.Is(r.err, meta.ErrLimitExceeded):
		default:
			t.Errorf("user%d: CreateAccessKey: %v", r.user, r.err)
		}
	}
	for u := range users {
		if ok[u] != limit {
			t.Errorf("user%d: %d of %d concurrent creates succeeded, want %d", u, ok[u], perUser, limit)
		}
		if ids := keyIDs(t, s, fmt.Sprintf("user%d", u)); len(ids) != limit {
			t.Errorf("user%d has keys %q, want %d", u, ids, limit)
		}
	}
}

// testIdentityConcurrency: concurrent creates of one name, attachments of
// one ARN, and session churn, under -race; then the final state.
func testIdentityConcurrency(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	var created int
	var failed []error
	fail := func(err error) {
		mu.Lock()
		failed = append(failed, err)
		mu.Unlock()
	}
	arn := policyARN("Shared")
	for i := range n {
		wg.Go(func() {
			// One spelling wins; the rest see it exists.
			name := "Same"
			if i%2 == 1 {
				name = "SAME"
			}
			switch err := s.CreateUser(ctx, user(name, i)); {
			case err == nil:
				mu.Lock()
				created++
				mu.Unlock()
			case !errors.Is(err, meta.ErrEntityExists):
				fail(err)
			}
			// Each worker's own user, attached twice to one ARN.
			own := fmt.Sprintf("w%d", i)
			if err := s.CreateUser(ctx, user(own, i)); err != nil {
				fail(err)
				return
			}
			for range 2 {
				if err := s.AttachPolicy(ctx, userOwner(own), arn); err != nil {
					fail(err)
				}
			}
			if i%4 == 0 {
				if err := s.DetachPolicy(ctx, userOwner(own), arn); err != nil {
					fail(err)
				}
			}
			id := fmt.Sprintf("ASIA%04d", i)
			if err := s.PutSession(ctx, session(id, at(i))); err != nil {
				fail(err)
			}
			if _, err := s.ListSessions(ctx); err != nil {
				fail(err)
			}
		})
	}
	wg.Wait()
	for _, err := range failed {
		t.Error(err)
	}
	if created != 1 {
		t.Errorf("%d concurrent creates of one name succeeded, want 1", created)
	}
	if got, want := attachments(t, s, arn), n-n/4; got != want {
		t.Errorf("PolicyAttachments = %d, want %d", got, want)
	}
	if got, err := s.DeleteSessionsExpiredBefore(ctx, at(n/2)); err != nil || got != n/2 {
		t.Errorf("DeleteSessionsExpiredBefore = %d, %v, want %d", got, err, n/2)
	}
	if ss, _ := s.ListSessions(ctx); len(ss) != n-n/2 {
		t.Errorf("%d sessions left, want %d", len(ss), n-n/2)
	}
}

func testIdentityClosed(t *testing.T, s IdentityStore) {
	mkUser(t, s, "u")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	runErrCases(t, []errCase{
		{"GetUser", func(ctx context.Context) error { _, err := s.GetUser(ctx, "u"); return err }, meta.ErrClosed},
		{"CreateUser", func(ctx context.Context) error { return s.CreateUser(ctx, user("v", 1)) }, meta.ErrClosed},
		{"CreateAccessKey", func(ctx context.Context) error { return s.CreateAccessKey(ctx, accessKey("AKIA", "u", t0), 2) }, meta.ErrClosed},
		{"ListAccessKeys", func(ctx context.Context) error { _, err := s.ListAccessKeys(ctx, "u"); return err }, meta.ErrClosed},
		{"UpdateRole", func(ctx context.Context) error {
			return s.UpdateRole(ctx, "r", func(*meta.Role) error { return nil })
		}, meta.ErrClosed},
		{"AttachPolicy", func(ctx context.Context) error { return s.AttachPolicy(ctx, userOwner("u"), policyARN("p")) }, meta.ErrClosed},
		{"PolicyAttachments", func(ctx context.Context) error { _, err := s.PolicyAttachments(ctx, policyARN("p")); return err }, meta.ErrClosed},
		{"PutSession", func(ctx context.Context) error { return s.PutSession(ctx, session("ASIA", at(1))) }, meta.ErrClosed},
		{"DeleteSessionsExpiredBefore", func(ctx context.Context) error { _, err := s.DeleteSessionsExpiredBefore(ctx, at(1)); return err }, meta.ErrClosed},
		{"GetDeletedAccessKey", func(ctx context.Context) error { _, err := s.GetDeletedAccessKey(ctx, "AKIA"); return err }, meta.ErrClosed},
		{"DeleteAccessKeyTombstonesBefore", func(ctx context.Context) error {
			_, err := s.DeleteAccessKeyTombstonesBefore(ctx, at(1))
			return err
		}, meta.ErrClosed},
		{"GetBucketPolicy", func(ctx context.Context) error { _, err := s.GetBucketPolicy(ctx, "b"); return err }, meta.ErrClosed},
	})
}
