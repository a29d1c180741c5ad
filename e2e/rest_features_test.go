package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAWSCLIRestOfS3 drives, with the AWS CLI, what tools call besides
// versions, tags and ACLs: a multipart upload into a versioned bucket
// completed twice (the repeat answers the same ETag and VersionId),
// get-object --part-number, get-object-attributes of the current object
// and of an older version by --version-id, list-buckets paged by
// --max-buckets and --continuation-token within a --prefix, and listings
// of keys XML cannot carry (botocore asks for EncodingType=url and
// decodes what signet encodes).
func TestAWSCLIRestOfS3(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	c := newClientEnv(t)
	dir := t.TempDir()
	const bucket = "cli-rest"
	c.aws(t, dir, "s3api", "create-bucket", "--bucket", bucket)
	c.aws(t, dir, "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")

	// Multipart, completed twice.
	p1 := writeRandom(t, filepath.Join(dir, "p1"), 5<<20)
	p2 := writeRandom(t, filepath.Join(dir, "p2"), 1000)
	var cmu struct{ UploadId string }
	c.awsJSON(t, dir, &cmu, "s3api", "create-multipart-upload", "--bucket", bucket, "--key", "mp.bin")
	var e1, e2 struct{ ETag string }
	c.awsJSON(t, dir, &e1, "s3api", "upload-part", "--bucket", bucket, "--key", "mp.bin", "--upload-id", cmu.UploadId, "--part-number", "1", "--body", "p1")
	c.awsJSON(t, dir, &e2, "s3api", "upload-part", "--bucket", bucket, "--key", "mp.bin", "--upload-id", cmu.UploadId, "--part-number", "2", "--body", "p2")
	mpu, _ := json.Marshal(map[string]any{"Parts": []map[string]any{{"PartNumber": 1, "ETag": e1.ETag}, {"PartNumber": 2, "ETag": e2.ETag}}})
	type completed struct{ ETag, VersionId string }
	var first, again completed
	complete := []string{"s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "mp.bin", "--upload-id", cmu.UploadId, "--multipart-upload", string(mpu)}
	c.awsJSON(t, dir, &first, complete...)
	c.awsJSON(t, dir, &again, complete...)
	if first.VersionId == "" || first.VersionId == "null" || again != first || strings.Trim(first.ETag, `"`) != multipartETag(append(p1, p2...), 5<<20) {
		t.Errorf("complete-multipart-upload %+v, then repeated %+v", first, again)
	}

	// One part of it.
	var part struct {
		PartsCount    int
		ContentRange  string
		ContentLength int64
	}
	c.awsJSON(t, dir, &part, "s3api", "get-object", "--bucket", bucket, "--key", "mp.bin", "--part-number", "2", "part2")
	if got, err := os.ReadFile(filepath.Join(dir, "part2")); err != nil || !bytes.Equal(got, p2) ||
		part.PartsCount != 2 || part.ContentRange != "bytes 5242880-5243879/5243880" || part.ContentLength != 1000 {
		t.Errorf("get-object --part-number 2: %+v, %v", part, err)
	}

	// Attributes of the current object, then of the multipart version
	// once a newer one is current.
	type attrs struct {
		ETag        string
		ObjectSize  int64
		VersionId   string
		ObjectParts struct{ TotalPartsCount int }
	}
	var cur attrs
	c.awsJSON(t, dir, &cur, "s3api", "get-object-attributes", "--bucket", bucket, "--key", "mp.bin", "--object-attributes", "ETag", "ObjectSize", "ObjectParts")
	if cur.ObjectSize != 5<<20+1000 || cur.ObjectParts.TotalPartsCount != 2 || cur.VersionId != first.VersionId || `"`+cur.ETag+`"` != first.ETag {
		t.Errorf("get-object-attributes: %+v", cur)
	}
	var newer struct{ VersionId string }
	c.awsJSON(t, dir, &newer, "s3api", "put-object", "--bucket", bucket, "--key", "mp.bin", "--body", "p2")
	var old attrs
	c.awsJSON(t, dir, &old, "s3api", "get-object-attributes", "--bucket", bucket, "--key", "mp.bin", "--version-id", first.VersionId, "--object-attributes", "ObjectSize")
	if old.ObjectSize != 5<<20+1000 || old.VersionId != first.VersionId || newer.VersionId == first.VersionId {
		t.Errorf("get-object-attributes --version-id %s: %+v", first.VersionId, old)
	}

	// list-buckets, one page at a time.
	for _, b := range []string{"clilb-a", "clilb-b", "clilb-c"} {
		c.aws(t, dir, "s3api", "create-bucket", "--bucket", b)
	}
	type bucketPage struct {
		Buckets           []struct{ Name string }
		ContinuationToken string
		Prefix            string
	}
	var page1, page2 bucketPage
	c.awsJSON(t, dir, &page1, "s3api", "list-buckets", "--prefix", "clilb-", "--max-buckets", "2", "--no-paginate")
	if len(page1.Buckets) != 2 || page1.Buckets[1].Name != "clilb-b" || page1.ContinuationToken == "" || page1.Prefix != "clilb-" {
		t.Fatalf("list-buckets page 1: %+v", page1)
	}
	c.awsJSON(t, dir, &page2, "s3api", "list-buckets", "--prefix", "clilb-", "--max-buckets", "2", "--no-paginate", "--continuation-token", page1.ContinuationToken)
	if len(page2.Buckets) != 1 || page2.Buckets[0].Name != "clilb-c" || page2.ContinuationToken != "" {
		t.Errorf("list-buckets page 2: %+v", page2)
	}

	// Keys XML 1.0 cannot carry, and ones URL encoding changes.
	keys := []string{"ctl\x01/one", "plus+and space/two", "pct%41é/three"}
	for _, k := range keys {
		c.aws(t, dir, "s3api", "put-object", "--bucket", bucket, "--key", k)
	}
	var listed struct {
		Contents       []struct{ Key string }
		CommonPrefixes []struct{ Prefix string }
	}
	c.awsJSON(t, dir, &listed, "s3api", "list-objects-v2", "--bucket", bucket, "--delimiter", "/")
	var prefixes []string
	for _, p := range listed.CommonPrefixes {
		prefixes = append(prefixes, p.Prefix)
	}
	if want := []string{"ctl\x01/", "pct%41é/", "plus+and space/"}; !slices.Equal(prefixes, want) || len(listed.Contents) != 1 || listed.Contents[0].Key != "mp.bin" {
		t.Errorf("list-objects-v2 --delimiter /: prefixes %q (want %q), contents %+v", prefixes, want, listed.Contents)
	}
	var versions struct{ Versions []struct{ Key string } }
	c.awsJSON(t, dir, &versions, "s3api", "list-object-versions", "--bucket", bucket, "--prefix", "p")
	var vkeys []string
	for _, v := range versions.Versions {
		vkeys = append(vkeys, v.Key)
	}
	if want := []string{"pct%41é/three", "plus+and space/two"}; !slices.Equal(vkeys, want) {
		t.Errorf("list-object-versions --prefix p: %q, want %q", vkeys, want)
	}
}

// TestBoto3RestOfS3: boto3 against signet for what the other
// end-to-end tests drive with the AWS CLI: object and bucket tags, Object
// Ownership and ACLs with Block Public Access, GetObjectAttributes (of a
// version too), list_buckets paged, get_object with PartNumber, and a
// repeated CompleteMultipartUpload in a versioned bucket.
func TestBoto3RestOfS3(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	c := newClientEnv(t)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_rest.py"))
	if err != nil {
		t.Fatal(err)
	}
	r := c.run(t, "", "python3", script, mainSrv.endpoint, "boto3-rest")
	var out struct {
		Error, Traceback string
		Checks           map[string]bool
	}
	if err := json.Unmarshal([]byte(lastLine(r.stdout)), &out); err != nil {
		t.Fatalf("script output is not JSON: %v\n%s", err, r)
	}
	if r.err != nil || out.Error != "" {
		t.Fatalf("boto3 flow failed: %s\n%s\n%s", out.Error, out.Traceback, r)
	}
	want := []string{
		"object_tags", "bucket_tags", "invalid_tag", "ownership_default", "acl_refused_when_enforced",
		"public_access_block", "object_acl_public_read", "anonymous_read", "attributes", "attributes_version",
		"list_buckets_paged", "part_number", "complete_repeated",
	}
	for _, name := range want {
		ok, ran := out.Checks[name]
		switch {
		case !ran:
			t.Errorf("check %s did not run", name)
		case !ok:
			t.Errorf("check %s failed", name)
		}
	}
	if len(out.Checks) != len(want) {
		t.Errorf("checks %v, want exactly %q", out.Checks, want)
	}
	if t.Failed() {
		t.Logf("%s", r)
	}
}
