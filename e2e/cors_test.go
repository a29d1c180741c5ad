package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The AWS CLI's put-bucket-cors, get-bucket-cors and delete-bucket-cors
// work unchanged, and curl's preflight of a presigned URL and its actual
// request get the configured headers from the built binary.
func TestAWSCLIBucketCors(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	requireTool(t, "curl", "--version")
	c := newClientEnv(t)
	const bucket, page = "cors-cli", "https://page.example"
	c.aws(t, "", "s3", "mb", "s3://"+bucket)

	r := c.run(t, "", "aws", "--endpoint-url", mainSrv.endpoint, "s3api", "get-bucket-cors", "--bucket", bucket)
	if r.err == nil || !strings.Contains(r.stderr, "(NoSuchCORSConfiguration)") {
		t.Fatalf("get-bucket-cors without a configuration:\n%s", r)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "cors.json")
	config := `{"CORSRules":[{"ID":"page","AllowedOrigins":["` + page + `"],"AllowedMethods":["GET","PUT"],` +
		`"AllowedHeaders":["content-type"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":300},` +
		`{"AllowedOrigins":["*"],"AllowedMethods":["HEAD"]}]}`
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	c.aws(t, dir, "s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", "file://cors.json")

	type rule struct {
		ID             string
		AllowedHeaders []string
		AllowedMethods []string
		AllowedOrigins []string
		ExposeHeaders  []string
		MaxAgeSeconds  int
	}
	var got struct{ CORSRules []rule }
	c.awsJSON(t, "", &got, "s3api", "get-bucket-cors", "--bucket", bucket)
	want := []rule{
		{ID: "page", AllowedHeaders: []string{"content-type"}, AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{page}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: 300},
		{AllowedMethods: []string{"HEAD"}, AllowedOrigins: []string{"*"}},
	}
	if !reflect.DeepEqual(got.CORSRules, want) {
		t.Fatalf("get-bucket-cors = %+v\nwant %+v", got.CORSRules, want)
	}

	c.aws(t, dir, "s3", "cp", file, "s3://"+bucket+"/cors.json")
	url := c.presign(t, "s3://"+bucket+"/cors.json")
	pre := c.curl(t, url, "-X", "OPTIONS", "-H", "Origin: "+page, "-H", "Access-Control-Request-Method: GET",
		"-H", "Access-Control-Request-Headers: Content-Type")
	h := strings.ToLower(pre.headers)
	if pre.status != 200 || !strings.Contains(h, "access-control-allow-origin: "+page) ||
		!strings.Contains(h, "access-control-allow-headers: content-type") || !strings.Contains(h, "access-control-max-age: 300") {
		t.Fatalf("preflight of a presigned GET:\n%s", pre)
	}
	get := c.curl(t, url, "-H", "Origin: "+page)
	if get.status != 200 || !strings.Contains(strings.ToLower(get.headers), "access-control-expose-headers: etag") {
		t.Fatalf("GET from the page:\n%s", get)
	}

	c.aws(t, "", "s3api", "delete-bucket-cors", "--bucket", bucket)
	r = c.run(t, "", "aws", "--endpoint-url", mainSrv.endpoint, "s3api", "get-bucket-cors", "--bucket", bucket)
	if r.err == nil || !strings.Contains(r.stderr, "(NoSuchCORSConfiguration)") {
		t.Fatalf("get-bucket-cors after delete-bucket-cors:\n%s", r)
	}
	pre = c.curl(t, url, "-X", "OPTIONS", "-H", "Origin: "+page, "-H", "Access-Control-Request-Method: GET")
	wantS3Error(t, pre, 403, "AccessForbidden")
}
