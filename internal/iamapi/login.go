package iamapi

import (
	"signet/internal/awsquery"
	"signet/internal/iam"
	"signet/internal/meta"
)

// Login profiles and the account password policy. Passwords arrive as
// parameters and go straight to the domain, which keeps only their hashes;
// they are never logged, and a ValidationError about one never quotes it.

type loginProfileXML struct {
	UserName              string
	CreateDate            isoTime
	PasswordResetRequired bool
}

type loginProfileResult struct {
	LoginProfile loginProfileXML
}

func loginProfile(p meta.LoginProfile) loginProfileResult {
	return loginProfileResult{LoginProfile: loginProfileXML{UserName: p.UserName, CreateDate: isoTime(p.Created), PasswordResetRequired: p.PasswordResetRequired}}
}

// passwordPolicyXML is PasswordPolicy as GetAccountPasswordPolicy sends
// it: MaxPasswordAge, PasswordReusePrevention and HardExpiry only when
// set.
type passwordPolicyXML struct {
	MinimumPasswordLength      int
	RequireSymbols             bool
	RequireNumbers             bool
	RequireUppercaseCharacters bool
	RequireLowercaseCharacters bool
	AllowUsersToChangePassword bool
	ExpirePasswords            bool
	MaxPasswordAge             int   `xml:",omitempty"`
	PasswordReusePrevention    int   `xml:",omitempty"`
	HardExpiry                 *bool `xml:",omitempty"`
}

type passwordPolicyResult struct {
	PasswordPolicy passwordPolicyXML
}

// boolParam parses an optional boolean parameter (nil when absent).
func (q *call) boolParam(param, field string) (*bool, error) {
	if !q.c.Has(param) {
		return nil, nil
	}
	// The Query protocol's booleans are the words true and false, as
	// every AWS SDK sends them (OnlyAttached reads them the same way).
	switch v := q.c.Get(param); v {
	case "true", "false":
		b := v == "true"
		return &b, nil
	default:
		return nil, awsquery.Validation(iam.Violation{Field: field, Value: v, Rule: iam.RuleBoolean})
	}
}

func createLoginProfile(q *call) (any, error) {
	name, err := q.selfOrNamed()
	if err != nil {
		return nil, err
	}
	pw, err := q.required("Password", "password")
	if err != nil {
		return nil, err
	}
	reset, err := q.boolParam("PasswordResetRequired", "passwordResetRequired")
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.userARN(name)); err != nil {
		return nil, err
	}
	p, err := q.h.iam.CreateLoginProfile(q.ctx, name, pw, reset != nil && *reset)
	if err != nil {
		return nil, err
	}
	return loginProfile(p), nil
}

func getLoginProfile(q *call) (any, error) {
	name, err := q.selfOrNamed()
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.userARN(name)); err != nil {
		return nil, err
	}
	p, err := q.h.iam.GetLoginProfile(q.ctx, name)
	if err != nil {
		return nil, err
	}
	return loginProfile(p), nil
}

func updateLoginProfile(q *call) (any, error) {
	name, err := q.required("UserName", "userName")
	if err != nil {
		return nil, err
	}
	var pw *string
	if q.c.Has("Password") {
		v := q.c.Get("Password")
		pw = &v
	}
	reset, err := q.boolParam("PasswordResetRequired", "passwordResetRequired")
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.userARN(name)); err != nil {
		return nil, err
	}
	return nil, q.h.iam.UpdateLoginProfile(q.ctx, name, pw, reset)
}

func deleteLoginProfile(q *call) (any, error) {
	name, err := q.selfOrNamed()
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.userARN(name)); err != nil {
		return nil, err
	}
	return nil, q.h.iam.DeleteLoginProfile(q.ctx, name)
}

// changePassword acts on the caller. As on IAM, the account policy's
// AllowUsersToChangePassword lets every IAM user change its own password
// without a policy allowing iam:ChangePassword; without it the caller's
// policies decide, on the caller's own user ARN.
func changePassword(q *call) (any, error) {
	oldPw, err := q.required("OldPassword", "oldPassword")
	if err != nil {
		return nil, err
	}
	newPw, err := q.required("NewPassword", "newPassword")
	if err != nil {
		return nil, err
	}
	p := q.c.Auth.Principal
	if p.IsRoot || p.SessionKind != "" || p.UserName == "" {
		// Not a user acting on itself: the domain says InvalidUserType.
		return nil, q.h.iam.ChangePassword(q.ctx, p, oldPw, newPw)
	}
	if err := q.selfService(q.userARN(p.UserName)); err != nil {
		return nil, err
	}
	return nil, q.h.iam.ChangePassword(q.ctx, p, oldPw, newPw)
}

// selfService authorises an action IAM grants every user when the
// password policy allows users to change their passwords (ChangePassword
// on itself, GetAccountPasswordPolicy), and otherwise asks the policies.
func (q *call) selfService(resource string) error {
	p := q.c.Auth.Principal
	if !p.IsRoot && p.SessionKind == "" && p.UserName != "" {
		allowed, err := q.h.iam.UsersMayChangePassword(q.ctx)
		if err != nil {
			return err
		}
		if allowed {
			q.resource = resource
			return nil
		}
	}
	return q.authorize(resource)
}

func updateAccountPasswordPolicy(q *call) (any, error) {
	var in iam.PasswordPolicyInput
	var err error
	for _, f := range []struct {
		param, field string
		dst          **int
	}{
		{"MinimumPasswordLength", "minimumPasswordLength", &in.MinimumPasswordLength},
		{"MaxPasswordAge", "maxPasswordAge", &in.MaxPasswordAge},
		{"PasswordReusePrevention", "passwordReusePrevention", &in.PasswordReusePrevention},
	} {
		if *f.dst, err = q.intParam(f.param, f.field); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		param, field string
		dst          *bool
	}{
		{"RequireSymbols", "requireSymbols", &in.RequireSymbols},
		{"RequireNumbers", "requireNumbers", &in.RequireNumbers},
		{"RequireUppercaseCharacters", "requireUppercaseCharacters", &in.RequireUppercaseCharacters},
		{"RequireLowercaseCharacters", "requireLowercaseCharacters", &in.RequireLowercaseCharacters},
		{"AllowUsersToChangePassword", "allowUsersToChangePassword", &in.AllowUsersToChangePassword},
	} {
		b, err := q.boolParam(f.param, f.field)
		if err != nil {
			return nil, err
		}
		*f.dst = b != nil && *b
	}
	if in.HardExpiry, err = q.boolParam("HardExpiry", "hardExpiry"); err != nil {
		return nil, err
	}
	if err := q.authorize("*"); err != nil {
		return nil, err
	}
	return nil, q.h.iam.UpdateAccountPasswordPolicy(q.ctx, in)
}

func getAccountPasswordPolicy(q *call) (any, error) {
	if err := q.selfService("*"); err != nil {
		return nil, err
	}
	p, err := q.h.iam.GetAccountPasswordPolicy(q.ctx)
	if err != nil {
		return nil, err
	}
	return passwordPolicyResult{PasswordPolicy: passwordPolicyXML{
		MinimumPasswordLength:      p.MinimumPasswordLength,
		RequireSymbols:             p.RequireSymbols,
		RequireNumbers:             p.RequireNumbers,
		RequireUppercaseCharacters: p.RequireUppercaseCharacters,
		RequireLowercaseCharacters: p.RequireLowercaseCharacters,
		AllowUsersToChangePassword: p.AllowUsersToChangePassword,
		ExpirePasswords:            p.MaxPasswordAge > 0,
		MaxPasswordAge:             p.MaxPasswordAge,
		PasswordReusePrevention:    p.PasswordReusePrevention,
		HardExpiry:                 p.HardExpiry,
	}}, nil
}

func deleteAccountPasswordPolicy(q *call) (any, error) {
	if err := q.authorize("*"); err != nil {
		return nil, err
	}
	return nil, q.h.iam.DeleteAccountPasswordPolicy(q.ctx)
}
