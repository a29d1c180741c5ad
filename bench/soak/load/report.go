package load

import (
	"fmt"
	"io"
	"sort"
	"time"
)

// WriteMarkdown writes the report as the tables docs/reliability.md
// quotes: operations, HTTP statuses, and the growth of each sampled
// measure, then the verdict against maxGrowth.
func (r *Report) WriteMarkdown(out io.Writer, maxGrowth float64) {
	secs := r.Elapsed.Seconds()
	fmt.Fprintf(out, "Soak: %d connections, %v (warm-up %.0f%%), %d requests (%.0f/s), %d 5xx, %d without response, %d failed operations\n\n",
		r.Config.Conns, r.Elapsed.Round(time.Second), 100*r.Config.Warmup, r.Requests(), float64(r.Requests())/secs,
		r.ServerErrors(), r.NoResponse, r.FailedOps())

	fmt.Fprintf(out, "| operation | count | failed | p50 | p99 |\n|---|---:|---:|---:|---:|\n")
	names := make([]string, 0, len(r.Ops))
	for n := range r.Ops {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := r.Ops[n]
		fmt.Fprintf(out, "| %s | %d | %d | %v | %v |\n", n, s.Count, s.Failures, roundDur(s.Percentile(50)), roundDur(s.Percentile(99)))
	}

	fmt.Fprintf(out, "\n| HTTP status | responses |\n|---|---:|\n")
	codes := make([]int, 0, len(r.Status))
	for c := range r.Status {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		fmt.Fprintf(out, "| %d | %d |\n", c, r.Status[c])
	}
	fmt.Fprintf(out, "| no response | %d |\n", r.NoResponse)

	if len(r.Samples) > 0 {
		fmt.Fprintf(out, "\n| server measure | end of warm-up | end | growth | taken as | judged |\n|---|---:|---:|---:|---|---|\n")
		row := func(g Growth, judged string) {
			if !g.Measured {
				fmt.Fprintf(out, "| %s | - | - | not measured | %s | %s |\n", g.Name, g.How, judged)
				return
			}
			fmt.Fprintf(out, "| %s | %d | %d | %+.1f%% | %s | %s |\n", g.Name, g.Warm, g.End, 100*g.Ratio(), g.How, judged)
		}
		for _, g := range r.Growth() {
			row(g, fmt.Sprintf("yes (< %.0f%%)", 100*maxGrowth))
		}
		for _, g := range r.Extra() {
			row(g, "no")
		}
		fmt.Fprintf(out, "\n%d samples under load, every %v. Paused at %v: %s. After the run: %s.\n",
			len(r.Samples), r.Config.SampleEvery, r.QuietWarm.At.Round(time.Second), r.QuietWarm.summary(), r.QuietEnd.summary())
	}

	if probs := r.Problems(maxGrowth); len(probs) > 0 {
		fmt.Fprintf(out, "\nFAIL:\n")
		for _, p := range probs {
			fmt.Fprintf(out, "- %s\n", p)
		}
	} else {
		fmt.Fprintf(out, "\nPASS: 0 5xx, 0 failed operations, resident memory, goroutines and open files grew less than %.0f%%\n", 100*maxGrowth)
	}
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Microsecond:
		return d.Round(10 * time.Microsecond)
	}
	return d
}
