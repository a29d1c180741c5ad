// Package config holds signet's one Config struct, its documented defaults
// and its validation. Flags and environment variables both land here.
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// Environment variable names. Scripts depend on the root credential names.
const (
	EnvAddr       = "SIGNET_ADDR"
	EnvDataDir    = "SIGNET_DATA_DIR"
	EnvRegion     = "SIGNET_REGION"
	EnvDomains    = "SIGNET_DOMAINS"
	EnvRootKeyID  = "SIGNET_ROOT_ACCESS_KEY_ID"
	EnvRootSecret = "SIGNET_ROOT_SECRET_ACCESS_KEY"
	EnvLogLevel   = "SIGNET_LOG_LEVEL"
)

// Config is the server's configuration.
type Config struct {
	// Addr is the listen address. Default 127.0.0.1:9000.
	Addr string
	// DataDir holds metadata, object bytes and root credentials. Default
	// ./signet-data.
	DataDir string
	// Region is the only region signet answers for. Default us-east-1.
	Region string
	// Domains are the host names under which buckets are addressed
	// virtual-host style (bucket.domain). Default localhost, s3.localhost.
	Domains []string
	// TLSCert and TLSKey turn on HTTPS (both or neither).
	TLSCert, TLSKey string
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string
	// RootAccessKeyID and RootSecret, when both set, are the root
	// credentials instead of generated ones.
	RootAccessKeyID string
	RootSecret      string
	// DevClock adds the admin call that moves the lifetime clock forward,
	// for testing applications against expiring URLs and sessions. It is
	// refused on a non-loopback address unless DevClockForce is set,
	// because anyone allowed to move time can end every session.
	DevClock      bool
	DevClockForce bool
}

// Default returns the defaults overlaid with the SIGNET_* environment.
func Default() Config {
	c := Config{
		Addr:     "127.0.0.1:9000",
		DataDir:  "signet-data",
		Region:   "us-east-1",
		Domains:  []string{"localhost", "s3.localhost"},
		LogLevel: "info",
	}
	if v := os.Getenv(EnvAddr); v != "" {
		c.Addr = v
	}
	if v := os.Getenv(EnvDataDir); v != "" {
		c.DataDir = v
	}
	if v := os.Getenv(EnvRegion); v != "" {
		c.Region = v
	}
	if v := os.Getenv(EnvDomains); v != "" {
		c.Domains = SplitList(v)
	}
	if v := os.Getenv(EnvLogLevel); v != "" {
		c.LogLevel = v
	}
	c.RootAccessKeyID = os.Getenv(EnvRootKeyID)
	c.RootSecret = os.Getenv(EnvRootSecret)
	return c
}

// SplitList splits a comma-separated list, dropping empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q: %v", c.Addr, err)
	}
	if c.DataDir == "" {
		return errors.New("--data-dir must not be empty")
	}
	if c.Region == "" {
		return errors.New("--region must not be empty")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if (c.RootAccessKeyID == "") != (c.RootSecret == "") {
		return fmt.Errorf("%s and %s go together", EnvRootKeyID, EnvRootSecret)
	}
	if c.RootAccessKeyID != "" && len(c.RootSecret) < 8 {
		return fmt.Errorf("%s is too short (at least 8 characters)", EnvRootSecret)
	}
	if c.DevClock && !c.DevClockForce && !loopback(c.Addr) {
		return fmt.Errorf("--dev-clock is refused on the non-loopback address %q: listen on 127.0.0.1 or ::1, or add --dev-clock-force if you really want anyone who can reach it with admin credentials to move time", c.Addr)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// loopback reports whether addr listens only on a loopback interface. An
// empty host listens on every interface, so it is not loopback.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
