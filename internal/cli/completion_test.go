package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// everyFlag lists, from the command specs themselves rather than the
// completion tree, each command path and the flags it takes.
func everyFlag() map[string][]string {
	out := map[string][]string{}
	for _, s := range allSpecs() {
		for _, f := range s.flags {
			out[s.path] = append(out[s.path], f.name)
		}
		out[s.path] = append(out[s.path], "help")
	}
	return out
}

// allSpecs are the specs of every runnable command: the top-level ones
// and each admin verb.
func allSpecs() []*cmdSpec {
	var specs []*cmdSpec
	for _, c := range commands() {
		if c.spec != nil {
			specs = append(specs, c.spec())
		}
	}
	for _, c := range adminCommands() {
		specs = append(specs, c.spec(&adminOpts{}))
	}
	return specs
}

func completionScript(t *testing.T, shell string) string {
	t.Helper()
	code, out, errs := run("completion", shell)
	if code != 0 || errs != "" || out == "" {
		t.Fatalf("signet completion %s: exit %d, stderr %q", shell, code, errs)
	}
	return out
}

// TestCompletionMentionsEverything: each script offers every command,
// admin group and verb, and every flag of every command.
func TestCompletionMentionsEverything(t *testing.T) {
	for _, shell := range completionShells {
		t.Run(shell, func(t *testing.T) {
			s := completionScript(t, shell)
			var want []string
			for _, c := range commands() {
				want = append(want, c.name)
			}
			for _, g := range adminGroups {
				want = append(want, g.name)
			}
			for _, c := range adminCommands() {
				want = append(want, c.verb)
			}
			for _, w := range want {
				if !regexp.MustCompile(`\b` + regexp.QuoteMeta(w) + `\b`).MatchString(s) {
					t.Errorf("%s script never mentions %q", shell, w)
				}
			}
			for path, flags := range everyFlag() {
				for _, f := range flags {
					spelled := "--" + f
					if shell == "fish" {
						spelled = "-l " + f
					}
					if !strings.Contains(s, spelled) {
						t.Errorf("%s script lacks %s of %q", shell, spelled, path)
					}
				}
			}
			// A few by name, in case the tables above lost them too.
			for _, f := range []string{"trust-policy", "max-session-duration", "force", "dev-clock-force", "response-content-disposition", "offline", "all"} {
				if !strings.Contains(s, f) {
					t.Errorf("%s script lacks %s", shell, f)
				}
			}
		})
	}
}

func TestCompletionUsage(t *testing.T) {
	if code, out, _ := run("completion", "--help"); code != 0 || !strings.Contains(out, "source <(signet completion bash)") || !strings.Contains(out, "completions/signet.fish") {
		t.Errorf("--help: %d %q", code, out)
	}
	for _, args := range [][]string{{}, {"tcsh"}, {"bash", "zsh"}} {
		code, out, errs := run(append([]string{"completion"}, args...)...)
		if code != 2 || out != "" || !strings.Contains(errs, "Usage: signet completion bash|zsh|fish") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and the usage", args, code, out, errs)
		}
	}
}

// bashComplete runs the bash script's completion function on line (the
// words before the cursor, then the word being completed) in dir, and
// returns the candidates.
func bashComplete(t *testing.T, script, dir string, line ...string) []string {
	t.Helper()
	var quoted []string
	for _, w := range line {
		quoted = append(quoted, shQuote(w))
	}
	prog := "source " + shQuote(script) + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
		strconv.Itoa(len(line)-1) + "\n_signet\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
	cmd := exec.Command("bash", "--norc", "--noprofile", "-c", prog)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

// TestCompletionBash checks the bash script parses, registers itself, and
// completes what a person would type.
func TestCompletionBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash is needed for this test: %v", err)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "signet.bash")
	if err := os.WriteFile(script, []byte(completionScript(t, "bash")), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	out, err := exec.Command(bash, "--norc", "--noprofile", "-c", "source "+shQuote(script)+"; complete -p signet").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "complete -F _signet signet" {
		t.Fatalf("complete -p signet: %v %q", err, out)
	}
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "trust.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(work, "signet-data"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "signet.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		line []string
		want []string // exactly, sorted
	}{
		{[]string{"signet", ""}, []string{"admin", "completion", "help", "inspect", "presign", "server", "version"}},
		{[]string{"signet", "ad"}, []string{"admin"}},
		{[]string{"signet", "admin", ""}, []string{"backup", "clock", "key", "revoke", "role", "root", "session", "url", "user"}},
		{[]string{"signet", "admin", "user", ""}, []string{"attach", "create", "delete", "delete-policy", "detach", "list", "password", "put-policy", "show"}},
		{[]string{"signet", "admin", "revoke", ""}, []string{"role", "user"}},
		{[]string{"signet", "admin", "user", "delete", "alice", "--f"}, []string{"--force"}},
		{[]string{"signet", "admin", "role", "create", "reader", "--trust", "alice", "--p"}, []string{"--policy", "--profile"}},
		{[]string{"signet", "admin", "--endpoint-url", "http://h:9", "key", "create", "alice", "--j"}, []string{"--json"}},
		{[]string{"signet", "admin", "session", "list", "--"}, []string{"--all", "--endpoint-url", "--help", "--json", "--profile", "--region"}},
		{[]string{"signet", "admin", "role", "create", "r", "--trust-policy", "tr"}, []string{"trust.json"}},
		{[]string{"signet", "admin", "role", "create", "r", "--trust", ""}, nil},
		{[]string{"signet", "admin", "user", "put-policy", "alice", "p", "--policy-document", "tr"}, []string{"trust.json"}},
		// root export reads a local file: no server flags.
		{[]string{"signet", "admin", "root", "export", "--"}, []string{"--data-dir", "--help", "--json"}},
		{[]string{"signet", "admin", "root", "export", "--data-dir", "sig"}, []string{"signet-data"}}, // not signet.txt
		{[]string{"signet", "admin", "user", "show", ""}, nil},
		{[]string{"signet", "presign", "s3://b/k", "--method", ""}, []string{"DELETE", "GET", "HEAD", "POST", "PUT"}},
		{[]string{"signet", "presign", "--up"}, []string{"--upload-id", "--uploads"}},
		{[]string{"signet", "presign", "--response-content-d"}, []string{"--response-content-disposition"}},
		{[]string{"signet", "inspect", "--o"}, []string{"--offline"}},
		{[]string{"signet", "server", "--log-level", ""}, []string{"debug", "error", "info", "warn"}},
		{[]string{"signet", "server", "--dev"}, []string{"--dev-clock", "--dev-clock-force"}},
		{[]string{"signet", "completion", ""}, []string{"bash", "fish", "zsh"}},
		{[]string{"signet", "completion", "bash", ""}, nil},
	}
	for _, c := range cases {
		got := bashComplete(t, script, work, c.line...)
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: got %q, want %q", strings.Join(c.line, " "), got, c.want)
		}
	}
}

// TestCompletionZshAndFish checks the zsh and fish scripts register
// their completion, and, where the shell is installed, that its own
// parser accepts the script and the completion is registered.
func TestCompletionZshAndFish(t *testing.T) {
	for _, sh := range []struct {
		shell    string
		register string // the line that hooks the completion in
		check    string // a shell command printing proof it is registered
		want     string
	}{
		{"zsh", "compdef _signet signet", "autoload -U compinit && compinit -u -D && source %s && print -r -- ${_comps[signet]}", "_signet"},
		{"fish", "complete -c signet -f", "source %s && complete -C 'signet admin ro'", "role\t"},
	} {
		t.Run(sh.shell, func(t *testing.T) {
			s := completionScript(t, sh.shell)
			if !strings.Contains(s, sh.register) {
				t.Fatalf("the %s script lacks %q", sh.shell, sh.register)
			}
			bin, err := exec.LookPath(sh.shell)
			if err != nil {
				t.Logf("%s is not installed: its parser was not run (apt-get install %s to run it)", sh.shell, sh.shell)
				return
			}
			script := filepath.Join(t.TempDir(), "signet."+sh.shell)
			if err := os.WriteFile(script, []byte(s), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(bin, "-n", script).CombinedOutput(); err != nil {
				t.Fatalf("%s -n: %v\n%s", sh.shell, err, out)
			}
			cmd := exec.Command(bin, "-c", strings.Replace(sh.check, "%s", shQuote(script), 1))
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", sh.shell, err, out)
			}
			if !strings.Contains(string(out), sh.want) {
				t.Errorf("%s: want %q in\n%s", sh.shell, sh.want, out)
			}
		})
	}
}
