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

func TestParsePartNumber(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "42": 42, "10000": 10000} {
		if got, err := ParsePartNumber(in); err != nil || got != want {
			t.Errorf("ParsePartNumber(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "10001", "-1", "one", "", "1.5"} {
		if _, err := ParsePartNumber(bad); err == nil || !strings.Contains(err.Error(), "1 to 10000") {
			t.Errorf("ParsePartNumber(%q) = %v; want an error giving the range", bad, err)
		}
	}
}

// TestCheckTargetUploadPart: --upload-id and --part-number go together,
// with PUT, and the part number is S3's 1 to 10000.
func TestCheckTargetUploadPart(t *testing.T) {
	part := Request{Method: "PUT", UploadID: "u1", PartNumber: 3}
	if err := checkTarget(part); err != nil {
		t.Errorf("UploadPart: %v", err)
	}
	cases := []struct {
		req  Request
		want string
	}{
		{Request{Method: "PUT", UploadID: "u1"}, "needs --part-number"},
		{Request{Method: "PUT", PartNumber: 3}, "goes with --upload-id"},
		{Request{Method: "GET", UploadID: "u1", PartNumber: 3}, "use --method PUT"},
		{Request{Method: "DELETE", UploadID: "u1", PartNumber: 3}, "use --method PUT"},
		{Request{Method: "HEAD", UploadID: "u1", PartNumber: 1}, "use --method PUT"},
		{Request{Method: "HEAD", PartNumber: 1}, "goes with --upload-id"},
		{Request{Method: "PUT", UploadID: "u1", PartNumber: 10001}, "1 to 10000"},
		{Request{Method: "PUT", UploadID: "u1", PartNumber: -1}, "1 to 10000"},
	}
	for _, c := range cases {
		if err := checkTarget(c.req); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v; want an error saying %q", c.req, err, c.want)
		}
	}
}

// TestTargetQuery: the operation's parameters in canonical order, encoded
// as SigV4 signs them.
func TestTargetQuery(t *testing.T) {
	cases := []struct {
		req  Request
		want string
	}{
		{Request{Method: "GET"}, ""},
		{Request{Method: "PUT", UploadID: "a/b+c=", PartNumber: 12}, "partNumber=12&uploadId=a%2Fb%2Bc%3D"},
		{Request{Method: "GET", Overrides: map[string]string{"response-expires": "x", "response-cache-control": "no-cache"}},
			"response-cache-control=no-cache&response-expires=x"},
	}
	for _, c := range cases {
		if got := targetQuery(c.req); got != c.want {
			t.Errorf("%+v: %q; want %q", c.req, got, c.want)
		}
	}
}

// TestCheckTargetMultipart: the multipart operations boto3 presigns, each
// from its method and flags, and the POST form refused until it exists.
func TestCheckTargetMultipart(t *testing.T) {
	for _, ok := range []Request{
		{Method: "POST", Uploads: true},      // CreateMultipartUpload
		{Method: "POST", UploadID: "u1"},     // CompleteMultipartUpload
		{Method: "DELETE", UploadID: "u1"},   // AbortMultipartUpload
		{Method: "GET", UploadID: "u1"},      // ListParts
		{Method: "DELETE"}, {Method: "HEAD"}, // the object's own
	} {
		if err := checkTarget(ok); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	cases := []struct {
		req  Request
		want string
	}{
		{Request{Method: "POST"}, "use --post instead of --method"},
		{Request{Method: "PUT", Uploads: true}, "add --method POST"},
		{Request{Method: "POST", Uploads: true, UploadID: "u1"}, "takes no --upload-id"},
		{Request{Method: "HEAD", UploadID: "u1"}, "names no S3 operation"},
		{Request{Method: "GET", UploadID: "u1", Overrides: map[string]string{"response-expires": "x"}}, "not to ListParts"},
		{Request{Method: "PATCH"}, "want GET, PUT, HEAD, DELETE or POST"},
	}
	for _, c := range cases {
		if err := checkTarget(c.req); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v; want an error saying %q", c.req, err, c.want)
		}
	}
	if got := targetQuery(Request{Method: "POST", Uploads: true}); got != "uploads=" {
		t.Errorf("CreateMultipartUpload's query %q, want uploads=", got)
	}
	if got := targetQuery(Request{Method: "POST", UploadID: "u 1"}); got != "uploadId=u%201" {
		t.Errorf("CompleteMultipartUpload's query %q", got)
	}
}
