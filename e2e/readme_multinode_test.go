package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"signet/internal/pgtest"
)

// TestREADMESeveralNodes runs the README's "Run several nodes" section as
// printed, on a throwaway PostgreSQL (SIGNET_META) and with free ports in
// place of 9001 to 9003: the shared files, the three `signet server`
// lines, and the client that writes through one node and reads through
// the others.
func TestREADMESeveralNodes(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	requireTool(t, "curl", "--version")
	requireTool(t, "bash", "--version")
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- several-nodes: ([a-z0-9-]+) -->\n```sh\n(.*?)```")
	var names []string
	blocks := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		names = append(names, m[1])
		blocks[m[1]] = m[2]
	}
	if want := "shared-files node1 node2 node3 client"; strings.Join(names, " ") != want {
		t.Fatalf("README several-nodes blocks %v, want %s", names, want)
	}
	var ports []string
	for i := range 3 {
		ports = append(ports, freeAddr(t))
		for name, block := range blocks {
			blocks[name] = strings.ReplaceAll(block, "127.0.0.1:900"+string(rune('1'+i)), ports[i])
		}
	}

	home, work := t.TempDir(), t.TempDir()
	env := map[string]string{
		"HOME":                      home,
		"PATH":                      filepath.Dir(binPath) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"AWS_EC2_METADATA_DISABLED": "true",
		"SIGNET_META":               pgtest.Start(t).CreateDatabase(t),
	}
	if out, errOut, code := runBlock(t, "set -e\n"+blocks["shared-files"], work, env); code != 0 {
		t.Fatalf("shared-files block: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, f := range []string{"sealing.key", "root-credentials.json"} {
		if fi, err := os.Stat(filepath.Join(work, "shared", f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("shared/%s: %v, want a 0600 file", f, err)
		}
	}
	for i, name := range []string{"node1", "node2", "node3"} {
		startReadmeNode(t, strings.TrimSpace(blocks[name]), work, ports[i], env)
	}
	stdout, stderr, code := runBlock(t, "set -e\n"+blocks["client"], work, env)
	if code != 0 || strings.Count(stdout, "written through node 1\n") != 2 {
		t.Fatalf("client block: exit %d, want the note read back through nodes 2 and 3\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// startReadmeNode runs one README `signet server` line with bash (so
// "$SIGNET_META" expands as in a terminal) and waits for its /healthz.
func startReadmeNode(t *testing.T, line, dir, addr string, env map[string]string) {
	t.Helper()
	if strings.Count(line, "\n") != 0 || !strings.HasPrefix(line, "signet server ") {
		t.Fatalf("README node block %q is not one 'signet server' line", line)
	}
	cmd := exec.Command("bash", "-c", "exec "+line)
	cmd.Dir = dir
	cmd.Env = envList(env)
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	p := &signetProc{endpoint: "http://" + addr, client: nodeHTTP()}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-exited:
			t.Fatalf("%s exited before /healthz answered\nstdout:\n%s\nstderr:\n%s", line, stdout.String(), stderr.String())
		default:
		}
		if status, body, err := p.healthz(); err == nil && status == 200 && body == "ok" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: /healthz did not answer ok within 2m\nstderr:\n%s", line, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
