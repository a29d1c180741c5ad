// Package revocation owns the presigned-URL denylist: revoking one URL or
// POST form by its signature's fingerprint, or every URL a signer signed
// before a time, without touching the signer's keys or sessions (AWS can
// only do the latter, by deactivating keys or revoking sessions). The
// entries live in the metadata engine, so that every node sees them; each
// node holds all of them in memory (List), where the request path looks
// them up. An entry is kept only until the last moment its URLs could
// work, which bounds the list (MaxEntries).
package revocation

import (
	"sync/atomic"
	"time"

	"signet/internal/authn"
	"signet/internal/meta"
	"signet/internal/principal"
	"signet/internal/sigprint"
)

// MaxEntries bounds the denylist: URL entries and signer rules together.
// An entry lives at most until its URL's deadline, at most 7 days for a
// SigV4 URL, so this is 100,000 revocations a week; each costs a node
// about 200 bytes of memory (20 MB at the bound). Past it, revoking the
// signer (one rule) is the way.
const MaxEntries = 100_000

// List is the denylist in memory. Its snapshot is replaced whole (Load),
// never edited, so the request path reads it without a lock.
type List struct {
	snap atomic.Pointer[snapshot]
}

type snapshot struct {
	urls map[sigprint.Print]*authn.Revocation
	// rules are the signer rules by the signer they name: a request
	// looks up the few names its signer goes by, never scans them all.
	rules map[Signer][]rule
	size  int
}

// rule refuses every URL signed by a principal before a time.
type rule struct {
	before time.Time
	rev    *authn.Revocation
}

var _ authn.Denylist = (*List)(nil)

// Revoked implements authn.Denylist: one map lookup of the fingerprint
// and, when there are signer rules, one of each name the signer goes by
// (Names: at most five).
func (l *List) Revoked(p sigprint.Print, who *principal.Principal, signedAt time.Time) *authn.Revocation {
	s := l.snap.Load()
	if s == nil {
		return nil
	}
	if rv, ok := s.urls[p]; ok {
		return rv
	}
	if len(s.rules) == 0 || who == nil {
		return nil
	}
	names := Names(who)
	for _, n := range names.list[:names.n] {
		for i := range s.rules[n] {
			r := &s.rules[n][i]
			if signedBefore(who, signedAt, r.before) {
				return r.rev
			}
		}
	}
	return nil
}

// signedBefore reports whether a URL signed at signedAt by who may have
// been signed before t. A SigV4 URL says when it was signed; a SigV2 URL
// (signedAt zero) does not, so it counts as signed before t unless its
// credentials were issued at t or later (then it cannot be older).
func signedBefore(who *principal.Principal, signedAt, t time.Time) bool {
	if !who.TokenIssued.IsZero() && !who.TokenIssued.Before(t) {
		return false
	}
	if signedAt.IsZero() {
		return true
	}
	return signedAt.Before(t)
}

// Len is the number of entries loaded.
func (l *List) Len() int {
	if s := l.snap.Load(); s != nil {
		return s.size
	}
	return 0
}

// Load replaces the list with entries, leaving out those whose Until is
// at or before now (their URLs are dead anyway). An entry that does not
// parse (a fingerprint or a signer this version cannot read) is skipped
// and counted in the result, for the caller to log.
func (l *List) Load(entries []meta.URLRevocation, now time.Time) (skipped int) {
	s := &snapshot{urls: make(map[sigprint.Print]*authn.Revocation), rules: make(map[Signer][]rule)}
	for _, e := range entries {
		if !now.Before(e.Until) {
			continue
		}
		rv := &authn.Revocation{At: e.RevokedAt, By: e.RevokedBy, Reason: e.Reason}
		if e.Print != "" {
			p, ok := sigprint.Parse(e.Print)
			if !ok {
				skipped++
				continue
			}
			s.urls[p] = rv
			s.size++
			continue
		}
		sg := Signer{Kind: e.SignerKind, Value: e.Signer}
		if !sg.known() {
			skipped++
			continue
		}
		rv.Signer, rv.Before = sg.String(), e.Before
		s.rules[sg] = append(s.rules[sg], rule{before: e.Before, rev: rv})
		s.size++
	}
	l.snap.Store(s)
	return skipped
}
