package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

const expiresMessage = "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"

// aws runs the AWS CLI v1 against the shared server.
func (c *clientEnv) aws(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return c.ok(t, dir, "aws", append([]string{"--endpoint-url", mainSrv.endpoint}, args...)...)
}

// awsJSON runs an `aws s3api` command and decodes its JSON output.
func (c *clientEnv) awsJSON(t *testing.T, dir string, v any, args ...string) {
	t.Helper()
	r := c.aws(t, dir, append(args, "--output", "json")...)
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("decoding JSON output: %v\n%s", err, r)
	}
}

// presign runs `aws s3 presign` and returns the URL.
func (c *clientEnv) presign(t *testing.T, args ...string) string {
	t.Helper()
	r := c.aws(t, "", append([]string{"s3", "presign"}, args...)...)
	u := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(u, mainSrv.endpoint+"/") {
		t.Fatalf("aws s3 presign printed %q, want a URL on %s\n%s", u, mainSrv.endpoint, r)
	}
	rememberSignature(u)
	return u
}

// ---------------------------------------------------------------------------

func TestCurlHealthzAndPresignedPut(t *testing.T) {
	t.Parallel()
	requireTool(t, "curl", "--version")
	requireTool(t, "aws", "--version")
	c := newClientEnv(t)

	r := c.curl(t, mainSrv.endpoint+"/healthz")
	if r.status != 200 || strings.TrimSpace(string(r.body)) != "ok" {
		t.Fatalf("/healthz: want 200 ok\n%s", r)
	}

	c.aws(t, "", "s3", "mb", "s3://curl-bucket")
	dir := t.TempDir()
	file := filepath.Join(dir, "upload.bin")
	data := writeRandom(t, file, 300<<10)
	now := time.Now().UTC()
	creds := sigv4.Credentials{AccessKeyID: rootAK, SecretAccessKey: secret.New(rootSK)}
	putURL, err := sigv4.Presign(sigv4.PresignInput{
		Method: "PUT", URL: mainSrv.endpoint + "/curl-bucket/dir/upload%20me.bin", Credentials: creds,
		Region: "us-east-1", Service: "s3", Time: now, Expires: 15 * time.Minute, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatalf("sigv4.Presign PUT: %v", err)
	}
	rememberSignature(putURL)
	r = c.curl(t, putURL, "-T", file)
	if r.status != 200 {
		t.Fatalf("presigned PUT with curl -T: want 200\n%s", r)
	}
	if !strings.Contains(strings.ToLower(r.headers), strings.ToLower(`etag: "`+md5Hex(data)+`"`)) {
		t.Errorf("presigned PUT: want ETag %q in the response headers\n%s", md5Hex(data), r)
	}
	if !regexp.MustCompile(`(?i)x-amz-request-id: \S+`).MatchString(r.headers) {
		t.Errorf("no x-amz-request-id header\n%s", r)
	}

	getURL, err := sigv4.Presign(sigv4.PresignInput{
		Method: "GET", URL: mainSrv.endpoint + "/curl-bucket/dir/upload%20me.bin", Credentials: creds,
		Region: "us-east-1", Service: "s3", Time: now, Expires: 15 * time.Minute, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatalf("sigv4.Presign GET: %v", err)
	}
	rememberSignature(getURL)
	r = c.curl(t, getURL)
	if r.status != 200 || sha256Hex(r.body) != sha256Hex(data) {
		t.Fatalf("presigned GET after the curl upload: want 200 and the same %d bytes, got %d bytes\n%s", len(data), len(r.body), r.res.cmd)
	}
	// The presigned PUT URL does not work for GET.
	r = c.curl(t, putURL)
	wantS3Error(t, r, 403, "SignatureDoesNotMatch")

	c.aws(t, "", "s3", "rb", "--force", "s3://curl-bucket")
}

// TestSeedScenario is issue 2's seed scenario, step by step.
func TestSeedScenario(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	requireTool(t, "curl", "--version")
	c := newClientEnv(t)
	dir := t.TempDir()
	const bucket, key = "presignedbucketexample", "yawning-cat.jpg"
	objURL := mainSrv.endpoint + "/" + bucket + "/" + key

	r := c.aws(t, dir, "s3", "mb", "s3://"+bucket)
	if !strings.Contains(r.stdout, "make_bucket: "+bucket) {
		t.Errorf("aws s3 mb output:\n%s", r)
	}
	cat := writeRandom(t, filepath.Join(dir, key), 200<<10)
	c.aws(t, dir, "s3", "cp", key, "s3://"+bucket+"/"+key)

	t.Run("anonymous", func(t *testing.T) {
		r := c.curl(t, objURL)
		wantS3Error(t, r, 403, "AccessDenied")
	})

	fetch := func(t *testing.T, u string) {
		t.Helper()
		r := c.curl(t, u)
		if r.status != 200 {
			t.Fatalf("curl of the presigned URL: want 200\n%s", r)
		}
		if sha256Hex(r.body) != sha256Hex(cat) {
			t.Fatalf("curl downloaded %d bytes that differ from the %d uploaded\n%s", len(r.body), len(cat), r.res.cmd)
		}
	}

	t.Run("presign-sigv2-default", func(t *testing.T) {
		u := c.presign(t, "s3://"+bucket+"/"+key)
		q := mustQuery(t, u)
		if q.Get("AWSAccessKeyId") == "" || q.Get("Signature") == "" || q.Get("Expires") == "" {
			t.Errorf("the AWS CLI v1 default presign was expected to be SigV2 (AWSAccessKeyId, Expires, Signature): %s", u)
		}
		fetch(t, u)
	})
	// Issue 13, finding 1: what is routed is what is signed. A SigV2 link
	// from the AWS CLI, with a sub-resource or a response override
	// appended under a percent-encoded name, was served before: the
	// signer looked at the encoded name (not a sub-resource, so not
	// signed) and the router at the decoded one.
	t.Run("presign-sigv2-encoded-subresource-appended", func(t *testing.T) {
		u := c.presign(t, "s3://"+bucket+"/"+key)
		for _, extra := range []string{"response%2Dcontent-type=text/html", "%72esponse-content-type=text/html", "%61cl", "%74agging"} {
			r := c.curl(t, u+"&"+extra)
			wantS3Error(t, r, 403, "SignatureDoesNotMatch")
			if strings.Contains(strings.ToLower(r.headers), "content-type: text/html") {
				t.Errorf("&%s: served as text/html\n%s", extra, r.headers)
			}
		}
		fetch(t, u)
	})
	t.Run("presign-sigv4-profile", func(t *testing.T) {
		u := c.presign(t, "--profile", "v4", "s3://"+bucket+"/"+key)
		q := mustQuery(t, u)
		if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || q.Get("X-Amz-Expires") != "3600" {
			t.Errorf("profile v4 presign was expected to be SigV4 with X-Amz-Expires=3600: %s", u)
		}
		fetch(t, u)
	})
	t.Run("expires-in-604800", func(t *testing.T) {
		u := c.presign(t, "--profile", "v4", "s3://"+bucket+"/"+key, "--expires-in", "604800")
		if mustQuery(t, u).Get("X-Amz-Expires") != "604800" {
			t.Errorf("X-Amz-Expires is not 604800: %s", u)
		}
		fetch(t, u)
		u = c.presign(t, "s3://"+bucket+"/"+key, "--expires-in", "604800") // SigV2
		fetch(t, u)
	})
	t.Run("expires-in-604801", func(t *testing.T) {
		u := c.presign(t, "--profile", "v4", "s3://"+bucket+"/"+key, "--expires-in", "604801")
		r := c.curl(t, u)
		e := wantS3Error(t, r, 400, "AuthorizationQueryParametersError")
		if e.Message != expiresMessage {
			t.Errorf("Message %q, want %q\n%s", e.Message, expiresMessage, r)
		}
	})
	t.Run("expired-sigv4", func(t *testing.T) {
		signed := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
		u, err := sigv4.Presign(sigv4.PresignInput{
			Method: "GET", URL: objURL,
			Credentials: sigv4.Credentials{AccessKeyID: rootAK, SecretAccessKey: secret.New(rootSK)}, Region: "us-east-1", Service: "s3", Time: signed, Expires: time.Hour, Mode: sigv4.S3,
		})
		if err != nil {
			t.Fatalf("sigv4.Presign: %v", err)
		}
		rememberSignature(u)
		before := time.Now().UTC().Truncate(time.Second)
		r := c.curl(t, u)
		after := time.Now().UTC()
		e := wantS3Error(t, r, 403, "AccessDenied")
		if e.Message != "Request has expired" {
			t.Errorf("Message %q, want \"Request has expired\"\n%s", e.Message, r)
		}
		if e.XAmzExpires != "3600" {
			t.Errorf("<X-Amz-Expires> = %q, want 3600\n%s", e.XAmzExpires, r)
		}
		if want := signed.Add(time.Hour).Format("2006-01-02T15:04:05Z"); e.Expires != want {
			t.Errorf("<Expires> = %q, want %q\n%s", e.Expires, want, r)
		}
		checkServerTime(t, e.ServerTime, before, after, r)
	})
	t.Run("expired-sigv2", func(t *testing.T) {
		exp := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		u, err := sigv2.Presign(sigv2.PresignInput{Method: "GET", URL: objURL, AccessKeyID: rootAK, SecretAccessKey: secret.New(rootSK), Expires: exp})
		if err != nil {
			t.Fatalf("sigv2.Presign: %v", err)
		}
		rememberSignature(u)
		before := time.Now().UTC().Truncate(time.Second)
		r := c.curl(t, u)
		after := time.Now().UTC()
		e := wantS3Error(t, r, 403, "AccessDenied")
		if e.Message != "Request has expired" {
			t.Errorf("Message %q, want \"Request has expired\"\n%s", e.Message, r)
		}
		if e.XAmzExpires != "" {
			t.Errorf("a SigV2 URL's error carries <X-Amz-Expires>%s</X-Amz-Expires>; AWS sends none\n%s", e.XAmzExpires, r)
		}
		if want := exp.Format("2006-01-02T15:04:05Z"); e.Expires != want {
			t.Errorf("<Expires> = %q, want %q\n%s", e.Expires, want, r)
		}
		checkServerTime(t, e.ServerTime, before, after, r)
	})
}

func mustQuery(t *testing.T, u string) url.Values {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatalf("parsing %q: %v", u, err)
	}
	return p.Query()
}

func checkServerTime(t *testing.T, s string, before, after time.Time, r curlResp) {
	t.Helper()
	st, err := time.Parse("2006-01-02T15:04:05Z", s)
	if err != nil {
		t.Errorf("<ServerTime> %q is not ISO 8601 (yyyy-mm-ddThh:mm:ssZ): %v\n%s", s, err, r)
		return
	}
	if st.Before(before.Add(-time.Second)) || st.After(after.Add(time.Second)) {
		t.Errorf("<ServerTime> %s is not the time of the request (%s..%s)\n%s", s, before, after, r)
	}
}

// ---------------------------------------------------------------------------
// AWS CLI: aws s3

func TestAWSCLIHighLevel(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	c := newClientEnv(t)
	dir := t.TempDir()
	const b = "cli-high"

	c.aws(t, dir, "s3", "mb", "s3://"+b)
	if r := c.aws(t, dir, "s3", "ls"); !strings.Contains(r.stdout, " "+b+"\n") {
		t.Errorf("aws s3 ls does not list %s\n%s", b, r)
	}

	small := writeRandom(t, filepath.Join(dir, "small.txt"), 1234)
	c.aws(t, dir, "s3", "cp", "small.txt", "s3://"+b+"/small.txt")
	writeRandom(t, filepath.Join(dir, "big.bin"), 64<<20)
	r := c.aws(t, dir, "s3", "cp", "big.bin", "s3://"+b+"/big/big.bin")
	if !strings.Contains(r.stdout, "upload: ./big.bin to s3://"+b+"/big/big.bin") && !strings.Contains(r.stdout, "upload: big.bin to s3://"+b+"/big/big.bin") {
		t.Errorf("unexpected cp output\n%s", r)
	}
	// It went multipart: the ETag is md5-of-md5s with the CLI's 8 MiB parts.
	var head struct {
		ETag          string
		ContentLength int64
	}
	c.awsJSON(t, dir, &head, "s3api", "head-object", "--bucket", b, "--key", "big/big.bin")
	big, err := os.ReadFile(filepath.Join(dir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `"` + multipartETag(big, 8<<20) + `"`; head.ETag != want || head.ContentLength != 64<<20 {
		t.Errorf("64 MiB object: ETag %s length %d, want %s %d (multipart, 8 MiB parts)", head.ETag, head.ContentLength, want, 64<<20)
	}
	c.aws(t, dir, "s3", "cp", "s3://"+b+"/big/big.bin", "big.back")
	if got, want := fileSHA256(t, filepath.Join(dir, "big.back")), sha256Hex(big); got != want {
		t.Errorf("64 MiB download sha256 %s, want %s", got, want)
	}
	os.Remove(filepath.Join(dir, "big.back"))
	c.aws(t, dir, "s3", "cp", "s3://"+b+"/small.txt", "small.back")
	if got := fileSHA256(t, filepath.Join(dir, "small.back")); got != sha256Hex(small) {
		t.Errorf("small download differs")
	}

	r = c.aws(t, dir, "s3", "ls", "s3://"+b+"/")
	if !strings.Contains(r.stdout, "PRE big/") || !regexp.MustCompile(`\s1234 small.txt`).MatchString(r.stdout) {
		t.Errorf("aws s3 ls s3://%s/ output unexpected\n%s", b, r)
	}
	r = c.aws(t, dir, "s3", "ls", "--recursive", "s3://"+b+"/")
	if !regexp.MustCompile(`\s67108864 big/big.bin`).MatchString(r.stdout) {
		t.Errorf("aws s3 ls --recursive output unexpected\n%s", r)
	}

	// sync: upload three, then nothing, then one.
	syncDir := filepath.Join(dir, "sync")
	os.MkdirAll(filepath.Join(syncDir, "sub"), 0o755)
	for _, n := range []string{"a.txt", "b.txt", "sub/c.txt"} {
		writeRandom(t, filepath.Join(syncDir, n), 100+len(n))
	}
	uploads := func(r result) []string {
		var out []string
		for _, l := range strings.Split(r.stdout, "\n") {
			if i := strings.Index(l, "upload: "); i >= 0 {
				out = append(out, strings.TrimSpace(l[i:]))
			}
		}
		return out
	}
	r = c.aws(t, dir, "s3", "sync", "sync", "s3://"+b+"/sync/")
	if u := uploads(r); len(u) != 3 {
		t.Errorf("first sync uploaded %d files, want 3\n%s", len(u), r)
	}
	r = c.aws(t, dir, "s3", "sync", "sync", "s3://"+b+"/sync/")
	if u := uploads(r); len(u) != 0 {
		t.Errorf("second sync uploaded %d files, want 0 (size/mtime comparison)\n%s", len(u), r)
	}
	writeRandom(t, filepath.Join(syncDir, "b.txt"), 5000)
	r = c.aws(t, dir, "s3", "sync", "sync", "s3://"+b+"/sync/")
	if u := uploads(r); len(u) != 1 || !strings.Contains(u[0], "b.txt") {
		t.Errorf("sync after changing b.txt uploaded %q, want just b.txt\n%s", u, r)
	}
	// And back down.
	c.aws(t, dir, "s3", "sync", "s3://"+b+"/sync/", "sync-down")
	for _, n := range []string{"a.txt", "b.txt", "sub/c.txt"} {
		if fileSHA256(t, filepath.Join(syncDir, n)) != fileSHA256(t, filepath.Join(dir, "sync-down", n)) {
			t.Errorf("sync down: %s differs", n)
		}
	}

	r = c.aws(t, dir, "s3", "rm", "--recursive", "s3://"+b+"/sync/")
	if n := strings.Count(r.stdout, "delete: s3://"+b+"/sync/"); n != 3 {
		t.Errorf("rm --recursive deleted %d objects, want 3\n%s", n, r)
	}
	c.aws(t, dir, "s3", "rm", "s3://"+b+"/small.txt")
	c.aws(t, dir, "s3", "rm", "s3://"+b+"/big/big.bin")
	r = c.aws(t, dir, "s3", "ls", "--recursive", "s3://"+b+"/")
	if strings.TrimSpace(r.stdout) != "" {
		t.Errorf("bucket not empty after rm\n%s", r)
	}
	r = c.aws(t, dir, "s3", "rb", "s3://"+b)
	if !strings.Contains(r.stdout, "remove_bucket: "+b) {
		t.Errorf("aws s3 rb output\n%s", r)
	}
	if r := c.run(t, dir, "aws", "--endpoint-url", mainSrv.endpoint, "s3", "ls", "s3://"+b); r.err == nil || !strings.Contains(r.stderr, "NoSuchBucket") {
		t.Errorf("listing a removed bucket: want NoSuchBucket\n%s", r)
	}
}

// ---------------------------------------------------------------------------
// AWS CLI: aws s3api

func TestAWSCLIS3API(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	c := newClientEnv(t)
	dir := t.TempDir()
	const b = "cli-api"
	c.aws(t, dir, "s3api", "create-bucket", "--bucket", b)

	obj := writeRandom(t, filepath.Join(dir, "obj.bin"), 40000)
	var put struct{ ETag string }
	c.awsJSON(t, dir, &put, "s3api", "put-object", "--bucket", b, "--key", "docs/obj.bin", "--body", "obj.bin",
		"--content-type", "application/x-signet", "--metadata", "colour=orange")
	if put.ETag != `"`+md5Hex(obj)+`"` {
		t.Errorf("put-object ETag %s, want \"%s\"", put.ETag, md5Hex(obj))
	}

	var get struct {
		ETag          string
		ContentLength int64
		ContentType   string
		Metadata      map[string]string
	}
	c.awsJSON(t, dir, &get, "s3api", "get-object", "--bucket", b, "--key", "docs/obj.bin", "out.bin")
	if get.ETag != put.ETag || get.ContentLength != int64(len(obj)) || get.ContentType != "application/x-signet" || get.Metadata["colour"] != "orange" {
		t.Errorf("get-object JSON %+v; want ETag %s, length %d, application/x-signet and Metadata {colour: orange} (AWS sends x-amz-meta-* header names in lower case and botocore keeps their case)", get, put.ETag, len(obj))
	}
	if fileSHA256(t, filepath.Join(dir, "out.bin")) != sha256Hex(obj) {
		t.Errorf("get-object bytes differ")
	}
	var rng struct {
		ContentRange  string
		ContentLength int64
	}
	c.awsJSON(t, dir, &rng, "s3api", "get-object", "--bucket", b, "--key", "docs/obj.bin", "--range", "bytes=100-199", "range.bin")
	rb, _ := os.ReadFile(filepath.Join(dir, "range.bin"))
	if rng.ContentRange != "bytes 100-199/40000" || rng.ContentLength != 100 || sha256Hex(rb) != sha256Hex(obj[100:200]) {
		t.Errorf("ranged get-object: %+v (%d bytes)", rng, len(rb))
	}

	var head struct {
		ETag          string
		ContentLength int64
		Metadata      map[string]string
	}
	c.awsJSON(t, dir, &head, "s3api", "head-object", "--bucket", b, "--key", "docs/obj.bin")
	if head.ETag != put.ETag || head.ContentLength != int64(len(obj)) || head.Metadata["colour"] != "orange" {
		t.Errorf("head-object JSON %+v; want ETag %s, length %d, Metadata {colour: orange} (lower-case x-amz-meta-* header names, as AWS sends)", head, put.ETag, len(obj))
	}
	if r := c.run(t, dir, "aws", "--endpoint-url", mainSrv.endpoint, "s3api", "head-object", "--bucket", b, "--key", "missing"); r.err == nil || !strings.Contains(r.stderr, "404") {
		t.Errorf("head-object of a missing key: want a 404\n%s", r)
	}

	var cp struct{ CopyObjectResult struct{ ETag string } }
	c.awsJSON(t, dir, &cp, "s3api", "copy-object", "--bucket", b, "--key", "docs/copy.bin", "--copy-source", b+"/docs/obj.bin")
	if cp.CopyObjectResult.ETag != put.ETag {
		t.Errorf("copy-object ETag %q, want %q", cp.CopyObjectResult.ETag, put.ETag)
	}
	// Four more keys in one CLI call (each CLI start costs ~1 s).
	tree := filepath.Join(dir, "tree")
	for _, k := range []string{"docs/a", "docs/b", "docs/sub/c", "top"} {
		os.MkdirAll(filepath.Dir(filepath.Join(tree, k)), 0o755)
		writeRandom(t, filepath.Join(tree, k), 10)
	}
	c.aws(t, dir, "s3", "cp", "--recursive", "tree", "s3://"+b+"/")

	// list-objects-v2: prefix, delimiter, one key per page, by hand.
	type listOut struct {
		KeyCount              int
		IsTruncated           bool
		NextContinuationToken string
		Contents              []struct {
			Key  string
			ETag string
			Size int64
		}
		CommonPrefixes []struct{ Prefix string }
	}
	var keys, prefixes []string
	token := ""
	for page := 1; ; page++ {
		args := []string{"s3api", "list-objects-v2", "--bucket", b, "--prefix", "docs/", "--delimiter", "/", "--max-keys", "2", "--no-paginate"}
		if token != "" {
			args = append(args, "--continuation-token", token)
		}
		var lo listOut
		c.awsJSON(t, dir, &lo, args...)
		if lo.KeyCount != len(lo.Contents)+len(lo.CommonPrefixes) {
			t.Errorf("page %d: KeyCount %d, but %d contents + %d prefixes", page, lo.KeyCount, len(lo.Contents), len(lo.CommonPrefixes))
		}
		for _, o := range lo.Contents {
			keys = append(keys, o.Key)
			if o.Key == "docs/obj.bin" && (o.ETag != put.ETag || o.Size != int64(len(obj))) {
				t.Errorf("listing entry %+v, want ETag %s size %d", o, put.ETag, len(obj))
			}
		}
		for _, p := range lo.CommonPrefixes {
			prefixes = append(prefixes, p.Prefix)
		}
		if !lo.IsTruncated {
			break
		}
		if lo.NextContinuationToken == "" || page > 5 {
			t.Fatalf("page %d truncated without a usable NextContinuationToken: %+v", page, lo)
		}
		token = lo.NextContinuationToken
	}
	if !slices.Equal(keys, []string{"docs/a", "docs/b", "docs/copy.bin", "docs/obj.bin"}) || !slices.Equal(prefixes, []string{"docs/sub/"}) {
		t.Errorf("list-objects-v2 docs/ by 2: keys %q prefixes %q", keys, prefixes)
	}
	var all listOut
	c.awsJSON(t, dir, &all, "s3api", "list-objects-v2", "--bucket", b, "--no-paginate") // KeyCount survives only unpaginated
	if all.KeyCount != 6 {
		t.Errorf("list-objects-v2 whole bucket KeyCount %d, want 6", all.KeyCount)
	}

	// Multipart by hand.
	p1 := writeRandom(t, filepath.Join(dir, "p1"), 5<<20)
	p2 := writeRandom(t, filepath.Join(dir, "p2"), 1<<10)
	var cmu struct{ UploadId, Key, Bucket string }
	c.awsJSON(t, dir, &cmu, "s3api", "create-multipart-upload", "--bucket", b, "--key", "mp/obj")
	if cmu.UploadId == "" || cmu.Key != "mp/obj" || cmu.Bucket != b {
		t.Fatalf("create-multipart-upload JSON %+v", cmu)
	}
	type partETag struct{ ETag string }
	var e1, e2 partETag
	c.awsJSON(t, dir, &e1, "s3api", "upload-part", "--bucket", b, "--key", "mp/obj", "--upload-id", cmu.UploadId, "--part-number", "1", "--body", "p1")
	c.awsJSON(t, dir, &e2, "s3api", "upload-part", "--bucket", b, "--key", "mp/obj", "--upload-id", cmu.UploadId, "--part-number", "2", "--body", "p2")
	if e1.ETag != `"`+md5Hex(p1)+`"` || e2.ETag != `"`+md5Hex(p2)+`"` {
		t.Errorf("upload-part ETags %s %s, want the parts' MD5s", e1.ETag, e2.ETag)
	}
	var lp struct {
		Parts []struct {
			PartNumber int
			ETag       string
			Size       int64
		}
	}
	c.awsJSON(t, dir, &lp, "s3api", "list-parts", "--bucket", b, "--key", "mp/obj", "--upload-id", cmu.UploadId)
	if len(lp.Parts) != 2 || lp.Parts[0].PartNumber != 1 || lp.Parts[0].ETag != e1.ETag || lp.Parts[0].Size != 5<<20 ||
		lp.Parts[1].PartNumber != 2 || lp.Parts[1].ETag != e2.ETag || lp.Parts[1].Size != 1<<10 {
		t.Errorf("list-parts Parts %+v", lp.Parts)
	}
	var abortable struct{ UploadId string }
	c.awsJSON(t, dir, &abortable, "s3api", "create-multipart-upload", "--bucket", b, "--key", "mp/aborted")
	var lmu struct {
		Uploads []struct{ Key, UploadId string }
	}
	c.awsJSON(t, dir, &lmu, "s3api", "list-multipart-uploads", "--bucket", b)
	var ids []string
	for _, u := range lmu.Uploads {
		ids = append(ids, u.Key+"="+u.UploadId)
	}
	slices.Sort(ids)
	if want := []string{"mp/aborted=" + abortable.UploadId, "mp/obj=" + cmu.UploadId}; !slices.Equal(ids, want) {
		t.Errorf("list-multipart-uploads %q, want %q", ids, want)
	}
	c.aws(t, dir, "s3api", "abort-multipart-upload", "--bucket", b, "--key", "mp/aborted", "--upload-id", abortable.UploadId)

	mpu, _ := json.Marshal(map[string]any{"Parts": []map[string]any{{"PartNumber": 1, "ETag": e1.ETag}, {"PartNumber": 2, "ETag": e2.ETag}}})
	var comp struct{ ETag, Key, Bucket string }
	c.awsJSON(t, dir, &comp, "s3api", "complete-multipart-upload", "--bucket", b, "--key", "mp/obj", "--upload-id", cmu.UploadId, "--multipart-upload", string(mpu))
	whole := append(slices.Clone(p1), p2...)
	if want := `"` + multipartETag(whole, 5<<20) + `"`; comp.ETag != want {
		t.Errorf("complete-multipart-upload ETag %s, want %s", comp.ETag, want)
	}
	// Completing it again (a retry) answers as the completion did.
	var again struct{ ETag, Key, Bucket string }
	c.awsJSON(t, dir, &again, "s3api", "complete-multipart-upload", "--bucket", b, "--key", "mp/obj", "--upload-id", cmu.UploadId, "--multipart-upload", string(mpu))
	if again != comp {
		t.Errorf("repeated complete-multipart-upload %+v, want %+v", again, comp)
	}
	lmu.Uploads = nil
	c.awsJSON(t, dir, &lmu, "s3api", "list-multipart-uploads", "--bucket", b)
	if len(lmu.Uploads) != 0 {
		t.Errorf("uploads left after complete and abort: %+v", lmu.Uploads)
	}
	c.awsJSON(t, dir, &get, "s3api", "get-object", "--bucket", b, "--key", "mp/obj", "mp.bin")
	if fileSHA256(t, filepath.Join(dir, "mp.bin")) != sha256Hex(whole) || get.ContentLength != int64(len(whole)) {
		t.Errorf("multipart object bytes differ")
	}

	var del struct {
		Deleted []struct{ Key string }
		Errors  []any
	}
	delKeys := []string{"docs/obj.bin", "docs/copy.bin", "docs/a", "docs/b", "docs/sub/c", "top", "mp/obj"}
	var objs []map[string]string
	for _, k := range delKeys {
		objs = append(objs, map[string]string{"Key": k})
	}
	spec, _ := json.Marshal(map[string]any{"Objects": objs})
	c.awsJSON(t, dir, &del, "s3api", "delete-objects", "--bucket", b, "--delete", string(spec))
	var deleted []string
	for _, d := range del.Deleted {
		deleted = append(deleted, d.Key)
	}
	slices.Sort(deleted)
	slices.Sort(delKeys)
	if !slices.Equal(deleted, delKeys) || len(del.Errors) != 0 {
		t.Errorf("delete-objects Deleted %q Errors %v, want %q", deleted, del.Errors, delKeys)
	}
	all = listOut{}
	c.awsJSON(t, dir, &all, "s3api", "list-objects-v2", "--bucket", b, "--no-paginate") // KeyCount survives only unpaginated
	if all.KeyCount != 0 {
		t.Errorf("KeyCount %d after delete-objects", all.KeyCount)
	}
	c.aws(t, dir, "s3api", "delete-bucket", "--bucket", b)
}

// ---------------------------------------------------------------------------
// boto3

type boto3Out struct {
	Error     string `json:"error"`
	Traceback string `json:"traceback"`
	Response  any    `json:"response"`
	Botocore  string `json:"botocore"`
	PutETag   string `json:"put_etag"`
	PutCRC32  string `json:"put_crc32"`
	BigETag   string `json:"big_etag"`
	BigLength int64  `json:"big_length"`
	SmallHead struct {
		ETag     string            `json:"etag"`
		Length   int64             `json:"length"`
		Metadata map[string]string `json:"metadata"`
	} `json:"small_head"`
	BigSHA256 string `json:"big_sha256"`
	Range     struct {
		Status       int    `json:"status"`
		ContentRange string `json:"content_range"`
		SHA256       string `json:"sha256"`
		Length       int    `json:"length"`
	} `json:"range"`
	Pages []struct {
		KeyCount    int      `json:"KeyCount"`
		IsTruncated bool     `json:"IsTruncated"`
		Keys        []string `json:"Keys"`
		Prefixes    []string `json:"Prefixes"`
	} `json:"pages"`
	PresignedURL string `json:"presigned_url"`
	PresignedGet struct {
		Status int    `json:"status"`
		SHA256 string `json:"sha256"`
	} `json:"presigned_get"`
	MissingCode  string   `json:"missing_code"`
	Deleted      []string `json:"deleted"`
	DeleteErrors []any    `json:"delete_errors"`
	Left         int      `json:"left"`
	BucketsAfter []string `json:"buckets_after"`
	Sent         []map[string]*string
}

func TestBoto3HTTP(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	runBoto3(t, mainSrv, "boto3-http", "-")
}

// TestBoto3TLS runs the same flow against a second signet serving HTTPS
// with a self-signed certificate, so that botocore sends its default CRC32
// in an aws-chunked trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER, chunked
// transfer, no Content-Length).
func TestBoto3TLS(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	dir := t.TempDir()
	cert, key, pool := selfSignedCert(t, dir)
	p, err := startSignet(filepath.Join(dir, "data"), []string{"--tls-cert", cert, "--tls-key", key}, pool)
	if err != nil {
		t.Fatalf("starting signet with TLS: %v", err)
	}
	procMu.Lock()
	extraProc = append(extraProc, p)
	procMu.Unlock()
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("stopping the TLS signet: %v", err)
		}
	})
	out := runBoto3(t, p, "boto3-tls", cert)
	sawTrailer := false
	for _, s := range out.Sent {
		if s["x-amz-content-sha256"] != nil && *s["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER" {
			sawTrailer = true
			if s["x-amz-trailer"] == nil || *s["x-amz-trailer"] != "x-amz-checksum-crc32" || s["content-length"] != nil {
				t.Errorf("trailer request shape: %v", fmtSent(s))
			}
		}
	}
	if !sawTrailer {
		t.Errorf("botocore %s over HTTPS never sent STREAMING-UNSIGNED-PAYLOAD-TRAILER; requests: %v", out.Botocore, fmtAll(out.Sent))
	}
}

func fmtSent(s map[string]*string) string {
	var parts []string
	for k, v := range s {
		if v != nil {
			parts = append(parts, k+"="+*v)
		}
	}
	slices.Sort(parts)
	return "{" + strings.Join(parts, " ") + "}"
}

func fmtAll(all []map[string]*string) string {
	var s []string
	for _, x := range all {
		s = append(s, fmtSent(x))
	}
	return strings.Join(s, "\n")
}

func runBoto3(t *testing.T, p *signetProc, bucket, verify string) boto3Out {
	t.Helper()
	c := newClientEnv(t)
	work := t.TempDir()
	small := writeRandom(t, filepath.Join(work, "small.bin"), 5000)
	big := writeRandom(t, filepath.Join(work, "big.bin"), 20<<20)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_flow.py"))
	if err != nil {
		t.Fatal(err)
	}
	r := c.run(t, work, "python3", script, p.endpoint, bucket, work, verify)
	var out boto3Out
	if err := json.Unmarshal([]byte(strings.TrimSpace(lastLine(r.stdout))), &out); err != nil {
		t.Fatalf("boto3 script output is not JSON: %v\n%s", err, r)
	}
	if r.err != nil || out.Error != "" {
		resp, _ := json.Marshal(out.Response)
		t.Fatalf("boto3 flow failed: %s\nresponse: %s\n%s\n%s", out.Error, resp, out.Traceback, r)
	}
	rememberSignature(out.PresignedURL)

	if out.PutETag != `"`+md5Hex(small)+`"` {
		t.Errorf("put_object ETag %s, want \"%s\"", out.PutETag, md5Hex(small))
	}
	if want := `"` + multipartETag(big, 8<<20) + `"`; out.BigETag != want || out.BigLength != 20<<20 {
		t.Errorf("upload_file (8 MiB parts) ETag %s length %d, want %s %d", out.BigETag, out.BigLength, want, 20<<20)
	}
	if out.SmallHead.ETag != out.PutETag || out.SmallHead.Length != int64(len(small)) || out.SmallHead.Metadata["colour"] != "green" {
		t.Errorf("head_object %+v; want ETag %s, length %d, Metadata {colour: green} (lower-case x-amz-meta-* header names, as AWS sends)", out.SmallHead, out.PutETag, len(small))
	}
	if out.BigSHA256 != sha256Hex(big) {
		t.Errorf("get_object of the 20 MiB object: sha256 %s, want %s", out.BigSHA256, sha256Hex(big))
	}
	if out.Range.Status != 206 || out.Range.ContentRange != fmt.Sprintf("bytes 8388600-8388699/%d", len(big)) ||
		out.Range.Length != 100 || out.Range.SHA256 != sha256Hex(big[8388600:8388700]) {
		t.Errorf("ranged get_object %+v", out.Range)
	}
	var keys, prefixes []string
	for i, pg := range out.Pages {
		keys = append(keys, pg.Keys...)
		prefixes = append(prefixes, pg.Prefixes...)
		if pg.KeyCount != len(pg.Keys)+len(pg.Prefixes) || pg.KeyCount > 2 {
			t.Errorf("page %d: %+v", i, pg)
		}
	}
	if !slices.Equal(keys, []string{"p/1", "p/2", "p/3", "p/4", "p/5"}) || !slices.Equal(prefixes, []string{"p/sub/"}) || len(out.Pages) != 3 {
		t.Errorf("list_objects_v2 paginator (PageSize 2): keys %q prefixes %q in %d pages", keys, prefixes, len(out.Pages))
	}
	if q := mustQuery(t, out.PresignedURL); q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		t.Errorf("generate_presigned_url is not SigV4: %s", out.PresignedURL)
	}
	if out.PresignedGet.Status != 200 || out.PresignedGet.SHA256 != sha256Hex(small) {
		t.Errorf("presigned GET via urllib: %+v", out.PresignedGet)
	}
	if out.MissingCode != "NoSuchKey" {
		t.Errorf("get_object of a missing key: code %q, want NoSuchKey", out.MissingCode)
	}
	if len(out.Deleted) != 7 || len(out.DeleteErrors) != 0 || out.Left != 0 {
		t.Errorf("delete_objects: deleted %q errors %v, %d left", out.Deleted, out.DeleteErrors, out.Left)
	}
	if slices.Contains(out.BucketsAfter, bucket) {
		t.Errorf("bucket %s still listed after delete_bucket", bucket)
	}
	return out
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
