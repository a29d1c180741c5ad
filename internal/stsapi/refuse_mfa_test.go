package stsapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestMFAParametersRefused pins finding 9 for STS MFA: signet has no MFA
// devices, so it cannot check a TokenCode. SerialNumber or TokenCode on
// AssumeRole or GetSessionToken is refused with InvalidParameterValue
// naming MFA, the parameter and the action, rather than issuing a session
// whose caller believes it proved a second factor. No session is issued
// and the code is never echoed.
func TestMFAParametersRefused(t *testing.T) {
	f := newFixture(t)
	role := "arn:aws:iam::" + acct + ":role/deploy"
	const serial = "arn:aws:iam::" + acct + ":mfa/alice"
	cases := []struct {
		name   string
		params []string
		param  string
	}{
		{"AssumeRole with a device and code", []string{"Action", "AssumeRole", "RoleArn", role, "RoleSessionName", "s2", "SerialNumber", serial, "TokenCode", "987654"}, ""},
		{"AssumeRole with a code only", []string{"Action", "AssumeRole", "RoleArn", role, "RoleSessionName", "s2", "TokenCode", "987654"}, "TokenCode"},
		{"GetSessionToken with a device and code", []string{"Action", "GetSessionToken", "SerialNumber", serial, "TokenCode", "987654"}, ""},
		{"GetSessionToken with a device only", []string{"Action", "GetSessionToken", "SerialNumber", serial}, "SerialNumber"},
	}
	before := sessions(t, f)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := f.call(t, user, form(c.params...))
			body := w.Body.String()
			if w.Code != http.StatusBadRequest || !strings.Contains(body, "<Code>InvalidParameterValue</Code>") {
				t.Fatalf("status %d: %s", w.Code, body)
			}
			want := []string{"signet does not implement MFA", c.params[1]}
			if c.param != "" {
				want = append(want, c.param)
			}
			for _, s := range want {
				if !strings.Contains(body, s) {
					t.Errorf("message lacks %q: %s", s, body)
				}
			}
			if strings.Contains(body, "987654") {
				t.Errorf("the code is echoed: %s", body)
			}
		})
	}
	if n := sessions(t, f); n != before {
		t.Fatalf("%d sessions issued by refused requests", n-before)
	}
}
