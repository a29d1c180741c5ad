package console

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"signet/internal/principal"
)

// PasswordChangeRequired is what Passwords.CheckPassword returns for a
// correct password that must be changed before the user signs in
// (PasswordResetRequired, or expired under the account's policy). When
// the Passwords is also a PasswordChanger, the sign-in page then asks for
// a new password, as AWS's console does; Message says why.
type PasswordChangeRequired struct{ Message string }

func (e *PasswordChangeRequired) Error() string {
	return "console: the password must be changed: " + e.Message
}

// PasswordChanger sets a user's new password at sign-in. ChangePassword
// verifies oldPassword again (a wrong one wraps ErrWrongPassword), sets
// newPassword under the account's password policy (a password it breaks
// is a *PasswordRejected) and returns the user's principal, to sign in.
// A *SignInRefused is a user who may not change it here.
type PasswordChanger interface {
	ChangePassword(ctx context.Context, userName, oldPassword, newPassword string) (principal.Principal, error)
}

// PasswordRejected is a new password the account's password policy
// refuses; Message is IAM's sentence for the rule it breaks.
type PasswordRejected struct{ Message string }

func (e *PasswordRejected) Error() string { return "console: new password rejected: " + e.Message }

type changePasswordData struct {
	Next, UserName, Reason, Error string
}

func (changePasswordData) pageTitle() string { return "Set a new password" }

// changePassword sets the new password the sign-in page asked for and
// signs in with it. There is no session yet, so no CSRF token: like the
// sign-in form it must come from the console's own origin, it is
// rate-limited with sign-in, and it needs the old password again.
func (c *Console) changePassword(w http.ResponseWriter, r *http.Request) {
	changer, ok := c.cfg.Passwords.(PasswordChanger)
	if !ok {
		c.message(w, r, http.StatusNotFound, "Not found", "This server does not change passwords in the console.")
		return
	}
	if !sameOrigin(r) {
		c.forbidden(w, r, "This request did not come from the console's own page.")
		return
	}
	d := changePasswordData{Next: safeNext(r.PostFormValue("next")), UserName: strings.TrimSpace(r.PostFormValue("user_name"))}
	account := "user:" + d.UserName
	if len(account) > maxAccountName {
		account = account[:maxAccountName]
	}
	if !c.limits.allow(clientAddr(r), account, c.cfg.Wall.Now()) {
		d.Error = "Too many sign-in attempts. Wait a minute and try again."
		c.render(w, r, http.StatusTooManyRequests, "change-password", nil, d)
		return
	}
	newPw := r.PostFormValue("new_password")
	if newPw != r.PostFormValue("confirm_password") {
		d.Error = "The new password and its confirmation differ."
		c.render(w, r, http.StatusBadRequest, "change-password", nil, d)
		return
	}
	p, err := changer.ChangePassword(r.Context(), d.UserName, r.PostFormValue("old_password"), newPw)
	var rejected *PasswordRejected
	var refused *SignInRefused
	switch {
	case errors.Is(err, ErrWrongPassword):
		d.Error = "The user name or the old password is wrong."
		c.render(w, r, http.StatusUnauthorized, "change-password", nil, d)
	case errors.As(err, &rejected):
		d.Error = rejected.Message
		c.render(w, r, http.StatusBadRequest, "change-password", nil, d)
	case errors.As(err, &refused):
		c.render(w, r, http.StatusForbidden, "sign-in", nil, signInData{Next: d.Next, UserName: d.UserName, Passwords: true, Error: refused.Message})
	case err != nil:
		c.internal(w, r, err)
	default:
		c.openSession(w, r, p, d.Next)
	}
}
