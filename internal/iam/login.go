package iam

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"signet/internal/meta"
	"signet/internal/password"
	"signet/internal/principal"
)

// Login profiles (console passwords) and the account's password policy,
// with IAM's rules: a password is 1 to 128 characters from tab, line
// feed, carriage return and U+0020..U+00FF; it must satisfy the account's
// policy, or IAM's default rules while none is set; the policy's
// PasswordReusePrevention refuses the last N passwords when a password is
// changed. Passwords are kept only as Argon2id hashes (package password).

// Password policy bounds and defaults, as UpdateAccountPasswordPolicy
// documents them.
const (
	MinPasswordLengthFloor   = 6
	MaxPasswordLength        = 128
	DefaultMinPasswordLength = 6 // when a policy is set without one
	MaxPasswordAgeDays       = 1095
	MaxPasswordReuse         = meta.PasswordHistoryMax

	// defaultPolicyLength and defaultPolicyKinds are IAM's default rules,
	// which apply while no policy is set.
	defaultPolicyLength = 8
	defaultPolicyKinds  = 3
)

// passwordSymbols are the characters IAM's RequireSymbols counts.
const passwordSymbols = "!@#$%^&*()_+-=[]{}|'"

// ErrSignInRefused is CheckPassword's one answer for a wrong user name, a
// user without a login profile and a wrong password alike, so that a
// sign-in page cannot be used to learn which users exist.
var ErrSignInRefused = errors.New("iam: user name or password incorrect")

// LoginStatus is what a correct password still requires at sign-in.
type LoginStatus int

const (
	// LoginOK: the user may sign in.
	LoginOK LoginStatus = iota
	// LoginResetRequired: the user must set a new password first
	// (PasswordResetRequired).
	LoginResetRequired
	// LoginExpired: the password is older than the policy's
	// MaxPasswordAge; the user must set a new one first.
	LoginExpired
	// LoginExpiredHard: expired under a policy with HardExpiry: only an
	// administrator can set a new password.
	LoginExpiredHard
)

func (s LoginStatus) String() string {
	return [...]string{"ok", "reset required", "expired", "expired, administrator reset required"}[s]
}

// validatePassword applies passwordType: 1..128 characters of the
// pattern. The value is never echoed (Sensitive).
func validatePassword(pw, field string) error {
	n := 0
	for _, r := range pw {
		n++
		if !(r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xFF) {
			return violated(Violation{Field: field, Sensitive: true, Rule: RulePattern, Set: `[\u0009\u000A\u000D\u0020-\u00FF]+`})
		}
	}
	switch {
	case n < 1:
		return violated(Violation{Field: field, Sensitive: true, Rule: RuleMinLength, Limit: 1})
	case n > MaxPasswordLength:
		return violated(Violation{Field: field, Sensitive: true, Rule: RuleMaxLength, Limit: MaxPasswordLength})
	}
	return nil
}

// passwordKinds reports which kinds of character pw holds: uppercase and
// lowercase ISO basic Latin letters, digits, and IAM's symbols.
func passwordKinds(pw string) (upper, lower, number, symbol bool) {
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			number = true
		case strings.ContainsRune(passwordSymbols, r):
			symbol = true
		}
	}
	return
}

// CheckPasswordPolicy applies the account's policy p to a new password, or
// IAM's default rules when p is nil: at least 8 characters and three of
// the four kinds. The first rule broken is reported, in the order IAM
// lists them: length, symbols, numbers, uppercase, lowercase.
func CheckPasswordPolicy(pw string, p *meta.PasswordPolicy) error {
	length := len([]rune(pw))
	upper, lower, number, symbol := passwordKinds(pw)
	if p == nil {
		kinds := 0
		for _, k := range []bool{upper, lower, number, symbol} {
			if k {
				kinds++
			}
		}
		if length < defaultPolicyLength || kinds < defaultPolicyKinds {
			return newError(ReasonPasswordDefaultPolicy)
		}
		return nil
	}
	switch {
	case length < p.MinimumPasswordLength:
		e := newError(ReasonPasswordTooShort)
		e.Limit = p.MinimumPasswordLength
		return e
	case p.RequireSymbols && !symbol:
		return newError(ReasonPasswordNeedsSymbol)
	case p.RequireNumbers && !number:
		return newError(ReasonPasswordNeedsNumber)
	case p.RequireUppercaseCharacters && !upper:
		return newError(ReasonPasswordNeedsUppercase)
	case p.RequireLowercaseCharacters && !lower:
		return newError(ReasonPasswordNeedsLowercase)
	}
	return nil
}

// acceptPassword validates pw and applies the account's policy to it.
func (s *Service) acceptPassword(ctx context.Context, pw, field string) (*meta.PasswordPolicy, error) {
	if err := validatePassword(pw, field); err != nil {
		return nil, err
	}
	pol, err := s.store.GetAccountPasswordPolicy(ctx)
	if err != nil {
		return nil, err
	}
	return pol, CheckPasswordPolicy(pw, pol)
}

// hash hashes a password with the service's parameters.
func (s *Service) hash(pw string) (string, error) { return password.Hash(pw, s.passwordParams) }

// CreateLoginProfile gives a user a console password.
func (s *Service) CreateLoginProfile(ctx context.Context, userName, pw string, resetRequired bool) (meta.LoginProfile, error) {
	if _, err := s.GetUser(ctx, userName); err != nil {
		return meta.LoginProfile{}, err
	}
	if _, err := s.acceptPassword(ctx, pw, "password"); err != nil {
		return meta.LoginProfile{}, err
	}
	h, err := s.hash(pw)
	if err != nil {
		return meta.LoginProfile{}, err
	}
	now := s.now()
	p := meta.LoginProfile{UserName: userName, Created: now, PasswordResetRequired: resetRequired, PasswordHash: h, PasswordSet: now}
	switch err := s.store.CreateLoginProfile(ctx, p); {
	case errors.Is(err, meta.ErrEntityExists):
		return meta.LoginProfile{}, named(ReasonLoginProfileExists, userName)
	case errors.Is(err, meta.ErrNoSuchEntity):
		return meta.LoginProfile{}, noSuchUser(userName)
	case err != nil:
		return meta.LoginProfile{}, err
	}
	return s.GetLoginProfile(ctx, userName)
}

// GetLoginProfile returns a user's login profile.
func (s *Service) GetLoginProfile(ctx context.Context, userName string) (meta.LoginProfile, error) {
	if _, err := s.GetUser(ctx, userName); err != nil {
		return meta.LoginProfile{}, err
	}
	p, err := s.store.GetLoginProfile(ctx, userName)
	if err != nil {
		return meta.LoginProfile{}, lookupErr(err, func() *Error { return named(ReasonNoSuchLoginProfile, userName) })
	}
	return p, nil
}

// UpdateLoginProfile sets a user's password (when pw is not nil) and
// PasswordResetRequired (when reset is not nil). A new password must
// satisfy the policy, and may not be one of the last
// PasswordReusePrevention.
func (s *Service) UpdateLoginProfile(ctx context.Context, userName string, pw *string, reset *bool) error {
	cur, err := s.GetLoginProfile(ctx, userName)
	if err != nil {
		return err
	}
	var newHash string
	if pw != nil {
		if newHash, err = s.newPassword(ctx, cur, *pw, "password"); err != nil {
			return err
		}
	}
	return s.setPassword(ctx, userName, newHash, reset)
}

// newPassword checks a password replacing cur's (policy and reuse) and
// returns its hash.
func (s *Service) newPassword(ctx context.Context, cur meta.LoginProfile, pw, field string) (string, error) {
	pol, err := s.acceptPassword(ctx, pw, field)
	if err != nil {
		return "", err
	}
	if pol != nil && pol.PasswordReusePrevention > 0 {
		if err := checkReuse(cur, pw, pol.PasswordReusePrevention); err != nil {
			return "", err
		}
	}
	return s.hash(pw)
}

// checkReuse refuses pw if it is one of the last n passwords: the current
// one and the n-1 before it.
func checkReuse(cur meta.LoginProfile, pw string, n int) error {
	recent := append([]string{cur.PasswordHash}, cur.History...)
	for _, h := range recent[:min(n, len(recent))] {
		// A hash that does not parse matches nothing; it cannot block a
		// new password.
		if ok, _ := password.Verify(pw, h); ok {
			e := newError(ReasonPasswordReused)
			e.Limit = n
			return e
		}
	}
	return nil
}

// setPassword stores a new hash (if not "") with its time, moving the old
// one into the history, and the reset flag (if not nil).
func (s *Service) setPassword(ctx context.Context, userName, newHash string, reset *bool) error {
	now := s.now()
	err := s.store.UpdateLoginProfile(ctx, userName, func(p *meta.LoginProfile) error {
		if newHash != "" {
			p.History = append([]string{p.PasswordHash}, p.History...)
			if len(p.History) > meta.PasswordHistoryMax {
				p.History = p.History[:meta.PasswordHistoryMax]
			}
			p.PasswordHash, p.PasswordSet = newHash, now
		}
		if reset != nil {
			p.PasswordResetRequired = *reset
		}
		return nil
	})
	return lookupErr(err, func() *Error { return named(ReasonNoSuchLoginProfile, userName) })
}

// DeleteLoginProfile removes a user's console password.
func (s *Service) DeleteLoginProfile(ctx context.Context, userName string) error {
	if _, err := s.GetUser(ctx, userName); err != nil {
		return err
	}
	err := s.store.DeleteLoginProfile(ctx, userName)
	return lookupErr(err, func() *Error { return named(ReasonNoSuchLoginProfile, userName) })
}

// ChangePassword changes the calling IAM user's own password: root,
// sessions and anything but a user's own long-term keys are
// InvalidUserType. The old password must be right; the new one must
// satisfy the policy and not be a recent one. It clears
// PasswordResetRequired.
func (s *Service) ChangePassword(ctx context.Context, caller principal.Principal, oldPw, newPw string) error {
	if caller.IsRoot || caller.SessionKind != "" || caller.UserName == "" {
		return newError(ReasonNotAnIAMUser)
	}
	if err := validatePassword(oldPw, "oldPassword"); err != nil {
		return err
	}
	cur, err := s.GetLoginProfile(ctx, caller.UserName)
	if err != nil {
		return err
	}
	if ok, err := password.Verify(oldPw, cur.PasswordHash); err != nil || !ok {
		return newError(ReasonWrongPassword)
	}
	h, err := s.newPassword(ctx, cur, newPw, "newPassword")
	if err != nil {
		return err
	}
	cleared := false
	return s.setPassword(ctx, caller.UserName, h, &cleared)
}

// CheckPassword verifies a user's console password in constant time and
// says what the sign-in still requires. A missing user, a user without a
// login profile and a wrong password are all ErrSignInRefused; the work
// done is the same for each, so the time taken does not tell them apart.
func (s *Service) CheckPassword(ctx context.Context, userName, pw string) (meta.User, LoginStatus, error) {
	u, uerr := s.store.GetUser(ctx, userName)
	p, perr := s.store.GetLoginProfile(ctx, userName)
	for _, err := range []error{uerr, perr} {
		if err != nil && !errors.Is(err, meta.ErrNoSuchEntity) {
			return meta.User{}, 0, err
		}
	}
	hash := p.PasswordHash
	if uerr != nil || perr != nil {
		decoy, err := s.decoyHash()
		if err != nil {
			return meta.User{}, 0, err
		}
		hash = decoy
	}
	ok, err := password.Verify(pw, hash)
	if err != nil || !ok || uerr != nil || perr != nil {
		return meta.User{}, 0, ErrSignInRefused
	}
	pol, err := s.store.GetAccountPasswordPolicy(ctx)
	if err != nil {
		return meta.User{}, 0, err
	}
	return u, loginStatus(p, pol, s.clock.Now()), nil
}

// loginStatus is what a correct password of p still requires at now.
func loginStatus(p meta.LoginProfile, pol *meta.PasswordPolicy, now time.Time) LoginStatus {
	if pol != nil && pol.MaxPasswordAge > 0 && !now.Before(p.PasswordSet.AddDate(0, 0, pol.MaxPasswordAge)) {
		if pol.HardExpiry != nil && *pol.HardExpiry {
			return LoginExpiredHard
		}
		return LoginExpired
	}
	if p.PasswordResetRequired {
		return LoginResetRequired
	}
	return LoginOK
}

// PasswordPolicyInput is UpdateAccountPasswordPolicy's parameters: nil
// for one not given, which takes its default.
type PasswordPolicyInput struct {
	MinimumPasswordLength      *int
	RequireSymbols             bool
	RequireNumbers             bool
	RequireUppercaseCharacters bool
	RequireLowercaseCharacters bool
	AllowUsersToChangePassword bool
	MaxPasswordAge             *int
	PasswordReusePrevention    *int
	HardExpiry                 *bool
}

// UpdateAccountPasswordPolicy replaces the account's password policy
// whole: a parameter not given takes its default (IAM has no partial
// update).
func (s *Service) UpdateAccountPasswordPolicy(ctx context.Context, in PasswordPolicyInput) error {
	p := meta.PasswordPolicy{
		MinimumPasswordLength:      DefaultMinPasswordLength,
		RequireSymbols:             in.RequireSymbols,
		RequireNumbers:             in.RequireNumbers,
		RequireUppercaseCharacters: in.RequireUppercaseCharacters,
		RequireLowercaseCharacters: in.RequireLowercaseCharacters,
		AllowUsersToChangePassword: in.AllowUsersToChangePassword,
		HardExpiry:                 in.HardExpiry,
	}
	for _, f := range []struct {
		v        *int
		field    string
		min, max int
		dst      *int
	}{
		{in.MinimumPasswordLength, "minimumPasswordLength", MinPasswordLengthFloor, MaxPasswordLength, &p.MinimumPasswordLength},
		{in.MaxPasswordAge, "maxPasswordAge", 1, MaxPasswordAgeDays, &p.MaxPasswordAge},
		{in.PasswordReusePrevention, "passwordReusePrevention", 1, MaxPasswordReuse, &p.PasswordReusePrevention},
	} {
		if f.v == nil {
			continue
		}
		if err := intRange(*f.v, f.field, f.min, f.max); err != nil {
			return err
		}
		*f.dst = *f.v
	}
	return s.store.PutAccountPasswordPolicy(ctx, p)
}

// intRange applies a model's min and max to an integer parameter.
func intRange(v int, field string, lo, hi int) error {
	switch {
	case v < lo:
		return violated(Violation{Field: field, Value: strconv.Itoa(v), Rule: RuleMinValue, Limit: lo})
	case v > hi:
		return violated(Violation{Field: field, Value: strconv.Itoa(v), Rule: RuleMaxValue, Limit: hi})
	}
	return nil
}

// GetAccountPasswordPolicy returns the account's password policy;
// NoSuchEntity when none is set, as IAM answers even though its default
// rules apply then.
func (s *Service) GetAccountPasswordPolicy(ctx context.Context) (meta.PasswordPolicy, error) {
	p, err := s.store.GetAccountPasswordPolicy(ctx)
	if err != nil {
		return meta.PasswordPolicy{}, err
	}
	if p == nil {
		return meta.PasswordPolicy{}, named(ReasonNoPasswordPolicy, s.account)
	}
	return *p, nil
}

// UsersMayChangePassword reports whether the policy's
// AllowUsersToChangePassword is set: it lets every IAM user change its
// own password (and read the policy) without a policy allowing it.
func (s *Service) UsersMayChangePassword(ctx context.Context) (bool, error) {
	p, err := s.store.GetAccountPasswordPolicy(ctx)
	if err != nil {
		return false, err
	}
	return p != nil && p.AllowUsersToChangePassword, nil
}

// DeleteAccountPasswordPolicy removes the policy; IAM's default rules
// apply again.
func (s *Service) DeleteAccountPasswordPolicy(ctx context.Context) error {
	err := s.store.DeleteAccountPasswordPolicy(ctx)
	return lookupErr(err, func() *Error { return newError(ReasonNoPasswordPolicyToDelete) })
}
