package storage

import (
	"io"
	"strings"
	"testing"
)

// errReader returns err (or, for nil, nothing at all) on every Read.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestFillPassesErrorsThrough(t *testing.T) {
	buf := make([]byte, 10)
	n, err := Fill(io.MultiReader(strings.NewReader("abc"), errReader{io.ErrUnexpectedEOF}), buf)
	if n != 3 || err != io.ErrUnexpectedEOF {
		t.Fatalf("Fill = %d, %v; want 3, io.ErrUnexpectedEOF", n, err)
	}
	n, err = Fill(strings.NewReader("abc"), buf)
	if n != 3 || err != io.EOF {
		t.Fatalf("Fill = %d, %v; want 3, io.EOF", n, err)
	}
	n, err = Fill(errReader{nil}, buf)
	if n != 0 || err != io.ErrNoProgress {
		t.Fatalf("Fill from a reader that returns nothing = %d, %v; want io.ErrNoProgress", n, err)
	}
}
