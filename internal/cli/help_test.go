package cli

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestHelpGolden runs --help of every command the specs declare, the
// top-level ones and each admin verb, and compares it with
// testdata/<path>_help.golden: a command without a golden file fails
// (go test -run TestHelpGolden -update writes it). -h prints the same, and
// every flag of the spec is in the help.
func TestHelpGolden(t *testing.T) {
	for _, s := range allSpecs() {
		name := strings.ReplaceAll(s.path, " ", "_")
		t.Run(name, func(t *testing.T) {
			args := append(strings.Fields(s.path), "--help")
			code, stdout, stderr := run(args...)
			var b strings.Builder
			b.WriteString("$ signet " + strings.Join(args, " ") + "\nexit " + strconv.Itoa(code) + "\n")
			if strings.HasPrefix(s.path, "admin ") {
				b.WriteString("-- requests --\n") // the admin goldens' shape; help sends none
			}
			b.WriteString("-- stdout --\n" + stdout + "-- stderr --\n" + stderr)
			compareGolden(t, filepath.Join("testdata", name+"_help.golden"), b.String())

			if code != 0 || stderr != "" {
				t.Errorf("--help: exit %d, stderr %q; want 0 and nothing", code, stderr)
			}
			for _, f := range s.flags {
				if !strings.Contains(stdout, "--"+f.name) {
					t.Errorf("--help never names --%s", f.name)
				}
			}
			short := append(strings.Fields(s.path), "-h")
			if c, out, _ := run(short...); c != code || out != stdout {
				t.Errorf("-h: exit %d and output differ from --help's", c)
			}
		})
	}
}
