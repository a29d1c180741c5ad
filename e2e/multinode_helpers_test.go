package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"signet/internal/adminclient"
	"signet/internal/pgtest"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// Several signet nodes on one PostgreSQL database and one blob folder, as
// the README's "Run several nodes" section starts them: each node has a
// data directory of its own, and all share the metadata DSN (--meta), the
// blob folder (--blobs), the sealing key file and the root credentials
// file (with the account ID, so every node answers for one account).

func init() {
	// The e2e suite's "every client must be here" switch also makes a
	// missing PostgreSQL a failure, not a skip.
	if os.Getenv("SIGNET_E2E_REQUIRE") == "1" {
		os.Setenv(pgtest.EnvRequire, "1")
	}
}

// multiAccount is the account every node of a test deployment answers for.
const multiAccount = "424242424242"

// deployment is one set of nodes sharing a database and a blob folder.
type deployment struct {
	pg       *pgtest.Cluster
	dsn      string
	blobs    string
	keyFile  string
	rootFile string
	extra    []string // flags every node gets besides the shared ones
	dataDirs []string
	nodes    []*signetProc
}

// newDeployment starts n nodes on a fresh database of pg, one after the
// other (the first applies the schema), each with extra flags.
func newDeployment(t *testing.T, pg *pgtest.Cluster, n int, extra ...string) *deployment {
	t.Helper()
	dir := t.TempDir()
	d := &deployment{
		pg: pg, dsn: pg.CreateDatabase(t), blobs: filepath.Join(dir, "blobs"),
		keyFile: filepath.Join(dir, "sealing.key"), rootFile: filepath.Join(dir, "root-credentials.json"), extra: extra,
	}
	if err := os.Mkdir(d.blobs, 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.keyFile, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root, err := json.Marshal(map[string]string{"account_id": multiAccount, "access_key_id": rootAK, "secret_access_key": rootSK})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.rootFile, root, 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		d.dataDirs = append(d.dataDirs, filepath.Join(dir, fmt.Sprintf("node%d", i+1)))
		d.nodes = append(d.nodes, nil)
		d.start(t, i, "")
	}
	t.Cleanup(func() {
		for _, p := range d.nodes {
			if p != nil {
				p.stopQuietly()
			}
		}
	})
	return d
}

// args are node i's flags, as the README's three `signet server` lines.
func (d *deployment) args(i int) []string {
	return append([]string{"--meta", d.dsn, "--blobs", d.blobs, "--sealing-key-file", d.keyFile,
		"--root-credentials-file", d.rootFile}, d.extra...)
}

// start starts node i, on addr if set (a restart keeps its address).
func (d *deployment) start(t *testing.T, i int, addr string) *signetProc {
	t.Helper()
	var p *signetProc
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		a := addr
		if a == "" {
			if a, err = freePort(); err != nil {
				t.Fatal(err)
			}
		}
		if p, err = startSignetEnv(a, d.dataDirs[i], d.args(i), nil); err == nil || addr != "" {
			break
		}
	}
	if err != nil {
		t.Fatalf("starting node %d: %v", i+1, err)
	}
	procMu.Lock()
	extraProc = append(extraProc, p)
	procMu.Unlock()
	d.nodes[i] = p
	return p
}

// kill ends node i with SIGKILL, as a crash or the OOM killer would.
func (d *deployment) kill(t *testing.T, i int) {
	t.Helper()
	p := d.nodes[i]
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill -9 node %d: %v", i+1, err)
	}
	<-p.done
}

// restart starts node i again on its old address, after kill.
func (d *deployment) restart(t *testing.T, i int) {
	t.Helper()
	d.start(t, i, d.nodes[i].host)
}

// stopQuietly stops p if it still runs (a killed node has exited).
func (p *signetProc) stopQuietly() {
	select {
	case <-p.done:
	default:
		_ = p.stop()
	}
}

// waitHealthy polls every node's /healthz until each answers 200 "ok".
func (d *deployment) waitHealthy(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for i, p := range d.nodes {
		for {
			status, body, err := p.healthz()
			if err == nil && status == 200 && body == "ok" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d /healthz after %v: %d %q %v", i+1, within, status, body, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func (p *signetProc) healthz() (int, string, error) {
	resp, err := p.client.Get(p.endpoint + "/healthz")
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), nil
}

// ---------------------------------------------------------------------------
// Clients of one node

// nodeTransport is the one connection pool of every client the several-
// node tests make: a pool per client would leave its idle keep-alive
// connections open on the nodes until their idle timeout, and a test
// making hundreds of clients would fill a node's --max-conns.
var nodeTransport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16}

// nodeHTTP is a client whose requests have a bound.
func nodeHTTP() *http.Client {
	return &http.Client{Timeout: 20 * time.Second, Transport: nodeTransport}
}

func sdkConfig(ak, sk, token string) aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, token),
		HTTPClient:  nodeHTTP(),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
		// What config.LoadDefaultConfig resolves by default.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}
}

// s3At is an S3 client of p signed with the root's key.
func s3At(p *signetProc) *s3.Client {
	return s3.NewFromConfig(sdkConfig(rootAK, rootSK, ""), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(p.endpoint)
		o.UsePathStyle = true
	})
}

// iamAt is an IAM client of p signed with the root's key.
func iamAt(p *signetProc) *iam.Client {
	return iam.NewFromConfig(sdkConfig(rootAK, rootSK, ""), func(o *iam.Options) { o.BaseEndpoint = aws.String(p.endpoint) })
}

// stsAt is an STS client of p signed with the given key.
func stsAt(p *signetProc, ak, sk string) *sts.Client {
	return sts.NewFromConfig(sdkConfig(ak, sk, ""), func(o *sts.Options) { o.BaseEndpoint = aws.String(p.endpoint) })
}

// adminAt is p's admin API client, signed with the root's key.
func adminAt(p *signetProc) *adminclient.Client {
	u, _ := url.Parse(p.endpoint)
	return &adminclient.Client{Endpoint: u, HTTP: nodeHTTP(),
		Credentials: adminclient.StaticCredentials{AccessKeyID: rootAK, SecretAccessKey: secret.New(rootSK)}}
}

// presignFor signs a GET of /bucket/key on p's endpoint for an hour.
func presignFor(t *testing.T, p *signetProc, bucket, key, ak, sk, token string) string {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: "GET", URL: p.endpoint + "/" + bucket + "/" + key,
		Credentials: sigv4.Credentials{AccessKeyID: ak, SecretAccessKey: secret.New(sk), SessionToken: token},
		Region:      "us-east-1", Service: "s3", Time: time.Now().UTC(), Expires: time.Hour, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatalf("presign: %v", err)
	}
	rememberSignature(u)
	return u
}

// answer is what one request got: the HTTP status and S3 error code
// ("" for a success or a failure to get an answer at all, then err).
type answer struct {
	status int
	code   string
	body   []byte
	err    error
	sent   time.Time
	recv   time.Time
}

func (o answer) String() string {
	if o.err != nil {
		return "error: " + o.err.Error()
	}
	if o.code != "" {
		return fmt.Sprintf("%d %s", o.status, o.code)
	}
	return fmt.Sprint(o.status)
}

// getVia sends a GET of rawURL (presigned for some node's host) to node p,
// keeping the URL's Host header: the signature covers the host the URL was
// signed for, as behind a load balancer every node sees the balancer's.
func getVia(ctx context.Context, c *http.Client, p *signetProc, rawURL string) answer {
	o := answer{sent: time.Now()}
	u, err := url.Parse(rawURL)
	if err != nil {
		o.err = err
		return o
	}
	signedHost := u.Host
	u.Host = p.host
	req, err := http.NewRequestWithContext(ctx, "GET", u.String(), nil)
	if err != nil {
		o.err = err
		return o
	}
	req.Host = signedHost
	resp, err := c.Do(req)
	if err != nil {
		o.err, o.recv = err, time.Now()
		return o
	}
	o.body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	o.status, o.recv, o.err = resp.StatusCode, time.Now(), err
	if o.status != 200 {
		o.code = errorCode(o.body)
	}
	return o
}

// errorCode is the <Code> of an S3 error document, or "".
func errorCode(b []byte) string {
	s := string(b)
	i := strings.Index(s, "<Code>")
	j := strings.Index(s, "</Code>")
	if i < 0 || j < i {
		return ""
	}
	return s[i+len("<Code>") : j]
}

// ---------------------------------------------------------------------------
// A load balancer in front of the nodes

// balancer hands each new TCP connection to the next node in turn, as a
// round-robin load balancer does; bytes pass untouched, so the Host header
// and every signature stay as the client sent them. A node that refuses
// the connection is skipped for that connection.
type balancer struct {
	ln     net.Listener
	nodes  []*signetProc
	next   atomic.Uint64
	served []atomic.Int64
	wg     sync.WaitGroup
}

func startBalancer(t *testing.T, nodes []*signetProc) *balancer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &balancer{ln: ln, nodes: nodes, served: make([]atomic.Int64, len(nodes))}
	b.wg.Add(1)
	go b.accept()
	t.Cleanup(func() { ln.Close(); b.wg.Wait() })
	return b
}

func (b *balancer) accept() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.wg.Add(1)
		go func() { defer b.wg.Done(); b.pass(c) }()
	}
}

func (b *balancer) pass(c net.Conn) {
	defer c.Close()
	var up net.Conn
	for range b.nodes {
		i := int(b.next.Add(1)-1) % len(b.nodes)
		var err error
		if up, err = net.DialTimeout("tcp", b.nodes[i].host, 5*time.Second); err == nil {
			b.served[i].Add(1)
			break
		}
	}
	if up == nil {
		return
	}
	defer up.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(up, c)
		if tc, ok := up.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		close(done)
	}()
	io.Copy(c, up)
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	<-done
}

// proc is the balancer as a server for the e2e helpers that take one.
func (b *balancer) proc() *signetProc {
	addr := b.ln.Addr().String()
	return &signetProc{endpoint: "http://" + addr, host: addr, client: nodeHTTP(), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{})}
}

// checkSpread fails t unless every node took some of the connections.
func (b *balancer) checkSpread(t *testing.T) {
	t.Helper()
	var counts []string
	for i := range b.served {
		n := b.served[i].Load()
		counts = append(counts, fmt.Sprintf("node %d: %d", i+1, n))
		if n == 0 {
			t.Errorf("node %d served no connection through the balancer", i+1)
		}
	}
	t.Logf("connections through the balancer: %s", strings.Join(counts, ", "))
}

// ---------------------------------------------------------------------------

// randomBytes is n random bytes.
func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}
