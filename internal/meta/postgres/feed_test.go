package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"signet/internal/pgtest"
)

// feedEvents records what a feed tells its node, in order, as
// "changed:KIND", "reset", "up" and "down: WHY".
type feedEvents chan string

func (e feedEvents) handlers() FeedHandlers {
	return FeedHandlers{
		Changed: func(kind string) { e <- "changed:" + kind },
		Reset:   func() { e <- "reset" },
		Health: func(ok bool, why string) {
			if ok {
				e <- "up"
				return
			}
			e <- "down: " + why
		},
	}
}

// await reads events until one starts with prefix, failing after a
// generous deadline (the feed's own bounds are well under a second; this
// only keeps a broken feed from hanging the test). It returns the event
// and those skipped before it.
func (e feedEvents) await(t *testing.T, prefix string) (string, []string) {
	t.Helper()
	var skipped []string
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev := <-e:
			if strings.HasPrefix(ev, prefix) {
				return ev, skipped
			}
			skipped = append(skipped, ev)
		case <-deadline:
			t.Fatalf("no %q event from the feed; saw %q", prefix, skipped)
		}
	}
}

// follow runs s's feed until the test ends.
func follow(t *testing.T, s *Store) feedEvents {
	t.Helper()
	ev := make(feedEvents, 4096)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Follow(ctx, ev.handlers()) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("Follow returned %v, want context.Canceled", err)
		}
	})
	return ev
}

func TestFeedResetsThenHearsCommittedChanges(t *testing.T) {
	s, _ := openTest(t)
	ev := follow(t, s)
	// The first connection drops every cache before saying it is up.
	if got, skipped := ev.await(t, "reset"); len(skipped) != 0 {
		t.Fatalf("events before %q: %q", got, skipped)
	}
	if got, skipped := ev.await(t, "up"); len(skipped) != 0 {
		t.Fatalf("events before %q: %q", got, skipped)
	}
	ctx := context.Background()
	if err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error { return changed(ctx, tx, ChangeIdentity) }); err != nil {
		t.Fatal(err)
	}
	ev.await(t, "changed:"+ChangeIdentity)
	if err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error { return changed(ctx, tx, ChangeDevClock) }); err != nil {
		t.Fatal(err)
	}
	if got, skipped := ev.await(t, "changed:"+ChangeDevClock); len(skipped) != 0 {
		t.Fatalf("events before %q: %q", got, skipped)
	}
}

// A counter that moves without a notification (one lost on the way) is
// found by the periodic check.
func TestFeedCheckFindsAChangeNeverAnnounced(t *testing.T) {
	s, _ := openTest(t)
	ev := follow(t, s)
	ev.await(t, "up")
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, "INSERT INTO changes (kind, version) VALUES ($1, 7) ON CONFLICT (kind) DO UPDATE SET version = 7", ChangeIdentity); err != nil {
		t.Fatal(err)
	}
	if got, skipped := ev.await(t, "changed:"+ChangeIdentity); len(skipped) != 0 {
		t.Fatalf("events before %q: %q", got, skipped)
	}
}

// The feed's connection cut from the server side: the node hears it is
// down at once, and on reconnecting drops every cache (a change made
// meanwhile was announced to nobody) before it is up again.
func TestFeedReconnectsAfterItsConnectionIsCut(t *testing.T) {
	s, _ := openTest(t)
	ev := follow(t, s)
	ev.await(t, "up")
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE '%changes%'"); err != nil {
		t.Fatal(err)
	}
	down, _ := ev.await(t, "down: ")
	if !strings.Contains(down, "PostgreSQL change feed lost") {
		t.Fatalf("down event %q does not say the feed was lost", down)
	}
	ev.await(t, "reset")
	if got, skipped := ev.await(t, "up"); len(skipped) != 0 {
		t.Fatalf("events between reset and %q: %q", got, skipped)
	}
}

// PostgreSQL stopped: the feed says so at once and keeps trying; started
// again: reset, then up. The database's connection string is never part
// of what it says.
func TestFeedFollowsPostgreSQLDownAndUp(t *testing.T) {
	c := pgtest.Start(t)
	dsn := c.CreateDatabase(t)
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ev := follow(t, s)
	ev.await(t, "up")
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	down, _ := ev.await(t, "down: ")
	if strings.Contains(down, "postgres://") || strings.Contains(down, dsn) {
		t.Fatalf("down event %q quotes the connection string", down)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	_, skipped := ev.await(t, "reset")
	for _, e := range skipped {
		if e == "up" {
			t.Fatalf("up before the reset after the outage: %q", skipped)
		}
	}
	ev.await(t, "up")
}
