package disk

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"signet/internal/storage"
	"signet/internal/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine {
		e, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return e
	})
}

func mustOpen(t testing.TB, root string, opts ...Option) *Engine {
	t.Helper()
	e, err := Open(root, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func TestOpenCreatesPrivateDirs(t *testing.T) {
	root := filepath.Join(t.TempDir(), "data", "storage")
	mustOpen(t, root)
	for _, dir := range []string{root, filepath.Join(root, "blobs"), filepath.Join(root, "tmp")} {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v, want a directory closed to group and others", dir, fi.Mode())
		}
	}
}

func TestOpenEmptyRoot(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

// TestOpenClearsTmp simulates the debris of a crash in tmp/ and checks
// that Open removes it, and nothing else.
func TestOpenClearsTmp(t *testing.T) {
	root := t.TempDir()
	e := mustOpen(t, root)
	id, _, err := e.Put(t.Context(), strings.NewReader("published"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(root, "tmp")
	for _, name := range []string{"put-123", "put-456"} {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte("half a blob"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(tmp, "stray", "deep"), 0o700); err != nil {
		t.Fatal(err)
	}

	e2 := mustOpen(t, root)
	if entries, err := os.ReadDir(tmp); err != nil || len(entries) != 0 {
		t.Fatalf("tmp/ after Open holds %v (%v), want nothing", entries, err)
	}
	b, err := e2.Open(t.Context(), id)
	if err != nil {
		t.Fatalf("published blob lost by Open: %v", err)
	}
	defer b.Close()
	if got, _ := io.ReadAll(b); string(got) != "published" {
		t.Fatalf("published blob reads %q", got)
	}
}

// TestOpenKeepsYoungTempOnASharedRoot: with KeepYoungTemp, Open removes
// only the temp files no write touched within the grace (a crash's
// debris) and keeps younger ones, which may be another node's Put in
// flight; and that Put still publishes.
func TestOpenKeepsYoungTempOnASharedRoot(t *testing.T) {
	root := t.TempDir()
	other := mustOpen(t, root)
	// The files' times are set relative to the machine's clock, which
	// also stamps the in-flight Put's file below.
	now := time.Now()
	tmp := filepath.Join(root, "tmp")
	ages := map[string]time.Duration{"put-old": 2 * time.Hour, "put-edge": time.Hour + time.Second, "put-young": time.Minute, "put-future": -time.Minute}
	for name, age := range ages {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte("half a blob"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	// Another node's Put, in flight while this node opens: its temp file
	// is written but not yet renamed into place.
	pr, pw := io.Pipe()
	type put struct {
		id  storage.BlobID
		err error
	}
	done := make(chan put, 1)
	go func() {
		id, _, err := other.Put(t.Context(), pr)
		done <- put{id, err}
	}()
	if _, err := pw.Write([]byte("in flight ")); err != nil {
		t.Fatal(err)
	}
	mustOpen(t, root, KeepYoungTemp(now, time.Hour))
	var left []string
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		left = append(left, e.Name())
	}
	for _, name := range []string{"put-young", "put-future"} {
		if !slices.Contains(left, name) {
			t.Errorf("young temp file %s removed; left %v", name, left)
		}
	}
	for _, name := range []string{"put-old", "put-edge"} {
		if slices.Contains(left, name) {
			t.Errorf("old temp file %s kept; left %v", name, left)
		}
	}
	pw.Write([]byte("and done"))
	pw.Close()
	p := <-done
	if p.err != nil {
		t.Fatalf("the other node's Put failed after this node opened: %v", p.err)
	}
	b, err := other.Open(t.Context(), p.id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got, _ := io.ReadAll(b); string(got) != "in flight and done" {
		t.Fatalf("the other node's blob reads %q", got)
	}
}

func TestBlobIsFileBlob(t *testing.T) {
	e := mustOpen(t, t.TempDir())
	ctx := t.Context()
	id, _, err := e.Put(ctx, strings.NewReader("sendfile me"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	fb, ok := b.(storage.FileBlob)
	if !ok {
		t.Fatalf("disk blob %T does not implement storage.FileBlob", b)
	}
	got, err := io.ReadAll(fb.File())
	if err != nil || string(got) != "sendfile me" {
		t.Fatalf("reading File() = %q, %v", got, err)
	}
	fi, err := fb.File().Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("blob file mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestLayout pins where a blob lands, since operators and the orphan
// collector rely on it.
func TestLayout(t *testing.T) {
	root := t.TempDir()
	e := mustOpen(t, root)
	id, _, err := e.Put(t.Context(), strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "blobs", string(id[:2]), string(id))); err != nil {
		t.Fatalf("blob not at blobs/<xx>/<id>: %v", err)
	}
}

// TestWalkSkipsStrays puts things under blobs/ that the engine could not
// have made and checks Walk reports only real blobs.
func TestWalkSkipsStrays(t *testing.T) {
	root := t.TempDir()
	e := mustOpen(t, root)
	ctx := t.Context()
	id, _, err := e.Put(ctx, strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	blobs := filepath.Join(root, "blobs")
	other := "zz" + string(id[2:]) // valid ID, wrong fan-out directory
	if id[:2] == "zz" {
		other = "yy" + string(id[2:])
	}
	for _, p := range []string{
		filepath.Join(blobs, "README"),
		filepath.Join(blobs, string(id[:2]), "not-an-id"),
		filepath.Join(blobs, string(id[:2]), other),
	} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(blobs, "abc"), 0o700); err != nil {
		t.Fatal(err)
	}
	var got []storage.BlobID
	if err := e.Walk(ctx, func(id storage.BlobID) error { got = append(got, id); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != id {
		t.Fatalf("Walk = %q, want only %q", got, id)
	}
}

// generator yields n bytes without holding them: the source of a blob far
// larger than the memory budget.
type generator struct{ left int64 }

func (g *generator) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	for i := range p {
		p[i] = byte(i)
	}
	g.left -= int64(len(p))
	return len(p), nil
}

// TestPutMemoryDoesNotGrowWithSize stores 256 MiB and checks that Put
// allocated (in total, not just at peak) a small constant amount: the data
// streams through one pooled buffer instead of being held. It measures
// allocations, not time, so it is not flaky on a slow disk.
func TestPutMemoryDoesNotGrowWithSize(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 256 MiB")
	}
	const size = 256 << 20
	const budget = 8 << 20
	e := mustOpen(t, t.TempDir())
	ctx := t.Context()
	// Warm up the buffer pool and the fan-out cache path.
	if _, _, err := e.Put(ctx, strings.NewReader("warm-up")); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	id, n, err := e.Put(ctx, &generator{left: size})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if n != size {
		t.Fatalf("Put stored %d bytes, want %d", n, size)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("Put of %d MiB allocated %d bytes", size>>20, alloc)
	if alloc > budget {
		t.Fatalf("Put of %d MiB allocated %d bytes, want < %d: it buffers the blob", size>>20, alloc, budget)
	}
	if err := e.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
}

func TestShortWriteFails(t *testing.T) {
	var w shortWriter
	_, err := copyChunks(t.Context(), &w, bytes.NewReader(make([]byte, 100)))
	if !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("copyChunks to a short writer = %v, want io.ErrShortWrite", err)
	}
}

type shortWriter struct{}

func (*shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }
