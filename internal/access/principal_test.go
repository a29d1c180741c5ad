package access

import (
	"testing"

	"signet/internal/authn"
	"signet/internal/sts"
)

// TestAuthorizeAccountPrincipal: within one account a bucket policy that
// names the account delegates to IAM, it grants nothing by itself; one
// that names the user, the role session or the federated user grants on
// its own; one that names the role (or the user behind a federated
// session) is narrowed by the session policy.
func TestAuthorizeAccountPrincipal(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")
	nobody := f.user(t, "nobody", "/staff/") // no policy at all
	alice := f.user(t, "alice", "/team/")
	f.putUserPolicy(t, "alice", "all", doc(allowAll))
	r := f.role(t, "worker", "/svc/")
	f.putRolePolicy(t, "worker", "all", doc(allowAll))
	sandbox := doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::sandbox/*"}`)
	_, sess := f.assumeRole(t, alice.Principal, r, "boxed", sandbox)
	_, fed := f.federation(t, alice.Principal, "fedboxed", sandbox)
	_, fedNone := f.federation(t, alice.Principal, "fednone", "")
	_, plainSess := f.assumeRole(t, nobody.Principal, r, "plain", "")

	const (
		acctRoot = "arn:aws:iam::" + acct + ":root"
		aliceARN = "arn:aws:iam::" + acct + ":user/team/alice"
	)
	nobodyARN := nobody.Principal.ARN
	roleARN := sts.RoleARN(acct, r)
	allowTo := func(principal string) string {
		return doc(`{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::b/*"}`)
	}
	cases := []struct {
		name   string
		policy string
		cred   *authn.Credential
		action string
		want   string
	}{
		{"account root ARN: user without policy reads", allowTo(acctRoot), nobody, "s3:GetObject", implicit},
		{"account root ARN: user without policy deletes", allowTo(acctRoot), nobody, "s3:DeleteObject", implicit},
		{"account ID: user without policy reads", allowTo(acct), nobody, "s3:GetObject", implicit},
		{"account: user with identity allow", allowTo(acctRoot), alice, "s3:GetObject", allow},
		{"user ARN: user without policy reads", allowTo(nobodyARN), nobody, "s3:GetObject", allow},
		{"account: role session outside its sandbox", allowTo(acctRoot), sess, "s3:PutObject", implicit},
		{"role ARN: role session outside its sandbox", allowTo(roleARN), sess, "s3:PutObject", implicit},
		{"session ARN: role session outside its sandbox", allowTo(sess.Principal.ARN), sess, "s3:PutObject", allow},
		{"role ARN: session without session policy", allowTo(roleARN), plainSess, "s3:PutObject", allow},
		{"account: federated user outside its sandbox", allowTo(acctRoot), fed, "s3:PutObject", implicit},
		{"its user: federated user outside its sandbox", allowTo(aliceARN), fed, "s3:PutObject", implicit},
		{"federated ARN: federated user outside its sandbox", allowTo(fed.Principal.ARN), fed, "s3:PutObject", allow},
		{"account: federated user without session policy", allowTo(acct), fedNone, "s3:GetObject", implicit},
	}
	for _, tc := range cases {
		f.bucketPolicy(t, "b", tc.policy)
		check(t, tc.name, f.authz.Authorize(req("PUT", "/"), header(tc.cred), tc.action, obj("b", "k")), tc.want)
	}

	// Within the sandbox a grant naming the federated user's IAM user
	// counts: the session policy allows, the bucket policy adds to
	// alice's (here empty) identity policies.
	f.bucket(t, "sandbox")
	f.bucketPolicy(t, "sandbox", doc(`{"Effect":"Allow","Principal":{"AWS":"`+nobodyARN+`"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::sandbox/*"}`))
	_, nobodyFed := f.federation(t, nobody.Principal, "nbfed", sandbox)
	check(t, "its user, within the session policy", f.authz.Authorize(req("PUT", "/"), header(nobodyFed), "s3:PutObject", obj("sandbox", "k")), allow)
	// And a deny naming that user reaches its federated sessions.
	f.bucketPolicy(t, "sandbox", doc(`{"Effect":"Deny","Principal":{"AWS":"`+aliceARN+`"},"Action":"s3:*","Resource":"arn:aws:s3:::sandbox/*"}`))
	check(t, "a deny naming its user", f.authz.Authorize(req("PUT", "/"), header(fed), "s3:PutObject", obj("sandbox", "k")), explicit)
}

// TestAuthorizeNotPrincipalSessions: a Deny with NotPrincipal spares a
// role session only when the session ARN, the role and the account are
// all listed.
func TestAuthorizeNotPrincipalSessions(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")
	alice := f.user(t, "alice", "/")
	r := f.role(t, "auditor", "/")
	f.putRolePolicy(t, "auditor", "all", doc(allowAll))
	_, s1 := f.assumeRole(t, alice.Principal, r, "s1", "")
	_, s2 := f.assumeRole(t, alice.Principal, r, "s2", "")
	roleARN := sts.RoleARN(acct, r)
	denyAllBut := func(arns string) string {
		return doc(`{"Effect":"Deny","NotPrincipal":{"AWS":[` + arns + `]},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`)
	}
	q := func(s string) string { return `"` + s + `"` }
	all3 := q(s1.Principal.ARN) + "," + q(roleARN) + "," + q("arn:aws:iam::"+acct+":root")
	cases := []struct {
		name   string
		policy string
		cred   *authn.Credential
		want   string
	}{
		{"session, role and account listed", denyAllBut(all3), s1, allow},
		{"another session of the role", denyAllBut(all3), s2, explicit},
		{"role and account listed, not the session", denyAllBut(q(roleARN) + "," + q("arn:aws:iam::"+acct+":root")), s1, explicit},
		{"only the session listed", denyAllBut(q(s1.Principal.ARN)), s1, explicit},
	}
	for _, tc := range cases {
		f.bucketPolicy(t, "b", tc.policy)
		check(t, tc.name, f.authz.Authorize(req("GET", "/"), header(tc.cred), "s3:GetObject", obj("b", "k")), tc.want)
	}
}
