package meta

import (
	"context"
	"time"
)

// LoginProfile is an IAM user's console password: IAM's login profile.
// Like an access key it is bound to the user's unique ID, so a user
// deleted and created again under the name does not inherit it.
type LoginProfile struct {
	// UserName and UserID are set by the store from the user's record.
	UserName string
	UserID   string
	Created  time.Time
	// PasswordResetRequired: the user must set a new password at the next
	// console sign-in.
	PasswordResetRequired bool
	// PasswordHash is the current password's hash (package password),
	// never a password; it is never logged or returned by the API.
	PasswordHash string
	// PasswordSet is when the current password was set: the account
	// policy's MaxPasswordAge counts from it.
	PasswordSet time.Time
	// History holds the hashes of earlier passwords, newest first, at most
	// PasswordHistoryMax, for the account policy's PasswordReusePrevention.
	History []string
}

// PasswordHistoryMax is how many earlier passwords a login profile
// remembers: IAM's largest PasswordReusePrevention.
const PasswordHistoryMax = 24

// PasswordPolicy is the account's password policy, as
// UpdateAccountPasswordPolicy sets it (one per account).
type PasswordPolicy struct {
	MinimumPasswordLength      int
	RequireSymbols             bool
	RequireNumbers             bool
	RequireUppercaseCharacters bool
	RequireLowercaseCharacters bool
	AllowUsersToChangePassword bool
	// MaxPasswordAge in days; 0: passwords do not expire.
	MaxPasswordAge int
	// PasswordReusePrevention: how many earlier passwords may not be used
	// again; 0: none.
	PasswordReusePrevention int
	// HardExpiry is nil when the policy was set without it, which IAM
	// reports differently from false.
	HardExpiry *bool
}

// LoginProfiles stores users' login profiles. A profile whose UserID is
// not its user's current ID (left by a user deleted outside these rules)
// is as if absent. DeleteUser fails with ErrDeleteConflict while the user
// has a login profile.
type LoginProfiles interface {
	// CreateLoginProfile stores p for the user p.UserName: ErrNoSuchEntity
	// when the user is missing, ErrEntityExists when it has a profile.
	CreateLoginProfile(ctx context.Context, p LoginProfile) error
	// GetLoginProfile returns the user's profile, ErrNoSuchEntity when
	// the user or its profile is missing.
	GetLoginProfile(ctx context.Context, userName string) (LoginProfile, error)
	// UpdateLoginProfile applies fn to the stored profile inside the
	// transaction; an error from fn aborts and is returned unchanged.
	// UserName, UserID and Created are kept.
	UpdateLoginProfile(ctx context.Context, userName string, fn func(*LoginProfile) error) error
	// DeleteLoginProfile removes it; ErrNoSuchEntity when there is none.
	DeleteLoginProfile(ctx context.Context, userName string) error
}

// PasswordPolicies stores the account's password policy.
type PasswordPolicies interface {
	// GetAccountPasswordPolicy returns the policy, nil when none is set.
	GetAccountPasswordPolicy(ctx context.Context) (*PasswordPolicy, error)
	// PutAccountPasswordPolicy replaces it.
	PutAccountPasswordPolicy(ctx context.Context, p PasswordPolicy) error
	// DeleteAccountPasswordPolicy removes it; ErrNoSuchEntity when none
	// is set.
	DeleteAccountPasswordPolicy(ctx context.Context) error
}
