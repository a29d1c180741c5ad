package server

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/sigv4"
)

// The figure issue 16 asks for, as a client sees it: GET and PUT
// throughput of encrypted objects over a real loopback HTTP connection,
// against a server wired with today's unencrypted engines in the same run.
// Each benchmark reports both throughputs in MB/s and their ratio
// (sealed/plain, the target ≥ 0.8):
//
//	go test -run '^$' -bench 'BenchmarkSSE' -benchtime 20x ./internal/server/

// sseBenchServer is one running server with a bucket and presigned URLs.
type sseBenchServer struct {
	ts     *httptest.Server
	client *http.Client
	cred   sigv4.Credentials
	region string
}

func newSSEBenchServer(b *testing.B, seal bool) *sseBenchServer {
	cfg := testConfig(b)
	s, err := newServer(cfg, quietLog(), clock.Real{}, seal)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	b.Cleanup(func() { ts.Close(); s.Close() })
	root := s.Root()
	bs := &sseBenchServer{
		ts: ts, client: ts.Client(), region: cfg.Region,
		cred: sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.Secret},
	}
	bs.do(b, "PUT", "/bench", nil, 0)
	return bs
}

// url presigns method on target for an hour.
func (s *sseBenchServer) url(b *testing.B, method, target string) string {
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: method, URL: s.ts.URL + target, Credentials: s.cred, Region: s.region, Service: "s3",
		Time: time.Now(), Expires: time.Hour, Mode: sigv4.S3,
	})
	if err != nil {
		b.Fatal(err)
	}
	return u
}

// do sends one presigned request, reads the whole answer into io.Discard
// and checks the status and, for a GET, the length.
func (s *sseBenchServer) do(b *testing.B, method, target string, body []byte, wantLen int64) {
	req, err := http.NewRequest(method, s.url(b, method, target), bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	resp, err := s.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || (method == "GET" && n != wantLen) {
		b.Fatalf("%s %s: %d, %d bytes, %v", method, target, resp.StatusCode, n, err)
	}
}

// benchSSE alternates op on the plain server and on the sealed one, so
// that the load of a shared machine falls on both alike, and reports each
// one's throughput and their ratio (sealed/plain).
func benchSSE(b *testing.B, size int, op func(b *testing.B, s *sseBenchServer, payload []byte) func()) {
	payload := make([]byte, size)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(payload)
	plain, sealed := newSSEBenchServer(b, false), newSSEBenchServer(b, true)
	plainOp, sealedOp := op(b, plain, payload), op(b, sealed, payload)
	var plainT, sealedT time.Duration
	for b.Loop() {
		t := time.Now()
		plainOp()
		plainT += time.Since(t)
		t = time.Now()
		sealedOp()
		sealedT += time.Since(t)
	}
	mb := float64(size) * float64(b.N) / 1e6
	b.ReportMetric(mb/plainT.Seconds(), "plain-MB/s")
	b.ReportMetric(mb/sealedT.Seconds(), "sealed-MB/s")
	b.ReportMetric(plainT.Seconds()/sealedT.Seconds(), "sealed/plain")
}

// sseGET stores the payload and returns one GET of it.
func sseGET(b *testing.B, s *sseBenchServer, payload []byte) func() {
	s.do(b, "PUT", "/bench/obj", payload, 0)
	u := s.url(b, "GET", "/bench/obj")
	return func() {
		resp, err := s.client.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || n != int64(len(payload)) {
			b.Fatalf("GET: %d, %d bytes, %v", resp.StatusCode, n, err)
		}
	}
}

// ssePUT returns one PUT of the payload (overwriting the same key).
func ssePUT(b *testing.B, s *sseBenchServer, payload []byte) func() {
	u := s.url(b, "PUT", "/bench/obj")
	r := bytes.NewReader(payload)
	return func() {
		r.Reset(payload)
		req, err := http.NewRequest("PUT", u, r)
		if err != nil {
			b.Fatal(err)
		}
		req.ContentLength = int64(len(payload))
		resp, err := s.client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("PUT: %d", resp.StatusCode)
		}
	}
}

func BenchmarkSSEGET1MiB(b *testing.B)   { benchSSE(b, 1<<20, sseGET) }
func BenchmarkSSEGET256MiB(b *testing.B) { benchSSE(b, 256<<20, sseGET) }
func BenchmarkSSEPUT1MiB(b *testing.B)   { benchSSE(b, 1<<20, ssePUT) }
func BenchmarkSSEPUT256MiB(b *testing.B) { benchSSE(b, 256<<20, ssePUT) }

// sseGETSpread stores spreadObjects copies of the payload and returns a
// GET of the next one in turn: 96 MiB of 1 MiB objects, more than the
// default decrypted-object cache (64 MiB) holds, so every sealed GET
// misses it and decrypts, while the plain server's reads still come from
// the page cache. This is the figure for a working set that does not fit
// the cache; BenchmarkSSEGET1MiB is the one for a hot object.
const spreadObjects = 96

func sseGETSpread(b *testing.B, s *sseBenchServer, payload []byte) func() {
	urls := make([]string, spreadObjects)
	for i := range urls {
		key := "/bench/spread-" + strconv.Itoa(i)
		s.do(b, "PUT", key, payload, 0)
		urls[i] = s.url(b, "GET", key)
	}
	next := 0
	return func() {
		resp, err := s.client.Get(urls[next])
		next = (next + 1) % len(urls)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || n != int64(len(payload)) {
			b.Fatalf("GET: %d, %d bytes, %v", resp.StatusCode, n, err)
		}
	}
}

func BenchmarkSSEGET1MiBBeyondCache(b *testing.B) { benchSSE(b, 1<<20, sseGETSpread) }
