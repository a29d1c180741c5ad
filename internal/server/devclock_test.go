package server

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"signet/internal/adminclient"
	"signet/internal/clock"
	"signet/internal/sigv4"
)

// adminOf serves s on a test listener and returns an admin client signed
// as its root.
func adminOf(t *testing.T, s *Server, base clock.Clock) *adminclient.Client {
	t.Helper()
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	root := s.Root()
	return &adminclient.Client{Endpoint: u, Region: s.cfg.Region, HTTP: ts.Client(), Now: base.Now,
		Credentials: adminclient.StaticCredentials(sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.Secret})}
}

// The dev clock's offset is kept with the data: a restarted --dev-clock
// server resumes it, a server without --dev-clock runs on real time over
// the same data and says so, and a reset is kept too.
func TestDevClockSurvivesRestart(t *testing.T) {
	base := clock.NewFake(time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC))
	cfg := testConfig(t)
	cfg.DevClock = true
	start := func(devClock bool, log *slog.Logger) *Server {
		t.Helper()
		c := cfg
		c.DevClock = devClock
		s, err := New(c, log, base)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := start(true, quietLog())
	if _, err := adminOf(t, s, base).Advance(t.Context(), 12*time.Hour+time.Second); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = start(true, quietLog())
	if got := s.Clock.Shift(); got != 12*time.Hour+time.Second {
		t.Fatalf("restarted --dev-clock server's offset %v, want 12h0m1s", got)
	}
	s.Close()

	var logs bytes.Buffer
	s = start(false, slog.New(slog.NewTextHandler(&logs, nil)))
	if got := s.Clock.Shift(); got != 0 {
		t.Errorf("server without --dev-clock runs %v ahead, want real time", got)
	}
	if !strings.Contains(logs.String(), "unused without --dev-clock") || !strings.Contains(logs.String(), "offset=12h0m1s") {
		t.Errorf("server without --dev-clock did not say it leaves the offset aside:\n%s", logs.String())
	}
	s.Close()

	s = start(true, quietLog())
	if _, err := adminOf(t, s, base).Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = start(true, quietLog())
	defer s.Close()
	if got := s.Clock.Shift(); got != 0 {
		t.Errorf("after reset and restart the offset is %v, want 0", got)
	}
}
