package server

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"signet/internal/clock"
)

// cancelOnWrite is a banner writer that cancels the server once the
// banner's last line arrives, so ListenAndServe returns without a sleep.
type cancelOnWrite struct {
	mu     sync.Mutex
	b      bytes.Buffer
	cancel context.CancelFunc
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.b.Write(p)
	if strings.Contains(c.b.String(), "Try: ") {
		c.cancel()
	}
	return len(p), nil
}

func (c *cancelOnWrite) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String()
}

// serveOnce runs ListenAndServe until its banner is out, and returns the
// banner and ListenAndServe's error.
func serveOnce(t *testing.T, s *Server) (string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelOnWrite{cancel: cancel}
	err := s.ListenAndServe(ctx, w)
	return w.String(), err
}

// Root credentials that a start generated but could not show, because
// its address was taken, are shown by the next start that serves, once.
func TestRootCredentialsShownByTheStartThatServes(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := testConfig(t)
	cfg.Addr = taken.Addr().String()
	s, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	root := s.Root()
	banner, err := serveOnce(t, s)
	s.Close()
	if err == nil || banner != "" {
		t.Fatalf("start on a taken address: err %v, banner %q", err, banner)
	}

	cfg.Addr = "127.0.0.1:0"
	for i, wantSecret := range []bool{true, false} {
		s, err := New(cfg, quietLog(), clock.Real{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Root().AccessKeyID != root.AccessKeyID {
			t.Fatalf("start %d: new root key %s; the first start's %s was never used", i, s.Root().AccessKeyID, root.AccessKeyID)
		}
		banner, err := serveOnce(t, s)
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(banner, "export AWS_SECRET_ACCESS_KEY="+root.Secret.Reveal()+"\n"); got != wantSecret {
			t.Errorf("start %d shows the secret: %v, want %v\n%s", i, got, wantSecret, banner)
		}
	}
}

// With the root key in SIGNET_ROOT_*, the file holds no secret, and the
// banner must not send anyone looking for it there.
func TestBannerWithRootFromEnvironment(t *testing.T) {
	cfg := testConfig(t)
	cfg.RootAccessKeyID, cfg.RootSecret = "AKIAENVIRONMENT00001", "environment-secret-value"
	s, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var banner bytes.Buffer
	s.printBanner(&banner, "http://127.0.0.1:9000")
	if !strings.Contains(banner.String(), "Root access key: AKIAENVIRONMENT00001 (secret from SIGNET_ROOT_SECRET_ACCESS_KEY)\n") ||
		strings.Contains(banner.String(), rootFile) || strings.Contains(banner.String(), cfg.RootSecret) {
		t.Errorf("banner:\n%s", banner.String())
	}
}
