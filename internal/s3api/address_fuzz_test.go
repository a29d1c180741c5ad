package s3api

import (
	"errors"
	"net"
	"strings"
	"testing"
)

// FuzzSplitPath: any path as sent splits into a bucket and a key decoded
// exactly once, or is 400 InvalidURI; the bucket never holds a '/' unless
// it was sent encoded; and the pair, encoded back, splits into itself, so
// no two different keys are ever read from one path or the other way
// round.
func FuzzSplitPath(f *testing.F) {
	// The cases of router_test.go and the adversarial matrix.
	for _, c := range [][2]string{
		{"/b/k", ""}, {"/b", ""}, {"/b/", ""}, {"/", ""}, {"/b/a%2Fb", ""}, {"/b/../x", ""}, {"/b/%2e%2e/x", ""},
		{"/b//x//", ""}, {"/b/a%00b", ""}, {"/b/%E2%9C%93", ""}, {"/b/a+b", ""}, {"/k/x", "vb"}, {"/", "vb"},
		{"/b/%zz", ""}, {"/adv/obj%", ""}, {"/%2e%2e/obj", ""}, {"/adv%2Fobj", ""}, {"//lead", ""}, {"", ""},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, escaped, virtual string) {
		bucket, key, err := splitPath(escaped, virtual)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Code.String() != "InvalidURI" {
				t.Fatalf("splitPath(%q, %q): %v, want InvalidURI", escaped, virtual, err)
			}
			return
		}
		if virtual != "" && bucket != virtual {
			t.Fatalf("splitPath(%q, %q): bucket %q, want the virtual bucket", escaped, virtual, bucket)
		}
		if virtual == "" && strings.Contains(bucket, "/") && !strings.Contains(strings.ToUpper(escaped), "%2F") {
			t.Fatalf("splitPath(%q): bucket %q holds a '/' that was not sent encoded", escaped, bucket)
		}
		var back string
		if virtual != "" {
			back = "/" + escapeAll(key)
		} else {
			back = "/" + escapeAll(bucket)
			if key != "" {
				back += "/" + escapeAll(key)
			}
		}
		b2, k2, err := splitPath(back, virtual)
		if err != nil || b2 != bucket || k2 != key {
			t.Fatalf("splitPath(%q) = %q %q, but its encoding %q splits into %q %q (%v)", escaped, bucket, key, back, b2, k2, err)
		}
	})
}

// FuzzVirtualBucket: any Host names at most one bucket, in lower case,
// under one of the configured domains; that bucket addressed under the
// same domain names itself again; IP addresses and the bare domains are
// path style.
func FuzzVirtualBucket(f *testing.F) {
	a := addressing(f, "localhost", "s3.localhost", "S3.Example.COM.")
	for _, h := range []string{
		"b.s3.localhost:9000", "my.dotted.b.s3.localhost", "b.localhost", "s3.localhost", "localhost:9000", "127.0.0.1:9000",
		"[::1]:9000", "example.com", "B.S3.LOCALHOST", "b.s3.example.com.", "adv.localhost:80", "evil.example:80", "a:b:c.localhost", "",
		"x.localhost.s3.localhost", ".localhost", "..s3.localhost",
	} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, host string) {
		vb := a.virtualBucket(host)
		if vb == "" {
			return
		}
		if vb != strings.ToLower(vb) {
			t.Fatalf("virtualBucket(%q) = %q, not lower case", host, vb)
		}
		h := host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			h = hh
		}
		if net.ParseIP(strings.Trim(h, "[]")) != nil {
			t.Fatalf("virtualBucket(%q) = %q for an IP address", host, vb)
		}
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		var domain string
		for _, d := range a.domains {
			if h == vb+"."+d {
				domain = d
				break
			}
		}
		if domain == "" {
			t.Fatalf("virtualBucket(%q) = %q, which is not the host minus a configured domain", host, vb)
		}
		if again := a.virtualBucket(vb + "." + domain); again != vb {
			t.Fatalf("virtualBucket(%q) = %q but virtualBucket(%q) = %q", host, vb, vb+"."+domain, again)
		}
	})
}
