package iamapi

import (
	"strings"
	"testing"
)

// TestRefusedParameters pins finding 9 for IAM: a parameter of a served
// action that selects a feature signet does not implement is refused with
// InvalidInput naming the feature and the action, never accepted and
// dropped, and nothing is created.
func TestRefusedParameters(t *testing.T) {
	f := newFixture(t)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	cases := []struct {
		name, action string
		params       []string
		feature      string
	}{
		{"user tags", "CreateUser", []string{"UserName", "tagged", "Tags.member.1.Key", "team", "Tags.member.1.Value", "blue"}, "tags"},
		{"role tags", "CreateRole", []string{"RoleName", "tagged", "AssumeRolePolicyDocument", trust, "Tags.member.1.Key", "team", "Tags.member.1.Value", "blue"}, "tags"},
		{"policy tags", "CreatePolicy", []string{"PolicyName", "tagged", "PolicyDocument", doc, "Tags.member.1.Key", "team", "Tags.member.1.Value", "blue"}, "tags"},
		{"user boundary", "CreateUser", []string{"UserName", "bounded", "PermissionsBoundary", "arn:aws:iam::aws:policy/ReadOnlyAccess"}, "permissions boundaries"},
		{"boundary filter", "ListPolicies", []string{"OnlyAttached", "true", "PolicyUsageFilter", "PermissionsBoundary"}, "permissions boundaries"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := f.do(t, rootP, c.action, c.params...)
			fails(t, w, 400, "InvalidInput", "")
			for _, s := range []string{c.feature, c.action} {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("message lacks %q: %s", s, w.Body)
				}
			}
		})
	}
	for _, a := range [][]string{{"GetUser", "UserName", "tagged"}, {"GetRole", "RoleName", "tagged"}} {
		fails(t, f.do(t, rootP, a[0], a[1:]...), 404, "NoSuchEntity", "")
	}
	// The filter value that selects every signet policy is honoured.
	ok(t, f.do(t, rootP, "ListPolicies", "PolicyUsageFilter", "PermissionsPolicy"), nil)
}
