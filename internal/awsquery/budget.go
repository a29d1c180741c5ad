package awsquery

import (
	"context"
	"net/http"
	"sync"
)

// SmallBody is the largest body read outside the budget: every Query
// call but a large policy document fits, so ordinary calls never wait.
const SmallBody = 64 << 10

// DefaultBodyBudget is the front door's budget: eight bodies of MaxBody.
const DefaultBodyBudget = 8 * MaxBody

// BodyBudget bounds the bytes of large Query bodies held at once. A body
// must be held whole (its SHA-256 is signed, and it is parsed after the
// signature is checked), and a request costs about twice its body until
// it is answered; without a bound, the number of connections decides how
// much memory large bodies take (32 bodies of a megabyte raised resident
// memory by 100 MiB). A body over SmallBody first waits for its declared
// length (MaxBody when undeclared) to fit, before a byte is read.
type BodyBudget struct {
	// turn is held by the one request waiting for room, so that two
	// requests never each hold part of what both need.
	turn  chan struct{}
	freed chan struct{} // signalled on each release
	mu    sync.Mutex
	free  int64
}

// NewBodyBudget returns a budget of size bytes (at least MaxBody, so
// every admissible body fits on its own).
func NewBodyBudget(size int64) *BodyBudget {
	if size < MaxBody {
		size = MaxBody
	}
	return &BodyBudget{turn: make(chan struct{}, 1), freed: make(chan struct{}, 1), free: size}
}

// ReadBody is the package's ReadBody within the budget. release gives the
// body's share back; call it once the request is answered (it is never
// nil, whatever the error).
func (b *BodyBudget) ReadBody(ctx context.Context, r *http.Request) (body []byte, release func(), err error) {
	release = func() {}
	if r.Body != nil && r.ContentLength > MaxBody {
		return nil, release, ErrBodyTooLarge
	}
	if r.Body != nil && r.Body != http.NoBody && (r.ContentLength < 0 || r.ContentLength > SmallBody) {
		n := r.ContentLength
		if n < 0 {
			n = MaxBody
		}
		if err := b.take(ctx, n); err != nil {
			return nil, release, err
		}
		release = sync.OnceFunc(func() { b.give(n) })
	}
	body, err = ReadBody(r)
	return body, release, err
}

// take waits until n bytes are free and holds them, or until ctx ends.
func (b *BodyBudget) take(ctx context.Context, n int64) error {
	select {
	case b.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-b.turn }()
	for {
		b.mu.Lock()
		if b.free >= n {
			b.free -= n
			b.mu.Unlock()
			return nil
		}
		b.mu.Unlock()
		select {
		case <-b.freed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *BodyBudget) give(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	select {
	case b.freed <- struct{}{}:
	default:
	}
}
