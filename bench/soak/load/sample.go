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
	// RSSKiB is the resident memory (Rss of /proc/PID/smaps_rollup); AnonKiB
	// its anonymous part (heap and stacks, without the pages of the memory-mapped
	// metadata file).
	RSSKiB, AnonKiB int64
	Threads         int64 // OS threads (Threads of /proc/PID/status)
	FDs             int64 // entries of /proc/PID/fd
	Goroutines      int64 // from the debug endpoint's goroutine profile
	// LiveHeap is the heap in use right after a garbage collection, in
	// bytes: taken in quiet samples only (it forces a collection).
	LiveHeap int64
	// HeapInuse (spans holding at least one object: the live heap and
	// its fragmentation), StackInuse (goroutine stacks) and RuntimeSys
	// (all the runtime got from the OS), in bytes, from the same page as
	// LiveHeap: they say where retained memory sits.
	HeapInuse, StackInuse, RuntimeSys int64
	// Released is true when the server returned its free pages to the
	// operating system just before /proc was read (quiet samples with a
	// debug URL): RSSKiB and AnonKiB are then what the process retains.
	Released bool
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
	sm := Sample{At: at, RSSKiB: -1, AnonKiB: -1, Threads: -1, FDs: -1, Goroutines: -1, LiveHeap: -1, HeapInuse: -1, StackInuse: -1, RuntimeSys: -1}
	if cfg.PID == 0 {
		return sm
	}
	// A quiet sample releases and reads releaseRounds times and keeps the
	// smallest reading: the server's own background work (the log
	// flusher, the session sweeper, idle connections' timers) touches
	// pages between a release and the read, and the least of a few
	// readings is the closest to what the process retains.
	rounds := 1
	if quiet && cfg.DebugURL != "" {
		rounds = releaseRounds
	}
	for i := 0; i < rounds; i++ {
		if i > 0 {
			time.Sleep(releaseGap)
		}
		released := quiet && cfg.DebugURL != "" && releaseMemory(ctx, hc, cfg.DebugURL)
		rss, anon, threads := readMemory(cfg.PID)
		if i == 0 || (anon >= 0 && anon < sm.AnonKiB) {
			sm.RSSKiB, sm.AnonKiB, sm.Threads, sm.Released = rss, anon, threads, released
		}
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", cfg.PID)); err == nil {
		sm.FDs = int64(len(ents))
	}
	if cfg.DebugURL != "" {
		sm.Goroutines = debugValue(ctx, hc, cfg.DebugURL, "/debug/pprof/goroutine?debug=1", "goroutine profile: total ")
		if quiet {
			// gc=1 collects first, so HeapAlloc is the live heap.
			v := debugValues(ctx, hc, cfg.DebugURL, "/debug/pprof/heap?gc=1&debug=1", "# HeapAlloc = ", "# HeapInuse = ", "# Stack = ", "# Sys = ")
			sm.LiveHeap, sm.HeapInuse, sm.StackInuse, sm.RuntimeSys = v[0], v[1], v[2], v[3]
		}
	}
	return sm
}

// releaseRounds and releaseGap shape a quiet sample's readings.
const (
	releaseRounds = 3
	releaseGap    = 200 * time.Millisecond
)

// readMemory reads the process's resident and anonymous memory (KiB) and
// its thread count.
//
// VmRSS and RssAnon of /proc/PID/status are the kernel's cached counters,
// which each thread folds in only every so many page faults: with the
// server's 20 to 40 threads they were seen off by 8 MiB, half the process.
// smaps_rollup walks the page tables, so its Rss and Anonymous are exact;
// status is the fallback.
func readMemory(pid int) (rssKiB, anonKiB, threads int64) {
	status := procFields(fmt.Sprintf("/proc/%d/status", pid))
	threads = field(status, "Threads")
	if rollup := procFields(fmt.Sprintf("/proc/%d/smaps_rollup", pid)); field(rollup, "Rss") > 0 {
		return field(rollup, "Rss"), field(rollup, "Anonymous"), threads
	}
	return field(status, "VmRSS"), field(status, "RssAnon"), threads
}

// procFields reads the "Name: number ..." lines of a /proc file.
func procFields(path string) map[string]int64 {
	out := map[string]int64{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, _ := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(val)
		if len(fields) == 0 {
			continue
		}
		if n, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
			out[name] = n
		}
	}
	return out
}

// field is m[name], or -1 when absent.
func field(m map[string]int64, name string) int64 {
	if v, ok := m[name]; ok {
		return v
	}
	return -1
}

// releaseMemory asks the server to collect garbage and return its free
// pages to the operating system, and reports whether it did.
func releaseMemory(ctx context.Context, hc *http.Client, debugURL string) bool {
	resp, err := debugCall(ctx, hc, http.MethodPost, debugURL, releaseMemoryPath)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusNoContent
}

// debugCall sends one request to the debug endpoint; it outlives ctx's
// cancellation, as the samples after the run's end need.
func debugCall(ctx context.Context, hc *http.Client, method, debugURL, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), method, strings.TrimSuffix(debugURL, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	return hc.Do(req)
}

// releaseMemoryPath is server.ReleaseMemoryPath; the driver does not
// import the server, whose build it runs against.
const releaseMemoryPath = "/debug/signet/release-memory"

// debugValue reads the number after prefix on a line of a debug page.
func debugValue(ctx context.Context, hc *http.Client, debugURL, path, prefix string) int64 {
	return debugValues(ctx, hc, debugURL, path, prefix)[0]
}

// debugValues reads the number after each prefix on the lines of a debug
// page; -1 for one not found.
func debugValues(ctx context.Context, hc *http.Client, debugURL, path string, prefixes ...string) []int64 {
	out := make([]int64, len(prefixes))
	for i := range out {
		out[i] = -1
	}
	resp, err := debugCall(ctx, hc, http.MethodGet, debugURL, path)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return out
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		for i, prefix := range prefixes {
			if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok && out[i] == -1 {
				// "# Stack = 1234 / 5678" is in use / obtained.
				if f := strings.Fields(rest); len(f) > 0 {
					if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
						out[i] = n
					}
				}
			}
		}
	}
	return out
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

// Growth returns the measures of the pass criterion, all three taken with
// the load paused and every request answered, at the end of warm-up and
// after the run:
//
//   - resident memory is the process's anonymous resident memory
//     (RssAnon: heap, stacks, runtime) right after the server collected
//     garbage and returned its free pages to the operating system. Under
//     load it swings by a fifth within seconds as the heap fills and is
//     collected, more than the 10% growth the test must detect; released
//     and paused it is what the process retains, so growth is a leak. The
//     file-backed rest of VmRSS is the page cache of the memory-mapped
//     metadata file, which grows with the stored metadata, not with the
//     process; it is reported in Extra.
//   - goroutines and open files swing with the requests in flight under
//     load (a connection has one goroutine idle, two busy); paused they
//     are the server's own plus one per open connection.
func (r *Report) Growth() []Growth {
	retained := r.quiet("resident memory retained (anonymous, paused, freed pages returned; KiB)", func(s Sample) int64 {
		if !s.Released {
			return -1
		}
		return s.AnonKiB
	})
	return []Growth{
		retained,
		r.quiet("goroutines", func(s Sample) int64 { return s.Goroutines }),
		r.quiet("open files", func(s Sample) int64 { return s.FDs }),
	}
}

// Extra are measures reported but not judged: VmRSS under load (the
// median of the samples of the last tenth of warm-up against that of the
// last tenth of the run) and its anonymous and file-backed parts (the
// binary and, above all, the pages of the memory-mapped metadata file,
// which grow with the file and which the kernel can reclaim), VmRSS
// paused after the release, the live heap after a collection, and OS
// threads, which follow blocking system calls.
func (r *Report) Extra() []Growth {
	return []Growth{
		r.windowed("resident memory under load (KiB)", func(s Sample) int64 { return s.RSSKiB }),
		r.windowed("anonymous memory under load (KiB)", func(s Sample) int64 { return s.AnonKiB }),
		r.windowed("file-backed memory under load (KiB)", func(s Sample) int64 {
			if s.RSSKiB < 0 || s.AnonKiB < 0 {
				return -1
			}
			return s.RSSKiB - s.AnonKiB
		}),
		r.quiet("resident memory paused, freed pages returned (KiB)", func(s Sample) int64 { return s.RSSKiB }),
		r.quiet("live heap after GC (KiB)", func(s Sample) int64 { return s.LiveHeap >> 10 }),
		r.quiet("heap spans in use after GC (KiB)", func(s Sample) int64 { return s.HeapInuse >> 10 }),
		r.quiet("goroutine stacks (KiB)", func(s Sample) int64 { return s.StackInuse >> 10 }),
		r.quiet("memory the Go runtime got from the OS (Sys, KiB)", func(s Sample) int64 { return s.RuntimeSys >> 10 }),
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

// Resources counts what a server holds that a leak would grow: its
// goroutines and its open files.
type Resources struct {
	Goroutines, FDs int64 // -1 when unreadable
}

// CountResources reads the goroutines of the server at debugURL (its
// --debug-addr) and the open files of process pid. Each call opens and
// closes its own connection, so that counting leaves nothing behind: a
// drained server gives the same counts every time.
func CountResources(ctx context.Context, pid int, debugURL string) Resources {
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	defer hc.CloseIdleConnections()
	r := Resources{Goroutines: -1, FDs: -1}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		r.FDs = int64(len(ents))
	}
	r.Goroutines = debugValue(ctx, hc, debugURL, "/debug/pprof/goroutine?debug=1", "goroutine profile: total ")
	return r
}

// ReadRSSKiB reads process pid's resident memory in KiB as the samples
// do (smaps_rollup's Rss, else VmRSS), -1 when unreadable: for drivers
// that watch a server's peak rather than its growth over a soak.
func ReadRSSKiB(pid int) int64 {
	rss, _, _ := readMemory(pid)
	return rss
}
