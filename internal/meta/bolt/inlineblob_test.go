package bolt

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
	"signet/internal/storage"
	"signet/internal/storage/inline"
	"signet/internal/storage/memory"
	"signet/internal/storage/storagetest"
)

// testMax is the inline limit of these tests: small enough that a "large"
// blob is cheap, large enough to hold every small body they write.
const testMax = 256

func openInline(t *testing.T) (*Store, *inline.Engine, *memory.Engine, string) {
	t.Helper()
	s, path := openTemp(t)
	next := memory.New()
	return s, inline.New(next, s, testMax), next, path
}

// The bolt store as the inline store passes the storage conformance suite:
// staged blobs behave as blobs before any commit.
func TestInlineConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine {
		_, e, _, _ := openInline(t)
		return e
	})
}

func putBlob(t *testing.T, e storage.Engine, data string) storage.BlobID {
	t.Helper()
	id, _, err := e.Put(t.Context(), strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func readBlob(t *testing.T, e storage.Engine, id storage.BlobID) (string, error) {
	t.Helper()
	b, err := e.Open(t.Context(), id)
	if err != nil {
		return "", err
	}
	defer b.Close()
	got, err := io.ReadAll(b)
	return string(got), err
}

func mustRead(t *testing.T, e storage.Engine, id storage.BlobID, want string) {
	t.Helper()
	got, err := readBlob(t, e, id)
	if err != nil || got != want {
		t.Fatalf("blob %s reads %q, %v; want %q", id, got, err, want)
	}
}

func smallObject(bucket, key string, segs ...storage.BlobID) meta.Object {
	o := meta.Object{Bucket: bucket, Key: key, ETag: "e", LastModified: time.Unix(1700000000, 0)}
	for _, id := range segs {
		o.Segments = append(o.Segments, meta.Segment{Blob: id, Size: 1})
		o.Size++
	}
	return o
}

func stagedCount(s *Store) int {
	s.staged.mu.RLock()
	defer s.staged.mu.RUnlock()
	return len(s.staged.blobs)
}

// stored lists the inline blobs in the bucket, staged ones left out.
func stored(t *testing.T, s *Store) []storage.BlobID {
	t.Helper()
	var ids []storage.BlobID
	if err := s.WalkInlineBlobs(t.Context(), func(id storage.BlobID) error {
		if _, ok := s.stagedBlob(id); !ok {
			ids = append(ids, id)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

func mkBucket(t *testing.T, s *Store, name string) {
	t.Helper()
	if err := s.CreateBucket(t.Context(), meta.Bucket{Name: name}); err != nil {
		t.Fatal(err)
	}
}

// TestInlineCommitMakesDurable: the commit writes the bytes and drops the
// memory copy; after reopening, the object reads back from the file.
func TestInlineCommitMakesDurable(t *testing.T) {
	s, e, _, path := openInline(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	id := putBlob(t, e, "hello")
	if !id.Inline() || stagedCount(s) != 1 || len(stored(t, s)) != 0 {
		t.Fatalf("after Put: id %s, %d staged, %d stored; want an inline ID, staged only", id, stagedCount(s), len(stored(t, s)))
	}
	if _, err := s.PutObject(ctx, smallObject("b", "k", id), nil); err != nil {
		t.Fatal(err)
	}
	if stagedCount(s) != 0 || !slices.Equal(stored(t, s), []storage.BlobID{id}) {
		t.Fatalf("after the commit: %d staged, stored %q; want none staged, %s stored", stagedCount(s), stored(t, s), id)
	}
	mustRead(t, e, id, "hello")

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	e2 := inline.New(memory.New(), s2, testMax)
	mustRead(t, e2, id, "hello")
	// New IDs sort after the stored ones, so the bucket grows at its end.
	if next := putBlob(t, e2, "again"); next <= id {
		t.Fatalf("after reopening, new ID %s sorts before stored %s", next, id)
	}
}

// TestInlineUncommittedIsLost: a staged blob no commit took is gone after
// a restart, and nothing points at it.
func TestInlineUncommittedIsLost(t *testing.T) {
	s, e, _, path := openInline(t)
	id := putBlob(t, e, "never committed")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	e2 := inline.New(memory.New(), s2, testMax)
	if _, err := readBlob(t, e2, id); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("uncommitted blob after reopening: %v, want ErrNotFound", err)
	}
	if got := stored(t, s2); len(got) != 0 {
		t.Fatalf("stored after reopening: %q, want none", got)
	}
}

// TestInlineOverwrite replaces inline with file, file with inline, and
// inline with inline: the replaced blob is reported freed, an inline one
// is gone in the same commit, and deleting it afterwards is harmless.
func TestInlineOverwrite(t *testing.T) {
	s, e, next, _ := openInline(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	put := func(id storage.BlobID) []storage.BlobID {
		t.Helper()
		freed, err := s.PutObject(ctx, smallObject("b", "k", id), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range freed {
			if err := e.Delete(ctx, f); err != nil {
				t.Fatalf("Delete(%s): %v", f, err)
			}
		}
		return freed
	}
	small1 := putBlob(t, e, "small one")
	put(small1)
	large := putBlob(t, e, strings.Repeat("L", testMax+1))
	if large.Inline() {
		t.Fatalf("a %d-byte blob went inline", testMax+1)
	}
	if freed := put(large); !slices.Equal(freed, []storage.BlobID{small1}) {
		t.Fatalf("inline -> file freed %q, want %s", freed, small1)
	}
	if _, err := readBlob(t, e, small1); !errors.Is(err, storage.ErrNotFound) || len(stored(t, s)) != 0 {
		t.Fatalf("replaced inline blob: %v, stored %q; want it gone", err, stored(t, s))
	}
	small2 := putBlob(t, e, "small two")
	if freed := put(small2); !slices.Equal(freed, []storage.BlobID{large}) {
		t.Fatalf("file -> inline freed %q, want %s", freed, large)
	}
	if blobCount(t, next) != 0 {
		t.Fatal("the replaced file blob is still in the next engine")
	}
	small3 := putBlob(t, e, "small three")
	if freed := put(small3); !slices.Equal(freed, []storage.BlobID{small2}) {
		t.Fatalf("inline -> inline freed %q, want %s", freed, small2)
	}
	mustRead(t, e, small3, "small three")
	if got := stored(t, s); !slices.Equal(got, []storage.BlobID{small3}) || stagedCount(s) != 0 {
		t.Fatalf("stored %q, %d staged; want only %s", got, stagedCount(s), small3)
	}
	// Delete frees the last one, in the same transaction.
	freed, err := s.DeleteObject(ctx, "b", "k")
	if err != nil || !slices.Equal(freed, []storage.BlobID{small3}) {
		t.Fatalf("DeleteObject freed %q, %v", freed, err)
	}
	if got := stored(t, s); len(got) != 0 {
		t.Fatalf("after DeleteObject, stored %q", got)
	}
}

func blobCount(t *testing.T, e storage.Engine) int {
	t.Helper()
	n := 0
	if err := e.Walk(t.Context(), func(storage.BlobID) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInlineFailedCommitStoresNothing: a precondition that refuses the
// write leaves the bytes staged (the caller then deletes them), never
// stored.
func TestInlineFailedCommitStoresNothing(t *testing.T) {
	s, e, _, _ := openInline(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	id := putBlob(t, e, "refused")
	errNo := errors.New("precondition failed")
	if _, err := s.PutObject(ctx, smallObject("b", "k", id), func(*meta.Object) error { return errNo }); !errors.Is(err, errNo) {
		t.Fatalf("PutObject = %v, want the precondition's error", err)
	}
	if _, err := s.PutObject(ctx, smallObject("nobucket", "k", id), nil); !errors.Is(err, meta.ErrNoSuchBucket) {
		t.Fatalf("PutObject into a missing bucket = %v", err)
	}
	if len(stored(t, s)) != 0 || stagedCount(s) != 1 {
		t.Fatalf("after failed commits: stored %q, %d staged; want nothing stored, 1 staged", stored(t, s), stagedCount(s))
	}
	if err := e.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if stagedCount(s) != 0 || blobCount(t, e) != 0 {
		t.Fatalf("after Delete: %d staged, %d blobs", stagedCount(s), blobCount(t, e))
	}
}

// TestInlineUnstagedRefused: a commit naming an inline blob that is
// neither staged nor stored must fail, not point a key at nothing.
func TestInlineUnstagedRefused(t *testing.T) {
	s, _, _, _ := openInline(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	ghost := storage.NewInlineBlobID(42)
	if _, err := s.PutObject(ctx, smallObject("b", "k", ghost), nil); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("PutObject with an unknown inline blob = %v, want storage.ErrNotFound", err)
	}
	if _, err := s.GetObject(ctx, "b", "k"); !errors.Is(err, meta.ErrNoSuchKey) {
		t.Fatalf("GetObject after the refused commit = %v, want ErrNoSuchKey", err)
	}
}

// TestInlineMultipart: inline parts are committed by PutPart, carried into
// the object by CompleteUpload, replaced part by part, and dropped with
// the upload on abort.
func TestInlineMultipart(t *testing.T) {
	s, e, _, _ := openInline(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	start := func(id string) {
		t.Helper()
		if err := s.CreateUpload(ctx, meta.Upload{Bucket: "b", Key: "k", ID: id, Initiated: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	part := func(upload string, n int, data string) storage.BlobID {
		t.Helper()
		id := putBlob(t, e, data)
		freed, err := s.PutPart(ctx, "b", "k", upload, meta.Part{Number: n, Blob: id, Size: int64(len(data)), ETag: "p"})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range freed {
			if err := e.Delete(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	start("u1")
	p1 := part("u1", 1, "part one")
	part("u1", 2, "first try")
	p2 := part("u1", 2, "part two") // replaces the first try
	large := part("u1", 3, strings.Repeat("L", testMax+1))
	if got := stored(t, s); len(got) != 2 || stagedCount(s) != 0 {
		t.Fatalf("after PutPart: stored %q, %d staged; want parts 1 and 2 stored, none staged", got, stagedCount(s))
	}
	obj, freed, err := s.CompleteUpload(ctx, "b", "k", "u1", func(u meta.Upload, parts map[int]meta.Part) (meta.Object, error) {
		o := meta.Object{Bucket: "b", Key: "k", ETag: "x-3", PartsCount: 3}
		for n := 1; n <= 3; n++ {
			o.Segments = append(o.Segments, meta.Segment{Blob: parts[n].Blob, Size: parts[n].Size})
			o.Size += parts[n].Size
		}
		return o, nil
	}, nil)
	if err != nil || len(freed) != 0 {
		t.Fatalf("CompleteUpload: freed %q, %v", freed, err)
	}
	if !slices.Equal(obj.Blobs(), []storage.BlobID{p1, p2, large}) {
		t.Fatalf("object blobs %q", obj.Blobs())
	}
	mustRead(t, e, p1, "part one")
	mustRead(t, e, p2, "part two")

	// An aborted upload's inline parts go with it.
	start("u2")
	part("u2", 1, "abandoned")
	freed, err = s.AbortUpload(ctx, "b", "k", "u2")
	if err != nil || len(freed) != 1 {
		t.Fatalf("AbortUpload freed %q, %v", freed, err)
	}
	if got := stored(t, s); len(got) != 2 {
		t.Fatalf("after abort: stored %q, want only the object's two inline parts", got)
	}
	// Deleting the object frees everything.
	if _, err := s.DeleteObject(ctx, "b", "k"); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, s); len(got) != 0 {
		t.Fatalf("after DeleteObject: stored %q", got)
	}
}

// TestInlineSharedBlob: a blob two objects reference (as a copy reusing
// segments would) keeps its bytes until the last reference goes.
func TestInlineSharedBlob(t *testing.T) {
	s, e, _, _ := openInline(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	id := putBlob(t, e, "shared")
	for _, k := range []string{"a", "b"} {
		if _, err := s.PutObject(ctx, smallObject("b", k, id), nil); err != nil {
			t.Fatal(err)
		}
	}
	if freed, err := s.DeleteObject(ctx, "b", "a"); err != nil || len(freed) != 0 {
		t.Fatalf("deleting one of two references freed %q, %v", freed, err)
	}
	mustRead(t, e, id, "shared")
	if freed, err := s.DeleteObject(ctx, "b", "b"); err != nil || len(freed) != 1 {
		t.Fatalf("deleting the last reference freed %q, %v", freed, err)
	}
	if _, err := readBlob(t, e, id); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("after the last reference: %v, want ErrNotFound", err)
	}
}

// TestInlineDeleteBucketDropsUploads: DeleteBucket drops in-progress
// uploads, and their inline parts with them.
func TestInlineDeleteBucketDropsUploads(t *testing.T) {
	s, e, _, _ := openInline(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	if err := s.CreateUpload(ctx, meta.Upload{Bucket: "b", Key: "k", ID: "u", Initiated: time.Unix(1700000000, 0)}); err != nil {
		t.Fatal(err)
	}
	id := putBlob(t, e, "part")
	if _, err := s.PutPart(ctx, "b", "k", "u", meta.Part{Number: 1, Blob: id, Size: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, s); len(got) != 0 {
		t.Fatalf("after DeleteBucket: stored %q", got)
	}
}

// TestInlineOrphanRemoved: bytes no reference holds, which no sequence of
// store calls leaves behind, are removed by Delete rather than kept.
func TestInlineOrphanRemoved(t *testing.T) {
	s, e, _, _ := openInline(t)
	id := storage.NewInlineBlobID(7)
	if err := s.update(t.Context(), func(tx *bbolt.Tx) error {
		return tx.Bucket(bktInlineBlobs).Put([]byte(id), []byte("orphan"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.Delete(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, s); len(got) != 0 {
		t.Fatalf("after Delete of an orphan: stored %q", got)
	}
}

// TestInlineGroupCommit: concurrent small PUTs share commits (the point of
// inlining) and every one of them is stored and readable.
func TestInlineGroupCommit(t *testing.T) {
	s, e, _, _ := openInline(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	const n = 64
	var wg sync.WaitGroup
	ids := make([]storage.BlobID, n)
	for i := range n {
		wg.Go(func() {
			id, _, err := e.Put(ctx, strings.NewReader(fmt.Sprint("body ", i)))
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := s.PutObject(ctx, smallObject("b", fmt.Sprint("k", i), id), nil); err != nil {
				t.Error(err)
				return
			}
			ids[i] = id
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i, id := range ids {
		mustRead(t, e, id, fmt.Sprint("body ", i))
	}
	if got := stored(t, s); len(got) != n || stagedCount(s) != 0 {
		t.Fatalf("%d stored, %d staged; want %d stored, none staged", len(got), stagedCount(s), n)
	}
}

// The crash test runs a writer in a child process (this test binary,
// re-executed through TestMain), kills it with SIGKILL in the middle of a
// storm of small PUTs, reopens the file and checks every key: it reads
// whole, its bytes match its record, and it is at least as new as the last
// write the child saw acknowledged. No write is torn and no acknowledged
// write is lost.

const crashEnv = "SIGNET_BOLT_INLINE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	os.Exit(m.Run())
}

// crashChild writes until killed. Each of 8 writers owns 5 keys, so the
// last acknowledged write of a key is the newest one there can be; the
// writers run at once, so their commits are grouped.
func crashChild(path string) {
	fail := func(what string, err error) {
		fmt.Println(what+":", err)
		os.Exit(1)
	}
	s, err := Open(path)
	if err != nil {
		fail("open", err)
	}
	e := inline.New(memory.New(), s, testMax)
	ctx := context.Background()
	if err := s.CreateBucket(ctx, meta.Bucket{Name: "b"}); err != nil && !errors.Is(err, meta.ErrBucketExists) {
		fail("bucket", err)
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for gen := 1; ; gen++ {
				key := fmt.Sprintf("w%d-k%d", w, gen%5)
				body := strings.Repeat(fmt.Sprintf("%s gen %d;", key, gen), 1+gen%7)
				id, n, err := e.Put(ctx, strings.NewReader(body))
				if err != nil {
					fail("put", err)
				}
				sum := md5.Sum([]byte(body))
				o := meta.Object{Bucket: "b", Key: key, Size: n, ETag: hex.EncodeToString(sum[:]),
					LastModified: time.Unix(int64(gen), 0),
					Segments:     []meta.Segment{{Blob: id, Size: n}}}
				freed, err := s.PutObject(ctx, o, nil)
				if err != nil {
					fail("commit", err)
				}
				for _, f := range freed {
					if err := e.Delete(ctx, f); err != nil {
						fail("delete", err)
					}
				}
				// Acknowledged: the commit returned.
				mu.Lock()
				fmt.Fprintf(out, "ack %s %d\n", key, gen)
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func TestInlineCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run", "^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// acked is the last acknowledged generation of each key.
		acked := map[string]int64{}
		sc := bufio.NewScanner(stdout)
		want, lines := 300+round*200, 0
		for lines < want && sc.Scan() {
			var key string
			var gen int64
			if _, err := fmt.Sscanf(sc.Text(), "ack %s %d", &key, &gen); err != nil {
				t.Fatalf("child said %q", sc.Text())
			}
			acked[key] = gen
			lines++
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		if lines < want {
			t.Fatalf("round %d: child stopped after %d acknowledgements", round, lines)
		}
		checkAfterCrash(t, path, acked)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	emptyBucket(t, s)
}

// checkAfterCrash opens the file a killed child left and checks every key.
func checkAfterCrash(t *testing.T, path string, acked map[string]int64) {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := inline.New(memory.New(), s, testMax)
	ctx := t.Context()
	for key, last := range acked {
		o, err := s.GetObject(ctx, "b", key)
		if err != nil {
			t.Fatalf("key %s, acknowledged at gen %d, is missing: %v", key, last, err)
		}
		b, err := e.Open(ctx, o.Segments[0].Blob)
		if err != nil {
			t.Fatalf("key %s: its inline blob is missing: %v", key, err)
		}
		body, _ := io.ReadAll(b)
		sum := md5.Sum(body)
		if hex.EncodeToString(sum[:]) != o.ETag || int64(len(body)) != o.Size {
			t.Fatalf("key %s: %d bytes %q do not match the record (ETag %s, size %d)", key, len(body), body, o.ETag, o.Size)
		}
		gen := o.LastModified.Unix()
		if !strings.HasPrefix(string(body), key+" gen "+strconv.FormatInt(gen, 10)+";") {
			t.Fatalf("key %s: bytes %q belong to another write than its record (gen %d)", key, body, gen)
		}
		if gen < last {
			t.Fatalf("key %s holds gen %d, older than the acknowledged gen %d", key, gen, last)
		}
	}
	// Every stored inline blob is referenced: nothing leaked.
	var refs, inl []storage.BlobID
	if err := s.WalkBlobs(ctx, func(id storage.BlobID) error { refs = append(refs, id); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.WalkInlineBlobs(ctx, func(id storage.BlobID) error { inl = append(inl, id); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(refs)
	slices.Sort(inl)
	if len(refs) == 0 || !slices.Equal(refs, inl) {
		t.Fatalf("after the crash: %d references, %d inline blobs stored; want the same, non-empty set", len(refs), len(inl))
	}
}

// emptyBucket deletes every object and the bucket, and checks that no
// inline bytes outlive them.
func emptyBucket(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	page, err := s.ListObjects(ctx, "b", meta.ListQuery{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range page.Objects {
		if _, err := s.DeleteObject(ctx, "b", o.Key); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	var left bytes.Buffer
	_ = s.WalkInlineBlobs(ctx, func(id storage.BlobID) error { left.WriteString(string(id) + " "); return nil })
	if left.Len() != 0 {
		t.Fatalf("after emptying the bucket, inline blobs remain: %s", left.String())
	}
}

// RewriteInlineBlobHead changes a stored blob's first bytes and nothing
// after them; a staged or missing blob, or a head longer than the blob, is
// refused.
func TestRewriteInlineBlobHead(t *testing.T) {
	s, e, _, _ := openInline(t)
	ctx := t.Context()
	mkBucket(t, s, "b")
	id := putBlob(t, e, "old-head|body")
	if err := s.RewriteInlineBlobHead(ctx, id, []byte("NEW")); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("staged blob: %v", err)
	}
	if _, err := s.PutObject(ctx, smallObject("b", "k", id), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.RewriteInlineBlobHead(ctx, id, []byte("NEW-HEAD")); err != nil {
		t.Fatal(err)
	}
	mustRead(t, e, id, "NEW-HEAD|body")
	if err := s.RewriteInlineBlobHead(ctx, id, []byte(strings.Repeat("x", 40))); err == nil {
		t.Errorf("a head longer than the blob was written")
	}
	mustRead(t, e, id, "NEW-HEAD|body")
}
