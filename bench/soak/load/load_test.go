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
// VmRSS is rss(t), and the two quiet samples warm and end.
func report(rss func(sec int) int64, warm, end Sample) *Report {
	r := &Report{Config: Config{Duration: 100 * time.Second, Warmup: 0.2}, Ops: map[string]*OpStats{"GET": {Count: 1}},
		Status: map[int]int64{200: 1}}
	for s := 0; s < 100; s++ {
		r.Samples = append(r.Samples, Sample{At: time.Duration(s) * time.Second, RSSKiB: rss(s), AnonKiB: rss(s) / 2})
	}
	r.QuietWarm, r.QuietEnd = warm, end
	return r
}

// quiet is a paused sample after the server released its free pages.
func quiet(anonKiB, goroutines, fds int64) Sample {
	return Sample{AnonKiB: anonKiB, RSSKiB: 2 * anonKiB, Goroutines: goroutines, FDs: fds, Released: true}
}

func TestProblemsJudgeGrowth(t *testing.T) {
	flat := func(int) int64 { return 1000 }
	// Memory that swings ±30% under load, as a heap does between
	// collections, is not judged: what the process retains is.
	noisy := func(s int) int64 { return 1000 + []int64{-300, 0, 300}[s%3] }
	leaking := func(s int) int64 { return 1000 + 10*int64(s) }
	unreleased := quiet(1000, 70, 80)
	unreleased.Released = false
	for _, tc := range []struct {
		name string
		r    *Report
		want string // "" for no problem
	}{
		{"flat", report(flat, quiet(1000, 70, 80), quiet(1000, 70, 80)), ""},
		{"noisy under load, flat retained", report(noisy, quiet(1000, 70, 80), quiet(1050, 70, 80)), ""},
		{"growing under load, flat retained", report(leaking, quiet(1000, 70, 80), quiet(1000, 70, 80)), ""},
		{"memory leak", report(flat, quiet(1000, 70, 80), quiet(1150, 70, 80)), "resident memory retained (anonymous, paused, freed pages returned; KiB) grew 15.0%"},
		{"memory not released is not judged", report(flat, unreleased, quiet(5000, 70, 80)), ""},
		{"goroutine leak", report(flat, quiet(1000, 70, 80), quiet(1000, 78, 80)), "goroutines grew 11.4%"},
		{"file leak", report(flat, quiet(1000, 70, 80), quiet(1000, 70, 90)), "open files grew 12.5%"},
		{"fewer goroutines", report(flat, quiet(1000, 70, 80), quiet(1000, 60, 80)), ""},
	} {
		probs := tc.r.Problems(0.10)
		got := strings.Join(probs, "; ")
		if (tc.want == "") != (len(probs) == 0) || !strings.Contains(got, tc.want) {
			t.Errorf("%s: Problems = %q; want %q", tc.name, got, tc.want)
		}
	}
}

// TestExtraReportsLoadMedians: VmRSS under load is reported as the medians
// of the last tenth of warm-up and of the run, which a ±30% swing does not
// move.
func TestExtraReportsLoadMedians(t *testing.T) {
	noisy := func(s int) int64 { return 1000 + []int64{-300, 0, 300}[s%3] }
	g := report(noisy, quiet(1000, 70, 80), quiet(1000, 70, 80)).Extra()[0]
	if !g.Measured || g.Warm != 1000 || g.End != 1000 {
		t.Errorf("%s: %d -> %d (measured %v); want the medians 1000 -> 1000", g.Name, g.Warm, g.End, g.Measured)
	}
}

func TestProblemsJudgeFailures(t *testing.T) {
	flat := func(int) int64 { return 1000 }
	r := report(flat, quiet(1000, 70, 80), quiet(1000, 70, 80))
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
	none := Sample{AnonKiB: -1, RSSKiB: -1, Goroutines: -1, FDs: 80}
	r := report(func(int) int64 { return -1 }, none, none)
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
	releases := 0
	debug := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case releaseMemoryPath:
			if r.Method != http.MethodPost {
				t.Errorf("%s %s: want POST", r.Method, r.URL.Path)
			}
			releases++
			w.WriteHeader(http.StatusNoContent)
		case "/debug/pprof/goroutine":
			fmt.Fprint(w, "goroutine profile: total 42\n1 @ 0x1\n")
		case "/debug/pprof/heap":
			if r.URL.Query().Get("gc") != "1" {
				t.Errorf("heap profile asked without gc=1: the live heap needs a collection first")
			}
			fmt.Fprint(w, "heap profile: 1: 2 [3: 4] @ heap/1048576\n\n# runtime.MemStats\n# Alloc = 5\n# Sys = 9999\n# HeapAlloc = 123456\n# HeapInuse = 200000\n# Stack = 65536 / 98304\n")
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
	if s.HeapInuse != 200000 || s.StackInuse != 65536 || s.RuntimeSys != 9999 {
		t.Errorf("from the heap page: HeapInuse %d, StackInuse %d, Sys %d; want 200000, 65536, 9999", s.HeapInuse, s.StackInuse, s.RuntimeSys)
	}
	if s.Goroutines != 42 || s.LiveHeap != 123456 || !s.Released || releases != releaseRounds {
		t.Errorf("from the debug endpoint: %d goroutines, live heap %d, released %v after %d calls; want 42, 123456, true after %d", s.Goroutines, s.LiveHeap, s.Released, releases, releaseRounds)
	}
	if s := take(context.Background(), cfg, debug.Client(), time.Second, false); s.LiveHeap != -1 || s.Released || releases != releaseRounds {
		t.Errorf("a sample under load forced a collection (live heap %d, released %v, %d release calls)", s.LiveHeap, s.Released, releases)
	}
}
