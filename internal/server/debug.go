package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// CheckDebugAddr refuses a debug address that is not loopback. The debug
// endpoint answers without authentication, and goroutine dumps and heap
// profiles show the process's internals, so it must never be reachable
// from another machine.
func CheckDebugAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--debug-addr %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--debug-addr %q: the debug endpoint serves runtime profiles without authentication; listen on 127.0.0.1 or ::1 (e.g. 127.0.0.1:6060)", addr)
	}
	return nil
}

// ServeDebug serves Go's runtime profiles (net/http/pprof: goroutines,
// heap, CPU, execution trace) on addr, a loopback address, until ctx ends,
// on a listener and mux of its own: nothing of it is reachable through the
// S3 endpoint. It is off unless `signet server --debug-addr` asks for it;
// the soak test reads the goroutine count from it. It returns the address
// it listens on once listening.
func ServeDebug(ctx context.Context, addr string, log *slog.Logger) (net.Addr, error) {
	if err := CheckDebugAddr(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug endpoint: %w", err)
	}
	mux := http.NewServeMux()
	// Index serves every named profile (/debug/pprof/goroutine?debug=1,
	// /debug/pprof/heap, …). The command line is left out: nothing there
	// needs it.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Warn("debug endpoint stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	return ln.Addr(), nil
}
