package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"signet/internal/awschunked"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// TestNginxTLSRecipe runs contrib/nginx/signet.conf as written (only its
// marked lines rewritten for a temporary port and certificate) in front
// of a signet started with --trusted-proxies 127.0.0.1/32, and drives it
// through nginx's HTTPS port under the public host name localhost:PORT:
// presigned GET and PUT signed for that host, an SDK upload with an
// aws-chunked trailer body, a signed aws-chunked upload, a 64 MiB object
// up and streamed down, and a bucket policy that refuses plain HTTP, which
// passes only because X-Forwarded-Proto from the trusted proxy counts for
// aws:SecureTransport.
func TestNginxTLSRecipe(t *testing.T) {
	t.Parallel()
	nginx := requireNginx(t)
	dir := t.TempDir()
	p, err := startSignet(filepath.Join(dir, "data"), []string{"--trusted-proxies", "127.0.0.1/32"}, nil)
	if err != nil {
		t.Fatalf("starting signet: %v", err)
	}
	track(p)
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("stopping signet: %v", err)
		}
	})
	cert, key, pool := selfSignedCert(t, dir)
	public := startNginx(t, nginx, dir, p.host, cert, key)
	ctx := context.Background()

	rec := &headerRecorder{next: &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: pool}}}
	httpc := &http.Client{Transport: rec, Timeout: 2 * time.Minute}
	viaNginx := sdkClient("https://"+public, httpc)
	direct := sdkClient(p.endpoint, &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 2 * time.Minute})

	const bucket = "behind-nginx"
	if _, err := viaNginx.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket through nginx: %v", err)
	}
	// Objects only over HTTPS, and only from the client's own address:
	// nginx replaces a forged X-Forwarded-For, so the client (on loopback
	// here) is still 127.0.0.1.
	policy := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"TLSOnly","Effect":"Deny","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::` + bucket + `/*",
	  "Condition":{"Bool":{"aws:SecureTransport":"false"}}},
	 {"Sid":"Loopback","Effect":"Deny","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::` + bucket + `/*",
	  "Condition":{"NotIpAddress":{"aws:SourceIp":"127.0.0.1/32"}}}]}`
	if _, err := viaNginx.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)}); err != nil {
		t.Fatalf("PutBucketPolicy through nginx: %v", err)
	}

	// Plain HTTP straight to signet is refused by the policy: what lets
	// the requests below through is the proxy's X-Forwarded-Proto.
	_, err = direct.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("direct"), Body: strings.NewReader("x")})
	if code := apiErrorCode(err); code != "AccessDenied" {
		t.Errorf("PutObject over plain HTTP to signet: error %v (code %q), want AccessDenied from the aws:SecureTransport deny", err, code)
	}

	t.Run("sdk upload with aws-chunked trailer", func(t *testing.T) {
		body := bytes.Repeat([]byte("signet behind nginx\n"), 5000)
		key := "dir//odd key+name (1).txt"
		if _, err := viaNginx.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
			t.Fatalf("PutObject through nginx: %v", err)
		}
		if !rec.saw("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
			t.Errorf("the SDK sent no aws-chunked trailer upload; the test did not exercise what it means to: %v", rec.values("X-Amz-Content-Sha256"))
		}
		if got := getSHA256(t, viaNginx, bucket, key); got != sha256Hex(body) {
			t.Errorf("GetObject of %q through nginx: sha256 %s, want %s", key, got, sha256Hex(body))
		}
	})

	t.Run("signed aws-chunked upload", func(t *testing.T) {
		data := bytes.Repeat([]byte{0xA5, 0x5A, 0x00, 0xFF}, 50_000)
		req := signedChunkedPut(t, "https://"+public+"/"+bucket+"/chunked", data)
		resp, err := httpc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("signed aws-chunked PUT through nginx: %d\n%s", resp.StatusCode, b)
		}
		if got := getSHA256(t, viaNginx, bucket, "chunked"); got != sha256Hex(data) {
			t.Errorf("the signed aws-chunked object reads back with sha256 %s, want %s", got, sha256Hex(data))
		}
	})

	t.Run("presigned GET and PUT for the public host", func(t *testing.T) {
		presigner := s3.NewPresignClient(viaNginx)
		put, err := presigner.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("presigned")}, s3.WithPresignExpires(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		rememberSignature(put.URL)
		if !strings.HasPrefix(put.URL, "https://"+public+"/") {
			t.Fatalf("presigned PUT %s is not for the public host %s", put.URL, public)
		}
		data := []byte("uploaded with a presigned URL through nginx")
		req, _ := http.NewRequest(http.MethodPut, put.URL, bytes.NewReader(data))
		// A forged address must not move aws:SourceIp off 127.0.0.1.
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		if status, body := do(t, httpc, req); status != 200 {
			t.Fatalf("presigned PUT through nginx: %d\n%s", status, body)
		}
		get, err := presigner.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("presigned")}, s3.WithPresignExpires(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		rememberSignature(get.URL)
		req, _ = http.NewRequest(http.MethodGet, get.URL, nil)
		if status, body := do(t, httpc, req); status != 200 || !bytes.Equal(body, data) {
			t.Errorf("presigned GET through nginx: %d %q, want 200 %q", status, body, data)
		}
		// The same URL sent to signet directly carries the wrong Host: the
		// signature is for the public name, so nginx must pass it through.
		direct := strings.Replace(get.URL, "https://"+public, p.endpoint, 1)
		req, _ = http.NewRequest(http.MethodGet, direct, nil)
		if status, body := do(t, p.client, req); status != 403 || !bytes.Contains(body, []byte("SignatureDoesNotMatch")) {
			t.Errorf("the public URL sent to signet's own address: %d %s, want 403 SignatureDoesNotMatch", status, body)
		}
	})

	t.Run("multipart Location is the public https URL", func(t *testing.T) {
		up, err := viaNginx.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp")})
		if err != nil {
			t.Fatal(err)
		}
		part, err := viaNginx.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), Body: strings.NewReader("one part")})
		if err != nil {
			t.Fatal(err)
		}
		done, err := viaNginx.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: up.UploadId,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
		if err != nil {
			t.Fatal(err)
		}
		if want := "https://" + public + "/" + bucket + "/mp"; aws.ToString(done.Location) != want {
			t.Errorf("CompleteMultipartUpload Location %q, want %q (the client's scheme and host)", aws.ToString(done.Location), want)
		}
	})

	t.Run("64 MiB streams both ways", func(t *testing.T) {
		const size = 64 << 20
		// Not seekable, so the SDK streams it (aws-chunked, trailing CRC32)
		// without reading it twice.
		up := &patternReader{left: size, h: sha256.New()}
		if _, err := viaNginx.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("big"),
			Body: io.NopCloser(up), ContentLength: aws.Int64(size)}); err != nil {
			t.Fatalf("PutObject of 64 MiB through nginx: %v", err)
		}
		want := hex.EncodeToString(up.h.Sum(nil))
		if got := getSHA256(t, viaNginx, bucket, "big"); got != want {
			t.Errorf("GetObject of 64 MiB through nginx: sha256 %s, want %s", got, want)
		}
		// nginx warns when it spools a body to disk instead of streaming it
		// ("a client request body is buffered to a temporary file", "an
		// upstream response is buffered to a temporary file").
		if log, _ := os.ReadFile(filepath.Join(dir, "nginx-error.log")); bytes.Contains(log, []byte("buffered to a temporary file")) {
			t.Errorf("nginx spooled a body to disk instead of streaming it:\n%s", log)
		}
	})
}

// requireNginx returns nginx's path, or skips (fails with
// SIGNET_REQUIRE_NGINX=1, as .ci/run sets) when it is not installed.
// Debian puts it in /usr/sbin, which a user's PATH often lacks.
func requireNginx(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	if os.Getenv("SIGNET_REQUIRE_NGINX") == "1" {
		t.Fatal("SIGNET_REQUIRE_NGINX=1 but nginx is neither on PATH nor at /usr/sbin/nginx; install it: apt-get install nginx")
	}
	t.Skip("nginx is not installed (apt-get install nginx); set SIGNET_REQUIRE_NGINX=1 to make this a failure")
	return ""
}

// startNginx runs nginx in the foreground, as a single process, with
// contrib/nginx/signet.conf pointed at upstream and serving TLS with cert
// on a free loopback port, everything it writes under dir. It returns the
// public host name, localhost:PORT.
func startNginx(t *testing.T, nginx, dir, upstream, cert, key string) string {
	t.Helper()
	recipe, err := os.ReadFile(filepath.Join("..", "contrib", "nginx", "signet.conf"))
	if err != nil {
		t.Fatal(err)
	}
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	site := string(recipe)
	for _, r := range []struct{ marker, line string }{
		{"# signet --addr", "server " + upstream + ";"},
		{"# public port (IPv6)", ""}, // the container may have no IPv6
		{"# public port", "listen 127.0.0.1:" + port + " ssl;"},
		{"# public host names", "server_name localhost;"},
		{"# certificate", "ssl_certificate " + cert + ";"},
		{"# key", "ssl_certificate_key " + key + ";"},
	} {
		site = replaceMarkedLine(t, site, r.marker, r.line)
	}
	if err := os.WriteFile(filepath.Join(dir, "signet.conf"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	// nginx as the user running the test, root or not: its pid, logs and
	// temp files in dir. As root it would switch its worker to "nobody",
	// who cannot read dir; master_process off keeps one process anyway.
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;\n"
	}
	var temps strings.Builder
	for _, d := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&temps, "    %s_temp_path %s;\n", d, filepath.Join(dir, "nginx-"+d))
	}
	main := user + `daemon off;
master_process off;
worker_processes 1;
pid ` + filepath.Join(dir, "nginx.pid") + `;
error_log ` + filepath.Join(dir, "nginx-error.log") + ` info;
events { worker_connections 256; }
http {
    access_log ` + filepath.Join(dir, "nginx-access.log") + `;
` + temps.String() + `    include ` + filepath.Join(dir, "signet.conf") + `;
}
`
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "nginx-error.log"))
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", nginx, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	errorLog := func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "nginx-error.log"))
		return out.String() + string(b)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT) // graceful: finish open requests
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("nginx did not stop within 30s of SIGQUIT; killed\n%s", errorLog())
		}
		if t.Failed() {
			t.Logf("nginx error log:\n%s", errorLog())
		}
	})
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case err := <-done:
			t.Fatalf("nginx exited before serving: %v\n%s", err, errorLog())
		default:
		}
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
			return "localhost:" + port
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on 127.0.0.1:%s within 1m: %v\n%s", port, err, errorLog())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// replaceMarkedLine replaces the one line of s that ends with marker.
func replaceMarkedLine(t *testing.T, s, marker, line string) string {
	t.Helper()
	lines := strings.Split(s, "\n")
	found := -1
	for i, l := range lines {
		if strings.HasSuffix(strings.TrimSpace(l), marker) {
			if found >= 0 {
				t.Fatalf("contrib/nginx/signet.conf: two lines end with %q", marker)
			}
			found = i
		}
	}
	if found < 0 {
		t.Fatalf("contrib/nginx/signet.conf: no line ends with %q; the test rewrites it", marker)
	}
	lines[found] = "    " + line
	return strings.Join(lines, "\n")
}

func sdkClient(endpoint string, httpc *http.Client) *s3.Client {
	cfg := aws.Config{
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(rootAK, rootSK, ""),
		HTTPClient:                 httpc,
		Retryer:                    func() aws.Retryer { return aws.NopRetryer{} },
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})
}

// getSHA256 streams an object through the SDK into a hash, never holding it.
func getSHA256(t *testing.T, c *s3.Client, bucket, key string) string {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, out.Body); err != nil {
		t.Fatalf("reading %s/%s: %v", bucket, key, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// signedChunkedPut is a header-signed PUT whose body is aws-chunked with a
// signature per chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), for the host
// in rawURL.
func signedChunkedPut(t *testing.T, rawURL string, data []byte) *http.Request {
	t.Helper()
	const chunk = 64 << 10
	encLen, err := awschunked.EncodedLength(awschunked.Signed, int64(len(data)), chunk, nil)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, rawURL, nil)
	req.ContentLength = encLen
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	creds := sigv4.Credentials{AccessKeyID: rootAK, SecretAccessKey: secret.New(rootSK)}
	if err := sigv4.SignHeader(req, creds, "us-east-1", "s3", time.Now().UTC(), sigv4.StreamingSigned, sigv4.S3); err != nil {
		t.Fatal(err)
	}
	_, seed, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	amzDate := req.Header.Get("X-Amz-Date")
	scope := sigv4.Scope{Date: amzDate[:8], Region: "us-east-1", Service: "s3"}
	body, err := io.ReadAll(awschunked.NewEncoder(bytes.NewReader(data), awschunked.EncoderConfig{
		Mode: awschunked.Signed, ChunkSize: chunk, SigningKey: sigv4.SigningKey(creds.SecretAccessKey, scope),
		AmzDate: amzDate, Scope: scope, SeedSignature: seed,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(body)) != encLen {
		t.Fatalf("encoded %d bytes, EncodedLength said %d", len(body), encLen)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	return req
}

func do(t *testing.T, c *http.Client, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Host, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// headerRecorder remembers the headers of every request it carries.
type headerRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []http.Header
}

func (h *headerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.seen = append(h.seen, r.Header.Clone())
	h.mu.Unlock()
	return h.next.RoundTrip(r)
}

func (h *headerRecorder) values(name string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, hd := range h.seen {
		out = append(out, hd.Get(name))
	}
	return out
}

func (h *headerRecorder) saw(name, value string) bool {
	for _, v := range h.values(name) {
		if v == value {
			return true
		}
	}
	return false
}

// patternReader yields left bytes of a fixed pattern and hashes them, so
// that 64 MiB need never be in memory.
type patternReader struct {
	left, n int64
	h       hash.Hash
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	for i := range b {
		b[i] = byte((p.n + int64(i)) * 7 % 251)
	}
	p.h.Write(b)
	p.n += int64(len(b))
	p.left -= int64(len(b))
	return len(b), nil
}

// apiErrorCode is the S3 error code in an SDK error, or "".
func apiErrorCode(err error) string {
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		return coded.ErrorCode()
	}
	return ""
}
