package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// ---------------------------------------------------------------------------
// Suite state, set up once by TestMain.

var (
	suiteTmp string      // removed at the end
	binPath  string      // the signet binary built once
	mainSrv  *signetProc // plain-HTTP server every test shares
	rootAK   string
	rootSK   string

	// Every presigned signature handed out during the run; none may appear
	// in any server log.
	sigMu      sync.Mutex
	signatures []string
	// Servers started by tests; their logs are checked at the end too.
	procMu    sync.Mutex
	extraProc []*signetProc
)

func rememberSignature(rawURL string) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return
	}
	q := u.Query()
	for _, k := range []string{"X-Amz-Signature", "Signature"} {
		if s := q.Get(k); s != "" {
			sigMu.Lock()
			signatures = append(signatures, s, url.QueryEscape(s))
			sigMu.Unlock()
		}
	}
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	var err error
	suiteTmp, err = os.MkdirTemp("", "signet-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(suiteTmp)

	repo, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binPath = filepath.Join(suiteTmp, "signet")
	build := exec.Command("go", "build", "-o", binPath, "./cmd/signet")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build -o %s ./cmd/signet (in %s) failed: %v\n%s", binPath, repo, err, out)
		return 1
	}

	rootAK = "AKIA" + randomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
	rootSK = randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")
	mainSrv, err = startSignet(filepath.Join(suiteTmp, "data"), nil, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}

	code := m.Run()

	if err := mainSrv.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stopping signet: %v\n", err)
	}
	procMu.Lock()
	all := append([]*signetProc{mainSrv}, extraProc...)
	procMu.Unlock()
	if leaks := checkLeaks(all); len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: secrets in signet's output:\n  %s\n", strings.Join(leaks, "\n  "))
		code = 1
	} else {
		n := 0
		for _, p := range all {
			n += len(p.stderr.String())
		}
		sigMu.Lock()
		fmt.Fprintf(os.Stderr, "e2e: %d bytes of signet logs hold neither the root secret nor any of %d presigned signatures\n", n, len(signatures)/2)
		sigMu.Unlock()
	}
	if code != 0 && os.Getenv("SIGNET_E2E_SHOW_LOGS") != "" {
		for _, p := range all {
			fmt.Fprintf(os.Stderr, "---- signet %s stderr ----\n%s\n", p.endpoint, p.stderr.String())
		}
	}
	return code
}

func checkLeaks(procs []*signetProc) []string {
	sigMu.Lock()
	defer sigMu.Unlock()
	var leaks []string
	for _, p := range procs {
		for stream, text := range map[string]string{"stderr": p.stderr.String(), "stdout": p.stdout.String()} {
			if strings.Contains(text, rootSK) {
				leaks = append(leaks, fmt.Sprintf("%s of the server at %s contains the root secret", stream, p.endpoint))
			}
			for _, s := range signatures {
				if len(s) >= 16 && strings.Contains(text, s) {
					leaks = append(leaks, fmt.Sprintf("%s of the server at %s contains the presigned signature %s", stream, p.endpoint, s))
				}
			}
		}
	}
	return leaks
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		v, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

// ---------------------------------------------------------------------------
// The signet process

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type signetProc struct {
	cmd      *exec.Cmd
	endpoint string // http://127.0.0.1:PORT or https://…
	host     string // 127.0.0.1:PORT
	stdout   *lockedBuffer
	stderr   *lockedBuffer
	done     chan struct{}
	waitErr  error
	client   *http.Client // trusts the server's certificate when TLS
	stopOnce sync.Once
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startSignet runs `signet server` with root credentials from the
// environment on a free loopback port and waits for /healthz. tlsPool, when
// set, is the trust pool for a server started with --tls-cert/--tls-key in
// extra.
func startSignet(dataDir string, extra []string, tlsPool *x509.CertPool) (*signetProc, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		addr, err := freePort()
		if err != nil {
			return nil, err
		}
		p, err := startSignetAt(addr, dataDir, extra, tlsPool)
		if err == nil {
			return p, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func startSignetAt(addr, dataDir string, extra []string, tlsPool *x509.CertPool) (*signetProc, error) {
	return startSignetEnv(addr, dataDir, extra, tlsPool, "SIGNET_ROOT_ACCESS_KEY_ID="+rootAK, "SIGNET_ROOT_SECRET_ACCESS_KEY="+rootSK)
}

// startSignetEnv is startSignetAt with the root credentials given in env
// (SIGNET_ROOT_* variables) or in extra (--root-credentials-file).
func startSignetEnv(addr, dataDir string, extra []string, tlsPool *x509.CertPool, env ...string) (*signetProc, error) {
	args := append([]string{"server", "--addr", addr, "--data-dir", dataDir}, extra...)
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(append(cleanEnv(), env...),
		"SIGNET_LOG_LEVEL=debug",
		"HOME="+suiteTmp,
	)
	p := &signetProc{cmd: cmd, host: addr, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	scheme := "http"
	p.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}
	if tlsPool != nil {
		scheme = "https"
		p.client.Transport = &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: tlsPool}}
	}
	p.endpoint = scheme + "://" + addr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s %s: %v", binPath, strings.Join(args, " "), err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("signet %s exited before /healthz answered: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), p.waitErr, p.stdout, p.stderr)
		default:
		}
		resp, err := p.client.Get(p.endpoint + "/healthz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.TrimSpace(string(b)) == "ok" {
				return p, nil
			}
			// 503: a node on PostgreSQL whose change feed is not
			// connected yet; it says ok once it is.
			if resp.StatusCode == 503 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			p.stop()
			return nil, fmt.Errorf("GET %s/healthz = %d %q, want 200 \"ok\"", p.endpoint, resp.StatusCode, b)
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("signet at %s: /healthz did not answer within 2m: %v\nstderr:\n%s", p.endpoint, err, p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *signetProc) stop() error {
	var err error
	p.stopOnce.Do(func() {
		select {
		case <-p.done:
			err = fmt.Errorf("signet had already exited: %v", p.waitErr)
			return
		default:
		}
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(time.Minute):
			_ = p.cmd.Process.Kill()
			<-p.done
			err = errors.New("signet did not stop within 1m of SIGINT; killed")
		}
	})
	return err
}

// ---------------------------------------------------------------------------
// Private client environments

// cleanEnv is the inherited environment minus everything that could point
// a client elsewhere: AWS_*, BOTO_*, SIGNET_*, proxies, CA bundles, HOME.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		u := strings.ToUpper(name)
		switch {
		case strings.HasPrefix(u, "AWS_"), strings.HasPrefix(u, "BOTO_"), strings.HasPrefix(u, "SIGNET_"),
			strings.HasSuffix(u, "_PROXY"), u == "HOME", u == "CURL_HOME", u == "REQUESTS_CA_BUNDLE",
			u == "CURL_CA_BUNDLE", u == "SSL_CERT_FILE", u == "SSL_CERT_DIR", u == "PYTHONPATH":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
}

// clientEnv is a private environment for one test: HOME is a temp dir with
// its own ~/.aws/config (profile "default" and profile "v4" with
// s3.signature_version = s3v4) and ~/.aws/credentials.
type clientEnv struct {
	home string
	env  []string
}

func newClientEnv(t *testing.T) *clientEnv {
	t.Helper()
	home := t.TempDir()
	aws := filepath.Join(home, ".aws")
	if err := os.MkdirAll(aws, 0o700); err != nil {
		t.Fatal(err)
	}
	config := "[default]\nregion = us-east-1\n\n[profile v4]\nregion = us-east-1\ns3 =\n  signature_version = s3v4\n"
	creds := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n[v4]\naws_access_key_id = %s\naws_secret_access_key = %s\n", rootAK, rootSK, rootAK, rootSK)
	if err := os.WriteFile(filepath.Join(aws, "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(aws, "credentials"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(cleanEnv(),
		"HOME="+home,
		"AWS_ACCESS_KEY_ID="+rootAK,
		"AWS_SECRET_ACCESS_KEY="+rootSK,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+filepath.Join(aws, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(aws, "credentials"),
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONUNBUFFERED=1",
	)
	return &clientEnv{home: home, env: env}
}

// requireTool skips (or, with SIGNET_E2E_REQUIRE=1, fails) when a client is
// not installed.
func requireTool(t *testing.T, name string, probe ...string) {
	t.Helper()
	missing := ""
	if _, err := exec.LookPath(name); err != nil {
		missing = fmt.Sprintf("%s is not on PATH", name)
	} else if len(probe) > 0 {
		cmd := exec.Command(name, probe...)
		cmd.Env = cleanEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			missing = fmt.Sprintf("%s %s failed: %v: %s", name, strings.Join(probe, " "), err, out)
		}
	}
	if missing == "" {
		return
	}
	if os.Getenv("SIGNET_E2E_REQUIRE") == "1" {
		t.Fatalf("SIGNET_E2E_REQUIRE=1 but %s; install it (AWS CLI v1: pip install awscli; boto3: pip install boto3; curl: apt-get install curl; chromium: apt-get install chromium; rclone, s3cmd: apt-get install rclone s3cmd)", missing)
	}
	t.Skipf("%s (set SIGNET_E2E_REQUIRE=1 to make this a failure)", missing)
}

type result struct {
	cmd    string
	stdout string
	stderr string
	err    error
}

func (r result) String() string {
	return fmt.Sprintf("$ %s\nexit: %v\nstdout:\n%s\nstderr:\n%s", r.cmd, r.err, r.stdout, r.stderr)
}

// run executes a client command in the private environment.
func (c *clientEnv) run(t *testing.T, dir string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = c.env
	cmd.Dir = dir
	if dir == "" {
		cmd.Dir = c.home
	}
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	shown := make([]string, len(args))
	for i, a := range args {
		if len(a) > 300 {
			a = a[:300] + "…"
		}
		shown[i] = a
	}
	return result{cmd: name + " " + strings.Join(shown, " "), stdout: so.String(), stderr: se.String(), err: err}
}

// ok runs a command that must succeed.
func (c *clientEnv) ok(t *testing.T, dir, name string, args ...string) result {
	t.Helper()
	r := c.run(t, dir, name, args...)
	if r.err != nil {
		t.Fatalf("command failed:\n%s", r)
	}
	return r
}

// ---------------------------------------------------------------------------
// curl

type curlResp struct {
	status  int
	headers string
	body    []byte
	res     result
}

func (c curlResp) String() string {
	return fmt.Sprintf("%s\nHTTP status %d\nheaders:\n%s\nbody:\n%s", c.res.cmd, c.status, c.headers, c.body)
}

// curl fetches rawURL (extra curl args first) and returns status, headers
// and body.
func (c *clientEnv) curl(t *testing.T, rawURL string, extra ...string) curlResp {
	t.Helper()
	dir := t.TempDir()
	bodyFile := filepath.Join(dir, "body")
	hdrFile := filepath.Join(dir, "headers")
	args := append([]string{"-q", "-sS", "-g", "-o", bodyFile, "-D", hdrFile, "-w", "%{http_code}"}, extra...)
	args = append(args, rawURL)
	r := c.run(t, dir, "curl", args...)
	if r.err != nil {
		t.Fatalf("curl failed:\n%s", r)
	}
	var status int
	fmt.Sscanf(strings.TrimSpace(r.stdout), "%d", &status)
	body, _ := os.ReadFile(bodyFile)
	hdrs, _ := os.ReadFile(hdrFile)
	return curlResp{status: status, headers: string(hdrs), body: body, res: r}
}

// s3Error is the S3 REST error document.
type s3Error struct {
	Code        string `xml:"Code"`
	Message     string `xml:"Message"`
	XAmzExpires string `xml:"X-Amz-Expires"`
	Expires     string `xml:"Expires"`
	ServerTime  string `xml:"ServerTime"`
	RequestID   string `xml:"RequestId"`
}

func wantS3Error(t *testing.T, r curlResp, status int, code string) s3Error {
	t.Helper()
	var e s3Error
	if r.status != status {
		t.Errorf("HTTP status %d, want %d\n%s", r.status, status, r)
	}
	if err := xml.Unmarshal(r.body, &e); err != nil {
		t.Errorf("body is not an S3 <Error> document: %v\n%s", err, r)
		return e
	}
	if e.Code != code {
		t.Errorf("Code %q, want %q\n%s", e.Code, code, r)
	}
	return e
}

// ---------------------------------------------------------------------------
// Files and hashes

func writeRandom(t *testing.T, path string, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// multipartETag is md5-of-md5s-N over the given part sizes of data.
func multipartETag(data []byte, partSize int) string {
	h := md5.New()
	n := 0
	for off := 0; off < len(data); off += partSize {
		end := min(off+partSize, len(data))
		s := md5.Sum(data[off:end])
		h.Write(s[:])
		n++
	}
	return fmt.Sprintf("%x-%d", h.Sum(nil), n)
}

// ---------------------------------------------------------------------------
// TLS

// selfSignedCert writes a self-signed certificate for 127.0.0.1/localhost
// and its key into dir and returns the paths and a pool trusting it.
func selfSignedCert(t *testing.T, dir string) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "signet e2e", Organization: []string{"signet e2e"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}
