package s3api

import (
	"strings"
	"testing"
)

// New refuses a Config without its required dependencies, naming each
// one, and never falls back to a default authoriser: which requests are
// allowed must be asked for.
func TestNewNamesMissingDependencies(t *testing.T) {
	e := newEnv(t)
	complete := e.cfg
	cases := []struct {
		name string
		drop func(*Config)
	}{
		{"Meta", func(c *Config) { c.Meta = nil }},
		{"Blobs", func(c *Config) { c.Blobs = nil }},
		{"Auth", func(c *Config) { c.Auth = nil }},
		{"Authz", func(c *Config) { c.Authz = nil }},
		{"Clock", func(c *Config) { c.Clock = nil }},
	}
	for _, c := range cases {
		cfg := complete
		c.drop(&cfg)
		a, err := New(cfg)
		if err == nil || a != nil {
			t.Errorf("without %s: %v, %v; want an error", c.name, a, err)
			continue
		}
		if want := "s3api.Config lacks " + c.name; err.Error() != want {
			t.Errorf("without %s: %q, want %q", c.name, err, want)
		}
	}
	if _, err := New(Config{}); err == nil || err.Error() != "s3api.Config lacks Auth, Authz, Blobs, Clock, Meta" {
		t.Errorf("empty Config: %v", err)
	}
}

// The optional fields have the defaults their comments promise.
func TestNewOptionalDefaults(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Region, c.Logger, c.Policies = "", nil, nil })
	e.bucket("bkt")
	w := e.mustDo(200, "GET", "/bkt?location", "")
	// us-east-1 is reported as an empty LocationConstraint, as on AWS.
	if !strings.Contains(w.Body.String(), "<LocationConstraint") {
		t.Errorf("location: %s", w.Body)
	}
	if e.h.cfg.Region != "us-east-1" || e.h.log == nil {
		t.Errorf("region %q, logger %v", e.h.cfg.Region, e.h.log)
	}
	expectErr(t, e.do("GET", "/bkt?policy", nil), 501, "NotImplemented")
}
