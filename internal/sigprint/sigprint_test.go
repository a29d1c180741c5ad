package sigprint

import (
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
	a := Of(V4, "ABCDEF0123")
	if a != Of(V4, "abcdef0123") {
		t.Fatal("SigV4 hex case changes the fingerprint")
	}
	if Of(V2, "abcdef0123") == a {
		t.Fatal("a SigV2 and a SigV4 signature of the same text share a fingerprint")
	}
	if Of(V2, "AbC=") == Of(V2, "abc=") {
		t.Fatal("SigV2 base64 is case-sensitive, but the fingerprints are equal")
	}
	if Of(V4, "ab") == Of(V4, "ac") {
		t.Fatal("two signatures share a fingerprint")
	}
	long := strings.Repeat("f", 500)
	if Of(V4, long) == Of(V4, long[:499]) {
		t.Fatal("a signature longer than the stack buffer lost its tail")
	}
}

func TestStringParse(t *testing.T) {
	p := Of(V4, "abc")
	s := p.String()
	if len(s) != Len || strings.ToLower(s) != s {
		t.Fatalf("String = %q", s)
	}
	for _, in := range []string{s, strings.ToUpper(s)} {
		if got, ok := Parse(in); !ok || got != p {
			t.Fatalf("Parse(%q) = %v, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "xyz", s[:Len-1], s + "0", strings.Repeat("0", Len), strings.Repeat("g", Len)} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) ok", bad)
		}
	}
	if (Print{}).String() != "" {
		t.Fatal("the zero Print prints")
	}
}

func BenchmarkOf(b *testing.B) {
	sig := strings.Repeat("a1", 32)
	b.ReportAllocs()
	for b.Loop() {
		_ = Of(V4, sig)
	}
}
