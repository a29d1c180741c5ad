package sealed_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"signet/internal/storage"
	"signet/internal/storage/disk"
	"signet/internal/storage/memory"
	"signet/internal/storage/sealed"
	"signet/internal/storage/storagetest"
)

func kek(t testing.TB, seed byte) *sealed.KEK {
	t.Helper()
	k, err := sealed.DeriveKEK(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newEngine(t testing.TB, next storage.Engine) *sealed.Engine {
	t.Helper()
	e, err := sealed.New(next, kek(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestConformanceMemory(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine { return newEngine(t, memory.New()) })
}

func TestConformanceDisk(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine {
		d, err := disk.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return newEngine(t, d)
	})
}

func TestNewRefusesMissingDependencies(t *testing.T) {
	if _, err := sealed.New(nil, kek(t, 1)); err == nil {
		t.Error("New(nil engine) succeeded")
	}
	if _, err := sealed.New(memory.New(), nil); err == nil {
		t.Error("New(nil key) succeeded")
	}
}

func data(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{7}).Read(b)
	return b
}

// raw returns the stored (sealed) bytes of id in the engine underneath.
func raw(t *testing.T, m storage.Engine, id storage.BlobID) []byte {
	t.Helper()
	b, err := m.Open(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	out, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// replace stores sealed bytes as a new blob of the engine underneath and
// returns its ID, as an attacker with write access to the disk could.
func replace(t *testing.T, m storage.Engine, b []byte) storage.BlobID {
	t.Helper()
	id, _, err := m.Put(t.Context(), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func readAll(t *testing.T, e storage.Engine, id storage.BlobID) ([]byte, error) {
	t.Helper()
	b, err := e.Open(t.Context(), id)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return io.ReadAll(b)
}

const (
	hdr  = 104
	full = sealed.ChunkSize + 16
)

func TestStoredBytesAreNotPlaintext(t *testing.T) {
	m := memory.New()
	e := newEngine(t, m)
	want := bytes.Repeat([]byte("secret plaintext "), 10000)
	id, n, err := e.Put(t.Context(), bytes.NewReader(want))
	if err != nil || n != int64(len(want)) {
		t.Fatalf("Put = %d, %v", n, err)
	}
	stored := raw(t, m, id)
	if bytes.Contains(stored, []byte("secret plaintext")) {
		t.Fatal("the stored blob holds the plaintext")
	}
	chunks := len(want)/sealed.ChunkSize + 1
	if len(stored) != hdr+len(want)+16*chunks {
		t.Fatalf("stored %d bytes, want header + plaintext + one tag per chunk = %d", len(stored), hdr+len(want)+16*chunks)
	}
}

func TestTamperedChunkFails(t *testing.T) {
	m := memory.New()
	e := newEngine(t, m)
	want := data(3*sealed.ChunkSize + 100)
	id, _, err := e.Put(t.Context(), bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{hdr + 5, hdr + full + 7, hdr + 3*full + 50, 60 /* wrapped key */, 30 /* identity */} {
		stored := raw(t, m, id)
		stored[at] ^= 1
		if _, err := readAll(t, e, replace(t, m, stored)); !errors.Is(err, sealed.ErrCorrupt) {
			t.Errorf("flipping byte %d: read error %v, want ErrCorrupt", at, err)
		}
	}
}

func TestSwappedChunksFail(t *testing.T) {
	m := memory.New()
	e := newEngine(t, m)
	want := data(3*sealed.ChunkSize + 100)
	id, _, err := e.Put(t.Context(), bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	stored := raw(t, m, id)
	c0 := bytes.Clone(stored[hdr : hdr+full])
	copy(stored[hdr:hdr+full], stored[hdr+full:hdr+2*full])
	copy(stored[hdr+full:hdr+2*full], c0)
	if _, err := readAll(t, e, replace(t, m, stored)); !errors.Is(err, sealed.ErrCorrupt) {
		t.Errorf("chunks 0 and 1 swapped: %v, want ErrCorrupt", err)
	}
	// A chunk moved from another blob (same key, same index) fails too:
	// the blob identity is in every chunk's additional data.
	other, _, err := e.Put(t.Context(), bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	stored = raw(t, m, id)
	copy(stored[hdr:hdr+full], raw(t, m, other)[hdr:hdr+full])
	if _, err := readAll(t, e, replace(t, m, stored)); !errors.Is(err, sealed.ErrCorrupt) {
		t.Errorf("chunk 0 from another blob: %v, want ErrCorrupt", err)
	}
}

func TestTruncatedBlobFails(t *testing.T) {
	m := memory.New()
	e := newEngine(t, m)
	want := data(3*sealed.ChunkSize + 100)
	id, _, err := e.Put(t.Context(), bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	stored := raw(t, m, id)
	// Cut at a chunk boundary (the last chunk dropped whole), and inside
	// a chunk: neither may read as a shorter object.
	for _, n := range []int{hdr + 3*full, hdr + 2*full + 20, len(stored) - 1} {
		_, err := readAll(t, e, replace(t, m, stored[:n]))
		if !errors.Is(err, sealed.ErrCorrupt) {
			t.Errorf("cut to %d bytes: %v, want ErrCorrupt", n, err)
		}
	}
}

func TestRangesAcrossChunkBoundaries(t *testing.T) {
	e := newEngine(t, memory.New())
	C := int64(sealed.ChunkSize)
	for _, size := range []int64{C - 1, C, C + 1, 2 * C, 20*C + 3} {
		want := data(int(size))
		id, _, err := e.Put(t.Context(), bytes.NewReader(want))
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.Open(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if b.Size() != size {
			t.Fatalf("Size = %d, want %d", b.Size(), size)
		}
		for _, r := range [][2]int64{{0, size}, {C - 1, 2}, {C - 5, 10}, {C, 1}, {size - 1, 1}, {1, size - 2}, {2*C - 3, 17 * C}} {
			off, n := r[0], min(r[1], size-r[0])
			if off < 0 || n <= 0 || off >= size {
				continue
			}
			p := make([]byte, n)
			if m, err := b.ReadAt(p, off); int64(m) != n || (err != nil && err != io.EOF) || !bytes.Equal(p, want[off:off+n]) {
				t.Errorf("size %d: ReadAt(%d, %d) = %d, %v", size, n, off, m, err)
			}
			if rw, ok := b.(storage.RangeWriter); ok {
				var out bytes.Buffer
				if m, err := rw.WriteRange(&out, off, n); m != n || err != nil || !bytes.Equal(out.Bytes(), want[off:off+n]) {
					t.Errorf("size %d: WriteRange(%d, %d) = %d, %v", size, off, n, m, err)
				}
			}
		}
		b.Close()
	}
}

func TestLegacyPlaintextBlobsStillRead(t *testing.T) {
	m := memory.New()
	want := data(200 << 10)
	id, _, err := m.Put(t.Context(), bytes.NewReader(want)) // written before encryption
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, newEngine(t, m), id)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("legacy blob: %d bytes, %v", len(got), err)
	}
}

func TestOtherKeysBlobs(t *testing.T) {
	m := memory.New()
	old := newEngine(t, m)
	want := data(1000)
	id, _, err := old.Put(t.Context(), bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	// A server with another sealing key cannot open it...
	other, err := sealed.New(m, kek(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, other, id); !errors.Is(err, sealed.ErrUnknownKey) {
		t.Fatalf("other key: %v, want ErrUnknownKey", err)
	}
	// ...unless it keeps the old key beside its new one.
	both, err := sealed.New(m, kek(t, 2), kek(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, both, id); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("with the old key kept: %v", err)
	}
}

// eofWithData returns the last bytes together with io.EOF, as some
// network bodies do.
type eofWithData struct{ r *bytes.Reader }

func (e eofWithData) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == nil && e.r.Len() == 0 {
		err = io.EOF
	}
	return n, err
}

func TestBodyEndingOnAChunkBoundaryWithEOF(t *testing.T) {
	e := newEngine(t, memory.New())
	for _, n := range []int{sealed.ChunkSize, 80 * sealed.ChunkSize} {
		want := data(n)
		id, size, err := e.Put(t.Context(), eofWithData{bytes.NewReader(want)})
		if err != nil || size != int64(n) {
			t.Fatalf("Put = %d, %v", size, err)
		}
		if got, err := readAll(t, e, id); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%d bytes ending with EOF on a chunk boundary: %v", n, err)
		}
	}
}
