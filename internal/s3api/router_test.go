package s3api

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"signet/internal/authn"
)

func TestVirtualBucket(t *testing.T) {
	a := addressing(t, "localhost", "s3.localhost")
	cases := map[string]string{
		"b.s3.localhost:9000":      "b",
		"my.dotted.b.s3.localhost": "my.dotted.b",
		"b.localhost":              "b",
		"s3.localhost":             "",
		"localhost:9000":           "",
		"127.0.0.1:9000":           "",
		"[::1]:9000":               "",
		"example.com":              "",
		"B.S3.LOCALHOST":           "b",
	}
	for host, want := range cases {
		if got := a.virtualBucket(host); got != want {
			t.Errorf("%s: %q, want %q", host, got, want)
		}
	}
}

func TestSplitPath(t *testing.T) {
	cases := []struct{ path, virtual, bucket, key string }{
		{"/b/k", "", "b", "k"},
		{"/b", "", "b", ""},
		{"/b/", "", "b", ""},
		{"/", "", "", ""},
		{"/b/a%2Fb", "", "b", "a/b"},
		{"/b/../x", "", "b", "../x"},
		{"/b/%2e%2e/x", "", "b", "../x"},
		{"/b//x//", "", "b", "/x//"},
		{"/b/a%00b", "", "b", "a\x00b"},
		{"/b/%E2%9C%93", "", "b", "✓"},
		{"/b/a+b", "", "b", "a+b"},
		{"/k/x", "vb", "vb", "k/x"},
		{"/", "vb", "vb", ""},
	}
	for _, c := range cases {
		b, k, err := splitPath(c.path, c.virtual)
		if err != nil || b != c.bucket || k != c.key {
			t.Errorf("%s (%s): %q %q %v", c.path, c.virtual, b, k, err)
		}
	}
	if _, _, err := splitPath("/b/%zz", ""); err == nil {
		t.Error("bad escape accepted")
	}
}

func TestVirtualHostedRequests(t *testing.T) {
	e := newEnv(t)
	var seen string
	e.cfg.Auth = authFunc(func(r *http.Request, vb string) (*authn.Result, error) { seen = vb; return rootAuth(r, vb) })
	e.h = mustNew(t, e.cfg)
	r := e.do("PUT", "http://vbk.s3.localhost:9000/", nil)
	if r.Code != 200 || seen != "vbk" {
		t.Fatalf("%d %q %s", r.Code, seen, r.Body)
	}
	e.mustDo(200, "PUT", "http://vbk.s3.localhost:9000/dir/obj", "hello")
	w := e.mustDo(200, "GET", "/vbk/dir/obj", "")
	if w.Body.String() != "hello" {
		t.Fatal(w.Body.String())
	}
	w = e.mustDo(200, "GET", "http://127.0.0.1:9000/vbk/dir/obj", "")
	if w.Body.String() != "hello" {
		t.Fatal(w.Body.String())
	}
}

func TestKeysAreTakenLiterally(t *testing.T) {
	e := newEnv(t)
	e.bucket("keys")
	long := strings.Repeat("k", 1024)
	keys := map[string]string{
		"../up":                           "../up",
		"%2e%2e/enc":                      "../enc",
		"a//b":                            "a//b",
		"//lead":                          "//lead",
		"nul%00byte":                      "nul\x00byte",
		"%E6%97%A5%E6%9C%AC/%F0%9F%98%80": "日本/😀",
		"sp%20ace+plus":                   "sp ace+plus",
		long:                              long,
	}
	for path, key := range keys {
		e.put("keys", path, "v:"+key)
		w := e.mustDo(200, "GET", "/keys/"+path, "")
		if w.Body.String() != "v:"+key {
			t.Errorf("%q: got %q", path, w.Body.String())
		}
	}
	// Every key is listed exactly as decoded, once.
	w := e.mustDo(200, "GET", "/keys?list-type=2&encoding-type=url", "")
	for _, key := range keys {
		if !strings.Contains(w.Body.String(), "<Key>"+urlEncodeForTest(key)+"</Key>") {
			t.Errorf("listing lacks %q", key)
		}
	}
	w = e.do("PUT", "/keys/"+long+"x", strings.NewReader("x"))
	expectErr(t, w, 400, "KeyTooLongError")
	w = e.do("GET", "/keys/"+long+"x", nil)
	expectErr(t, w, 400, "KeyTooLongError")
}

func TestUnknownSubresourceAndMethod(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	expectErr(t, e.do("GET", "/bkt?policy", nil), 501, "NotImplemented")
	expectErr(t, e.do("PUT", "/bkt?logging", nil), 501, "NotImplemented")
	expectErr(t, e.do("GET", "/bkt/k?torrent", nil), 501, "NotImplemented")
	expectErr(t, e.do("PATCH", "/bkt/k", nil), 405, "MethodNotAllowed")
	// Parameters that are not subresources are ignored, as AWS does.
	e.mustDo(200, "GET", "/bkt?x-id=ListObjects&foo=bar", "")
}

func TestAnonymousDenied(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "k", "v")
	expectErr(t, e.do("GET", "/bkt/k", nil, "X-Test-Anonymous", "1"), 403, "AccessDenied")
	expectErr(t, e.do("GET", "/bkt", nil, "X-Test-Anonymous", "1"), 403, "AccessDenied")
	// A bucket that does not exist is NoSuchBucket to an anonymous caller,
	// as S3 answers; a signed caller without permission is denied.
	for _, target := range []string{"/nobkt", "/nobkt/k", "/nobkt?acl"} {
		b := expectErr(t, e.do("GET", target, nil, "X-Test-Anonymous", "1"), 404, "NoSuchBucket")
		if b.BucketName != "nobkt" {
			t.Errorf("%s: BucketName %q", target, b.BucketName)
		}
	}
	expectErr(t, e.do("PUT", "/nobkt", nil, "X-Test-Anonymous", "1"), 403, "AccessDenied")
}

func TestSignedDeniedMissingBucket(t *testing.T) {
	deny := authzFunc(func(*http.Request, *authn.Result, string, string) error { return errors.New("denied") })
	e := newEnv(t, func(c *Config) { c.Authz = deny })
	expectErr(t, e.do("GET", "/nobkt/k", nil), 403, "AccessDenied")
}
