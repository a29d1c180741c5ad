package explain

import "testing"

// New refuses a Config without its required dependencies, naming them.
func TestNewNamesMissingDependencies(t *testing.T) {
	if _, err := New(Config{}); err == nil || err.Error() != "explain.Config lacks Authz, Clock, DryRun, Keys, Store" {
		t.Errorf("empty Config: %v", err)
	}
}
