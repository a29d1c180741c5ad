package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"signet/internal/meta"
)

var revTime = time.Date(2026, 12, 7, 5, 0, 0, 123456000, time.UTC)

func revocation(id string) meta.URLRevocation {
	return meta.URLRevocation{ID: "url:" + id, Print: id, Until: revTime.Add(time.Hour), RevokedAt: revTime, Reason: "leaked"}
}

// A put is announced to every node as ChangeURLRevocations, once it has
// committed; a put refused over the limit is not (the next event is the
// change after it); a prune is not announced.
func TestURLRevocationsAnnounced(t *testing.T) {
	s, _ := openTest(t)
	ev := follow(t, s)
	ev.await(t, "up")
	ctx := context.Background()
	if err := s.PutURLRevocations(ctx, []meta.URLRevocation{revocation("a")}, 1); err != nil {
		t.Fatal(err)
	}
	if got, skipped := ev.await(t, "changed:"); got != "changed:"+ChangeURLRevocations || len(skipped) != 0 {
		t.Fatalf("event %q after %q, want changed:%s", got, skipped, ChangeURLRevocations)
	}
	if err := s.PutURLRevocations(ctx, []meta.URLRevocation{revocation("b")}, 1); !errors.Is(err, meta.ErrLimitExceeded) {
		t.Fatalf("put over the limit: %v, want ErrLimitExceeded", err)
	}
	if n, err := s.PruneURLRevocations(ctx, revTime.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("PruneURLRevocations = %d, %v; want 1", n, err)
	}
	if err := s.SetDevClockOffset(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, skipped := ev.await(t, "changed:"); got != "changed:"+ChangeDevClock || len(skipped) != 0 {
		t.Fatalf("event %q after %q, want changed:%s alone: neither the refused put nor the prune is announced", got, skipped, ChangeDevClock)
	}
}

// Nodes putting at once cannot take the denylist past its limit between
// them: of puts of distinct entries from two stores on one database, as
// many succeed as the limit allows and the rest are ErrLimitExceeded.
// What one node put is what another lists, and outlives the node.
func TestURLRevocationsLimitAcrossNodes(t *testing.T) {
	s1, dsn := openTest(t)
	s2, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	const limit, each = 5, 6
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, full int
		others   []error
	)
	start := make(chan struct{})
	for node, s := range []*Store{s1, s2} {
		for i := range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := s.PutURLRevocations(context.Background(), []meta.URLRevocation{revocation(fmt.Sprintf("n%d-%d", node, i))}, limit)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, meta.ErrLimitExceeded):
					full++
				default:
					others = append(others, err)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	if len(others) != 0 || ok != limit || full != 2*each-limit {
		t.Fatalf("%d stored, %d refused for the limit, other errors %v; want %d and %d", ok, full, others, limit, 2*each-limit)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	rs, err := s2.ListURLRevocations(context.Background())
	if err != nil || len(rs) != limit {
		t.Fatalf("the other node lists %d entries, %v; want %d", len(rs), err, limit)
	}
}

// BenchmarkListURLRevocationsFull is what a node's reload of the URL
// denylist costs when it holds revocation.MaxEntries entries: every
// change reloads the whole list.
func BenchmarkListURLRevocationsFull(b *testing.B) {
	const n = 100_000
	s, _ := openTest(b)
	ctx := context.Background()
	until := time.Now().Add(time.Hour).UTC()
	for i := 0; i < n; i += 1000 {
		batch := make([]meta.URLRevocation, 0, 1000)
		for j := i; j < i+1000; j++ {
			id := fmt.Sprintf("url:%032x", j)
			batch = append(batch, meta.URLRevocation{ID: id, Print: id[4:], Until: until, RevokedAt: until, RevokedBy: "arn:aws:iam::123456789012:root",
				Reason: "benchmark", AccessKeyID: "AKIAEXAMPLE000000001", PrincipalARN: "arn:aws:iam::123456789012:user/alice", Method: "GET", Bucket: "b", Key: "k"})
		}
		if err := s.PutURLRevocations(ctx, batch, n); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		got, err := s.ListURLRevocations(ctx)
		if err != nil || len(got) != n {
			b.Fatalf("%d entries, %v", len(got), err)
		}
	}
}
