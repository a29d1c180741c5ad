package stsapi

import "testing"

// New refuses a Config without its required dependencies, naming them.
func TestNewNamesMissingDependencies(t *testing.T) {
	f := newFixture(t)
	if _, err := New(Config{}); err == nil || err.Error() != "stsapi.Config lacks Authz, STS, Store" {
		t.Errorf("empty Config: %v", err)
	}
	if _, err := New(Config{STS: f.svc, Store: f.store}); err == nil || err.Error() != "stsapi.Config lacks Authz" {
		t.Errorf("without Authz: %v", err)
	}
}
