package stsapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestRefusedParameters pins finding 9 for STS: session tags and
// provided contexts are refused with InvalidParameterValue naming the
// feature and the action, never accepted and dropped; no session is
// issued.
func TestRefusedParameters(t *testing.T) {
	f := newFixture(t)
	role := "arn:aws:iam::" + acct + ":role/deploy"
	cases := []struct {
		name    string
		params  []string
		feature string
	}{
		{"session tags", []string{"Action", "AssumeRole", "RoleArn", role, "RoleSessionName", "s2", "Tags.member.1.Key", "team", "Tags.member.1.Value", "blue"}, "session tags"},
		{"transitive tags", []string{"Action", "AssumeRole", "RoleArn", role, "RoleSessionName", "s2", "TransitiveTagKeys.member.1", "team"}, "session tags"},
		{"provided contexts", []string{"Action", "AssumeRole", "RoleArn", role, "RoleSessionName", "s2", "ProvidedContexts.member.1.ProviderArn", "arn:aws:iam::aws:contextProvider/IdentityCenter", "ProvidedContexts.member.1.ContextAssertion", "x"}, "trusted identity propagation"},
		{"federation tags", []string{"Action", "GetFederationToken", "Name", "bob", "Tags.member.1.Key", "team", "Tags.member.1.Value", "blue"}, "session tags"},
	}
	before := sessions(t, f)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := f.call(t, user, form(c.params...))
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "<Code>InvalidParameterValue</Code>") {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			for _, s := range []string{c.feature, c.params[1]} {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("message lacks %q: %s", s, w.Body)
				}
			}
		})
	}
	if n := sessions(t, f); n != before {
		t.Fatalf("%d sessions issued by refused requests", n-before)
	}
}
