package adminclient

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// PasswordSet is what setting a user's console password did.
type PasswordSet struct {
	UserName string `json:"user_name"`
	// Created is true when the user had no login profile yet (the
	// password was created, not replaced).
	Created               bool `json:"created"`
	PasswordResetRequired bool `json:"password_reset_required"`
}

// iamCode reports whether err is IAM's error code.
func iamCode(err error, code string) bool {
	var e *IAMError
	return errors.As(err, &e) && e.API.Code == code
}

// SetPassword gives a user a console password, or replaces the one it has:
// CreateLoginProfile, and UpdateLoginProfile when the user has a profile
// already. reset sets PasswordResetRequired either way.
func (c *IAM) SetPassword(ctx context.Context, name, password string, reset bool) (*PasswordSet, error) {
	out, err := c.api.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: &name, Password: &password, PasswordResetRequired: reset})
	if err == nil {
		return &PasswordSet{UserName: *out.LoginProfile.UserName, Created: true, PasswordResetRequired: reset}, nil
	}
	if err = wrap("CreateLoginProfile", err); !iamCode(err, "EntityAlreadyExists") {
		return nil, err
	}
	if _, err := c.api.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: &name, Password: &password, PasswordResetRequired: &reset}); err != nil {
		return nil, wrap("UpdateLoginProfile", err)
	}
	return &PasswordSet{UserName: name, PasswordResetRequired: reset}, nil
}

// deleteLoginProfile removes a user's console password, if it has one.
func (c *IAM) deleteLoginProfile(ctx context.Context, name string) (bool, error) {
	_, err := c.api.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: &name})
	if err = wrap("DeleteLoginProfile", err); iamCode(err, "NoSuchEntity") {
		return false, nil
	}
	return err == nil, err
}
