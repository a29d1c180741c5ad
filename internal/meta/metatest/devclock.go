package metatest

import (
	"context"
	"errors"
	"testing"
	"time"

	"signet/internal/meta"
)

// runDevClock checks meta.DevClockStore: none stored reads as 0, the last
// offset stored wins, 0 (a reset) is stored like any other, a negative
// offset is refused without changing what is stored, and a closed store
// answers ErrClosed.
func runDevClock(t *testing.T, newStore func(t *testing.T) meta.Store) {
	s, ok := newStore(t).(meta.DevClockStore)
	if !ok {
		t.Skip("store does not implement meta.DevClockStore")
	}
	ctx := context.Background()
	read := func(want time.Duration) {
		t.Helper()
		got, err := s.DevClockOffset(ctx)
		if err != nil || got != want {
			t.Fatalf("DevClockOffset = %v, %v; want %v", got, err, want)
		}
	}
	read(0)
	steps := []time.Duration{12*time.Hour + time.Second, 7*24*time.Hour + 1500*time.Millisecond, 0, 1<<63 - 1, time.Nanosecond}
	for _, d := range steps {
		if err := s.SetDevClockOffset(ctx, d); err != nil {
			t.Fatalf("SetDevClockOffset(%v): %v", d, err)
		}
		read(d)
	}
	if err := s.SetDevClockOffset(ctx, -time.Hour); !errors.Is(err, meta.ErrInvalidArgument) {
		t.Fatalf("SetDevClockOffset(-1h) = %v, want ErrInvalidArgument", err)
	}
	read(time.Nanosecond)
	if err := s.(meta.Store).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DevClockOffset(ctx); !errors.Is(err, meta.ErrClosed) {
		t.Fatalf("DevClockOffset after Close = %v, want ErrClosed", err)
	}
	if err := s.SetDevClockOffset(ctx, time.Hour); !errors.Is(err, meta.ErrClosed) {
		t.Fatalf("SetDevClockOffset after Close = %v, want ErrClosed", err)
	}
}
