package adminapi_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"signet/internal/adminapi"
	"signet/internal/adminwire"
	"signet/internal/sigprint"
	"signet/internal/urluses"
)

// fakeUses answers every fingerprint with its uses, newest first, and
// records the limit it was asked for.
type fakeUses struct {
	uses  map[sigprint.Print][]urluses.Use
	limit int
}

func (f *fakeUses) Uses(p sigprint.Print, limit int) ([]urluses.Use, error) {
	f.limit = limit
	u := f.uses[p]
	return u[:min(limit, len(u))], nil
}

// TestURLUses: GET …/urls/uses answers a link's uses as the store has
// them, asks for 50 unless told, and is authorised as
// signet:ListURLUses; a fingerprint or a limit that does not parse is a
// 400 InvalidArgument; without a store, 501.
func TestURLUses(t *testing.T) {
	f := newFixture(t, false)
	p := sigprint.Of(sigprint.V4, strings.Repeat("9", 64))
	store := &fakeUses{uses: map[sigprint.Print][]urluses.Use{p: {
		{At: t0.Add(2), Client: netip.MustParseAddr("127.0.0.3"), Method: "GET", Status: 403, Outcome: "url_expired", ErrorCode: "AccessDenied", Operation: "GetObject"},
		{At: t0.Add(1), Client: netip.MustParseAddr("127.0.0.2"), Method: "GET", Status: 200, Bytes: 13, Outcome: "ok", Operation: "GetObject",
			PrincipalARN: "arn:aws:iam::" + acct + ":user/alice", AccessKeyID: "AKIAALICE"},
	}}}
	f.api = mustNew(t, adminapi.Config{Clock: f.clk, Store: f.store, Authz: f.authz, URLUses: store})

	got := decode[adminwire.URLUses](t, f.do(t, http.MethodGet, "urls/uses?fingerprint="+p.String(), ""))
	if got.Fingerprint != p.String() || len(got.Uses) != 2 || store.limit != adminwire.URLUsesDefaultLimit {
		t.Fatalf("uses = %+v (limit asked %d)", got, store.limit)
	}
	want := adminwire.URLUse{At: t0.Add(1), Client: "127.0.0.2", Method: "GET", Status: 200, Bytes: 13, Outcome: "ok",
		Operation: "GetObject", Principal: "arn:aws:iam::" + acct + ":user/alice", AccessKeyID: "AKIAALICE"}
	if got.Uses[1] != want || got.Uses[0].ErrorCode != "AccessDenied" || got.Uses[0].Status != 403 {
		t.Errorf("uses = %+v, want the second %+v", got.Uses, want)
	}
	got = decode[adminwire.URLUses](t, f.do(t, http.MethodGet, "urls/uses?limit=1&fingerprint="+strings.ToUpper(p.String()), ""))
	if len(got.Uses) != 1 || store.limit != 1 || got.Uses[0].Client != "127.0.0.3" {
		t.Errorf("limit 1: %+v (limit asked %d)", got, store.limit)
	}
	// A link never used: an empty list, not null.
	w := f.do(t, http.MethodGet, "urls/uses?fingerprint="+sigprint.Of(sigprint.V2, "x").String(), "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"uses":[]`) {
		t.Errorf("unused link: %d %s", w.Code, w.Body)
	}
	if last := f.authz.calls[len(f.authz.calls)-1]; last != "signet:ListURLUses *" {
		t.Errorf("authorised as %q", last)
	}

	for _, q := range []string{"", "fingerprint=abc", "fingerprint=" + strings.Repeat("z", 32), "fingerprint=" + strings.Repeat("0", 32),
		"fingerprint=" + p.String() + "&limit=0", "fingerprint=" + p.String() + "&limit=1001", "fingerprint=" + p.String() + "&limit=ten"} {
		wantError(t, f.do(t, http.MethodGet, "urls/uses?"+q, ""), 400, "InvalidArgument")
	}

	f.authz.deny["signet:ListURLUses"] = true
	e := wantError(t, f.do(t, http.MethodGet, "urls/uses?fingerprint="+p.String(), ""), 403, "AccessDenied")
	if !strings.Contains(e.Error.Message, "signet:ListURLUses") {
		t.Errorf("AccessDenied message %q", e.Error.Message)
	}

	f = newFixture(t, false)
	wantError(t, f.do(t, http.MethodGet, "urls/uses?fingerprint="+p.String(), ""), 501, "NotImplemented")
}
