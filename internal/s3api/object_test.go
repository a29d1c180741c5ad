package s3api

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
	"strings"
	"testing"

	"signet/internal/authn"
	"signet/internal/awschunked"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func md5b64(s string) string { h := md5.Sum([]byte(s)); return b64(h[:]) }

func crc32b64(s string) string {
	v := crc32.ChecksumIEEE([]byte(s))
	return b64([]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func TestPutGetRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	w := e.put("bkt", "dir/file.txt", "hello world",
		"Content-Type", "text/plain", "Content-Encoding", "gzip,aws-chunked", "Content-Disposition", "attachment",
		"Content-Language", "en", "Cache-Control", "no-cache", "Expires", "Thu, 01 Dec 2030 16:00:00 GMT",
		"x-amz-storage-class", "STANDARD_IA", "X-Amz-Meta-Color", "blue", "x-amz-meta-Shape", "round")
	sum := md5.Sum([]byte("hello world"))
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	if w.Header().Get("ETag") != etag {
		t.Fatalf("ETag %q", w.Header().Get("ETag"))
	}
	for _, m := range []string{"GET", "HEAD"} {
		w = e.mustDo(200, m, "/bkt/dir/file.txt", "")
		h := w.Header()
		want := map[string]string{
			"ETag": etag, "Content-Length": "11", "Content-Type": "text/plain", "Content-Encoding": "gzip",
			"Content-Disposition": "attachment", "Content-Language": "en", "Cache-Control": "no-cache",
			"Expires": "Thu, 01 Dec 2030 16:00:00 GMT", "x-amz-storage-class": "STANDARD_IA",
			"x-amz-meta-color": "blue", "x-amz-meta-shape": "round", "Accept-Ranges": "bytes",
			"Last-Modified": "Sun, 01 Mar 2026 12:00:00 GMT",
		}
		for k, v := range want {
			got := h.Get(k)
			if strings.HasPrefix(k, "x-amz-meta-") {
				got = userMeta(h, strings.TrimPrefix(k, "x-amz-meta-"))
			}
			if got != v {
				t.Errorf("%s %s = %q, want %q", m, k, got, v)
			}
		}
		if m == "GET" && w.Body.String() != "hello world" {
			t.Errorf("body %q", w.Body.String())
		}
		if m == "HEAD" && w.Body.Len() != 0 {
			t.Errorf("HEAD body %q", w.Body.String())
		}
	}
	// Default content type and overwrite.
	e.put("bkt", "dir/file.txt", "v2")
	w = e.mustDo(200, "GET", "/bkt/dir/file.txt", "")
	if w.Body.String() != "v2" || w.Header().Get("Content-Type") != "binary/octet-stream" || userMeta(w.Header(), "color") != "" {
		t.Errorf("after overwrite: %q %v", w.Body.String(), w.Header())
	}
	if n := e.blobCount(); n != 1 {
		t.Errorf("%d blobs, want 1 (replaced blob deleted)", n)
	}
	// Empty object.
	e.put("bkt", "empty", "")
	w = e.mustDo(200, "GET", "/bkt/empty", "")
	if w.Header().Get("ETag") != `"d41d8cd98f00b204e9800998ecf8427e"` || w.Body.Len() != 0 {
		t.Errorf("empty: %v", w.Header())
	}
	expectErr(t, e.do("PUT", "/bkt/k", strings.NewReader("x"), "x-amz-storage-class", "DIAMOND"), 400, "InvalidStorageClass")
	expectErr(t, e.do("PUT", "/bkt/k", strings.NewReader("x"), "x-amz-meta-big", strings.Repeat("v", 2100)), 400, "MetadataTooLarge")
}

func TestMissingKeyNeedsListBucket(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	b := expectErr(t, e.do("GET", "/bkt/nope", nil), 404, "NoSuchKey")
	if b.Key != "nope" {
		t.Errorf("Key %q", b.Key)
	}
	if w := e.do("HEAD", "/bkt/nope", nil); w.Code != 404 || w.Body.Len() != 0 {
		t.Errorf("HEAD %d %q", w.Code, w.Body.String())
	}
	e.cfg.Authz = authzFunc(func(_ *http.Request, _ *authn.Result, action, _ string) error {
		if action == "s3:ListBucket" {
			return errors.New("no")
		}
		return nil
	})
	e.h = mustNew(t, e.cfg)
	expectErr(t, e.do("GET", "/bkt/nope", nil), 403, "AccessDenied")
	expectErr(t, e.do("GET", "/nobucket/nope", nil), 404, "NoSuchBucket")
}

func TestPutDigests(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	body := "integrity matters"
	e.put("bkt", "md5", body, "Content-MD5", md5b64(body))
	expectErr(t, e.do("PUT", "/bkt/md5", strings.NewReader(body), "Content-MD5", "not-base64!"), 400, "InvalidDigest")
	expectErr(t, e.do("PUT", "/bkt/md5", strings.NewReader(body), "Content-MD5", b64([]byte("short"))), 400, "InvalidDigest")
	expectErr(t, e.do("PUT", "/bkt/md5", strings.NewReader(body), "Content-MD5", md5b64("other")), 400, "BadDigest")

	w := e.put("bkt", "crc", body, "x-amz-checksum-crc32", crc32b64(body), "x-amz-sdk-checksum-algorithm", "CRC32")
	if w.Header().Get("x-amz-checksum-crc32") != crc32b64(body) {
		t.Errorf("response checksum %q", w.Header().Get("x-amz-checksum-crc32"))
	}
	sha := sha256.Sum256([]byte(body))
	e.put("bkt", "sha", body, "x-amz-checksum-sha256", b64(sha[:]))
	expectErr(t, e.do("PUT", "/bkt/crc", strings.NewReader(body), "x-amz-checksum-crc32", crc32b64("other")), 400, "BadDigest")
	expectErr(t, e.do("PUT", "/bkt/crc", strings.NewReader(body), "x-amz-checksum-crc32", "!!"), 400, "InvalidRequest")
	expectErr(t, e.do("PUT", "/bkt/crc", strings.NewReader(body), "x-amz-sdk-checksum-algorithm", "CRC32"), 400, "InvalidRequest")
	expectErr(t, e.do("PUT", "/bkt/crc", strings.NewReader(body), "x-amz-sdk-checksum-algorithm", "MD4", "x-amz-checksum-crc32", crc32b64(body)), 400, "InvalidRequest")
	expectErr(t, e.do("PUT", "/bkt/crc", strings.NewReader(body), "x-amz-checksum-crc32", crc32b64(body), "x-amz-checksum-sha256", b64(sha[:])), 400, "InvalidRequest")

	// Checksum mode returns the stored value on whole-object GETs only.
	w = e.mustDo(200, "GET", "/bkt/crc", "", "x-amz-checksum-mode", "ENABLED")
	if w.Header().Get("x-amz-checksum-crc32") != crc32b64(body) || w.Header().Get("x-amz-checksum-type") != "FULL_OBJECT" {
		t.Errorf("checksum mode: %v", w.Header())
	}
	w = e.mustDo(200, "GET", "/bkt/crc", "")
	if w.Header().Get("x-amz-checksum-crc32") != "" {
		t.Error("checksum without mode")
	}
	w = e.mustDo(206, "GET", "/bkt/crc", "", "x-amz-checksum-mode", "ENABLED", "Range", "bytes=0-1")
	if w.Header().Get("x-amz-checksum-crc32") != "" {
		t.Error("checksum on a range")
	}
	// Failed PUTs left nothing behind: md5, crc, sha objects only.
	if n := e.blobCount(); n != 3 {
		t.Errorf("%d blobs", n)
	}
}

// trailerAuth serves the body with a trailer map, as authn does for
// aws-chunked trailers.
func trailerAuth(trailers map[string]string) authFunc {
	return func(r *http.Request, vb string) (*authn.Result, error) {
		res, _ := rootAuth(r, vb)
		res.Trailers = func() map[string]string { return trailers }
		return res, nil
	}
}

func TestPutTrailerChecksum(t *testing.T) {
	body := "trailing checksum body"
	tr := map[string]string{}
	e := newEnv(t, func(c *Config) { c.Auth = trailerAuth(tr) })
	e.bucket("bkt")
	hdr := []string{"x-amz-trailer", "x-amz-checksum-crc32", "x-amz-sdk-checksum-algorithm", "CRC32", "Content-Encoding", "aws-chunked"}
	tr["x-amz-checksum-crc32"] = crc32b64(body)
	e.put("bkt", "ok", body, hdr...)
	w := e.mustDo(200, "HEAD", "/bkt/ok", "", "x-amz-checksum-mode", "ENABLED")
	if w.Header().Get("x-amz-checksum-crc32") != crc32b64(body) || w.Header().Get("Content-Encoding") != "" {
		t.Errorf("%v", w.Header())
	}
	tr["x-amz-checksum-crc32"] = crc32b64("different")
	expectErr(t, e.do("PUT", "/bkt/bad", strings.NewReader(body), hdr...), 400, "BadDigest")
	delete(tr, "x-amz-checksum-crc32")
	expectErr(t, e.do("PUT", "/bkt/bad", strings.NewReader(body), hdr...), 400, "MalformedTrailerError")
	if n := e.blobCount(); n != 1 {
		t.Errorf("%d blobs", n)
	}
}

// bodyAuth replaces the verified body with r's body wrapped by wrap and a
// declared length.
func bodyAuth(wrap func(r *http.Request) (body interface{ Read([]byte) (int, error) }, n int64)) authFunc {
	return func(r *http.Request, vb string) (*authn.Result, error) {
		res, _ := rootAuth(r, vb)
		res.Body, res.DecodedLength = wrap(r)
		return res, nil
	}
}

func TestPutBodyErrors(t *testing.T) {
	var mk func(r *http.Request) (interface{ Read([]byte) (int, error) }, int64)
	e := newEnv(t, func(c *Config) {
		c.Auth = bodyAuth(func(r *http.Request) (interface{ Read([]byte) (int, error) }, int64) {
			if mk == nil || r.Method != "PUT" || !strings.Contains(r.URL.Path, "/") || strings.Count(r.URL.Path, "/") < 2 {
				return r.Body, r.ContentLength
			}
			return mk(r)
		})
	})
	e.bucket("bkt")
	e.put("bkt", "k", "original")
	cases := []struct {
		name   string
		body   func(r *http.Request) (interface{ Read([]byte) (int, error) }, int64)
		status int
		code   string
	}{
		{"payload hash", func(*http.Request) (interface{ Read([]byte) (int, error) }, int64) {
			return &failingReader{n: 100, err: fmt.Errorf("wrapped: %w", &authn.PayloadMismatch{ClientComputed: "aa", ServerComputed: "bb"})}, 100
		}, 400, "XAmzContentSHA256Mismatch"},
		{"chunk signature", func(*http.Request) (interface{ Read([]byte) (int, error) }, int64) {
			return &failingReader{n: 70000, err: fmt.Errorf("chunk 2: %w", awschunked.ErrChunkSignatureMismatch)}, -1
		}, 403, "SignatureDoesNotMatch"},
		{"malformed chunk", func(*http.Request) (interface{ Read([]byte) (int, error) }, int64) {
			return &failingReader{n: 10, err: awschunked.ErrMalformed}, -1
		}, 400, "IncompleteBody"},
		{"short body", func(*http.Request) (interface{ Read([]byte) (int, error) }, int64) {
			return strings.NewReader("abc"), 10
		}, 400, "IncompleteBody"},
		{"incomplete", func(*http.Request) (interface{ Read([]byte) (int, error) }, int64) {
			return &failingReader{n: 5, err: authn.ErrIncompleteBody}, 10
		}, 400, "IncompleteBody"},
		{"declared too large", func(*http.Request) (interface{ Read([]byte) (int, error) }, int64) {
			return strings.NewReader(""), 5<<30 + 1
		}, 400, "EntityTooLarge"},
		{"client gone", func(*http.Request) (interface{ Read([]byte) (int, error) }, int64) {
			return &failingReader{n: 1 << 20, err: errors.New("connection reset")}, 2 << 20
		}, 500, "InternalError"},
	}
	for _, c := range cases {
		mk = c.body
		w := e.do("PUT", "/bkt/k", strings.NewReader("ignored"))
		b := expectErr(t, w, c.status, c.code)
		if c.code == "XAmzContentSHA256Mismatch" && (b.ClientComputedContentSHA256 != "aa" || b.S3ComputedContentSHA256 != "bb") {
			t.Errorf("%s: fields %+v", c.name, b)
		}
		if c.code == "EntityTooLarge" && (b.ProposedSize != "5368709121" || b.MaxSizeAllowed != "5368709120") {
			t.Errorf("%s: fields %+v", c.name, b)
		}
		mk = nil
		if got := e.mustDo(200, "GET", "/bkt/k", "").Body.String(); got != "original" {
			t.Errorf("%s: object now %q", c.name, got)
		}
		if n := e.blobCount(); n != 1 {
			t.Errorf("%s: %d blobs", c.name, n)
		}
	}
}

func TestPutConditional(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "new", "1", "If-None-Match", "*")
	expectErr(t, e.do("PUT", "/bkt/new", strings.NewReader("2"), "If-None-Match", "*"), 412, "PreconditionFailed")
	etag := e.mustDo(200, "HEAD", "/bkt/new", "").Header().Get("ETag")
	expectErr(t, e.do("PUT", "/bkt/new", strings.NewReader("2"), "If-Match", `"0123"`), 412, "PreconditionFailed")
	expectErr(t, e.do("PUT", "/bkt/absent", strings.NewReader("2"), "If-Match", etag), 412, "PreconditionFailed")
	e.put("bkt", "new", "2", "If-Match", etag)
	if got := e.mustDo(200, "GET", "/bkt/new", "").Body.String(); got != "2" {
		t.Errorf("got %q", got)
	}
	expectErr(t, e.do("PUT", "/bkt/new", strings.NewReader("3"), "If-None-Match", etag), 501, "NotImplemented")
	if n := e.blobCount(); n != 1 {
		t.Errorf("%d blobs", n)
	}
}

func TestDeleteObject(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "k", "v")
	e.mustDo(204, "DELETE", "/bkt/k", "")
	e.mustDo(204, "DELETE", "/bkt/k", "")
	expectErr(t, e.do("DELETE", "/nob/k", nil), 404, "NoSuchBucket")
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs", n)
	}
}

// TestStripAWSChunkedKeepsSpelling pins that only the aws-chunked coding
// is removed from Content-Encoding: the client's other codings are stored
// byte for byte.
func TestStripAWSChunkedKeepsSpelling(t *testing.T) {
	cases := []struct {
		in   []string
		want string
	}{
		{[]string{"aws-chunked"}, ""},
		{[]string{"aws-chunked,gzip"}, "gzip"},
		{[]string{"aws-chunked, gzip"}, "gzip"},
		{[]string{"gzip, aws-chunked"}, "gzip"},
		{[]string{"gzip,AWS-Chunked"}, "gzip"},
		{[]string{"gzip, br, aws-chunked"}, "gzip, br"},
		{[]string{"gzip,  Br"}, "gzip,  Br"},
		{[]string{"x-custom;q=1 , gzip"}, "x-custom;q=1 , gzip"},
		{[]string{"gzip", "aws-chunked"}, "gzip"},
		{nil, ""},
	}
	for _, c := range cases {
		if got := stripAWSChunked(c.in); got != c.want {
			t.Errorf("stripAWSChunked(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
