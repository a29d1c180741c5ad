package sts

import "testing"

// New refuses a Config without its required dependencies, naming them: a
// session without an account would carry ARNs that name none.
func TestNewNamesMissingDependencies(t *testing.T) {
	f := newFixture(t)
	if _, err := New(Config{}); err == nil || err.Error() != "sts.Config lacks Account, Clock, Sealer, Store" {
		t.Errorf("empty Config: %v", err)
	}
	if _, err := New(Config{Store: f.store, Sealer: f.sealer, Clock: f.clk}); err == nil || err.Error() != "sts.Config lacks Account" {
		t.Errorf("without Account: %v", err)
	}
}
