package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The AWS CLI's put-bucket-lifecycle-configuration, get- and
// delete-bucket-lifecycle work unchanged against the built binary, and
// after `signet admin clock advance` a sweep (POST …/lifecycle/sweep,
// signed by curl) aborts the open upload and expires the prefix's object,
// leaving the rest.
func TestAWSCLIBucketLifecycle(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	requireTool(t, "curl", "--version")
	p := devServer(t)
	c := newClientEnv(t)
	const bucket = "lifecycle-cli"
	c.at(t, p, "s3", "mb", "s3://"+bucket)
	c.atFails(t, p, "NoSuchLifecycleConfiguration", "s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)

	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	config := `{"Rules":[` +
		`{"ID":"logs","Status":"Enabled","Filter":{"Prefix":"logs/"},"Expiration":{"Days":1}},` +
		`{"ID":"uploads","Status":"Enabled","Filter":{"Prefix":""},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}},` +
		`{"ID":"off","Status":"Disabled","Filter":{"Prefix":"keep/"},"Expiration":{"Days":1}}]}`
	write("lc.json", config)
	write("zero.json", `{"Rules":[{"ID":"zero","Status":"Enabled","Filter":{"Prefix":""},"Expiration":{"Days":0}}]}`)
	write("transition.json", `{"Rules":[{"ID":"t","Status":"Enabled","Filter":{"Prefix":""},"Transitions":[{"Days":30,"StorageClass":"GLACIER"}]}]}`)
	put := func(file string) []string {
		return []string{"s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket, "--lifecycle-configuration", "file://" + filepath.Join(dir, file)}
	}
	c.atFails(t, p, "InvalidArgument", put("zero.json")...)
	c.atFails(t, p, "InvalidStorageClass", put("transition.json")...)
	c.at(t, p, put("lc.json")...)

	var got, want struct{ Rules []map[string]any }
	c.atJSON(t, p, &got, "s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)
	if err := json.Unmarshal([]byte(config), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Rules, want.Rules) {
		t.Fatalf("get-bucket-lifecycle-configuration = %+v\nwant %+v", got.Rules, want.Rules)
	}

	write("obj", "bytes")
	for _, k := range []string{"logs/a", "keep/b", "other"} {
		c.at(t, p, "s3", "cp", filepath.Join(dir, "obj"), "s3://"+bucket+"/"+k)
	}
	c.at(t, p, "s3api", "create-multipart-upload", "--bucket", bucket, "--key", "big")
	var head struct{ Expiration string }
	c.atJSON(t, p, &head, "s3api", "head-object", "--bucket", bucket, "--key", "logs/a")
	if !strings.HasPrefix(head.Expiration, `expiry-date="`) || !strings.HasSuffix(head.Expiration, `", rule-id="logs"`) {
		t.Errorf("head-object Expiration = %q", head.Expiration)
	}

	c.admin(t, p, "clock", "advance", "2d")
	// curl signs the admin call itself; the key pair goes in a config
	// file, never on a command line a failure would print.
	write("curlrc", "user = \""+rootAK+":"+rootSK+"\"\n")
	r := c.curl(t, p.endpoint+"/_signet/admin/v1/lifecycle/sweep", "-K", filepath.Join(dir, "curlrc"),
		"--aws-sigv4", "aws:amz:us-east-1:signet", "-X", "POST")
	var sweep struct {
		UploadsAborted int `json:"uploads_aborted"`
		ObjectsExpired int `json:"objects_expired"`
	}
	if err := json.Unmarshal(r.body, &sweep); r.status != 200 || err != nil || sweep.UploadsAborted != 1 || sweep.ObjectsExpired != 1 {
		t.Fatalf("lifecycle sweep: %v\n%s", err, r)
	}
	var uploads struct{ Uploads []any }
	c.atJSON(t, p, &uploads, "s3api", "list-multipart-uploads", "--bucket", bucket)
	if len(uploads.Uploads) != 0 {
		t.Errorf("uploads after the sweep: %+v", uploads.Uploads)
	}
	var list struct{ Contents []struct{ Key string } }
	c.atJSON(t, p, &list, "s3api", "list-objects-v2", "--bucket", bucket)
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != "keep/b,other" {
		t.Errorf("keys after the sweep: %v", keys)
	}

	c.at(t, p, "s3api", "delete-bucket-lifecycle", "--bucket", bucket)
	c.atFails(t, p, "NoSuchLifecycleConfiguration", "s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)
}
