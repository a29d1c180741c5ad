package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(Env{Ctx: context.Background(), Args: args, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

func TestUsageAndUnknownCommand(t *testing.T) {
	if code, out, _ := run("help"); code != 0 || !strings.Contains(out, "server") || !strings.Contains(out, "Examples:") {
		t.Fatalf("help: %d %q", code, out)
	}
	// No command is a usage error: the usage goes to stderr, stdout stays empty.
	if code, out, errs := run(); code != 2 || out != "" || !strings.Contains(errs, "Usage: signet <command>") {
		t.Fatalf("no command: %d stdout %q stderr %q", code, out, errs)
	}
	if code, _, errs := run("frobnicate"); code != 2 || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Fatalf("unknown: %d %q", code, errs)
	}
	if code, out, _ := run("version"); code != 0 || !strings.HasPrefix(out, "signet ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, out, _ := run("version", "--json"); code != 0 || out != `{"version": "`+Version+`"}`+"\n" {
		t.Fatalf("version --json: %d %q", code, out)
	}
	if code, out, _ := run("version", "--help"); code != 0 || !strings.Contains(out, "Examples:") {
		t.Fatalf("version --help: %d %q", code, out)
	}
	if code, _, errs := run("version", "extra"); code != 2 || !strings.Contains(errs, "--help") {
		t.Fatalf("version extra: %d %q", code, errs)
	}
}

func TestServerRejectsBadConfigBeforeStarting(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "nonsense"}, "--addr"},
		{[]string{"--tls-cert", "c.pem"}, "--tls-cert and --tls-key go together"},
		{[]string{"--no-such-flag"}, "flag provided but not defined"},
		{[]string{"--trusted-proxies", "10.0.0.0/8,10.0.0.300/32"}, `--trusted-proxies "10.0.0.300/32"`},
	}
	for _, c := range cases {
		args := append([]string{"server", "--data-dir", t.TempDir()}, c.args...)
		code, _, errs := run(args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: code %d stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// A stray positional argument is a usage error (exit 2), before any flag
// after it could be ignored, and before anything is created; errors and
// help name flags as --flag.
func TestServerRejectsStrayArguments(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"stray", "--dev-clock"}, `signet server: unexpected argument "stray"` + "\nRun 'signet server --help' for usage.\n"},
		{[]string{"--dev-clock", "stray"}, `signet server: unexpected argument "stray"`},
		{[]string{"--addr"}, "signet server: flag needs an argument: --addr\n"},
		{[]string{"--no-such-flag"}, "signet server: flag provided but not defined: --no-such-flag\n"},
	}
	for _, c := range cases {
		code, out, errs := run(append([]string{"server", "--data-dir", dir}, c.args...)...)
		if code != 2 || out != "" || !strings.HasPrefix(errs, c.want) {
			t.Errorf("%v: exit %d stdout %q stderr %q; want 2 and %q", c.args, code, out, errs, c.want)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused start created the data directory: %v", err)
	}
	if code, out, _ := run("server", "--help"); code != 0 || !strings.Contains(out, "  --dev-clock") || strings.Contains(out, "\n  -dev-clock") {
		t.Errorf("server --help does not name flags as --flag:\n%s", out)
	}
}
