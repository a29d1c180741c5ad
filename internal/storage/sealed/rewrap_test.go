package sealed

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"signet/internal/storage"
	"signet/internal/storage/memory"
)

func mustKEK(t *testing.T, seed byte) *KEK {
	t.Helper()
	k, err := DeriveKEK(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// rewriteHead replaces a memory blob's header, as the rotation does in
// place on disk.
func rewriteHead(t *testing.T, mem *memory.Engine, id storage.BlobID, head []byte) storage.BlobID {
	t.Helper()
	ctx := context.Background()
	b, err := mem.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(b)
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	copy(all, head)
	nid, _, err := mem.Put(ctx, bytes.NewReader(all))
	if err != nil {
		t.Fatal(err)
	}
	return nid
}

func readAll(t *testing.T, e *Engine, id storage.BlobID) (string, error) {
	t.Helper()
	b, err := e.Open(context.Background(), id)
	if err != nil {
		return "", err
	}
	defer b.Close()
	got, err := io.ReadAll(b)
	return string(got), err
}

// A re-wrapped header opens with the new key alone, every chunk as it
// was; the old key no longer opens it; a second Rewrap has nothing to do.
func TestRewrap(t *testing.T) {
	ctx := context.Background()
	oldK, newK := mustKEK(t, 1), mustKEK(t, 2)
	mem := memory.New()
	olde, _ := New(mem, oldK)
	newe, _ := New(mem, newK)
	body := strings.Repeat("rotate ", 40000) // several chunks
	id, _, err := olde.Put(ctx, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := mem.Open(ctx, id)
	head := make([]byte, HeaderSize)
	if _, err := b.ReadAt(head, 0); err != nil {
		t.Fatal(err)
	}
	b.Close()
	out, res, err := Rewrap(head, oldK, newK)
	if err != nil || res != Rewrapped {
		t.Fatalf("Rewrap = %v, %v", res, err)
	}
	if bytes.Equal(out[wrappedOff:], head[wrappedOff:]) || !bytes.Equal(out[identOff:nonceOff], head[identOff:nonceOff]) {
		t.Errorf("the wrapped key did not change, or the identity did")
	}
	nid := rewriteHead(t, mem, id, out)
	if got, err := readAll(t, newe, nid); err != nil || got != body {
		t.Fatalf("new key: %d bytes, %v", len(got), err)
	}
	if _, err := readAll(t, olde, nid); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("old key on a re-wrapped blob: %v", err)
	}
	if _, res, err := Rewrap(out, oldK, newK); err != nil || res != AlreadyRewrapped {
		t.Errorf("second Rewrap = %v, %v", res, err)
	}
	// A header under a third key, or tampered with, is refused.
	if _, _, err := Rewrap(head, mustKEK(t, 3), newK); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Rewrap from another key: %v", err)
	}
	bad := bytes.Clone(head)
	bad[HeaderSize-1] ^= 1
	if _, _, err := Rewrap(bad, oldK, newK); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Rewrap of a tampered header: %v", err)
	}
}

// Plaintext blobs and SSE-C blobs are not the server key's to re-wrap.
func TestRewrapLeavesOthersAlone(t *testing.T) {
	ctx := context.Background()
	oldK, newK := mustKEK(t, 1), mustKEK(t, 2)
	mem := memory.New()
	e, _ := New(mem, oldK)
	id, _, err := e.PutCustomer(ctx, strings.NewReader("customer's"), bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := mem.Open(ctx, id)
	head := make([]byte, HeaderSize)
	if _, err := b.ReadAt(head, 0); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, res, err := Rewrap(head, oldK, newK); err != nil || res != NotServerSealed {
		t.Errorf("SSE-C header: %v, %v", res, err)
	}
	if _, res, err := Rewrap([]byte("plaintext written before encryption, long enough to be a header............................................"), oldK, newK); err != nil || res != NotServerSealed {
		t.Errorf("plaintext: %v, %v", res, err)
	}
}
