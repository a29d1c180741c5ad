package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// The account-level Block Public Access (S3 Control) with unchanged
// clients. S3 Control clients address ACCOUNT.<endpoint host>; nothing
// resolves ACCOUNT.127.0.0.1 here, so testdata/s3control/sitecustomize.py
// (on PYTHONPATH) resolves it to 127.0.0.1 and the request arrives as the
// client made it. Each test runs its own signet: the account's settings
// reach every bucket, and the main server's are shared by parallel tests.

// startOwnSignet starts a signet for one test and stops it at the end.
func startOwnSignet(t *testing.T) *signetProc {
	t.Helper()
	p, err := startSignet(filepath.Join(t.TempDir(), "data"), nil, nil)
	if err != nil {
		t.Fatalf("starting signet: %v", err)
	}
	procMu.Lock()
	extraProc = append(extraProc, p)
	procMu.Unlock()
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("stopping signet: %v", err)
		}
	})
	return p
}

// withS3ControlResolver puts testdata/s3control on c's PYTHONPATH.
func withS3ControlResolver(t *testing.T, c *clientEnv) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "s3control"))
	if err != nil {
		t.Fatal(err)
	}
	c.env = append(c.env, "PYTHONPATH="+dir)
}

func TestBoto3S3ControlPublicAccessBlock(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	p := startOwnSignet(t)
	c := newClientEnv(t)
	withS3ControlResolver(t, c)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_s3control.py"))
	if err != nil {
		t.Fatal(err)
	}
	r := c.run(t, "", "python3", script, p.endpoint, "boto3-s3control")
	var out struct {
		Error, Traceback string
		Checks           map[string]bool
		Hosts            []string
	}
	if err := json.Unmarshal([]byte(lastLine(r.stdout)), &out); err != nil {
		t.Fatalf("script output is not JSON: %v\n%s", err, r)
	}
	if r.err != nil || out.Error != "" {
		t.Fatalf("boto3 flow failed: %s\n%s\n%s", out.Error, out.Traceback, r)
	}
	for _, name := range []string{"get_none", "put_get", "host_prefix", "block_public_acls", "block_public_policy", "other_account", "deleted", "acl_after_delete"} {
		ok, ran := out.Checks[name]
		switch {
		case !ran:
			t.Errorf("check %s did not run", name)
		case !ok:
			t.Errorf("check %s failed (hosts %q)", name, out.Hosts)
		}
	}
}

func TestAWSCLIS3ControlPublicAccessBlock(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	p := startOwnSignet(t)
	c := newClientEnv(t)
	withS3ControlResolver(t, c)
	acct := strings.TrimSpace(c.ok(t, "", "aws", "sts", "get-caller-identity", "--endpoint-url", p.endpoint, "--query", "Account", "--output", "text").stdout)
	ctl := func(args ...string) result {
		return c.run(t, "", "aws", append([]string{"s3control"}, append(args, "--account-id", acct, "--endpoint-url", p.endpoint)...)...)
	}
	if r := ctl("get-public-access-block"); r.err == nil || !strings.Contains(r.stderr, "NoSuchPublicAccessBlockConfiguration") {
		t.Fatalf("get before any:\n%s", r)
	}
	if r := ctl("put-public-access-block", "--public-access-block-configuration", "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=true"); r.err != nil {
		t.Fatalf("put:\n%s", r)
	}
	r := ctl("get-public-access-block", "--output", "json")
	var got struct {
		PublicAccessBlockConfiguration map[string]bool
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.err != nil {
		t.Fatalf("get: %v\n%s", err, r)
	}
	want := map[string]bool{"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": false, "RestrictPublicBuckets": true}
	for k, v := range want {
		if g, ok := got.PublicAccessBlockConfiguration[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	// The account's BlockPublicAcls holds a bucket whose own is off.
	c.ok(t, "", "aws", "s3api", "create-bucket", "--bucket", "cli-s3control", "--object-ownership", "ObjectWriter", "--endpoint-url", p.endpoint)
	c.ok(t, "", "aws", "s3api", "delete-public-access-block", "--bucket", "cli-s3control", "--endpoint-url", p.endpoint)
	if r := c.run(t, "", "aws", "s3api", "put-bucket-acl", "--bucket", "cli-s3control", "--acl", "public-read", "--endpoint-url", p.endpoint); r.err == nil || !strings.Contains(r.stderr, "AccessDenied") {
		t.Fatalf("put-bucket-acl public-read under the account's BlockPublicAcls:\n%s", r)
	}
	if r := ctl("delete-public-access-block"); r.err != nil {
		t.Fatalf("delete:\n%s", r)
	}
	if r := ctl("get-public-access-block"); r.err == nil || !strings.Contains(r.stderr, "NoSuchPublicAccessBlockConfiguration") {
		t.Fatalf("get after delete:\n%s", r)
	}
	c.ok(t, "", "aws", "s3api", "put-bucket-acl", "--bucket", "cli-s3control", "--acl", "public-read", "--endpoint-url", p.endpoint)
}
