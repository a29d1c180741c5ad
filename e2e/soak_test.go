package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/bench/soak/load"
)

// TestSoak is the CI form of the soak test (scripts/soak runs the long
// form): the mixed load of bench/soak/load at 64 connections for
// SIGNET_SOAK_DURATION (default 60s) against a fresh server started with
// --debug-addr, so that its goroutines can be counted. It fails on any
// 5xx, any operation that should have succeeded and did not, or a growth
// of 10% or more of the server's resident memory, goroutines or open files
// between the end of warm-up (the first 20%) and the end.
func TestSoak(t *testing.T) {
	d := 60 * time.Second
	if v := os.Getenv("SIGNET_SOAK_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d <= 0 {
			t.Fatalf("SIGNET_SOAK_DURATION=%q: want a positive duration such as 60s or 30m", v)
		}
	}
	debugAddr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	p, err := startSignet(filepath.Join(t.TempDir(), "data"), []string{"--debug-addr", debugAddr, "--log-level", "info"}, nil)
	if err != nil {
		t.Fatalf("starting signet --debug-addr %s: %v", debugAddr, err)
	}
	track(p)
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("stopping signet: %v", err)
		}
	})
	rep, err := load.Run(context.Background(), load.Config{
		Endpoint:        p.endpoint,
		AccessKeyID:     rootAK,
		SecretAccessKey: rootSK,
		Duration:        d,
		Conns:           64,
		PID:             p.cmd.Process.Pid,
		DebugURL:        "http://" + debugAddr,
		Log:             testLog{t},
	})
	if err != nil {
		t.Fatalf("soak setup: %v", err)
	}
	var out strings.Builder
	rep.WriteMarkdown(&out, 0.10)
	t.Logf("\n%s", out.String())
	for _, prob := range rep.Problems(0.10) {
		t.Error(prob)
	}
	if g := rep.Growth(); !g[0].Measured || !g[1].Measured || !g[2].Measured {
		t.Errorf("resident memory, goroutines and open files must all be measured: %+v", g)
	}
}

// testLog writes the driver's progress lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
