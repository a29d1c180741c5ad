package config

import (
	"testing"
	"time"
)

func TestConnLimitsDefaultWhenZero(t *testing.T) {
	rh, r, idle, max := Config{}.ConnLimits()
	if rh != DefaultReadHeaderTimeout || r != DefaultReadTimeout || idle != DefaultIdleTimeout || max != DefaultMaxHeaderBytes {
		t.Errorf("zero config: %v %v %v %d, want the defaults", rh, r, idle, max)
	}
	d := Default()
	if d.ReadHeaderTimeout != 10*time.Second || d.ReadTimeout != 30*time.Minute || d.IdleTimeout != 2*time.Minute || d.MaxHeaderBytes != 64<<10 {
		t.Errorf("Default() limits: %v %v %v %d", d.ReadHeaderTimeout, d.ReadTimeout, d.IdleTimeout, d.MaxHeaderBytes)
	}
	c := Config{ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, IdleTimeout: 3 * time.Second, MaxHeaderBytes: 4096}
	if rh, r, idle, max := c.ConnLimits(); rh != time.Second || r != 2*time.Second || idle != 3*time.Second || max != 4096 {
		t.Errorf("set limits: %v %v %v %d", rh, r, idle, max)
	}
}

func TestNegativeConnLimitsRefused(t *testing.T) {
	for _, mut := range []func(*Config){
		func(c *Config) { c.ReadHeaderTimeout = -1 },
		func(c *Config) { c.ReadTimeout = -1 },
		func(c *Config) { c.IdleTimeout = -1 },
		func(c *Config) { c.MaxHeaderBytes = -1 },
	} {
		c := Default()
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("negative limit accepted: %+v", c)
		}
	}
}
