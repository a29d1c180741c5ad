package s3api

import (
	"strings"
	"testing"
)

// TestRefusedFeatures pins finding 9: every header or parameter that
// selects a feature signet does not implement is refused with AWS's error
// for it, and the message names the feature and the operation. None of
// these requests may succeed, and none may leave an object or bucket
// behind.
func TestRefusedFeatures(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "k", "v")
	cases := []struct {
		name, method, target string
		hdr                  []string
		status               int
		code                 string
		msg                  []string // substrings of the message
	}{
		{"object lock on CreateBucket", "PUT", "/locked", []string{"x-amz-bucket-object-lock-enabled", "true"},
			501, "NotImplemented", []string{"Object Lock", "CreateBucket", "x-amz-bucket-object-lock-enabled"}},
		{"retention on PutObject", "PUT", "/bkt/new", []string{"x-amz-object-lock-mode", "GOVERNANCE", "x-amz-object-lock-retain-until-date", "2030-01-01T00:00:00Z"},
			501, "NotImplemented", []string{"Object Lock", "PutObject"}},
		{"legal hold on CreateMultipartUpload", "POST", "/bkt/new?uploads", []string{"x-amz-object-lock-legal-hold", "ON"},
			501, "NotImplemented", []string{"Object Lock", "CreateMultipartUpload"}},
		{"SSE header on GetObject", "GET", "/bkt/k", []string{"x-amz-server-side-encryption", "AES256"},
			501, "NotImplemented", []string{"server-side encryption", "GetObject"}},
		{"SSE header on GetObjectAttributes", "GET", "/bkt/k?attributes", []string{"x-amz-object-attributes", "ETag", "x-amz-server-side-encryption", "AES256"},
			501, "NotImplemented", []string{"server-side encryption", "GetObjectAttributes"}},
		{"SSE-KMS on CreateMultipartUpload", "POST", "/bkt/new?uploads", []string{"x-amz-server-side-encryption", "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id", "k1"},
			400, "KMS.NotFoundException", []string{"Invalid keyId k1"}},
		{"S3 Bucket Keys on PutObject", "PUT", "/bkt/new", []string{"x-amz-server-side-encryption", "AES256", "x-amz-server-side-encryption-bucket-key-enabled", "true"},
			501, "NotImplemented", []string{"S3 Bucket Keys", "PutObject"}},
		{"SSE-C on DeleteObject", "DELETE", "/bkt/k", []string{"x-amz-server-side-encryption-customer-algorithm", "AES256", "x-amz-server-side-encryption-customer-key", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=", "x-amz-server-side-encryption-customer-key-MD5", "x"},
			501, "NotImplemented", []string{"SSE-C", "DeleteObject"}},
		{"SSE-C copy source on PutObject", "PUT", "/bkt/new", []string{"x-amz-copy-source-server-side-encryption-customer-algorithm", "AES256"},
			501, "NotImplemented", []string{"SSE-C", "PutObject"}},
		{"website redirect on PutObject", "PUT", "/bkt/new", []string{"x-amz-website-redirect-location", "/elsewhere"},
			501, "NotImplemented", []string{"website", "PutObject"}},
		{"archive storage class on PutObject", "PUT", "/bkt/new", []string{"x-amz-storage-class", "GLACIER"},
			501, "NotImplemented", []string{"GLACIER", "PutObject"}},
		{"archive storage class on CopyObject", "PUT", "/bkt/k", []string{"x-amz-copy-source", "/bkt/k", "x-amz-storage-class", "DEEP_ARCHIVE"},
			501, "NotImplemented", []string{"DEEP_ARCHIVE", "CopyObject"}},
		{"conditional DeleteObject", "DELETE", "/bkt/k", []string{"If-Match", `"abc"`},
			501, "NotImplemented", []string{"conditional", "DeleteObject", "If-Match"}},
		{"append on PutObject", "PUT", "/bkt/k", []string{"x-amz-write-offset-bytes", "1"},
			501, "NotImplemented", []string{"append", "PutObject"}},
		{"version of GetObject", "GET", "/bkt/k?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", nil,
			400, "InvalidArgument", []string{"Invalid version id specified"}},
		{"version of DeleteObject", "DELETE", "/bkt/k?versionId=abc", nil,
			400, "InvalidArgument", []string{"Invalid version id specified"}},
		{"version of GetObjectAcl", "GET", "/bkt/k?acl&versionId=abc", nil,
			400, "InvalidArgument", []string{"Invalid version id specified"}},
		{"version of PutObject", "PUT", "/bkt/k?versionId=abc", nil,
			400, "InvalidArgument", []string{"version", "PutObject"}},
		{"version of copy source", "PUT", "/bkt/new", []string{"x-amz-copy-source", "/bkt/k?versionId=abc"},
			400, "InvalidArgument", []string{"Invalid version id specified"}},
		{"torrent subresource", "GET", "/bkt/k?torrent", nil,
			501, "NotImplemented", []string{"BitTorrent", "GetObjectTorrent"}},
		{"logging subresource", "PUT", "/bkt?logging", nil,
			501, "NotImplemented", []string{"logging", "PutBucketLogging"}},
		{"transition minimum size", "PUT", "/bkt?lifecycle", []string{"x-amz-transition-default-minimum-object-size", "varies_by_storage_class"},
			501, "NotImplemented", []string{"transition", "PutBucketLifecycleConfiguration"}},
		{"object lock subresource", "PUT", "/bkt?object-lock", nil,
			501, "NotImplemented", []string{"Object Lock", "PutObjectLockConfiguration"}},
		{"retention subresource", "PUT", "/bkt/k?retention", nil,
			501, "NotImplemented", []string{"Object Lock", "PutObjectRetention"}},
		{"MFA delete", "PUT", "/bkt?versioning", []string{"x-amz-mfa", "arn:aws:iam::000000000000:mfa/root 123456"},
			501, "NotImplemented", []string{"MFA delete", "PutBucketVersioning"}},
		{"POST form upload", "POST", "/bkt", nil,
			501, "NotImplemented", []string{"POST", "PostObject"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := e.do(c.method, c.target, nil, c.hdr...)
			body := expectErr(t, w, c.status, c.code)
			if body.Message == codes[codeNotImplemented].message {
				t.Errorf("generic message %q: it must name the feature and the operation", body.Message)
			}
			for _, s := range c.msg {
				if !strings.Contains(body.Message, s) {
					t.Errorf("message %q lacks %q", body.Message, s)
				}
			}
			if strings.Contains(body.Message, "c2VjcmV0") {
				t.Errorf("message echoes the customer key: %q", body.Message)
			}
		})
	}
	// Nothing was created by a refused request.
	for _, target := range []string{"/bkt/new", "/locked", "/pub", "/own"} {
		if w := e.do("HEAD", target, nil); w.Code == 200 {
			t.Errorf("%s exists after a refused request", target)
		}
	}
	// k was neither deleted nor changed.
	if w := e.mustDo(200, "GET", "/bkt/k", ""); w.Body.String() != "v" {
		t.Errorf("k = %q", w.Body.String())
	}
}

// TestAcceptedEquivalents pins the values that select nothing signet
// lacks, which AWS's default bucket accepts: they must keep working.
func TestAcceptedEquivalents(t *testing.T) {
	e := newEnv(t)
	e.mustDo(200, "PUT", "/bkt", "", "x-amz-acl", "private", "x-amz-object-ownership", "BucketOwnerEnforced",
		"x-amz-bucket-object-lock-enabled", "false")
	e.put("bkt", "a", "1", "x-amz-acl", "bucket-owner-full-control")
	e.put("bkt", "b", "2", "x-amz-storage-class", "STANDARD_IA", "x-amz-object-lock-legal-hold", "OFF", "x-amz-tagging", "")
	e.mustDo(200, "GET", "/bkt/a?versionId=null", "")
	e.mustDo(200, "PUT", "/bkt/c", "", "x-amz-copy-source", "/bkt/a?versionId=null")
	e.mustDo(200, "PUT", "/bkt/a?acl", "", "x-amz-acl", "private")
	e.mustDo(200, "GET", "/bkt/b", "", "x-amz-request-payer", "requester")
}

// TestExpectedBucketOwner pins x-amz-expected-bucket-owner (and the copy
// source's): honoured, not dropped. Another account is 403 AccessDenied.
func TestExpectedBucketOwner(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Account = "123456789012" })
	e.bucket("bkt")
	e.put("bkt", "k", "v")
	e.mustDo(200, "GET", "/bkt/k", "", "x-amz-expected-bucket-owner", "123456789012")
	expectErr(t, e.do("GET", "/bkt/k", nil, "x-amz-expected-bucket-owner", "999999999999"), 403, "AccessDenied")
	expectErr(t, e.do("PUT", "/bkt/k2", strings.NewReader("x"), "x-amz-expected-bucket-owner", "999999999999"), 403, "AccessDenied")
	expectErr(t, e.do("PUT", "/bkt/k3", nil, "x-amz-copy-source", "/bkt/k", "x-amz-source-expected-bucket-owner", "999999999999"), 403, "AccessDenied")
	e.mustDo(200, "PUT", "/bkt/k4", "", "x-amz-copy-source", "/bkt/k", "x-amz-source-expected-bucket-owner", "123456789012")
	if w := e.do("HEAD", "/bkt/k2", nil); w.Code != 404 {
		t.Errorf("k2 was written despite the owner mismatch: %d", w.Code)
	}
}

// TestRefusedHoistedHeaders pins the presigned form of finding 9: a header
// a presigner hoisted into the query string selects its feature too.
func TestRefusedHoistedHeaders(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	expectErr(t, e.do("PUT", "/bkt/k?X-Amz-Object-Lock-Mode=GOVERNANCE&X-Amz-Object-Lock-Retain-Until-Date=2030-01-01T00%3A00%3A00Z", strings.NewReader("x")), 501, "NotImplemented")
	expectErr(t, e.do("PUT", "/bkt/k?x-amz-acl=public-read", strings.NewReader("x")), 400, "AccessControlListNotSupported")
	expectErr(t, e.do("PUT", "/bkt/k?X-Amz-Server-Side-Encryption=aws%3Akms", strings.NewReader("x")), 400, "KMS.NotFoundException")
	if w := e.do("HEAD", "/bkt/k", nil); w.Code != 404 {
		t.Fatalf("k was written: %d", w.Code)
	}
}

// TestExpectedBucketOwnerHoisted: the owner check holds for a presigned
// URL that carries it in the query string.
func TestExpectedBucketOwnerHoisted(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Account = "123456789012" })
	e.bucket("bkt")
	expectErr(t, e.do("PUT", "/bkt/k?X-Amz-Expected-Bucket-Owner=999999999999", strings.NewReader("x")), 403, "AccessDenied")
	e.mustDo(200, "PUT", "/bkt/k?x-amz-expected-bucket-owner=123456789012", "x")
}
