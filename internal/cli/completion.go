package cli

import "fmt"

// runCompletion is being written (issue 4); this placeholder keeps the package building.
func runCompletion(env Env) int {
	fmt.Fprintln(env.Stderr, "signet completion: not built yet")
	return 1
}
