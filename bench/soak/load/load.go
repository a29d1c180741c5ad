// Package load is the soak test's load driver: a bounded, mixed load on a
// running signet server through unchanged aws-sdk-go-v2 clients, with the
// server process's resident memory, goroutines and open files sampled as
// it runs.
//
// The load is Conns workers, each sending one request at a time over one
// shared pool of at most Conns connections, for Duration. It is bounded in
// space too: writes overwrite a fixed set of keys, so the data directory
// does not grow with time. The mix (weights in ops.go): presigned GET and
// PUT (root and STS session credentials), header-signed GET, PUT, HEAD,
// List and DELETE, multipart uploads (completed, or aborted), and STS
// AssumeRole and GetSessionToken whose credentials are used at once. Every
// request is one that must succeed; each response's bytes are checked.
//
// bench/soak (a command) and e2e's TestSoak drive it; scripts/soak starts
// a fresh server and runs the command. docs/reliability.md has the figures.
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes one soak run.
type Config struct {
	// Endpoint is the server's URL, e.g. http://127.0.0.1:9000.
	Endpoint string
	// Region the server answers for; default us-east-1.
	Region string
	// AccessKeyID and SecretAccessKey are root credentials: the driver
	// creates a bucket, an IAM user and a role for the run.
	AccessKeyID, SecretAccessKey string
	// Duration of the load, after setup.
	Duration time.Duration
	// Ops, when positive, ends the load after this many operations have
	// been started (or at Duration, whichever comes first): a bounded
	// workload whose size does not depend on the machine's speed.
	Ops int64
	// Conns is the number of workers and the connection pool's limit;
	// default 64.
	Conns int
	// Warmup is the fraction of Duration after which memory, goroutines
	// and open files are the baseline growth is measured against;
	// default 0.2.
	Warmup float64
	// SampleEvery is the sampling period; default Duration/120, at
	// least 250 ms.
	SampleEvery time.Duration
	// PID is the server's process ID, read in /proc; 0 samples nothing.
	PID int
	// DebugURL is the server's --debug-addr as a URL
	// (http://127.0.0.1:6060); goroutines are counted there. Empty: not
	// counted.
	DebugURL string
	// Log receives a progress line now and then; nil: none.
	Log io.Writer
	// Seed makes the choice of operations repeatable; 0 picks one.
	Seed uint64
}

func (c *Config) defaults() error {
	if c.Endpoint == "" || c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return errors.New("load: the endpoint and root credentials are required")
	}
	if c.Duration <= 0 {
		return errors.New("load: the duration must be positive")
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Conns <= 0 {
		c.Conns = 64
	}
	if c.Warmup <= 0 || c.Warmup >= 1 {
		c.Warmup = 0.2
	}
	if c.SampleEvery <= 0 {
		c.SampleEvery = max(c.Duration/120, 250*time.Millisecond)
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Seed == 0 {
		c.Seed = rand.Uint64()
	}
	return nil
}

// OpStats counts one kind of operation.
type OpStats struct {
	Count    int64
	Failures int64
	// Latencies of successful operations, for percentiles.
	lat []time.Duration
}

// Percentile returns the p-th percentile (0 < p <= 100) of the
// successful operations' latencies.
func (s *OpStats) Percentile(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	l := append([]time.Duration(nil), s.lat...)
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	i := int(float64(len(l))*p/100+0.5) - 1
	return l[min(max(i, 0), len(l)-1)]
}

// Report is the outcome of a run.
type Report struct {
	Config  Config
	Elapsed time.Duration
	// Ops by operation name (see ops.go).
	Ops map[string]*OpStats
	// Status counts every HTTP response by status code; NoResponse
	// counts requests that got none.
	Status     map[int]int64
	NoResponse int64
	// Failures lists the first failed operations, with their error.
	Failures []string
	// Samples of the server process under load, in time order.
	Samples []Sample
	// QuietWarm and QuietEnd are taken with no request in flight: at the
	// end of warm-up (the load pauses for it) and after the run.
	QuietWarm, QuietEnd Sample
}

// Requests is the number of HTTP responses.
func (r *Report) Requests() int64 {
	var n int64
	for _, c := range r.Status {
		n += c
	}
	return n
}

// ServerErrors counts 5xx responses.
func (r *Report) ServerErrors() int64 {
	var n int64
	for st, c := range r.Status {
		if st >= 500 {
			n += c
		}
	}
	return n
}

// FailedOps counts operations that should have succeeded and did not.
func (r *Report) FailedOps() int64 {
	var n int64
	for _, s := range r.Ops {
		n += s.Failures
	}
	return n
}

// Run sets up the bucket, objects and identities, then loads the server
// for cfg.Duration (or until ctx ends) and returns what it saw. An error
// means the run could not be made (setup failed); a run whose requests
// failed returns a Report whose Problems say so.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	counter := &statusCounter{next: &http.Transport{
		Proxy:               nil,
		MaxConnsPerHost:     cfg.Conns,
		MaxIdleConns:        cfg.Conns,
		MaxIdleConnsPerHost: cfg.Conns,
		IdleConnTimeout:     time.Minute,
	}, status: map[int]int64{}}
	defer counter.next.CloseIdleConnections()
	w, err := setup(ctx, cfg, &http.Client{Transport: counter, Timeout: 2 * time.Minute})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Log, "soak: %d connections for %v against %s (seed %d)\n", cfg.Conns, cfg.Duration, cfg.Endpoint, cfg.Seed)

	rep := &Report{Config: cfg, Ops: map[string]*OpStats{}}
	var mu sync.Mutex
	record := func(name string, d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		s := rep.Ops[name]
		if s == nil {
			s = &OpStats{}
			rep.Ops[name] = s
		}
		s.Count++
		if err != nil {
			s.Failures++
			if len(rep.Failures) < 20 {
				rep.Failures = append(rep.Failures, fmt.Sprintf("%s: %v", name, err))
			}
			return
		}
		s.lat = append(s.lat, d)
	}

	// The sampler's requests go around the counter and the pool.
	probe := &http.Client{Timeout: time.Minute, Transport: &http.Transport{Proxy: nil}}
	defer probe.CloseIdleConnections()
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	began := time.Now()
	sampler := startSampler(runCtx, cfg, probe, began)
	// Workers hold gate shared for each operation; pausing takes it
	// exclusively, which waits for the operations in flight and holds
	// back new ones.
	var gate sync.RWMutex
	var done, started atomic.Int64
	var wg sync.WaitGroup
	for i := range cfg.Conns {
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
		wg.Go(func() {
			for runCtx.Err() == nil {
				if cfg.Ops > 0 && started.Add(1) > cfg.Ops {
					cancel()
					return
				}
				op := pick(rng)
				gate.RLock()
				t0 := time.Now()
				// An operation runs to its end even when the run's
				// time is up, so that none is cut off and counted as
				// failed.
				opCtx, opCancel := context.WithTimeout(context.WithoutCancel(runCtx), time.Minute)
				err := op.run(opCtx, w, rng)
				opCancel()
				d := time.Since(t0)
				gate.RUnlock()
				record(op.name, d, err)
				done.Add(1)
			}
		})
	}
	progress := time.NewTicker(max(cfg.Duration/10, time.Second))
	defer progress.Stop()
	warmup := time.NewTimer(time.Duration(float64(cfg.Duration) * cfg.Warmup))
	defer warmup.Stop()
wait:
	for {
		select {
		case <-runCtx.Done():
			break wait
		case <-warmup.C:
			gate.Lock()
			rep.QuietWarm = quietSample(runCtx, cfg, probe, began)
			gate.Unlock()
			fmt.Fprintf(cfg.Log, "soak: %v: end of warm-up: %s\n", time.Since(began).Round(time.Second), rep.QuietWarm.summary())
		case <-progress.C:
			fmt.Fprintf(cfg.Log, "soak: %v: %d operations, %d failed\n", time.Since(began).Round(time.Second), done.Load(), rep.failedLocked(&mu))
		}
	}
	wg.Wait()
	rep.Elapsed = time.Since(began)
	rep.Samples = sampler.stop()
	rep.QuietEnd = quietSample(ctx, cfg, probe, began)
	fmt.Fprintf(cfg.Log, "soak: %v: end: %s\n", rep.Elapsed.Round(time.Second), rep.QuietEnd.summary())
	rep.Status, rep.NoResponse = counter.snapshot()
	return rep, nil
}

// settle is how long a quiet sample waits after the last response: the
// server's handler goroutines end just after their response is sent.
const settle = 300 * time.Millisecond

func quietSample(ctx context.Context, cfg Config, probe *http.Client, began time.Time) Sample {
	time.Sleep(settle)
	return take(ctx, cfg, probe, time.Since(began), true)
}

func (s Sample) summary() string {
	return fmt.Sprintf("RSS %d KiB, live heap %d KiB, %d goroutines, %d open files, %d threads", s.RSSKiB, s.LiveHeap>>10, s.Goroutines, s.FDs, s.Threads)
}

func (r *Report) failedLocked(mu *sync.Mutex) int64 {
	mu.Lock()
	defer mu.Unlock()
	return r.FailedOps()
}

// statusCounter counts the responses of every request the run sends.
type statusCounter struct {
	next       *http.Transport
	mu         sync.Mutex
	status     map[int]int64
	noResponse int64
}

func (s *statusCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(r)
	s.mu.Lock()
	if err != nil {
		s.noResponse++
	} else {
		s.status[resp.StatusCode]++
	}
	s.mu.Unlock()
	return resp, err
}

func (s *statusCounter) snapshot() (map[int]int64, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]int64, len(s.status))
	for k, v := range s.status {
		out[k] = v
	}
	return out, s.noResponse
}

// Problems returns why the run fails the soak criterion, none if it
// passes: no 5xx, no request without a response, no failed operation, and
// each of resident memory, goroutines and open files grown by less than
// maxGrowth (0.10 for 10%) from the end of warm-up to the end.
func (r *Report) Problems(maxGrowth float64) []string {
	out := r.OperationProblems()
	for _, g := range r.Growth() {
		if g.Measured && g.Ratio() > maxGrowth {
			out = append(out, fmt.Sprintf("%s grew %.1f%% (from %d to %d) between the end of warm-up and the end, more than %.0f%%",
				g.Name, 100*g.Ratio(), g.Warm, g.End, 100*maxGrowth))
		}
	}
	return out
}

// OperationProblems is the part of Problems that does not depend on the
// machine: 5xx responses, requests without a response, failed operations.
func (r *Report) OperationProblems() []string {
	var out []string
	if n := r.ServerErrors(); n > 0 {
		out = append(out, fmt.Sprintf("%d responses were 5xx", n))
	}
	if r.NoResponse > 0 {
		out = append(out, fmt.Sprintf("%d requests got no response", r.NoResponse))
	}
	if n := r.FailedOps(); n > 0 {
		out = append(out, fmt.Sprintf("%d operations that should have succeeded failed: %s", n, strings.Join(r.Failures, "; ")))
	}
	if len(r.Ops) == 0 {
		out = append(out, "no operation ran")
	}
	return out
}
