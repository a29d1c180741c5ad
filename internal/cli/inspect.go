package cli

import "fmt"

// runInspect is being written (issue 4); this placeholder keeps the package building.
func runInspect(env Env) int {
	fmt.Fprintln(env.Stderr, "signet inspect: not built yet")
	return 1
}
