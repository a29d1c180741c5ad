package server

import (
	"crypto/md5"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/sigv4"
)

// BenchmarkServePresignedGET4KiBCORS is BenchmarkServePresignedGET4KiB on
// three buckets of one server, to show what bucket CORS costs: "none" is a
// bucket without a CORS configuration, "config" one with a configuration
// and a request without Origin (the case that must cost nothing), and
// "origin" the same request from a page whose origin a rule allows. Compare
// ns/op of the three within one run.
func BenchmarkServePresignedGET4KiBCORS(b *testing.B) {
	cfg := testConfig(b)
	s, err := New(cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), clock.Real{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	h := s.Handler()
	root := s.Root()
	c := sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.Secret}
	presign := func(method, target string) string {
		u, err := sigv4.Presign(sigv4.PresignInput{
			Method: method, URL: "http://bench.local" + target, Credentials: c, Region: cfg.Region, Service: "s3",
			Time: time.Now(), Expires: time.Hour, Mode: sigv4.S3,
		})
		if err != nil {
			b.Fatal(err)
		}
		return u
	}
	do := func(method, target, body string) {
		r := httptest.NewRequest(method, presign(method, target), strings.NewReader(body))
		r.ContentLength = int64(len(body))
		if strings.HasSuffix(target, "?cors") {
			r.Header.Set("Content-MD5", md5b64(body))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 200 {
			b.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
		}
	}
	const rules = `<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://page.example</AllowedOrigin><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>`
	for _, bucket := range []string{"cors-0", "cors-1"} {
		do("PUT", "/"+bucket, "")
		do("PUT", "/"+bucket+"/obj", strings.Repeat("x", 4<<10))
	}
	do("PUT", "/cors-1?cors", rules)
	for _, bc := range []struct{ name, bucket, origin string }{
		{"none", "cors-0", ""},
		{"config", "cors-1", ""},
		{"origin", "cors-1", "https://page.example"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", presign("GET", "/"+bc.bucket+"/obj"), nil)
			if bc.origin != "" {
				r.Header.Set("Origin", bc.origin)
			}
			serveGET4KiB(b, h, r)
		})
	}
}

func md5b64(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}
