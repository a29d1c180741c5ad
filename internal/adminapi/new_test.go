package adminapi_test

import (
	"testing"

	"signet/internal/adminapi"
)

// mustNew is adminapi.New for a Config the test has completed.
func mustNew(t testing.TB, cfg adminapi.Config) *adminapi.API {
	t.Helper()
	a, err := adminapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// New refuses a Config without its required dependencies, naming them.
func TestNewNamesMissingDependencies(t *testing.T) {
	f := newFixture(t, true)
	if _, err := adminapi.New(adminapi.Config{DevClock: true}); err == nil || err.Error() != "adminapi.Config lacks Authz, Clock, ClockStore (with DevClock), Store" {
		t.Errorf("empty Config: %v", err)
	}
	if _, err := adminapi.New(adminapi.Config{Clock: f.clk, Store: f.store}); err == nil || err.Error() != "adminapi.Config lacks Authz" {
		t.Errorf("without Authz: %v", err)
	}
}
