package server

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/sigv4"
)

// TestAdversarialSSEC: an object written with a customer's key over TLS,
// through presigned URLs that sign the SSE-C headers as SDKs do, reads
// back only with that key; the key is nowhere in the data directory; the
// same request over plain HTTP is refused before the body is stored.
func TestAdversarialSSEC(t *testing.T) {
	cfg := testConfig(t)
	s, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tlsSrv := httptest.NewTLSServer(s.Handler())
	defer tlsSrv.Close()
	plainSrv := httptest.NewServer(s.Handler())
	defer plainSrv.Close()
	root := s.Root()
	cred := sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.Secret}
	key := bytes.Repeat([]byte("K"), 32)
	sum := md5.Sum(key)
	ssec := http.Header{
		"X-Amz-Server-Side-Encryption-Customer-Algorithm": {"AES256"},
		"X-Amz-Server-Side-Encryption-Customer-Key":       {base64.StdEncoding.EncodeToString(key)},
		"X-Amz-Server-Side-Encryption-Customer-Key-Md5":   {base64.StdEncoding.EncodeToString(sum[:])},
	}
	do := func(ts *httptest.Server, method, target string, h http.Header, body []byte) (int, []byte) {
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
		return resp.StatusCode, b
	}
	marker := bytes.Repeat([]byte("CUSTOMER-PLAINTEXT."), 10000)
	if st, b := do(tlsSrv, "PUT", "/ssec", nil, nil); st != 200 {
		t.Fatalf("CreateBucket: %d %s", st, b)
	}
	if st, b := do(plainSrv, "PUT", "/ssec/k", ssec, marker); st != 400 || !strings.Contains(string(b), "must be made over a secure connection") {
		t.Fatalf("SSE-C PUT over plain HTTP: %d %s", st, b)
	}
	if st, _ := do(tlsSrv, "HEAD", "/ssec/k", nil, nil); st != 404 {
		t.Fatalf("the refused PUT stored k: %d", st)
	}
	if st, b := do(tlsSrv, "PUT", "/ssec/k", ssec, marker); st != 200 {
		t.Fatalf("SSE-C PUT over TLS: %d %s", st, b)
	}
	if st, b := do(tlsSrv, "GET", "/ssec/k", ssec, nil); st != 200 || !bytes.Equal(b, marker) {
		t.Fatalf("SSE-C GET: %d, %d bytes", st, len(b))
	}
	if st, b := do(tlsSrv, "GET", "/ssec/k", nil, nil); st != 400 || !strings.Contains(string(b), "<Code>InvalidRequest</Code>") {
		t.Fatalf("GET without the key: %d %s", st, b)
	}
	other := ssec.Clone()
	otherKey := bytes.Repeat([]byte("L"), 32)
	otherSum := md5.Sum(otherKey)
	other.Set("X-Amz-Server-Side-Encryption-Customer-Key", base64.StdEncoding.EncodeToString(otherKey))
	other.Set("X-Amz-Server-Side-Encryption-Customer-Key-Md5", base64.StdEncoding.EncodeToString(otherSum[:]))
	if st, b := do(tlsSrv, "GET", "/ssec/k", other, nil); st != 403 || !strings.Contains(string(b), "<Code>AccessDenied</Code>") {
		t.Fatalf("GET with another key: %d %s", st, b)
	}
	err = filepath.Walk(cfg.DataDir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("CUSTOMER-PLAINTEXT.")) || bytes.Contains(b, key) || bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString(key))) {
			t.Errorf("plaintext or the customer's key at rest in %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
