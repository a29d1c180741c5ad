package s3api

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// FuzzRange: for any Range header and object size, a range that is
// served lies within the object and is not empty; an unsatisfiable one is
// 416 InvalidRange; and the served range, written back as bytes=first-last,
// resolves to itself.
func FuzzRange(f *testing.F) {
	// The cases of object_get_test.go and the adversarial matrix.
	for _, h := range []string{
		"bytes=0-4", "bytes=5-", "bytes=-3", "bytes=-30", "bytes=8-100", "bytes=9-9", "bytes=0-1,3-4", "bytes=5-2",
		"bytes=x-1", "bytes=10-", "bytes=10-20", "bytes=-0", "bytes=0-", "bytes=100-40000", "bytes=5242800-5242999",
		"bytes=9223372036854775806-9223372036854775807", " bytes= 1-2 ", "bytes=-9223372036854775808", "items=0-1", "",
	} {
		f.Add(h, int64(10))
	}
	f.Add("bytes=0-", int64(0))
	f.Add("bytes=1000-600000", int64(600001))
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -(size + 1) // object sizes are never negative
		}
		r, ok, err := parseRange(h, size)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Code.String() != "InvalidRange" || ae.Status != 416 || ok {
				t.Fatalf("parseRange(%q, %d): %v (ok %v), want 416 InvalidRange", h, size, err, ok)
			}
			return
		}
		if !ok {
			return // ignored: the whole object is served
		}
		if r.start < 0 || r.start > r.end || r.end >= size || r.length() < 1 || r.length() > size {
			t.Fatalf("parseRange(%q, %d) = %+v, outside the object", h, size, r)
		}
		again, ok2, err2 := parseRange(fmt.Sprintf("bytes=%d-%d", r.start, r.end), size)
		if err2 != nil || !ok2 || again != r {
			t.Fatalf("bytes=%d-%d resolves to %+v %v %v, want itself", r.start, r.end, again, ok2, err2)
		}
		// The copy-source form accepts exactly the explicit ranges inside
		// the object.
		if cr, err := parseCopyRange(fmt.Sprintf("bytes=%d-%d", r.start, r.end), size); err != nil || cr != r {
			t.Fatalf("x-amz-copy-source-range bytes=%d-%d: %+v %v", r.start, r.end, cr, err)
		}
	})
}

// FuzzCopyRange: x-amz-copy-source-range accepts only ranges inside the
// source; everything else is 400 InvalidArgument or 416 InvalidRange.
func FuzzCopyRange(f *testing.F) {
	for _, v := range []string{"bytes=0-99999999", "bytes=5-", "bytes=0-4", "bytes=3-3", "bytes=-1", "bytes=4-2", "bytes=+1-+2", "0-1", ""} {
		f.Add(v, int64(10))
	}
	f.Fuzz(func(t *testing.T, v string, size int64) {
		if size < 0 {
			size = -(size + 1)
		}
		r, err := parseCopyRange(v, size)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || (ae.Code.String() != "InvalidArgument" && ae.Code.String() != "InvalidRange") {
				t.Fatalf("parseCopyRange(%q, %d): %v, want InvalidArgument or InvalidRange", v, size, err)
			}
			return
		}
		if r.start < 0 || r.start > r.end || r.end >= size {
			t.Fatalf("parseCopyRange(%q, %d) = %+v, outside the source", v, size, r)
		}
	})
}

// FuzzCopySource: an accepted x-amz-copy-source names a bucket and a key
// of at most 1024 bytes, and writing them back (encoded) names them again.
func FuzzCopySource(f *testing.F) {
	for _, v := range []string{"/bkt/mp", "bkt/small.bin", "/bkt/dir%2Fa%20b?versionId=v1", "/b/%E2%9C%93", "/b", "/", "%zz", "/b/../x", "//b/k"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		bucket, key, err := parseCopySource(v)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != 400 {
				t.Fatalf("parseCopySource(%q): %v, want a 400", v, err)
			}
			return
		}
		if bucket == "" || key == "" || len(key) > maxKeyLen || strings.Contains(bucket, "/") {
			t.Fatalf("parseCopySource(%q) = %q %q", v, bucket, key)
		}
		b2, k2, err := parseCopySource("/" + escapeAll(bucket) + "/" + escapeAll(key))
		if err != nil || b2 != bucket || k2 != key {
			t.Fatalf("%q %q encoded back gives %q %q %v", bucket, key, b2, k2, err)
		}
	})
}

// escapeAll percent-encodes every byte outside the unreserved set,
// slashes included.
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
