package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/meta"
	"signet/internal/revocation"
	"signet/internal/sigprint"
	"signet/internal/sigv4"
)

// discardWriter is the cheapest http.ResponseWriter: what both sides of
// the comparison below write into, so that only the handlers differ.
type discardWriter struct {
	h      http.Header
	status int
	n      int64
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkServePresignedGET4KiB serves a presigned GET of a 4 KiB object
// through the whole handler (request ID, access log as JSON, SigV4
// verification, authorisation, metadata lookup, the inline object's bytes),
// without the network. BenchmarkServeFileBaseline4KiB is the same request
// to bench/baseline's handler shape (open, stat, copy a file): the ratio
// of the two is the handler's share of what scripts/load measures.
func BenchmarkServePresignedGET4KiB(b *testing.B) { benchPresignedGET4KiB(b, false, false) }

// BenchmarkServePresignedGET4KiBMetrics is the same request with metrics
// on (--metrics-on-main): its ratio to the one above is what recording
// each request in the metrics costs.
func BenchmarkServePresignedGET4KiBMetrics(b *testing.B) { benchPresignedGET4KiB(b, true, false) }

// BenchmarkServePresignedGET4KiBDenylist is the first one with the URL
// denylist full (revocation.MaxEntries entries: URLs, and rules on
// signers other than the caller): its ratio to the first is what
// checking every presigned request against it costs (issue 19: one hash
// lookup, no measurable change).
func BenchmarkServePresignedGET4KiBDenylist(b *testing.B) { benchPresignedGET4KiB(b, false, true) }

func benchPresignedGET4KiB(b *testing.B, metricsOn, denylist bool) {
	cfg := testConfig(b)
	cfg.MetricsOnMain = metricsOn
	s, err := New(cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), clock.Real{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	h := s.Handler()
	root := s.Root()
	c := sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.Secret}
	do := func(method, target string, body string) *httptest.ResponseRecorder {
		u, err := sigv4.Presign(sigv4.PresignInput{
			Method: method, URL: "http://bench.local" + target, Credentials: c, Region: cfg.Region, Service: "s3",
			Time: time.Now(), Expires: time.Hour, Mode: sigv4.S3,
		})
		if err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest(method, u, strings.NewReader(body))
		if body != "" {
			r.ContentLength = int64(len(body))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	if rec := do("PUT", "/bench", ""); rec.Code != 200 {
		b.Fatalf("CreateBucket: %d %s", rec.Code, rec.Body)
	}
	if rec := do("PUT", "/bench/obj", strings.Repeat("x", 4<<10)); rec.Code != 200 {
		b.Fatalf("PutObject: %d %s", rec.Code, rec.Body)
	}
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: "GET", URL: "http://bench.local/bench/obj", Credentials: c, Region: cfg.Region, Service: "s3",
		Time: time.Now(), Expires: time.Hour, Mode: sigv4.S3,
	})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", u, nil)
	if denylist {
		fillDenylist(b, s)
	}
	serveGET4KiB(b, h, r)
}

// fillDenylist loads s's denylist to its bound with entries that refuse
// nothing the benchmark sends.
func fillDenylist(b *testing.B, s *Server) {
	now := s.Clock.Now()
	entries := make([]meta.URLRevocation, 0, revocation.MaxEntries)
	for i := range revocation.MaxEntries - 10 {
		p := sigprint.Of(sigprint.V4, strconv.Itoa(i)).String()
		entries = append(entries, meta.URLRevocation{ID: "url:" + p, Print: p, Until: now.Add(time.Hour)})
	}
	for i := range 10 {
		entries = append(entries, meta.URLRevocation{ID: "signer:" + strconv.Itoa(i), SignerKind: revocation.KindUser, Signer: "user" + strconv.Itoa(i),
			Before: now, Until: now.Add(time.Hour)})
	}
	if skipped := s.denylist.Load(entries, now); skipped != 0 || s.denylist.Len() != revocation.MaxEntries {
		b.Fatalf("denylist: %d skipped, %d loaded", skipped, s.denylist.Len())
	}
}

func BenchmarkServeFileBaseline4KiB(b *testing.B) {
	name := filepath.Join(b.TempDir(), "obj")
	if err := os.WriteFile(name, []byte(strings.Repeat("x", 4<<10)), 0o600); err != nil {
		b.Fatal(err)
	}
	// The shape of bench/baseline's GET.
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		f, err := os.Open(name)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
		w.WriteHeader(200)
		_, _ = io.Copy(w, f)
	})
	r := httptest.NewRequest("GET", "http://bench.local/bench/obj", nil)
	serveGET4KiB(b, h, r)
}

// serveGET4KiB is the timed loop of both benchmarks: r served by h into a
// fresh header map each time (as net/http gives every response), checked.
func serveGET4KiB(b *testing.B, h http.Handler, r *http.Request) {
	w := &discardWriter{}
	b.ReportAllocs()
	b.SetBytes(4 << 10)
	for b.Loop() {
		w.h, w.status, w.n = http.Header{}, 0, 0
		h.ServeHTTP(w, r)
		if w.status != 200 || w.n != 4<<10 {
			b.Fatalf("GET: %d, %d bytes", w.status, w.n)
		}
	}
}
