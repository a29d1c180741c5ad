package server

import (
	"errors"
	"testing"
	"time"

	"signet/internal/adminapi"
	"signet/internal/clock"
	"signet/internal/meta"
	"signet/internal/principal"
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
