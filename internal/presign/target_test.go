package presign

import (
	"net/url"
	"strings"
	"testing"
)

func TestObjectURL(t *testing.T) {
	signet, _ := url.Parse("http://127.0.0.1:9000")
	prefixed, _ := url.Parse("https://gw.example/s3/")
	cases := []struct {
		name           string
		endpoint       *url.URL
		region, bucket string
		key            string
		want, virtual  string
	}{
		{"custom endpoint is path style", signet, "us-east-1", "photos", "yawning-cat.jpg", "http://127.0.0.1:9000/photos/yawning-cat.jpg", ""},
		{"endpoint path prefix kept", prefixed, "eu-west-1", "photos", "a/b.txt", "https://gw.example/s3/photos/a/b.txt", ""},
		{"AWS us-east-1 is virtual hosted, global host", nil, "us-east-1", "photos", "cat.jpg", "https://photos.s3.amazonaws.com/cat.jpg", "photos"},
		{"AWS other region has the region in the host", nil, "eu-west-2", "photos", "cat.jpg", "https://photos.s3.eu-west-2.amazonaws.com/cat.jpg", "photos"},
		{"dotted bucket falls back to path style", nil, "us-east-1", "my.photos", "cat.jpg", "https://s3.amazonaws.com/my.photos/cat.jpg", ""},
		{"upper-case bucket falls back to path style", nil, "ap-south-1", "Photos", "cat.jpg", "https://s3.ap-south-1.amazonaws.com/Photos/cat.jpg", ""},
		{"key encoded as S3 signs it, slashes kept", signet, "us-east-1", "b", "dir/a b+c=d&e~f%.txt", "http://127.0.0.1:9000/b/dir/a%20b%2Bc%3Dd%26e~f%25.txt", ""},
		{"non-ASCII key", signet, "us-east-1", "b", "café/ü", "http://127.0.0.1:9000/b/caf%C3%A9/%C3%BC", ""},
		{"double slash and dots are not normalised", signet, "us-east-1", "b", "a//../b", "http://127.0.0.1:9000/b/a//../b", ""},
	}
	for _, c := range cases {
		got, virtual := objectURL(c.endpoint, c.region, c.bucket, c.key)
		if got != c.want || virtual != c.virtual {
			t.Errorf("%s: objectURL = %q, %q; want %q, %q", c.name, got, virtual, c.want, c.virtual)
		}
	}
}

func TestVirtualHostable(t *testing.T) {
	for name, want := range map[string]bool{
		"abc": true, "a-b-c": true, "123": true, "ab": false, "-ab": false, "ab-": false,
		"a.b.c": false, "a_b": false, "ABC": false, strings.Repeat("a", 63): true, strings.Repeat("a", 64): false,
	} {
		if got := virtualHostable(name); got != want {
			t.Errorf("virtualHostable(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestParseS3URI(t *testing.T) {
	good := map[string][2]string{
		"s3://b/k":             {"b", "k"},
		"s3://b/dir/key.txt":   {"b", "dir/key.txt"},
		"s3://b//leading":      {"b", "/leading"},
		"s3://b/with space?&#": {"b", "with space?&#"},
	}
	for in, want := range good {
		b, k, err := ParseS3URI(in)
		if err != nil || b != want[0] || k != want[1] {
			t.Errorf("ParseS3URI(%q) = %q, %q, %v; want %q, %q", in, b, k, err, want[0], want[1])
		}
	}
	bad := map[string]string{
		"b/k":       "not an object path",
		"s3://":     "names no bucket",
		"s3:///k":   "names no bucket",
		"s3://b":    "names a bucket, not an object",
		"s3://b/":   "names a bucket, not an object",
		"https://x": "not an object path",
	}
	for in, want := range bad {
		if _, _, err := ParseS3URI(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseS3URI(%q) error = %v; want it to say %q", in, err, want)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:9000", "https://s3.example.com", "http://h/prefix"} {
		if _, err := ParseEndpoint(ok, "--endpoint-url"); err != nil {
			t.Errorf("ParseEndpoint(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"localhost:9000", "ftp://h", "http://", "http://h/?x=1", "::"} {
		if _, err := ParseEndpoint(bad, "--endpoint-url"); err == nil || !strings.Contains(err.Error(), "(from --endpoint-url)") {
			t.Errorf("ParseEndpoint(%q) = %v; want an error naming --endpoint-url", bad, err)
		}
	}
}
