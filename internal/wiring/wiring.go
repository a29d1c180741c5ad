// Package wiring holds signet's one rule for constructors: a constructor
// refuses a Config that lacks a required dependency, with an error naming
// every missing field, and never replaces it with a default (an
// authoriser that allows, the wall clock) or leaves it to fail on first
// use; each optional field's comment says what its zero value means.
//
// A dependency is required when choosing it is a security or correctness
// decision the caller must make (who may do what, which clock judges
// lifetimes, where bytes and identities live); it is optional when its
// zero value is safe and documented (no logger discards, no region means
// us-east-1).
package wiring

import (
	"fmt"
	"sort"
	"strings"
)

// Require returns an error naming, in alphabetical order, the fields of
// config whose set is false, or nil when all are set. config names the
// struct in the error, e.g. "s3api.Config".
func Require(config string, set map[string]bool) error {
	var missing []string
	for name, ok := range set {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return fmt.Errorf("%s lacks %s", config, strings.Join(missing, ", "))
}
