package disk

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/internal/storage"
)

// ModTime is the blob file's modification time, which start-up recovery
// compares with its grace period: pinned here with a time set on the file.
func TestModTimeIsTheBlobFilesTime(t *testing.T) {
	root := t.TempDir()
	e := mustOpen(t, root)
	ctx := t.Context()
	id, _, err := e.Put(ctx, strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	written := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(root, RelPath(id)), written, written); err != nil {
		t.Fatal(err)
	}
	got, err := e.ModTime(ctx, id)
	if err != nil || !got.Equal(written) {
		t.Fatalf("ModTime = %v, %v; want %v", got, err, written)
	}
	if err := e.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ModTime(ctx, id); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("ModTime of a deleted blob: %v, want ErrNotFound", err)
	}
	if _, err := e.ModTime(ctx, "../../etc/passwd"); !errors.Is(err, storage.ErrInvalidID) {
		t.Errorf("ModTime of an invalid ID: %v, want ErrInvalidID", err)
	}
}
