package metatest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"signet/internal/meta"
)

// runURLRevocations checks meta.URLRevocationStore, each part on a store
// of its own: every field round-trips and the list is sorted by ID
// bytewise; an ID put again is replaced, the last of a batch winning; the
// limit counts the entries the store would hold, replacements included
// once, and a batch over it stores nothing; an entry without an ID or an
// Until is refused with nothing stored; a prune removes exactly the
// entries whose Until is at or before its time and counts them; a closed
// store answers ErrClosed. Every engine implements the interface (the
// server keeps the denylist in whichever it runs on), so one that does
// not fails here rather than skip.
func runURLRevocations(t *testing.T, newStore func(t *testing.T) meta.Store) {
	parts := []struct {
		name string
		fn   func(t *testing.T, s meta.URLRevocationStore)
	}{
		{"RoundTrip", testRevocationsRoundTrip},
		{"Replace", testRevocationsReplace},
		{"Limit", testRevocationsLimit},
		{"Invalid", testRevocationsInvalid},
		{"Prune", testRevocationsPrune},
		{"Closed", testRevocationsClosed},
	}
	for _, p := range parts {
		t.Run(p.name, func(t *testing.T) {
			s := newStore(t)
			rs, ok := s.(meta.URLRevocationStore)
			if !ok {
				t.Fatalf("%T does not implement meta.URLRevocationStore", s)
			}
			p.fn(t, rs)
		})
	}
}

// urlEntry is a URL's entry with every field a URL entry has set.
func urlEntry(print string, until time.Time) meta.URLRevocation {
	return meta.URLRevocation{
		ID:           "url:" + print,
		Print:        print,
		Until:        until,
		RevokedAt:    at(1),
		RevokedBy:    "arn:aws:iam::123456789012:user/admin",
		Reason:       "leaked in a ticket: «quoted»\n2nd line",
		AccessKeyID:  "AKIAIOSFODNN7EXAMPLE",
		PrincipalARN: "arn:aws:iam::123456789012:user/alice",
		Method:       "GET",
		Bucket:       "photos",
		Key:          "a/b c/ünï.jpg",
	}
}

// signerEntry is a signer rule's entry.
func signerEntry(kind, signer string, before, until time.Time) meta.URLRevocation {
	return meta.URLRevocation{
		ID:         fmt.Sprintf("signer:%s:%s:%d", kind, signer, before.Unix()),
		SignerKind: kind,
		Signer:     signer,
		Before:     before,
		Until:      until,
		RevokedAt:  at(2),
		RevokedBy:  "arn:aws:sts::123456789012:assumed-role/ops/night",
		Reason:     "offboarding",
	}
}

// revocationDiff says how got differs from want, field by field, times
// compared with Equal (an engine may hand them back in another
// location); "" when they are the same.
func revocationDiff(got, want meta.URLRevocation) string {
	times := []struct {
		name      string
		got, want time.Time
	}{
		{"Before", got.Before, want.Before},
		{"Until", got.Until, want.Until},
		{"RevokedAt", got.RevokedAt, want.RevokedAt},
	}
	for _, f := range times {
		if !f.got.Equal(f.want) {
			return fmt.Sprintf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
	got.Before, got.Until, got.RevokedAt = want.Before, want.Until, want.RevokedAt
	if got != want {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return ""
}

// listRevocations fails t unless the store lists exactly want, in order.
func listRevocations(t *testing.T, s meta.URLRevocationStore, want ...meta.URLRevocation) {
	t.Helper()
	got, err := s.ListURLRevocations(t.Context())
	if err != nil {
		t.Fatalf("ListURLRevocations: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("ListURLRevocations has %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if d := revocationDiff(got[i], want[i]); d != "" {
			t.Fatalf("ListURLRevocations[%d] (%s): %s", i, want[i].ID, d)
		}
	}
}

func putRevocations(t *testing.T, s meta.URLRevocationStore, limit int, rs ...meta.URLRevocation) {
	t.Helper()
	if err := s.PutURLRevocations(t.Context(), rs, limit); err != nil {
		t.Fatalf("PutURLRevocations(%d entries, limit %d): %v", len(rs), limit, err)
	}
}

// testRevocationsRoundTrip puts entries out of order, with IDs whose
// bytewise order differs from a natural-language collation's (upper case
// before lower, "é" after "z"), and reads them back sorted.
func testRevocationsRoundTrip(t *testing.T, s meta.URLRevocationStore) {
	listRevocations(t, s)
	twin := urlEntry("Zz-v2", at(3600))
	twin.TwinOf = "aa-v4"
	twin.Method = "PUT"
	zeroed := meta.URLRevocation{ID: "url:é", Until: at(-3600)} // every optional field empty
	rule := signerEntry("key", "AKIAIOSFODNN7EXAMPLE", at(-60), at(7*24*3600))
	role := signerEntry("role", "arn:aws:iam::123456789012:role/reader", at(-1), at(12*3600))
	odd := urlEntry("odd", at(60)) // an object key need not be UTF-8
	odd.Key = "\x00\xff/..//k"
	putRevocations(t, s, 6, zeroed, urlEntry("aa-v4", at(3600)), odd, role, twin, rule)
	// "signer:key…" < "signer:role…" < "url:Zz-v2" < "url:aa-v4" <
	// "url:odd" < "url:é".
	listRevocations(t, s, rule, role, twin, urlEntry("aa-v4", at(3600)), odd, zeroed)
}

// testRevocationsReplace: an ID put again, alone or twice in one batch,
// is one entry holding the last version put.
func testRevocationsReplace(t *testing.T, s meta.URLRevocationStore) {
	a, b := urlEntry("a", at(60)), urlEntry("b", at(60))
	putRevocations(t, s, 2, a, b)
	a2 := a
	a2.Reason, a2.Until, a2.RevokedBy = "", at(120), "arn:aws:iam::123456789012:root"
	// The store is full, and a replacement adds nothing to it.
	putRevocations(t, s, 2, a2)
	listRevocations(t, s, a2, b)
	c1, c2 := urlEntry("c", at(30)), urlEntry("c", at(90))
	c2.Reason = "the second"
	putRevocations(t, s, 3, c1, c2)
	listRevocations(t, s, a2, b, c2)
}

// testRevocationsLimit: a batch that would take the store past the limit
// is refused whole, replacements in it included; one that reaches it
// exactly is stored.
func testRevocationsLimit(t *testing.T, s meta.URLRevocationStore) {
	ctx := t.Context()
	a, b := urlEntry("a", at(60)), urlEntry("b", at(60))
	if err := s.PutURLRevocations(ctx, []meta.URLRevocation{a, b}, 1); !errors.Is(err, meta.ErrLimitExceeded) {
		t.Fatalf("2 entries under limit 1: %v, want ErrLimitExceeded", err)
	}
	listRevocations(t, s)
	putRevocations(t, s, 2, a, b)
	a2 := a
	a2.Reason = "changed"
	c := urlEntry("c", at(60))
	if err := s.PutURLRevocations(ctx, []meta.URLRevocation{a2, c}, 2); !errors.Is(err, meta.ErrLimitExceeded) {
		t.Fatalf("a replacement and a new entry at limit 2 with 2 stored: %v, want ErrLimitExceeded", err)
	}
	listRevocations(t, s, a, b)
	// The same ID twice counts once.
	if err := s.PutURLRevocations(ctx, []meta.URLRevocation{c, c}, 2); !errors.Is(err, meta.ErrLimitExceeded) {
		t.Fatalf("one new ID twice at limit 2 with 2 stored: %v, want ErrLimitExceeded", err)
	}
	putRevocations(t, s, 3, c, c, a2)
	listRevocations(t, s, a2, b, c)
}

// testRevocationsInvalid: an entry without an ID or an Until spoils its
// batch, whatever the limit.
func testRevocationsInvalid(t *testing.T, s meta.URLRevocationStore) {
	ctx := t.Context()
	good := urlEntry("good", at(60))
	noID := urlEntry("x", at(60))
	noID.ID = ""
	noUntil := urlEntry("y", time.Time{})
	for _, bad := range []meta.URLRevocation{noID, noUntil} {
		err := s.PutURLRevocations(ctx, []meta.URLRevocation{good, bad}, 10)
		if !errors.Is(err, meta.ErrInvalidArgument) {
			t.Fatalf("PutURLRevocations with %+v: %v, want ErrInvalidArgument", bad, err)
		}
		listRevocations(t, s)
	}
}

// testRevocationsPrune: Until at the prune's time goes, a second after it
// stays; the count is of what went, and a second prune finds nothing.
func testRevocationsPrune(t *testing.T, s meta.URLRevocationStore) {
	ctx := t.Context()
	now := at(1000)
	past := urlEntry("past", at(10))
	atNow := urlEntry("now", now)
	rule := signerEntry("user", "alice", at(5), now)
	later := urlEntry("later", at(1001))
	putRevocations(t, s, 10, past, atNow, rule, later)
	if n, err := s.PruneURLRevocations(ctx, at(9)); err != nil || n != 0 {
		t.Fatalf("PruneURLRevocations before every Until = %d, %v; want 0", n, err)
	}
	if n, err := s.PruneURLRevocations(ctx, now); err != nil || n != 3 {
		t.Fatalf("PruneURLRevocations(now) = %d, %v; want 3", n, err)
	}
	listRevocations(t, s, later)
	if n, err := s.PruneURLRevocations(ctx, now); err != nil || n != 0 {
		t.Fatalf("second PruneURLRevocations(now) = %d, %v; want 0", n, err)
	}
	listRevocations(t, s, later)
	// What a prune removed no longer counts against the limit.
	putRevocations(t, s, 2, past)
	listRevocations(t, s, later, past)
}

func testRevocationsClosed(t *testing.T, s meta.URLRevocationStore) {
	ctx := t.Context()
	putRevocations(t, s, 1, urlEntry("a", at(60)))
	if err := s.(meta.Store).Close(); err != nil {
		t.Fatal(err)
	}
	_, err := s.ListURLRevocations(ctx)
	wantErr(t, "ListURLRevocations after Close", err, meta.ErrClosed)
	err = s.PutURLRevocations(ctx, []meta.URLRevocation{urlEntry("b", at(60))}, 10)
	wantErr(t, "PutURLRevocations after Close", err, meta.ErrClosed)
	_, err = s.PruneURLRevocations(ctx, at(100))
	wantErr(t, "PruneURLRevocations after Close", err, meta.ErrClosed)
}
