// Package clock is the only place in signet that reads the wall clock.
// Everything that decides a lifetime takes a Clock, so tests can use a Fake
// and `signet server --dev-clock` can move time forward.
package clock

import (
	"math"
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Real is the system clock.
type Real struct{}

// Now returns the current wall-clock time in UTC.
func (Real) Now() time.Time { return time.Now().UTC() }

// Fake is a clock that only moves when told to. Safe for concurrent use.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a Fake clock set to t.
func NewFake(t time.Time) *Fake { return &Fake{now: t.UTC()} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Set moves the clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t.UTC()
	f.mu.Unlock()
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Offset is a clock running at the pace of Base but shifted forward by an
// adjustable offset. It backs `signet server --dev-clock`: lifetimes use the
// shifted time while Base (the real clock) still serves the skew check.
type Offset struct {
	Base   Clock
	mu     sync.Mutex
	offset time.Duration
}

// NewOffset returns an Offset clock over base with no shift.
func NewOffset(base Clock) *Offset { return &Offset{Base: base} }

// Now returns Base's time plus the offset.
func (o *Offset) Now() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.Base.Now().Add(o.offset)
}

// Advance moves the clock forward by d; a negative d is ignored because
// time that has been shown to have passed must not come back.
func (o *Offset) Advance(d time.Duration) { o.TryAdvance(d) }

// TryAdvance is Advance reporting whether the clock moved: it refuses a
// non-positive d, and a d that would overflow the offset (which would wrap
// it negative and send time back).
func (o *Offset) TryAdvance(d time.Duration) bool {
	if d <= 0 {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.offset > math.MaxInt64-d {
		return false
	}
	o.offset += d
	return true
}

// Reset moves the clock back to Base's time. Unlike Advance it sends time
// back: it is the one explicit way out of a dev clock's future, asked for
// by an admin (`signet admin clock reset`).
func (o *Offset) Reset() {
	o.mu.Lock()
	o.offset = 0
	o.mu.Unlock()
}

// SetShift sets the offset to d, forward or back; a negative d is
// ignored. It is how a node follows the offset another node of its
// deployment stored (a reset there sends time back here too), and being
// absolute it gives the same clock whichever of a move and the news of
// it comes first.
func (o *Offset) SetShift(d time.Duration) {
	if d < 0 {
		return
	}
	o.mu.Lock()
	o.offset = d
	o.mu.Unlock()
}

// Shift reports how far the clock has been moved forward.
func (o *Offset) Shift() time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.offset
}
