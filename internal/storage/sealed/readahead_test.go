package sealed_test

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync/atomic"
	"testing"

	"signet/internal/storage"
	"signet/internal/storage/memory"
)

// endlessBody is a request body that never ends and fails the test if it
// is read once the Put that owns it has returned.
type endlessBody struct {
	t        *testing.T
	returned atomic.Bool
	reads    atomic.Int64
}

func (b *endlessBody) Read(p []byte) (int, error) {
	if b.returned.Load() {
		b.t.Error("the body was read after Put returned")
	}
	b.reads.Add(1)
	clear(p)
	return len(p), nil
}

// failingEngine reads a little of what it is given, then fails, as a full
// disk does.
type failingEngine struct{ storage.Engine }

var errDiskFull = errors.New("disk full")

func (failingEngine) Put(_ context.Context, r io.Reader) (storage.BlobID, int64, error) {
	buf := make([]byte, 300<<10)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", 0, err
	}
	return "", 0, errDiskFull
}

// TestReadAheadStopsWithPut: when the engine underneath gives up half-way,
// Put returns only once the read-ahead no longer reads the body, which
// goes back to net/http.
func TestReadAheadStopsWithPut(t *testing.T) {
	e := newEngine(t, failingEngine{memory.New()})
	before := runtime.NumGoroutine()
	for range 20 {
		body := &endlessBody{t: t}
		if _, _, err := e.Put(t.Context(), body); !errors.Is(err, errDiskFull) {
			t.Fatalf("Put: %v, want the engine's error", err)
		}
		body.returned.Store(true)
		if body.reads.Load() == 0 {
			t.Fatal("the body was never read")
		}
	}
	// A read-ahead left running would wait for buffers forever: twenty
	// Puts would leave twenty goroutines behind.
	if after := runtime.NumGoroutine(); after >= before+10 {
		t.Errorf("%d goroutines before the Puts, %d after: the read-ahead outlives Put", before, after)
	}
}
