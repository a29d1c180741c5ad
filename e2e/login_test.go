package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSCLILoginProfiles: console passwords and the account password
// policy with the real AWS CLI, as root and as the user itself, then
// `signet admin user password`. No password may reach the server's log
// (each is remembered as a secret the log check looks for).
func TestAWSCLILoginProfiles(t *testing.T) {
	t.Parallel()
	w := newIdentityWorld(t)
	c, p := w.root, w.p
	for _, pw := range []string{"Weak", "Start!pass1", "short1!", "N3xt!password", "wrong-Pass1!", "Adm1n!chosen", "Fin4l!password"} {
		rememberSecret(pw)
	}

	c.atFails(t, p, "NoSuchEntity", "iam", "get-account-password-policy")
	c.atFails(t, p, "PasswordPolicyViolation", "iam", "create-login-profile", "--user-name", "alice", "--password", "Weak")
	var lp struct {
		LoginProfile struct {
			UserName              string
			CreateDate            string
			PasswordResetRequired bool
		}
	}
	c.atJSON(t, p, &lp, "iam", "create-login-profile", "--user-name", "alice", "--password", "Start!pass1", "--password-reset-required")
	if lp.LoginProfile.UserName != "alice" || !lp.LoginProfile.PasswordResetRequired || lp.LoginProfile.CreateDate == "" {
		t.Fatalf("create-login-profile: %+v", lp.LoginProfile)
	}
	c.atFails(t, p, "EntityAlreadyExists", "iam", "create-login-profile", "--user-name", "alice", "--password", "Start!pass1")
	c.atJSON(t, p, &lp, "iam", "get-login-profile", "--user-name", "alice")
	if lp.LoginProfile.UserName != "alice" || !lp.LoginProfile.PasswordResetRequired {
		t.Fatalf("get-login-profile: %+v", lp.LoginProfile)
	}
	r := c.atFails(t, p, "DeleteConflict", "iam", "delete-user", "--user-name", "alice")
	if !strings.Contains(r.stderr, "must delete login profile first") {
		t.Errorf("delete-user with a login profile:\n%s", r)
	}

	c.at(t, p, "iam", "update-account-password-policy", "--minimum-password-length", "12", "--require-symbols", "--require-numbers",
		"--allow-users-to-change-password", "--password-reuse-prevention", "3", "--max-password-age", "90")
	var pol struct {
		PasswordPolicy struct {
			MinimumPasswordLength                       int
			RequireSymbols, RequireNumbers              bool
			RequireUppercaseCharacters                  bool
			AllowUsersToChangePassword, ExpirePasswords bool
			MaxPasswordAge, PasswordReusePrevention     int
		}
	}
	c.atJSON(t, p, &pol, "iam", "get-account-password-policy")
	if pp := pol.PasswordPolicy; pp.MinimumPasswordLength != 12 || !pp.RequireSymbols || !pp.RequireNumbers || pp.RequireUppercaseCharacters ||
		!pp.AllowUsersToChangePassword || !pp.ExpirePasswords || pp.MaxPasswordAge != 90 || pp.PasswordReusePrevention != 3 {
		t.Errorf("get-account-password-policy: %+v", pp)
	}
	// A user may read the policy it is held to (AllowUsersToChangePassword).
	w.alice.at(t, p, "iam", "get-account-password-policy")

	// alice changes her own password: the policy, the old password and the
	// reuse rule are checked; root is not an IAM user.
	r = w.alice.atFails(t, p, "PasswordPolicyViolation", "iam", "change-password", "--old-password", "Start!pass1", "--new-password", "short1!")
	if !strings.Contains(r.stderr, "minimum length of 12") {
		t.Errorf("change-password to a short password:\n%s", r)
	}
	w.alice.atFails(t, p, "AccessDenied", "iam", "change-password", "--old-password", "wrong-Pass1!", "--new-password", "N3xt!password")
	w.alice.at(t, p, "iam", "change-password", "--old-password", "Start!pass1", "--new-password", "N3xt!password")
	c.atJSON(t, p, &lp, "iam", "get-login-profile", "--user-name", "alice")
	if lp.LoginProfile.PasswordResetRequired {
		t.Errorf("change-password left PasswordResetRequired set")
	}
	w.alice.atFails(t, p, "PasswordPolicyViolation", "iam", "change-password", "--old-password", "N3xt!password", "--new-password", "Start!pass1")
	c.atFails(t, p, "InvalidUserType", "iam", "change-password", "--old-password", "N3xt!password", "--new-password", "Adm1n!chosen")

	c.at(t, p, "iam", "update-login-profile", "--user-name", "alice", "--password-reset-required")
	c.atJSON(t, p, &lp, "iam", "get-login-profile", "--user-name", "alice")
	if !lp.LoginProfile.PasswordResetRequired {
		t.Errorf("update-login-profile --password-reset-required not kept: %+v", lp.LoginProfile)
	}

	// signet admin user password replaces it, read from standard input.
	r = c.ok(t, "", "sh", "-c", "printf '%s\\n' 'Adm1n!chosen' | \""+binPath+"\" admin user password alice --endpoint-url "+p.endpoint)
	if !strings.Contains(r.stdout, "replaced the console password of user alice") || strings.Contains(r.stdout+r.stderr, "Adm1n!chosen") {
		t.Errorf("signet admin user password:\n%s", r)
	}
	c.atJSON(t, p, &lp, "iam", "get-login-profile", "--user-name", "alice")
	if lp.LoginProfile.PasswordResetRequired {
		t.Errorf("signet admin user password without --reset-required left the reset flag set")
	}
	w.alice.at(t, p, "iam", "change-password", "--old-password", "Adm1n!chosen", "--new-password", "Fin4l!password")

	c.at(t, p, "iam", "delete-login-profile", "--user-name", "alice")
	c.atFails(t, p, "NoSuchEntity", "iam", "get-login-profile", "--user-name", "alice")
	c.at(t, p, "iam", "delete-account-password-policy")
	c.atFails(t, p, "NoSuchEntity", "iam", "delete-account-password-policy")
}

// TestBoto3LoginProfiles: the same actions through boto3, whose model
// parses every member (CreateDate as a date, the policy's optional
// members), and a user changing its own password with its own key.
func TestBoto3LoginProfiles(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	p := devServer(t)
	c := newClientEnv(t)
	for _, pw := range []string{"Boto!pass123", "boto!pass12345", "Boto!pass12345", "Boto!changed123"} {
		rememberSecret(pw)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_login.py"))
	if err != nil {
		t.Fatal(err)
	}
	r := c.run(t, "", "python3", script, p.endpoint)
	var out map[string]any
	if err := json.Unmarshal([]byte(lastLine(r.stdout)), &out); err != nil {
		t.Fatalf("script output is not JSON: %v\n%s", err, r)
	}
	if s, _ := out["carol_secret"].(string); s != "" {
		rememberSecret(s)
	}
	if out["error"] != nil {
		t.Fatalf("boto3 flow failed: %v\n%v", out["error"], out["traceback"])
	}
	errIs := func(k, code string, status float64, msg string) {
		t.Helper()
		m, _ := out[k].(map[string]any)
		if m["code"] != code || m["status"] != status || msg != "" && m["message"] != msg {
			t.Errorf("%s: %v, want %v %s %q", k, out[k], status, code, msg)
		}
	}
	errIs("no_policy", "NoSuchEntity", 404, "")
	errIs("too_long", "ValidationError", 400, "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 128")
	errIs("no_upper", "PasswordPolicyViolation", 400, "Password should have at least one uppercase letter")
	errIs("root_change", "InvalidUserType", 400, "")
	errIs("gone", "NoSuchEntity", 404, "Login Profile for User carol cannot be found.")
	if out["created_is_datetime"] != true || out["created_reset"] != true || out["get_user_name"] != "carol" {
		t.Errorf("create/get_login_profile: %v", out)
	}
	pol, _ := out["policy"].(map[string]any)
	if pol["MinimumPasswordLength"] != 14.0 || pol["RequireUppercaseCharacters"] != true || pol["HardExpiry"] != true ||
		pol["MaxPasswordAge"] != 30.0 || pol["ExpirePasswords"] != true || pol["RequireSymbols"] != false {
		t.Errorf("get_account_password_policy: %v", pol)
	}
	if _, ok := pol["PasswordReusePrevention"]; ok {
		t.Errorf("PasswordReusePrevention sent though not set: %v", pol)
	}
	if out["after_change_reset"] != false {
		t.Errorf("change_password left PasswordResetRequired %v", out["after_change_reset"])
	}
}
