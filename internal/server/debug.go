package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
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

// ReleaseMemoryPath, on the debug endpoint, collects garbage (twice) and returns
// every free page to the operating system (runtime/debug.FreeOSMemory).
// The soak test calls it with the load paused, so that resident memory
// shows what the process retains rather than where its heap happened to be
// in the garbage collector's cycle: under load that swings by a fifth
// within seconds, more than the growth the test must detect.
const ReleaseMemoryPath = "/debug/signet/release-memory"

func releaseMemory(w http.ResponseWriter, _ *http.Request) {
	// Twice: a collection moves what sync.Pools hold (the 1 MiB copy
	// buffers, the inline-object buffers) to their victim caches, and
	// only the next one frees it. Measured after one, "retained" memory
	// still held 4 to 5 MiB of pooled buffers, as many as the busiest
	// moment before had needed.
	debug.FreeOSMemory()
	debug.FreeOSMemory()
	w.WriteHeader(http.StatusNoContent)
}

// ServeDebug serves Go's runtime profiles (net/http/pprof: goroutines,
// heap, CPU, execution trace) on addr, a loopback address, until ctx ends,
// on a listener and mux of its own: nothing of it is reachable through the
// S3 endpoint. It is off unless `signet server --debug-addr` asks for it;
// the soak test reads the goroutine count from it and asks it to release
// memory before measuring (ReleaseMemoryPath). It returns the address
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
	mux.HandleFunc("POST "+ReleaseMemoryPath, releaseMemory)
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
