package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const unitPath = "../contrib/systemd/signet.service"

// TestSystemdUnitVerifies runs `systemd-analyze verify` on
// contrib/systemd/signet.service with its ExecStart pointed at the signet
// binary under test (verify checks that it exists). verify exits 0 on
// unknown keys and bad values, only warning, so any line it prints about
// the unit fails the test.
func TestSystemdUnitVerifies(t *testing.T) {
	t.Parallel()
	analyze := requireSystemdAnalyze(t)
	unit, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(unit, []byte("ExecStart=/usr/local/bin/signet ")) {
		t.Fatalf("%s: ExecStart no longer starts with /usr/local/bin/signet, which this test replaces", unitPath)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "signet.service")
	if err := os.WriteFile(path, bytes.Replace(unit, []byte("ExecStart=/usr/local/bin/signet"), []byte("ExecStart="+binPath), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", "--man=no", "--generators=no", path)
	cmd.Env = append(cleanEnv(), "SYSTEMD_LOG_LEVEL=notice", "SYSTEMD_LOG_COLOR=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze verify %s: %v\n%s", unitPath, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "signet.service") || strings.Contains(line, binPath) {
			t.Errorf("systemd-analyze verify: %s", line)
		} else if strings.TrimSpace(line) != "" {
			t.Logf("systemd-analyze verify (not about the unit): %s", line)
		}
	}
}

// TestSystemdUnitExecStartServes runs the unit's ExecStart as systemd
// would, with %S and %d (the state and credentials directories) made
// temporary directories holding the two credentials LoadCredential=
// provides, and checks that signet serves with the root key from the
// credentials file. The unit's flags and the credential files are thus
// checked against this binary, not only its syntax.
func TestSystemdUnitExecStartServes(t *testing.T) {
	t.Parallel()
	unit, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	args := execStart(t, string(unit))
	dir := t.TempDir()
	state, creds := filepath.Join(dir, "state"), filepath.Join(dir, "credentials")
	if err := os.MkdirAll(creds, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(creds, "root-credentials.json"),
		[]byte(`{"access_key_id":"`+rootAK+`","secret_access_key":"`+rootSK+`"}`), 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(creds, "sealing.key"), []byte(hex.EncodeToString(bytes.Repeat([]byte{7}, 32))+"\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		a = strings.ReplaceAll(a, "%S", state)
		a = strings.ReplaceAll(a, "%d", creds)
		if i > 0 && args[i-1] == "--addr" {
			a = addr
		}
		args[i] = a
	}
	if args[0] != "/usr/local/bin/signet" {
		t.Fatalf("ExecStart runs %s, want /usr/local/bin/signet", args[0])
	}
	cmd := exec.Command(binPath, args[1:]...)
	cmd.Env = append(cleanEnv(), "HOME="+dir)
	p := &signetProc{cmd: cmd, host: addr, endpoint: "http://" + addr, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{}),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.done) }()
	track(p)
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("stopping signet: %v", err)
		}
	})
	waitHealthy(t, p)
	if _, err := sdkClient(p.endpoint, p.client).ListBuckets(context.Background(), &s3.ListBucketsInput{}); err != nil {
		t.Errorf("ListBuckets with the root key from the credentials file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(state, "signet", "sealing.key")); !os.IsNotExist(err) {
		t.Errorf("the data directory holds a sealing.key (%v); the unit's key comes from the credentials directory", err)
	}
}

// execStart is the unit's ExecStart= command line, split into words
// (continuation lines joined; the unit uses no quoting).
func execStart(t *testing.T, unit string) []string {
	t.Helper()
	joined := strings.ReplaceAll(unit, "\\\n", " ")
	for _, line := range strings.Split(joined, "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="); ok {
			return strings.Fields(rest)
		}
	}
	t.Fatalf("%s has no ExecStart=", unitPath)
	return nil
}

func waitHealthy(t *testing.T, p *signetProc) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-p.done:
			t.Fatalf("signet exited before /healthz answered: %v\n%s", p.waitErr, p.stderr)
		default:
		}
		resp, err := p.client.Get(p.endpoint + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz did not answer within 1m: %v\n%s", err, p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// requireSystemdAnalyze returns systemd-analyze's path, or skips (fails
// with SIGNET_REQUIRE_SYSTEMD=1, as .ci/run sets) when it is absent.
func requireSystemdAnalyze(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("systemd-analyze"); err == nil {
		return p
	}
	if os.Getenv("SIGNET_REQUIRE_SYSTEMD") == "1" {
		t.Fatal("SIGNET_REQUIRE_SYSTEMD=1 but systemd-analyze is not on PATH; install it: apt-get install systemd")
	}
	t.Skip("systemd-analyze is not installed (apt-get install systemd); set SIGNET_REQUIRE_SYSTEMD=1 to make this a failure")
	return ""
}
