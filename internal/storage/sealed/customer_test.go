package sealed_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"signet/internal/storage"
	"signet/internal/storage/memory"
	"signet/internal/storage/sealed"
)

func customerKey(seed byte) []byte { return bytes.Repeat([]byte{seed}, sealed.CustomerKeySize) }

func TestCustomerKeyRoundTrip(t *testing.T) {
	m := memory.New()
	e := newEngine(t, m)
	key := customerKey(9)
	for _, size := range []int{0, 100, sealed.ChunkSize, 9*sealed.ChunkSize + 5} {
		want := data(size)
		id, n, err := e.PutCustomer(t.Context(), bytes.NewReader(want), key)
		if err != nil || n != int64(size) {
			t.Fatalf("PutCustomer(%d bytes) = %d, %v", size, n, err)
		}
		stored := raw(t, m, id)
		if size >= 100 && bytes.Contains(stored, want[:100]) {
			t.Errorf("size %d: plaintext stored as is", size)
		}
		if bytes.Contains(stored, key) {
			t.Errorf("size %d: the customer's key is stored", size)
		}
		b, err := e.OpenCustomer(t.Context(), id, key)
		if err != nil {
			t.Fatalf("OpenCustomer: %v", err)
		}
		got, err := io.ReadAll(b)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("size %d: read back %d bytes, %v", size, len(got), err)
		}
		if rw, ok := b.(storage.RangeWriter); ok {
			var out bytes.Buffer
			if _, err := rw.WriteRange(&out, 0, int64(size)); err != nil || !bytes.Equal(out.Bytes(), want) {
				t.Errorf("size %d: WriteRange: %v", size, err)
			}
		}
		b.Close()
	}
}

func TestCustomerBlobNeedsItsKey(t *testing.T) {
	m := memory.New()
	e := newEngine(t, m)
	want := data(3*sealed.ChunkSize + 1)
	id, _, err := e.PutCustomer(t.Context(), bytes.NewReader(want), customerKey(9))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Open(t.Context(), id); !errors.Is(err, sealed.ErrCustomerKeyRequired) {
		t.Errorf("Open without the key: %v, want ErrCustomerKeyRequired", err)
	}
	if _, err := e.OpenCustomer(t.Context(), id, customerKey(8)); !errors.Is(err, sealed.ErrCorrupt) {
		t.Errorf("OpenCustomer with another key: %v, want ErrCorrupt", err)
	}
	if _, err := e.OpenCustomer(t.Context(), id, customerKey(9)[:31]); !errors.Is(err, sealed.ErrCustomerKeySize) {
		t.Errorf("OpenCustomer with a 31-byte key: %v, want ErrCustomerKeySize", err)
	}
	// The server's sealing key plays no part: an engine under another
	// KEK (after a rotation, say) opens it with the customer's key alone.
	e2, err := sealed.New(m, kek(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e2.OpenCustomer(t.Context(), id, customerKey(9))
	if err != nil {
		t.Fatalf("OpenCustomer under another server KEK: %v", err)
	}
	got, err := io.ReadAll(b)
	b.Close()
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("read back %d bytes, %v", len(got), err)
	}
}

func TestCustomerKeyRefusedForOtherBlobs(t *testing.T) {
	m := memory.New()
	e := newEngine(t, m)
	sse, _, err := e.Put(t.Context(), bytes.NewReader(data(1000)))
	if err != nil {
		t.Fatal(err)
	}
	legacy, _, err := m.Put(t.Context(), bytes.NewReader(data(1000)))
	if err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]storage.BlobID{"SSE-S3": sse, "unencrypted": legacy} {
		if _, err := e.OpenCustomer(t.Context(), id, customerKey(9)); !errors.Is(err, sealed.ErrNotCustomerSealed) {
			t.Errorf("OpenCustomer of an %s blob: %v, want ErrNotCustomerSealed", name, err)
		}
	}
	if _, _, err := e.PutCustomer(t.Context(), bytes.NewReader(nil), make([]byte, 16)); !errors.Is(err, sealed.ErrCustomerKeySize) {
		t.Errorf("PutCustomer with a 16-byte key: %v, want ErrCustomerKeySize", err)
	}
}

func TestKeyCheck(t *testing.T) {
	key := customerKey(9)
	c1, c2 := sealed.NewKeyCheck(key), sealed.NewKeyCheck(key)
	if bytes.Equal(c1, c2) {
		t.Error("two checks of one key are equal: not salted")
	}
	if bytes.Contains(c1, key) {
		t.Error("the check holds the key")
	}
	if !sealed.KeyMatches(c1, key) || !sealed.KeyMatches(c2, key) {
		t.Error("the key does not match its own check")
	}
	if sealed.KeyMatches(c1, customerKey(8)) {
		t.Error("another key matches")
	}
	if sealed.KeyMatches(c1[:len(c1)-1], key) || sealed.KeyMatches(nil, key) {
		t.Error("a truncated check matches")
	}
}
