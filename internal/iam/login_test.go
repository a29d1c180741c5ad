package iam

import (
	"errors"
	"strings"
	"testing"
	"time"

	"signet/internal/meta"
	"signet/internal/password"
	"signet/internal/principal"
)

// cheapPasswords keep the tests light; a hash names its parameters, so
// nothing else depends on them.
var cheapPasswords = password.Params{Time: 1, Memory: 64, Threads: 1}

func TestCheckPasswordPolicyDefaultRules(t *testing.T) {
	for pw, ok := range map[string]bool{
		"Abcdef1!":  true,  // 8, four kinds
		"abcdef12!": true,  // three kinds
		"ABCDEFG1a": true,  // three kinds
		"Abc1!xy":   false, // 7 characters
		"abcdefgh1": false, // two kinds
		"abcdefghi": false, // one kind
		"ABCDEFGH~": false, // ~ is not one of IAM's symbols: two kinds
	} {
		err := CheckPasswordPolicy(pw, nil)
		if ok && err != nil {
			t.Errorf("%q refused by the default rules: %v", pw, err)
		}
		if !ok {
			wantErr(t, err, KindPasswordPolicyViolation, &Error{Reason: ReasonPasswordDefaultPolicy})
		}
	}
}

func TestCheckPasswordPolicyRules(t *testing.T) {
	all := &meta.PasswordPolicy{MinimumPasswordLength: 10, RequireSymbols: true, RequireNumbers: true,
		RequireUppercaseCharacters: true, RequireLowercaseCharacters: true}
	for _, c := range []struct {
		pw   string
		want *Error
	}{
		{"Abcdef12!", &Error{Reason: ReasonPasswordTooShort, Limit: 10}},
		{"Abcdefgh12", &Error{Reason: ReasonPasswordNeedsSymbol}},
		{"Abcdefgh!!", &Error{Reason: ReasonPasswordNeedsNumber}},
		{"abcdefgh1!", &Error{Reason: ReasonPasswordNeedsUppercase}},
		{"ABCDEFGH1!", &Error{Reason: ReasonPasswordNeedsLowercase}},
		{"Abcdefgh1'", nil},
		{"Ünïcödé1!Ab", nil}, // length in characters, not bytes; Latin-1 letters count as no kind
	} {
		err := CheckPasswordPolicy(c.pw, all)
		if c.want == nil {
			if err != nil {
				t.Errorf("%q: %v", c.pw, err)
			}
			continue
		}
		wantErr(t, err, KindPasswordPolicyViolation, c.want)
	}
	// A policy without requirements takes any password of its length,
	// even one the default rules refuse.
	if err := CheckPasswordPolicy("aaaaaa", &meta.PasswordPolicy{MinimumPasswordLength: 6}); err != nil {
		t.Errorf("six lowercase letters under a 6-character policy: %v", err)
	}
}

func TestValidatePasswordNeverEchoes(t *testing.T) {
	for _, pw := range []string{"", strings.Repeat("x", 129), "Pa55word€!"} {
		err := validatePassword(pw, "password")
		var e *Error
		if !errors.As(err, &e) || e.Reason != ReasonConstraint || !e.Violation.Sensitive || e.Violation.Value != "" {
			t.Errorf("validatePassword(%d chars) = %#v, want a sensitive constraint error", len(pw), err)
		}
	}
	if err := validatePassword(strings.Repeat("ÿ", 128)+"", "password"); err != nil {
		t.Errorf("128 Latin-1 characters (256 bytes): %v", err)
	}
	if err := validatePassword("tab\there\r\n", "password"); err != nil {
		t.Errorf("tab, CR and LF are allowed: %v", err)
	}
}

func TestLoginProfileStoresOnlyAHash(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	mustUser(t, f, "bob")
	p, err := f.svc.CreateLoginProfile(ctx, "bob", "Secr3t!pass", true)
	if err != nil {
		t.Fatal(err)
	}
	if !p.PasswordResetRequired || !p.Created.Equal(t0) {
		t.Errorf("profile %+v", p)
	}
	stored, _ := f.store.GetLoginProfile(ctx, "bob")
	if strings.Contains(stored.PasswordHash, "Secr3t") || !strings.HasPrefix(stored.PasswordHash, "$argon2id$") {
		t.Errorf("stored %q, want an Argon2id hash", stored.PasswordHash)
	}
	_, err = f.svc.CreateLoginProfile(ctx, "bob", "Secr3t!pass", false)
	wantErr(t, err, KindEntityAlreadyExists, &Error{Reason: ReasonLoginProfileExists, Name: "bob"})
	_, err = f.svc.CreateLoginProfile(ctx, "nobody", "Secr3t!pass", false)
	wantErr(t, err, KindNoSuchEntity, &Error{Reason: ReasonNoSuchUser, Name: "nobody"})
	err = f.svc.DeleteUser(ctx, "bob")
	wantErr(t, err, KindDeleteConflict, &Error{Reason: ReasonUserHasLoginProfile})
}

func mustUser(t *testing.T, f *fixture, name string) {
	t.Helper()
	if _, err := f.svc.CreateUser(t.Context(), name, ""); err != nil {
		t.Fatal(err)
	}
}

// CheckPassword: one refusal for every wrong case; a right password says
// what the sign-in still needs, judged on the injected clock.
func TestCheckPassword(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	mustUser(t, f, "bob")
	mustUser(t, f, "carol") // no login profile
	if _, err := f.svc.CreateLoginProfile(ctx, "bob", "Secr3t!pass", false); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]string{{"bob", "secr3t!pass"}, {"bob", ""}, {"nobody", "Secr3t!pass"}, {"carol", "Secr3t!pass"}} {
		if _, _, err := f.svc.CheckPassword(ctx, c[0], c[1]); !errors.Is(err, ErrSignInRefused) {
			t.Errorf("CheckPassword(%s, …) = %v, want ErrSignInRefused", c[0], err)
		}
	}
	status := func(want LoginStatus) {
		t.Helper()
		u, got, err := f.svc.CheckPassword(ctx, "BOB", "Secr3t!pass")
		if err != nil || got != want || u.Name != "bob" {
			t.Fatalf("CheckPassword = %+v, %v, %v; want bob, %v", u, got, err, want)
		}
	}
	status(LoginOK)
	reset := true
	if err := f.svc.UpdateLoginProfile(ctx, "bob", nil, &reset); err != nil {
		t.Fatal(err)
	}
	status(LoginResetRequired)

	// Passwords expire MaxPasswordAge days after they were set.
	age := 30
	if err := f.svc.UpdateAccountPasswordPolicy(ctx, PasswordPolicyInput{MaxPasswordAge: &age}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30*24*time.Hour - time.Second)
	status(LoginResetRequired)
	f.clock.Advance(time.Second)
	status(LoginExpired)
	hard := true
	if err := f.svc.UpdateAccountPasswordPolicy(ctx, PasswordPolicyInput{MaxPasswordAge: &age, HardExpiry: &hard}); err != nil {
		t.Fatal(err)
	}
	status(LoginExpiredHard)
	// A new password starts a new age.
	pw := "N3w!password"
	if err := f.svc.UpdateLoginProfile(ctx, "bob", &pw, nil); err != nil {
		t.Fatal(err)
	}
	if _, got, err := f.svc.CheckPassword(ctx, "bob", pw); err != nil || got != LoginResetRequired {
		t.Errorf("after a new password: %v, %v; want reset required (still set)", got, err)
	}
	if _, _, err := f.svc.CheckPassword(ctx, "bob", "Secr3t!pass"); !errors.Is(err, ErrSignInRefused) {
		t.Errorf("the old password still signs in: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	mustUser(t, f, "bob")
	bob := principal.Principal{UserName: "bob", AccessKeyID: "AKIABOB"}
	for _, p := range []principal.Principal{
		{IsRoot: true}, {UserName: "bob", SessionKind: principal.SessionAssumedRole}, {RoleName: "R", SessionKind: principal.SessionAssumedRole},
	} {
		wantErr(t, f.svc.ChangePassword(ctx, p, "a", "b"), KindInvalidUserType, &Error{Reason: ReasonNotAnIAMUser})
	}
	wantErr(t, f.svc.ChangePassword(ctx, bob, "First!pass1", "Second!pass2"), KindNoSuchEntity, &Error{Reason: ReasonNoSuchLoginProfile, Name: "bob"})
	if _, err := f.svc.CreateLoginProfile(ctx, "bob", "First!pass1", true); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.svc.ChangePassword(ctx, bob, "first!pass1", "Second!pass2"), KindForbidden, &Error{Reason: ReasonWrongPassword})
	reuse := 2
	if err := f.svc.UpdateAccountPasswordPolicy(ctx, PasswordPolicyInput{PasswordReusePrevention: &reuse}); err != nil {
		t.Fatal(err)
	}
	change := func(from, to string) error { return f.svc.ChangePassword(ctx, bob, from, to) }
	wantErr(t, change("First!pass1", "First!pass1"), KindPasswordPolicyViolation, &Error{Reason: ReasonPasswordReused, Limit: 2})
	wantErr(t, change("First!pass1", "short"), KindPasswordPolicyViolation, &Error{Reason: ReasonPasswordTooShort, Limit: 6})
	if err := change("First!pass1", "Second!pass2"); err != nil {
		t.Fatal(err)
	}
	if _, st, err := f.svc.CheckPassword(ctx, "bob", "Second!pass2"); err != nil || st != LoginOK {
		t.Errorf("after ChangePassword: %v, %v; want ok (the reset flag cleared)", st, err)
	}
	// The last two passwords are refused, the third back is allowed.
	wantErr(t, change("Second!pass2", "First!pass1"), KindPasswordPolicyViolation, &Error{Reason: ReasonPasswordReused, Limit: 2})
	if err := change("Second!pass2", "Third!pass3"); err != nil {
		t.Fatal(err)
	}
	if err := change("Third!pass3", "First!pass1"); err != nil {
		t.Errorf("the password three back is refused: %v", err)
	}
	stored, _ := f.store.GetLoginProfile(ctx, "bob")
	if len(stored.History) != 3 {
		t.Errorf("history holds %d hashes, want 3", len(stored.History))
	}
}

func TestPasswordHistoryIsBounded(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	mustUser(t, f, "bob")
	if _, err := f.svc.CreateLoginProfile(ctx, "bob", "Pass!word0", false); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= meta.PasswordHistoryMax+3; i++ {
		pw := "Pass!word" + string(rune('A'+i))
		if err := f.svc.UpdateLoginProfile(ctx, "bob", &pw, nil); err != nil {
			t.Fatal(err)
		}
	}
	stored, _ := f.store.GetLoginProfile(ctx, "bob")
	if len(stored.History) != meta.PasswordHistoryMax {
		t.Errorf("history holds %d hashes, want %d", len(stored.History), meta.PasswordHistoryMax)
	}
}

func TestAccountPasswordPolicyBounds(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	_, err := f.svc.GetAccountPasswordPolicy(ctx)
	wantErr(t, err, KindNoSuchEntity, &Error{Reason: ReasonNoPasswordPolicy, Name: acct})
	wantErr(t, f.svc.DeleteAccountPasswordPolicy(ctx), KindNoSuchEntity, &Error{Reason: ReasonNoPasswordPolicyToDelete})
	n := func(v int) *int { return &v }
	for _, c := range []struct {
		in   PasswordPolicyInput
		want Violation
	}{
		{PasswordPolicyInput{MinimumPasswordLength: n(5)}, Violation{Field: "minimumPasswordLength", Value: "5", Rule: RuleMinValue, Limit: 6}},
		{PasswordPolicyInput{MinimumPasswordLength: n(129)}, Violation{Field: "minimumPasswordLength", Value: "129", Rule: RuleMaxValue, Limit: 128}},
		{PasswordPolicyInput{MaxPasswordAge: n(0)}, Violation{Field: "maxPasswordAge", Value: "0", Rule: RuleMinValue, Limit: 1}},
		{PasswordPolicyInput{MaxPasswordAge: n(1096)}, Violation{Field: "maxPasswordAge", Value: "1096", Rule: RuleMaxValue, Limit: 1095}},
		{PasswordPolicyInput{PasswordReusePrevention: n(25)}, Violation{Field: "passwordReusePrevention", Value: "25", Rule: RuleMaxValue, Limit: 24}},
	} {
		wantErr(t, f.svc.UpdateAccountPasswordPolicy(ctx, c.in), KindValidation, &Error{Reason: ReasonConstraint, Violation: c.want})
	}
	if err := f.svc.UpdateAccountPasswordPolicy(ctx, PasswordPolicyInput{RequireNumbers: true}); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.GetAccountPasswordPolicy(ctx)
	if err != nil || p.MinimumPasswordLength != 6 || !p.RequireNumbers || p.HardExpiry != nil || p.MaxPasswordAge != 0 {
		t.Errorf("policy set without a length = %+v, %v; want IAM's default length 6", p, err)
	}
	if err := f.svc.DeleteAccountPasswordPolicy(ctx); err != nil {
		t.Fatal(err)
	}
}
