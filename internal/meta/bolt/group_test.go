package bolt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
	"signet/internal/storage"
)

// holdLeader starts a grouped write that blocks inside its transaction
// until release is closed, so that the writes started meanwhile queue up
// and commit together in the next batch.
func holdLeader(t *testing.T, s *Store) (release func(), done <-chan error) {
	t.Helper()
	entered, hold, res := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		res <- s.group(context.Background(), func(tx *bbolt.Tx) error {
			close(entered)
			<-hold
			return tx.Bucket(bktSchema).Put([]byte("leader"), []byte("x"))
		})
	}()
	<-entered
	return func() { close(hold) }, res
}

// queued waits until n writes are queued behind the leader.
func queued(t *testing.T, s *Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s.commits.mu.Lock()
		got := len(s.commits.queue)
		s.commits.mu.Unlock()
		if got == n {
			return
		}
	}
	t.Fatalf("%d writes never queued", n)
}

// TestGroupSharesOneCommit: the writes that arrive during a commit all
// commit together in the next one, not one by one.
func TestGroupSharesOneCommit(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	before := s.commits.batches.Load()
	release, leader := holdLeader(t, s)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.PutObject(ctx, smallObject("b", fmt.Sprint("k", i), storage.BlobID(fmt.Sprintf("blob%02d", i))), nil)
		})
	}
	queued(t, s, n)
	release()
	wg.Wait()
	if err := <-leader; err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	// The leader's commit, then one for the 20 queued writes.
	if got := s.commits.batches.Load() - before; got != 2 {
		t.Fatalf("%d commits for a leader and %d queued writes, want 2", got, n)
	}
	page, err := s.ListObjects(ctx, "b", meta.ListQuery{MaxKeys: 100})
	if err != nil || len(page.Objects) != n {
		t.Fatalf("listed %d objects (%v), want %d", len(page.Objects), err, n)
	}
}

// TestGroupFailureIsolated: in one batch, a write that fails gets its own
// error and leaves the others committed; a write that panics likewise.
// Writes see the ones queued before them: an If-None-Match: * behind a
// write of the same key fails.
func TestGroupFailureIsolated(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	release, leader := holdLeader(t, s)
	errNo := errors.New("refused")
	absent := func(o *meta.Object) error {
		if o != nil {
			return errNo
		}
		return nil
	}
	type result struct {
		name string
		err  error
	}
	results := make(chan result, 5)
	start := func(name string, f func() error) {
		go func() { results <- result{name, f()} }()
	}
	start("first", func() error {
		_, err := s.PutObject(ctx, smallObject("b", "same", "blob01"), nil)
		return err
	})
	queued(t, s, 1)
	start("second", func() error {
		_, err := s.PutObject(ctx, smallObject("b", "same", "blob02"), absent)
		return err
	})
	queued(t, s, 2)
	start("nobucket", func() error {
		_, err := s.PutObject(ctx, smallObject("nope", "k", "blob03"), nil)
		return err
	})
	queued(t, s, 3)
	start("panics", func() error {
		return s.group(ctx, func(*bbolt.Tx) error { panic("boom") })
	})
	queued(t, s, 4)
	start("last", func() error {
		_, err := s.PutObject(ctx, smallObject("b", "other", "blob04"), nil)
		return err
	})
	queued(t, s, 5)
	release()
	if err := <-leader; err != nil {
		t.Fatal(err)
	}
	got := map[string]error{}
	for range 5 {
		r := <-results
		got[r.name] = r.err
	}
	if got["first"] != nil || got["last"] != nil {
		t.Fatalf("the good writes failed: %v", got)
	}
	if !errors.Is(got["second"], errNo) {
		t.Errorf("If-None-Match behind a write of the same key: %v, want the precondition's error", got["second"])
	}
	if !errors.Is(got["nobucket"], meta.ErrNoSuchBucket) {
		t.Errorf("write to a missing bucket: %v", got["nobucket"])
	}
	if got["panics"] == nil {
		t.Error("a panicking write reported success")
	}
	for key, blob := range map[string]storage.BlobID{"same": "blob01", "other": "blob04"} {
		o, err := s.GetObject(ctx, "b", key)
		if err != nil || o.Segments[0].Blob != blob {
			t.Fatalf("%s: %v %v, want blob %s", key, o.Blobs(), err, blob)
		}
	}
}

// TestGroupAfterClose: a grouped write on a closed store fails with
// meta.ErrClosed instead of waiting forever.
func TestGroupAfterClose(t *testing.T) {
	s, _ := openTemp(t)
	mkBucket(t, s, "b")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutObject(t.Context(), smallObject("b", "k", "blob01"), nil); !errors.Is(err, meta.ErrClosed) {
		t.Fatalf("PutObject after Close = %v, want meta.ErrClosed", err)
	}
}

// TestCommitObserverToldBatchSizes: the observer hears each transaction's
// count of writes, the leader's alone and then the queued ones together,
// and nothing once it is removed.
func TestCommitObserverToldBatchSizes(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	var mu sync.Mutex
	var sizes []int
	s.SetCommitObserver(func(n int) {
		mu.Lock()
		sizes = append(sizes, n)
		mu.Unlock()
	})
	release, leader := holdLeader(t, s)
	const n = 5
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := s.PutObject(ctx, smallObject("b", fmt.Sprint("k", i), storage.BlobID(fmt.Sprintf("blob%02d", i))), nil); err != nil {
				t.Error(err)
			}
		})
	}
	queued(t, s, n)
	release()
	wg.Wait()
	if err := <-leader; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := fmt.Sprint(sizes)
	mu.Unlock()
	if got != "[1 5]" {
		t.Errorf("batch sizes observed = %s, want [1 5] (the leader, then the %d queued writes)", got, n)
	}
	s.SetCommitObserver(nil)
	mkBucket(t, s, "c")
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) != 2 {
		t.Errorf("observer removed but still told: %v", sizes)
	}
}
