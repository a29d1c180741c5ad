package config

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	ok := Config{Addr: "127.0.0.1:9000", DataDir: "d", Region: "us-east-1", LogLevel: "info"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cases := []struct {
		name string
		mut  func(*Config)
		want string
	}{
		{"bad addr", func(c *Config) { c.Addr = "nope" }, "--addr"},
		{"tls half", func(c *Config) { c.TLSCert = "x" }, "--tls-cert"},
		{"root half", func(c *Config) { c.RootAccessKeyID = "AKIA" }, EnvRootKeyID},
		{"log level", func(c *Config) { c.LogLevel = "loud" }, "--log-level"},
	}
	for _, tc := range cases {
		c := ok
		tc.mut(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v; want mention of %q", tc.name, err, tc.want)
		}
	}
}

func TestDevClockLoopbackOnly(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		force bool
		ok    bool
	}{
		{"127.0.0.1:9000", false, true},
		{"[::1]:9000", false, true},
		{"localhost:9000", false, true},
		{"0.0.0.0:9000", false, false},
		{":9000", false, false},
		{"192.168.1.10:9000", false, false},
		{"0.0.0.0:9000", true, true},
	} {
		c := Default()
		c.Addr, c.DevClock, c.DevClockForce = tc.addr, true, tc.force
		err := c.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("addr %s force %v: err = %v, want ok=%v", tc.addr, tc.force, err, tc.ok)
		}
	}
	c := Default()
	c.Addr = "0.0.0.0:9000"
	if err := c.Validate(); err != nil {
		t.Errorf("without --dev-clock any address is fine: %v", err)
	}
}

func TestTrustedProxyPrefixes(t *testing.T) {
	c := Config{TrustedProxies: []string{"10.0.0.0/8", "127.0.0.1", "::1", "2001:db8::/32", "::ffff:192.168.0.0/112"}}
	got, err := c.TrustedProxyPrefixes()
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("192.168.0.0/16")}
	if !slices.Equal(got, want) {
		t.Errorf("prefixes %v, want %v", got, want)
	}
	ok := Config{Addr: "127.0.0.1:9000", DataDir: "d", Region: "us-east-1", LogLevel: "info"}
	for _, bad := range []string{"10.0.0.1/8", "10.0.0.0/33", "nope", "fe80::1%eth0", "10.0.0.0/", "::ffff:10.0.0.0/8"} {
		c := ok
		c.TrustedProxies = []string{"127.0.0.1/32", bad}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--trusted-proxies \""+bad+"\"") {
			t.Errorf("%q: err = %v; want it named as a bad --trusted-proxies item", bad, err)
		}
	}
}

func TestProxyAndCredentialFileEnvironment(t *testing.T) {
	t.Setenv(EnvTrustedProxies, "10.0.0.0/8, 192.168.1.1")
	t.Setenv(EnvRootCredentialsFile, "/run/credentials/signet.service/root-credentials.json")
	t.Setenv(EnvSealingKeyFile, "/run/credentials/signet.service/sealing.key")
	c := Default()
	if !slices.Equal(c.TrustedProxies, []string{"10.0.0.0/8", "192.168.1.1"}) {
		t.Errorf("TrustedProxies %q", c.TrustedProxies)
	}
	if c.RootCredentialsFile != "/run/credentials/signet.service/root-credentials.json" || c.SealingKeyFile != "/run/credentials/signet.service/sealing.key" {
		t.Errorf("credential files %q, %q", c.RootCredentialsFile, c.SealingKeyFile)
	}
}

// --meta picks the bolt file (by default the data directory's meta.db) or
// a PostgreSQL URL, which has no file (MetaPath says so without echoing
// it: it may hold a password), and refuses anything else.
func TestMetaPath(t *testing.T) {
	for _, tc := range []struct {
		meta, want, err string
	}{
		{"", "/srv/data/meta.db", ""},
		{"bolt:/mnt/fast/meta.db", "/mnt/fast/meta.db", ""},
		{"bolt:relative/meta.db", "relative/meta.db", ""},
		{"bolt:", "", "--meta bolt: needs the store's file"},
		{"postgres:hunter2", "", "--meta postgres: want a URL"},
		{"sqlite:hunter2.db", "", "--meta: want bolt:PATH"},
		{"/srv/data/meta.db", "", "--meta: want bolt:PATH"},
	} {
		c := Config{Addr: "127.0.0.1:9000", DataDir: "/srv/data", Region: "us-east-1", LogLevel: "info", Meta: tc.meta}
		got, err := c.MetaPath()
		verr := c.Validate()
		if tc.err == "" {
			if err != nil || verr != nil || got != tc.want {
				t.Errorf("--meta %q: %q, %v (Validate: %v); want %q", tc.meta, got, err, verr, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) || verr == nil || verr.Error() != err.Error() {
			t.Errorf("--meta %q: %q, %v (Validate: %v); want an error saying %q", tc.meta, got, err, verr, tc.err)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("--meta %q: the error echoes the secret: %v", tc.meta, err)
		}
	}
}

// A postgres:// or postgresql:// URL (any case) selects the PostgreSQL
// engine, valid, with the URL as given; it has no file, and MetaPath's
// error says so without echoing the URL.
func TestMetaEnginePostgres(t *testing.T) {
	for _, url := range []string{
		"postgres://signet:hunter2@db.example:5432/signet",
		"postgresql://signet:hunter2@db.example/signet?sslmode=verify-full",
		"POSTGRES://signet:hunter2@db.example/signet",
	} {
		c := Config{Addr: "127.0.0.1:9000", DataDir: "/srv/data", Region: "us-east-1", LogLevel: "info", Meta: url,
			SealingKeyFile: "/etc/signet/sealing.key", RootCredentialsFile: "/etc/signet/root.json"}
		engine, where, err := c.MetaEngine()
		if err != nil || engine != EnginePostgres || where != url {
			t.Errorf("MetaEngine(%q) = %q, %q, %v; want postgres and the URL", url, engine, where, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Validate with --meta %q: %v", url, err)
		}
		if _, err := c.MetaPath(); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("MetaPath with --meta %q: %v; want an error without the password", url, err)
		}
	}
	engine, where, err := (Config{DataDir: "/srv/data"}).MetaEngine()
	if err != nil || engine != EngineBolt || where != "/srv/data/meta.db" {
		t.Errorf("default MetaEngine = %q, %q, %v", engine, where, err)
	}
}

// Nodes sharing PostgreSQL must share a sealing key and an account, so
// the engine needs both files; without either, Validate says so (and not
// the URL).
func TestPostgresNeedsSharedKeyAndAccount(t *testing.T) {
	full := Config{Addr: "127.0.0.1:9000", DataDir: "/srv/data", Region: "us-east-1", LogLevel: "info",
		Meta: "postgres://signet:hunter2@db.example/signet", SealingKeyFile: "/k", RootCredentialsFile: "/r"}
	for name, c := range map[string]Config{
		"no sealing key file":      func(c Config) Config { c.SealingKeyFile = ""; return c }(full),
		"no root credentials file": func(c Config) Config { c.RootCredentialsFile = ""; return c }(full),
		"neither, root key from env": func(c Config) Config {
			c.SealingKeyFile, c.RootCredentialsFile = "", ""
			c.RootAccessKeyID, c.RootSecret = "AKIAEXAMPLEROOT", "secret-secret"
			return c
		}(full),
	} {
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "--sealing-key-file and --root-credentials-file") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
	if err := full.Validate(); err != nil {
		t.Errorf("with both files: %v", err)
	}
}

// --blobs is the blob folder; without it, the data directory's objects/.
func TestBlobsDir(t *testing.T) {
	c := Config{DataDir: "/srv/data"}
	if got := c.BlobsDir(); got != "/srv/data/objects" {
		t.Errorf("default blobs folder %q", got)
	}
	c.Blobs = "/mnt/shared/blobs"
	if got := c.BlobsDir(); got != "/mnt/shared/blobs" {
		t.Errorf("--blobs folder %q", got)
	}
}

// SIGNET_META and SIGNET_BLOBS set --meta and --blobs.
func TestMetaAndBlobsFromEnvironment(t *testing.T) {
	t.Setenv(EnvMeta, "bolt:/mnt/fast/meta.db")
	t.Setenv(EnvBlobs, "/mnt/shared/blobs")
	c := Default()
	if c.Meta != "bolt:/mnt/fast/meta.db" || c.Blobs != "/mnt/shared/blobs" {
		t.Errorf("from the environment: Meta %q, Blobs %q", c.Meta, c.Blobs)
	}
}
