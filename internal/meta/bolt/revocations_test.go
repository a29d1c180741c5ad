package bolt

import (
	"context"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
)

func fxRevocation(id string, until time.Time) meta.URLRevocation {
	return meta.URLRevocation{
		ID: "url:" + id, Print: id, Until: until, RevokedAt: fxTime, RevokedBy: "arn:aws:iam::123456789012:user/admin",
		Reason: "leaked", AccessKeyID: fxKey.ID, PrincipalARN: "arn:aws:iam::123456789012:user/alice",
		Method: "GET", Bucket: "photos", Key: "cat.jpg", TwinOf: "v4" + id,
	}
}

func listAll(t *testing.T, s *Store) []meta.URLRevocation {
	t.Helper()
	rs, err := s.ListURLRevocations(context.Background())
	mustDo(t, "ListURLRevocations", err)
	return rs
}

// TestURLRevocationsSurviveReopen: the denylist is what a restarted
// server refuses URLs by, so what was put, and what a prune removed,
// must outlive the process.
func TestURLRevocationsSurviveReopen(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	keep, drop := fxRevocation("keep", fxTime.Add(time.Hour)), fxRevocation("drop", fxTime)
	rule := meta.URLRevocation{ID: "signer:user:alice", SignerKind: "user", Signer: "alice",
		Before: fxTime.Add(-time.Minute), Until: fxTime.Add(7 * 24 * time.Hour), RevokedAt: fxTime}
	mustDo(t, "put", s.PutURLRevocations(ctx, []meta.URLRevocation{keep, drop, rule}, 3))
	n, err := s.PruneURLRevocations(ctx, fxTime)
	if err != nil || n != 1 {
		t.Fatalf("PruneURLRevocations = %d, %v; want 1", n, err)
	}
	mustDo(t, "close", s.Close())
	s2, err := Open(path)
	mustDo(t, "reopen", err)
	defer s2.Close()
	got := listAll(t, s2)
	// Records come back in UTC with every nanosecond, as stored.
	if len(got) != 2 || got[0] != rule || got[1] != keep {
		t.Fatalf("after reopen: %+v, want the rule then %q", got, keep.ID)
	}
}

// TestURLRevocationsBucketCreatedInAnOlderFile: a file written before
// the denylist (the version-5 fixture, and a file of the current version
// without the bucket) gains an empty one at Open, with no new schema
// version, and keeps what is put in it.
func TestURLRevocationsBucketCreatedInAnOlderFile(t *testing.T) {
	s, current := openTemp(t)
	mustDo(t, "close", s.Close())
	db, err := bbolt.Open(current, 0o600, nil)
	mustDo(t, "bbolt.Open", err)
	mustDo(t, "drop the bucket", db.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bktURLRevocations) }))
	mustDo(t, "close", db.Close())

	for _, path := range []string{current, copyFixture(t)} {
		s, err := Open(path)
		mustDo(t, "Open "+path, err)
		if got := listAll(t, s); len(got) != 0 {
			t.Fatalf("%s: denylist %+v, want empty", path, got)
		}
		r := fxRevocation("a", fxTime.Add(time.Hour))
		mustDo(t, "put", s.PutURLRevocations(context.Background(), []meta.URLRevocation{r}, 1))
		mustDo(t, "close", s.Close())
		if v := fileVersion(t, path); v != schemaVersion {
			t.Errorf("%s: schema version %d after Open, want %d", path, v, schemaVersion)
		}
		s, err = Open(path)
		mustDo(t, "reopen "+path, err)
		if got := listAll(t, s); len(got) != 1 || got[0] != r {
			t.Errorf("%s: after reopen %+v, want %+v", path, got, r)
		}
		mustDo(t, "close", s.Close())
	}
}
