package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// walkthroughBlocks returns the README's sh blocks marked
// <!-- walkthrough: NAME -->, by name, in the order they appear.
func walkthroughBlocks(t *testing.T) (names []string, blocks map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- walkthrough: ([a-z-]+) -->\n```sh\n(.*?)```")
	blocks = map[string]string{}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		names = append(names, m[1])
		blocks[m[1]] = m[2]
	}
	return names, blocks
}

// readmeServer runs one of the README's `signet server …` lines, on addr
// (SIGNET_ADDR, so the line stays as the README has it), and returns once
// its banner is out, with the banner's export lines applied to env.
func readmeServer(t *testing.T, line, dir, addr string, env map[string]string) (*readmeProc, string) {
	t.Helper()
	fields := strings.Fields(strings.SplitN(line, "#", 2)[0])
	if len(fields) < 2 || fields[0] != "signet" || fields[1] != "server" {
		t.Fatalf("README server block %q is not one 'signet server' line", line)
	}
	cmd := exec.Command(binPath, fields[1:]...)
	cmd.Dir = dir
	cmd.Env = append(envList(env), "SIGNET_ADDR="+addr)
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	// The banner is printed once the listener is bound; poll for its
	// last line as startSignetAt polls /healthz.
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(stdout.String(), "\nTry: ") {
		select {
		case <-exited:
			t.Fatalf("%s exited before its banner\nstdout:\n%s\nstderr:\n%s", line, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no banner within 2m\nstdout:\n%s\nstderr:\n%s", line, stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	banner := stdout.String()
	for _, l := range strings.Split(banner, "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "="); ok && strings.HasPrefix(l, "export ") {
			env[k] = v
		}
	}
	return &readmeProc{cmd: cmd, exited: exited}, banner
}

// readmeProc is a server the walk-through started.
type readmeProc struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func envList(env map[string]string) []string {
	out := cleanEnv()
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// stopServer stops a server as Ctrl-C does and waits for it to exit.
func stopServer(t *testing.T, p *readmeProc) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	if !p.cmd.ProcessState.Success() {
		t.Fatalf("server did not stop cleanly on SIGINT: %v", p.cmd.ProcessState)
	}
}

// runBlock runs a README block with bash in dir and env, as pasted.
func runBlock(t *testing.T, block, dir string, env map[string]string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", block)
	cmd.Dir = dir
	cmd.Env = envList(env)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return so.String(), se.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return so.String(), se.String(), 0
}

// TestREADMEWalkthrough runs the README's walk-through in order, in an
// empty home and working directory, with the built binary on PATH in
// place of `go install`: the first server, the AWS CLI against it, the
// first server stopped, the story's --dev-clock server and the story.
func TestREADMEWalkthrough(t *testing.T) {
	requireTool(t, "aws", "--version")
	requireTool(t, "curl", "--version")
	requireTool(t, "bash", "--version")
	names, blocks := walkthroughBlocks(t)
	if want := []string{"install", "first-server", "first-client", "story-server", "story-client"}; strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("README walk-through blocks %v, want %v", names, want)
	}
	if !strings.Contains(blocks["install"], "go install ./cmd/signet") {
		t.Fatalf("install block:\n%s", blocks["install"])
	}
	home, work := t.TempDir(), t.TempDir()
	env := map[string]string{
		"HOME": home,
		"PATH": filepath.Dir(binPath) + string(os.PathListSeparator) + os.Getenv("PATH"),
		// No instance metadata to wait for on a machine that has none.
		"AWS_EC2_METADATA_DISABLED": "true",
	}
	addr := freeAddr(t)

	first, banner := readmeServer(t, blocks["first-server"], work, addr, env)
	if env["AWS_SECRET_ACCESS_KEY"] == "" || env["AWS_ENDPOINT_URL"] != "http://"+addr {
		t.Fatalf("the first banner did not print the export lines the README says:\n%s", banner)
	}
	stdout, stderr, code := runBlock(t, "set -e\n"+blocks["first-client"], work, env)
	if code != 0 || !strings.Contains(stdout, "http://"+addr+"/presignedbucketexample/yawning-cat.jpg?") {
		t.Fatalf("first client block: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	stopServer(t, first)

	readmeServer(t, blocks["story-server"], work, addr, env)
	stdout, stderr, code = runBlock(t, blocks["story-client"], work, env)
	report := fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	for _, want := range []string{"\n200\n", "<Code>ExpiredToken</Code>", "session_expired"} {
		if !strings.Contains("\n"+stdout, want) {
			t.Errorf("story: stdout lacks %q\n%s", want, report)
		}
	}
	if code != 3 {
		t.Errorf("story: signet inspect should end it with exit status 3\n%s", report)
	}
	if !strings.Contains(stderr, "signet presign: warning: This URL stops working at") || !strings.Contains(stderr, "12h after signing") {
		t.Errorf("story: presign did not warn of the 12h session\n%s", report)
	}
	fi, err := os.Stat(filepath.Join(home, ".aws", "credentials"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("~/.aws/credentials: %v, want a 0600 file written by key create --profile", err)
	}
}

// freeAddr is a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestREADMELeakedLink runs the README's "Kill one leaked link" section
// as printed: the server line, then the client block, whose comments say
// what each command prints.
func TestREADMELeakedLink(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	requireTool(t, "curl", "--version")
	requireTool(t, "bash", "--version")
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- leaked-link: ([a-z-]+) -->\n```sh\n(.*?)```")
	blocks := map[string]string{}
	var names []string
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		names = append(names, m[1])
		blocks[m[1]] = m[2]
	}
	if strings.Join(names, " ") != "server client" {
		t.Fatalf("README leaked-link blocks %v, want server and client", names)
	}
	home, work := t.TempDir(), t.TempDir()
	env := map[string]string{
		"HOME":                      home,
		"PATH":                      filepath.Dir(binPath) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"AWS_EC2_METADATA_DISABLED": "true",
	}
	readmeServer(t, strings.TrimSpace(blocks["server"]), work, freeAddr(t), env)
	stdout, stderr, code := runBlock(t, blocks["client"], work, env)
	report := fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	if code != 0 {
		t.Fatalf("client block: %s", report)
	}
	for _, want := range []string{
		"revoked URL ", "<Code>AccessDenied</Code><Message>This presigned URL has been revoked.</Message>",
		"\n200\n", "verdict         invalid, url_revoked: ", `"pasted in a public channel"`,
		"revoked every URL key:" + env["AWS_ACCESS_KEY_ID"] + " signed before ", "\n403\n", "q3.txt",
		"uses of link ", "url_revoked (AccessDenied)",
	} {
		if !strings.Contains("\n"+stdout, want) {
			t.Errorf("stdout lacks %q\n%s", want, report)
		}
	}
	// The uses of the leaked link: the download, then the refusal.
	var uses []string
	for _, l := range strings.Split(stdout, "\n") {
		if f := strings.Fields(l); len(f) >= 6 && f[1] == "127.0.0.1" && f[2] == "GET" {
			uses = append(uses, strings.Join(f[3:], " "))
		}
	}
	if len(uses) != 2 || !strings.HasPrefix(uses[0], "403 ") || !strings.HasSuffix(uses[0], " url_revoked (AccessDenied)") || uses[1] != "200 11 ok" {
		t.Errorf("signet admin url uses listed %q, want the refusal then the 11-byte download\n%s", uses, report)
	}
	if strings.Index(stdout, "\n200\n") > strings.Index(stdout, "\n403\n") {
		t.Errorf("the other link was refused before the signer was revoked\n%s", report)
	}
}
