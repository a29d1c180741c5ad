package iam

import "testing"

// New refuses a Config without its required dependencies, naming them.
func TestNewNamesMissingDependencies(t *testing.T) {
	if _, err := New(Config{Account: "123456789012"}); err == nil || err.Error() != "iam.Config lacks Clock, Sealer, Store" {
		t.Errorf("empty Config: %v", err)
	}
}
