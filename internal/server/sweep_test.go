package server

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"signet/internal/adminapi"
	"signet/internal/clock"
	"signet/internal/meta"
	"signet/internal/principal"
	"signet/internal/storage"
	"signet/internal/storage/disk"
	"signet/internal/storage/inline"
	"signet/internal/storage/memory"
)

// A deleted key's tombstone is kept for the sweep's week, to the second,
// so the key's URLs can be explained for as long as any could live.
func TestSweepKeepsKeyTombstonesAWeek(t *testing.T) {
	deleted := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	fake := clock.NewFake(deleted)
	s, err := New(testConfig(t), quietLog(), fake)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	const id = "AKIAALICE00000000001"
	if err := s.store.CreateUser(ctx, meta.User{Name: "alice", ID: "AIDAALICE00000000001", Path: "/", Created: deleted}); err != nil {
		t.Fatal(err)
	}
	if err := s.store.CreateAccessKey(ctx, meta.AccessKey{ID: id, UserName: "alice", SealedSecret: []byte("sealed"), Status: principal.KeyActive, Created: deleted}, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.store.DeleteAccessKey(ctx, "alice", id, deleted); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		after time.Duration
		kept  bool
	}{
		{adminapi.RetainExpired - time.Second, true},
		{adminapi.RetainExpired, true},
		{adminapi.RetainExpired + time.Second, false},
	} {
		fake.Set(deleted.Add(step.after))
		s.sweep(ctx)
		_, err := s.store.GetDeletedAccessKey(ctx, id)
		if kept := err == nil; kept != step.kept || err != nil && !errors.Is(err, meta.ErrNoSuchEntity) {
			t.Errorf("%s after the deletion: tombstone kept %v (%v), want %v", step.after, kept, err, step.kept)
		}
	}
}

// putFileBlob stores a blob too large to be inline, so it is a file under
// the data directory, with its modification time set to written; it
// returns the blob's ID.
func putFileBlob(t *testing.T, s *Server, written time.Time) storage.BlobID {
	t.Helper()
	id, _, err := s.blobs.Put(t.Context(), bytes.NewReader(make([]byte, inline.DefaultMax+1)))
	if err != nil {
		t.Fatal(err)
	}
	if id.Inline() {
		t.Fatalf("blob %s is inline, want a file", id)
	}
	path := filepath.Join(s.cfg.DataDir, "objects", disk.RelPath(id))
	if err := os.Chtimes(path, written, written); err != nil {
		t.Fatal(err)
	}
	return id
}

// With a grace (a blob folder other nodes write to), an orphan file blob
// is deleted only once it is older than the grace: a younger one may be
// another node's write whose commit has not landed yet. The clock is a
// fake, the blobs' times set on their files.
func TestOrphansYoungerThanTheGraceKept(t *testing.T) {
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	fake := clock.NewFake(start)
	cfg := testConfig(t)
	s, err := New(cfg, quietLog(), fake)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cases := []struct {
		name string
		age  time.Duration
		kept bool
	}{
		{"just written", 0, true},
		{"a second short of the grace", orphanGrace - time.Second, true},
		{"exactly the grace", orphanGrace, true},
		{"a second past the grace", orphanGrace + time.Second, false},
		{"a day old", 24 * time.Hour, false},
		{"written after now (another machine's clock ahead)", -time.Minute, true},
	}
	ids := make([]storage.BlobID, len(cases))
	for i, c := range cases {
		ids[i] = putFileBlob(t, s, start.Add(-c.age))
	}
	files, err := disk.Open(filepath.Join(cfg.DataDir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	removed, young, err := collectOrphans(t.Context(), walkOnly(nil), s.blobs, files, fake.Now(), orphanGraceFor(false))
	if err != nil || removed != 2 || young != 4 {
		t.Errorf("collectOrphans = %d removed, %d young, %v; want 2, 4", removed, young, err)
	}
	for i, c := range cases {
		b, err := s.blobs.Open(t.Context(), ids[i])
		if err == nil {
			b.Close()
		}
		if kept := err == nil; kept != c.kept || err != nil && !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("orphan %s: kept %v (%v), want %v", c.name, kept, err, c.kept)
		}
	}
}

// A server holds its bolt store's blob folder alone, so its start-up
// recovery needs no grace: a crash's orphans go at the next start, however
// young, as they always have.
func TestStartupRemovesYoungOrphansOfItsOwnFolder(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	cfg := testConfig(t)
	s, err := New(cfg, quietLog(), fake)
	if err != nil {
		t.Fatal(err)
	}
	orphan := putFileBlob(t, s, fake.Now())
	s.Close()
	s, err = New(cfg, quietLog(), fake)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.blobs.Open(t.Context(), orphan); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a just-written orphan after a restart: %v, want it deleted", err)
	}
}

// A blob referenced by an object is never collected, however old.
func TestStartupKeepsOldReferencedBlobs(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	s, err := New(testConfig(t), quietLog(), fake)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	orphan := putFileBlob(t, s, fake.Now().Add(-24*time.Hour))
	live := putFileBlob(t, s, fake.Now().Add(-24*time.Hour))
	referenced := map[storage.BlobID]bool{live: true}
	files, err := disk.Open(filepath.Join(s.cfg.DataDir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	removed, young, err := collectOrphans(t.Context(), walkOnly(referenced), s.blobs, files, fake.Now(), orphanGrace)
	if err != nil || removed != 1 || young != 0 {
		t.Fatalf("collectOrphans = %d removed, %d young, %v; want 1, 0", removed, young, err)
	}
	if _, err := s.blobs.Open(t.Context(), orphan); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("old orphan: %v, want it deleted", err)
	}
	b, err := s.blobs.Open(t.Context(), live)
	if err != nil {
		t.Fatalf("referenced blob: %v", err)
	}
	b.Close()
}

// With a grace, a file engine that cannot tell a blob's age (no
// storage.Ager) is not swept: an orphan of unknown age may be a write in
// flight.
func TestStartupDoesNotSweepAnEngineWithoutAges(t *testing.T) {
	mem := memory.New()
	ctx := t.Context()
	id, _, err := mem.Put(ctx, bytes.NewReader(make([]byte, inline.DefaultMax+1)))
	if err != nil {
		t.Fatal(err)
	}
	removed, young, err := collectOrphans(ctx, walkOnly(nil), mem, mem, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), orphanGrace)
	if err != nil || removed != 0 || young != 1 {
		t.Fatalf("collectOrphans = %d removed, %d young, %v; want 0, 1", removed, young, err)
	}
	b, err := mem.Open(ctx, id)
	if err != nil {
		t.Fatalf("blob of an engine without ages: %v", err)
	}
	b.Close()
}

// walkOnly is a metadata store whose objects reference exactly the blobs
// given; collectOrphans calls nothing else.
type walkOnly map[storage.BlobID]bool

func (w walkOnly) WalkBlobs(_ context.Context, fn func(storage.BlobID) error) error {
	for id := range w {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}
