package cli

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAdminRoleProfileAssumedAtEndpoint: a role profile (role_arn with
// source_profile) is assumed at the signet server the admin command calls,
// not at AWS; the call is then made as the role's session. With
// mfa_serial the MFA code is asked for on stderr, read from stdin and
// sent to that server, which refuses it by name: signet has no MFA
// devices (docs/operations.md), so it issues no session it cannot back.
func TestAdminRoleProfileAssumedAtEndpoint(t *testing.T) {
	configFile, credentialsFile := isolateAWS(t)
	srv := psStartServer(t)
	// The SDK signs its AssumeRole call by the real clock.
	srv.clock.Set(time.Now())
	t.Setenv("AWS_ENDPOINT_URL", srv.url)
	t.Setenv("AWS_ACCESS_KEY_ID", psAliceKey) // the server's root
	t.Setenv("AWS_SECRET_ACCESS_KEY", psAliceSecret)

	// Calls are signed at the server's (fake) time.
	admin := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(Env{Ctx: context.Background(), Args: append([]string{"admin"}, args...), Stdin: strings.NewReader(stdin),
			Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Now: srv.clock.Now})
		return code, out.String(), errb.String()
	}
	mustAdmin := func(args ...string) string {
		t.Helper()
		code, out, errs := admin("", args...)
		if code != 0 {
			t.Fatalf("signet admin %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	mustAdmin("user", "create", "bob")
	keys := mustAdmin("key", "create", "bob")
	id := regexp.MustCompile(`AWS_ACCESS_KEY_ID=(\S+)`).FindStringSubmatch(keys)
	secret := regexp.MustCompile(`AWS_SECRET_ACCESS_KEY=(\S+)`).FindStringSubmatch(keys)
	if id == nil || secret == nil {
		t.Fatalf("key create printed no keys:\n%s", keys)
	}
	mustAdmin("user", "attach", "bob", "full-access")
	role := mustAdmin("role", "create", "ops", "--trust", "bob", "--policy", "read-only")
	arn := regexp.MustCompile(`arn:aws:iam::\d+:role/ops`).FindString(role)
	if arn == "" {
		t.Fatalf("role create printed no ARN:\n%s", role)
	}
	const serial = "arn:aws:iam::000000000000:mfa/bob"
	write(t, credentialsFile, "[bob]\naws_access_key_id = "+id[1]+"\naws_secret_access_key = "+secret[1]+"\n")
	write(t, configFile, "[profile ops]\nrole_arn = "+arn+"\nsource_profile = bob\nrole_session_name = mfa-ok\nmfa_serial = "+serial+"\n")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")

	// signet has no MFA devices, so its STS refuses the code rather than
	// issue a session that only looks MFA-authenticated. The code is still
	// asked for on stderr and sent to signet's STS (not AWS's), whose
	// refusal names the feature.
	code, out, errs := admin("123456\n", "clock", "show", "--profile", "ops")
	if code != 1 || !strings.HasPrefix(errs, "Enter MFA code for "+serial+": \n") ||
		!strings.Contains(errs, "InvalidParameterValue: signet does not implement MFA devices") ||
		!strings.Contains(errs, "SerialNumber of AssumeRole") {
		t.Fatalf("clock show with mfa_serial: exit %d\nstdout %q\nstderr %s", code, out, errs)
	}

	// Without mfa_serial the role is assumed at the endpoint.
	write(t, configFile, "[profile ops]\nrole_arn = "+arn+"\nsource_profile = bob\nrole_session_name = mfa-ok\n")
	code, out, errs = admin("", "clock", "show", "--profile", "ops")
	// read-only does not allow signet:GetClock: the refusal names the
	// role's session, so the call was made with credentials from signet's
	// STS.
	if code != 1 || strings.Contains(errs, "Enter MFA code") ||
		!strings.Contains(errs, ":assumed-role/ops/mfa-ok is not authorized to perform: signet:GetClock") {
		t.Fatalf("clock show as the role: exit %d\nstdout %q\nstderr %s", code, out, errs)
	}

	// The session is on record at the server.
	t.Setenv("AWS_ACCESS_KEY_ID", psAliceKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", psAliceSecret)
	if list := mustAdmin("session", "list"); !strings.Contains(list, "ops/mfa-ok") {
		t.Errorf("the role's session is not listed:\n%s", list)
	}
}
