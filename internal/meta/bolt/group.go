package bolt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	bbolt "go.etcd.io/bbolt"
)

// Group commit. Every bbolt commit ends in two fdatasyncs, so durable small
// writes are bound by how many of them share one commit. bbolt's own
// db.Batch groups the writes that arrive within a fixed delay of the
// first; when a commit takes longer than that delay (an fsync under load
// often does), the writes that arrive during it are cut into several
// small batches that then commit one after another, each paying its own
// fsyncs. Here instead, every write that arrives while a commit is in
// flight joins the next one, whatever the commit's length: the batch is
// as large as the load, and a lone writer commits at once, with no timer.
//
// The leader is a writer's own goroutine: it takes the queue, commits it,
// and hands the lead to the first writer that queued meanwhile, so no
// writer commits for others longer than one batch.

// maxGroup bounds one transaction's writes, so a flood of queued writers
// cannot make a single commit (and the wait of its first writer) grow
// without bound.
const maxGroup = 512

// errLead tells a queued writer it now leads the next commit.
var errLead = errors.New("meta/bolt: lead the next commit")

type groupCall struct {
	fn   func(*bbolt.Tx) error
	done chan error // capacity 1: errLead, then the result
}

// committer queues grouped writes; see group.
type committer struct {
	mu    sync.Mutex
	queue []*groupCall
	busy  bool // a leader is committing
	// batches counts the transactions commitBatch ran, retries
	// included; tests read it to see writes share commits.
	batches atomic.Int64
	// observe, when set, is told each transaction's count of writes.
	observe atomic.Pointer[func(writes int)]
}

// SetCommitObserver has fn told the number of writes in every
// transaction the group commit runs (retries included), after it ends;
// nil stops it. The server passes the metrics' batch-size histogram, so
// that this package needs no metrics library. fn runs on a writer's
// goroutine while the others of its batch wait, so it must be quick.
func (s *Store) SetCommitObserver(fn func(writes int)) {
	if fn == nil {
		s.commits.observe.Store(nil)
		return
	}
	s.commits.observe.Store(&fn)
}

// group runs fn in a transaction it may share with concurrent writes, and
// returns once that transaction is durable or has failed. fn may run more
// than once (when another write in its batch fails, the rest run again
// without it), so it must reset anything it reports and depend only on the
// transaction: callers' Preconditions are pure. Writes in one batch run in
// the order they arrived, each seeing the ones before it.
func (s *Store) group(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	c := &s.commits
	call := &groupCall{fn: fn, done: make(chan error, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, call)
	lead := !c.busy
	c.busy = true
	c.mu.Unlock()
	if !lead {
		if err := <-call.done; err != errLead {
			return err
		}
	}
	c.mu.Lock()
	n := min(len(c.queue), maxGroup)
	batch := c.queue[:n:n]
	c.queue = c.queue[n:]
	c.mu.Unlock()

	s.commitBatch(batch)

	c.mu.Lock()
	if len(c.queue) > 0 {
		c.queue[0].done <- errLead
	} else {
		c.busy = false
	}
	c.mu.Unlock()
	return <-call.done
}

// commitBatch runs the calls in one transaction and sends each its
// result. A call that fails is answered with its error, which it met in
// the state the calls before it left, and the others run again without
// it; a failing commit fails them all.
func (s *Store) commitBatch(batch []*groupCall) {
	for len(batch) > 0 {
		failed := -1
		var failure error
		s.commits.batches.Add(1)
		err := s.db.Update(func(tx *bbolt.Tx) error {
			for i, call := range batch {
				if err := safeCall(call.fn, tx); err != nil {
					failed, failure = i, err
					return err
				}
			}
			return nil
		})
		if fn := s.commits.observe.Load(); fn != nil {
			(*fn)(len(batch))
		}
		if failed >= 0 {
			batch[failed].done <- mapErr(failure)
			batch = append(batch[:failed:failed], batch[failed+1:]...)
			continue
		}
		for _, call := range batch {
			call.done <- mapErr(err)
		}
		return
	}
}

// safeCall turns a panic in fn into its error, so one write's bug cannot
// leave the other writers of its batch waiting forever.
func safeCall(fn func(*bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("meta/bolt: panic in a grouped write: %v", p)
		}
	}()
	return fn(tx)
}
