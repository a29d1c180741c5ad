package cli

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/logbuf"
	"signet/internal/server"
)

const serverHelp = `Usage: signet server [flags]

Serves S3, IAM, STS and signet's admin API on one endpoint, with its data in
--data-dir (an embedded store). On first start it creates root credentials,
saves them to DATA-DIR/root-credentials.json (0600) and prints them once.

Examples:
  signet server
  signet server --addr 127.0.0.1:9000 --data-dir /var/lib/signet
  signet server --dev-clock          # let 'signet admin clock advance' move time
  signet server --debug-addr 127.0.0.1:6060   # pprof at /debug/pprof/ (loopback only)
  signet server --addr :443 --tls-cert cert.pem --tls-key key.pem --domains s3.example.com

Exit codes: 0 stopped cleanly; 1 could not start or serve; 2 usage error.

Flags:
`

func runServer(env Env) int {
	cfg := config.Default()
	fs := flag.NewFlagSet("signet server", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env "+config.EnvAddr+")")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory (env "+config.EnvDataDir+")")
	fs.StringVar(&cfg.Region, "region", cfg.Region, "region signet answers for (env "+config.EnvRegion+")")
	domains := fs.String("domains", joinList(cfg.Domains), "comma-separated host names for virtual-hosted-style buckets (env "+config.EnvDomains+")")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate file (PEM); serves HTTPS with --tls-key")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error (env "+config.EnvLogLevel+")")
	fs.BoolVar(&cfg.DevClock, "dev-clock", false, "let admin callers move the server's clock forward ('signet admin clock advance'); loopback addresses only")
	fs.BoolVar(&cfg.DevClockForce, "dev-clock-force", false, "allow --dev-clock on a non-loopback address")
	fs.IntVar(&cfg.MaxConns, "max-conns", cfg.MaxConns, "connections served at once; more wait in the listen backlog (env "+config.EnvMaxConns+")")
	fs.DurationVar(&cfg.BodyIdleTimeout, "body-idle-timeout", cfg.BodyIdleTimeout, "close a connection whose request body sends nothing for this long (env "+config.EnvBodyIdleTimeout+")")
	// Not in config.Config: it is a diagnostic of this process (the soak
	// test reads goroutine counts from it), not a setting of the service.
	debugAddr := fs.String("debug-addr", "", "serve Go runtime profiles (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060; off by default")
	// The flag package prints a parse error to stderr itself; help goes to
	// stdout with exit 0, as for every other command.
	fs.Usage = func() { fmt.Fprintln(env.Stderr, "Run 'signet server --help' for usage.") }
	if err := fs.Parse(env.Args); errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(env.Stdout)
		fmt.Fprint(env.Stdout, serverHelp)
		fs.PrintDefaults()
		return 0
	} else if err != nil {
		return 2
	}
	cfg.Domains = config.SplitList(*domains)
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
