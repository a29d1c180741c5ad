package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/sigv4"
)

// Behind a reverse proxy (--trusted-proxies): X-Forwarded-For and
// X-Forwarded-Proto decide aws:SourceIp and aws:SecureTransport when the
// TCP peer is a trusted proxy, and change nothing when it is not. The
// test server listens on 127.0.0.1, so the peer is always 127.0.0.1.

// onlyFromDocNet lets GetObject on "ipb" only from 203.0.113.0/24.
const onlyFromDocNet = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",
 "Action":"s3:GetObject","Resource":"arn:aws:s3:::ipb/*",
 "Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`

// onlyHTTPS lets GetObject on "tlsb" only over HTTPS.
const onlyHTTPS = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",
 "Action":"s3:GetObject","Resource":"arn:aws:s3:::tlsb/*",
 "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`

type proxyEnv struct {
	*testEnv
	alice sigv4.Credentials
}

// startProxiedServer serves two buckets guarded by onlyFromDocNet and
// onlyHTTPS, with the given trusted proxies, and a user allowed all of S3.
func startProxiedServer(t *testing.T, trusted ...string) *proxyEnv {
	t.Helper()
	// The SDK signs at the real time, so the fake clock starts there.
	e := startLimitedServer(t, clock.NewFake(time.Now().UTC()), func(c *config.Config) { c.TrustedProxies = trusted })
	ctx := context.Background()
	c := e.sdk(t)
	for bucket, policy := range map[string]string{"ipb": onlyFromDocNet, "tlsb": onlyHTTPS} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("obj"), Body: strings.NewReader("bytes")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
	}
	return &proxyEnv{testEnv: e, alice: newQueryUser(t, e, "alice", sAllowAll)}
}

// get sends alice's presigned GET of path with the given headers (name,
// value pairs; a name may repeat) and returns the status.
func (p *proxyEnv) get(t *testing.T, path string, hdr ...string) int {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: http.MethodGet, URL: p.ts.URL + path, Credentials: p.alice, Region: region, Service: "s3",
		Time: p.fake.Now(), Expires: time.Hour, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := p.httpc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func TestTrustedProxyForwardedForDecidesSourceIp(t *testing.T) {
	p := startProxiedServer(t, "127.0.0.1/32")
	for _, c := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"no header: the proxy itself is the client", nil, 403},
		{"client inside the allowed range", []string{"X-Forwarded-For", "203.0.113.7"}, 200},
		{"client outside it", []string{"X-Forwarded-For", "198.51.100.1"}, 403},
		// The walk skips trusted hops from the right.
		{"trusted hop after the client", []string{"X-Forwarded-For", "203.0.113.7, 127.0.0.1"}, 200},
		// A forged left-most entry is never believed: the right-most
		// untrusted address is the client.
		{"forged entry left of the real client", []string{"X-Forwarded-For", "203.0.113.7, 198.51.100.1"}, 403},
		{"forged entry in an earlier header line", []string{"X-Forwarded-For", "203.0.113.7", "X-Forwarded-For", "198.51.100.1"}, 403},
		{"not an address: the proxy is the client", []string{"X-Forwarded-For", "203.0.113.7, garbage"}, 403},
		{"IPv4-mapped IPv6", []string{"X-Forwarded-For", "::ffff:203.0.113.9"}, 200},
	} {
		if got := p.get(t, "/ipb/obj", c.hdr...); got != c.want {
			t.Errorf("%s (%q): status %d, want %d", c.name, c.hdr, got, c.want)
		}
	}
	// The access log names the forwarded client, not the proxy.
	if logs := p.logs.String(); !strings.Contains(logs, "remote=203.0.113.7 ") {
		t.Errorf("no access log line with remote=203.0.113.7:\n%s", logs)
	}
}

func TestTrustedProxyForwardedProtoDecidesSecureTransport(t *testing.T) {
	p := startProxiedServer(t, "127.0.0.0/8")
	for _, c := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"no header: plain HTTP to signet", nil, 403},
		{"https", []string{"X-Forwarded-Proto", "https"}, 200},
		{"HTTPS in capitals", []string{"X-Forwarded-Proto", "HTTPS"}, 200},
		{"http", []string{"X-Forwarded-Proto", "http"}, 403},
		// The right-most value is the one the trusted peer wrote.
		{"https forged before http", []string{"X-Forwarded-Proto", "https, http"}, 403},
		{"http then https", []string{"X-Forwarded-Proto", "http", "X-Forwarded-Proto", "https"}, 200},
	} {
		if got := p.get(t, "/tlsb/obj", c.hdr...); got != c.want {
			t.Errorf("%s (%q): status %d, want %d", c.name, c.hdr, got, c.want)
		}
	}
}

// From a peer outside --trusted-proxies, forged headers change nothing.
func TestUntrustedPeerForwardedHeadersIgnored(t *testing.T) {
	p := startProxiedServer(t, "10.0.0.0/8", "2001:db8::/32")
	if got := p.get(t, "/ipb/obj", "X-Forwarded-For", "203.0.113.7"); got != 403 {
		t.Errorf("forged X-Forwarded-For from an untrusted peer: status %d, want 403", got)
	}
	if got := p.get(t, "/tlsb/obj", "X-Forwarded-Proto", "https"); got != 403 {
		t.Errorf("forged X-Forwarded-Proto from an untrusted peer: status %d, want 403", got)
	}
	if logs := p.logs.String(); strings.Contains(logs, "203.0.113.7") || !strings.Contains(logs, "remote=127.0.0.1:") {
		t.Errorf("the access log should name the TCP peer 127.0.0.1, not the forged address:\n%s", logs)
	}
}

// Without --trusted-proxies nothing is believed either.
func TestNoTrustedProxiesForwardedHeadersIgnored(t *testing.T) {
	p := startProxiedServer(t)
	if got := p.get(t, "/ipb/obj", "X-Forwarded-For", "203.0.113.7"); got != 403 {
		t.Errorf("X-Forwarded-For with no trusted proxies: status %d, want 403", got)
	}
	if got := p.get(t, "/tlsb/obj", "X-Forwarded-Proto", "https"); got != 403 {
		t.Errorf("X-Forwarded-Proto with no trusted proxies: status %d, want 403", got)
	}
}
