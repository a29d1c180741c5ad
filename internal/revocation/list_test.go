package revocation

import (
	"strconv"
	"testing"
	"time"

	"signet/internal/meta"
	"signet/internal/principal"
	"signet/internal/sigprint"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

var (
	alice = &principal.Principal{AccessKeyID: "AKIAALICE0000000001", ARN: "arn:aws:iam::123456789012:user/alice", UserName: "alice"}
	// aliceSession is a GetSessionToken session of alice's.
	aliceSession = &principal.Principal{AccessKeyID: "ASIAALICE0000000001", ARN: "arn:aws:sts::123456789012:federated-user/alice",
		UserName: "alice", SessionKind: principal.SessionToken, TokenIssued: t0.Add(-time.Hour)}
	readerCI = &principal.Principal{AccessKeyID: "ASIAREADERCI0000001", ARN: "arn:aws:sts::123456789012:assumed-role/reader/ci",
		SessionKind: principal.SessionAssumedRole, RoleName: "reader", SessionName: "ci", TokenIssued: t0.Add(-time.Hour)}
	bob = &principal.Principal{AccessKeyID: "AKIABOB00000000001", ARN: "arn:aws:iam::123456789012:user/bob", UserName: "bob"}
)

func urlEntry(p sigprint.Print, until time.Time) meta.URLRevocation {
	return meta.URLRevocation{ID: "url:" + p.String(), Print: p.String(), Until: until, RevokedAt: t0, RevokedBy: "arn:aws:iam::123456789012:root", Reason: "leaked"}
}

func ruleEntry(kind, signer string, before time.Time) meta.URLRevocation {
	return meta.URLRevocation{ID: "signer:" + kind + ":" + signer, SignerKind: kind, Signer: signer, Before: before, Until: before.Add(RuleLife), RevokedAt: t0}
}

func TestListURLs(t *testing.T) {
	var l List
	revoked, sibling := sigprint.Of(sigprint.V4, "aa"), sigprint.Of(sigprint.V4, "bb")
	if l.Revoked(revoked, alice, t0) != nil {
		t.Fatal("an empty list revokes")
	}
	l.Load([]meta.URLRevocation{urlEntry(revoked, t0.Add(time.Hour))}, t0)
	rv := l.Revoked(revoked, alice, t0)
	if rv == nil || rv.Reason != "leaked" || rv.By == "" || !rv.At.Equal(t0) || rv.Signer != "" {
		t.Fatalf("Revoked = %+v", rv)
	}
	if l.Revoked(sibling, alice, t0) != nil {
		t.Fatal("a sibling URL of the same signer is revoked")
	}
	// Loaded after its deadline, the entry is gone.
	if n := l.Load([]meta.URLRevocation{urlEntry(revoked, t0.Add(time.Hour))}, t0.Add(time.Hour)); n != 0 || l.Len() != 0 {
		t.Fatalf("after the deadline: skipped %d, len %d", n, l.Len())
	}
	if l.Revoked(revoked, alice, t0) != nil {
		t.Fatal("an entry past its deadline still revokes")
	}
	bad := urlEntry(revoked, t0.Add(time.Hour))
	bad.Print = "not-a-print"
	if n := l.Load([]meta.URLRevocation{bad}, t0); n != 1 {
		t.Fatalf("a corrupt entry: skipped %d, want 1", n)
	}
}

func TestListSignerRules(t *testing.T) {
	var l List
	before := t0
	l.Load([]meta.URLRevocation{ruleEntry(KindUser, "alice", before), ruleEntry(KindRole, "reader", before)}, t0)
	p := sigprint.Of(sigprint.V4, "cc")
	cases := []struct {
		name     string
		who      *principal.Principal
		signedAt time.Time
		want     bool
	}{
		{"user key, signed before", alice, before.Add(-time.Second), true},
		{"user key, signed at the time", alice, before, false},
		{"user key, signed after", alice, before.Add(time.Minute), false},
		{"user's session, signed before", aliceSession, before.Add(-time.Minute), true},
		{"user key, SigV2 (no signing time)", alice, time.Time{}, true},
		{"role session, signed before", readerCI, before.Add(-time.Minute), true},
		{"another user", bob, before.Add(-time.Minute), false},
	}
	for _, c := range cases {
		if got := l.Revoked(p, c.who, c.signedAt) != nil; got != c.want {
			t.Errorf("%s: revoked = %v, want %v", c.name, got, c.want)
		}
	}
	// A session issued after the rule's time signed nothing before it,
	// even with SigV2, which names no signing time.
	fresh := *readerCI
	fresh.TokenIssued = before.Add(time.Second)
	if l.Revoked(p, &fresh, time.Time{}) != nil {
		t.Error("a SigV2 URL of a session issued after the rule is revoked")
	}
	if rv := l.Revoked(p, alice, before.Add(-time.Second)); rv == nil || rv.Signer != "user:alice" || !rv.Before.Equal(before) {
		t.Errorf("rule revocation = %+v", rv)
	}
	if l.Revoked(p, nil, before.Add(-time.Second)) != nil {
		t.Error("a rule revokes an unknown signer")
	}
}

func TestParseSigner(t *testing.T) {
	good := map[string]Signer{
		"arn:aws:iam::123456789012:user/alice":             {KindUser, "alice"},
		"arn:aws:iam::123456789012:user/team/alice":        {KindUser, "alice"},
		"arn:aws:iam::123456789012:role/reader":            {KindRole, "reader"},
		"arn:aws:sts::123456789012:assumed-role/reader/ci": {KindSession, "arn:aws:sts::123456789012:assumed-role/reader/ci"},
		"user:alice":                  {KindUser, "alice"},
		"role:reader":                 {KindRole, "reader"},
		"session:ASIAREADERCI0000001": {KindSession, "ASIAREADERCI0000001"},
		"session:arn:aws:sts::123456789012:assumed-role/r/s": {KindSession, "arn:aws:sts::123456789012:assumed-role/r/s"},
		"key:AKIAALICE0000000001":                            {KindKey, "AKIAALICE0000000001"},
		"AKIAALICE0000000001":                                {KindKey, "AKIAALICE0000000001"},
		" ASIAREADERCI0000001 ":                              {KindKey, "ASIAREADERCI0000001"},
	}
	for in, want := range good {
		got, err := ParseSigner(in)
		if err != nil || got != want {
			t.Errorf("ParseSigner(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "alice", "user:", "user:a/b", "session:AKIAALICE0000000001", "key:alice",
		"arn:aws:s3:::bucket", "arn:aws:iam::123456789012:group/g", "arn:aws:sts::1:assumed-role/r", "robot:x"} {
		if sg, err := ParseSigner(in); err == nil {
			t.Errorf("ParseSigner(%q) = %+v, want an error", in, sg)
		}
	}
}

func TestSignerCovers(t *testing.T) {
	cases := []struct {
		s    Signer
		who  *principal.Principal
		want bool
	}{
		{Signer{KindUser, "alice"}, alice, true},
		{Signer{KindUser, "alice"}, aliceSession, true},
		{Signer{KindUser, "alice"}, bob, false},
		{Signer{KindRole, "reader"}, readerCI, true},
		{Signer{KindRole, "reader"}, alice, false},
		{Signer{KindSession, readerCI.ARN}, readerCI, true},
		{Signer{KindSession, readerCI.AccessKeyID}, readerCI, true},
		{Signer{KindSession, alice.AccessKeyID}, alice, false}, // a long-term key is no session
		{Signer{KindKey, alice.AccessKeyID}, alice, true},
		{Signer{KindKey, alice.AccessKeyID}, aliceSession, false},
		{Signer{KindRoot, "root"}, &principal.Principal{AccessKeyID: "AKIAROOT000000000001", ARN: "arn:aws:iam::123456789012:root", IsRoot: true}, true},
		{Signer{KindRoot, "root"}, alice, false},
	}
	for _, c := range cases {
		if got := c.s.Covers(c.who); got != c.want {
			t.Errorf("%s covers %s = %v, want %v", c.s, c.who.ARN, got, c.want)
		}
	}
}

// BenchmarkRevokedMiss is the request path's cost for a URL that is not
// revoked, with the list at its bound: one map lookup, and one per name
// of the signer when there are signer rules.
func BenchmarkRevokedMiss(b *testing.B) {
	for _, rules := range []int{0, 3} {
		b.Run(strconv.Itoa(rules)+"rules", func(b *testing.B) {
			var l List
			entries := make([]meta.URLRevocation, 0, MaxEntries)
			for i := range MaxEntries - rules {
				entries = append(entries, urlEntry(sigprint.Of(sigprint.V4, strconv.Itoa(i)), t0.Add(time.Hour)))
			}
			others := []meta.URLRevocation{ruleEntry(KindUser, "bob", t0), ruleEntry(KindRole, "reader", t0), ruleEntry(KindKey, "AKIABOB00000000001", t0)}
			entries = append(entries, others[:rules]...)
			l.Load(entries, t0)
			p := sigprint.Of(sigprint.V4, "not revoked")
			b.ReportAllocs()
			for b.Loop() {
				if l.Revoked(p, alice, t0) != nil {
					b.Fatal("revoked")
				}
			}
		})
	}
}

// Names is Covers read the other way: the request path looks rules up by
// the names a signer goes by, so every signer that covers a principal
// must be among its names, and no other.
func TestNamesAreWhatCovers(t *testing.T) {
	root := &principal.Principal{AccessKeyID: "AKIAROOT000000000001", ARN: "arn:aws:iam::123456789012:root", IsRoot: true}
	rootSession := &principal.Principal{AccessKeyID: "ASIAROOT000000000001", ARN: "arn:aws:iam::123456789012:root", IsRoot: true,
		SessionKind: principal.SessionToken, TokenIssued: t0}
	who := []*principal.Principal{alice, aliceSession, readerCI, bob, root, rootSession}
	var signers []Signer
	for _, p := range who {
		for _, kind := range []string{KindUser, KindRole, KindSession, KindKey, KindRoot} {
			for _, v := range []string{p.UserName, p.RoleName, p.ARN, p.AccessKeyID, "root", "reader", "alice"} {
				if v != "" {
					signers = append(signers, Signer{kind, v})
				}
			}
		}
	}
	for _, p := range who {
		ns := Names(p)
		for _, s := range signers {
			in := false
			for _, n := range ns.List() {
				in = in || n == s
			}
			if in != s.Covers(p) {
				t.Errorf("%s: in Names(%s) = %v, Covers = %v", s, p.ARN, in, s.Covers(p))
			}
		}
	}
}
