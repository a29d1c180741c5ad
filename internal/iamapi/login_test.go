package iamapi

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"signet/internal/iam"
	"signet/internal/principal"
)

type loginProfileOut struct {
	UserName              string
	CreateDate            string
	PasswordResetRequired bool
}

type loginProfileResponse struct {
	Create struct{ LoginProfile loginProfileOut } `xml:"CreateLoginProfileResult"`
	Get    struct{ LoginProfile loginProfileOut } `xml:"GetLoginProfileResult"`
}

type passwordPolicyResponse struct {
	Result struct {
		PasswordPolicy struct {
			MinimumPasswordLength      int
			RequireSymbols             bool
			RequireNumbers             bool
			RequireUppercaseCharacters bool
			RequireLowercaseCharacters bool
			AllowUsersToChangePassword bool
			ExpirePasswords            bool
			MaxPasswordAge             *int
			PasswordReusePrevention    *int
			HardExpiry                 *bool
		}
	} `xml:"GetAccountPasswordPolicyResult"`
}

const goodPw = "Pa55word!x"

func TestLoginProfileActions(t *testing.T) {
	f := newFixture(t)
	ok(t, f.do(t, rootP, "CreateUser", "UserName", "bob"), nil)
	ok(t, f.do(t, rootP, "CreateUser", "UserName", "carol"), nil)

	var r loginProfileResponse
	ok(t, f.do(t, rootP, "CreateLoginProfile", "UserName", "bob", "Password", goodPw, "PasswordResetRequired", "true"), &r)
	want := loginProfileOut{UserName: "bob", CreateDate: t0.Format(time.RFC3339), PasswordResetRequired: true}
	if r.Create.LoginProfile != want {
		t.Fatalf("CreateLoginProfile = %+v, want %+v", r.Create.LoginProfile, want)
	}
	if a := f.authz.last(); a.action != "iam:CreateLoginProfile" || a.resource != "arn:aws:iam::123456789012:user/bob" {
		t.Errorf("authorised %+v", a)
	}
	fails(t, f.do(t, rootP, "CreateLoginProfile", "UserName", "bob", "Password", goodPw), 409, "EntityAlreadyExists", "Login Profile for user bob already exists.")
	fails(t, f.do(t, rootP, "CreateLoginProfile", "UserName", "nobody", "Password", goodPw), 404, "NoSuchEntity", "The user with name nobody cannot be found.")
	fails(t, f.do(t, rootP, "CreateLoginProfile", "UserName", "carol"), 400, "ValidationError",
		"1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null")
	fails(t, f.do(t, rootP, "CreateLoginProfile", "UserName", "carol", "Password", goodPw, "PasswordResetRequired", "yes"), 400, "ValidationError",
		"1 validation error detected: Value 'yes' at 'passwordResetRequired' failed to satisfy constraint: Member must be a boolean")

	r = loginProfileResponse{}
	ok(t, f.do(t, rootP, "GetLoginProfile", "UserName", "BOB"), &r)
	if r.Get.LoginProfile != want {
		t.Fatalf("GetLoginProfile = %+v, want %+v", r.Get.LoginProfile, want)
	}
	// Without UserName, a user's own profile.
	r = loginProfileResponse{}
	ok(t, f.do(t, bobP, "GetLoginProfile"), &r)
	if r.Get.LoginProfile.UserName != "bob" {
		t.Errorf("own GetLoginProfile = %+v", r.Get.LoginProfile)
	}
	fails(t, f.do(t, rootP, "GetLoginProfile"), 400, "ValidationError", "Must specify userName when calling with non-User credentials")
	fails(t, f.do(t, rootP, "GetLoginProfile", "UserName", "carol"), 404, "NoSuchEntity", "Login Profile for User carol cannot be found.")
	fails(t, f.do(t, rootP, "DeleteUser", "UserName", "bob"), 409, "DeleteConflict", "Cannot delete entity, must delete login profile first.")

	// UpdateLoginProfile: each parameter optional, each honoured.
	fails(t, f.do(t, rootP, "UpdateLoginProfile", "Password", goodPw), 400, "ValidationError",
		"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null")
	ok(t, f.do(t, rootP, "UpdateLoginProfile", "UserName", "bob", "PasswordResetRequired", "false"), nil)
	if _, st, err := f.svc.CheckPassword(t.Context(), "bob", goodPw); err != nil || st != iam.LoginOK {
		t.Fatalf("after clearing the reset flag: %v, %v", st, err)
	}
	ok(t, f.do(t, rootP, "UpdateLoginProfile", "UserName", "bob", "Password", "N3w!password"), nil)
	if _, _, err := f.svc.CheckPassword(t.Context(), "bob", "N3w!password"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	fails(t, f.do(t, rootP, "UpdateLoginProfile", "UserName", "carol", "Password", goodPw), 404, "NoSuchEntity", "Login Profile for User carol cannot be found.")

	ok(t, f.do(t, rootP, "DeleteLoginProfile", "UserName", "bob"), nil)
	fails(t, f.do(t, rootP, "DeleteLoginProfile", "UserName", "bob"), 404, "NoSuchEntity", "Login Profile for User bob cannot be found.")
	ok(t, f.do(t, rootP, "DeleteUser", "UserName", "bob"), nil)
}

// A password is never quoted back, and the default rules apply while no
// policy is set.
func TestLoginProfilePasswordRules(t *testing.T) {
	f := newFixture(t)
	ok(t, f.do(t, rootP, "CreateUser", "UserName", "bob"), nil)
	long := strings.Repeat("Aa1!", 33)
	for _, c := range []struct{ pw, msg string }{
		{long, "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"Pa55word€!", "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"},
		{"", "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	} {
		w := f.do(t, rootP, "CreateLoginProfile", "UserName", "bob", "Password", c.pw)
		if c.pw != "" && strings.Contains(w.Body.String(), c.pw) {
			t.Errorf("the answer quotes the password: %s", w.Body)
		}
		fails(t, w, 400, "ValidationError", c.msg)
	}
	for _, pw := range []string{"Sh0rt!", "alllowercase1"} {
		fails(t, f.do(t, rootP, "CreateLoginProfile", "UserName", "bob", "Password", pw), 400, "PasswordPolicyViolation",
			"Password does not conform to the account password policy.")
	}
	if strings.Contains(f.logs.String(), goodPw) || strings.Contains(f.logs.String(), "Sh0rt!") {
		t.Error("a password reached the log")
	}
}

func TestAccountPasswordPolicyActions(t *testing.T) {
	f := newFixture(t)
	fails(t, f.do(t, rootP, "GetAccountPasswordPolicy"), 404, "NoSuchEntity", "The Password Policy with domain name 123456789012 cannot be found.")
	fails(t, f.do(t, rootP, "DeleteAccountPasswordPolicy"), 404, "NoSuchEntity", "The account policy with name PasswordPolicy cannot be found.")

	// No parameters: every setting at its default.
	ok(t, f.do(t, rootP, "UpdateAccountPasswordPolicy"), nil)
	if a := f.authz.last(); a.action != "iam:UpdateAccountPasswordPolicy" || a.resource != "*" {
		t.Errorf("authorised %+v", a)
	}
	w := f.do(t, rootP, "GetAccountPasswordPolicy")
	for _, absent := range []string{"MaxPasswordAge", "PasswordReusePrevention", "HardExpiry"} {
		if strings.Contains(w.Body.String(), absent) {
			t.Errorf("%s sent though not set: %s", absent, w.Body)
		}
	}
	var r passwordPolicyResponse
	ok(t, w, &r)
	if p := r.Result.PasswordPolicy; p.MinimumPasswordLength != 6 || p.RequireSymbols || p.AllowUsersToChangePassword || p.ExpirePasswords {
		t.Errorf("default policy %+v", p)
	}

	for _, c := range []struct{ param, value, msg string }{
		{"MinimumPasswordLength", "5", "Value '5' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value greater than or equal to 6"},
		{"MinimumPasswordLength", "129", "Value '129' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value less than or equal to 128"},
		{"MaxPasswordAge", "1096", "Value '1096' at 'maxPasswordAge' failed to satisfy constraint: Member must have value less than or equal to 1095"},
		{"PasswordReusePrevention", "0", "Value '0' at 'passwordReusePrevention' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"RequireSymbols", "1", "Value '1' at 'requireSymbols' failed to satisfy constraint: Member must be a boolean"},
		{"HardExpiry", "maybe", "Value 'maybe' at 'hardExpiry' failed to satisfy constraint: Member must be a boolean"},
	} {
		fails(t, f.do(t, rootP, "UpdateAccountPasswordPolicy", c.param, c.value), 400, "ValidationError", "1 validation error detected: "+c.msg)
	}

	ok(t, f.do(t, rootP, "UpdateAccountPasswordPolicy", "MinimumPasswordLength", "10", "RequireSymbols", "true", "RequireNumbers", "true",
		"RequireUppercaseCharacters", "true", "RequireLowercaseCharacters", "true", "AllowUsersToChangePassword", "true",
		"MaxPasswordAge", "90", "PasswordReusePrevention", "5", "HardExpiry", "false"), nil)
	r = passwordPolicyResponse{}
	ok(t, f.do(t, rootP, "GetAccountPasswordPolicy"), &r)
	p := r.Result.PasswordPolicy
	if p.MinimumPasswordLength != 10 || !p.RequireSymbols || !p.RequireNumbers || !p.RequireUppercaseCharacters || !p.RequireLowercaseCharacters ||
		!p.AllowUsersToChangePassword || !p.ExpirePasswords || p.MaxPasswordAge == nil || *p.MaxPasswordAge != 90 ||
		p.PasswordReusePrevention == nil || *p.PasswordReusePrevention != 5 || p.HardExpiry == nil || *p.HardExpiry {
		t.Errorf("policy %+v", p)
	}

	// The policy is enforced, each rule with IAM's sentence.
	ok(t, f.do(t, rootP, "CreateUser", "UserName", "bob"), nil)
	for _, c := range []struct{ pw, msg string }{
		{"Aa1!aaaaa", "Password should have a minimum length of 10"},
		{"Aa1aaaaaaa", "Password should have at least one symbol"},
		{"Aa!aaaaaaa", "Password should have at least one number"},
		{"a1!aaaaaaa", "Password should have at least one uppercase letter"},
		{"A1!AAAAAAA", "Password should have at least one lowercase letter"},
	} {
		fails(t, f.do(t, rootP, "CreateLoginProfile", "UserName", "bob", "Password", c.pw), 400, "PasswordPolicyViolation", c.msg)
	}
	ok(t, f.do(t, rootP, "CreateLoginProfile", "UserName", "bob", "Password", "Aa1!aaaaaa"), nil)
	fails(t, f.do(t, rootP, "UpdateLoginProfile", "UserName", "bob", "Password", "Aa1!aaaaaa"), 400, "PasswordPolicyViolation",
		"Password should not be one of the last 5 passwords used")

	ok(t, f.do(t, rootP, "DeleteAccountPasswordPolicy"), nil)
	fails(t, f.do(t, rootP, "GetAccountPasswordPolicy"), 404, "NoSuchEntity", "")
}

func TestChangePasswordAction(t *testing.T) {
	f := newFixture(t)
	ok(t, f.do(t, rootP, "CreateUser", "UserName", "bob"), nil)
	ok(t, f.do(t, rootP, "CreateLoginProfile", "UserName", "bob", "Password", goodPw, "PasswordResetRequired", "true"), nil)
	change := func(p principal.Principal, oldPw, newPw string) *httptest.ResponseRecorder {
		return f.do(t, p, "ChangePassword", "OldPassword", oldPw, "NewPassword", newPw)
	}
	msg := "The request was rejected because the type of user for the transaction was incorrect."
	fails(t, change(rootP, goodPw, "N3w!password"), 400, "InvalidUserType", msg)
	fails(t, change(roleP, goodPw, "N3w!password"), 400, "InvalidUserType", msg)
	fails(t, f.do(t, bobP, "ChangePassword", "OldPassword", goodPw), 400, "ValidationError",
		"1 validation error detected: Value null at 'newPassword' failed to satisfy constraint: Member must not be null")

	// Without AllowUsersToChangePassword, the caller's policies decide,
	// on its own user.
	f.authz.deny["iam:ChangePassword"] = true
	fails(t, change(bobP, goodPw, "N3w!password"), 403, "AccessDenied",
		"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:ChangePassword on resource: arn:aws:iam::123456789012:user/bob because no identity-based policy allows the iam:ChangePassword action")
	f.authz.deny["iam:GetAccountPasswordPolicy"] = true
	fails(t, f.do(t, bobP, "GetAccountPasswordPolicy"), 403, "AccessDenied", "")

	// With it, every user may change its own password and read the
	// policy, whatever its policies say.
	ok(t, f.do(t, rootP, "UpdateAccountPasswordPolicy", "AllowUsersToChangePassword", "true"), nil)
	ok(t, f.do(t, bobP, "GetAccountPasswordPolicy"), nil)
	fails(t, change(bobP, "wrong", "N3w!password"), 403, "AccessDenied", "The old password is incorrect.")
	fails(t, change(bobP, goodPw, "short"), 400, "PasswordPolicyViolation", "Password should have a minimum length of 6")
	ok(t, change(bobP, goodPw, "N3w!password"), nil)
	if _, st, err := f.svc.CheckPassword(t.Context(), "bob", "N3w!password"); err != nil || st != iam.LoginOK {
		t.Errorf("after ChangePassword: %v, %v; want the new password, reset cleared", st, err)
	}
}
