package load

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sample is one look at the server process. A value that could not be
// read is -1.
type Sample struct {
	At time.Duration // since the load began
	// RSSKiB is VmRSS of /proc/PID/status; AnonKiB its anonymous part
	// (RssAnon: heap and stacks, without the pages of the memory-mapped
	// metadata file).
	RSSKiB, AnonKiB int64
	Threads         int64 // OS threads (Threads of /proc/PID/status)
	FDs             int64 // entries of /proc/PID/fd
	Goroutines      int64 // from the debug endpoint's goroutine profile
	// LiveHeap is the heap in use right after a garbage collection, in
	// bytes: taken in quiet samples only (it forces a collection).
	LiveHeap int64
}

type sampler struct {
	done chan []Sample
}

// startSampler samples the server every cfg.SampleEvery until ctx ends.
func startSampler(ctx context.Context, cfg Config, hc *http.Client, began time.Time) *sampler {
	s := &sampler{done: make(chan []Sample, 1)}
	if cfg.PID == 0 {
		s.done <- nil
		return s
	}
	go func() {
		var out []Sample
		t := time.NewTicker(cfg.SampleEvery)
		defer t.Stop()
		for {
			out = append(out, take(ctx, cfg, hc, time.Since(began), false))
			select {
			case <-ctx.Done():
				// No sample after the end: the load is winding
				// down then, which would hide growth.
				s.done <- out
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) stop() []Sample { return <-s.done }

// take reads /proc/PID and, with a debug URL, the goroutine count (and,
// when quiet, the live heap).
func take(ctx context.Context, cfg Config, hc *http.Client, at time.Duration, quiet bool) Sample {
	sm := Sample{At: at, RSSKiB: -1, AnonKiB: -1, Threads: -1, FDs: -1, Goroutines: -1, LiveHeap: -1}
	if cfg.PID == 0 {
		return sm
	}
	if f, err := os.Open(fmt.Sprintf("/proc/%d/status", cfg.PID)); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			name, val, _ := strings.Cut(sc.Text(), ":")
			fields := strings.Fields(val)
			if len(fields) == 0 {
				continue
			}
			n, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				continue
			}
			switch name {
			case "VmRSS":
				sm.RSSKiB = n
			case "RssAnon":
				sm.AnonKiB = n
			case "Threads":
				sm.Threads = n
			}
		}
		f.Close()
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", cfg.PID)); err == nil {
		sm.FDs = int64(len(ents))
	}
	if cfg.DebugURL != "" {
		sm.Goroutines = debugValue(ctx, hc, cfg.DebugURL, "/debug/pprof/goroutine?debug=1", "goroutine profile: total ")
		if quiet {
			// gc=1 collects first, so HeapAlloc is the live heap.
			sm.LiveHeap = debugValue(ctx, hc, cfg.DebugURL, "/debug/pprof/heap?gc=1&debug=1", "# HeapAlloc = ")
		}
	}
	return sm
}

// debugValue reads the number after prefix on a line of a debug page.
func debugValue(ctx context.Context, hc *http.Client, debugURL, path, prefix string) int64 {
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, strings.TrimSuffix(debugURL, "/")+path, nil)
	if err != nil {
		return -1
	}
	resp, err := hc.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return -1
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// Growth is the change of one measure between the end of warm-up and the
// end of the run.
type Growth struct {
	Name      string
	Warm, End int64
	// How says how the two values were taken.
	How string
	// Measured is false when the measure could not be read.
	Measured bool
}

// Ratio is (End-Warm)/Warm.
func (g Growth) Ratio() float64 {
	if g.Warm <= 0 {
		return 0
	}
	return float64(g.End-g.Warm) / float64(g.Warm)
}

// windowShare is the share of the run whose samples the warm and end
// values of resident memory are the median of: a single sample could land
// on a garbage collection's peak or trough, or on a moment when many
// 1 MiB copy buffers are in use.
const windowShare = 0.10

// windows returns the samples of the last windowShare of warm-up and of
// the last windowShare of the run.
func (r *Report) windows() (warm, end []Sample) {
	d := r.Config.Duration
	warmEnd := time.Duration(float64(d) * r.Config.Warmup)
	span := time.Duration(float64(d) * windowShare)
	for _, s := range r.Samples {
		if s.At <= warmEnd && s.At > warmEnd-span {
			warm = append(warm, s)
		}
		if s.At > d-span {
			end = append(end, s)
		}
	}
	return warm, end
}

func (r *Report) windowed(name string, f func(Sample) int64) Growth {
	warm, end := r.windows()
	w, e := median(warm, f), median(end, f)
	return Growth{Name: name, Warm: w, End: e, Measured: w > 0 && e > 0,
		How: fmt.Sprintf("median of %d and %d samples", len(warm), len(end))}
}

func (r *Report) quiet(name string, f func(Sample) int64) Growth {
	w, e := f(r.QuietWarm), f(r.QuietEnd)
	return Growth{Name: name, Warm: w, End: e, Measured: w > 0 && e > 0, How: "load paused"}
}

// Growth returns the measures of the pass criterion. Resident memory is
// the median of the samples of the last tenth of warm-up against that of
// the last tenth of the run. Goroutines and open files are counted with
// the load paused and every request answered: under load they swing with
// the requests in flight (a connection has one goroutine idle, two busy),
// paused they are the server's own plus one per open connection, so any
// growth is a leak.
func (r *Report) Growth() []Growth {
	return []Growth{
		r.windowed("resident memory (VmRSS, KiB)", func(s Sample) int64 { return s.RSSKiB }),
		r.quiet("goroutines", func(s Sample) int64 { return s.Goroutines }),
		r.quiet("open files", func(s Sample) int64 { return s.FDs }),
	}
}

// Extra are measures reported but not judged: VmRSS split into its
// anonymous part (heap and stacks: what the process itself holds) and its
// file-backed part (the binary and, above all, the pages of the
// memory-mapped metadata file, which grow with the file and which the
// kernel can reclaim), the live heap after a collection, and OS threads,
// which follow blocking system calls.
func (r *Report) Extra() []Growth {
	return []Growth{
		r.windowed("anonymous memory (RssAnon, KiB)", func(s Sample) int64 { return s.AnonKiB }),
		r.windowed("file-backed memory (VmRSS - RssAnon, KiB)", func(s Sample) int64 {
			if s.RSSKiB < 0 || s.AnonKiB < 0 {
				return -1
			}
			return s.RSSKiB - s.AnonKiB
		}),
		r.quiet("live heap after GC (KiB)", func(s Sample) int64 { return s.LiveHeap >> 10 }),
		r.quiet("OS threads", func(s Sample) int64 { return s.Threads }),
	}
}

// WriteSamplesCSV writes every sample, one line each, for plotting.
func (r *Report) WriteSamplesCSV(w io.Writer) error {
	if _, err := fmt.Fprintln(w, "seconds,rss_kib,anon_kib,threads,fds,goroutines"); err != nil {
		return err
	}
	for _, s := range r.Samples {
		if _, err := fmt.Fprintf(w, "%.1f,%d,%d,%d,%d,%d\n", s.At.Seconds(), s.RSSKiB, s.AnonKiB, s.Threads, s.FDs, s.Goroutines); err != nil {
			return err
		}
	}
	return nil
}

func median(ss []Sample, f func(Sample) int64) int64 {
	if len(ss) == 0 {
		return -1
	}
	v := make([]int64, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	slices.Sort(v)
	return v[len(v)/2]
}
