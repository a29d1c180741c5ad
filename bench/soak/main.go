// Command soak loads a running signet server with the soak test's mixed
// load (package bench/soak/load) and prints the report: operations,
// statuses, and the growth of the server's memory, goroutines and open
// files. It exits 1 when the run fails the criterion (any 5xx, any failed
// operation, or a measure grown by -max-growth or more), 2 on bad usage.
//
// scripts/soak builds and starts a fresh server and runs this against it.
// The root credentials come from the environment (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY) so they never appear on a command line:
//
//	soak -endpoint http://127.0.0.1:9000 -pid PID -debug-url http://127.0.0.1:6060 -duration 30m
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"signet/bench/soak/load"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg load.Config
	fs.StringVar(&cfg.Endpoint, "endpoint", "", "the server's URL (required)")
	fs.StringVar(&cfg.Region, "region", "us-east-1", "the server's region")
	fs.DurationVar(&cfg.Duration, "duration", time.Minute, "how long to load the server, after setup")
	fs.IntVar(&cfg.Conns, "conns", 64, "concurrent connections (one request at a time each)")
	fs.Float64Var(&cfg.Warmup, "warmup", 0.2, "fraction of the duration after which growth is measured")
	fs.DurationVar(&cfg.SampleEvery, "sample", 0, "how often to sample the server (default duration/120, at least 250ms)")
	fs.IntVar(&cfg.PID, "pid", 0, "the server's process ID, to sample /proc/PID (0: no sampling)")
	fs.StringVar(&cfg.DebugURL, "debug-url", "", "the server's --debug-addr as http://HOST:PORT, to count goroutines")
	seed := fs.Uint64("seed", 0, "seed of the operation mix (0: random)")
	maxGrowth := fs.Float64("max-growth", 0.10, "largest growth of memory, goroutines and open files that passes")
	samples := fs.String("samples", "", "also write every sample to this CSV file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cfg.Seed = *seed
	cfg.AccessKeyID, cfg.SecretAccessKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if cfg.Endpoint == "" || cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		fmt.Fprintln(stderr, "soak: -endpoint and the root credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required")
		return 2
	}
	cfg.Log = stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := load.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "soak:", err)
		return 1
	}
	rep.WriteMarkdown(stdout, *maxGrowth)
	if *samples != "" {
		if err := writeSamples(rep, *samples); err != nil {
			fmt.Fprintln(stderr, "soak:", err)
			return 1
		}
	}
	if len(rep.Problems(*maxGrowth)) > 0 {
		return 1
	}
	return 0
}

func writeSamples(rep *load.Report, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteSamplesCSV(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
