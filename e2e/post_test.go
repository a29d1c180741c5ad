package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	mcreds "github.com/minio/minio-go/v7/pkg/credentials"
)

// Browser form uploads (POST Object) made by the SDKs' own presigners:
// boto3's generate_presigned_post (with and without conditions, and with
// the credentials of an AssumeRole session), aws-sdk-go-v2's
// PresignPostObject and minio-go's PresignedPostPolicy. Each form is
// posted with net/http's multipart writer, as a browser posts it, and the
// object is read back. The session's form dies with the session.

// sdkForm is a presigned POST: where to post and the fields to send
// before the file.
type sdkForm struct {
	URL    string            `json:"url"`
	Fields map[string]string `json:"fields"`
}

// postForm posts the form's fields, then the file, and returns the status,
// the headers and the body.
func postForm(t *testing.T, client *http.Client, f sdkForm, filename, content string) (int, http.Header, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range f.Fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	req, err := http.NewRequest("POST", f.URL, &b)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", f.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// postWorld is the identity world with a bucket alice's role may write to.
func postWorld(t *testing.T) *identityWorld {
	t.Helper()
	w := newIdentityWorld(t)
	write := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::life/*"}]}`
	w.root.at(t, w.p, "iam", "put-role-policy", "--role-name", "reader", "--policy-name", "write-life", "--policy-document", write)
	return w
}

// wantObject reads an object back as root and compares its bytes.
func wantObject(t *testing.T, w *identityWorld, key, content string) {
	t.Helper()
	r := w.root.at(t, w.p, "s3", "cp", "s3://life/"+key, "-")
	if r.stdout != content {
		t.Fatalf("s3://life/%s holds %q, want %q", key, r.stdout, content)
	}
}

func TestPostBoto3(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	w := postWorld(t)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_post.py"))
	if err != nil {
		t.Fatal(err)
	}
	forms := func(args ...string) map[string]sdkForm {
		t.Helper()
		r := w.root.ok(t, "", "python3", append([]string{script, w.p.endpoint, "life"}, args...)...)
		var out map[string]sdkForm
		if err := json.Unmarshal([]byte(lastLine(r.stdout)), &out); err != nil {
			t.Fatalf("boto3_post.py output: %v\n%s", err, r)
		}
		return out
	}
	root := forms(rootAK, rootSK)
	if code, h, body := postForm(t, w.p.client, root["plain"], "ignored.txt", "plain"); code != 204 || h.Get("ETag") == "" {
		t.Fatalf("boto3 form without conditions: %d %s", code, body)
	}
	wantObject(t, w, "boto3/plain.txt", "plain")
	code, h, body := postForm(t, w.p.client, root["conditions"], `C:\fakepath\note.txt`, "with conditions")
	var pr struct {
		Location, Bucket, Key, ETag string
	}
	if err := xml.Unmarshal([]byte(body), &pr); err != nil || code != 201 || pr.Key != "boto3/note.txt" || pr.Bucket != "life" || pr.ETag != h.Get("ETag") ||
		pr.Location != w.p.endpoint+"/life/boto3%2Fnote.txt" {
		t.Fatalf("boto3 form with conditions: %d %+v %s", code, pr, body)
	}
	wantObject(t, w, "boto3/note.txt", "with conditions")
	// The policy's content-length-range holds: 2 KiB is refused, nothing
	// is stored.
	code, _, body = postForm(t, w.p.client, root["conditions"], "big.txt", strings.Repeat("x", 2048))
	if code != 400 || !strings.Contains(body, "<Code>EntityTooLarge</Code>") || !strings.Contains(body, "<MaxSizeAllowed>1024</MaxSizeAllowed>") {
		t.Fatalf("2 KiB against a 1 KiB range: %d %s", code, body)
	}

	// A role session's form: it works, and dies with the session (one
	// hour) though its policy says two.
	creds, _ := w.assume(t, "poster")
	session := forms(creds.Credentials.AccessKeyId, creds.Credentials.SecretAccessKey, creds.Credentials.SessionToken)
	if session["conditions"].Fields["x-amz-security-token"] == "" {
		t.Fatalf("boto3 put no x-amz-security-token in the session's form: %v", session["conditions"].Fields)
	}
	if code, _, body := postForm(t, w.p.client, session["conditions"], "session.txt", "by the session"); code != 201 {
		t.Fatalf("session form: %d %s", code, body)
	}
	wantObject(t, w, "boto3/session.txt", "by the session")
	w.advance(t, "1h0m1s")
	code, _, body = postForm(t, w.p.client, session["conditions"], "late.txt", "too late")
	if code != 400 || !strings.Contains(body, "<Code>ExpiredToken</Code>") || !strings.Contains(body, "<Message>The provided token has expired.</Message>") {
		t.Fatalf("session form after the session ended: %d %s", code, body)
	}
	// The root's form, whose key never expires, dies with its own
	// expiration (one hour for boto3's default).
	code, _, body = postForm(t, w.p.client, root["plain"], "x", "late")
	if code != 403 || !strings.Contains(body, "<Message>Invalid according to Policy: Policy expired.</Message>") {
		t.Fatalf("expired policy: %d %s", code, body)
	}
}

func TestPostGoSDKs(t *testing.T) {
	t.Parallel()
	w := postWorld(t)
	ctx := context.Background()
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(rootAK, rootSK, ""),
		HTTPClient:  w.p.client,
	}
	sdk := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(w.p.endpoint)
		o.UsePathStyle = true
	})
	pre, err := s3.NewPresignClient(sdk).PresignPostObject(ctx, &s3.PutObjectInput{Bucket: aws.String("life"), Key: aws.String("go-v2/upload.bin")},
		func(o *s3.PresignPostOptions) { o.Expires = 10 * time.Minute })
	if err != nil {
		t.Fatal(err)
	}
	if code, _, body := postForm(t, w.p.client, sdkForm{URL: pre.URL, Fields: pre.Values}, "upload.bin", "from aws-sdk-go-v2"); code != 204 {
		t.Fatalf("aws-sdk-go-v2 PresignPostObject form: %d %s\nfields %v", code, body, pre.Values)
	}
	wantObject(t, w, "go-v2/upload.bin", "from aws-sdk-go-v2")

	u, err := url.Parse(w.p.endpoint)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := minio.New(u.Host, &minio.Options{
		Creds: mcreds.NewStaticV4(rootAK, rootSK, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath,
		Transport: w.p.client.Transport,
	})
	if err != nil {
		t.Fatal(err)
	}
	policy := minio.NewPostPolicy()
	for _, err := range []error{
		policy.SetBucket("life"), policy.SetKey("minio/upload.txt"), policy.SetExpires(time.Now().UTC().Add(10 * time.Minute)),
		policy.SetContentType("text/plain"), policy.SetContentLengthRange(1, 1<<20), policy.SetUserMetadata("origin", "minio"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	postURL, fields, err := mc.PresignedPostPolicy(ctx, policy)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, body := postForm(t, w.p.client, sdkForm{URL: postURL.String(), Fields: fields}, "upload.txt", "from minio-go"); code != 204 {
		t.Fatalf("minio-go PresignedPostPolicy form: %d %s\nfields %v", code, body, fields)
	}
	wantObject(t, w, "minio/upload.txt", "from minio-go")
	head := w.root.at(t, w.p, "s3api", "head-object", "--bucket", "life", "--key", "minio/upload.txt")
	if !strings.Contains(head.stdout, `"ContentType": "text/plain"`) || !strings.Contains(head.stdout, `"origin": "minio"`) {
		t.Errorf("minio-go form's object: %s", head.stdout)
	}
}
