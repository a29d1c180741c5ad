package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// The AWS CLI's list-object-versions on a bucket that was never versioned
// (paged two at a time, so it follows NextKeyMarker and
// NextVersionIdMarker), then boto3's bucket.object_versions.delete(), the
// "empty this bucket" call of generic tools, and DeleteBucket.
func TestAWSCLIListObjectVersionsAndBoto3Empty(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	requireTool(t, "python3", "-c", "import boto3")
	c := newClientEnv(t)
	const bucket = "versions-cli"
	c.aws(t, "", "s3", "mb", "s3://"+bucket)
	keys := []string{"a", "dir/b", "dir/c d", "e+f"}
	for _, k := range keys {
		c.aws(t, "", "s3api", "put-object", "--bucket", bucket, "--key", k)
	}

	var got struct {
		Versions []struct {
			Key       string
			VersionId string
			IsLatest  bool
			Size      int64
		}
		DeleteMarkers []any
	}
	c.awsJSON(t, "", &got, "s3api", "list-object-versions", "--bucket", bucket, "--page-size", "2")
	var listed []string
	for _, v := range got.Versions {
		if v.VersionId != "null" || !v.IsLatest || v.Size != 0 {
			t.Errorf("version %+v: want the null version, latest, empty", v)
		}
		listed = append(listed, v.Key)
	}
	if !slices.Equal(listed, keys) || len(got.DeleteMarkers) != 0 {
		t.Fatalf("list-object-versions listed %q and %d delete markers, want %q and none", listed, len(got.DeleteMarkers), keys)
	}

	script := `
import sys, json, boto3
from botocore.config import Config
s3 = boto3.resource("s3", endpoint_url=sys.argv[1], config=Config(s3={"addressing_style": "path"}))
b = s3.Bucket(sys.argv[2])
out = b.object_versions.delete()
b.delete()
print(json.dumps({"deleted": sorted(d["Key"] + "@" + d.get("VersionId", "") for r in out for d in r.get("Deleted", [])),
                  "errors": [e for r in out for e in r.get("Errors", [])]}))
`
	r := c.ok(t, "", "python3", "-c", script, mainSrv.endpoint, bucket)
	var res struct {
		Deleted []string
		Errors  []any
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &res); err != nil {
		t.Fatalf("boto3 output: %v\n%s", err, r)
	}
	want := []string{"a@null", "dir/b@null", "dir/c d@null", "e+f@null"}
	if !slices.Equal(res.Deleted, want) || len(res.Errors) != 0 {
		t.Fatalf("object_versions.delete(): deleted %q, errors %v; want %q", res.Deleted, res.Errors, want)
	}
	if r := c.run(t, "", "aws", "--endpoint-url", mainSrv.endpoint, "s3api", "head-bucket", "--bucket", bucket); r.err == nil {
		t.Fatalf("bucket still exists after boto3 emptied and deleted it:\n%s", r)
	}
}

// A versioned bucket with the AWS CLI (put-bucket-versioning, versions
// and a delete marker listed by list-object-versions), emptied by boto3's
// bucket.object_versions.delete() and deleted.
func TestAWSCLIVersionedBucketAndBoto3Empty(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	requireTool(t, "python3", "-c", "import boto3")
	c := newClientEnv(t)
	const bucket = "versioned-cli"
	c.aws(t, "", "s3", "mb", "s3://"+bucket)
	c.aws(t, "", "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")
	var state struct{ Status string }
	c.awsJSON(t, "", &state, "s3api", "get-bucket-versioning", "--bucket", bucket)
	if state.Status != "Enabled" {
		t.Fatalf("get-bucket-versioning: %+v", state)
	}
	var ids []string
	for range 2 {
		var put struct{ VersionId string }
		c.awsJSON(t, "", &put, "s3api", "put-object", "--bucket", bucket, "--key", "k")
		ids = append(ids, put.VersionId)
	}
	var del struct {
		DeleteMarker bool
		VersionId    string
	}
	c.awsJSON(t, "", &del, "s3api", "delete-object", "--bucket", bucket, "--key", "k")
	if !del.DeleteMarker || del.VersionId == "" {
		t.Fatalf("delete-object: %+v", del)
	}
	var got struct {
		Versions []struct {
			VersionId string
			IsLatest  bool
		}
		DeleteMarkers []struct {
			VersionId string
			IsLatest  bool
		}
	}
	c.awsJSON(t, "", &got, "s3api", "list-object-versions", "--bucket", bucket)
	if len(got.Versions) != 2 || got.Versions[0].VersionId != ids[1] || got.Versions[1].VersionId != ids[0] || got.Versions[0].IsLatest ||
		len(got.DeleteMarkers) != 1 || got.DeleteMarkers[0].VersionId != del.VersionId || !got.DeleteMarkers[0].IsLatest {
		t.Fatalf("list-object-versions: %+v; want versions %q (newest first) under marker %s", got, ids, del.VersionId)
	}
	script := `
import sys, boto3
from botocore.config import Config
s3 = boto3.resource("s3", endpoint_url=sys.argv[1], config=Config(s3={"addressing_style": "path"}))
b = s3.Bucket(sys.argv[2])
b.object_versions.delete()
b.delete()
print("ok")
`
	if r := c.ok(t, "", "python3", "-c", script, mainSrv.endpoint, bucket); strings.TrimSpace(r.stdout) != "ok" {
		t.Fatalf("boto3: %s", r)
	}
}
