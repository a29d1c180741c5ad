package server

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/sigv4"
)

// TestAdversarialSSECVersions: in a versioned bucket, an older version
// written with a customer's key reads back only with that key (GET and
// HEAD with versionId); GetObjectAttributes, of the object or of nothing
// but its metadata, needs the key as HEAD does (its checksums and size are
// the plaintext's); and a copy naming an SSE-C version as its source is
// refused as a copy of the current SSE-C object is. SSE-S3 writes and
// copies of versions answer x-amz-server-side-encryption with the version
// headers.
func TestAdversarialSSECVersions(t *testing.T) {
	cfg := testConfig(t)
	s, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewTLSServer(s.Handler())
	defer ts.Close()
	root := s.Root()
	cred := sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.Secret}
	keyHeaders := func(k []byte) http.Header {
		sum := md5.Sum(k)
		return http.Header{
			"X-Amz-Server-Side-Encryption-Customer-Algorithm": {"AES256"},
			"X-Amz-Server-Side-Encryption-Customer-Key":       {base64.StdEncoding.EncodeToString(k)},
			"X-Amz-Server-Side-Encryption-Customer-Key-Md5":   {base64.StdEncoding.EncodeToString(sum[:])},
		}
	}
	ssec := keyHeaders(bytes.Repeat([]byte("K"), 32))
	other := keyHeaders(bytes.Repeat([]byte("L"), 32))
	with := func(h http.Header, kv ...string) http.Header {
		h = h.Clone()
		if h == nil {
			h = http.Header{}
		}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	do := func(method, target string, h http.Header, body []byte) (int, http.Header, []byte) {
		t.Helper()
		u, err := sigv4.Presign(sigv4.PresignInput{
			Method: method, URL: ts.URL + target, Credentials: cred, Region: cfg.Region, Service: "s3",
			Time: time.Now(), Expires: time.Hour, Header: h, Mode: sigv4.S3,
		})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(method, u, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = int64(len(body))
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}
	if st, _, b := do("PUT", "/vssec", nil, nil); st != 200 {
		t.Fatalf("CreateBucket: %d %s", st, b)
	}
	if st, _, b := do("PUT", "/vssec?versioning", nil, []byte(`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)); st != 200 {
		t.Fatalf("PutBucketVersioning: %d %s", st, b)
	}
	first := bytes.Repeat([]byte("FIRST-SECRET."), 1000)
	st, h, b := do("PUT", "/vssec/k", ssec, first)
	v1 := h.Get("x-amz-version-id")
	if st != 200 || v1 == "" || h.Get("x-amz-server-side-encryption-customer-algorithm") != "AES256" || h.Get("x-amz-server-side-encryption") != "" {
		t.Fatalf("SSE-C PUT in a versioned bucket: %d %v %s", st, h, b)
	}
	st, h, b = do("PUT", "/vssec/k", nil, []byte("second, SSE-S3"))
	v2 := h.Get("x-amz-version-id")
	if st != 200 || v2 == "" || v2 == v1 || h.Get("x-amz-server-side-encryption") != "AES256" {
		t.Fatalf("SSE-S3 PUT of a second version: %d %v %s", st, h, b)
	}

	// The SSE-C version, by ID: only with its key.
	if st, h, b := do("GET", "/vssec/k?versionId="+v1, ssec, nil); st != 200 || !bytes.Equal(b, first) ||
		h.Get("x-amz-version-id") != v1 || h.Get("x-amz-server-side-encryption-customer-key-MD5") != ssec.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5") {
		t.Fatalf("GET of the SSE-C version with its key: %d %v, %d bytes", st, h, len(b))
	}
	if st, _, b := do("GET", "/vssec/k?versionId="+v1, nil, nil); st != 400 || !strings.Contains(string(b), "<Code>InvalidRequest</Code>") {
		t.Fatalf("GET of the SSE-C version without the key: %d %s", st, b)
	}
	if st, _, b := do("GET", "/vssec/k?versionId="+v1, other, nil); st != 403 || !strings.Contains(string(b), "<Code>AccessDenied</Code>") {
		t.Fatalf("GET of the SSE-C version with another key: %d %s", st, b)
	}
	if st, h, _ := do("HEAD", "/vssec/k?versionId="+v1, ssec, nil); st != 200 || h.Get("x-amz-server-side-encryption-customer-algorithm") != "AES256" {
		t.Fatalf("HEAD of the SSE-C version with its key: %d %v", st, h)
	}
	if st, _, _ := do("HEAD", "/vssec/k?versionId="+v1, nil, nil); st != 400 {
		t.Fatalf("HEAD of the SSE-C version without the key: %d", st)
	}
	// The current (SSE-S3) version: no key, and none accepted.
	if st, h, b := do("GET", "/vssec/k", nil, nil); st != 200 || string(b) != "second, SSE-S3" || h.Get("x-amz-server-side-encryption") != "AES256" || h.Get("x-amz-version-id") != v2 {
		t.Fatalf("GET of the current version: %d %v %s", st, h, b)
	}
	if st, _, _ := do("GET", "/vssec/k", ssec, nil); st != 400 {
		t.Fatalf("GET of the SSE-S3 version with a key: %d", st)
	}

	// GetObjectAttributes of an SSE-C object needs its key.
	attrs := http.Header{"X-Amz-Object-Attributes": {"ETag,ObjectSize,Checksum"}}
	st, h, b = do("PUT", "/vssec/c", with(ssec, "x-amz-checksum-sha256", sha256b64(first)), first)
	if st != 200 {
		t.Fatalf("SSE-C PUT with a checksum: %d %v %s", st, h, b)
	}
	if st, _, b := do("GET", "/vssec/c?attributes", attrs, nil); st != 400 || !strings.Contains(string(b), "<Code>InvalidRequest</Code>") || strings.Contains(string(b), sha256b64(first)) {
		t.Fatalf("GetObjectAttributes of an SSE-C object without the key: %d %s", st, b)
	}
	if st, _, b := do("GET", "/vssec/c?attributes", with(attrs, "X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256",
		"X-Amz-Server-Side-Encryption-Customer-Key", other.Get("X-Amz-Server-Side-Encryption-Customer-Key"),
		"X-Amz-Server-Side-Encryption-Customer-Key-Md5", other.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5")), nil); st != 403 {
		t.Fatalf("GetObjectAttributes of an SSE-C object with another key: %d %s", st, b)
	}
	keyed := attrs.Clone()
	for k, v := range ssec {
		keyed[k] = v
	}
	if st, _, b := do("GET", "/vssec/c?attributes", keyed, nil); st != 200 || !strings.Contains(string(b), "<ObjectSize>13000</ObjectSize>") ||
		!strings.Contains(string(b), sha256b64(first)) {
		t.Fatalf("GetObjectAttributes of an SSE-C object with its key: %d %s", st, b)
	}
	if st, _, b := do("GET", "/vssec/k?attributes", attrs, nil); st != 200 {
		t.Fatalf("GetObjectAttributes of an SSE-S3 object: %d %s", st, b)
	}

	// A copy from the SSE-C version is refused (signet takes no copy
	// source key); from the SSE-S3 version it is served, with both headers.
	if st, _, b := do("PUT", "/vssec/copy", http.Header{"X-Amz-Copy-Source": {"/vssec/k?versionId=" + v1}}, nil); st != 400 || !strings.Contains(string(b), "<Code>InvalidRequest</Code>") {
		t.Fatalf("CopyObject from the SSE-C version: %d %s", st, b)
	}
	if st, _, _ := do("HEAD", "/vssec/copy", nil, nil); st != 404 {
		t.Fatalf("the refused copy wrote an object: %d", st)
	}
	st, h, b = do("PUT", "/vssec/copy", http.Header{"X-Amz-Copy-Source": {"/vssec/k?versionId=" + v2}}, nil)
	if st != 200 || h.Get("x-amz-server-side-encryption") != "AES256" || h.Get("x-amz-copy-source-version-id") != v2 || h.Get("x-amz-version-id") == "" {
		t.Fatalf("CopyObject from the SSE-S3 version: %d %v %s", st, h, b)
	}
	st, _, b = do("POST", "/vssec/mp?uploads", nil, nil)
	if st != 200 {
		t.Fatalf("CreateMultipartUpload: %d %s", st, b)
	}
	_, rest, _ := strings.Cut(string(b), "<UploadId>")
	id, _, _ := strings.Cut(rest, "</UploadId>")
	if st, _, b := do("PUT", "/vssec/mp?partNumber=1&uploadId="+id, http.Header{"X-Amz-Copy-Source": {"/vssec/k?versionId=" + v1}}, nil); st != 400 || !strings.Contains(string(b), "<Code>InvalidRequest</Code>") {
		t.Fatalf("UploadPartCopy from the SSE-C version: %d %s", st, b)
	}
	st, h, b = do("PUT", "/vssec/mp?partNumber=1&uploadId="+id, http.Header{"X-Amz-Copy-Source": {"/vssec/k?versionId=" + v2}}, nil)
	if st != 200 || h.Get("x-amz-server-side-encryption") != "AES256" || h.Get("x-amz-copy-source-version-id") != v2 {
		t.Fatalf("UploadPartCopy from the SSE-S3 version: %d %v %s", st, h, b)
	}
}

func sha256b64(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}
