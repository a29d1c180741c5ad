package disk

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// failingWriter fails every write after the first ok bytes.
type failingWriter struct {
	ok  int
	got bytes.Buffer
}

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.got.Len()+len(p) > w.ok {
		return 0, errDiskFull
	}
	return w.got.Write(p)
}

// countingReader yields bytes forever and counts them.
type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.n + int64(i))
	}
	r.n += int64(len(p))
	return len(p), nil
}

// TestPipelineStopsOnWriteFailure: when the writer fails, the reader stops
// within a few buffers instead of draining the whole body, and the write
// error is the one returned.
func TestPipelineStopsOnWriteFailure(t *testing.T) {
	w := &failingWriter{ok: 2 * bufSize}
	r := &countingReader{}
	n, err := copyChunks(t.Context(), w, r)
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("copyChunks = %d, %v; want the writer's error", n, err)
	}
	if n != int64(w.got.Len()) || n != 2*bufSize {
		t.Fatalf("copyChunks reported %d bytes written, the writer took %d; want %d", n, w.got.Len(), 2*bufSize)
	}
	if r.n > 6*bufSize {
		t.Fatalf("read %d bytes after the writer failed at %d", r.n, 2*bufSize)
	}
}

// TestPipelineKeepsOrder copies through the pipeline with a reader that
// returns pieces of odd sizes and checks every byte lands in order.
func TestPipelineKeepsOrder(t *testing.T) {
	data := make([]byte, 5*bufSize+777)
	for i := range data {
		data[i] = byte(i*31 + i>>11)
	}
	var out bytes.Buffer
	n, err := copyChunks(t.Context(), &out, &oddReader{r: bytes.NewReader(data)})
	if err != nil || n != int64(len(data)) || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("copyChunks = %d, %v; copied %d bytes equal %v, want %d", n, err, out.Len(), bytes.Equal(out.Bytes(), data), len(data))
	}
}

// oddReader returns reads of varying, odd sizes.
type oddReader struct {
	r *bytes.Reader
	i int
}

func (o *oddReader) Read(p []byte) (int, error) {
	o.i++
	size := 1 + (o.i*7919)%65521
	if len(p) > size {
		p = p[:size]
	}
	return o.r.Read(p)
}

var _ io.Reader = (*oddReader)(nil)
