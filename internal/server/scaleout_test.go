package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/meta/postgres"
)

// scriptedFeed is a change feed the test drives: Follow hands the test
// its handlers and runs until the server stops it.
type scriptedFeed struct{ handlers chan postgres.FeedHandlers }

func (f *scriptedFeed) Follow(ctx context.Context, h postgres.FeedHandlers) error {
	f.handlers <- h
	<-ctx.Done()
	return ctx.Err()
}

func healthz(t *testing.T, h http.Handler) (int, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

// waitShift polls until the dev clock's offset is want: the node applies
// a change off the feed's goroutine.
func waitShift(t *testing.T, s *Server, want time.Duration, when string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Clock.Shift() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s the offset is %v, want %v", when, s.Clock.Shift(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// What a node does with its change feed's news: down, /healthz is 503
// saying why; up, "ok"; a dev clock change, or a reconnection, moves the
// node's clock to the offset stored by whichever node moved it.
func TestChangeFeedDrivesHealthAndDevClock(t *testing.T) {
	base := clock.NewFake(time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC))
	cfg := testConfig(t)
	cfg.DevClock = true
	s, err := New(cfg, quietLog(), base)
	if err != nil {
		t.Fatal(err)
	}
	// A bolt node is always healthy.
	if code, body := healthz(t, s.Handler()); code != 200 || body != "ok\n" {
		t.Fatalf("bolt node's /healthz: %d %q", code, body)
	}
	s.health = &nodeHealth{why: "PostgreSQL change feed not connected yet"}
	feed := &scriptedFeed{handlers: make(chan postgres.FeedHandlers)}
	s.followChanges(feed)
	defer s.Close()
	h := <-feed.handlers

	if code, body := healthz(t, s.Handler()); code != 503 || body != "PostgreSQL change feed not connected yet\n" {
		t.Fatalf("/healthz before the feed is up: %d %q", code, body)
	}
	h.Reset()
	h.Health(true, "")
	if code, body := healthz(t, s.Handler()); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz with the feed up: %d %q", code, body)
	}
	if !s.store.Caching() {
		t.Fatal("the identity cache is off with the feed up")
	}
	h.Health(false, "PostgreSQL change feed lost: connection refused")
	code, body := healthz(t, s.Handler())
	if code != 503 || body != "PostgreSQL change feed lost: connection refused\n" {
		t.Fatalf("/healthz with the feed down: %d %q", code, body)
	}
	// Down, the node caches nothing: it may have missed any change.
	if s.store.Caching() {
		t.Fatal("the identity cache is on with the feed down")
	}

	// Another node advanced the clock: its offset is in the engine.
	ctx := t.Context()
	if err := s.devClock.SetDevClockOffset(ctx, 12*time.Hour); err != nil {
		t.Fatal(err)
	}
	h.Changed(postgres.ChangeDevClock)
	waitShift(t, s, 12*time.Hour, "after a dev clock change")
	// Another node reset it while this one was cut off: the reset after
	// reconnecting finds it.
	if err := s.devClock.SetDevClockOffset(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	h.Reset()
	waitShift(t, s, time.Hour, "after a reconnection")
	h.Health(true, "")
	if code, _ := healthz(t, s.Handler()); code != 200 {
		t.Fatalf("/healthz back up: %d", code)
	}
}

// The start log names PostgreSQL by host and database, never by its
// user or password.
func TestDescribeMetaHidesCredentials(t *testing.T) {
	cfg := config.Config{DataDir: "/srv/signet", Meta: "postgres://signet:hunter2@db.internal:5432/signet?sslmode=verify-full&password=x"}
	got := describeMeta(cfg)
	if got != "postgres db.internal:5432/signet" {
		t.Fatalf("describeMeta = %q", got)
	}
	if strings.Contains(got, "hunter2") {
		t.Fatal("the password is in the log")
	}
	if got := describeMeta(config.Config{DataDir: "/srv/signet"}); got != "bolt /srv/signet/meta.db" {
		t.Fatalf("describeMeta(bolt) = %q", got)
	}
}
