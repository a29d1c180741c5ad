package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"signet/internal/server"
)

func TestServeDebugGoroutineProfile(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	addr, err := server.ServeDebug(ctx, "127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("ServeDebug: %v", err)
	}
	url := "http://" + addr.String() + "/debug/pprof/goroutine?debug=1"
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "goroutine profile: total ") {
		t.Fatalf("GET %s = %d %.80q; want 200 and a goroutine profile", url, resp.StatusCode, body)
	}
	// Releasing memory is a POST (a GET, as from a browser or a crawler
	// of the loopback port, must not trigger a collection).
	rel := "http://" + addr.String() + server.ReleaseMemoryPath
	if resp, err := http.Get(rel); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET %s = %v, %v; want 405", rel, resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, err := http.Post(rel, "", nil); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST %s = %v, %v; want 204", rel, resp, err)
	} else {
		resp.Body.Close()
	}
	cancel()
	// Close is asynchronous; the listener is gone once a request fails.
	for i := 0; ; i++ {
		resp, err := http.Get(url)
		if err != nil {
			break
		}
		resp.Body.Close()
		if i == 1000 {
			t.Fatal("the debug endpoint still answers after its context ended")
		}
	}
}

func TestCheckDebugAddrLoopbackOnly(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:6060": true,
		"[::1]:6060":     true,
		"localhost:6060": true,
		"0.0.0.0:6060":   false,
		":6060":          false,
		"10.0.0.1:6060":  false,
		"nonsense":       false,
	} {
		err := server.CheckDebugAddr(addr)
		if (err == nil) != ok {
			t.Errorf("CheckDebugAddr(%q) = %v; want ok %v", addr, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--debug-addr") {
			t.Errorf("CheckDebugAddr(%q) = %v; want the flag named", addr, err)
		}
	}
}
