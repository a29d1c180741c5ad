package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/sigv4"
)

// lockedBuffer is a log sink the server and the test share.
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

// waitFor polls cond until it holds; the test's own deadline bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-t.Context().Done():
			t.Fatalf("never: %s", what)
		default:
		}
		waitABit()
	}
}

// TestStartDrainStopLines: the start line says where the server listens
// and keeps its data and which version it is; on the signal to stop, a
// line says how many requests are being drained (here one upload, held
// open by the test), and once that upload has finished, a line says the
// server stopped. Meanwhile the metrics listener (--metrics-addr, its URL
// in the start line) shows the upload in flight.
func TestStartDrainStopLines(t *testing.T) {
	logs := &lockedBuffer{}
	cfg := testConfig(t)
	cfg.MetricsAddr = "127.0.0.1:0"
	s, err := New(cfg, slog.New(slog.NewJSONHandler(logs, nil)), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	old := Version
	Version = "v9.9.9-test"
	defer func() { Version = old }()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	pr, pw := io.Pipe()
	served := make(chan error, 1)
	go func() { served <- s.ListenAndServe(ctx, pw) }()
	first, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	_, rest, _ := strings.Cut(first, " at ")
	endpoint, _, _ := strings.Cut(rest, " ")

	root := sigv4.Credentials{AccessKeyID: s.Root().AccessKeyID, SecretAccessKey: s.Root().Secret}
	send := func(method, path string, body io.Reader, n int64) (*http.Response, error) {
		req, err := http.NewRequest(method, endpoint+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = n
		if err := sigv4.SignHeader(req, root, cfg.Region, "s3", clock.Real{}.Now(), sigv4.UnsignedPayload, sigv4.S3); err != nil {
			t.Fatal(err)
		}
		return http.DefaultClient.Do(req)
	}
	resp, err := send(http.MethodPut, "/drain", nil, 0)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CreateBucket: %v %v", resp, err)
	}
	resp.Body.Close()

	bodyR, bodyW := io.Pipe()
	uploaded := make(chan int, 1)
	go func() {
		resp, err := send(http.MethodPut, "/drain/slow", bodyR, 5)
		if err != nil {
			t.Errorf("the upload in flight failed: %v", err)
			uploaded <- 0
			return
		}
		resp.Body.Close()
		uploaded <- resp.StatusCode
	}()
	if _, err := bodyW.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the upload is in flight", func() bool { return s.InFlight() == 1 })
	scrape := getMetrics(t, metricsURL(t, logs.String()))
	if !strings.Contains(scrape, "\nsignet_requests_in_flight 1\n") || !strings.Contains(scrape, `signet_requests_total{api="s3",code="",operation="CreateBucket",status="200"} 1`) {
		t.Errorf("the metrics listener's scrape lacks the upload in flight or the CreateBucket:\n%s", scrape)
	}
	// Without --metrics-on-main the main listener has no metrics: the
	// path is an S3 request (anonymous, so refused).
	if resp, err := http.Get(endpoint + "/_signet/metrics"); err != nil || resp.StatusCode == 200 {
		t.Errorf("GET /_signet/metrics on the main listener without --metrics-on-main: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	stop()
	waitFor(t, "the drain line", func() bool { return strings.Contains(logs.String(), `"msg":"draining 1 requests"`) })
	if strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Fatalf("stopped with a request in flight:\n%s", logs.String())
	}
	if _, err := bodyW.Write([]byte("bcde")); err != nil {
		t.Fatal(err)
	}
	bodyW.Close()
	if code := <-uploaded; code != 200 {
		t.Errorf("the drained upload answered %d, want 200", code)
	}
	if err := <-served; err != nil {
		t.Errorf("ListenAndServe: %v", err)
	}

	lines := logs.String()
	for _, want := range []string{
		`"msg":"serving","endpoint":"` + endpoint + `","version":"v9.9.9-test","region":"` + cfg.Region + `"`,
		`"metadata":"bolt ` + cfg.DataDir + `/meta.db"`,
		`"blobs":"disk ` + cfg.DataDir + `/objects`,
		`"msg":"draining 1 requests","in_flight":1`,
		`"msg":"stopped","drained":true`,
	} {
		if !strings.Contains(lines, want) {
			t.Errorf("the log lacks %s:\n%s", want, lines)
		}
	}
	if i, j := strings.Index(lines, `"msg":"draining`), strings.Index(lines, `"msg":"stopped"`); i < 0 || j < i {
		t.Errorf("the stop line does not follow the drain line:\n%s", lines)
	}
}

// waitABit yields between polls.
func waitABit() { time.Sleep(time.Millisecond) }

// metricsURL is the metrics listener's URL from the start line.
func metricsURL(t *testing.T, logs string) string {
	t.Helper()
	_, rest, ok := strings.Cut(logs, `"metrics":"`)
	if !ok {
		t.Fatalf("the start line does not say where the metrics are:\n%s", logs)
	}
	u, _, _ := strings.Cut(rest, `"`)
	return u
}

func getMetrics(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return string(b)
}
