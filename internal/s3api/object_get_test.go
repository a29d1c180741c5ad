package s3api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRanges(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	data := "0123456789"
	e.put("bkt", "k", data)
	cases := []struct {
		rng    string
		status int
		body   string
		cr     string
	}{
		{"bytes=0-4", 206, "01234", "bytes 0-4/10"},
		{"bytes=5-", 206, "56789", "bytes 5-9/10"},
		{"bytes=-3", 206, "789", "bytes 7-9/10"},
		{"bytes=-30", 206, data, "bytes 0-9/10"},
		{"bytes=8-100", 206, "89", "bytes 8-9/10"},
		{"bytes=9-9", 206, "9", "bytes 9-9/10"},
		{"bytes=0-1,3-4", 200, data, ""},
		{"bytes=5-2", 200, data, ""},
		{"items=0-1", 200, data, ""},
		{"bytes=x-1", 200, data, ""},
	}
	for _, c := range cases {
		w := e.mustDo(c.status, "GET", "/bkt/k", "", "Range", c.rng)
		if w.Body.String() != c.body || w.Header().Get("Content-Range") != c.cr || w.Header().Get("Content-Length") != fmt.Sprint(len(c.body)) {
			t.Errorf("%s: %q %v", c.rng, w.Body.String(), w.Header())
		}
	}
	for _, rng := range []string{"bytes=10-", "bytes=10-20", "bytes=-0"} {
		b := expectErr(t, e.do("GET", "/bkt/k", nil, "Range", rng), 416, "InvalidRange")
		if b.RangeRequested != rng || b.ActualObjectSize != "10" {
			t.Errorf("%s: %+v", rng, b)
		}
	}
	e.put("bkt", "empty", "")
	expectErr(t, e.do("GET", "/bkt/empty", nil, "Range", "bytes=0-"), 416, "InvalidRange")
}

func TestGetConditionals(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	etag := e.put("bkt", "k", "data").Header().Get("ETag")
	lm := t0.Format(http.TimeFormat)
	before := t0.Add(-time.Hour).Format(http.TimeFormat)
	after := t0.Add(time.Hour).Format(http.TimeFormat)
	cases := []struct {
		hdr    []string
		status int
	}{
		{[]string{"If-Match", etag}, 200},
		{[]string{"If-Match", `"nope"`}, 412},
		{[]string{"If-Match", `"nope", ` + etag}, 200},
		{[]string{"If-Match", "*"}, 200},
		{[]string{"If-None-Match", etag}, 304},
		{[]string{"If-None-Match", `"nope"`}, 200},
		{[]string{"If-Modified-Since", lm}, 304},
		{[]string{"If-Modified-Since", before}, 200},
		{[]string{"If-Unmodified-Since", before}, 412},
		{[]string{"If-Unmodified-Since", lm}, 200},
		{[]string{"If-Unmodified-Since", "garbage"}, 200},
		// RFC 7232 precedence as S3 documents it.
		{[]string{"If-Match", etag, "If-Unmodified-Since", before}, 200},
		{[]string{"If-None-Match", etag, "If-Modified-Since", before}, 304},
		{[]string{"If-None-Match", `"nope"`, "If-Modified-Since", after}, 200},
		{[]string{"If-Match", `"nope"`, "If-None-Match", etag}, 412},
	}
	for _, c := range cases {
		for _, m := range []string{"GET", "HEAD"} {
			w := e.do(m, "/bkt/k", nil, c.hdr...)
			if w.Code != c.status {
				t.Errorf("%s %v: %d, want %d", m, c.hdr, w.Code, c.status)
			}
			if c.status == 304 && (w.Body.Len() != 0 || w.Header().Get("ETag") != etag) {
				t.Errorf("304 %v: body %q headers %v", c.hdr, w.Body.String(), w.Header())
			}
		}
	}
}

func TestResponseOverrides(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "k", "data", "Content-Type", "text/plain")
	q := "?response-content-type=application/json&response-content-disposition=attachment%3B%20filename%3Dx.json" +
		"&response-cache-control=max-age%3D5&response-content-language=fr&response-expires=Thu,%2001%20Dec%202030%2016:00:00%20GMT&response-content-encoding=identity"
	w := e.mustDo(200, "GET", "/bkt/k"+q, "")
	want := map[string]string{"Content-Type": "application/json", "Content-Disposition": "attachment; filename=x.json",
		"Cache-Control": "max-age=5", "Content-Language": "fr", "Expires": "Thu, 01 Dec 2030 16:00:00 GMT", "Content-Encoding": "identity"}
	for k, v := range want {
		if w.Header().Get(k) != v {
			t.Errorf("%s = %q", k, w.Header().Get(k))
		}
	}
	// Anonymous callers may not use them even where reads are allowed.
	e.cfg.Authz = allowAll{}
	e.h = mustNew(t, e.cfg)
	e.mustDo(200, "GET", "/bkt/k", "", "X-Test-Anonymous", "1")
	b := expectErr(t, e.do("GET", "/bkt/k?response-content-type=x", nil, "X-Test-Anonymous", "1"), 400, "InvalidRequest")
	if b.Message != "Request specific response headers cannot be used for anonymous GET requests." {
		t.Error(b.Message)
	}
}

func TestLargeObjectStreams(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	e.put("bkt", "big", big)
	w := e.mustDo(206, "GET", "/bkt/big", "", "Range", "bytes=1000-600000")
	if w.Body.String() != big[1000:600001] {
		t.Error("range of large object")
	}
}
