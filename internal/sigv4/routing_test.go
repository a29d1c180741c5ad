package sigv4_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"signet/internal/sigv4"
)

// routedPairs is the query as the S3 router, the response-* overrides and
// the condition keys read it (r.URL.Query(), that is url.ParseQuery), as
// sorted "name=value" pairs, without the signature.
func routedPairs(raw string) []string {
	q, _ := url.ParseQuery(raw) // the pairs it could parse, as the router sees them
	var out []string
	for k, vs := range q {
		if k == "X-Amz-Signature" {
			continue
		}
		for _, v := range vs {
			out = append(out, k+"="+v)
		}
	}
	slices.Sort(out)
	return out
}

// signedPairs decodes a canonical query string back into sorted
// "name=value" pairs. The canonical form escapes every '&', '=' and '%'
// inside names and values, so the split is unambiguous.
func signedPairs(canonical string) []string {
	var out []string
	for _, p := range strings.Split(canonical, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		dk, err1 := url.PathUnescape(k)
		dv, err2 := url.PathUnescape(v)
		if err1 != nil || err2 != nil {
			return []string{"undecodable canonical pair " + p}
		}
		out = append(out, dk+"="+dv)
	}
	slices.Sort(out)
	return out
}

// TestCanonicalQueryIsRoutedQuery is finding 1 of issue 13 for SigV4: the
// canonical query must hold exactly the pairs the router reads. A pair
// url.ParseQuery drops (a ';' or a bad escape) was signed in a form that
// also matches a well-formed spelling, so a signed
// "response-content-disposition=attachment%3B…" could be resent as
// "attachment;…": the signature still verified, and the handler, which
// never sees the pair, served the object inline.
func TestCanonicalQueryIsRoutedQuery(t *testing.T) {
	for _, raw := range []string{
		"%70olicy",
		"%75ploadId=u&%70artNumber=1",
		"response%2Dcontent-type=text%2Fhtml",
		"response-content-disposition=attachment;filename=x.html",
		"response-content-disposition=attachment%3Bfilename%3Dx.html",
		"acl;&uploads",
		"k=%zz&k=100%&k=%2",
		"k=%25zz",
		"a=1+2&b=%2B",
	} {
		got, want := signedPairs(sigv4.CanonicalQuery(raw, true)), routedPairs(raw)
		if !slices.Equal(got, want) {
			t.Errorf("query %q: signed %q, routed %q", raw, got, want)
		}
	}
	// The two spellings of a semicolon must not share a signature when
	// only one of them reaches the handler.
	if a, b := sigv4.CanonicalQuery("d=a;b", true), sigv4.CanonicalQuery("d=a%3Bb", true); a == b {
		t.Errorf("d=a;b (dropped by the router) and d=a%%3Bb (routed) sign the same: %q", a)
	}
}

// FuzzCanonicalQueryIsRouted checks the invariant of finding 1 for any
// query: the set of routed parameters equals the set of signed ones.
func FuzzCanonicalQueryIsRouted(f *testing.F) {
	f.Add("%70olicy&response%2Dcontent-type=text/html")
	f.Add("response-content-disposition=attachment;filename=x&k=%zz&X-Amz-Signature=s&X-Amz%2DSignature=t")
	f.Add("a=1+2&&=v&b=%2B&%7e=%7E&c")
	f.Fuzz(func(t *testing.T, raw string) {
		got, want := signedPairs(sigv4.CanonicalQuery(raw, true)), routedPairs(raw)
		if !slices.Equal(got, want) {
			t.Fatalf("query %q: signed %q, routed %q", raw, got, want)
		}
	})
}
