package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/bench/soak/load"
)

// TestDrainedWorkloadLeavesNothingBehind is what the default suite keeps
// of the soak (scripts/soak runs the soak itself, whose resident-memory
// and timing figures depend on the machine's load and so are recorded in
// docs/reliability.md, not judged here). It judges only what a busy
// machine cannot change: once a workload has drained, the server holds
// exactly the goroutines and open files it held before it.
//
// The soak's mixed load (presigned and header-signed reads and writes,
// multipart uploads, STS sessions) runs twice against one server with
// --debug-addr, each time for a fixed count of operations and ending
// with its connections closed. The first run brings every lazily started
// piece of the server to life; the counts after it has drained are the
// baseline. The second, larger run must drain back to exactly that
// baseline: a goroutine or file descriptor kept per request, per
// connection or per session would show as a difference of at least one.
func TestDrainedWorkloadLeavesNothingBehind(t *testing.T) {
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
	// The start-up health check's keep-alive connection would otherwise
	// close whenever the server's idle timeout says, between two counts.
	p.client.CloseIdleConnections()
	debugURL := "http://" + debugAddr
	ctx := context.Background()
	workload := func(seed uint64, ops int64) {
		t.Helper()
		rep, err := load.Run(ctx, load.Config{
			Endpoint:        p.endpoint,
			AccessKeyID:     rootAK,
			SecretAccessKey: rootSK,
			// A bound, not a target: the run ends after ops operations.
			Duration: 20 * time.Minute,
			Ops:      ops,
			Conns:    32,
			Seed:     seed,
			Log:      testLog{t},
		})
		if err != nil {
			t.Fatalf("workload setup: %v", err)
		}
		if got := rep.Requests(); got < ops {
			t.Fatalf("the workload sent %d requests, want at least %d", got, ops)
		}
		for _, prob := range rep.OperationProblems() {
			t.Error(prob)
		}
	}

	workload(1, 400)
	base := settle(t, p.cmd.Process.Pid, debugURL, nil)
	t.Logf("drained after the first workload: %d goroutines, %d open files", base.Goroutines, base.FDs)

	workload(2, 3000)
	after := settle(t, p.cmd.Process.Pid, debugURL, &base)
	t.Logf("drained after the second workload: %d goroutines, %d open files", after.Goroutines, after.FDs)
	if after != base {
		t.Errorf("after a drained workload the server holds %d goroutines and %d open files, want exactly the %d and %d it held before it\n%s",
			after.Goroutines, after.FDs, base.Goroutines, base.FDs, goroutineDump(debugURL))
	}
}

// settle waits until the server's counts stop changing: its connection
// goroutines end, and its files close, a moment after the last response.
// With want, it waits for those counts instead, and gives up after a
// bound that only a leak reaches (counts are compared, not times).
func settle(t *testing.T, pid int, debugURL string, want *load.Resources) load.Resources {
	t.Helper()
	ctx := context.Background()
	var last load.Resources
	same := 0
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		r := load.CountResources(ctx, pid, debugURL)
		if r.Goroutines < 0 || r.FDs < 0 {
			t.Fatalf("cannot count the server's goroutines (%d) or open files (%d)", r.Goroutines, r.FDs)
		}
		if want != nil && r == *want {
			return r
		}
		if r == last {
			same++
		} else {
			same = 0
		}
		last = r
		// Stable for two seconds: drained.
		if want == nil && same >= 20 {
			return r
		}
	}
	return last
}

// goroutineDump is the server's goroutine profile, to tell what leaked.
func goroutineDump(debugURL string) string {
	resp, err := http.Get(debugURL + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return fmt.Sprintf("(goroutine profile unavailable: %v)", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return string(b)
}

// testLog writes the driver's progress lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
