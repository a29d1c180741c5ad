package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
	"signet/internal/principal"
)

// The conformance suite (metatest) checks each method on one store; these
// tests check what only a shared database shows: two nodes' stores on it.

// openTwoNodes opens two stores, as two nodes would, on one fresh database.
func openTwoNodes(t *testing.T) (*Store, *Store) {
	t.Helper()
	a, dsn := openTest(t)
	b, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

var idT0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func idUser(name string, i int) meta.User {
	return meta.User{Name: name, ID: fmt.Sprintf("AIDA%016d", i), Path: "/", Created: idT0}
}

func idKey(id, user string) meta.AccessKey {
	return meta.AccessKey{ID: id, UserName: user, SealedSecret: []byte("sealed-" + id), Status: principal.KeyActive, Created: idT0}
}

func TestIdentityChangesSeenByAnotherNode(t *testing.T) {
	a, b := openTwoNodes(t)
	ctx := t.Context()
	if err := a.CreateUser(ctx, idUser("Alice", 1)); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateAccessKey(ctx, idKey("AKIA1", "ALICE"), 2); err != nil {
		t.Fatalf("CreateAccessKey on node B for a user created on node A: %v", err)
	}
	k, err := a.GetAccessKey(ctx, "AKIA1")
	if err != nil || k.UserName != "Alice" || k.UserID != idUser("Alice", 1).ID {
		t.Fatalf("node A reads the key node B created: %+v, %v", k, err)
	}
	if err := a.UpdateAccessKey(ctx, "alice", "AKIA1", principal.KeyInactive); err != nil {
		t.Fatal(err)
	}
	if k, err := b.GetAccessKey(ctx, "AKIA1"); err != nil || k.Status != principal.KeyInactive {
		t.Errorf("node B after node A deactivated the key: %+v, %v", k, err)
	}
	// A user with a key cannot be deleted from either node.
	if err := b.DeleteUser(ctx, "Alice"); !errors.Is(err, meta.ErrDeleteConflict) {
		t.Errorf("DeleteUser on node B with the key node B made: %v, want ErrDeleteConflict", err)
	}
	if err := b.DeleteAccessKey(ctx, "Alice", "AKIA1", idT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetAccessKey(ctx, "AKIA1"); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Errorf("node A reads a key node B deleted: %v", err)
	}
	if d, err := a.GetDeletedAccessKey(ctx, "AKIA1"); err != nil || d.UserName != "Alice" {
		t.Errorf("node A reads the tombstone node B left: %+v, %v", d, err)
	}
	if err := a.PutSession(ctx, meta.Session{AccessKeyID: "ASIA1", Kind: principal.SessionToken, Expiry: idT0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := b.TerminateSession(ctx, "ASIA1", idT0.Add(time.Minute)); err != nil {
		t.Fatalf("node B terminates node A's session: %v", err)
	}
	if s, err := a.GetSession(ctx, "ASIA1"); err != nil || !s.TerminatedAt.Equal(idT0.Add(time.Minute)) {
		t.Errorf("node A reads the session node B terminated: %+v, %v", s, err)
	}
	if err := a.CreateUser(ctx, idUser("ALICE", 2)); !errors.Is(err, meta.ErrEntityExists) {
		t.Errorf("CreateUser of a name that exists in another case: %v, want ErrEntityExists", err)
	}
}

// identityVersion is the identity change counter the feed announces.
func identityVersion(t *testing.T, s *Store) int64 {
	t.Helper()
	var v int64
	err := s.pool.QueryRow(t.Context(), "SELECT coalesce((SELECT version FROM changes WHERE kind = $1), 0)", ChangeIdentity).Scan(&v)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestIdentityWritesAnnounceChanges: every identity write that succeeds
// bumps the identity counter in its transaction (which is how the other
// nodes' caches hear of it); a write that fails, and a sweep that finds
// nothing, leave it alone.
func TestIdentityWritesAnnounceChanges(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	u := meta.Owner{Kind: principal.OwnerUser, Name: "u"}
	r := meta.Owner{Kind: principal.OwnerRole, Name: "r"}
	arn := "arn:aws:iam::123456789012:policy/P"
	refused := errors.New("refused by fn")
	// sweep calls a sweep and checks how many records went.
	sweep := func(f func(context.Context, time.Time) (int, error), before time.Time, want int) func() error {
		return func() error {
			n, err := f(ctx, before)
			if err == nil && n != want {
				err = fmt.Errorf("removed %d, want %d", n, want)
			}
			return err
		}
	}
	steps := []struct {
		name    string
		call    func() error
		want    error // nil: the call succeeds
		changes bool
	}{
		{"CreateUser", func() error { return s.CreateUser(ctx, idUser("u", 1)) }, nil, true},
		{"CreateUser taken", func() error { return s.CreateUser(ctx, idUser("U", 2)) }, meta.ErrEntityExists, false},
		{"CreateAccessKey", func() error { return s.CreateAccessKey(ctx, idKey("AKIA1", "u"), 1) }, nil, true},
		{"CreateAccessKey over limit", func() error { return s.CreateAccessKey(ctx, idKey("AKIA2", "u"), 1) }, meta.ErrLimitExceeded, false},
		{"UpdateAccessKey", func() error { return s.UpdateAccessKey(ctx, "u", "AKIA1", principal.KeyInactive) }, nil, true},
		{"DeleteAccessKey", func() error { return s.DeleteAccessKey(ctx, "u", "AKIA1", idT0) }, nil, true},
		{"DeleteAccessKey again", func() error { return s.DeleteAccessKey(ctx, "u", "AKIA1", idT0) }, meta.ErrNoSuchEntity, false},
		{"sweep nothing", sweep(s.DeleteAccessKeyTombstonesBefore, idT0, 0), nil, false},
		{"sweep tombstone", sweep(s.DeleteAccessKeyTombstonesBefore, idT0.Add(time.Second), 1), nil, true},
		{"CreateRole", func() error { return s.CreateRole(ctx, meta.Role{Name: "r", ID: "AROA1", Created: idT0}) }, nil, true},
		{"UpdateRole", func() error {
			return s.UpdateRole(ctx, "r", func(x *meta.Role) error { x.Description = "d"; return nil })
		}, nil, true},
		{"UpdateRole refused by fn", func() error {
			return s.UpdateRole(ctx, "r", func(*meta.Role) error { return refused })
		}, refused, false},
		{"PutInlinePolicy", func() error { return s.PutInlinePolicy(ctx, r, meta.InlinePolicy{Name: "p", Document: "{}"}) }, nil, true},
		{"DeleteRole with a dependent", func() error { return s.DeleteRole(ctx, "r") }, meta.ErrDeleteConflict, false},
		{"DeleteInlinePolicy", func() error { return s.DeleteInlinePolicy(ctx, r, "P") }, nil, true},
		{"DeleteRole", func() error { return s.DeleteRole(ctx, "r") }, nil, true},
		{"CreatePolicy", func() error {
			return s.CreatePolicy(ctx, meta.Policy{Name: "P", ID: "ANPA1", Created: idT0, Updated: idT0})
		}, nil, true},
		{"AttachPolicy", func() error { return s.AttachPolicy(ctx, u, arn) }, nil, true},
		{"DeletePolicy attached", func() error { return s.DeletePolicy(ctx, "p") }, meta.ErrDeleteConflict, false},
		{"DetachPolicy", func() error { return s.DetachPolicy(ctx, u, arn) }, nil, true},
		{"DeletePolicy", func() error { return s.DeletePolicy(ctx, "p") }, nil, true},
		{"DeleteUser", func() error { return s.DeleteUser(ctx, "u") }, nil, true},
		{"PutSession", func() error {
			return s.PutSession(ctx, meta.Session{AccessKeyID: "ASIA1", Kind: principal.SessionToken, Expiry: idT0})
		}, nil, true},
		{"PutSession reused ID", func() error {
			return s.PutSession(ctx, meta.Session{AccessKeyID: "ASIA1", Kind: principal.SessionToken, Expiry: idT0})
		}, meta.ErrEntityExists, false},
		{"TerminateSession", func() error { return s.TerminateSession(ctx, "ASIA1", idT0) }, nil, true},
		{"ResealSecrets", func() error {
			return s.ResealSecrets(ctx, func(_ string, b []byte) ([]byte, error) { return b, nil })
		}, nil, true},
		{"expire nothing", sweep(s.DeleteSessionsExpiredBefore, idT0, 0), nil, false},
		{"expire session", sweep(s.DeleteSessionsExpiredBefore, idT0.Add(time.Second), 1), nil, true},
	}
	for _, st := range steps {
		before := identityVersion(t, s)
		err := st.call()
		switch {
		case st.want == nil && err != nil:
			t.Fatalf("%s: %v", st.name, err)
		case st.want != nil && !errors.Is(err, st.want):
			t.Fatalf("%s: %v, want %v", st.name, err, st.want)
		}
		want := int64(0)
		if st.changes {
			want = 1
		}
		if got := identityVersion(t, s) - before; got != want {
			t.Errorf("%s: identity counter went up by %d, want %d", st.name, got, want)
		}
	}
}

// TestKeyLimitAcrossNodes: two nodes creating a user's last allowed key
// at once leave at most the limit, whatever the interleaving: the
// SERIALIZABLE transaction that loses is retried and finds the limit
// reached.
func TestKeyLimitAcrossNodes(t *testing.T) {
	a, b := openTwoNodes(t)
	ctx := t.Context()
	const users, limit = 10, 2
	for u := range users {
		name := fmt.Sprintf("u%d", u)
		if err := a.CreateUser(ctx, idUser(name, u)); err != nil {
			t.Fatal(err)
		}
		// One below the limit: the next create is the last allowed.
		if err := a.CreateAccessKey(ctx, idKey(fmt.Sprintf("AKIA%d-0", u), name), limit); err != nil {
			t.Fatal(err)
		}
	}
	for u := range users {
		name := fmt.Sprintf("u%d", u)
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, s := range []*Store{a, b} {
			wg.Go(func() {
				<-start
				errs[i] = s.CreateAccessKey(ctx, idKey(fmt.Sprintf("AKIA%d-%d", u, i+1), name), limit)
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, meta.ErrLimitExceeded):
				t.Errorf("%s: CreateAccessKey: %v", name, err)
			}
		}
		keys, err := b.ListAccessKeys(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if ok != 1 || len(keys) != limit {
			t.Errorf("%s: %d of 2 racing creates succeeded and the user has %d keys, want 1 and %d", name, ok, len(keys), limit)
		}
	}
}

// TestUpdateRoleAcrossNodesLosesNothing: UpdateRole's fn runs on the
// role as stored inside the write, so concurrent read-modify-writes from
// two nodes all land.
func TestUpdateRoleAcrossNodesLosesNothing(t *testing.T) {
	a, b := openTwoNodes(t)
	ctx := t.Context()
	if err := a.CreateRole(ctx, meta.Role{Name: "R", ID: "AROA1", MaxSessionDuration: 3600, Created: idT0}); err != nil {
		t.Fatal(err)
	}
	const perNode = 10
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, s := range []*Store{a, b} {
		for range perNode {
			wg.Go(func() {
				<-start
				err := s.UpdateRole(ctx, "r", func(r *meta.Role) error { r.MaxSessionDuration++; return nil })
				if err != nil {
					t.Error(err)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	got, err := b.GetRole(ctx, "R")
	if err != nil {
		t.Fatal(err)
	}
	if want := 3600 + 2*perNode; got.MaxSessionDuration != want {
		t.Errorf("MaxSessionDuration after %d increments = %d, want %d", 2*perNode, got.MaxSessionDuration, want)
	}
}

// TestIdentityWriteBehindAStuckWriterIsUnavailable: a node that died
// inside an identity write, holding the turn, holds up the others' writes
// only for the operation timeout; they then fail as ErrUnavailable (503)
// rather than hang. Reads are not held up at all.
func TestIdentityWriteBehindAStuckWriterIsUnavailable(t *testing.T) {
	s, dsn := openTest(t)
	s.opTimeout = 300 * time.Millisecond
	ctx := t.Context()
	stuck, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close(context.Background())
	tx, err := stuck.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE changes IN SHARE ROW EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, idUser("u", 1)); !errors.Is(err, meta.ErrUnavailable) {
		t.Errorf("CreateUser behind a stuck writer: %v, want ErrUnavailable", err)
	}
	if _, err := s.GetUser(ctx, "u"); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Errorf("GetUser behind a stuck writer: %v, want ErrNoSuchEntity", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, idUser("u", 1)); err != nil {
		t.Errorf("CreateUser once the stuck writer is gone: %v", err)
	}
}

// TestConcurrentIdentityWritesAcrossNodesAllSucceed: identity writes from
// three nodes at once all succeed. Each bumps the one change counter, so
// without turns taken before their snapshots most would be aborted at
// commit and some would run out of retries.
func TestConcurrentIdentityWritesAcrossNodesAllSucceed(t *testing.T) {
	a, b := openTwoNodes(t)
	c, err := Open(context.Background(), a.connCfg.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const workers, each = 12, 30
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []error
	start := make(chan struct{})
	for n, s := range []*Store{a, b, c} {
		for w := range workers {
			wg.Go(func() {
				<-start
				for i := range each {
					id := fmt.Sprintf("ASIA%d-%d-%d", n, w, i)
					err := s.PutSession(t.Context(), meta.Session{AccessKeyID: id, Kind: principal.SessionToken, Expiry: idT0})
					if err != nil {
						mu.Lock()
						failed = append(failed, err)
						mu.Unlock()
					}
				}
			})
		}
	}
	close(start)
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d of %d concurrent PutSession calls failed, the first with %v", len(failed), 3*workers*each, failed[0])
	}
	ss, err := c.ListSessions(t.Context())
	if err != nil || len(ss) != 3*workers*each {
		t.Errorf("%d sessions stored, %v; want %d", len(ss), err, 3*workers*each)
	}
}
