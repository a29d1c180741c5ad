package clock

import (
	"math"
	"testing"
	"time"
)

func TestFake(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := NewFake(t0)
	if !f.Now().Equal(t0) {
		t.Fatalf("Now = %v", f.Now())
	}
	f.Advance(time.Hour)
	if got := f.Now(); !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after Advance: %v", got)
	}
}

func TestOffsetMovesOnlyForward(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	base := NewFake(t0)
	o := NewOffset(base)
	o.Advance(12*time.Hour + time.Second)
	o.Advance(-time.Hour) // ignored
	if got := o.Now(); !got.Equal(t0.Add(12*time.Hour + time.Second)) {
		t.Fatalf("Now = %v", got)
	}
	base.Advance(time.Minute)
	if got := o.Now(); !got.Equal(t0.Add(12*time.Hour + time.Minute + time.Second)) {
		t.Fatalf("Offset does not follow its base: %v", got)
	}
	if o.Shift() != 12*time.Hour+time.Second {
		t.Fatalf("Shift = %v", o.Shift())
	}
}

func TestOffsetNeverWrapsBack(t *testing.T) {
	o := NewOffset(NewFake(time.Unix(0, 0)))
	if !o.TryAdvance(math.MaxInt64 - 10) {
		t.Fatal("a large but representable advance was refused")
	}
	if o.TryAdvance(11) {
		t.Fatal("an advance that overflows the offset was accepted")
	}
	if o.Shift() != math.MaxInt64-10 {
		t.Fatalf("shift %v after a refused advance", o.Shift())
	}
	if o.TryAdvance(0) || o.TryAdvance(-1) {
		t.Fatal("non-positive advances accepted")
	}
}

func TestOffsetReset(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	base := NewFake(t0)
	o := NewOffset(base)
	o.Advance(36 * time.Hour)
	o.Reset()
	if o.Shift() != 0 || !o.Now().Equal(t0) {
		t.Fatalf("after Reset: shift %v, now %v; want 0 and %v", o.Shift(), o.Now(), t0)
	}
	if !o.TryAdvance(time.Hour) || !o.Now().Equal(t0.Add(time.Hour)) {
		t.Fatalf("a reset clock must advance again: now %v", o.Now())
	}
}

func TestOffsetSetShift(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o := NewOffset(NewFake(t0))
	o.SetShift(12 * time.Hour)
	o.SetShift(12 * time.Hour) // twice is once: it is absolute
	if o.Shift() != 12*time.Hour || !o.Now().Equal(t0.Add(12*time.Hour)) {
		t.Fatalf("after SetShift(12h) twice: shift %v, now %v", o.Shift(), o.Now())
	}
	o.SetShift(time.Hour) // back, as a reset elsewhere sends it
	if o.Shift() != time.Hour {
		t.Fatalf("after SetShift(1h): shift %v", o.Shift())
	}
	o.SetShift(-time.Hour)
	if o.Shift() != time.Hour {
		t.Fatalf("a negative SetShift moved the clock to %v", o.Shift())
	}
}
