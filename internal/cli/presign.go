package cli

import "fmt"

// runPresign is being written (issue 4); this placeholder keeps the package building.
func runPresign(env Env) int {
	fmt.Fprintln(env.Stderr, "signet presign: not built yet")
	return 1
}
