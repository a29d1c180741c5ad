package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

type tagSetJSON struct {
	TagSet []struct{ Key, Value string }
}

func (s tagSetJSON) String() string {
	var parts []string
	for _, t := range s.TagSet {
		parts = append(parts, t.Key+"="+t.Value)
	}
	return strings.Join(parts, "&")
}

// TestAWSCLITagging: the AWS CLI tags an object at upload and afterwards,
// reads the tags back, removes them, and tags a bucket; its errors are
// AWS's.
func TestAWSCLITagging(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	c := newClientEnv(t)
	dir := t.TempDir()
	writeRandom(t, filepath.Join(dir, "f.bin"), 100)
	const b = "cli-tags"
	c.aws(t, dir, "s3api", "create-bucket", "--bucket", b)
	c.aws(t, dir, "s3api", "put-object", "--bucket", b, "--key", "k", "--body", "f.bin", "--tagging", "team=blue&stage=raw")
	var tags tagSetJSON
	c.awsJSON(t, dir, &tags, "s3api", "get-object-tagging", "--bucket", b, "--key", "k")
	if got := tags.String(); got != "stage=raw&team=blue" {
		t.Errorf("tags after put-object --tagging: %q", got)
	}
	var head struct{ TagCount int }
	c.awsJSON(t, dir, &head, "s3api", "get-object", "--bucket", b, "--key", "k", filepath.Join(dir, "out.bin"))
	if head.TagCount != 2 {
		t.Errorf("get-object TagCount = %d, want 2", head.TagCount)
	}
	c.aws(t, dir, "s3api", "put-object-tagging", "--bucket", b, "--key", "k", "--tagging", "TagSet=[{Key=project,Value=x}]")
	tags = tagSetJSON{}
	c.awsJSON(t, dir, &tags, "s3api", "get-object-tagging", "--bucket", b, "--key", "k")
	if got := tags.String(); got != "project=x" {
		t.Errorf("tags after put-object-tagging: %q", got)
	}
	r := c.run(t, dir, "aws", "--endpoint-url", mainSrv.endpoint, "s3api", "put-object-tagging", "--bucket", b, "--key", "k", "--tagging", "TagSet=[{Key=aws:x,Value=1}]")
	if r.err == nil || !strings.Contains(r.stderr, "(InvalidTag)") {
		t.Errorf("an aws: tag was not refused with InvalidTag:\n%s", r)
	}
	c.aws(t, dir, "s3api", "delete-object-tagging", "--bucket", b, "--key", "k")
	tags = tagSetJSON{}
	c.awsJSON(t, dir, &tags, "s3api", "get-object-tagging", "--bucket", b, "--key", "k")
	if len(tags.TagSet) != 0 {
		t.Errorf("tags after delete-object-tagging: %v", tags)
	}

	r = c.run(t, dir, "aws", "--endpoint-url", mainSrv.endpoint, "s3api", "get-bucket-tagging", "--bucket", b)
	if r.err == nil || !strings.Contains(r.stderr, "(NoSuchTagSet)") {
		t.Errorf("get-bucket-tagging of an untagged bucket:\n%s", r)
	}
	c.aws(t, dir, "s3api", "put-bucket-tagging", "--bucket", b, "--tagging", "TagSet=[{Key=env,Value=prod}]")
	tags = tagSetJSON{}
	c.awsJSON(t, dir, &tags, "s3api", "get-bucket-tagging", "--bucket", b)
	if got := tags.String(); got != "env=prod" {
		t.Errorf("bucket tags: %q", got)
	}
	c.aws(t, dir, "s3api", "delete-bucket-tagging", "--bucket", b)
}
