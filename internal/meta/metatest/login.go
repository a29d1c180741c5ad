package metatest

import (
	"errors"
	"reflect"
	"testing"

	"signet/internal/meta"
)

func loginProfile(user string, sec int) meta.LoginProfile {
	return meta.LoginProfile{UserName: user, Created: at(sec), PasswordHash: "$argon2id$h" + user, PasswordSet: at(sec)}
}

// testLoginProfiles: a profile needs its user, is one per user, keeps
// every field (history in order), takes the user's name as created and
// ID, is found by any case of the name, is updated in place (UserName,
// UserID and Created kept; fn's error aborts), blocks DeleteUser until
// deleted, and is not inherited by a user created again under the name.
func testLoginProfiles(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	if err := s.CreateLoginProfile(ctx, loginProfile("Nobody", 1)); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Fatalf("CreateLoginProfile for a missing user: %v, want ErrNoSuchEntity", err)
	}
	mkUser(t, s, "Alice")
	if _, err := s.GetLoginProfile(ctx, "Alice"); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Fatalf("GetLoginProfile before any: %v, want ErrNoSuchEntity", err)
	}
	p := loginProfile("alice", 2)
	p.PasswordResetRequired = true
	p.History = []string{"old1", "old2"}
	if err := s.CreateLoginProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLoginProfile(ctx, loginProfile("ALICE", 3)); !errors.Is(err, meta.ErrEntityExists) {
		t.Fatalf("second CreateLoginProfile: %v, want ErrEntityExists", err)
	}
	want := p
	want.UserName, want.UserID = "Alice", user("Alice", len("Alice")).ID
	got, err := s.GetLoginProfile(ctx, "aLiCe")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetLoginProfile = %+v, %v; want %+v", got, err, want)
	}

	err = s.UpdateLoginProfile(ctx, "alice", func(lp *meta.LoginProfile) error {
		lp.UserName, lp.UserID, lp.Created = "Mallory", "AIDAX", at(99)
		lp.PasswordResetRequired = false
		lp.History = append([]string{lp.PasswordHash}, lp.History...)
		lp.PasswordHash, lp.PasswordSet = "$argon2id$new", at(50)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want.PasswordResetRequired = false
	want.History = []string{p.PasswordHash, "old1", "old2"}
	want.PasswordHash, want.PasswordSet = "$argon2id$new", at(50)
	if got, err := s.GetLoginProfile(ctx, "Alice"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after UpdateLoginProfile = %+v, %v; want %+v", got, err, want)
	}
	boom := errors.New("boom")
	if err := s.UpdateLoginProfile(ctx, "Alice", func(lp *meta.LoginProfile) error { lp.PasswordHash = "x"; return boom }); err != boom {
		t.Fatalf("UpdateLoginProfile with a failing fn: %v, want fn's error", err)
	}
	if got, _ := s.GetLoginProfile(ctx, "Alice"); got.PasswordHash != want.PasswordHash {
		t.Errorf("a failed update changed the hash to %q", got.PasswordHash)
	}
	if err := s.UpdateLoginProfile(ctx, "Bob", func(*meta.LoginProfile) error { return nil }); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Errorf("UpdateLoginProfile of a missing user: %v", err)
	}

	if err := s.DeleteUser(ctx, "Alice"); !errors.Is(err, meta.ErrDeleteConflict) {
		t.Fatalf("DeleteUser with a login profile: %v, want ErrDeleteConflict", err)
	}
	if err := s.DeleteLoginProfile(ctx, "ALICE"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteLoginProfile(ctx, "Alice"); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Fatalf("second DeleteLoginProfile: %v, want ErrNoSuchEntity", err)
	}
	if err := s.DeleteUser(ctx, "Alice"); err != nil {
		t.Fatalf("DeleteUser once the profile is gone: %v", err)
	}

	// A user created again under the name starts without a profile.
	mkUser(t, s, "Carol")
	if err := s.CreateLoginProfile(ctx, loginProfile("Carol", 4)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteLoginProfile(ctx, "Carol"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "Carol"); err != nil {
		t.Fatal(err)
	}
	again := user("Carol", 77)
	if err := s.CreateUser(ctx, again); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetLoginProfile(ctx, "Carol"); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Errorf("a user created again inherits a login profile: %v", err)
	}
	if err := s.CreateLoginProfile(ctx, loginProfile("Carol", 5)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetLoginProfile(ctx, "Carol"); err != nil || got.UserID != again.ID {
		t.Errorf("the new user's profile = %+v, %v; want bound to %s", got, err, again.ID)
	}
}

// testAccountPasswordPolicy: none until put; every field kept (HardExpiry
// nil, false and true apart); the last put wins; delete removes it, and a
// second delete is ErrNoSuchEntity; results are copies.
func testAccountPasswordPolicy(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	read := func(want *meta.PasswordPolicy) {
		t.Helper()
		got, err := s.GetAccountPasswordPolicy(ctx)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("GetAccountPasswordPolicy = %+v, %v; want %+v", got, err, want)
		}
	}
	read(nil)
	if err := s.DeleteAccountPasswordPolicy(ctx); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Fatalf("DeleteAccountPasswordPolicy with none: %v, want ErrNoSuchEntity", err)
	}
	f, tr := false, true
	for _, p := range []meta.PasswordPolicy{
		{MinimumPasswordLength: 6},
		{MinimumPasswordLength: 128, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true,
			RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, MaxPasswordAge: 1095, PasswordReusePrevention: 24, HardExpiry: &tr},
		{MinimumPasswordLength: 14, RequireNumbers: true, HardExpiry: &f},
		{MinimumPasswordLength: 8, AllowUsersToChangePassword: true, MaxPasswordAge: 90},
	} {
		if err := s.PutAccountPasswordPolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
		read(&p)
	}
	got, _ := s.GetAccountPasswordPolicy(ctx)
	got.MinimumPasswordLength = 99
	read(&meta.PasswordPolicy{MinimumPasswordLength: 8, AllowUsersToChangePassword: true, MaxPasswordAge: 90})
	if err := s.DeleteAccountPasswordPolicy(ctx); err != nil {
		t.Fatal(err)
	}
	read(nil)
}
