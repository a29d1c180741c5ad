package cli

import (
	"flag"
	"fmt"
	"log/slog"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/server"
)

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
	if err := fs.Parse(env.Args); err != nil {
		return 2
	}
	cfg.Domains = config.SplitList(*domains)
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(env.Stderr, "signet server:", err)
		return 2
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	srv, err := server.New(cfg, log, clock.Real{})
	if err != nil {
		fmt.Fprintln(env.Stderr, "signet server:", err)
		return 1
	}
	defer srv.Close()
	if err := srv.ListenAndServe(env.Ctx, env.Stdout); err != nil {
		fmt.Fprintln(env.Stderr, "signet server:", err)
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
