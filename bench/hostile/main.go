// Command hostile sends a running signet server bodies built to cost it
// memory, each kind from many connections at once, and reports how far
// the server's resident memory rose above where it stood before: a body
// must cost what its operation can accept, not what it weighs (issue 13,
// finding 6). It exits 1 when any kind raised resident memory by
// -max-growth MiB or more, 2 on bad usage or a failed setup.
//
// scripts/bench-hostile builds and starts a fresh server and runs this
// against it. The root credentials come from the environment
// (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) so they never appear on a
// command line:
//
//	hostile -endpoint http://127.0.0.1:9000 -pid PID -debug-url http://127.0.0.1:6060
//
// Memory is a wall-clock, machine-dependent measure, so this is a bench,
// never part of the test command's verdicts.
package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"signet/bench/soak/load"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	endpoint, region, debugURL string
	pid, conns, rounds         int
	maxGrowthMiB               float64
	sampleEvery                time.Duration
	creds                      sigv4.Credentials
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hostile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.endpoint, "endpoint", "", "the server's URL (required)")
	fs.StringVar(&cfg.region, "region", "us-east-1", "the server's region")
	fs.IntVar(&cfg.pid, "pid", 0, "the server's process ID, to read /proc/PID (required)")
	fs.StringVar(&cfg.debugURL, "debug-url", "", "the server's --debug-addr as http://HOST:PORT, to release memory before each kind")
	fs.IntVar(&cfg.conns, "conns", 32, "concurrent requests of each kind")
	fs.IntVar(&cfg.rounds, "rounds", 4, "requests each connection sends, one after another")
	fs.Float64Var(&cfg.maxGrowthMiB, "max-growth", 64, "resident memory growth (MiB) at which a kind fails")
	fs.DurationVar(&cfg.sampleEvery, "sample", 10*time.Millisecond, "how often resident memory is read during a kind")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cfg.creds = sigv4.Credentials{AccessKeyID: os.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: secret.New(os.Getenv("AWS_SECRET_ACCESS_KEY"))}
	if cfg.endpoint == "" || cfg.pid == 0 || cfg.creds.AccessKeyID == "" || cfg.creds.SecretAccessKey.IsZero() {
		fmt.Fprintln(stderr, "hostile: -endpoint, -pid and the root credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required")
		return 2
	}
	if u, err := url.Parse(cfg.endpoint); err != nil || !loopback(u.Hostname()) {
		fmt.Fprintln(stderr, "hostile: -endpoint must be a loopback address: this sends hostile bodies")
		return 2
	}
	ctx := context.Background()
	c := &client{cfg: cfg, hc: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: cfg.conns}}}
	upload, err := c.setup(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "hostile: setup:", err)
		return 2
	}
	var results []result
	for _, k := range kinds(upload) {
		r := c.measure(ctx, k)
		fmt.Fprintf(stderr, "%-44s %6.1f MiB  %s\n", k.name, r.growthMiB(), r.statusLine())
		results = append(results, r)
	}
	return report(stdout, cfg, results)
}

func loopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

// A kind of hostile request: every request of a kind is alike.
type kind struct {
	name string
	// want is the answer the server must give ("" accepts any 4xx): a
	// hostile body must be refused, and refused for its own reason.
	want string
	req  func(c *client) (*http.Request, error)
}

// repeated is a body of prefix, unit n times, then suffix, generated as
// it is sent: a client holding millions of parts would measure itself.
func repeated(prefix, unit string, n int, suffix string) (io.Reader, int64) {
	size := int64(len(prefix)) + int64(len(unit))*int64(n) + int64(len(suffix))
	return io.MultiReader(strings.NewReader(prefix), &repeatReader{unit: unit, left: n}, strings.NewReader(suffix)), size
}

type repeatReader struct {
	unit string
	left int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:], r.unit[r.off:])
		n += c
		r.off += c
		if r.off == len(r.unit) {
			r.off = 0
			r.left--
		}
	}
	if n == 0 && r.left == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// kinds are the hostile requests, each with the answer it must get.
func kinds(upload string) []kind {
	const mib = 1 << 20
	parts := func(target string, n int, want string) func(c *client) (*http.Request, error) {
		return func(c *client) (*http.Request, error) {
			body, size := repeated("<CompleteMultipartUpload>", "<Part></Part>", n, "</CompleteMultipartUpload>")
			return c.s3(http.MethodPost, target, body, size, nil)
		}
	}
	deleteBody := []byte("<Delete>" + strings.Repeat("<Object><Key>x</Key></Object>", 60000) + "</Delete>")
	nested := []byte("<Delete>" + strings.Repeat("<a>", 200000) + strings.Repeat("</a>", 200000) + "</Delete>")
	withMD5 := func(target string, body []byte) func(c *client) (*http.Request, error) {
		sum := md5.Sum(body)
		h := http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}}
		return func(c *client) (*http.Request, error) {
			return c.s3(http.MethodPost, target, bytes.NewReader(body), int64(len(body)), h)
		}
	}
	// A policy document of JSON that nests as deep as the body allows,
	// inside a Query body just under the 1 MiB Query limit.
	deepDoc := strings.Repeat("[", 330000)
	quoteDoc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + strings.Repeat(`\"`, 160000) + `"}]}`
	query := func(service string, body []byte) func(c *client) (*http.Request, error) {
		return func(c *client) (*http.Request, error) { return c.query(service, body) }
	}
	form := func(kv ...string) []byte {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return []byte(v.Encode())
	}
	return []kind{
		{"CompleteMultipartUpload, made-up ID, 2M parts", "404 NoSuchUpload", parts("/hostile/obj?uploadId=made-up", 2000000, "")},
		{"CompleteMultipartUpload, real ID, 2M parts", "400 MalformedXML", parts("/hostile/mp?uploadId="+upload, 2000000, "")},
		{"CompleteMultipartUpload, real ID, 300k parts", "400 MalformedXML", parts("/hostile/mp?uploadId="+upload, 300000, "")},
		{"DeleteObjects, 60,000 objects", "400 MalformedXML", withMD5("/hostile?delete", deleteBody)},
		{"DeleteObjects, XML nested 200,000 deep", "400 MalformedXML", withMD5("/hostile?delete", nested)},
		{"CreateBucket, 8 MiB configuration", "400 MaxMessageLengthExceeded", func(c *client) (*http.Request, error) {
			body, size := repeated("<CreateBucketConfiguration>", "<a>", 8*mib/3, "")
			return c.s3(http.MethodPut, "/hostile-new", body, size, nil)
		}},
		{"PutBucketPolicy, 8 MiB policy", "400 MalformedPolicy", func(c *client) (*http.Request, error) {
			body, size := repeated(`{"Version":"2012-10-17","Statement":[`, `{"Effect":"Allow"},`, 8*mib/19, `]}`)
			return c.s3(http.MethodPut, "/hostile?policy", body, size, nil)
		}},
		{"IAM PutUserPolicy, 120 KB nested document", "409 LimitExceeded", query("iam", form("Action", "PutUserPolicy", "Version", "2010-05-08", "UserName", "hostile", "PolicyName", "p", "PolicyDocument", deepDoc[:120000]))},
		{"IAM PutUserPolicy, 990 KB document", "400 ValidationError", query("iam", form("Action", "PutUserPolicy", "Version", "2010-05-08", "UserName", "hostile", "PolicyName", "p", "PolicyDocument", deepDoc))},
		{"IAM CreatePolicy, 990 KB of escaped quotes", "400 ValidationError", query("iam", form("Action", "CreatePolicy", "Version", "2010-05-08", "PolicyName", "p", "PolicyDocument", quoteDoc))},
		{"STS AssumeRole, 990 KB session policy", "400 ValidationError", query("sts", form("Action", "AssumeRole", "Version", "2011-06-15", "RoleArn", "arn:aws:iam::000000000000:role/none", "RoleSessionName", "hostile", "Policy", quoteDoc))},
		{"IAM, 1 MiB of one-letter parameters", "400 InvalidQueryParameter", query("iam", []byte("Action=ListUsers&Version=2010-05-08&"+strings.Repeat("a&", (mib-40)/2)))},
		{"IAM, 64 MiB body", "413 RequestEntityTooLarge", func(c *client) (*http.Request, error) {
			body, size := repeated("Action=ListUsers&Version=2010-05-08&", "a&", 32*mib, "")
			return c.signed(http.MethodPost, "/", body, size, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "iam", "UNSIGNED-PAYLOAD", sigv4.Generic)
		}},
	}
}

type client struct {
	cfg config
	hc  *http.Client
}

// s3 is an S3 request with an unsigned payload, so its body is generated
// as it is sent.
func (c *client) s3(method, target string, body io.Reader, size int64, hdr http.Header) (*http.Request, error) {
	return c.signed(method, target, body, size, hdr, "s3", "UNSIGNED-PAYLOAD", sigv4.S3)
}

// query is an IAM or STS call; its body's hash is signed.
func (c *client) query(service string, body []byte) (*http.Request, error) {
	sum := sha256.Sum256(body)
	return c.signed(http.MethodPost, "/", bytes.NewReader(body), int64(len(body)),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}, service, hex.EncodeToString(sum[:]), sigv4.Generic)
}

func (c *client) signed(method, target string, body io.Reader, size int64, hdr http.Header, service, payloadHash string, mode sigv4.Mode) (*http.Request, error) {
	req, err := http.NewRequest(method, strings.TrimSuffix(c.cfg.endpoint, "/")+target, body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = size
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	return req, sigv4.SignHeader(req, c.cfg.creds, c.cfg.region, service, time.Now(), payloadHash, mode)
}

// do sends one request and returns "STATUS Code", or the transport's
// error when the server closed the connection on a body it refused
// before the client finished sending it.
func (c *client) do(ctx context.Context, req *http.Request) string {
	resp, err := c.hc.Do(req.WithContext(ctx))
	if err != nil {
		return "closed while sending"
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e struct {
		Code  string `xml:"Code"`
		Error struct{ Code string }
	}
	_ = xml.Unmarshal(b, &e)
	code := e.Code
	if code == "" {
		code = e.Error.Code
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, code)
}

// setup makes the bucket, the user and the multipart upload the kinds
// address, and returns the upload's ID.
func (c *client) setup(ctx context.Context) (string, error) {
	ok := func(req *http.Request, err error) (string, error) {
		if err != nil {
			return "", err
		}
		resp, err := c.hc.Do(req.WithContext(ctx))
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
		}
		return string(b), nil
	}
	if _, err := ok(c.s3(http.MethodPut, "/hostile", http.NoBody, 0, nil)); err != nil {
		return "", err
	}
	if _, err := ok(c.query("iam", []byte("Action=CreateUser&Version=2010-05-08&UserName=hostile"))); err != nil {
		return "", err
	}
	out, err := ok(c.s3(http.MethodPost, "/hostile/mp?uploads", http.NoBody, 0, nil))
	if err != nil {
		return "", err
	}
	var init struct{ UploadId string }
	if err := xml.Unmarshal([]byte(out), &init); err != nil || init.UploadId == "" {
		return "", fmt.Errorf("CreateMultipartUpload answered %q", out)
	}
	return init.UploadId, nil
}

// result is what one kind did to the server.
type result struct {
	kind               kind
	statuses           map[string]int
	baseKiB, peakKiB   int64
	requests, wrongOne int
}

func (r result) growthMiB() float64 { return float64(r.peakKiB-r.baseKiB) / 1024 }

func (r result) statusLine() string {
	var keys []string
	for k := range r.statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d× %s", r.statuses[k], k))
	}
	return strings.Join(parts, ", ")
}

// measure releases the server's free memory, reads its resident memory,
// then sends conns×rounds requests of k from conns goroutines while
// sampling, and keeps the highest reading.
func (c *client) measure(ctx context.Context, k kind) result {
	c.hc.CloseIdleConnections()
	c.release(ctx)
	r := result{kind: k, statuses: map[string]int{}, baseKiB: load.ReadRSSKiB(c.cfg.pid)}
	r.peakKiB = r.baseKiB
	stop := make(chan struct{})
	sampled := make(chan int64)
	go func() {
		peak := r.baseKiB
		t := time.NewTicker(c.cfg.sampleEvery)
		defer t.Stop()
		for {
			if v := load.ReadRSSKiB(c.cfg.pid); v > peak {
				peak = v
			}
			select {
			case <-stop:
				sampled <- peak
				return
			case <-t.C:
			}
		}
	}()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < c.cfg.conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < c.cfg.rounds; j++ {
				got := "client error"
				if req, err := k.req(c); err == nil {
					got = c.do(ctx, req)
				}
				mu.Lock()
				r.statuses[got]++
				r.requests++
				if k.want != "" && got != k.want && got != "closed while sending" {
					r.wrongOne++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(stop)
	r.peakKiB = <-sampled
	return r
}

// release asks the server to collect garbage and return free pages, so
// that each kind starts from what the server retains.
func (c *client) release(ctx context.Context) {
	if c.cfg.debugURL == "" {
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.cfg.debugURL, "/")+"/debug/signet/release-memory", nil)
	if err != nil {
		return
	}
	if resp, err := c.hc.Do(req); err == nil {
		resp.Body.Close()
	}
}

// report writes the table and judges it.
func report(w io.Writer, cfg config, results []result) int {
	fmt.Fprintf(w, "# Hostile bodies: resident memory of the server\n\n")
	fmt.Fprintf(w, "%d concurrent requests of each kind, %d rounds; resident memory (smaps_rollup Rss) read every %v; fails at %.0f MiB of growth.\n\n",
		cfg.conns, cfg.rounds, cfg.sampleEvery, cfg.maxGrowthMiB)
	fmt.Fprintln(w, "| kind | answers | before (MiB) | peak (MiB) | growth (MiB) |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|")
	status := 0
	for _, r := range results {
		verdict := ""
		if r.growthMiB() >= cfg.maxGrowthMiB {
			verdict, status = " **FAIL**", 1
		}
		if r.wrongOne > 0 {
			verdict, status = verdict+" **wrong answer**", 1
		}
		fmt.Fprintf(w, "| %s | %s | %.1f | %.1f | %.1f%s |\n", r.kind.name, r.statusLine(),
			float64(r.baseKiB)/1024, float64(r.peakKiB)/1024, r.growthMiB(), verdict)
	}
	return status
}
