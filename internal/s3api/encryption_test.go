package s3api

import (
	"bytes"
	"strings"
	"testing"
)

const sseDoc = `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>%s</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`

func sseBody(alg string) string { return strings.Replace(sseDoc, "%s", alg, 1) }

// TestSSEHeadersOnResponses pins x-amz-server-side-encryption: AES256 on
// the responses AWS sends it on, for objects signet writes sealed.
func TestSSEHeadersOnResponses(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	check := func(what, got string) {
		t.Helper()
		if got != "AES256" {
			t.Errorf("%s: x-amz-server-side-encryption = %q, want AES256", what, got)
		}
	}
	check("PutObject", e.put("bkt", "k", "hello").Header().Get("x-amz-server-side-encryption"))
	check("PutObject asking for AES256", e.put("bkt", "k2", "hello", "x-amz-server-side-encryption", "AES256").Header().Get("x-amz-server-side-encryption"))
	check("GetObject", e.mustDo(200, "GET", "/bkt/k", "").Header().Get("x-amz-server-side-encryption"))
	check("HeadObject", e.mustDo(200, "HEAD", "/bkt/k", "").Header().Get("x-amz-server-side-encryption"))
	check("CopyObject", e.mustDo(200, "PUT", "/bkt/k3", "", "x-amz-copy-source", "/bkt/k").Header().Get("x-amz-server-side-encryption"))
	check("CreateMultipartUpload", e.mustDo(200, "POST", "/bkt/mp?uploads", "").Header().Get("x-amz-server-side-encryption"))
}

func TestSSERequestValidation(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	w := expectErr(t, e.do("PUT", "/bkt/k", strings.NewReader("x"), "x-amz-server-side-encryption", "AES128"), 400, "InvalidArgument")
	if w.Message != "The encryption method specified is not supported" {
		t.Errorf("message %q", w.Message)
	}
	w = expectErr(t, e.do("PUT", "/bkt/k", strings.NewReader("x"), "x-amz-server-side-encryption", "aws:kms"), 400, "KMS.NotFoundException")
	if w.Message != "Invalid keyId aws/s3" {
		t.Errorf("message %q", w.Message)
	}
	expectErr(t, e.do("PUT", "/bkt/k", strings.NewReader("x"), "x-amz-server-side-encryption", "aws:kms:dsse", "x-amz-server-side-encryption-aws-kms-key-id", "abc"), 400, "KMS.NotFoundException")
	expectErr(t, e.do("PUT", "/bkt/k", strings.NewReader("x"), "x-amz-server-side-encryption-aws-kms-key-id", "abc"), 400, "InvalidArgument")
	if w := e.do("HEAD", "/bkt/k", nil); w.Code != 404 {
		t.Fatalf("a refused PUT wrote k: %d", w.Code)
	}
}

func TestBucketEncryption(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	// Every bucket reports SSE-S3, as AWS does since 2023.
	got := e.mustDo(200, "GET", "/bkt?encryption", "").Body.String()
	for _, want := range []string{"<SSEAlgorithm>AES256</SSEAlgorithm>", "<BucketKeyEnabled>false</BucketKeyEnabled>", `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`} {
		if !strings.Contains(got, want) {
			t.Errorf("GetBucketEncryption = %s, want %s in it", got, want)
		}
	}
	if w := e.do("PUT", "/bkt?encryption", strings.NewReader(sseBody("AES256")), "Content-MD5", contentMD5(sseBody("AES256"))); w.Code != 200 {
		t.Fatalf("PutBucketEncryption AES256: %d %s", w.Code, w.Body)
	}
	expectErr(t, e.do("PUT", "/bkt?encryption", strings.NewReader(sseBody("aws:kms")), "Content-MD5", contentMD5(sseBody("aws:kms"))), 400, "KMS.NotFoundException")
	expectErr(t, e.do("PUT", "/bkt?encryption", strings.NewReader(sseBody("DES")), "Content-MD5", contentMD5(sseBody("DES"))), 400, "MalformedXML")
	expectErr(t, e.do("PUT", "/bkt?encryption", strings.NewReader(sseBody("AES256"))), 400, "InvalidRequest")
	e.mustDo(204, "DELETE", "/bkt?encryption", "")
	expectErr(t, e.do("GET", "/nobkt?encryption", nil), 404, "NoSuchBucket")
}

func FuzzSSEConfiguration(f *testing.F) {
	f.Add([]byte(sseBody("AES256")))
	f.Add([]byte(sseBody("aws:kms")))
	f.Add([]byte(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseSSEConfiguration(bytes.NewReader(b))
		if err == nil && (len(c.Rules) != 1 || c.Rules[0].Default.SSEAlgorithm != sseAES256) {
			t.Fatalf("accepted a configuration other than SSE-S3: %+v", c)
		}
	})
}
