// Package storagetest is the conformance suite every storage engine runs,
// in the manner of testing/fstest.TestFS: engines prove they honour the
// storage.Engine contract by passing Run, and the contract's promises are
// written down here as tests rather than only as comments.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"signet/internal/storage"
)

// Run runs the conformance suite. newEngine must return a new, empty
// engine each time it is called; Run closes every engine it gets.
func Run(t *testing.T, newEngine func(t *testing.T) storage.Engine) {
	t.Helper()
	open := func(t *testing.T) storage.Engine {
		t.Helper()
		e := newEngine(t)
		t.Cleanup(func() {
			if err := e.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return e
	}
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open(t)) })
	t.Run("ReaderShapes", func(t *testing.T) { testReaderShapes(t, open(t)) })
	t.Run("DistinctIDs", func(t *testing.T) { testDistinctIDs(t, open(t)) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, open(t)) })
	t.Run("DeleteIdempotent", func(t *testing.T) { testDeleteIdempotent(t, open(t)) })
	t.Run("Walk", func(t *testing.T) { testWalk(t, open(t)) })
	t.Run("WalkStops", func(t *testing.T) { testWalkStops(t, open(t)) })
	t.Run("ConcurrentPuts", func(t *testing.T) { testConcurrentPuts(t, open(t)) })
	t.Run("CanceledBeforePut", func(t *testing.T) { testCanceledBeforePut(t, open(t)) })
	t.Run("CanceledDuringPut", func(t *testing.T) { testCanceledDuringPut(t, open(t)) })
	t.Run("ReaderFails", func(t *testing.T) { testReaderFails(t, open(t)) })
	t.Run("InvalidIDs", func(t *testing.T) { testInvalidIDs(t, open(t)) })
}

// randomBytes returns n reproducible pseudo-random bytes; random content
// catches offset and chunking bugs that a constant fill would hide.
func randomBytes(n int, seed uint64) []byte {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(s).Read(b)
	return b
}

// put stores data and checks the returned ID and size.
func put(t *testing.T, e storage.Engine, r io.Reader, size int) storage.BlobID {
	t.Helper()
	id, n, err := e.Put(t.Context(), r)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if n != int64(size) {
		t.Fatalf("Put returned size %d, want %d", n, size)
	}
	checkIDShape(t, id)
	return id
}

func checkIDShape(t *testing.T, id storage.BlobID) {
	t.Helper()
	if id == "" || strings.Trim(string(id), "0123456789abcdefghijklmnopqrstuvwxyz") != "" {
		t.Fatalf("Put returned ID %q, want [0-9a-z]+", id)
	}
}

// checkContent opens id and checks Size, Read, ReadAt and Seek against
// want, with testing/iotest.TestReader doing the reading.
func checkContent(t *testing.T, e storage.Engine, id storage.BlobID, want []byte) {
	t.Helper()
	b, err := e.Open(t.Context(), id)
	if err != nil {
		t.Fatalf("Open(%s): %v", id, err)
	}
	defer func() {
		if err := b.Close(); err != nil {
			t.Errorf("Blob.Close: %v", err)
		}
	}()
	if b.Size() != int64(len(want)) {
		t.Fatalf("Size() = %d, want %d", b.Size(), len(want))
	}
	// iotest.TestReader reads in tiny pieces, exhaustive but a syscall
	// each on disk; large blobs get the direct checks below instead.
	if len(want) <= 64<<10 {
		if err := iotest.TestReader(b, want); err != nil {
			t.Fatalf("blob %s of %d bytes: %v", id, len(want), err)
		}
		return
	}
	checkLarge(t, b, want)
}

// checkLarge checks a large blob with few, big reads: all of it through
// Read, windows through ReadAt (including the end), and Seek from each
// origin.
func checkLarge(t *testing.T, b storage.Blob, want []byte) {
	t.Helper()
	size := int64(len(want))
	got, err := io.ReadAll(b)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadAll: %d bytes, %v; want the %d stored", len(got), err, size)
	}
	for _, off := range []int64{0, 1, size / 3, size - 4096, size - 1} {
		p := make([]byte, min(4096, size-off))
		n, err := b.ReadAt(p, off)
		if n != len(p) || !bytes.Equal(p, want[off:off+int64(n)]) {
			t.Fatalf("ReadAt(%d bytes, %d) = %d, %v; wrong bytes", len(p), off, n, err)
		}
	}
	p := make([]byte, 10)
	if n, err := b.ReadAt(p, size-5); n != 5 || err != io.EOF || !bytes.Equal(p[:5], want[size-5:]) {
		t.Fatalf("ReadAt across the end = %d, %v; want 5, io.EOF", n, err)
	}
	if n, err := b.ReadAt(p, size); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt at the end = %d, %v; want 0, io.EOF", n, err)
	}
	for _, s := range []struct {
		off    int64
		whence int
		want   int64
	}{
		{size / 2, io.SeekStart, size / 2},
		{100, io.SeekCurrent, size/2 + 100},
		{-1000, io.SeekEnd, size - 1000},
	} {
		pos, err := b.Seek(s.off, s.whence)
		if err != nil || pos != s.want {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d", s.off, s.whence, pos, err, s.want)
		}
		q := make([]byte, 10)
		if _, err := io.ReadFull(b, q); err != nil || !bytes.Equal(q, want[pos:pos+10]) {
			t.Fatalf("Read after Seek to %d: %v, wrong bytes", pos, err)
		}
		if _, err := b.Seek(pos, io.SeekStart); err != nil { // undo the read for SeekCurrent
			t.Fatal(err)
		}
	}
	rest, err := func() ([]byte, error) {
		if _, err := b.Seek(-7, io.SeekEnd); err != nil {
			return nil, err
		}
		return io.ReadAll(b)
	}()
	if err != nil || !bytes.Equal(rest, want[size-7:]) {
		t.Fatalf("reading the last 7 bytes after Seek: %q, %v", rest, err)
	}
}

// listAll returns the IDs Walk reports, sorted.
func listAll(t *testing.T, e storage.Engine) []storage.BlobID {
	t.Helper()
	var ids []storage.BlobID
	if err := e.Walk(t.Context(), func(id storage.BlobID) error {
		ids = append(ids, id)
		return nil
	}); err != nil {
		t.Fatalf("Walk: %v", err)
	}
	slices.Sort(ids)
	return ids
}

func checkEmpty(t *testing.T, e storage.Engine, why string) {
	t.Helper()
	if ids := listAll(t, e); len(ids) != 0 {
		t.Fatalf("%s: Walk lists %q, want no blobs", why, ids)
	}
}

func testRoundTrip(t *testing.T, e storage.Engine) {
	for _, size := range []int{0, 1, 4096, 5<<20 + 1} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			data := randomBytes(size, uint64(size))
			id := put(t, e, bytes.NewReader(data), size)
			checkContent(t, e, id, data)
			// Reading twice, through a second handle, proves Open does not
			// consume the blob.
			checkContent(t, e, id, data)
		})
	}
}

// testReaderShapes feeds Put readers that return short reads and data
// together with io.EOF, as network bodies do.
func testReaderShapes(t *testing.T, e storage.Engine) {
	data := randomBytes(1<<20+7, 1)
	for name, r := range map[string]io.Reader{
		"OneByte":     iotest.OneByteReader(bytes.NewReader(data[:3000])),
		"Half":        iotest.HalfReader(bytes.NewReader(data)),
		"DataWithEOF": iotest.DataErrReader(bytes.NewReader(data)),
		"NoWriterTo":  struct{ io.Reader }{bytes.NewReader(data)},
	} {
		t.Run(name, func(t *testing.T) {
			want := data
			if name == "OneByte" {
				want = data[:3000]
			}
			id := put(t, e, r, len(want))
			checkContent(t, e, id, want)
		})
	}
}

func testDistinctIDs(t *testing.T, e storage.Engine) {
	seen := make(map[storage.BlobID]bool)
	for i := range 100 {
		// Same content every time: IDs must not be derived from content.
		id := put(t, e, strings.NewReader("same"), 4)
		if seen[id] {
			t.Fatalf("Put %d returned ID %s again", i, id)
		}
		seen[id] = true
	}
}

// gone returns the ID of a blob that existed and was deleted: an ID of
// the engine's own shape that is certainly absent.
func gone(t *testing.T, e storage.Engine) storage.BlobID {
	t.Helper()
	id := put(t, e, strings.NewReader("x"), 1)
	if err := e.Delete(t.Context(), id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	return id
}

func testNotFound(t *testing.T, e storage.Engine) {
	id := gone(t, e)
	b, err := e.Open(t.Context(), id)
	if !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Open(missing) = %v, %v; want ErrNotFound", b, err)
	}
}

func testDeleteIdempotent(t *testing.T, e storage.Engine) {
	ctx := t.Context()
	keep := put(t, e, strings.NewReader("keep"), 4)
	id := put(t, e, strings.NewReader("drop"), 4)
	for i := range 3 {
		if err := e.Delete(ctx, id); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if _, err := e.Open(ctx, id); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Open after Delete = %v, want ErrNotFound", err)
	}
	checkContent(t, e, keep, []byte("keep"))
}

func testWalk(t *testing.T, e storage.Engine) {
	checkEmpty(t, e, "new engine")
	var want []storage.BlobID
	for i := range 50 {
		want = append(want, put(t, e, strings.NewReader(fmt.Sprint(i)), len(fmt.Sprint(i))))
	}
	for _, id := range want[:10] {
		if err := e.Delete(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	want = want[10:]
	slices.Sort(want)
	if got := listAll(t, e); !slices.Equal(got, want) {
		t.Fatalf("Walk lists %d blobs %q,\nwant %d %q", len(got), got, len(want), want)
	}
}

func testWalkStops(t *testing.T, e storage.Engine) {
	for range 5 {
		put(t, e, strings.NewReader("x"), 1)
	}
	errStop := errors.New("stop")
	calls := 0
	err := e.Walk(t.Context(), func(storage.BlobID) error {
		calls++
		return errStop
	})
	if !errors.Is(err, errStop) || calls != 1 {
		t.Fatalf("Walk with fn failing: err %v after %d calls; want fn's error after 1", err, calls)
	}
}

func testConcurrentPuts(t *testing.T, e storage.Engine) {
	const workers, each = 8, 16
	type stored struct {
		id   storage.BlobID
		data []byte
	}
	var (
		mu  sync.Mutex
		all []stored
		wg  sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				data := randomBytes(1000+w*each+i, uint64(w*each+i))
				id, n, err := e.Put(t.Context(), bytes.NewReader(data))
				if err != nil || n != int64(len(data)) {
					t.Errorf("Put: %s, %d, %v", id, n, err)
					return
				}
				mu.Lock()
				all = append(all, stored{id, data})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var ids []storage.BlobID
	for _, s := range all {
		checkContent(t, e, s.id, s.data)
		ids = append(ids, s.id)
	}
	slices.Sort(ids)
	if got := listAll(t, e); !slices.Equal(got, ids) {
		t.Fatalf("Walk lists %d blobs, want the %d stored", len(got), len(ids))
	}
}

func testCanceledBeforePut(t *testing.T, e storage.Engine) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := e.Put(ctx, strings.NewReader("data")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a canceled context = %v, want context.Canceled", err)
	}
	checkEmpty(t, e, "after a canceled Put")
}

// endless yields bytes forever, canceling its context once it has given
// cancelAt of them. It gives up (with an error that is not
// context.Canceled) if the engine keeps reading far past the cancellation.
type endless struct {
	given, cancelAt int
	cancel          func()
}

var errIgnoredCancel = errors.New("storagetest: engine kept reading 64 MiB after its context was canceled")

func (r *endless) Read(p []byte) (int, error) {
	if r.given > r.cancelAt+64<<20 {
		return 0, errIgnoredCancel
	}
	for i := range p {
		p[i] = byte(r.given + i)
	}
	r.given += len(p)
	if r.given >= r.cancelAt {
		r.cancel()
	}
	return len(p), nil
}

func testCanceledDuringPut(t *testing.T, e storage.Engine) {
	for _, at := range []int{1, 3 << 20} {
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			_, _, err := e.Put(ctx, &endless{cancelAt: at, cancel: cancel})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Put canceled mid-stream = %v, want context.Canceled", err)
			}
			checkEmpty(t, e, "after a Put canceled mid-stream")
		})
	}
}

func testReaderFails(t *testing.T, e storage.Engine) {
	errBoom := errors.New("boom")
	for _, tc := range []struct {
		name string
		err  error
		n    int
	}{
		{"Immediately", errBoom, 0},
		{"AfterSomeBytes", errBoom, 1000},
		{"AfterManyChunks", errBoom, 3<<20 + 5},
		// A truncated upload; an engine that reads with io.ReadFull
		// semantics would take it for a clean end of input.
		{"UnexpectedEOF", io.ErrUnexpectedEOF, 3<<20 + 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := io.MultiReader(bytes.NewReader(randomBytes(tc.n, 7)), iotest.ErrReader(tc.err))
			if _, _, err := e.Put(t.Context(), r); !errors.Is(err, tc.err) {
				t.Fatalf("Put from a failing reader = %v, want %v", err, tc.err)
			}
			checkEmpty(t, e, "after a Put whose reader failed")
		})
	}
}

func testInvalidIDs(t *testing.T, e storage.Engine) {
	ctx := t.Context()
	good := put(t, e, strings.NewReader("x"), 1)
	bad := []storage.BlobID{
		"", ".", "..", "/", "../" + good, good + "/..", "/etc/passwd",
		"a/b", `a\b`, good + "\x00", "\x00" + good, storage.BlobID(strings.ToUpper(string(good))),
		good + " ", " " + good, good + ".tmp", good + "/", "-" + good,
	}
	for _, id := range bad {
		if b, err := e.Open(ctx, id); !errors.Is(err, storage.ErrInvalidID) {
			if b != nil {
				_ = b.Close()
			}
			t.Errorf("Open(%q) = %v, want ErrInvalidID", id, err)
		}
		if err := e.Delete(ctx, id); !errors.Is(err, storage.ErrInvalidID) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidID", id, err)
		}
	}
	// Nothing above may have touched the real blob.
	checkContent(t, e, good, []byte("x"))
}
