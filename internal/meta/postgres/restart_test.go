package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
	"signet/internal/pgtest"
)

// PostgreSQL restarted under an open store: the pool's connections are
// dead. A call on one fails as unavailable (503, the client retries) or
// runs again on a fresh connection when nothing was sent; never another
// error (which the API would answer 500); and once the server is back,
// calls succeed.
func TestCallsAcrossARestart(t *testing.T) {
	c := pgtest.Start(t)
	s, err := Open(context.Background(), c.CreateDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	calls := func(round int, when string) (failed int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 8 { // at once: several pooled connections
			wg.Go(func() {
				err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error { return changed(ctx, tx, ChangeDevClock) })
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed++
				}
				if err != nil && !errors.Is(err, meta.ErrUnavailable) {
					t.Errorf("round %d, %s: %v, want nil or ErrUnavailable", round, when, err)
				}
			})
		}
		wg.Wait()
		return failed
	}
	for round := range 4 {
		calls(round, "before the restart")
		if err := c.Restart(); err != nil {
			t.Fatal(err)
		}
		calls(round, "just after the restart")
		if n := calls(round, "after the pool replaced its connections"); n > 0 {
			t.Fatalf("round %d: %d calls still failing", round, n)
		}
	}
}
