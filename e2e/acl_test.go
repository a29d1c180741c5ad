package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The AWS CLI's Object Ownership, ACL and Block Public Access commands
// against the built binary, as on AWS today: a new bucket has ACLs off and
// public access blocked; once the owner turns both on, put-object-acl
// --acl public-read makes an object readable by an unsigned curl, and
// IgnorePublicAcls closes it again.
func TestAWSCLIACLs(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	requireTool(t, "curl", "--version")
	c := newClientEnv(t)
	const bucket = "acl-cli"
	dir := t.TempDir()
	content := []byte("readable by anyone once public")
	if err := os.WriteFile(filepath.Join(dir, "f.txt"), content, 0o600); err != nil {
		t.Fatal(err)
	}
	fails := func(want string, args ...string) {
		t.Helper()
		r := c.run(t, dir, "aws", append([]string{"--endpoint-url", mainSrv.endpoint}, args...)...)
		if r.err == nil || !strings.Contains(r.stderr, want) {
			t.Fatalf("want %s:\n%s", want, r)
		}
	}
	c.aws(t, "", "s3", "mb", "s3://"+bucket)

	var own struct {
		OwnershipControls struct {
			Rules []struct{ ObjectOwnership string }
		}
	}
	c.awsJSON(t, "", &own, "s3api", "get-bucket-ownership-controls", "--bucket", bucket)
	if r := own.OwnershipControls.Rules; len(r) != 1 || r[0].ObjectOwnership != "BucketOwnerEnforced" {
		t.Fatalf("a new bucket's ownership controls: %+v", own)
	}
	fails("(AccessControlListNotSupported)", "s3api", "put-object", "--bucket", bucket, "--key", "f.txt", "--body", "f.txt", "--acl", "public-read")

	c.aws(t, "", "s3api", "put-bucket-ownership-controls", "--bucket", bucket,
		"--ownership-controls", "Rules=[{ObjectOwnership=ObjectWriter}]")
	c.aws(t, dir, "s3", "cp", "f.txt", "s3://"+bucket+"/f.txt")
	// Block Public Access is on for a new bucket.
	var pab struct {
		PublicAccessBlockConfiguration struct {
			BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets bool
		}
	}
	c.awsJSON(t, "", &pab, "s3api", "get-public-access-block", "--bucket", bucket)
	if p := pab.PublicAccessBlockConfiguration; !p.BlockPublicAcls || !p.IgnorePublicAcls || !p.BlockPublicPolicy || !p.RestrictPublicBuckets {
		t.Fatalf("a new bucket's public access block: %+v", p)
	}
	fails("(AccessDenied)", "s3api", "put-object-acl", "--bucket", bucket, "--key", "f.txt", "--acl", "public-read")
	c.aws(t, "", "s3api", "delete-public-access-block", "--bucket", bucket)
	fails("(NoSuchPublicAccessBlockConfiguration)", "s3api", "get-public-access-block", "--bucket", bucket)

	objURL := mainSrv.endpoint + "/" + bucket + "/f.txt"
	if r := c.curl(t, objURL); r.status != 403 {
		t.Fatalf("anonymous GET of a private object:\n%s", r)
	}
	c.aws(t, "", "s3api", "put-object-acl", "--bucket", bucket, "--key", "f.txt", "--acl", "public-read")
	var acl struct {
		Grants []struct {
			Grantee    struct{ Type, ID, URI string }
			Permission string
		}
	}
	c.awsJSON(t, "", &acl, "s3api", "get-object-acl", "--bucket", bucket, "--key", "f.txt")
	if len(acl.Grants) != 2 || acl.Grants[0].Permission != "FULL_CONTROL" ||
		acl.Grants[1].Grantee.URI != "http://acs.amazonaws.com/groups/global/AllUsers" || acl.Grants[1].Permission != "READ" {
		t.Fatalf("get-object-acl after --acl public-read: %+v", acl)
	}
	r := c.curl(t, objURL)
	if r.status != 200 || string(r.body) != string(content) {
		t.Fatalf("anonymous GET of a public-read object:\n%s", r)
	}

	c.aws(t, "", "s3api", "put-public-access-block", "--bucket", bucket,
		"--public-access-block-configuration", "IgnorePublicAcls=true")
	if r := c.curl(t, objURL); r.status != 403 {
		t.Fatalf("anonymous GET under IgnorePublicAcls:\n%s", r)
	}
	fails("(NoSuchBucketPolicy)", "s3api", "get-bucket-policy-status", "--bucket", bucket)
}
