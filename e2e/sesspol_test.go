package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Managed session policies with the unchanged AWS CLI: a role session made
// with --policy-arns AmazonS3ReadOnlyAccess reads but cannot upload,
// although its role may; signet admin session show lists the ARN; a
// federation token given only --policy-arns gets exactly that policy; an
// unknown ARN is refused as on AWS.
func TestAWSCLIPolicyARNs(t *testing.T) {
	w := newIdentityWorld(t)
	c, p := w.root, w.p
	c.at(t, p, "iam", "put-role-policy", "--role-name", "reader", "--policy-name", "write-life", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::life/*"}]}`)
	const readOnly = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	src := filepath.Join(t.TempDir(), "upload.bin")
	writeRandom(t, src, 1000)
	dst := filepath.Join(t.TempDir(), "got.jpg")

	// Without a session policy the role uploads; with the read-only ARN it
	// does not, and still reads.
	_, full := w.assume(t, "full")
	full.at(t, p, "s3", "cp", src, "s3://life/by-full.bin")
	out, ro := w.assume(t, "ro", "--policy-arns", "arn="+readOnly)
	ro.atFails(t, p, "AccessDenied", "s3", "cp", src, "s3://life/by-ro.bin")
	ro.at(t, p, "s3", "cp", "s3://life/yawning-cat.jpg", dst)
	if got, err := os.ReadFile(dst); err != nil || string(got) != string(w.body) {
		t.Fatalf("download by the read-only session: %v, %d bytes", err, len(got))
	}
	w.wantBytes(t, ro.presignAt(t, p, "s3://life/yawning-cat.jpg"), "URL presigned by the read-only session")

	r := c.admin(t, p, "session", "show", out.Credentials.AccessKeyId)
	if !strings.Contains(r.stdout, "session policy arn:   "+readOnly) {
		t.Errorf("session show does not list the session policy ARN:\n%s", r)
	}

	// A federation token: alice may read life and call
	// sts:GetFederationToken; the token gets the ARN's permissions within
	// hers.
	c.at(t, p, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "federate",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"}]}`)
	var fed struct {
		Credentials      struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		PackedPolicySize int
	}
	w.alice.atJSON(t, p, &fed, "sts", "get-federation-token", "--name", "fed-ro", "--policy-arns", "arn="+readOnly)
	if fed.PackedPolicySize < 1 {
		t.Errorf("get-federation-token PackedPolicySize %d", fed.PackedPolicySize)
	}
	c.addProfile(t, "fed-ro", fed.Credentials.AccessKeyId, fed.Credentials.SecretAccessKey, fed.Credentials.SessionToken)
	fedc := c.withProfile("fed-ro")
	fedc.at(t, p, "s3", "cp", "s3://life/yawning-cat.jpg", dst)
	fedc.atFails(t, p, "AccessDenied", "s3", "cp", src, "s3://life/by-fed.bin")

	// An ARN that names no policy.
	acct := strings.Split(w.roleARN, ":")[4]
	r = w.alice.atFails(t, p, "MalformedPolicyDocument", "sts", "assume-role", "--role-arn", w.roleARN, "--role-session-name", "bad",
		"--policy-arns", "arn=arn:aws:iam::"+acct+":policy/NoSuchPolicy")
	if !strings.Contains(r.stderr, "does not exist or is not attachable") {
		t.Errorf("unknown ARN: %s", r.stderr)
	}
}
