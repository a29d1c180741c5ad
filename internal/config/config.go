// Package config holds signet's one Config struct, its documented defaults
// and its validation. Flags and environment variables both land here.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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
	// EnvDecryptedCacheMiB sets DecryptedCacheMiB.
	EnvDecryptedCacheMiB = "SIGNET_DECRYPTED_CACHE_MIB"
	// EnvMaxConns and EnvBodyIdleTimeout set MaxConns and BodyIdleTimeout.
	EnvMaxConns        = "SIGNET_MAX_CONNS"
	EnvBodyIdleTimeout = "SIGNET_BODY_IDLE_TIMEOUT"
	// EnvTrustedProxies sets TrustedProxies (comma-separated).
	EnvTrustedProxies = "SIGNET_TRUSTED_PROXIES"
	// EnvRootCredentialsFile and EnvSealingKeyFile set the files of the
	// same names.
	EnvRootCredentialsFile = "SIGNET_ROOT_CREDENTIALS_FILE"
	EnvSealingKeyFile      = "SIGNET_SEALING_KEY_FILE"
	// EnvMetricsAddr sets MetricsAddr.
	EnvMetricsAddr = "SIGNET_METRICS_ADDR"
	// EnvMeta and EnvBlobs set Meta and Blobs.
	EnvMeta  = "SIGNET_META"
	EnvBlobs = "SIGNET_BLOBS"
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
	// RootCredentialsFile, when set, holds the root's access key ID and
	// secret (the JSON of DATA-DIR/root-credentials.json) instead of
	// generated ones: a file a service manager hands over, such as a
	// systemd credential. It is read, never written.
	RootCredentialsFile string
	// SealingKeyFile, when set, holds the key that seals secret access
	// keys at rest (hex, as DATA-DIR/sealing.key) so that it need not live
	// in the data directory. It is read, never generated or written.
	SealingKeyFile string
	// Meta selects the metadata engine: "bolt:PATH", the embedded store
	// in the file PATH, or a postgres:// URL, a PostgreSQL database that
	// several nodes share. Empty is bolt:DATA-DIR/meta.db (MetaEngine).
	Meta string
	// Blobs is the folder holding object blobs, one that nodes sharing a
	// metadata store may share. Empty is DATA-DIR/objects (BlobsDir).
	Blobs string
	// DevClock adds the admin call that moves the lifetime clock forward,
	// for testing applications against expiring URLs and sessions. It is
	// refused on a non-loopback address unless DevClockForce is set,
	// because anyone allowed to move time can end every session.
	DevClock      bool
	DevClockForce bool

	// Connection limits, so that slow or oversized clients cannot hold the
	// server (slowloris): the time a client has to send its request
	// headers, to send its whole request (bodies are streamed, so this is
	// generous), how long an idle keep-alive connection stays open, and the
	// size of the header section (larger is refused with 431). Zero means
	// the default; tests shorten the timeouts.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// MaxConns caps the connections served at once; further ones wait in
	// the listen backlog until one closes. BodyIdleTimeout is how long a
	// request body may send nothing before the read fails and the
	// connection is closed: a client trickling its body holds a
	// connection (and a slot of MaxConns) for at most that long per
	// stall, not for all of ReadTimeout. Zero means the default.
	MaxConns        int
	BodyIdleTimeout time.Duration

	// DecryptedCacheMiB bounds the plaintext of small encrypted objects
	// kept in memory after a whole read, so a hot object is not decrypted
	// on every GET (internal/storage/sealed: plainCache). 0 turns it off.
	DecryptedCacheMiB int

	// TrustedProxies are the CIDRs (or single addresses) of reverse
	// proxies whose X-Forwarded-For and X-Forwarded-Proto headers say
	// who the client is and whether it used HTTPS. From any other peer
	// the headers are ignored: anyone can send them. Empty trusts none.
	TrustedProxies []string

	// MetricsAddr, when set, is a listener of its own that serves
	// Prometheus metrics on /metrics; MetricsOnMain serves them on the
	// main listener at /_signet/metrics instead (or as well). Both are
	// off by default: the metrics answer without authentication.
	MetricsAddr   string
	MetricsOnMain bool
}

// MetricsOn reports whether the server keeps metrics.
func (c Config) MetricsOn() bool { return c.MetricsAddr != "" || c.MetricsOnMain }

// Defaults of the connection limits.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
	// DefaultMaxConns is well under the usual 1024 open-file limit minus
	// the store's files, and far above what one node's disk can serve.
	DefaultMaxConns = 768
	// DefaultBodyIdleTimeout: real clients never pause a body this long
	// (TCP retransmission gives up sooner on a dead path).
	DefaultBodyIdleTimeout = time.Minute
	// DefaultDecryptedCacheMiB is small next to a node's memory and holds
	// the hot set of shared links to documents and images.
	DefaultDecryptedCacheMiB = 64
)

// BodyLimits returns MaxConns and BodyIdleTimeout with zero values
// replaced by their defaults.
func (c Config) BodyLimits() (maxConns int, bodyIdle time.Duration) {
	maxConns, bodyIdle = c.MaxConns, c.BodyIdleTimeout
	if maxConns == 0 {
		maxConns = DefaultMaxConns
	}
	if bodyIdle == 0 {
		bodyIdle = DefaultBodyIdleTimeout
	}
	return maxConns, bodyIdle
}

// ConnLimits returns the connection limits with zero values replaced by
// their defaults.
func (c Config) ConnLimits() (readHeader, read, idle time.Duration, maxHeaderBytes int) {
	pick := func(v, def time.Duration) time.Duration {
		if v == 0 {
			return def
		}
		return v
	}
	maxHeaderBytes = c.MaxHeaderBytes
	if maxHeaderBytes == 0 {
		maxHeaderBytes = DefaultMaxHeaderBytes
	}
	return pick(c.ReadHeaderTimeout, DefaultReadHeaderTimeout), pick(c.ReadTimeout, DefaultReadTimeout),
		pick(c.IdleTimeout, DefaultIdleTimeout), maxHeaderBytes
}

// Default returns the defaults overlaid with the SIGNET_* environment.
func Default() Config {
	c := Config{
		Addr:     "127.0.0.1:9000",
		DataDir:  "signet-data",
		Region:   "us-east-1",
		Domains:  []string{"localhost", "s3.localhost"},
		LogLevel: "info",

		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
		MaxConns:          DefaultMaxConns,
		BodyIdleTimeout:   DefaultBodyIdleTimeout,
		DecryptedCacheMiB: DefaultDecryptedCacheMiB,
	}
	if v, err := strconv.Atoi(os.Getenv(EnvDecryptedCacheMiB)); err == nil {
		c.DecryptedCacheMiB = v
	}
	if v, err := strconv.Atoi(os.Getenv(EnvMaxConns)); err == nil {
		c.MaxConns = v
	}
	if v, err := time.ParseDuration(os.Getenv(EnvBodyIdleTimeout)); err == nil {
		c.BodyIdleTimeout = v
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
	if v := os.Getenv(EnvTrustedProxies); v != "" {
		c.TrustedProxies = SplitList(v)
	}
	c.RootCredentialsFile = os.Getenv(EnvRootCredentialsFile)
	c.SealingKeyFile = os.Getenv(EnvSealingKeyFile)
	c.MetricsAddr = os.Getenv(EnvMetricsAddr)
	c.Meta = os.Getenv(EnvMeta)
	c.Blobs = os.Getenv(EnvBlobs)
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
	if c.RootAccessKeyID != "" && c.RootCredentialsFile != "" {
		return fmt.Errorf("--root-credentials-file and %s name two root keys: give one", EnvRootKeyID)
	}
	if c.RootAccessKeyID != "" && len(c.RootSecret) < 8 {
		return fmt.Errorf("%s is too short (at least 8 characters)", EnvRootSecret)
	}
	if c.DevClock && !c.DevClockForce && !loopback(c.Addr) {
		return fmt.Errorf("--dev-clock is refused on the non-loopback address %q: listen on 127.0.0.1 or ::1, or add --dev-clock-force if you really want anyone who can reach it with admin credentials to move time", c.Addr)
	}
	if engine, _, err := c.MetaEngine(); err != nil {
		return err
	} else if engine == EnginePostgres && (c.SealingKeyFile == "" || c.RootCredentialsFile == "") {
		// Nodes sharing a database must seal with one key and answer
		// for one account; a key or an account made up by each node's
		// data directory would split the deployment.
		return errors.New("--meta postgres:// needs --sealing-key-file and --root-credentials-file, the same files on every node: every node must seal secrets with one key and answer for one account")
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr %q: %v", c.MetricsAddr, err)
		}
	}
	if c.MaxConns < 0 || c.BodyIdleTimeout < 0 {
		return errors.New("--max-conns and --body-idle-timeout must not be negative (zero means the default)")
	}
	if c.DecryptedCacheMiB < 0 {
		return errors.New("--decrypted-cache-mib must not be negative (0 turns the cache off)")
	}
	if c.ReadHeaderTimeout < 0 || c.ReadTimeout < 0 || c.IdleTimeout < 0 || c.MaxHeaderBytes < 0 {
		return errors.New("connection timeouts and the header size limit must not be negative (zero means the default)")
	}
	if _, err := c.TrustedProxyPrefixes(); err != nil {
		return err
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// Default places of the metadata store and the blobs in the data
// directory; backup, restore and rotate-sealing work on these.
const (
	MetaFile    = "meta.db"
	BlobsFolder = "objects"
)

// Metadata engines --meta selects (MetaEngine).
const (
	EngineBolt     = "bolt"
	EnginePostgres = "postgres"
)

// MetaEngine returns the metadata engine --meta selects and where it is:
// EngineBolt and the store's file (bolt:PATH, or DATA-DIR/meta.db when
// --meta is empty), or EnginePostgres and the connection string (a
// postgres:// or postgresql:// URL). Errors never echo --meta: a URL may
// hold a password.
func (c Config) MetaEngine() (engine, where string, err error) {
	scheme, path, found := strings.Cut(c.Meta, ":")
	switch {
	case c.Meta == "":
		return EngineBolt, filepath.Join(c.DataDir, MetaFile), nil
	case scheme == "bolt" && path != "":
		return EngineBolt, path, nil
	case scheme == "bolt":
		return "", "", errors.New("--meta bolt: needs the store's file, e.g. bolt:/var/lib/signet/meta.db")
	case found && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql")):
		if !strings.HasPrefix(path, "//") {
			return "", "", errors.New("--meta postgres: want a URL, postgres://USER@HOST:PORT/DATABASE")
		}
		return EnginePostgres, c.Meta, nil
	default:
		return "", "", errors.New("--meta: want bolt:PATH (the default is bolt:DATA-DIR/meta.db) or postgres://USER@HOST:PORT/DATABASE")
	}
}

// MetaPath returns the file of the bolt metadata store --meta selects:
// bolt:PATH, or DATA-DIR/meta.db when --meta is empty. On the PostgreSQL
// engine there is no file: that is an error, which never echoes the URL.
func (c Config) MetaPath() (string, error) {
	engine, where, err := c.MetaEngine()
	if err != nil {
		return "", err
	}
	if engine != EngineBolt {
		return "", errors.New("--meta postgres://…: the metadata is in PostgreSQL, not in a file")
	}
	return where, nil
}

// BlobsDir returns the folder of object blobs: --blobs, or
// DATA-DIR/objects when it is empty.
func (c Config) BlobsDir() string {
	if c.Blobs != "" {
		return c.Blobs
	}
	return filepath.Join(c.DataDir, BlobsFolder)
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

// TrustedProxyPrefixes parses TrustedProxies. A bare address is a prefix
// of its full length (127.0.0.1 is 127.0.0.1/32). A prefix with host bits
// set (10.0.0.1/8) is refused rather than silently widened or narrowed:
// the operator meant one of the two and signet cannot tell which.
func (c Config) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(c.TrustedProxies))
	for _, s := range c.TrustedProxies {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies %q: want a CIDR such as 10.0.0.0/8 or an IP address", s)
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, errors.New("not an address")
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if p.Masked() != p {
		return netip.Prefix{}, errors.New("host bits set")
	}
	if p.Addr().Is4In6() {
		// ::ffff:10.0.0.0/104 is 10.0.0.0/8: peers are compared unmapped.
		if p.Bits() < 96 {
			return netip.Prefix{}, errors.New("mapped prefix shorter than /96")
		}
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96), nil
	}
	return p, nil
}
