package cli

import (
	"fmt"
	"log/slog"
	"strconv"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/duration"
	"signet/internal/logbuf"
	"signet/internal/server"
)

// serverOpts are signet server's flags: the configuration, and what is
// not part of it.
type serverOpts struct {
	cfg     config.Config
	domains string
	// debugAddr is not in config.Config: it is a diagnostic of this
	// process (the soak test reads goroutine counts from it), not a
	// setting of the service.
	debugAddr string
	// trustedProxies is the flag's text; cfg.TrustedProxies its items.
	trustedProxies string
}

// serverSpec declares signet server, its flags bound to o, whose
// defaults come from config.Default (the SIGNET_* environment).
func serverSpec(o *serverOpts) *cmdSpec {
	o.cfg = config.Default()
	o.domains = joinList(o.cfg.Domains)
	o.trustedProxies = joinList(o.cfg.TrustedProxies)
	c := &o.cfg
	return &cmdSpec{
		path:  "server",
		usage: "[flags]",
		about: `Serves S3, IAM, STS and signet's admin API on one endpoint, with its data in
--data-dir (an embedded store). On first start it creates root credentials,
saves them to DATA-DIR/root-credentials.json (0600) and prints them once.`,
		flags: []flagSpec{
			{name: "addr", arg: "HOST:PORT", value: (*textFlag)(&c.Addr), env: config.EnvAddr,
				def: "127.0.0.1:9000", help: "listen address"},
			{name: "data-dir", arg: "DIR", value: (*textFlag)(&c.DataDir), dir: true, env: config.EnvDataDir,
				def: "signet-data", help: "data directory: objects, metadata, root credentials"},
			{name: "meta", arg: "bolt:PATH", value: (*textFlag)(&c.Meta), env: config.EnvMeta,
				def:  "bolt:DATA-DIR/" + config.MetaFile,
				help: "metadata engine: the embedded store in file PATH, or\npostgres://USER@HOST:PORT/DB, a database several nodes share"},
			{name: "blobs", arg: "DIR", value: (*textFlag)(&c.Blobs), dir: true, env: config.EnvBlobs,
				def:  "DATA-DIR/" + config.BlobsFolder,
				help: "folder of object blobs; one server at a time with bolt,\nevery node's (a shared mount) with postgres"},
			{name: "region", arg: "REGION", value: (*textFlag)(&c.Region), env: config.EnvRegion,
				def: "us-east-1", help: "region signet answers for"},
			{name: "domains", arg: "LIST", value: (*textFlag)(&o.domains), env: config.EnvDomains,
				def:  "localhost,s3.localhost",
				help: "comma-separated host names for virtual-hosted-style buckets"},
			{name: "tls-cert", arg: "FILE", value: (*textFlag)(&c.TLSCert), file: true,
				help: "TLS certificate file (PEM); serves HTTPS with --tls-key"},
			{name: "tls-key", arg: "FILE", value: (*textFlag)(&c.TLSKey), file: true,
				help: "TLS private key file (PEM)"},
			{name: "log-level", arg: "LEVEL", value: (*textFlag)(&c.LogLevel), env: config.EnvLogLevel,
				choices: []string{"debug", "info", "warn", "error"},
				def:     "info", help: "debug, info, warn or error"},
			{name: "dev-clock", value: (*switchFlag)(&c.DevClock),
				help: "let admin callers move the server's clock forward\n('signet admin clock advance'); loopback addresses only"},
			{name: "dev-clock-force", value: (*switchFlag)(&c.DevClockForce),
				help: "allow --dev-clock on a non-loopback address"},
			{name: "debug-addr", arg: "HOST:PORT", value: (*textFlag)(&o.debugAddr),
				help: "serve Go runtime profiles (net/http/pprof) on this loopback\naddress, e.g. 127.0.0.1:6060; off by default"},
			{name: "metrics-addr", arg: "HOST:PORT", value: (*textFlag)(&c.MetricsAddr), env: config.EnvMetricsAddr,
				help: "serve Prometheus metrics on /metrics at this address (no\nauthentication: keep it private); off by default"},
			{name: "metrics-on-main", value: (*switchFlag)(&c.MetricsOnMain),
				help: "serve Prometheus metrics on the main listener at\n/_signet/metrics (no authentication)"},
			{name: "max-conns", arg: "N", value: (*intFlag)(&c.MaxConns), env: config.EnvMaxConns,
				def: strconv.Itoa(config.DefaultMaxConns), help: "connections served at once; more wait in the listen backlog"},
			{name: "body-idle-timeout", arg: "DURATION", value: (*durationFlag)(&c.BodyIdleTimeout), env: config.EnvBodyIdleTimeout,
				def:  duration.Format(config.DefaultBodyIdleTimeout),
				help: "close a connection whose request body sends nothing for this long"},
			{name: "decrypted-cache-mib", arg: "N", value: (*intFlag)(&c.DecryptedCacheMiB), env: config.EnvDecryptedCacheMiB,
				def:  strconv.Itoa(config.DefaultDecryptedCacheMiB),
				help: "MiB of decrypted small objects (up to 4 MiB each) kept in\nmemory for repeated GETs; 0 turns it off"},
			{name: "root-credentials-file", arg: "FILE", value: (*textFlag)(&c.RootCredentialsFile), file: true, env: config.EnvRootCredentialsFile,
				help: "read the root's access key from FILE (JSON, as DATA-DIR/root-credentials.json),\ne.g. a systemd credential; never written"},
			{name: "sealing-key-file", arg: "FILE", value: (*textFlag)(&c.SealingKeyFile), file: true, env: config.EnvSealingKeyFile,
				help: "read the key sealing secrets at rest from FILE instead of\nDATA-DIR/sealing.key, e.g. a systemd credential; never written"},
			{name: "trusted-proxies", arg: "LIST", value: (*textFlag)(&o.trustedProxies), env: config.EnvTrustedProxies,
				help: "comma-separated CIDRs of reverse proxies whose X-Forwarded-For\nand X-Forwarded-Proto are believed; ignored from anyone else"},
		},
		column: 22,
		examples: []string{
			"signet server",
			"signet server --addr 127.0.0.1:9000 --data-dir /var/lib/signet",
			"signet server --dev-clock          # let 'signet admin clock advance' move time",
			"signet server --debug-addr 127.0.0.1:6060   # pprof at /debug/pprof/ (loopback only)",
			"signet server --metrics-addr 127.0.0.1:9090 # Prometheus metrics at /metrics",
			"signet server --addr :443 --tls-cert cert.pem --tls-key key.pem --domains s3.example.com",
		},
		footer: "Exit codes: 0 stopped cleanly; 1 could not start or serve; 2 usage error.",
	}
}

func runServer(env Env) int {
	var o serverOpts
	_, code, done := parseCommand(env, serverSpec(&o))
	if done {
		return code
	}
	cfg, debugAddr := o.cfg, &o.debugAddr
	domains := &o.domains
	cfg.Domains = config.SplitList(*domains)
	cfg.TrustedProxies = config.SplitList(o.trustedProxies)
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(env.Stderr, "signet server:", err)
		return 2
	}
	if *debugAddr != "" {
		if err := server.CheckDebugAddr(*debugAddr); err != nil {
			fmt.Fprintln(env.Stderr, "signet server:", err)
			return 2
		}
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	// Log lines are batched (internal/logbuf): one write(2) per request
	// for the access log cost more than the line. Warnings go out at once;
	// the rest within logbuf.Interval, and all of it on the way out. The
	// errors below go through the same writer so that they stay after the
	// lines before them.
	stderr := logbuf.New(env.Stderr)
	defer stderr.Close()
	log := slog.New(logbuf.Handler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}), stderr))
	srv, err := server.New(cfg, log, clock.Real{})
	if err != nil {
		fmt.Fprintln(stderr, "signet server:", err)
		return 1
	}
	defer srv.Close()
	if *debugAddr != "" {
		addr, err := server.ServeDebug(env.Ctx, *debugAddr, log)
		if err != nil {
			fmt.Fprintln(stderr, "signet server:", err)
			return 1
		}
		log.Info("debug endpoint serving Go runtime profiles", "addr", addr.String())
	}
	if err := srv.ListenAndServe(env.Ctx, env.Stdout); err != nil {
		fmt.Fprintln(stderr, "signet server:", err)
		return 1
	}
	return 0
}

func joinList(l []string) string {
	out := ""
	for i, s := range l {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}
