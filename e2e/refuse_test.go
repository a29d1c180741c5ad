package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSCLIRefusedFeatures pins finding 9 with the real AWS CLI: asking
// for Object Lock, retention or SSE fails with AWS's error naming the
// feature, and nothing is created. (A public ACL on a bucket with ACLs
// off is AWS's AccessControlListNotSupported: acl_test.go.)
func TestAWSCLIRefusedFeatures(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	c := newClientEnv(t)
	dir := t.TempDir()
	writeRandom(t, filepath.Join(dir, "f.bin"), 100)
	const b = "cli-refuse"
	fails := func(want string, args ...string) {
		t.Helper()
		r := c.run(t, dir, "aws", append([]string{"--endpoint-url", mainSrv.endpoint}, args...)...)
		if r.err == nil || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "signet does not implement") {
			t.Fatalf("want a refusal with %s:\n%s", want, r)
		}
	}
	fails("(NotImplemented)", "s3api", "create-bucket", "--bucket", b+"-locked", "--object-lock-enabled-for-bucket")
	c.aws(t, dir, "s3api", "create-bucket", "--bucket", b)
	fails("(NotImplemented)", "s3api", "put-object", "--bucket", b, "--key", "k", "--body", "f.bin",
		"--object-lock-mode", "GOVERNANCE", "--object-lock-retain-until-date", "2030-01-01T00:00:00Z")
	fails("(NotImplemented)", "s3api", "put-object", "--bucket", b, "--key", "k", "--body", "f.bin", "--website-redirect-location", "/elsewhere")
	r := c.aws(t, dir, "s3api", "list-objects-v2", "--bucket", b, "--output", "json")
	if strings.Contains(r.stdout, `"Key"`) {
		t.Fatalf("a refused put left an object:\n%s", r)
	}
	if r := c.run(t, dir, "aws", "--endpoint-url", mainSrv.endpoint, "s3api", "head-bucket", "--bucket", b+"-locked"); r.err == nil {
		t.Fatalf("the object-lock bucket exists:\n%s", r)
	}
}
