package disk

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"signet/internal/storage"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current behaviour")

// hookFS passes every operation to the real file system after calling
// hook, which can record it or fail it. desc describes the operation with
// paths relative to the engine root.
type hookFS struct {
	OSFS
	root string
	hook func(desc string) error
}

func (h *hookFS) rel(p string) string {
	r, err := filepath.Rel(h.root, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

func (h *hookFS) MkdirAll(p string, perm fs.FileMode) error {
	if err := h.hook(fmt.Sprintf("mkdirall %s %#o", h.rel(p), perm)); err != nil {
		return err
	}
	return h.OSFS.MkdirAll(p, perm)
}

func (h *hookFS) CreateTemp(dir, pattern string) (File, error) {
	if err := h.hook(fmt.Sprintf("createtemp %s %s", h.rel(dir), pattern)); err != nil {
		return nil, err
	}
	f, err := h.OSFS.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &hookFile{File: f, fs: h}, nil
}

func (h *hookFS) Rename(from, to string) error {
	if err := h.hook(fmt.Sprintf("rename %s %s", h.rel(from), h.rel(to))); err != nil {
		return err
	}
	return h.OSFS.Rename(from, to)
}

func (h *hookFS) SyncDir(p string) error {
	if err := h.hook("syncdir " + h.rel(p)); err != nil {
		return err
	}
	return h.OSFS.SyncDir(p)
}

func (h *hookFS) Remove(p string) error {
	if err := h.hook("remove " + h.rel(p)); err != nil {
		return err
	}
	return h.OSFS.Remove(p)
}

func (h *hookFS) RemoveAll(p string) error {
	if err := h.hook("removeall " + h.rel(p)); err != nil {
		return err
	}
	return h.OSFS.RemoveAll(p)
}

func (h *hookFS) Open(p string) (*os.File, error) {
	if err := h.hook("open " + h.rel(p)); err != nil {
		return nil, err
	}
	return h.OSFS.Open(p)
}

func (h *hookFS) ReadDir(p string) ([]fs.DirEntry, error) {
	if err := h.hook("readdir " + h.rel(p)); err != nil {
		return nil, err
	}
	return h.OSFS.ReadDir(p)
}

type hookFile struct {
	File
	fs *hookFS
}

func (f *hookFile) Write(p []byte) (int, error) {
	if err := f.fs.hook(fmt.Sprintf("write %s %d", f.fs.rel(f.Name()), len(p))); err != nil {
		// A torn write: part of the data reaches the file before the
		// error, the worst case for what a reader might see.
		n, _ := f.File.Write(p[:len(p)/2])
		return n, err
	}
	return f.File.Write(p)
}

func (f *hookFile) Sync() error {
	if err := f.fs.hook("fsync " + f.fs.rel(f.Name())); err != nil {
		return err
	}
	return f.File.Sync()
}

func (f *hookFile) Close() error {
	if err := f.fs.hook("close " + f.fs.rel(f.Name())); err != nil {
		_ = f.File.Close() // a failed close(2) still releases the descriptor
		return err
	}
	return f.File.Close()
}

// fixedIDs makes the engine use the given IDs in turn, so that recorded
// paths and the fan-out directory are deterministic.
func fixedIDs(ids ...storage.BlobID) func() storage.BlobID {
	return func() storage.BlobID {
		id := ids[0]
		ids = ids[1:]
		return id
	}
}

const (
	idA storage.BlobID = "aa00000000000000000000000a"
	idB storage.BlobID = "bb00000000000000000000000b"
	idC storage.BlobID = "bb00000000000000000000000c"
)

// TestPutOperationOrder records the file-system operations of Puts and
// compares them with testdata/put.golden. The order is the crash-safety
// argument: fsync before rename (so a renamed blob is never torn), fan-out
// directory made durable before anything is renamed into it, directory
// fsync before returning (so a returned ID survives a crash). A change to
// this file needs a reason. Regenerate with: go test -run TestPutOperationOrder -update
func TestPutOperationOrder(t *testing.T) {
	root := t.TempDir()
	var (
		mu  sync.Mutex
		ops []string
	)
	h := &hookFS{root: root, hook: func(desc string) error {
		mu.Lock()
		ops = append(ops, desc)
		mu.Unlock()
		return nil
	}}
	e := mustOpen(t, root, WithFS(h))
	e.newID = fixedIDs(idB, idC)
	ctx := t.Context()

	var out strings.Builder
	// Temp names are random; number them in order of appearance.
	tmpNames := map[string]string{}
	normalise := func(s string) string {
		for _, field := range strings.Fields(s) {
			if strings.HasPrefix(field, "tmp/put-") {
				if _, ok := tmpNames[field]; !ok {
					tmpNames[field] = fmt.Sprintf("tmp/put-<%d>", len(tmpNames)+1)
				}
				s = strings.ReplaceAll(s, field, tmpNames[field])
			}
		}
		return s
	}
	step := func(title string, r io.Reader) {
		mu.Lock()
		ops = nil
		mu.Unlock()
		if _, _, err := e.Put(ctx, r); err != nil {
			t.Fatalf("%s: %v", title, err)
		}
		fmt.Fprintf(&out, "# %s\n", title)
		for _, op := range ops {
			fmt.Fprintln(&out, normalise(op))
		}
		fmt.Fprintln(&out)
	}
	step("Put of 2.5 MiB into a new fan-out directory", bytes.NewReader(make([]byte, 5<<19)))
	step("Put of 0 bytes into the same fan-out directory", strings.NewReader(""))
	got := strings.TrimSuffix(out.String(), "\n")

	golden := filepath.Join("testdata", "put.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("Put's operations changed.\ngot:\n%s\nwant:\n%s", got, want)
	}
}

var errInjected = errors.New("injected failure")

// tmpName matches a temp file's random name, so subtest names are stable.
var tmpName = regexp.MustCompile(`tmp/put-[0-9]+`)

// TestPutFailsCleanlyAtEveryStep fails the k-th file-system operation of
// a Put, for every k until the Put has nothing left to fail, and checks
// the promises of the contract each time: the error is returned, nothing
// is left in tmp/, no blob is published under the new ID, and the blob
// stored earlier is intact.
func TestPutFailsCleanlyAtEveryStep(t *testing.T) {
	root := t.TempDir()
	ctx := t.Context()
	old := bytes.Repeat([]byte("old blob "), 1000)
	{
		e := mustOpen(t, root)
		e.newID = fixedIDs(idA)
		if _, _, err := e.Put(ctx, bytes.NewReader(old)); err != nil {
			t.Fatal(err)
		}
	}
	data := bytes.Repeat([]byte("new"), 1<<20) // 3 MiB: several writes

	var seen []string
	for k := 1; ; k++ {
		var (
			armed bool
			count int
			hit   string
		)
		h := &hookFS{root: root, hook: func(desc string) error {
			if !armed {
				return nil
			}
			count++
			if count == k {
				hit = desc
				return errInjected
			}
			return nil
		}}
		e := mustOpen(t, root, WithFS(h))
		e.newID = fixedIDs(idB)
		armed = true
		id, _, err := e.Put(ctx, bytes.NewReader(data))
		armed = false

		if hit == "" {
			// Every step has been failed once; this Put ran clean.
			if err != nil {
				t.Fatalf("Put with no failure injected: %v", err)
			}
			if id != idB {
				t.Fatalf("Put returned %s, want %s", id, idB)
			}
			checkBlob(t, e, idB, data)
			break
		}
		seen = append(seen, hit)
		t.Run(fmt.Sprintf("%02d %s", k, tmpName.ReplaceAllString(hit, "tmp/put-*")), func(t *testing.T) {
			if !errors.Is(err, errInjected) {
				t.Fatalf("Put = %q, %v; want the injected failure", id, err)
			}
			if id != "" {
				t.Errorf("failed Put returned ID %q", id)
			}
			if entries, err := os.ReadDir(filepath.Join(root, "tmp")); err != nil || len(entries) != 0 {
				t.Errorf("tmp/ holds %v (%v), want nothing", entries, err)
			}
			if _, err := e.Open(ctx, idB); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Open(new ID) after failed Put = %v, want ErrNotFound", err)
			}
			checkBlob(t, e, idA, old)
			var ids []storage.BlobID
			if err := e.Walk(ctx, func(id storage.BlobID) error { ids = append(ids, id); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(ids) != 1 || ids[0] != idA {
				t.Errorf("Walk = %q, want only the old blob", ids)
			}
		})
	}
	// createtemp, 3 writes, fsync, close, mkdirall, syncdir, rename,
	// syncdir: a shorter list means a step went missing.
	if len(seen) < 10 {
		t.Fatalf("only %d steps were failed: %q", len(seen), seen)
	}
}

func checkBlob(t *testing.T, e *Engine, id storage.BlobID, want []byte) {
	t.Helper()
	b, err := e.Open(t.Context(), id)
	if err != nil {
		t.Fatalf("Open(%s): %v", id, err)
	}
	defer b.Close()
	got, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) || b.Size() != int64(len(want)) {
		t.Fatalf("blob %s: %d bytes (Size %d), want %d intact", id, len(got), b.Size(), len(want))
	}
}
