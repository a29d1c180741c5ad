package load

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// report builds a Report of a 100 s run with one sample per second whose
// RSS is rss(t), and quiet samples with the given goroutines and files.
func report(rss func(sec int) int64, warmG, endG, warmFD, endFD int64) *Report {
	r := &Report{Config: Config{Duration: 100 * time.Second, Warmup: 0.2}, Ops: map[string]*OpStats{"GET": {Count: 1}},
		Status: map[int]int64{200: 1}}
	for s := 0; s < 100; s++ {
		r.Samples = append(r.Samples, Sample{At: time.Duration(s) * time.Second, RSSKiB: rss(s)})
	}
	r.QuietWarm = Sample{Goroutines: warmG, FDs: warmFD}
	r.QuietEnd = Sample{Goroutines: endG, FDs: endFD}
	return r
}

func TestProblemsJudgeGrowth(t *testing.T) {
	flat := func(int) int64 { return 1000 }
	// Noise that swings ±30% around a flat level passes: the medians
	// of the windows are what is compared.
	noisy := func(s int) int64 { return 1000 + []int64{-300, 0, 300}[s%3] }
	// A leak: 1% of the start per second.
	leaking := func(s int) int64 { return 1000 + 10*int64(s) }
	for _, tc := range []struct {
		name string
		r    *Report
		want string // "" for no problem
	}{
		{"flat", report(flat, 70, 70, 80, 80), ""},
		{"noisy memory", report(noisy, 70, 70, 80, 80), ""},
		{"memory leak", report(leaking, 70, 70, 80, 80), "resident memory"},
		{"goroutine leak", report(flat, 70, 78, 80, 80), "goroutines grew 11.4%"},
		{"file leak", report(flat, 70, 70, 80, 90), "open files grew 12.5%"},
		{"fewer goroutines", report(flat, 70, 60, 80, 80), ""},
	} {
		probs := tc.r.Problems(0.10)
		got := strings.Join(probs, "; ")
		if (tc.want == "") != (len(probs) == 0) || !strings.Contains(got, tc.want) {
			t.Errorf("%s: Problems = %q; want %q", tc.name, got, tc.want)
		}
	}
}

func TestProblemsJudgeFailures(t *testing.T) {
	flat := func(int) int64 { return 1000 }
	r := report(flat, 70, 70, 80, 80)
	r.Status[503] = 2
	r.NoResponse = 1
	r.Ops["PUT"] = &OpStats{Count: 5, Failures: 1}
	r.Failures = []string{"PUT: HTTP 503"}
	got := strings.Join(r.Problems(0.10), "; ")
	for _, want := range []string{"2 responses were 5xx", "1 requests got no response", "1 operations that should have succeeded failed: PUT: HTTP 503"} {
		if !strings.Contains(got, want) {
			t.Errorf("Problems = %q; want %q in it", got, want)
		}
	}
}

func TestUnmeasuredIsNotJudged(t *testing.T) {
	r := report(func(int) int64 { return -1 }, -1, -1, 80, 80)
	if probs := r.Problems(0.10); len(probs) != 0 {
		t.Errorf("Problems = %q; want none when nothing could be measured", probs)
	}
	for _, g := range r.Growth()[:2] {
		if g.Measured {
			t.Errorf("%s: Measured with values %d and %d", g.Name, g.Warm, g.End)
		}
	}
}

func TestPercentile(t *testing.T) {
	s := &OpStats{}
	for i := 100; i >= 1; i-- {
		s.lat = append(s.lat, time.Duration(i)*time.Millisecond)
	}
	if p50, p99 := s.Percentile(50), s.Percentile(99); p50 != 50*time.Millisecond || p99 != 99*time.Millisecond {
		t.Errorf("p50 %v, p99 %v; want 50ms, 99ms", p50, p99)
	}
	if got := (&OpStats{}).Percentile(50); got != 0 {
		t.Errorf("empty Percentile = %v, want 0", got)
	}
}

// TestTakeReadsProcAndDebugEndpoint samples this test process, with a
// fake debug endpoint.
func TestTakeReadsProcAndDebugEndpoint(t *testing.T) {
	debug := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/debug/pprof/goroutine":
			fmt.Fprint(w, "goroutine profile: total 42\n1 @ 0x1\n")
		case "/debug/pprof/heap":
			if r.URL.Query().Get("gc") != "1" {
				t.Errorf("heap profile asked without gc=1: the live heap needs a collection first")
			}
			fmt.Fprint(w, "heap profile: 1: 2 [3: 4] @ heap/1048576\n\n# runtime.MemStats\n# Alloc = 5\n# HeapAlloc = 123456\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer debug.Close()
	cfg := Config{PID: os.Getpid(), DebugURL: debug.URL}
	s := take(context.Background(), cfg, debug.Client(), time.Second, true)
	if s.RSSKiB <= 0 || s.AnonKiB <= 0 || s.Threads <= 0 || s.FDs <= 0 {
		t.Errorf("from /proc/%d: RSS %d KiB, anon %d KiB, %d threads, %d fds; want all positive", cfg.PID, s.RSSKiB, s.AnonKiB, s.Threads, s.FDs)
	}
	if s.Goroutines != 42 || s.LiveHeap != 123456 {
		t.Errorf("from the debug endpoint: %d goroutines, live heap %d; want 42, 123456", s.Goroutines, s.LiveHeap)
	}
	if s := take(context.Background(), cfg, debug.Client(), time.Second, false); s.LiveHeap != -1 {
		t.Errorf("a sample under load forced a collection (live heap %d)", s.LiveHeap)
	}
}
