package server

import (
	"context"
	"net/http"

	"errors"
	"fmt"
	"signet/internal/access"
	"signet/internal/authn"
	"strconv"

	"signet/internal/console"

	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/principal"
)

// consoleKeys tells the console which long-term keys a principal may sign
// share links with: the root its own key, a user its active access keys.
type consoleKeys struct {
	root string
	iam  *iam.Service
}

func (k consoleKeys) ActiveKeys(ctx context.Context, p principal.Principal) ([]string, error) {
	if p.IsRoot {
		return []string{k.root}, nil
	}
	if p.UserName == "" || p.SessionKind == principal.SessionAssumedRole {
		return nil, nil // a role has no long-term keys
	}
	keys, err := k.iam.ListAccessKeys(ctx, p.UserName)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, ak := range keys {
		if ak.Status == principal.KeyActive {
			ids = append(ids, ak.ID)
		}
	}
	return ids, nil
}

// consolePasswords signs IAM users in to the console with their login
// profile's password (iam.CheckPassword). A password that must be reset,
// or has expired under the account's policy, does not sign in as it is:
// as on AWS, the sign-in page asks for a new one (ChangePassword) and
// signs in with that. One expired under a policy with HardExpiry only an
// administrator can replace.
type consolePasswords struct {
	iam     *iam.Service
	account string
	// authz decides whether a user may change its own password when the
	// account's policy does not let every user (iam:ChangePassword on
	// its own ARN), as IAM decides it for the API's ChangePassword.
	authz interface {
		Authorize(r *http.Request, res *authn.Result, action, resource string) error
	}
}

// errMayNotChangePassword refuses the change at sign-in of a user who may
// not change its own password: AWS's console asks for the same
// permission (the IAMUserChangePassword policy, or the account's
// password policy allowing users to change their passwords).
var errMayNotChangePassword = &console.SignInRefused{Message: "You may not change your own password: the account's password policy does not allow users to, and no policy allows you iam:ChangePassword. Ask an administrator to set a new password, or to allow you to change it."}

// mayChangePassword is the API's rule for ChangePassword on oneself.
func (c consolePasswords) mayChangePassword(ctx context.Context, p principal.Principal) (bool, error) {
	if all, err := c.iam.UsersMayChangePassword(ctx); err != nil || all {
		return all, err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "/", http.NoBody)
	if err != nil {
		return false, err
	}
	err = c.authz.Authorize(r, &authn.Result{Principal: p, AuthType: authn.AuthHeader, SignatureVersion: authn.SigV4}, "iam:ChangePassword", p.ARN)
	var denied *access.Denied
	if errors.As(err, &denied) {
		return false, nil
	}
	return err == nil, err
}

// errPasswordAdminReset refuses a password expired under HardExpiry.
var errPasswordAdminReset = &console.SignInRefused{Message: "This password has expired, and the account's password policy lets only an administrator set a new one: ask one to (signet admin user password, or aws iam update-login-profile)."}

func (c consolePasswords) CheckPassword(ctx context.Context, userName, pw string) (principal.Principal, error) {
	u, status, err := c.iam.CheckPassword(ctx, userName, pw)
	if errors.Is(err, iam.ErrSignInRefused) {
		return principal.Principal{}, fmt.Errorf("%w: %w", console.ErrWrongPassword, err)
	}
	if err != nil {
		return principal.Principal{}, err
	}
	switch status {
	case iam.LoginExpiredHard:
		return principal.Principal{}, errPasswordAdminReset
	case iam.LoginResetRequired:
		return principal.Principal{}, &console.PasswordChangeRequired{Message: "An administrator requires you to set a new password before you sign in."}
	case iam.LoginExpired:
		return principal.Principal{}, &console.PasswordChangeRequired{Message: "Your password has expired under the account's password policy: set a new one to sign in."}
	}
	return c.userPrincipal(u), nil
}

func (c consolePasswords) userPrincipal(u meta.User) principal.Principal {
	return principal.Principal{ARN: iam.EntityARN(c.account, "user", u.Path, u.Name), UserID: u.ID, UserName: u.Name, Account: c.account}
}

// ChangePassword is the sign-in page's password change. The old password
// is verified again here (iam.CheckPassword, the sign-in's own check),
// then the domain's ChangePassword sets the new one as the user: the IAM
// API's ChangePassword refuses temporary credentials, and at this point
// the user has none, only the password just proven (as on AWS's console
// sign-in).
func (c consolePasswords) ChangePassword(ctx context.Context, userName, oldPw, newPw string) (principal.Principal, error) {
	u, status, err := c.iam.CheckPassword(ctx, userName, oldPw)
	if errors.Is(err, iam.ErrSignInRefused) {
		return principal.Principal{}, fmt.Errorf("%w: %w", console.ErrWrongPassword, err)
	}
	if err != nil {
		return principal.Principal{}, err
	}
	if status == iam.LoginExpiredHard {
		return principal.Principal{}, errPasswordAdminReset
	}
	p := c.userPrincipal(u)
	if ok, err := c.mayChangePassword(ctx, p); err != nil {
		return principal.Principal{}, err
	} else if !ok {
		return principal.Principal{}, errMayNotChangePassword
	}
	err = c.iam.ChangePassword(ctx, p, oldPw, newPw)
	var ie *iam.Error
	if errors.As(err, &ie) && (ie.Kind == iam.KindPasswordPolicyViolation || ie.Kind == iam.KindValidation) {
		return principal.Principal{}, &console.PasswordRejected{Message: passwordRejection(ie)}
	}
	if err != nil {
		return principal.Principal{}, err
	}
	return p, nil
}

// passwordRejection words a refused new password as IAM's
// PasswordPolicyViolation does.
func passwordRejection(e *iam.Error) string {
	switch e.Reason {
	case iam.ReasonPasswordTooShort:
		return "Password should have a minimum length of " + strconv.Itoa(e.Limit)
	case iam.ReasonPasswordNeedsUppercase:
		return "Password should have at least one uppercase letter"
	case iam.ReasonPasswordNeedsLowercase:
		return "Password should have at least one lowercase letter"
	case iam.ReasonPasswordNeedsNumber:
		return "Password should have at least one number"
	case iam.ReasonPasswordNeedsSymbol:
		return "Password should have at least one symbol"
	case iam.ReasonPasswordReused:
		return "Password should not be one of the last " + strconv.Itoa(e.Limit) + " passwords used"
	}
	return "Password does not conform to the account password policy."
}

// pruneConsoleLinks forgets the console's links that have ended (by the
// lifetime clock), with the denylist's prune: a link is remembered only
// while it can still work.
func (s *Server) pruneConsoleLinks(ctx context.Context) {
	ls, ok := s.meta.(meta.ConsoleLinkStore)
	if !ok {
		return
	}
	if n, err := ls.PruneConsoleLinks(ctx, s.Clock.Now()); err != nil && ctx.Err() == nil {
		s.log.Warn("pruning the console's links failed", "err", err)
	} else if n > 0 {
		s.log.Info("pruned console links past their end", "count", n)
	}
}
