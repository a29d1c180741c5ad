package metatest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"signet/internal/meta"
)

// runConsoleLinks checks meta.ConsoleLinkStore, each part on a store of
// its own: every field round-trips (an object key need not be UTF-8); a
// principal's list holds only its links, newest first, ties by ID; an ID
// put again is replaced; a link without an ID, a principal or an
// Effective is refused with nothing stored; an unknown ID is
// ErrNoSuchEntity; a prune removes exactly the links whose Effective is
// at or before its time; a closed store answers ErrClosed.
func runConsoleLinks(t *testing.T, newStore func(t *testing.T) meta.Store) {
	parts := []struct {
		name string
		fn   func(t *testing.T, s meta.ConsoleLinkStore)
	}{
		{"RoundTrip", testConsoleLinksRoundTrip},
		{"List", testConsoleLinksList},
		{"Replace", testConsoleLinksReplace},
		{"Invalid", testConsoleLinksInvalid},
		{"Prune", testConsoleLinksPrune},
		{"Closed", testConsoleLinksClosed},
	}
	for _, p := range parts {
		t.Run(p.name, func(t *testing.T) {
			s := newStore(t)
			ls, ok := s.(meta.ConsoleLinkStore)
			if !ok {
				t.Fatalf("%T does not implement meta.ConsoleLinkStore", s)
			}
			p.fn(t, ls)
		})
	}
}

const (
	alice = "arn:aws:iam::123456789012:user/alice"
	bob   = "arn:aws:iam::123456789012:user/bob"
)

// consoleLink is a link with every field set.
func consoleLink(id, who string, made int) meta.ConsoleLink {
	return meta.ConsoleLink{
		ID: id, PrincipalARN: who, Bucket: "photos", Key: "a/b c/ünï.jpg", Method: "GET",
		Signer: "ASIAIOSFODNN7EXAMPLE", MadeAt: at(made), Expires: at(made + 7*24*3600),
		Effective: at(made + 12*3600), LimitedBy: "credentials",
	}
}

// consoleLinkDiff says how got differs from want; "" when the same.
func consoleLinkDiff(got, want meta.ConsoleLink) string {
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{{"MadeAt", got.MadeAt, want.MadeAt}, {"Expires", got.Expires, want.Expires}, {"Effective", got.Effective, want.Effective}} {
		if !f.got.Equal(f.want) {
			return fmt.Sprintf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
	got.MadeAt, got.Expires, got.Effective = want.MadeAt, want.Expires, want.Effective
	if got != want {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return ""
}

func putConsoleLink(t *testing.T, s meta.ConsoleLinkStore, l meta.ConsoleLink) {
	t.Helper()
	if err := s.PutConsoleLink(t.Context(), l); err != nil {
		t.Fatalf("PutConsoleLink(%s): %v", l.ID, err)
	}
}

// listConsoleLinks fails t unless who's list is exactly want, in order.
func listConsoleLinks(t *testing.T, s meta.ConsoleLinkStore, who string, want ...meta.ConsoleLink) {
	t.Helper()
	got, err := s.ListConsoleLinks(t.Context(), who)
	if err != nil {
		t.Fatalf("ListConsoleLinks(%s): %v", who, err)
	}
	if len(got) != len(want) {
		t.Fatalf("ListConsoleLinks(%s) has %d links, want %d: %+v", who, len(got), len(want), got)
	}
	for i := range want {
		if d := consoleLinkDiff(got[i], want[i]); d != "" {
			t.Fatalf("ListConsoleLinks(%s)[%d] (%s): %s", who, i, want[i].ID, d)
		}
	}
}

func testConsoleLinksRoundTrip(t *testing.T, s meta.ConsoleLinkStore) {
	odd := consoleLink("0123456789abcdef0123456789abcdef", alice, 0)
	odd.Key, odd.Signer, odd.LimitedBy = "\x00\xff/..//k", "AKIAIOSFODNN7EXAMPLE", "expires"
	putConsoleLink(t, s, odd)
	got, err := s.GetConsoleLink(t.Context(), odd.ID)
	if err != nil {
		t.Fatalf("GetConsoleLink: %v", err)
	}
	if d := consoleLinkDiff(got, odd); d != "" {
		t.Fatalf("GetConsoleLink: %s", d)
	}
	if _, err := s.GetConsoleLink(t.Context(), "ffffffffffffffffffffffffffffffff"); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Fatalf("GetConsoleLink(unknown) = %v, want ErrNoSuchEntity", err)
	}
}

// testConsoleLinksList: a principal sees its own links only, newest
// first, two of one second ordered by ID.
func testConsoleLinksList(t *testing.T, s meta.ConsoleLinkStore) {
	listConsoleLinks(t, s, alice)
	a1, a2, a3 := consoleLink("b1", alice, 10), consoleLink("a2", alice, 30), consoleLink("c3", alice, 30)
	b1 := consoleLink("d1", bob, 20)
	for _, l := range []meta.ConsoleLink{a1, b1, a3, a2} {
		putConsoleLink(t, s, l)
	}
	listConsoleLinks(t, s, alice, a2, a3, a1)
	listConsoleLinks(t, s, bob, b1)
	listConsoleLinks(t, s, "arn:aws:iam::123456789012:user/carol")
}

func testConsoleLinksReplace(t *testing.T, s meta.ConsoleLinkStore) {
	a := consoleLink("a", alice, 10)
	putConsoleLink(t, s, a)
	a2 := a
	a2.LimitedBy, a2.Effective = "expires", at(99)
	putConsoleLink(t, s, a2)
	listConsoleLinks(t, s, alice, a2)
}

func testConsoleLinksInvalid(t *testing.T, s meta.ConsoleLinkStore) {
	noID, noWho, noEnd := consoleLink("", alice, 0), consoleLink("x", "", 0), consoleLink("y", alice, 0)
	noEnd.Effective = time.Time{}
	for _, l := range []meta.ConsoleLink{noID, noWho, noEnd} {
		if err := s.PutConsoleLink(t.Context(), l); !errors.Is(err, meta.ErrInvalidArgument) {
			t.Fatalf("PutConsoleLink(%+v) = %v, want ErrInvalidArgument", l, err)
		}
	}
	listConsoleLinks(t, s, alice)
}

// testConsoleLinksPrune: a link whose Effective is the prune's time goes
// (it is dead at that instant); one a microsecond later stays.
func testConsoleLinksPrune(t *testing.T, s meta.ConsoleLinkStore) {
	dead, edge, live := consoleLink("dead", alice, 0), consoleLink("edge", alice, 1), consoleLink("live", bob, 2)
	dead.Effective, edge.Effective, live.Effective = at(50), at(100), at(100).Add(time.Microsecond)
	for _, l := range []meta.ConsoleLink{dead, edge, live} {
		putConsoleLink(t, s, l)
	}
	n, err := s.PruneConsoleLinks(t.Context(), at(100))
	if err != nil || n != 2 {
		t.Fatalf("PruneConsoleLinks = %d, %v; want 2", n, err)
	}
	listConsoleLinks(t, s, alice)
	listConsoleLinks(t, s, bob, live)
	if n, err := s.PruneConsoleLinks(t.Context(), at(100)); err != nil || n != 0 {
		t.Fatalf("PruneConsoleLinks again = %d, %v; want 0", n, err)
	}
}

func testConsoleLinksClosed(t *testing.T, s meta.ConsoleLinkStore) {
	if err := s.(meta.Store).Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := t.Context()
	errs := map[string]error{"Put": s.PutConsoleLink(ctx, consoleLink("a", alice, 0))}
	_, errs["Get"] = s.GetConsoleLink(ctx, "a")
	_, errs["List"] = s.ListConsoleLinks(ctx, alice)
	_, errs["Prune"] = s.PruneConsoleLinks(ctx, at(0))
	for op, err := range errs {
		if !errors.Is(err, meta.ErrClosed) {
			t.Errorf("%s on a closed store = %v, want ErrClosed", op, err)
		}
	}
}
