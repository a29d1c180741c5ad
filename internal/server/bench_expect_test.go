package server

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/sigv4"
)

// BenchmarkExpectListener: a presigned 4 KiB GET through the production
// listener (ServeListener: internal/expect's header rewriting) against the
// same server on the connection cap alone, alternating in one run;
// expect/plain is the ratio of their times.
func BenchmarkExpectListener(b *testing.B) {
	start := func(wrap bool) (*http.Client, string) {
		s, err := New(testConfig(b), quietLog(), clock.Real{})
		if err != nil {
			b.Fatal(err)
		}
		ts := httptest.NewUnstartedServer(nil)
		ts.Config = s.HTTPServer()
		if wrap {
			ts.Listener = s.ServeListener(ts.Listener, nil)
		} else {
			ts.Listener = s.LimitListener(ts.Listener)
		}
		ts.Start()
		b.Cleanup(func() { ts.Close(); s.Close() })
		root := s.Root()
		cred := sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.Secret}
		presign := func(method, target string) string {
			u, err := sigv4.Presign(sigv4.PresignInput{Method: method, URL: ts.URL + target, Credentials: cred,
				Region: s.cfg.Region, Service: "s3", Time: time.Now(), Expires: time.Hour, Mode: sigv4.S3})
			if err != nil {
				b.Fatal(err)
			}
			return u
		}
		c := ts.Client()
		for _, r := range []struct {
			target string
			body   []byte
		}{{"/bench", nil}, {"/bench/obj", bytes.Repeat([]byte{'x'}, 4096)}} {
			req, _ := http.NewRequest("PUT", presign("PUT", r.target), bytes.NewReader(r.body))
			res, err := c.Do(req)
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("PUT %s: %v %v", r.target, res, err)
			}
			res.Body.Close()
		}
		return c, presign("GET", "/bench/obj")
	}
	get := func(c *http.Client, u string) {
		res, err := c.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || n != 4096 {
			b.Fatalf("GET: %d, %d bytes", res.StatusCode, n)
		}
	}
	pc, pu := start(false)
	ec, eu := start(true)
	var plain, wrapped time.Duration
	for b.Loop() {
		t0 := time.Now()
		get(pc, pu)
		t1 := time.Now()
		get(ec, eu)
		plain, wrapped = plain+t1.Sub(t0), wrapped+time.Since(t1)
	}
	b.ReportMetric(wrapped.Seconds()/plain.Seconds(), "expect/plain")
}
