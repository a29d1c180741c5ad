package s3api

import (
	"bytes"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"signet/internal/storage/memory"
	"signet/internal/storage/sealed"
)

// sseCEnv is an env whose blobs are sealed, as the server wires them, so
// that SSE-C has an engine to seal under a customer's key.
func sseCEnv(t *testing.T) *env {
	t.Helper()
	k, err := sealed.DeriveKEK(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sealed.New(memory.New(), k)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.Blobs = eng })
	e.bucket("bkt")
	return e
}

// sseCHeaders are the three SSE-C headers for a key of 32 seed bytes.
func sseCHeaders(seed byte) []string {
	key := bytes.Repeat([]byte{seed}, 32)
	sum := md5.Sum(key)
	return []string{
		"x-amz-server-side-encryption-customer-algorithm", "AES256",
		"x-amz-server-side-encryption-customer-key", base64.StdEncoding.EncodeToString(key),
		"x-amz-server-side-encryption-customer-key-MD5", base64.StdEncoding.EncodeToString(sum[:]),
	}
}

// doTLS serves one request as if it came over TLS.
func (e *env) doTLS(method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, target, body)
	r.TLS = &tls.ConnectionState{}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func TestSSECRoundTrip(t *testing.T) {
	e := sseCEnv(t)
	body := strings.Repeat("secret ", 30000) // several chunks
	w := e.doTLS("PUT", "/bkt/k", strings.NewReader(body), sseCHeaders(7)...)
	if w.Code != 200 {
		t.Fatalf("PUT with SSE-C: %d %s", w.Code, w.Body)
	}
	wantMD5 := sseCHeaders(7)[5]
	// The ETag is not the data's MD5: that would confirm a guess of the
	// plaintext to anyone allowed to list the bucket.
	sum := md5.Sum([]byte(body))
	if etag := w.Header().Get("ETag"); len(etag) != 34 || strings.Contains(etag, hex.EncodeToString(sum[:])) {
		t.Errorf("SSE-C ETag %s", etag)
	}
	for _, resp := range []*httptest.ResponseRecorder{w, e.doTLS("GET", "/bkt/k", nil, sseCHeaders(7)...), e.doTLS("HEAD", "/bkt/k", nil, sseCHeaders(7)...)} {
		h := resp.Header()
		if h.Get("x-amz-server-side-encryption-customer-algorithm") != "AES256" || h.Get("x-amz-server-side-encryption-customer-key-MD5") != wantMD5 {
			t.Errorf("%d: SSE-C response headers %v", resp.Code, h)
		}
		if h.Get("x-amz-server-side-encryption") != "" {
			t.Errorf("an SSE-C object reported as SSE-S3: %q", h.Get("x-amz-server-side-encryption"))
		}
	}
	if got := e.doTLS("GET", "/bkt/k", nil, sseCHeaders(7)...); got.Code != 200 || got.Body.String() != body {
		t.Fatalf("GET with the key: %d, %d bytes", got.Code, got.Body.Len())
	}
	if got := e.doTLS("GET", "/bkt/k", nil, append(sseCHeaders(7), "Range", "bytes=70000-70006")...); got.Code != 206 || got.Body.String() != body[70000:70007] {
		t.Fatalf("ranged GET with the key: %d, %q", got.Code, got.Body.String())
	}
	// The key is not in the metadata.
	obj, err := e.meta.GetObject(t.Context(), "bkt", "k")
	if err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{7}, 32)
	if bytes.Contains(obj.SSECustomerKeyCheck, key) || len(obj.SSECustomerKeyCheck) == 0 {
		t.Errorf("key check %x", obj.SSECustomerKeyCheck)
	}
}

func TestSSECReadsNeedTheKey(t *testing.T) {
	e := sseCEnv(t)
	if w := e.doTLS("PUT", "/bkt/k", strings.NewReader("hello"), sseCHeaders(7)...); w.Code != 200 {
		t.Fatalf("PUT: %d %s", w.Code, w.Body)
	}
	m := expectErr(t, e.doTLS("GET", "/bkt/k", nil), 400, "InvalidRequest")
	if m.Message != "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object." {
		t.Errorf("GET without the key: %q", m.Message)
	}
	if w := e.doTLS("HEAD", "/bkt/k", nil); w.Code != 400 {
		t.Errorf("HEAD without the key: %d", w.Code)
	}
	expectErr(t, e.doTLS("GET", "/bkt/k", nil, sseCHeaders(8)...), 403, "AccessDenied")
	if w := e.doTLS("HEAD", "/bkt/k", nil, sseCHeaders(8)...); w.Code != 403 {
		t.Errorf("HEAD with another key: %d", w.Code)
	}
	// A copy without the source's key is refused as a GET without it is.
	expectErr(t, e.doTLS("PUT", "/bkt/k2", nil, "x-amz-copy-source", "/bkt/k"), 400, "InvalidRequest")
	// An object without SSE-C refuses a key.
	e.put("bkt", "plain", "hi")
	m = expectErr(t, e.doTLS("GET", "/bkt/plain", nil, sseCHeaders(7)...), 400, "InvalidRequest")
	if m.Message != "The encryption parameters are not applicable to this object." {
		t.Errorf("GET of a plain object with a key: %q", m.Message)
	}
}

func TestSSECValidation(t *testing.T) {
	e := sseCEnv(t)
	h := sseCHeaders(7)
	alg, key, sum := h[:2], h[2:4], h[4:6]
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, c := range []struct {
		name   string
		hdr    []string
		status int
		code   string
		msg    string
	}{
		{"no algorithm", cat(key, sum), 400, "InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm."},
		{"other algorithm", cat([]string{alg[0], "AES128"}, key, sum), 400, "InvalidEncryptionAlgorithmError", "The Encryption request you specified is not valid. Supported value: AES256."},
		{"no key", cat(alg, sum), 400, "InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key."},
		{"short key", cat(alg, []string{key[0], base64.StdEncoding.EncodeToString(make([]byte, 16))}, sum), 400, "InvalidArgument", "The secret key was invalid for the specified algorithm."},
		{"key not base64", cat(alg, []string{key[0], "!!"}, sum), 400, "InvalidArgument", "The secret key was invalid for the specified algorithm."},
		{"no MD5", cat(alg, key), 400, "InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key."},
		{"wrong MD5", cat(alg, key, []string{sum[0], sseCHeaders(8)[5]}), 400, "InvalidArgument", "The calculated MD5 hash of the key did not match the hash that was provided."},
		{"with SSE-S3", cat(h, []string{"x-amz-server-side-encryption", "AES256"}), 400, "InvalidArgument", "Server Side Encryption with Customer provided key is incompatible with the encryption method specified"},
	} {
		m := expectErr(t, e.doTLS("PUT", "/bkt/k", strings.NewReader("x"), c.hdr...), c.status, c.code)
		if m.Message != c.msg {
			t.Errorf("%s: message %q, want %q", c.name, m.Message, c.msg)
		}
	}
	// Over plain HTTP the key would have travelled in clear.
	m := expectErr(t, e.do("PUT", "/bkt/k", strings.NewReader("x"), h...), 400, "InvalidRequest")
	if m.Message != "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection." {
		t.Errorf("plain HTTP: %q", m.Message)
	}
	if w := e.do("HEAD", "/bkt/k", nil); w.Code != 404 {
		t.Fatalf("a refused PUT wrote k: %d", w.Code)
	}
	// Operations that do not implement SSE-C still refuse it.
	expectErr(t, e.doTLS("DELETE", "/bkt/mp", nil, h...), 501, "NotImplemented")
}

func TestSSECWithoutASealingEngineIsNotImplemented(t *testing.T) {
	e := newEnv(t) // memory blobs: no customer keys
	e.bucket("bkt")
	expectErr(t, e.doTLS("PUT", "/bkt/k", strings.NewReader("x"), sseCHeaders(7)...), 501, "NotImplemented")
}
