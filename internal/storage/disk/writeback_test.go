package disk

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWritebackHint: the hint works on a real file and is skipped for
// writers that are not files.
func TestWritebackHint(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := startWriteback(f, 0, 1<<20); err != nil {
		t.Fatalf("startWriteback on a file: %v", err)
	}
	var buf bytes.Buffer
	if err := startWriteback(&buf, 0, 1); err != nil {
		t.Fatalf("startWriteback on a buffer: %v", err)
	}
}

// TestLargePutWithWriteback stores a blob past several writeback points
// and reads it back whole.
func TestLargePutWithWriteback(t *testing.T) {
	e := mustOpen(t, t.TempDir())
	data := make([]byte, 3*writebackEvery+12345)
	for i := range data {
		data[i] = byte(i*7 + i>>13)
	}
	id, n, err := e.Put(t.Context(), bytes.NewReader(data))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Put = %d, %v", n, err)
	}
	b, err := e.Open(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := io.ReadAll(b)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (%v), want the %d written", len(got), err, len(data))
	}
}
