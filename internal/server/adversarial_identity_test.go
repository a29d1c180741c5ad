package server_test

// Adversarial section: identity re-creation (issue 13, finding 2). AWS
// binds sessions, and the principals of resource and trust policies, to
// the unique ID (AIDA…, AROA…) of a user or role, not to its name: an
// attacker who can delete and re-create a user or role of the same name
// must not revive its old sessions or presigned URLs, nor hand the new
// identity the grants the old one had.

import (
	"net/http"
	"testing"
	"time"

	"signet/internal/sigv4"
)

// deleteReader deletes role "reader" (its inline policy first, as IAM
// requires) and createReader makes a new one of the same name, with the
// same trust and permissions as newIdentityEnv gave the old.
func (ie *identityEnv) deleteReader(t *testing.T) {
	t.Helper()
	ie.iam(t, "Action", "DeleteRolePolicy", "RoleName", "reader", "PolicyName", "all")
	ie.iam(t, "Action", "DeleteRole", "RoleName", "reader")
}

func (ie *identityEnv) createReader(t *testing.T, trust string) {
	t.Helper()
	ie.iam(t, "Action", "CreateRole", "RoleName", "reader", "AssumeRolePolicyDocument", trust, "MaxSessionDuration", "43200")
	ie.iam(t, "Action", "PutRolePolicy", "RoleName", "reader", "PolicyName", "all", "PolicyDocument", readAll)
}

// trustAccount trusts every identity of the account that is allowed
// sts:AssumeRole (the account principal is not bound to any one user).
func (ie *identityEnv) trustAccount() string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + ie.account(nil) + `:root"},"Action":"sts:AssumeRole"}]}`
}

// account is the server's account ID, read from the role's ARN.
func (ie *identityEnv) account(*testing.T) string { return ie.roleARN[len("arn:aws:iam::"):][:12] }

// wantInvalidToken: a dead owner's session fails as an invalid token, on
// S3 and on the Query APIs, never as the newcomer.
func (ie *identityEnv) wantInvalidToken(t *testing.T, what, u string, sess sigv4.Credentials) {
	t.Helper()
	e := wantErr(t, do(t, ie.httpc, http.MethodGet, u, nil, nil), 400, "InvalidToken")
	if e.Message != "The provided token is malformed or otherwise not valid." {
		t.Errorf("%s: InvalidToken message %q", what, e.Message)
	}
	ie.queryErr(t, "sts", sess, 403, "InvalidClientTokenId", "Action", "GetCallerIdentity")
}

func TestAdversarialIdentityRoleSessionDiesWithItsRole(t *testing.T) {
	ie := newIdentityEnv(t)
	sess := ie.assume(t, ie.alice, ie.roleARN, "old", 43200)
	u := ie.presign(t, sess.sig(), 24*time.Hour)
	wantOK(t, ie.at(t, time.Minute, u), 200, ie.body)

	ie.deleteReader(t)
	ie.wantInvalidToken(t, "role deleted", u, sess.sig())

	// The same name again, with the very permissions the old role had:
	// the old session and its URL stay dead.
	ie.createReader(t, ie.trustAccount())
	ie.wantInvalidToken(t, "role re-created", u, sess.sig())
	// A URL signed now with the old session is just as dead.
	ie.wantInvalidToken(t, "signed after re-creation", ie.presign(t, sess.sig(), time.Hour), sess.sig())

	// The new role's own sessions work.
	fresh := ie.assume(t, ie.alice, ie.roleARN, "new", 3600)
	wantOK(t, ie.at(t, 2*time.Minute, ie.presign(t, fresh.sig(), time.Hour)), 200, ie.body)
}

func TestAdversarialIdentityUserSessionDiesWithItsUser(t *testing.T) {
	ie := newIdentityEnv(t)
	var tok sessionTokenXML
	ie.okCall(t, "sts", ie.alice, &tok, "Action", "GetSessionToken")
	sess := tok.Result.Credentials.sig()
	u := ie.presign(t, sess, 24*time.Hour)
	wantOK(t, ie.at(t, time.Minute, u), 200, ie.body)

	// Deleting alice takes her key and policy first, as IAM requires.
	ie.iam(t, "Action", "DeleteAccessKey", "UserName", "alice", "AccessKeyId", ie.alice.AccessKeyID)
	ie.iam(t, "Action", "DeleteUserPolicy", "UserName", "alice", "PolicyName", "all")
	ie.iam(t, "Action", "DeleteUser", "UserName", "alice")
	ie.wantInvalidToken(t, "user deleted", u, sess)

	ie.iam(t, "Action", "CreateUser", "UserName", "alice")
	ie.iam(t, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "all", "PolicyDocument", readAll)
	ie.wantInvalidToken(t, "user re-created", u, sess)
}
