package disk

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"signet/internal/storage"
)

// RewriteHead changes the blob's first bytes and nothing after them.
func TestRewriteHead(t *testing.T) {
	ctx := context.Background()
	e, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := e.Put(ctx, strings.NewReader("old-head|the body"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.RewriteHead(ctx, id, []byte("NEW-HEAD")); err != nil {
		t.Fatal(err)
	}
	b, err := e.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(b)
	b.Close()
	if string(got) != "NEW-HEAD|the body" {
		t.Errorf("after RewriteHead: %q", got)
	}
	if err := e.RewriteHead(ctx, id, []byte(strings.Repeat("x", 100))); err == nil {
		t.Errorf("a head longer than the blob was written")
	}
	missing := storage.BlobID(strings.Repeat("a", len(id)))
	if err := e.RewriteHead(ctx, missing, []byte("x")); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("missing blob: %v", err)
	}
}
