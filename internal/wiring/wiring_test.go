package wiring

import "testing"

func TestRequire(t *testing.T) {
	if err := Require("x.Config", map[string]bool{"A": true, "B": true}); err != nil {
		t.Errorf("all set: %v", err)
	}
	if err := Require("x.Config", nil); err != nil {
		t.Errorf("nothing required: %v", err)
	}
	err := Require("x.Config", map[string]bool{"Clock": false, "Authz": false, "Meta": true})
	if err == nil || err.Error() != "x.Config lacks Authz, Clock" {
		t.Errorf("two missing: %v", err)
	}
}
