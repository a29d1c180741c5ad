package revocation

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/explain"
	"signet/internal/meta"
	"signet/internal/sigprint"
)

// fakeStore is the URLRevocationStore contract in a map (the engines'
// own are checked by internal/meta/metatest).
type fakeStore struct{ m map[string]meta.URLRevocation }

func (f *fakeStore) PutURLRevocations(_ context.Context, rs []meta.URLRevocation, limit int) error {
	n := len(f.m)
	for _, r := range rs {
		if _, ok := f.m[r.ID]; !ok {
			n++
		}
	}
	if n > limit {
		return meta.ErrLimitExceeded
	}
	for _, r := range rs {
		f.m[r.ID] = r
	}
	return nil
}

func (f *fakeStore) ListURLRevocations(context.Context) ([]meta.URLRevocation, error) {
	var out []meta.URLRevocation
	for _, r := range f.m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (f *fakeStore) PruneURLRevocations(_ context.Context, now time.Time) (int, error) {
	n := 0
	for id, r := range f.m {
		if !now.Before(r.Until) {
			delete(f.m, id)
			n++
		}
	}
	return n, nil
}

// fakeIdentify names one URL.
type fakeIdentify struct{ id *explain.Identity }

func (f fakeIdentify) Identify(context.Context, adminwire.ExplainRequest) (*explain.Identity, error) {
	return f.id, nil
}

type fakeIdentities struct{}

func (fakeIdentities) GetUser(_ context.Context, name string) (meta.User, error) {
	if name == "alice" {
		return meta.User{Name: name}, nil
	}
	return meta.User{}, meta.ErrNoSuchEntity
}
func (fakeIdentities) GetRole(context.Context, string) (meta.Role, error) {
	return meta.Role{}, meta.ErrNoSuchEntity
}
func (fakeIdentities) GetAccessKey(context.Context, string) (meta.AccessKey, error) {
	return meta.AccessKey{}, meta.ErrNoSuchEntity
}
func (fakeIdentities) GetSession(context.Context, string) (meta.Session, error) {
	return meta.Session{}, meta.ErrNoSuchEntity
}

func newService(t *testing.T, id *explain.Identity) (*Service, *fakeStore, *List, *clock.Fake) {
	t.Helper()
	st, l, clk := &fakeStore{m: map[string]meta.URLRevocation{}}, &List{}, clock.NewFake(t0)
	s, err := NewService(Config{Store: st, List: l, Identify: fakeIdentify{id}, Identities: fakeIdentities{}, Keys: authn.NewStaticKeys(&authn.Credential{AccessKeyID: "AKIAROOT000000000001"}), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return s, st, l, clk
}

func TestRevokeURLKeepsItUntilItsDeadline(t *testing.T) {
	p, twin := sigprint.Of(sigprint.V4, "aa"), sigprint.Of(sigprint.V2, "bb")
	id := &explain.Identity{Print: p, Method: "GET", Principal: alice, AccessKeyID: alice.AccessKeyID, Until: t0.Add(2 * time.Hour),
		Bucket: "photos", Key: "cat.jpg", Twins: []sigprint.Print{twin}}
	s, st, l, clk := newService(t, id)
	ctx := context.Background()
	got, err := s.RevokeURL(ctx, adminwire.ExplainRequest{}, "leaked", "arn:aws:iam::123456789012:root")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Print != p.String() || got[1].TwinOf != p.String() || got[1].Print != twin.String() ||
		!got[0].Until.Equal(id.Until) || got[0].PrincipalARN != alice.ARN || got[0].Reason != "leaked" {
		t.Fatalf("stored %+v", got)
	}
	for _, q := range []sigprint.Print{p, twin} {
		if l.Revoked(q, alice, t0) == nil {
			t.Fatalf("%s is not revoked in memory after RevokeURL", q)
		}
	}
	clk.Advance(2*time.Hour - time.Second)
	if n, _ := s.Prune(ctx); n != 0 || l.Revoked(p, alice, t0) == nil {
		t.Fatalf("a second before the deadline: pruned %d, revoked %v", n, l.Revoked(p, alice, t0) != nil)
	}
	clk.Advance(time.Second)
	if n, err := s.Prune(ctx); n != 2 || err != nil || len(st.m) != 0 || l.Len() != 0 {
		t.Fatalf("at the deadline: pruned %d, %v; %d stored, %d loaded", n, err, len(st.m), l.Len())
	}
	// A URL already dead is not stored.
	if _, err := s.RevokeURL(ctx, adminwire.ExplainRequest{}, "", "x"); !errors.As(err, new(*explain.NotRevocable)) {
		t.Fatalf("revoking a dead URL: %v", err)
	}
}

func TestRevokeURLFull(t *testing.T) {
	s, st, _, clk := newService(t, &explain.Identity{Print: sigprint.Of(sigprint.V4, "aa"), Until: t0.Add(3 * time.Hour)})
	for i := range MaxEntries {
		p := sigprint.Of(sigprint.V4, strconv.Itoa(i)).String()
		id := "url:" + p
		until := t0.Add(2 * time.Hour)
		if i == 0 {
			until = t0.Add(time.Hour) // dead before the others
		}
		st.m[id] = meta.URLRevocation{ID: id, Print: p, Until: until}
	}
	if _, err := s.RevokeURL(context.Background(), adminwire.ExplainRequest{}, "", "x"); !errors.Is(err, ErrFull) {
		t.Fatalf("revoking past the bound: %v", err)
	}
	// An entry past its deadline, not pruned yet, makes room.
	clk.Advance(time.Hour)
	if _, err := s.RevokeURL(context.Background(), adminwire.ExplainRequest{}, "", "x"); err != nil || len(st.m) != MaxEntries {
		t.Fatalf("revoking once an entry is dead: %v, %d stored", err, len(st.m))
	}
}

func TestRevokeSigner(t *testing.T) {
	s, _, l, _ := newService(t, nil)
	ctx := context.Background()
	e, err := s.RevokeSigner(ctx, "user:alice", time.Time{}, "laptop stolen", "arn:aws:iam::123456789012:root")
	if err != nil {
		t.Fatal(err)
	}
	if !e.Before.Equal(t0) || !e.Until.Equal(t0.Add(RuleLife)) || e.SignerKind != KindUser || e.Signer != "alice" {
		t.Fatalf("rule %+v", e)
	}
	p := sigprint.Of(sigprint.V4, "any")
	if l.Revoked(p, alice, t0.Add(-time.Minute)) == nil || l.Revoked(p, alice, t0) != nil {
		t.Fatal("the rule does not cut at its time")
	}
	if _, err := s.RevokeSigner(ctx, "arn:aws:iam::123456789012:root", time.Time{}, "", "x"); err != nil {
		t.Fatalf("the root's ARN: %v", err)
	}
	if _, err := s.RevokeSigner(ctx, "AKIAROOT000000000001", time.Time{}, "", "x"); err != nil {
		t.Fatalf("a key only the request path knows (the root's): %v", err)
	}
	for _, c := range []struct {
		signer string
		before time.Time
		want   string
	}{
		{"user:nobody", time.Time{}, "no user nobody"},
		{"role:reader", time.Time{}, "no role reader"},
		{"alice", time.Time{}, "names no signer"},
		{"user:alice", t0.Add(time.Minute), "in the future"},
		{"user:alice", t0.Add(-RuleLife), "expired already"},
		{"key:AKIANOBODY000000001", time.Time{}, "no access key AKIANOBODY000000001"},
	} {
		_, err := s.RevokeSigner(ctx, c.signer, c.before, "", "x")
		var ie *InvalidError
		if !errors.As(err, &ie) || !strings.Contains(ie.Message, c.want) {
			t.Errorf("RevokeSigner(%q, %v) = %v, want %q", c.signer, c.before, err, c.want)
		}
	}
}

// TestRevokePrint: a URL known by its fingerprint only is refused until
// the deadline the caller names, with the facts it gives, and nothing
// else is stored (no twin: the server never saw the URL).
func TestRevokePrint(t *testing.T) {
	s, st, l, clk := newService(t, nil)
	ctx := context.Background()
	p := sigprint.Of(sigprint.V4, "cc")
	what := URLFacts{AccessKeyID: alice.AccessKeyID, PrincipalARN: alice.ARN, Method: "GET", Bucket: "photos", Key: "cat.jpg"}
	e, err := s.RevokePrint(ctx, strings.ToUpper(p.String()), t0.Add(time.Hour), what, "shared by mistake", alice.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != "url:"+p.String() || e.Print != p.String() || !e.Until.Equal(t0.Add(time.Hour)) || e.RevokedBy != alice.ARN ||
		e.PrincipalARN != alice.ARN || e.Key != "cat.jpg" || e.Reason != "shared by mistake" || len(st.m) != 1 {
		t.Fatalf("stored %+v (%d entries)", e, len(st.m))
	}
	if l.Revoked(p, alice, t0) == nil {
		t.Fatal("the fingerprint is not revoked in memory after RevokePrint")
	}
	clk.Advance(time.Hour)
	if n, err := s.Prune(ctx); n != 1 || err != nil {
		t.Fatalf("at the deadline: pruned %d, %v", n, err)
	}
	for _, c := range []struct {
		print string
		until time.Time
		want  string
	}{
		{"nope", t0.Add(2 * time.Hour), "is not a fingerprint"},
		{"", t0.Add(2 * time.Hour), "is not a fingerprint"},
		{p.String(), clk.Now().Add(RuleLife + time.Second), "more than 7 days away"},
	} {
		_, err := s.RevokePrint(ctx, c.print, c.until, URLFacts{}, "", "x")
		var ie *InvalidError
		if !errors.As(err, &ie) || !strings.Contains(ie.Message, c.want) {
			t.Errorf("RevokePrint(%q, %v) = %v, want %q", c.print, c.until, err, c.want)
		}
	}
	if _, err := s.RevokePrint(ctx, p.String(), clk.Now(), URLFacts{}, "", "x"); !errors.As(err, new(*explain.NotRevocable)) {
		t.Fatalf("revoking a dead URL by fingerprint: %v", err)
	}
	if len(st.m) != 0 {
		t.Fatalf("refusals stored %d entries", len(st.m))
	}
}
