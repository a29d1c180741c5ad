package sealed_test

import (
	"bytes"
	"errors"
	"testing"

	"signet/internal/storage"
	"signet/internal/storage/memory"
	"signet/internal/storage/sealed"
)

// writeRange opens id and writes [off, off+n) through WriteRange, the path
// a GET takes; ranges over more than four chunks go through the pipeline.
func writeRange(t *testing.T, e storage.Engine, id storage.BlobID, w *bytes.Buffer, off, n int64) (int64, error) {
	t.Helper()
	b, err := e.Open(t.Context(), id)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	return b.(storage.RangeWriter).WriteRange(w, off, n)
}

func TestPipelineStopsAtATamperedChunk(t *testing.T) {
	m := memory.New()
	e := newEngine(t, m)
	want := data(30*full + 9)
	id, _, err := e.Put(t.Context(), bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	stored := raw(t, m, id)
	stored[hdr+13*full+100] ^= 1 // chunk 13, in the fourth batch
	var out bytes.Buffer
	n, err := writeRange(t, e, replace(t, m, stored), &out, 0, int64(len(want)))
	if !errors.Is(err, sealed.ErrCorrupt) {
		t.Fatalf("WriteRange over a tampered chunk: %d, %v, want ErrCorrupt", n, err)
	}
	// Nothing of the tampered chunk or after it is written, and what is
	// written is the plaintext before it.
	if n != int64(out.Len()) || n > 13*int64(full-16) || !bytes.Equal(out.Bytes(), want[:n]) {
		t.Fatalf("wrote %d bytes (buffer %d) before the tampered chunk at %d", n, out.Len(), 13*(full-16))
	}
}

// failingWriter accepts limit bytes, then fails.
type failingWriter struct{ limit int }

var errWrite = errors.New("client went away")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		n := w.limit
		w.limit = 0
		return n, errWrite
	}
	w.limit -= len(p)
	return len(p), nil
}

func TestPipelineStopsWhenTheWriterFails(t *testing.T) {
	e := newEngine(t, memory.New())
	want := data(40*full + 1)
	id, _, err := e.Put(t.Context(), bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Open(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	w := &failingWriter{limit: 5*(full-16) + 3}
	n, err := b.(storage.RangeWriter).WriteRange(w, 7, int64(len(want))-7)
	if !errors.Is(err, errWrite) || n != 5*int64(full-16)+3 {
		t.Fatalf("WriteRange into a failing writer = %d, %v; want %d, the writer's error", n, err, 5*(full-16)+3)
	}
	// The blob still reads whole afterwards: no buffer was returned to
	// the pool while a worker still wrote into it.
	var out bytes.Buffer
	if n, err := b.(storage.RangeWriter).WriteRange(&out, 0, int64(len(want))); err != nil || n != int64(len(want)) || !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("WriteRange after a failed one = %d, %v", n, err)
	}
}
