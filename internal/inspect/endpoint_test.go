package inspect

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestNotForEndpoint(t *testing.T) {
	const q = "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=" +
		"aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	for _, c := range []struct {
		name, url, host, endpoint string
		want                      string // "" to ask; else a part of the reason
	}{
		{"virtual-hosted AWS URL, local signet", "https://photos.s3.us-east-1.amazonaws.com/cat.jpg", "", "http://127.0.0.1:9000",
			"the URL is for s3.us-east-1.amazonaws.com (AWS S3), the endpoint is http://127.0.0.1:9000,"},
		{"path-style AWS URL", "https://s3.amazonaws.com/photos/cat.jpg", "", "http://localhost:9000", "the URL is for s3.amazonaws.com (AWS S3)"},
		{"legacy global virtual host", "https://photos.s3.amazonaws.com/cat.jpg", "", "http://localhost:9000", "the URL is for s3.amazonaws.com (AWS S3)"},
		{"China partition", "https://photos.s3.cn-north-1.amazonaws.com.cn/cat.jpg", "", "https://signet.example.com", "s3.cn-north-1.amazonaws.com.cn"},
		{"upper case and a trailing dot", "https://PHOTOS.S3.AMAZONAWS.COM./cat.jpg", "", "http://localhost:9000", "(AWS S3)"},
		{"a port on the AWS host", "https://s3.amazonaws.com:443/photos/cat.jpg", "", "http://localhost:9000", "the URL is for s3.amazonaws.com:443"},
		{"the endpoint's password is not shown", "https://s3.amazonaws.com/photos/cat.jpg", "", "http://admin:hunter2@localhost:9000", "http://admin:xxxxx@localhost:9000"},
		{"Host header for AWS", "http://localhost:9000/photos/cat.jpg", "photos.s3.amazonaws.com", "http://localhost:9000", "the URL is for photos.s3.amazonaws.com"},

		{"AWS URL, AWS endpoint", "https://photos.s3.us-east-1.amazonaws.com/cat.jpg", "", "https://s3.us-east-1.amazonaws.com", ""},
		{"same server", "http://127.0.0.1:9000/photos/cat.jpg", "", "http://127.0.0.1:9000", ""},
		{"localhost and 127.0.0.1", "http://localhost:9000/photos/cat.jpg", "", "http://127.0.0.1:9000", ""},
		{"the server's virtual-host domain", "http://photos.localhost:9000/cat.jpg", "", "http://localhost:9000", ""},
		{"a domain of the server's own --domains", "https://photos.files.example.com/cat.jpg", "", "http://127.0.0.1:9000", ""},
		{"behind a proxy", "https://files.example.com/photos/cat.jpg", "files.internal:9000", "http://files.internal:9000", ""},
		{"AWS URL sent on to the server", "https://photos.s3.amazonaws.com/cat.jpg", "localhost:9000", "http://localhost:9000", ""},
		{"not AWS, only alike", "https://s3.notamazonaws.com/photos/cat.jpg", "", "http://localhost:9000", ""},
		{"no endpoint", "https://s3.amazonaws.com/photos/cat.jpg", "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := Parse(c.url + q)
			if err != nil {
				t.Fatal(err)
			}
			var endpoint *url.URL
			if c.endpoint != "" {
				if endpoint, err = url.Parse(c.endpoint); err != nil {
					t.Fatal(err)
				}
			}
			var h http.Header
			if c.host != "" {
				h = http.Header{"Host": {c.host}}
			}
			got := NotForEndpoint(u, h, endpoint)
			switch {
			case c.want == "" && got != "":
				t.Errorf("not asked (%q), want the server asked", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Errorf("got %q, want it to say %q", got, c.want)
			case strings.Contains(got, "hunter2"):
				t.Errorf("the endpoint's password is shown: %q", got)
			}
		})
	}
}
