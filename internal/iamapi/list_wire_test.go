package iamapi

import (
	"regexp"
	"testing"
)

// uniqueIDs are the random parts of IAM's IDs, replaced so the wire can be
// compared to the letter.
var uniqueIDs = regexp.MustCompile(`\b(AIDA|AKIA|AROA|ANPA)[A-Z0-9]{12,}`)

// TestListWire pins every list action's answer to the byte: the list's
// element, its members, IsTruncated, and Marker only on a truncated page.
func TestListWire(t *testing.T) {
	f := newFixture(t)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	for _, c := range [][]string{
		{"CreateUser", "UserName", "bob"},
		{"CreateUser", "UserName", "carol", "Path", "/team/"},
		{"CreateAccessKey", "UserName", "bob"},
		{"CreateRole", "RoleName", "R", "AssumeRolePolicyDocument", trust},
		{"PutUserPolicy", "UserName", "bob", "PolicyName", "p1", "PolicyDocument", doc},
		{"PutUserPolicy", "UserName", "bob", "PolicyName", "p2", "PolicyDocument", doc},
		{"PutRolePolicy", "RoleName", "R", "PolicyName", "rp", "PolicyDocument", doc},
		{"CreatePolicy", "PolicyName", "readers", "PolicyDocument", doc},
		{"AttachUserPolicy", "UserName", "bob", "PolicyArn", "arn:aws:iam::123456789012:policy/readers"},
		{"AttachRolePolicy", "RoleName", "R", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
	} {
		ok(t, f.do(t, rootP, c[0], c[1:]...), nil)
	}
	const head = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	const meta = `<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>`
	const ns = ` xmlns="https://iam.amazonaws.com/doc/2010-05-08/"`
	const date = `2026-03-01T12:00:00Z`
	cases := []struct {
		call []string
		want string
	}{
		{[]string{"ListUsers"}, `<ListUsersResponse` + ns + `><ListUsersResult><Users>` +
			`<member><Path>/</Path><UserName>bob</UserName><UserId>AIDA…</UserId><Arn>arn:aws:iam::123456789012:user/bob</Arn><CreateDate>` + date + `</CreateDate></member>` +
			`<member><Path>/team/</Path><UserName>carol</UserName><UserId>AIDA…</UserId><Arn>arn:aws:iam::123456789012:user/team/carol</Arn><CreateDate>` + date + `</CreateDate></member>` +
			`</Users><IsTruncated>false</IsTruncated></ListUsersResult>` + meta + `</ListUsersResponse>`},
		{[]string{"ListUsers", "MaxItems", "1"}, `<ListUsersResponse` + ns + `><ListUsersResult><Users>` +
			`<member><Path>/</Path><UserName>bob</UserName><UserId>AIDA…</UserId><Arn>arn:aws:iam::123456789012:user/bob</Arn><CreateDate>` + date + `</CreateDate></member>` +
			`</Users><IsTruncated>true</IsTruncated><Marker>bzox</Marker></ListUsersResult>` + meta + `</ListUsersResponse>`},
		{[]string{"ListUsers", "PathPrefix", "/nobody/"}, `<ListUsersResponse` + ns + `><ListUsersResult><Users></Users><IsTruncated>false</IsTruncated></ListUsersResult>` + meta + `</ListUsersResponse>`},
		{[]string{"ListAccessKeys", "UserName", "bob"}, `<ListAccessKeysResponse` + ns + `><ListAccessKeysResult><AccessKeyMetadata>` +
			`<member><UserName>bob</UserName><AccessKeyId>AKIA…</AccessKeyId><Status>Active</Status><CreateDate>` + date + `</CreateDate></member>` +
			`</AccessKeyMetadata><IsTruncated>false</IsTruncated></ListAccessKeysResult>` + meta + `</ListAccessKeysResponse>`},
		{[]string{"ListRoles"}, `<ListRolesResponse` + ns + `><ListRolesResult><Roles>` +
			`<member><Path>/</Path><RoleName>R</RoleName><RoleId>AROA…</RoleId><Arn>arn:aws:iam::123456789012:role/R</Arn><CreateDate>` + date + `</CreateDate>` +
			`<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A123456789012%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D</AssumeRolePolicyDocument>` +
			`<MaxSessionDuration>3600</MaxSessionDuration></member>` +
			`</Roles><IsTruncated>false</IsTruncated></ListRolesResult>` + meta + `</ListRolesResponse>`},
		{[]string{"ListUserPolicies", "UserName", "bob", "MaxItems", "1"}, `<ListUserPoliciesResponse` + ns + `><ListUserPoliciesResult><PolicyNames>` +
			`<member>p1</member></PolicyNames><IsTruncated>true</IsTruncated><Marker>bzox</Marker></ListUserPoliciesResult>` + meta + `</ListUserPoliciesResponse>`},
		{[]string{"ListRolePolicies", "RoleName", "R"}, `<ListRolePoliciesResponse` + ns + `><ListRolePoliciesResult><PolicyNames>` +
			`<member>rp</member></PolicyNames><IsTruncated>false</IsTruncated></ListRolePoliciesResult>` + meta + `</ListRolePoliciesResponse>`},
		{[]string{"ListPolicies", "Scope", "Local"}, `<ListPoliciesResponse` + ns + `><ListPoliciesResult><Policies>` +
			`<member><PolicyName>readers</PolicyName><PolicyId>ANPA…</PolicyId><Arn>arn:aws:iam::123456789012:policy/readers</Arn><Path>/</Path><DefaultVersionId>v1</DefaultVersionId>` +
			`<AttachmentCount>1</AttachmentCount><PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable><CreateDate>` + date + `</CreateDate><UpdateDate>` + date + `</UpdateDate></member>` +
			`</Policies><IsTruncated>false</IsTruncated></ListPoliciesResult>` + meta + `</ListPoliciesResponse>`},
		{[]string{"ListAttachedUserPolicies", "UserName", "bob"}, `<ListAttachedUserPoliciesResponse` + ns + `><ListAttachedUserPoliciesResult><AttachedPolicies>` +
			`<member><PolicyName>readers</PolicyName><PolicyArn>arn:aws:iam::123456789012:policy/readers</PolicyArn></member>` +
			`</AttachedPolicies><IsTruncated>false</IsTruncated></ListAttachedUserPoliciesResult>` + meta + `</ListAttachedUserPoliciesResponse>`},
		{[]string{"ListAttachedRolePolicies", "RoleName", "R"}, `<ListAttachedRolePoliciesResponse` + ns + `><ListAttachedRolePoliciesResult><AttachedPolicies>` +
			`<member><PolicyName>AmazonS3ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess</PolicyArn></member>` +
			`</AttachedPolicies><IsTruncated>false</IsTruncated></ListAttachedRolePoliciesResult>` + meta + `</ListAttachedRolePoliciesResponse>`},
	}
	for _, c := range cases {
		w := f.do(t, rootP, c.call[0], c.call[1:]...)
		ok(t, w, nil)
		if got := uniqueIDs.ReplaceAllString(w.Body.String(), "$1…"); got != head+c.want {
			t.Errorf("%v:\n got %s\nwant %s", c.call, got, head+c.want)
		}
	}
}
