package s3api

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"signet/internal/storage/memory"
	"signet/internal/storage/sealed"
)

// sseCSourceHeaders are the copy-source SSE-C headers for a key of 32 seed
// bytes.
func sseCSourceHeaders(seed byte) []string {
	h := sseCHeaders(seed)
	for i := 0; i < len(h); i += 2 {
		h[i] = "x-amz-copy-source-" + strings.TrimPrefix(h[i], "x-amz-")
	}
	return h
}

func joinHeaders(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// wantSSEC checks a response's encryption headers: the customer key of
// seed (0: none, then AES256 is expected).
func wantSSEC(t *testing.T, what string, h map[string][]string, seed byte) {
	t.Helper()
	get := func(k string) string {
		for name, v := range h {
			if strings.EqualFold(name, k) && len(v) > 0 {
				return v[0]
			}
		}
		return ""
	}
	alg, md5, sse := get(hdrSSECAlgorithm), get("x-amz-server-side-encryption-customer-key-MD5"), get("x-amz-server-side-encryption")
	if seed == 0 {
		if alg != "" || md5 != "" || sse != "AES256" {
			t.Errorf("%s: SSE headers %q %q %q, want SSE-S3", what, alg, md5, sse)
		}
		return
	}
	if alg != "AES256" || md5 != sseCHeaders(seed)[5] || sse != "" {
		t.Errorf("%s: SSE headers %q %q %q, want SSE-C with key %d", what, alg, md5, sse, seed)
	}
}

func TestSSECCopyObject(t *testing.T) {
	e := sseCEnv(t)
	body := strings.Repeat("copy me ", 20000)
	e.put("bkt", "plain", body)
	if w := e.doTLS("PUT", "/bkt/c", strings.NewReader(body), sseCHeaders(7)...); w.Code != 200 {
		t.Fatalf("PUT: %d %s", w.Code, w.Body)
	}
	copyTo := func(dst, src string, hdr ...string) (int, string, map[string][]string) {
		t.Helper()
		w := e.doTLS("PUT", "/bkt/"+dst, nil, append([]string{"x-amz-copy-source", "/bkt/" + src}, hdr...)...)
		return w.Code, w.Body.String(), w.Header()
	}
	readBack := func(key string, seed byte) {
		t.Helper()
		var h []string
		if seed != 0 {
			h = sseCHeaders(seed)
		}
		w := e.doTLS("GET", "/bkt/"+key, nil, h...)
		if w.Code != 200 || w.Body.String() != body {
			t.Fatalf("GET %s: %d, %d bytes", key, w.Code, w.Body.Len())
		}
		wantSSEC(t, "GET "+key, w.Header(), seed)
	}
	// SSE-S3 to SSE-C.
	st, b, h := copyTo("t1", "plain", sseCHeaders(8)...)
	if st != 200 {
		t.Fatalf("plain to SSE-C: %d %s", st, b)
	}
	wantSSEC(t, "copy plain to SSE-C", h, 8)
	readBack("t1", 8)
	expectErr(t, e.doTLS("GET", "/bkt/t1", nil), 400, "InvalidRequest")
	// SSE-C to SSE-S3, with the source's key.
	if st, b, h = copyTo("t2", "c", sseCSourceHeaders(7)...); st != 200 {
		t.Fatalf("SSE-C to plain: %d %s", st, b)
	}
	wantSSEC(t, "copy SSE-C to plain", h, 0)
	readBack("t2", 0)
	// SSE-C to SSE-C under another key.
	if st, b, h = copyTo("t3", "c", joinHeaders(sseCSourceHeaders(7), sseCHeaders(9))...); st != 200 {
		t.Fatalf("SSE-C to SSE-C: %d %s", st, b)
	}
	wantSSEC(t, "copy SSE-C to SSE-C", h, 9)
	readBack("t3", 9)
	// SSE-S3 to SSE-S3 stays as it was.
	if st, b, h = copyTo("t4", "plain"); st != 200 {
		t.Fatalf("plain to plain: %d %s", st, b)
	}
	wantSSEC(t, "copy plain to plain", h, 0)

	for _, c := range []struct {
		name, src string
		hdr       []string
		status    int
		code, msg string
	}{
		{"SSE-C source without its key", "c", nil, 400, "InvalidRequest", "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object."},
		{"SSE-C source with another key", "c", sseCSourceHeaders(8), 403, "AccessDenied", "Access Denied"},
		{"a source key for a plain source", "plain", sseCSourceHeaders(7), 400, "InvalidRequest", "The encryption parameters are not applicable to this object."},
		{"source key with a wrong MD5", "c", joinHeaders(sseCSourceHeaders(7)[:4], []string{"x-amz-copy-source-server-side-encryption-customer-key-MD5", sseCHeaders(8)[5]}), 400, "InvalidArgument", "The calculated MD5 hash of the key did not match the hash that was provided."},
		{"source key without MD5", "c", sseCSourceHeaders(7)[:4], 400, "InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key."},
		{"target SSE-C with SSE-S3", "plain", joinHeaders(sseCHeaders(7), []string{"x-amz-server-side-encryption", "AES256"}), 400, "InvalidArgument", "Server Side Encryption with Customer provided key is incompatible with the encryption method specified"},
	} {
		m := expectErr(t, e.doTLS("PUT", "/bkt/dst", nil, append([]string{"x-amz-copy-source", "/bkt/" + c.src}, c.hdr...)...), c.status, c.code)
		if m.Message != c.msg {
			t.Errorf("%s: message %q, want %q", c.name, m.Message, c.msg)
		}
	}
	// The source key travels in clear over plain HTTP: refused too.
	m := expectErr(t, e.do("PUT", "/bkt/dst", nil, append([]string{"x-amz-copy-source", "/bkt/c"}, sseCSourceHeaders(7)...)...), 400, "InvalidRequest")
	if !strings.Contains(m.Message, "must be made over a secure connection") {
		t.Errorf("copy source key over HTTP: %q", m.Message)
	}
	if w := e.doTLS("HEAD", "/bkt/dst", nil); w.Code != 404 {
		t.Errorf("a refused copy wrote dst: %d", w.Code)
	}
}

// Copying an SSE-C object onto itself with a new key is how AWS rotates a
// customer key: legal without REPLACE, and afterwards only the new key
// opens it.
func TestSSECCopyOntoItselfRotatesTheKey(t *testing.T) {
	e := sseCEnv(t)
	if w := e.doTLS("PUT", "/bkt/c", strings.NewReader("rotate me"), sseCHeaders(7)...); w.Code != 200 {
		t.Fatalf("PUT: %d %s", w.Code, w.Body)
	}
	w := e.doTLS("PUT", "/bkt/c", nil, append([]string{"x-amz-copy-source", "/bkt/c"}, joinHeaders(sseCSourceHeaders(7), sseCHeaders(9))...)...)
	if w.Code != 200 {
		t.Fatalf("copy onto itself with a new key: %d %s", w.Code, w.Body)
	}
	wantSSEC(t, "rotation", w.Header(), 9)
	if g := e.doTLS("GET", "/bkt/c", nil, sseCHeaders(9)...); g.Code != 200 || g.Body.String() != "rotate me" {
		t.Fatalf("GET with the new key: %d %q", g.Code, g.Body)
	}
	expectErr(t, e.doTLS("GET", "/bkt/c", nil, sseCHeaders(7)...), 403, "AccessDenied")
	// A plain object copied onto itself with nothing changed stays illegal.
	e.put("bkt", "plain", "x")
	m := expectErr(t, e.doTLS("PUT", "/bkt/plain", nil, "x-amz-copy-source", "/bkt/plain"), 400, "InvalidRequest")
	if !strings.Contains(m.Message, "copy an object to itself") {
		t.Errorf("self-copy: %q", m.Message)
	}
}

type testCompletePart struct {
	PartNumber int
	ETag       string
}

func completeBody(etags ...string) string {
	type req struct {
		XMLName xml.Name           `xml:"CompleteMultipartUpload"`
		Parts   []testCompletePart `xml:"Part"`
	}
	r := req{}
	for i, et := range etags {
		r.Parts = append(r.Parts, testCompletePart{i + 1, et})
	}
	b, _ := xml.Marshal(r)
	return string(b)
}

func TestSSECMultipart(t *testing.T) {
	e := sseCEnv(t)
	w := e.doTLS("POST", "/bkt/mp?uploads", nil, sseCHeaders(7)...)
	if w.Code != 200 {
		t.Fatalf("CreateMultipartUpload: %d %s", w.Code, w.Body)
	}
	wantSSEC(t, "CreateMultipartUpload", w.Header(), 7)
	var init initiateResult
	if err := xml.Unmarshal(w.Body.Bytes(), &init); err != nil {
		t.Fatal(err)
	}
	part := func(n int, body string, hdr ...string) *httptest.ResponseRecorder {
		return e.doTLS("PUT", fmt.Sprintf("/bkt/mp?partNumber=%d&uploadId=%s", n, init.UploadID), strings.NewReader(body), hdr...)
	}
	p1 := strings.Repeat("1", minPartSize)
	w = part(1, p1, sseCHeaders(7)...)
	if w.Code != 200 {
		t.Fatalf("UploadPart: %d %s", w.Code, w.Body)
	}
	wantSSEC(t, "UploadPart", w.Header(), 7)
	etag1 := w.Header().Get("ETag")
	if etag1 == `"`+md5hex(p1)+`"` {
		t.Errorf("an SSE-C part's ETag is the MD5 of its data")
	}
	m := expectErr(t, part(2, "x"), 400, "InvalidRequest")
	if m.Message != "The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters." {
		t.Errorf("part without the key: %q", m.Message)
	}
	m = expectErr(t, part(2, "x", sseCHeaders(8)...), 400, "InvalidRequest")
	if m.Message != "The provided encryption parameters did not match the ones used originally." {
		t.Errorf("part with another key: %q", m.Message)
	}
	// Part 2 is copied from an SSE-C object, with its key, into the
	// upload's.
	if w := e.doTLS("PUT", "/bkt/src", strings.NewReader("tail of the object"), sseCHeaders(5)...); w.Code != 200 {
		t.Fatalf("PUT src: %d %s", w.Code, w.Body)
	}
	copyPart := func(hdr ...string) *httptest.ResponseRecorder {
		return e.doTLS("PUT", "/bkt/mp?partNumber=2&uploadId="+init.UploadID, nil, append([]string{"x-amz-copy-source", "/bkt/src"}, hdr...)...)
	}
	expectErr(t, copyPart(sseCHeaders(7)...), 400, "InvalidRequest") // no source key
	m = expectErr(t, copyPart(sseCSourceHeaders(5)...), 400, "InvalidRequest")
	if !strings.HasPrefix(m.Message, "The multipart upload initiate requested encryption.") {
		t.Errorf("copied part without the upload's key: %q", m.Message)
	}
	w = copyPart(joinHeaders(sseCSourceHeaders(5), sseCHeaders(7))...)
	if w.Code != 200 {
		t.Fatalf("UploadPartCopy: %d %s", w.Code, w.Body)
	}
	wantSSEC(t, "UploadPartCopy", w.Header(), 7)
	var cp copyPartResult
	if err := xml.Unmarshal(w.Body.Bytes(), &cp); err != nil {
		t.Fatal(err)
	}
	body := completeBody(etag1, cp.ETag)
	complete := func(hdr ...string) *httptest.ResponseRecorder {
		return e.doTLS("POST", "/bkt/mp?uploadId="+init.UploadID, strings.NewReader(body), hdr...)
	}
	m = expectErr(t, complete(sseCHeaders(8)...), 400, "InvalidRequest")
	if m.Message != "The provided encryption parameters did not match the ones used originally." {
		t.Errorf("complete with another key: %q", m.Message)
	}
	// The key is optional on CompleteMultipartUpload.
	w = complete()
	if w.Code != 200 {
		t.Fatalf("CompleteMultipartUpload: %d %s", w.Code, w.Body)
	}
	if v := w.Header().Get("x-amz-server-side-encryption"); v != "" {
		t.Errorf("an SSE-C upload completed as %q", v)
	}
	// A retry answers as the completion did.
	if w := complete(); w.Code != 200 || w.Header().Get("x-amz-server-side-encryption") != "" {
		t.Errorf("repeated completion: %d, x-amz-server-side-encryption %q", w.Code, w.Header().Get("x-amz-server-side-encryption"))
	}
	want := p1 + "tail of the object"
	g := e.doTLS("GET", "/bkt/mp", nil, sseCHeaders(7)...)
	if g.Code != 200 || g.Body.String() != want {
		t.Fatalf("GET: %d, %d bytes", g.Code, g.Body.Len())
	}
	wantSSEC(t, "GET of the upload", g.Header(), 7)
	if g := e.doTLS("GET", "/bkt/mp?partNumber=2", nil, sseCHeaders(7)...); g.Code != 206 || g.Body.String() != "tail of the object" {
		t.Fatalf("GET part 2: %d %q", g.Code, g.Body)
	}
	if g := e.doTLS("GET", "/bkt/mp", nil, append(sseCHeaders(7), "Range", fmt.Sprintf("bytes=%d-%d", minPartSize-2, minPartSize+3))...); g.Code != 206 || g.Body.String() != "11tail" {
		t.Fatalf("GET across the parts: %d %q", g.Code, g.Body)
	}
	expectErr(t, e.doTLS("GET", "/bkt/mp", nil), 400, "InvalidRequest")
	expectErr(t, e.doTLS("GET", "/bkt/mp", nil, sseCHeaders(8)...), 403, "AccessDenied")
	if h := e.doTLS("HEAD", "/bkt/mp", nil, sseCHeaders(7)...); h.Code != 200 {
		t.Errorf("HEAD: %d", h.Code)
	} else {
		wantSSEC(t, "HEAD of the upload", h.Header(), 7)
	}
}

// An upload begun without a key takes none on its parts.
func TestSSECPartOfAPlainUpload(t *testing.T) {
	e := sseCEnv(t)
	w := e.doTLS("POST", "/bkt/mp?uploads", nil)
	if w.Code != 200 {
		t.Fatalf("CreateMultipartUpload: %d %s", w.Code, w.Body)
	}
	wantSSEC(t, "plain CreateMultipartUpload", w.Header(), 0)
	var init initiateResult
	if err := xml.Unmarshal(w.Body.Bytes(), &init); err != nil {
		t.Fatal(err)
	}
	m := expectErr(t, e.doTLS("PUT", "/bkt/mp?partNumber=1&uploadId="+init.UploadID, strings.NewReader("x"), sseCHeaders(7)...), 400, "InvalidRequest")
	if m.Message != "The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters." {
		t.Errorf("SSE-C part of a plain upload: %q", m.Message)
	}
	m = expectErr(t, e.doTLS("POST", "/bkt/mp2?uploads", nil, joinHeaders(sseCHeaders(7), []string{"x-amz-server-side-encryption", "AES256"})...), 400, "InvalidArgument")
	if m.Message != "Server Side Encryption with Customer provided key is incompatible with the encryption method specified" {
		t.Errorf("SSE-C with SSE-S3 on CreateMultipartUpload: %q", m.Message)
	}
	m = expectErr(t, e.do("POST", "/bkt/mp3?uploads", nil, sseCHeaders(7)...), 400, "InvalidRequest")
	if !strings.Contains(m.Message, "must be made over a secure connection") {
		t.Errorf("SSE-C CreateMultipartUpload over HTTP: %q", m.Message)
	}
}

// A POST form's x-amz-server-side-encryption-customer-* fields seal the
// file under the customer's key, as PutObject's headers do, and only over
// TLS.
func TestSSECPostObject(t *testing.T) {
	k, err := sealed.DeriveKEK(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sealed.New(memory.New(), k)
	if err != nil {
		t.Fatal(err)
	}
	e, _, _ := newPostEnv(t, func(c *Config) { c.Blobs = eng })
	h := sseCHeaders(7)
	conds := []string{`{"key": "enc"}`}
	var fields [][2]string
	fields = append(fields, [2]string{"key", "enc"})
	for i := 0; i < len(h); i += 2 {
		conds = append(conds, fmt.Sprintf("{%q: %q}", h[i], h[i+1]))
		fields = append(fields, [2]string{h[i], h[i+1]})
	}
	form := formSpec{fields: withFields(fields, signedV4(postAKID, "", t0.Add(time.Hour), conds...)...), filename: "f", file: "sealed by the customer"}
	body, ct := form.encode(t)
	m := expectErr(t, e.do("POST", "/photos", bytes.NewReader(body), "Content-Type", ct), 400, "InvalidRequest")
	if !strings.Contains(m.Message, "must be made over a secure connection") {
		t.Errorf("SSE-C POST over HTTP: %q", m.Message)
	}
	w := e.doTLS("POST", "/photos", bytes.NewReader(body), "Content-Type", ct)
	if w.Code != 204 {
		t.Fatalf("SSE-C POST: %d %s", w.Code, w.Body)
	}
	wantSSEC(t, "POST", w.Header(), 7)
	if g := e.doTLS("GET", "/photos/enc", nil, h...); g.Code != 200 || g.Body.String() != "sealed by the customer" {
		t.Fatalf("GET with the key: %d %q", g.Code, g.Body)
	}
	expectErr(t, e.doTLS("GET", "/photos/enc", nil), 400, "InvalidRequest")
}
