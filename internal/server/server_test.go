package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
	"signet/internal/storage"
)

func testConfig(t testing.TB) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.RootAccessKeyID, cfg.RootSecret = "", ""
	return cfg
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRootCredentialsGeneratedOncePrivately(t *testing.T) {
	cfg := testConfig(t)
	s, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	root := s.Root()
	var banner bytes.Buffer
	s.printBanner(&banner, "http://127.0.0.1:9000")
	s.Close()
	if !strings.HasPrefix(root.AccessKeyID, "AKIA") || len(root.AccessKeyID) != 20 || len(root.Secret.Reveal()) != 40 {
		t.Fatalf("root credentials look wrong: %s", root.AccessKeyID)
	}
	for _, line := range []string{"export AWS_ACCESS_KEY_ID=" + root.AccessKeyID, "export AWS_SECRET_ACCESS_KEY=" + root.Secret.Reveal(), "export AWS_ENDPOINT_URL=http://127.0.0.1:9000",
		"Web console: http://127.0.0.1:9000/_signet/console/ (sign in with the root's access key, or as an IAM user with a password)"} {
		if !strings.Contains(banner.String(), line+"\n") {
			t.Errorf("first banner lacks %q:\n%s", line, banner.String())
		}
	}
	assertMode(t, cfg.DataDir, 0o700)
	assertMode(t, filepath.Join(cfg.DataDir, rootFile), 0o600)
	assertMode(t, filepath.Join(cfg.DataDir, "meta.db"), 0o600)

	// Second start: same credentials, and the secret is not printed again.
	s2, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Root().AccessKeyID != root.AccessKeyID || !s2.Root().Secret.Equal(root.Secret) {
		t.Fatal("credentials changed across restarts")
	}
	banner.Reset()
	s2.printBanner(&banner, "http://127.0.0.1:9000")
	if strings.Contains(banner.String(), root.Secret.Reveal()) {
		t.Fatalf("secret printed again on restart:\n%s", banner.String())
	}
}

func TestRootCredentialsFromEnvironmentAreNotStored(t *testing.T) {
	cfg := testConfig(t)
	cfg.RootAccessKeyID, cfg.RootSecret = "AKIAENVIRONMENT00001", "environment-secret-value"
	s, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Root().AccessKeyID != cfg.RootAccessKeyID {
		t.Fatalf("root key %s", s.Root().AccessKeyID)
	}
	b, err := os.ReadFile(filepath.Join(cfg.DataDir, rootFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), cfg.RootSecret) {
		t.Fatal("a secret given by environment was written to disk")
	}
	var d rootOnDisk
	if err := json.Unmarshal(b, &d); err != nil || d.AccountID == "" {
		t.Fatalf("account id not kept: %s", b)
	}
}

func TestSecondServerOnSameDataDirRefused(t *testing.T) {
	cfg := testConfig(t)
	s, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := New(cfg, quietLog(), clock.Real{}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second server on the same data dir: err = %v", err)
	}
}

func TestStartupRemovesOrphanBlobs(t *testing.T) {
	cfg := testConfig(t)
	s, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	// A blob written but never committed: what a crash between the
	// publish and the metadata commit leaves behind.
	orphan, _, err := s.blobs.Put(t.Context(), strings.NewReader("torn write"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.blobs.Open(t.Context(), orphan); err != storage.ErrNotFound {
		t.Fatalf("orphan still there after restart: %v", err)
	}
}

func TestHealthzAndRequestID(t *testing.T) {
	s, err := New(testConfig(t), quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok\n" || resp.Header.Get("X-Amz-Request-Id") == "" {
		t.Fatalf("healthz: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	// Anonymous access to a bucket that does not exist: NoSuchBucket, as
	// S3 answers, with the same request ID in header and body.
	resp, err = http.Get(ts.URL + "/bucket/key")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	id := resp.Header.Get("X-Amz-Request-Id")
	if resp.StatusCode != 404 || !strings.Contains(string(body), "<Code>NoSuchBucket</Code>") || !strings.Contains(string(body), "<RequestId>"+id+"</RequestId>") {
		t.Fatalf("anonymous GET: %d %s (id %s)", resp.StatusCode, body, id)
	}
}

func TestAccessLogHasNoSecrets(t *testing.T) {
	var logs bytes.Buffer
	s, err := New(testConfig(t), slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	const sig = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	resp, err := http.Get(ts.URL + "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=" + sig + "&X-Amz-Security-Token=tok-secret")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, needle := range []string{sig, "tok-secret", s.Root().Secret.Reveal()} {
		if strings.Contains(logs.String(), needle) {
			t.Fatalf("log contains %q:\n%s", needle, logs.String())
		}
	}
	if !strings.Contains(logs.String(), `"msg":"request"`) {
		t.Fatalf("no access log line:\n%s", logs.String())
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o; want %o", path, got, want)
	}
}

// Virtual-hosted-style requests: the bucket comes from the Host, SigV4
// signs the Host and the path without the bucket, SigV2 signs /bucket/key.
func TestVirtualHostedStyle(t *testing.T) {
	s, err := New(testConfig(t), quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	port := ts.URL[strings.LastIndex(ts.URL, ":"):]
	creds := sigv4.Credentials{AccessKeyID: s.Root().AccessKeyID, SecretAccessKey: secret.New(s.Root().Secret.Reveal())}
	now := time.Now().UTC()

	do := func(method, signedURL, body string) (int, string) {
		t.Helper()
		u, _ := url.Parse(signedURL)
		req, _ := http.NewRequest(method, ts.URL+u.RequestURI(), strings.NewReader(body))
		req.Host = u.Host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	presign := func(method, rawURL string) string {
		u, err := sigv4.Presign(sigv4.PresignInput{
			Method: method, URL: rawURL, Credentials: creds, Region: "us-east-1", Service: "s3", Time: now,
			Expires: time.Hour, Mode: sigv4.S3,
		})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if code, body := do("PUT", presign("PUT", "http://vhost-bucket.localhost"+port+"/"), ""); code != 200 {
		t.Fatalf("create bucket virtual-host style: %d %s", code, body)
	}
	if code, body := do("PUT", presign("PUT", "http://vhost-bucket.s3.localhost"+port+"/dir/a%20b.txt"), "virtual"); code != 200 {
		t.Fatalf("put virtual-host style: %d %s", code, body)
	}
	// The same object, path style.
	if code, body := do("GET", presign("GET", "http://127.0.0.1"+port+"/vhost-bucket/dir/a%20b.txt"), ""); code != 200 || body != "virtual" {
		t.Fatalf("get path style: %d %q", code, body)
	}
	v2, err := sigv2.Presign(sigv2.PresignInput{
		Method: "GET", URL: "http://vhost-bucket.localhost" + port + "/dir/a%20b.txt", AccessKeyID: creds.AccessKeyID,
		SecretAccessKey: creds.SecretAccessKey, Expires: now.Add(time.Hour), VirtualBucket: "vhost-bucket",
	})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := do("GET", v2, ""); code != 200 || body != "virtual" {
		t.Fatalf("get SigV2 virtual-host style: %d %q", code, body)
	}
}
