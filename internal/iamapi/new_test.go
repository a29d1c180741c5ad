package iamapi

import "testing"

// New refuses a Config without its required dependencies, naming them: an
// IAM API without an authoriser would let any signed caller manage users.
func TestNewNamesMissingDependencies(t *testing.T) {
	if _, err := New(Config{}); err == nil || err.Error() != "iamapi.Config lacks Authz, IAM" {
		t.Errorf("empty Config: %v", err)
	}
}
